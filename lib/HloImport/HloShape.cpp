//===- HloShape.cpp - Parse and size HLO shapes ---------------------------===//
//
// Shape syntax as XLA's ShapeUtil::HumanStringWithLayout prints it and
// HloParserImpl::ParseShape reads it (openxla/xla, xla/shape_util.cc and
// xla/hlo/parser/hlo_parser.cc): `type[d0,d1]{minor_to_major...}`, with
// `<=N` for a bounded dynamic dimension and `(a, b)` for tuples.
//
//===----------------------------------------------------------------------===//

#include "AoiZora/HloImport/HloShape.h"

#include "TextScan.h"

#include "llvm/ADT/StringSwitch.h"
#include "llvm/Support/MathExtras.h"
#include "llvm/Support/raw_ostream.h"

#include <limits>

using namespace llvm;
using namespace aoizora::hlo;
using namespace aoizora::hlo::detail;

std::optional<unsigned>
aoizora::hlo::getElementTypeBits(StringRef elementType) {
  std::optional<unsigned> bits =
      StringSwitch<std::optional<unsigned>>(elementType)
          .Case("pred", 8)
          .Cases({"s1", "u1"}, 1)
          .Cases({"s2", "u2"}, 2)
          .Cases({"s4", "u4"}, 4)
          .Cases({"s8", "u8"}, 8)
          .Cases({"s16", "u16", "f16", "bf16"}, 16)
          .Cases({"s32", "u32", "f32"}, 32)
          .Cases({"s64", "u64", "f64", "c64"}, 64)
          .Case("c128", 128)
          .Default(std::nullopt);
  if (bits)
    return bits;
  // XLA keeps adding narrow float formats (f8e4m3fn, f8e5m2fnuz, f8e8m0fnu,
  // f4e2m1fn, ...); their names start with the bit width, so new ones are
  // sized without a code change.
  if (elementType.size() > 3 && elementType[2] == 'e') {
    if (elementType.starts_with("f8"))
      return 8;
    if (elementType.starts_with("f4"))
      return 4;
  }
  return std::nullopt;
}

int64_t HloShape::numElements() const {
  if (kind != Kind::Array)
    return 0;
  int64_t n = 1;
  for (int64_t d : dims) {
    if (d != 0 && n > INT64_MAX / d)
      return INT64_MAX;
    n *= d;
  }
  return n;
}

/// a + b, saturating at INT64_MAX (both are non-negative).
static int64_t addSat(int64_t a, int64_t b) {
  return a > INT64_MAX - b ? INT64_MAX : a + b;
}

int64_t HloShape::bytes() const {
  switch (kind) {
  case Kind::Token:
  case Kind::Opaque:
    return 0;
  case Kind::Tuple: {
    int64_t total = 0;
    for (const HloShape &e : elements)
      total = addSat(total, e.bytes());
    return total;
  }
  case Kind::Array:
    break;
  }
  std::optional<unsigned> bits = getElementTypeBits(elementType);
  if (!bits)
    return 0;
  int64_t n = numElements();
  // Sub-byte types are packed; the array is rounded up to whole bytes
  // (split so that n * bits cannot overflow).
  int64_t whole = n / 8, rest = n % 8;
  uint64_t wholeBytes = SaturatingMultiply<uint64_t>(whole, *bits);
  if (wholeBytes > static_cast<uint64_t>(INT64_MAX))
    return INT64_MAX;
  return addSat(static_cast<int64_t>(wholeBytes),
                divideCeil(static_cast<uint64_t>(rest) * *bits, 8));
}

std::string HloShape::str() const {
  std::string out;
  raw_string_ostream os(out);
  switch (kind) {
  case Kind::Token:
    os << "token[]";
    break;
  case Kind::Opaque:
    os << "opaque[]";
    break;
  case Kind::Tuple:
    os << '(';
    for (size_t i = 0; i < elements.size(); ++i)
      os << (i ? ", " : "") << elements[i].str();
    os << ')';
    break;
  case Kind::Array:
    os << elementType << '[';
    for (size_t i = 0; i < dims.size(); ++i)
      os << (i ? "," : "") << (dynamicDims[i] ? "<=" : "") << dims[i];
    os << ']';
    if (!layoutText.empty())
      os << '{' << layoutText << '}';
    break;
  }
  return out;
}

namespace {

/// Recursive-descent reader over one shape's text.
class ShapeReader {
public:
  explicit ShapeReader(StringRef text) : text(text) {}

  Expected<HloShape> readShape(unsigned nesting = 0) {
    // Deeply nested tuples only come from hostile input; stop before the
    // recursion can exhaust the stack.
    if (nesting > 64)
      return fail("tuple nesting too deep");
    skipSpace();
    if (consume('('))
      return readTuple(nesting);
    size_t start = pos;
    while (pos < text.size() && llvm::isAlnum(text[pos]))
      ++pos;
    StringRef type = text.slice(start, pos);
    if (type.empty())
      return fail("expected a shape");
    if (!consume('['))
      return fail("expected '[' after element type '" + type + "'");
    HloShape shape;
    if (type == "token" || type == "opaque") {
      shape.kind = type == "token" ? HloShape::Kind::Token
                                   : HloShape::Kind::Opaque;
      skipSpace();
      if (!consume(']'))
        return fail("expected ']' after '" + type + "['");
      return shape;
    }
    if (!getElementTypeBits(type))
      return fail("unknown element type '" + type + "'");
    shape.elementType = type.str();
    if (Error err = readDims(shape))
      return std::move(err);
    // A layout follows the ']' directly; with a space in between the brace
    // belongs to the caller (a computation body, say).
    if (pos < text.size() && text[pos] == '{')
      if (Error err = readLayout(shape))
        return std::move(err);
    return shape;
  }

  void skipSpace() {
    while (pos < text.size()) {
      if (llvm::isSpace(text[pos])) {
        ++pos;
      } else if (text.substr(pos).starts_with("/*")) {
        size_t end = text.find("*/", pos + 2);
        pos = end == StringRef::npos ? text.size() : end + 2;
      } else {
        break;
      }
    }
  }

  size_t position() const { return pos; }

private:
  Error fail(const Twine &msg) {
    return createStringError(inconvertibleErrorCode(),
                             msg + " at column " + Twine(pos + 1) +
                                 " of shape '" + text + "'");
  }

  bool consume(char c) {
    if (pos < text.size() && text[pos] == c) {
      ++pos;
      return true;
    }
    return false;
  }

  Expected<HloShape> readTuple(unsigned nesting) {
    HloShape shape;
    shape.kind = HloShape::Kind::Tuple;
    skipSpace();
    if (consume(')'))
      return shape;
    while (true) {
      Expected<HloShape> element = readShape(nesting + 1);
      if (!element)
        return element.takeError();
      shape.elements.push_back(std::move(*element));
      skipSpace();
      if (consume(')'))
        return shape;
      if (!consume(','))
        return fail("expected ',' or ')' in tuple shape");
    }
  }

  Error readDims(HloShape &shape) {
    skipSpace();
    if (consume(']'))
      return Error::success();
    int64_t elements = 1;
    while (true) {
      skipSpace();
      bool dynamic = false;
      if (text.substr(pos).starts_with("<=")) {
        dynamic = true;
        pos += 2;
      }
      size_t start = pos;
      while (pos < text.size() && llvm::isDigit(text[pos]))
        ++pos;
      int64_t dim;
      if (start == pos || text.slice(start, pos).getAsInteger(10, dim))
        return fail(text.substr(start).starts_with("?")
                        ? "unbounded dynamic dimension has no size"
                        : "expected a dimension size");
      if (dim != 0 && elements > INT64_MAX / dim)
        return fail("element count overflows");
      elements *= dim;
      shape.dims.push_back(dim);
      shape.dynamicDims.push_back(dynamic);
      skipSpace();
      if (consume(']'))
        return Error::success();
      if (!consume(','))
        return fail("expected ',' or ']' in dimensions");
    }
  }

  Error readLayout(HloShape &shape) {
    size_t close = findClosing(text, pos);
    if (close == StringRef::npos)
      return fail("unterminated layout");
    StringRef body = text.slice(pos + 1, close);
    shape.layoutText = body.str();
    // Only the minor-to-major list before any ':' (tiles, element size,
    // memory space) matters here; a layout this does not read is kept as
    // text only.
    if (std::optional<SmallVector<int64_t>> order =
            parseIntList(body.split(':').first))
      shape.minorToMajor.emplace(order->begin(), order->end());
    pos = close + 1;
    return Error::success();
  }

  StringRef text;
  size_t pos = 0;
};

} // namespace

Expected<HloShape> aoizora::hlo::parseHloShapePrefix(StringRef text,
                                                     size_t &consumed) {
  ShapeReader reader(text);
  Expected<HloShape> shape = reader.readShape();
  if (shape)
    consumed = reader.position();
  return shape;
}

Expected<HloShape> aoizora::hlo::parseHloShape(StringRef text) {
  ShapeReader reader(text);
  Expected<HloShape> shape = reader.readShape();
  if (!shape)
    return shape.takeError();
  reader.skipSpace();
  if (reader.position() != text.size())
    return createStringError(inconvertibleErrorCode(),
                             "unexpected text after shape '" + text + "'");
  return shape;
}
