//===- HloModuleText.cpp - Tolerant reader for HLO module text ------------===//
//
// Layout of the text, as HloModule::ToString prints it (openxla/xla,
// xla/hlo/ir/hlo_module.cc, hlo_computation.cc, hlo_instruction.cc) and
// HloParserImpl reads it (xla/hlo/parser/hlo_parser.cc):
//
//   HloModule name, key=value, ...
//   [ENTRY] %comp (p: f32[4]) -> f32[4] {
//     [ROOT] %inst = shape opcode(operands), key=value, ...
//   }
//
// The printer writes one instruction per line, but hand-written HLO (XLA's
// own tests) breaks long instructions over several lines, so a statement
// whose brackets are still open continues on the next line unless that line
// plainly starts something new. Recent XLA appends stack-frame tables
// (`FileNames`, `FunctionNames`, `FileLocations`, `StackFrames`, each
// followed by numbered rows) after the last computation; they are skipped.
//
//===----------------------------------------------------------------------===//

#include "AoiZora/HloImport/HloModuleText.h"

#include "TextScan.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/FormatVariadic.h"

using namespace llvm;
using namespace aoizora::hlo;
using namespace aoizora::hlo::detail;

std::optional<StringRef> HloInstruction::getAttribute(StringRef key) const {
  for (const HloAttribute &attr : attributes)
    if (attr.key == key)
      return StringRef(attr.value);
  return std::nullopt;
}

const HloInstruction *HloComputation::findInstruction(StringRef name) const {
  name.consume_front("%");
  for (const HloInstruction &inst : instructions)
    if (inst.name == name)
      return &inst;
  return nullptr;
}

const HloComputation *HloModuleText::findComputation(StringRef name) const {
  name.consume_front("%");
  for (const HloComputation &comp : computations)
    if (comp.name == name)
      return &comp;
  return nullptr;
}

std::optional<std::vector<std::string>>
aoizora::hlo::splitBraceList(StringRef text) {
  text = text.trim();
  if (!text.starts_with("{") || findClosing(text, 0) != text.size() - 1)
    return std::nullopt;
  StringRef body = text.drop_front().drop_back().trim();
  std::vector<std::string> items;
  if (body.empty())
    return items;
  for (StringRef piece : splitTopLevel(body, ','))
    items.push_back(piece.str());
  return items;
}

namespace {

/// Whether \p name is a plausible HLO identifier (after dropping '%'). A
/// number is not: it is a literal operand such as a tuple index.
bool isName(StringRef name) {
  return !name.empty() && all_of(name, isNameChar) &&
         any_of(name, [](char c) { return llvm::isAlpha(c) || c == '_'; });
}

/// Splits `k=v, k=v` pieces into attributes. Pieces without '=' or with a
/// bad key are reported through \p bad.
void parseAttributeList(StringRef text, std::vector<HloAttribute> &out,
                        SmallVectorImpl<std::string> &bad) {
  for (StringRef piece : splitTopLevel(text, ',')) {
    if (piece.empty()) {
      bad.push_back("empty attribute");
      continue;
    }
    // A mesh-axes replica group list with explicit device ids prints a
    // top-level comma of its own: `replica_groups=mesh['x'=2,'y'=2],
    // device_ids=(0,2,1,3) {'x'}` (XLA's Mesh::ToString); the piece after
    // that comma belongs to the previous value.
    if (piece.starts_with("device_ids=") && !out.empty() &&
        StringRef(out.back().value).starts_with("mesh[") &&
        !StringRef(out.back().value).contains(" {")) {
      out.back().value += ", ";
      out.back().value += piece.str();
      continue;
    }
    auto [key, value] = piece.split('=');
    key = key.trim();
    if (piece.find('=') == StringRef::npos || !isName(key)) {
      bad.push_back(("unrecognised attribute '" + piece + "'").str());
      continue;
    }
    out.push_back({key.str(), value.trim().str()});
  }
}

/// Whether a trimmed line starts an instruction: `[ROOT] [%]name = ...`
/// with whitespace around the '=' on at least one side, which attribute
/// continuation lines (`channel_id=1, ...`) never have.
bool looksLikeInstructionStart(StringRef line) {
  if (line.consume_front("ROOT "))
    line = line.ltrim();
  line.consume_front("%");
  size_t n = 0;
  while (n < line.size() && isNameChar(line[n]))
    ++n;
  if (n == 0)
    return false;
  StringRef rest = line.substr(n);
  return rest.starts_with(" =") || rest.starts_with("\t=") ||
         rest.starts_with("= ");
}

/// Whether a trimmed line is a computation header: it ends with '{' and has
/// no top-level '=' before its signature (instructions always have one).
bool looksLikeComputationHeader(StringRef line) {
  if (!line.ends_with("{") || looksLikeInstructionStart(line))
    return false;
  StringRef head = line;
  head.consume_front("ENTRY");
  head = head.ltrim();
  head.consume_front("%");
  return !head.empty() && isNameChar(head.front());
}

/// Whether a trimmed line closes a computation: `}` alone or followed by
/// attributes (`}, execution_thread="parallel_thread"`).
bool isComputationClose(StringRef line) {
  if (!line.consume_front("}"))
    return false;
  line = line.ltrim();
  return line.empty() || line.starts_with(",");
}

/// Whether a statement continues on the next line: brackets or a string
/// still open, or a trailing comma before more attributes.
bool isIncomplete(StringRef stmt) {
  Balance b = measureBalance(stmt);
  return b.depth > 0 || b.openString || stmt.rtrim().ends_with(",");
}

bool isStackFrameSection(StringRef line) {
  return line == "FileNames" || line == "FunctionNames" ||
         line == "FileLocations" || line == "StackFrames";
}

class ModuleParser {
public:
  explicit ModuleParser(StringRef text) : text(text) {}

  Expected<HloModuleText> run();

private:
  void warn(unsigned line, const Twine &msg) {
    module.warnings.push_back(("line " + Twine(line) + ": " + msg).str());
  }

  Error fail(unsigned line, const Twine &msg) {
    return createStringError(inconvertibleErrorCode(),
                             "line " + Twine(line) + ": " + msg);
  }

  void parseHeader(StringRef line, unsigned lineNo);
  void openComputation(StringRef line, unsigned lineNo);
  void closeComputation(StringRef trailer = {}, unsigned lineNo = 0);
  void parseInstruction(StringRef stmt, unsigned lineNo);
  void parseOperands(StringRef text, HloInstruction &inst, unsigned lineNo);
  void flushPending();

  StringRef text;
  HloModuleText module;
  bool sawHeader = false;
  /// The computation being read, if any.
  std::optional<HloComputation> current;
  StringSet<> computationNames;
  StringSet<> instructionNames;
  /// An instruction whose brackets are still open at the end of its line.
  std::string pending;
  unsigned pendingLine = 0;
  bool inStackFrames = false;
};

void ModuleParser::parseHeader(StringRef line, unsigned lineNo) {
  StringRef rest = line.drop_front(StringRef("HloModule").size()).ltrim();
  size_t nameEnd = 0;
  while (nameEnd < rest.size() && rest[nameEnd] != ',' &&
         !llvm::isSpace(rest[nameEnd]))
    ++nameEnd;
  module.name = rest.substr(0, nameEnd).str();
  if (module.name.empty())
    warn(lineNo, "HloModule header has no module name");
  rest = rest.substr(nameEnd).ltrim();
  if (rest.empty())
    return;
  if (!rest.consume_front(",")) {
    warn(lineNo, "unexpected text after the module name: '" + rest + "'");
    return;
  }
  SmallVector<std::string> bad;
  parseAttributeList(rest, module.attributes, bad);
  for (const std::string &msg : bad)
    warn(lineNo, "module header: " + msg);
  for (const HloAttribute &attr : module.attributes) {
    auto readCount = [&](std::optional<int64_t> &slot) {
      std::optional<int64_t> v = parseInt(attr.value);
      if (v && *v > 0)
        slot = *v;
      else
        warn(lineNo,
             "module header: bad " + attr.key + " '" + attr.value + "'");
    };
    if (attr.key == "num_partitions")
      readCount(module.numPartitions);
    else if (attr.key == "replica_count")
      readCount(module.replicaCount);
    else if (attr.key == "entry_computation_layout")
      module.entryComputationLayout = attr.value;
    else if (attr.key == "frontend_attributes")
      module.frontendAttributes = attr.value;
  }
}

void ModuleParser::openComputation(StringRef line, unsigned lineNo) {
  HloComputation comp;
  comp.line = lineNo;
  StringRef head = line.drop_back().trim(); // the '{'
  // "ENTRYfoo {" would be a computation named ENTRYfoo.
  if (head.starts_with("ENTRY") &&
      (head.size() == 5 || llvm::isSpace(head[5]) || head[5] == '%')) {
    comp.isEntry = true;
    head = head.drop_front(5).ltrim();
  }
  head.consume_front("%");
  size_t n = 0;
  while (n < head.size() && isNameChar(head[n]))
    ++n;
  comp.name = head.substr(0, n).str();
  comp.signature = head.substr(n).trim().str();
  if (comp.name.empty()) {
    warn(lineNo, "computation header without a name");
    comp.name = ("<unnamed@" + Twine(lineNo) + ">").str();
  }
  if (!computationNames.insert(comp.name).second)
    warn(lineNo, "duplicate computation name '" + comp.name +
                     "'; references resolve to the first");
  instructionNames.clear();
  current = std::move(comp);
}

void ModuleParser::closeComputation(StringRef trailer, unsigned lineNo) {
  flushPending();
  trailer = trailer.ltrim();
  if (trailer.consume_front(",")) {
    SmallVector<std::string> bad;
    parseAttributeList(trailer, current->trailer, bad);
    for (const std::string &msg : bad)
      warn(lineNo, "computation '" + current->name + "': " + msg);
    for (const HloAttribute &attr : current->trailer)
      if (attr.key == "execution_thread")
        current->executionThread = StringRef(attr.value).trim("\"").str();
  }
  module.computations.push_back(std::move(*current));
  current.reset();
}

void ModuleParser::flushPending() {
  if (pending.empty())
    return;
  std::string stmt = std::move(pending);
  pending.clear();
  parseInstruction(stmt, pendingLine);
}

void ModuleParser::parseOperands(StringRef body, HloInstruction &inst,
                                 unsigned lineNo) {
  body = body.trim();
  if (body.empty())
    return;
  // Literal payloads (constant values, parameter numbers) are not operand
  // references.
  bool literal = inst.opcode == "constant" || inst.opcode == "parameter";
  for (StringRef piece : splitTopLevel(body, ',')) {
    HloOperand op;
    op.text = piece.str();
    if (literal || piece.empty()) {
      inst.operands.push_back(std::move(op));
      continue;
    }
    StringRef ref = piece;
    // An inline shape precedes the name: `f32[4]{0} %x` or `(f32[4]) %x`.
    bool hasShape = ref.starts_with("(");
    if (!hasShape) {
      size_t n = 0;
      while (n < ref.size() && llvm::isAlnum(ref[n]))
        ++n;
      hasShape = n > 0 && n < ref.size() && ref[n] == '[';
    }
    if (hasShape) {
      size_t consumed = 0;
      Expected<HloShape> shape = parseHloShapePrefix(ref, consumed);
      if (!shape) {
        warn(lineNo,
             "operand of '" + inst.name + "': " + toString(shape.takeError()));
        inst.operands.push_back(std::move(op));
        continue;
      }
      op.shape = std::move(*shape);
      ref = ref.substr(consumed).ltrim();
    }
    ref.consume_front("%");
    if (isName(ref))
      op.name = ref.str();
    else if (hasShape)
      // Numbers and other literals are legal operands of some opcodes; only
      // a shape with no name after it is clearly broken.
      warn(lineNo, "operand '" + piece + "' of '" + inst.name +
                       "' has a shape but no name");
    inst.operands.push_back(std::move(op));
  }
}

void ModuleParser::parseInstruction(StringRef stmt, unsigned lineNo) {
  Balance balance = measureBalance(stmt);
  if (balance.depth != 0 || balance.openString) {
    warn(lineNo, "unbalanced brackets or quotes; instruction skipped");
    return;
  }
  HloInstruction inst;
  inst.line = lineNo;
  StringRef s = stmt.trim();
  // "ROOTx = ..." would be an instruction named ROOTx.
  if (s.starts_with("ROOT") && s.size() > 4 && llvm::isSpace(s[4])) {
    inst.isRoot = true;
    s = s.drop_front(4).ltrim();
  }
  size_t eq = findTopLevel(s, '=');
  if (eq == StringRef::npos) {
    warn(lineNo, "expected 'name = shape opcode(...)'; line skipped");
    return;
  }
  StringRef name = s.substr(0, eq).trim();
  name.consume_front("%");
  if (!isName(name)) {
    warn(lineNo, "bad instruction name '" + name + "'; line skipped");
    return;
  }
  inst.name = name.str();
  StringRef rest = s.substr(eq + 1).ltrim();

  // The shape is optional in hand-written HLO; a shape is either a tuple or
  // an identifier directly followed by '[' (an opcode is followed by '(').
  size_t idLen = 0;
  while (idLen < rest.size() && llvm::isAlnum(rest[idLen]))
    ++idLen;
  if (rest.starts_with("(") || (idLen < rest.size() && rest[idLen] == '[')) {
    size_t consumed = 0;
    Expected<HloShape> shape = parseHloShapePrefix(rest, consumed);
    if (!shape) {
      warn(lineNo,
           "instruction '" + inst.name + "': " + toString(shape.takeError()));
      // Skip the unreadable shape up to the opcode so the rest still
      // counts: the opcode is the last word before the operand list.
      size_t open = rest.find('(', rest.starts_with("(") ? 1 : 0);
      if (rest.starts_with("(")) {
        size_t close = findClosing(rest, 0);
        open = close == StringRef::npos ? StringRef::npos
                                        : rest.find('(', close + 1);
      }
      if (open == StringRef::npos) {
        warn(lineNo, "no operand list; instruction skipped");
        return;
      }
      size_t wordStart = rest.substr(0, open).rtrim().find_last_of(" \t");
      consumed = wordStart == StringRef::npos ? open : wordStart + 1;
    } else {
      inst.shape = std::move(*shape);
    }
    rest = rest.substr(consumed).ltrim();
  }

  size_t opLen = 0;
  while (opLen < rest.size() && (llvm::isAlnum(rest[opLen]) ||
                                 rest[opLen] == '-' || rest[opLen] == '_'))
    ++opLen;
  inst.opcode = rest.substr(0, opLen).str();
  rest = rest.substr(opLen).ltrim();
  if (inst.opcode.empty() || !rest.starts_with("(")) {
    warn(lineNo, "instruction '" + inst.name +
                     "': expected an opcode and '('; line skipped");
    return;
  }
  size_t close = findClosing(rest, 0);
  if (close == StringRef::npos) {
    warn(lineNo, "instruction '" + inst.name +
                     "': unterminated operand list; line skipped");
    return;
  }
  parseOperands(rest.slice(1, close), inst, lineNo);
  rest = rest.substr(close + 1).trim();
  if (!rest.empty()) {
    if (!rest.consume_front(",")) {
      warn(lineNo, "instruction '" + inst.name + "': unexpected text '" + rest +
                       "' after the operands; ignored");
    } else {
      SmallVector<std::string> bad;
      parseAttributeList(rest, inst.attributes, bad);
      for (const std::string &msg : bad)
        warn(lineNo, "instruction '" + inst.name + "': " + msg);
    }
  }
  if (!instructionNames.insert(inst.name).second)
    warn(lineNo, "duplicate instruction name '" + inst.name + "' in '" +
                     current->name + "'");
  current->instructions.push_back(std::move(inst));
}

Expected<HloModuleText> ModuleParser::run() {
  SmallVector<StringRef> lines;
  text.split(lines, '\n');
  bool inBlockComment = false;
  // The last line with content, for end-of-input errors.
  unsigned lastLine = 0;
  for (auto [index, rawLine] : enumerate(lines)) {
    unsigned lineNo = index + 1;
    std::string cleaned = stripComments(rawLine.rtrim("\r"), inBlockComment);
    StringRef line = StringRef(cleaned).trim();
    if (line.empty())
      continue;
    lastLine = lineNo;

    if (!sawHeader) {
      if (!line.starts_with("HloModule") ||
          (line.size() > 9 && !llvm::isSpace(line[9]))) {
        // The file may be anything (a binary, say): quote it escaped.
        std::string shown;
        llvm::raw_string_ostream os(shown);
        llvm::printEscapedString(line.take_front(60), os);
        return fail(lineNo, "expected 'HloModule <name>' header, found '" +
                                shown + "'");
      }
      sawHeader = true;
      parseHeader(line, lineNo);
      continue;
    }

    if (!current) {
      if (line.starts_with("HloModule ")) {
        warn(lineNo, "a second HloModule; the rest of the file is ignored");
        break;
      }
      if (isStackFrameSection(line)) {
        inStackFrames = true;
        continue;
      }
      if (inStackFrames && llvm::isDigit(line.front()))
        continue;
      inStackFrames = false;
      if (looksLikeComputationHeader(line)) {
        openComputation(line, lineNo);
        continue;
      }
      warn(lineNo, "unexpected text outside a computation: '" +
                       line.take_front(60) + "'");
      continue;
    }

    // Inside a computation.
    bool closes = isComputationClose(line);
    bool startsNew = closes || looksLikeInstructionStart(line) ||
                     looksLikeComputationHeader(line);
    if (!pending.empty()) {
      if (!startsNew) {
        pending += ' ';
        pending += line.str();
        if (!isIncomplete(pending))
          flushPending();
        continue;
      }
      flushPending();
    }
    if (closes) {
      closeComputation(line.drop_front(), lineNo);
      continue;
    }
    if (looksLikeComputationHeader(line)) {
      warn(lineNo, "computation '" + current->name + "' (line " +
                       Twine(current->line) +
                       ") is not closed before the next header");
      closeComputation();
      openComputation(line, lineNo);
      continue;
    }
    if (isIncomplete(line)) {
      pending = line.str();
      pendingLine = lineNo;
      continue;
    }
    parseInstruction(line, lineNo);
  }

  if (!sawHeader)
    return fail(lastLine ? lastLine : 1, "no 'HloModule' header (empty input)");
  if (current)
    return fail(lastLine, "unexpected end of input inside computation '" +
                              current->name + "' opened at line " +
                              Twine(current->line) + " (truncated file?)");
  if (module.computations.empty())
    return fail(lastLine, "module '" + module.name + "' has no computation");

  SmallVector<size_t> entries;
  for (auto [i, comp] : enumerate(module.computations))
    if (comp.isEntry)
      entries.push_back(i);
  if (entries.empty()) {
    module.entryIndex = module.computations.size() - 1;
    warn(module.computations.back().line,
         "no ENTRY computation; using the last one, '" +
             module.computations.back().name + "'");
  } else {
    module.entryIndex = entries.front();
    for (size_t i : drop_begin(entries))
      warn(module.computations[i].line, "more than one ENTRY computation; '" +
                                            module.computations[i].name +
                                            "' is not the entry");
  }
  return std::move(module);
}

} // namespace

Expected<HloModuleText> aoizora::hlo::parseHloModuleText(StringRef text) {
  return ModuleParser(text).run();
}
