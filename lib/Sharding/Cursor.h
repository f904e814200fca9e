//===- Cursor.h - Tiny lexer shared by the sharding parsers -----*- C++ -*-===//
//
// A cursor over one attribute's text. Both the Shardy parser and the HLO
// sharding parser read their input through it, so whitespace handling, integer
// and string-literal lexing, and the wording of parse errors ("expected X at
// column N in '<text>'") are the same everywhere. Private to lib/Sharding.
//
//===----------------------------------------------------------------------===//

#ifndef AOIZORA_LIB_SHARDING_CURSOR_H
#define AOIZORA_LIB_SHARDING_CURSOR_H

#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/ADT/Twine.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <string>

namespace aoizora::sharding::detail {

/// Reads tokens from a string. Every read first skips whitespace (and, when
/// enabled, `/* ... */` comments such as XLA's `/*index=5*/`).
class Cursor {
public:
  explicit Cursor(llvm::StringRef text, bool allowComments = false)
      : text(text), allowComments(allowComments) {}

  /// Skips whitespace and, if allowed, block comments.
  void skipSpace() {
    while (pos < text.size()) {
      if (llvm::isSpace(text[pos])) {
        ++pos;
      } else if (allowComments && rest().starts_with("/*")) {
        size_t end = text.find("*/", pos + 2);
        pos = end == llvm::StringRef::npos ? text.size() : end + 2;
      } else {
        break;
      }
    }
  }

  /// The unread text (without skipping whitespace).
  llvm::StringRef rest() const { return text.drop_front(pos); }
  size_t position() const { return pos; }
  void setPosition(size_t p) { pos = p; }

  bool atEnd() {
    skipSpace();
    return pos == text.size();
  }

  /// Consumes \p lit if the input continues with it.
  bool consume(llvm::StringRef lit) {
    skipSpace();
    if (!rest().starts_with(lit))
      return false;
    pos += lit.size();
    return true;
  }

  /// Like consume() but only matches a whole identifier, so that `manual`
  /// does not match the start of `manualx`.
  bool consumeKeyword(llvm::StringRef kw) {
    skipSpace();
    llvm::StringRef r = rest();
    if (!r.starts_with(kw) ||
        (r.size() > kw.size() && isIdentChar(r[kw.size()])))
      return false;
    pos += kw.size();
    return true;
  }

  /// Consumes \p lit or fails with "expected '<lit>'".
  llvm::Error expect(llvm::StringRef lit) {
    if (consume(lit))
      return llvm::Error::success();
    return error("'" + lit + "'");
  }

  /// Fails unless only whitespace is left.
  llvm::Error expectEnd() {
    if (atEnd())
      return llvm::Error::success();
    return error("end of input");
  }

  /// A parse error at the current position: "expected <what> at column ...".
  llvm::Error error(const llvm::Twine &expected) {
    skipSpace();
    return errorAt(pos, "expected " + expected);
  }

  /// An error about the text at offset \p at: "<msg> at column N in '...'".
  llvm::Error errorAt(size_t at, const llvm::Twine &msg) const {
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   msg + " at column " + llvm::Twine(at) +
                                       " in '" + text + "'");
  }

  /// Reads a decimal integer with an optional leading '-'.
  llvm::Expected<int64_t> parseInt() {
    skipSpace();
    llvm::StringRef r = rest();
    int64_t value;
    if (r.empty() || !(llvm::isDigit(r[0]) || r[0] == '-') ||
        r.consumeInteger(10, value))
      return error("integer");
    pos = text.size() - r.size();
    return value;
  }

  /// Reads a comma-separated integer list up to (not including) \p close.
  llvm::Expected<llvm::SmallVector<int64_t>>
  parseIntList(llvm::StringRef close) {
    llvm::SmallVector<int64_t> values;
    skipSpace();
    if (rest().starts_with(close))
      return values;
    do {
      llvm::Expected<int64_t> v = parseInt();
      if (!v)
        return v.takeError();
      values.push_back(*v);
    } while (consume(","));
    return values;
  }

  /// Reads an MLIR string literal: `"..."` with the escapes `\"`, `\\`, `\n`,
  /// `\t` and two hex digits (the MLIR printer writes `"` as `\22`).
  llvm::Expected<std::string> parseString() {
    skipSpace();
    if (!rest().starts_with("\""))
      return error("string literal");
    size_t start = pos++;
    std::string value;
    while (pos < text.size() && text[pos] != '"') {
      char c = text[pos++];
      if (c != '\\') {
        value.push_back(c);
        continue;
      }
      if (pos >= text.size())
        break;
      char e = text[pos++];
      if (e == '"' || e == '\\') {
        value.push_back(e);
      } else if (e == 'n') {
        value.push_back('\n');
      } else if (e == 't') {
        value.push_back('\t');
      } else if (pos < text.size() && llvm::isHexDigit(e) &&
                 llvm::isHexDigit(text[pos])) {
        value.push_back(
            static_cast<char>(llvm::hexFromNibbles(e, text[pos++])));
      } else {
        pos -= 2;
        return error("valid escape sequence");
      }
    }
    if (pos >= text.size()) {
      pos = start;
      return error("terminated string literal");
    }
    ++pos;
    return value;
  }

  /// Reads a bare identifier ([A-Za-z0-9_$.-]+).
  llvm::StringRef parseIdentifier() {
    skipSpace();
    size_t start = pos;
    while (pos < text.size() && isIdentChar(text[pos]))
      ++pos;
    return text.slice(start, pos);
  }

  static bool isIdentChar(char c) {
    return llvm::isAlnum(c) || c == '_' || c == '$' || c == '.' || c == '-';
  }

private:
  llvm::StringRef text;
  size_t pos = 0;
  bool allowComments;
};

/// Returns the error of \p expr from the enclosing function if it fails.
#define AZ_TRY(expr)                                                           \
  do {                                                                         \
    if (llvm::Error err_ = (expr))                                             \
      return std::move(err_);                                                  \
  } while (false)

} // namespace aoizora::sharding::detail

#endif // AOIZORA_LIB_SHARDING_CURSOR_H
