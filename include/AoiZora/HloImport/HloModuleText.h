//===- HloModuleText.h - A syntactic model of HLO text --------*- C++ -*-===//
//
// A tolerant reader for the textual form of an XLA HloModule, as written by
// `jax.jit(f).lower(...).compile().as_text()` or by `--xla_dump_to` in
// `*after_optimizations*.txt`. It keeps what the collective importer needs
// and no semantics: the module header, every computation, and per
// instruction its name, shape, opcode, operands and attributes as raw text.
// Attribute values stay text because XLA has dozens of attribute grammars
// and only a handful matter for pricing communication; the importer parses
// those on demand.
//
// Anything the reader does not understand becomes a `line N: ...` warning
// and is skipped; only input with no module at all, or that ends inside a
// computation, is an error.
//
//===----------------------------------------------------------------------===//

#ifndef AOIZORA_HLOIMPORT_HLOMODULETEXT_H
#define AOIZORA_HLOIMPORT_HLOMODULETEXT_H

#include "AoiZora/HloImport/HloShape.h"

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace aoizora::hlo {

/// One `key=value` attribute, the value as written (braces and quotes
/// included, comments removed).
struct HloAttribute {
  std::string key;
  std::string value;
};

/// One operand of an instruction. Older XLA prints only the name
/// (`all-gather(%copy)`); newer XLA also prints the operand's shape
/// (`all-gather(bf16[8,128]{1,0} %copy)`). Literal operands such as the
/// number in `parameter(0)` have no name.
struct HloOperand {
  /// The referenced instruction without its `%`, empty for a literal.
  std::string name;
  /// The inline shape, when one was printed and parsed.
  std::optional<HloShape> shape;
  /// The operand text as written.
  std::string text;
};

/// One instruction line (`[ROOT] %name = shape opcode(operands), attrs`).
struct HloInstruction {
  std::string name;
  /// The result shape; std::nullopt when none was written (hand-written
  /// HLO may omit it) or it did not parse (a warning says so).
  std::optional<HloShape> shape;
  std::string opcode;
  std::vector<HloOperand> operands;
  std::vector<HloAttribute> attributes;
  bool isRoot = false;
  /// 1-based line of the instruction's first line.
  unsigned line = 0;

  /// The raw value of attribute \p key, or std::nullopt.
  std::optional<llvm::StringRef> getAttribute(llvm::StringRef key) const;
};

/// One computation (`[ENTRY] %name (params) -> shape { ... }`).
struct HloComputation {
  std::string name;
  bool isEntry = false;
  /// The text between the name and the opening brace (the parameter list
  /// and result shape), empty when the header had none.
  std::string signature;
  unsigned line = 0;
  std::vector<HloInstruction> instructions;
  /// Attributes printed after the closing brace, as in
  /// `}, execution_thread="parallel_thread"` (XLA prints the thread of
  /// every computation that does not run on the main thread).
  std::vector<HloAttribute> trailer;
  /// `execution_thread` from the trailer; "main" when absent.
  std::string executionThread = "main";

  /// The instruction named \p name (without `%`), or nullptr.
  const HloInstruction *findInstruction(llvm::StringRef name) const;
};

/// A parsed module.
struct HloModuleText {
  std::string name;
  /// Header attributes in order, values as written.
  std::vector<HloAttribute> attributes;
  /// `num_partitions` / `replica_count` from the header, when present.
  std::optional<int64_t> numPartitions;
  std::optional<int64_t> replicaCount;
  /// `entry_computation_layout={...}` and `frontend_attributes={...}` as
  /// written (empty when absent).
  std::string entryComputationLayout;
  std::string frontendAttributes;
  std::vector<HloComputation> computations;
  /// Index of the entry computation in `computations`. When no computation
  /// is marked ENTRY the last one is used (and a warning says so).
  size_t entryIndex = 0;
  /// `line N: ...` messages for everything that was skipped or guessed.
  std::vector<std::string> warnings;

  /// The computation named \p name (without `%`), or nullptr.
  const HloComputation *findComputation(llvm::StringRef name) const;
  const HloComputation &getEntry() const { return computations[entryIndex]; }
};

/// Parses HLO module text. Returns an error (naming a line) when the text
/// has no `HloModule` header, no computation, or ends inside a computation;
/// every other problem is a warning in the result.
llvm::Expected<HloModuleText> parseHloModuleText(llvm::StringRef text);

/// Splits the body of a brace list at its top-level commas, e.g.
/// `{%a, %b}` -> ["%a", "%b"]. Quotes and nested brackets are respected.
/// Returns std::nullopt when \p text is not one balanced `{...}`.
std::optional<std::vector<std::string>> splitBraceList(llvm::StringRef text);

} // namespace aoizora::hlo

#endif // AOIZORA_HLOIMPORT_HLOMODULETEXT_H
