//===- TextScan.h - Bracket- and quote-aware scanning of HLO ---*- C++ -*-===//
//
// HLO attribute values nest braces, brackets and parentheses and contain
// quoted strings with backslash escapes (metadata op names, JSON backend
// configs), so "the next comma" or "the closing brace" must skip over both.
// These helpers do that scanning for the module parser, the shape parser
// and the collective importer. Private to lib/HloImport.
//
//===----------------------------------------------------------------------===//

#ifndef AOIZORA_LIB_HLOIMPORT_TEXTSCAN_H
#define AOIZORA_LIB_HLOIMPORT_TEXTSCAN_H

#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringRef.h"

#include <cstdint>
#include <optional>
#include <string>

namespace aoizora::hlo::detail {

inline bool isOpener(char c) { return c == '(' || c == '{' || c == '['; }
inline bool isCloser(char c) { return c == ')' || c == '}' || c == ']'; }

/// Characters of an HLO identifier (instruction, computation and attribute
/// names such as `all-gather.3`, `fused_computation.1`, `%param_0`).
inline bool isNameChar(char c) {
  return llvm::isAlnum(c) || c == '_' || c == '.' || c == '-';
}

/// Index just past the string literal starting at the quote \p open, or
/// npos when it is not terminated.
inline size_t skipString(llvm::StringRef s, size_t open) {
  for (size_t i = open + 1; i < s.size(); ++i) {
    if (s[i] == '\\')
      ++i;
    else if (s[i] == '"')
      return i + 1;
  }
  return llvm::StringRef::npos;
}

/// The first index at or after \p from, outside string literals, for which
/// \p visit(index) returns true; npos when none does or a string is left
/// open.
template <typename Visit>
size_t findOutsideStrings(llvm::StringRef s, size_t from, Visit visit) {
  for (size_t i = from; i < s.size(); ++i) {
    if (s[i] == '"') {
      size_t end = skipString(s, i);
      if (end == llvm::StringRef::npos)
        return llvm::StringRef::npos;
      i = end - 1;
      continue;
    }
    if (visit(i))
      return i;
  }
  return llvm::StringRef::npos;
}

/// Index of the bracket closing the opener at \p open, or npos. Any closer
/// ends any opener: the text is only scanned, not validated, and a
/// mismatch is caught by whoever parses the pieces.
inline size_t findClosing(llvm::StringRef s, size_t open) {
  int depth = 0;
  return findOutsideStrings(s, open, [&](size_t i) {
    if (isOpener(s[i]))
      ++depth;
    else if (isCloser(s[i]))
      return --depth == 0;
    return false;
  });
}

/// Index of the first \p target at nesting depth 0 and outside strings at
/// or after \p from, or npos.
inline size_t findTopLevel(llvm::StringRef s, char target, size_t from = 0) {
  int depth = 0;
  return findOutsideStrings(s, from, [&](size_t i) {
    if (depth == 0 && s[i] == target)
      return true;
    if (isOpener(s[i]))
      ++depth;
    else if (isCloser(s[i]) && depth > 0)
      --depth;
    return false;
  });
}

/// Splits \p s at top-level occurrences of \p sep; pieces are trimmed.
inline llvm::SmallVector<llvm::StringRef> splitTopLevel(llvm::StringRef s,
                                                        char sep) {
  llvm::SmallVector<llvm::StringRef> pieces;
  size_t start = 0;
  while (true) {
    size_t at = findTopLevel(s, sep, start);
    if (at == llvm::StringRef::npos) {
      pieces.push_back(s.substr(start).trim());
      return pieces;
    }
    pieces.push_back(s.slice(start, at).trim());
    start = at + 1;
  }
}

/// Net bracket depth of \p s (openers minus closers outside strings) and
/// whether a string is left open at its end. A statement is complete when
/// both are zero/false.
struct Balance {
  int64_t depth = 0;
  bool openString = false;
};

inline Balance measureBalance(llvm::StringRef s) {
  Balance b;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '"') {
      size_t end = skipString(s, i);
      if (end == llvm::StringRef::npos) {
        b.openString = true;
        return b;
      }
      i = end - 1;
    } else if (isOpener(c)) {
      ++b.depth;
    } else if (isCloser(c)) {
      --b.depth;
    }
  }
  return b;
}

/// Removes `/* ... */` and `// ...` comments outside strings (XLA's HLO
/// lexer accepts both; the printer writes `/*index=N*/` inside long tuples
/// and brace lists). \p inBlock carries an unterminated block comment over
/// to the next line.
inline std::string stripComments(llvm::StringRef line, bool &inBlock) {
  std::string out;
  out.reserve(line.size());
  size_t i = 0;
  while (i < line.size()) {
    if (inBlock) {
      size_t end = line.find("*/", i);
      if (end == llvm::StringRef::npos)
        return out;
      inBlock = false;
      i = end + 2;
      continue;
    }
    char c = line[i];
    if (c == '"') {
      size_t end = skipString(line, i);
      if (end == llvm::StringRef::npos)
        end = line.size();
      out.append(line.data() + i, end - i);
      i = end;
    } else if (line.substr(i).starts_with("/*")) {
      inBlock = true;
      i += 2;
    } else if (line.substr(i).starts_with("//")) {
      return out;
    } else {
      out.push_back(c);
      ++i;
    }
  }
  return out;
}

/// Parses a decimal (optionally negative) int64_t covering all of \p s.
inline std::optional<int64_t> parseInt(llvm::StringRef s) {
  s = s.trim();
  int64_t v;
  if (s.empty() || s.getAsInteger(10, v))
    return std::nullopt;
  return v;
}

/// Parses a comma-separated integer list such as `1,0` (empty allowed).
inline std::optional<llvm::SmallVector<int64_t>>
parseIntList(llvm::StringRef s) {
  llvm::SmallVector<int64_t> values;
  s = s.trim();
  if (s.empty())
    return values;
  llvm::SmallVector<llvm::StringRef> parts;
  s.split(parts, ',');
  for (llvm::StringRef p : parts) {
    std::optional<int64_t> v = parseInt(p);
    if (!v)
      return std::nullopt;
    values.push_back(*v);
  }
  return values;
}

} // namespace aoizora::hlo::detail

#endif // AOIZORA_LIB_HLOIMPORT_TEXTSCAN_H
