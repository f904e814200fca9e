//===- HloShape.h - Shapes of XLA HLO text --------------------*- C++ -*-===//
//
// The shape grammar of XLA's HLO text: arrays such as `bf16[2,1024]{1,0}`
// (element type, dimensions, optional layout), bounded dynamic dimensions
// `f32[<=8,4]`, `token[]`, and tuples `(f32[4], (s32[], pred[]))`. The
// importer needs shapes only for their byte sizes, so a layout is kept as
// text next to its minor-to-major list rather than modelled (TPU layouts
// carry tiling and memory-space suffixes such as `{1,0:T(8,128)(2,1)}`).
// Format: XLA's ShapeUtil printer and HloParser (openxla/xla,
// xla/shape_util.cc and xla/hlo/parser/hlo_parser.cc).
//
//===----------------------------------------------------------------------===//

#ifndef AOIZORA_HLOIMPORT_HLOSHAPE_H
#define AOIZORA_HLOIMPORT_HLOSHAPE_H

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace aoizora::hlo {

/// One HLO shape. Tuples nest; arrays own an element type and dimensions.
struct HloShape {
  enum class Kind { Array, Tuple, Token, Opaque };

  Kind kind = Kind::Array;
  /// Array: the element type as printed ("bf16", "f8e4m3fn", "pred", ...).
  std::string elementType;
  /// Array: the dimension sizes; a bounded dynamic dimension `<=N` holds N.
  std::vector<int64_t> dims;
  /// Array: which dimensions were written `<=N` (same length as dims).
  std::vector<bool> dynamicDims;
  /// Array: the minor-to-major order when a layout was written.
  std::optional<std::vector<int64_t>> minorToMajor;
  /// Array: the whole layout text between the braces (tiling and memory
  /// space suffixes included), empty when no layout was written.
  std::string layoutText;
  /// Tuple: the element shapes.
  std::vector<HloShape> elements;

  bool isArray() const { return kind == Kind::Array; }
  bool isTuple() const { return kind == Kind::Tuple; }

  /// Number of elements of an array (1 for a scalar), 0 for other kinds.
  int64_t numElements() const;

  /// Bytes of the buffer: sub-byte element types are packed and rounded up
  /// to whole bytes per array; tuples sum their elements; tokens and opaque
  /// values are 0.
  int64_t bytes() const;

  /// Prints the shape back in HLO syntax (with the layout when it had one).
  std::string str() const;
};

/// Bits per element of an HLO element type name, or std::nullopt when the
/// name is not a known primitive type. Sizes follow XLA's primitive types
/// (xla/primitive_util.h): pred and the 8-bit floats take one byte, `s4`,
/// `u4` and `f4e2m1fn` four bits, `s2`/`u2` two, `s1`/`u1` one.
std::optional<unsigned> getElementTypeBits(llvm::StringRef elementType);

/// Parses a complete shape. Whitespace and `/*...*/` comments (such as the
/// `/*index=5*/` markers XLA prints inside long tuples) are allowed between
/// tokens. Products of dimensions that overflow int64_t are rejected.
llvm::Expected<HloShape> parseHloShape(llvm::StringRef text);

/// Parses a shape at the start of \p text and returns the number of
/// characters it took (the rest is left to the caller).
llvm::Expected<HloShape> parseHloShapePrefix(llvm::StringRef text,
                                             size_t &consumed);

} // namespace aoizora::hlo

#endif // AOIZORA_HLOIMPORT_HLOSHAPE_H
