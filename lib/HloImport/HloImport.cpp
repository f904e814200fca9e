//===- HloImport.cpp - Collectives of a compiled HLO module ---------------===//
//
// Walks a parsed module from ENTRY through the computations that run as
// part of it (while bodies and conditions, calls, fusions, async wrappers,
// conditional branches, custom-call subcomputations) and records every
// collective with its groups, bytes per device and execution count.
//
// Sources for the rules used here (facts only):
//  - replica group notations: ../shared/reference/sharding-syntax.md §2.4
//    (XLA IotaReplicaGroupList, xla/hlo/ir/collective_device_list.h);
//  - group modes: XLA GetCollectiveOpGroupMode
//    (xla/hlo/ir/collective_op_group_mode.h);
//  - async pairs: `all-gather-start` returns (operands, outputs),
//    `collective-permute-start` returns (operand, output, contexts...),
//    `all-reduce-start` returns the output; `async-start` wraps any other
//    collective in a computation named by `calls=` (XLA's
//    hlo_instruction.cc printer and the async collective creator pass);
//  - trip counts: WhileLoopBackendConfig in xla/xla_data.proto.
//
//===----------------------------------------------------------------------===//

#include "AoiZora/HloImport/HloImport.h"
#include "AoiZora/Sharding/HloSharding.h"
#include "AoiZora/Support/CheckedMath.h"
#include "AoiZora/Support/InputFile.h"

#include "TextScan.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringSwitch.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/MemoryBuffer.h"

#include <numeric>

using namespace llvm;
using namespace aoizora::hlo;
using namespace aoizora::hlo::detail;

StringRef aoizora::hlo::stringifyHloCollectiveKind(HloCollectiveKind kind) {
  switch (kind) {
  case HloCollectiveKind::AllGather:
    return "all-gather";
  case HloCollectiveKind::ReduceScatter:
    return "reduce-scatter";
  case HloCollectiveKind::AllReduce:
    return "all-reduce";
  case HloCollectiveKind::AllToAll:
    return "all-to-all";
  case HloCollectiveKind::CollectivePermute:
    return "collective-permute";
  case HloCollectiveKind::CollectiveBroadcast:
    return "collective-broadcast";
  }
  llvm_unreachable("unknown collective kind");
}

static Error makeError(const Twine &msg) {
  return createStringError(inconvertibleErrorCode(), msg);
}

//===----------------------------------------------------------------------===//
// Attribute value parsers
//===----------------------------------------------------------------------===//

/// Iota lists beyond this many ids are refused (a real slice has thousands
/// of chips at most; this bounds what a corrupt file can allocate).
static constexpr int64_t kMaxIotaIds = int64_t(1) << 20;

/// Reads `[a,b,...]` at the front of \p s and drops it.
static std::optional<SmallVector<int64_t>>
takeBracketList(StringRef &s, char open, char close) {
  if (!s.consume_front(StringRef(&open, 1)))
    return std::nullopt;
  size_t end = s.find(close);
  if (end == StringRef::npos)
    return std::nullopt;
  std::optional<SmallVector<int64_t>> values = parseIntList(s.take_front(end));
  s = s.drop_front(end + 1).ltrim();
  return values;
}

static Expected<std::vector<std::vector<int64_t>>>
parseIotaGroups(StringRef text) {
  StringRef s = text;
  std::optional<SmallVector<int64_t>> shape = takeBracketList(s, '[', ']');
  if (!shape || shape->size() != 2)
    return makeError("iota replica groups need '[groups,size]': '" + text +
                     "'");
  if (!s.consume_front("<="))
    return makeError("expected '<=' in iota replica groups '" + text + "'");
  s = s.ltrim();
  std::optional<SmallVector<int64_t>> reshape = takeBracketList(s, '[', ']');
  if (!reshape || reshape->empty())
    return makeError("expected '[reshape dims]' in '" + text + "'");
  SmallVector<int64_t> perm(reshape->size());
  std::iota(perm.begin(), perm.end(), 0);
  if (s.consume_front("T")) {
    std::optional<SmallVector<int64_t>> p = takeBracketList(s, '(', ')');
    if (!p)
      return makeError("expected 'T(perm)' in '" + text + "'");
    perm = *p;
  }
  if (!s.trim().empty())
    return makeError("unexpected '" + s + "' in iota replica groups");

  int64_t numGroups = (*shape)[0], groupSize = (*shape)[1];
  if (numGroups <= 0 || groupSize <= 0 || numGroups > kMaxIotaIds ||
      groupSize > kMaxIotaIds || numGroups * groupSize > kMaxIotaIds)
    return makeError("iota replica groups '" + text +
                     "' have a bad or too large size");
  int64_t total = 1;
  for (int64_t d : *reshape) {
    if (d <= 0 || d > kMaxIotaIds || total * d > kMaxIotaIds)
      return makeError("bad reshape dims in '" + text + "'");
    total *= d;
  }
  if (total != numGroups * groupSize)
    return makeError("iota replica groups '" + text +
                     "': reshape dims do not multiply to groups*size");
  SmallVector<bool> seen(perm.size(), false);
  if (perm.size() != reshape->size())
    return makeError("transpose perm of '" + text + "' has the wrong rank");
  for (int64_t p : perm) {
    if (p < 0 || p >= static_cast<int64_t>(perm.size()) || seen[p])
      return makeError("transpose perm of '" + text + "' is not a permutation");
    seen[p] = true;
  }

  // arange(total).reshape(reshape).transpose(perm), read in row-major
  // order: output position j (over the transposed dims) holds the source
  // index whose coordinate perm[i] equals j[i].
  size_t rank = reshape->size();
  SmallVector<int64_t> srcStride(rank, 1);
  for (size_t d = rank - 1; d > 0; --d)
    srcStride[d - 1] = srcStride[d] * (*reshape)[d];
  SmallVector<int64_t> outDims(rank), outStride(rank);
  for (size_t i = 0; i < rank; ++i) {
    outDims[i] = (*reshape)[perm[i]];
    outStride[i] = srcStride[perm[i]];
  }
  std::vector<std::vector<int64_t>> groups(numGroups);
  SmallVector<int64_t> index(rank, 0);
  int64_t value = 0;
  for (int64_t k = 0; k < total; ++k) {
    groups[k / groupSize].push_back(value);
    // Odometer increment over the transposed dims.
    for (size_t d = rank; d-- > 0;) {
      value += outStride[d];
      if (++index[d] < outDims[d])
        break;
      value -= outStride[d] * outDims[d];
      index[d] = 0;
    }
  }
  return groups;
}

Expected<std::vector<std::vector<int64_t>>>
aoizora::hlo::parseReplicaGroups(StringRef text) {
  text = text.trim();
  if (text.starts_with("["))
    return parseIotaGroups(text);
  std::optional<std::vector<std::string>> items = splitBraceList(text);
  if (!items)
    return makeError("replica groups '" + text +
                     "' are neither '{{...},...}' nor '[G,S]<=[...]'");
  std::vector<std::vector<int64_t>> groups;
  for (StringRef item : *items) {
    std::optional<std::vector<std::string>> ids = splitBraceList(item);
    if (!ids)
      return makeError("replica group '" + item + "' is not '{ids}'");
    std::vector<int64_t> group;
    for (StringRef id : *ids) {
      std::optional<int64_t> v = parseInt(id);
      if (!v || *v < 0)
        return makeError("bad device id '" + id + "' in replica groups");
      group.push_back(*v);
    }
    groups.push_back(std::move(group));
  }
  return groups;
}

Expected<std::vector<std::pair<int64_t, int64_t>>>
aoizora::hlo::parseSourceTargetPairs(StringRef text) {
  std::optional<std::vector<std::string>> items = splitBraceList(text);
  if (!items)
    return makeError("source_target_pairs '" + text.trim() +
                     "' is not '{{s,t},...}'");
  std::vector<std::pair<int64_t, int64_t>> pairs;
  for (StringRef item : *items) {
    std::optional<std::vector<std::string>> ids = splitBraceList(item);
    std::optional<int64_t> src, dst;
    if (ids && ids->size() == 2) {
      src = parseInt((*ids)[0]);
      dst = parseInt((*ids)[1]);
    }
    if (!src || !dst || *src < 0 || *dst < 0)
      return makeError("source-target pair '" + item + "' is not '{s,t}'");
    pairs.emplace_back(*src, *dst);
  }
  return pairs;
}

/// Undoes the C escaping of a quoted attribute value (`"{\"a\":1}"`).
static std::string unquote(StringRef quoted) {
  StringRef body = quoted.drop_front();
  if (body.ends_with("\""))
    body = body.drop_back();
  std::string out;
  for (size_t i = 0; i < body.size(); ++i) {
    char c = body[i];
    if (c == '\\' && i + 1 < body.size()) {
      char next = body[++i];
      out.push_back(next == 'n' ? '\n' : next == 't' ? '\t' : next);
    } else {
      out.push_back(c);
    }
  }
  return out;
}

std::optional<int64_t> aoizora::hlo::getKnownTripCount(StringRef config) {
  config = config.trim();
  std::string json = config.starts_with("\"") ? unquote(config) : config.str();
  if (Error err = aoizora::checkJsonNesting(json)) {
    consumeError(std::move(err));
    return std::nullopt;
  }
  Expected<json::Value> value = json::parse(json);
  if (!value) {
    consumeError(value.takeError());
    return std::nullopt;
  }
  const json::Object *root = value->getAsObject();
  const json::Object *known =
      root ? root->getObject("known_trip_count") : nullptr;
  const json::Value *n = known ? known->get("n") : nullptr;
  if (!n)
    return std::nullopt;
  std::optional<int64_t> count;
  if (std::optional<StringRef> s = n->getAsString())
    count = parseInt(*s);
  else
    count = n->getAsInteger();
  if (!count || *count < 0)
    return std::nullopt;
  return count;
}

//===----------------------------------------------------------------------===//
// The importer
//===----------------------------------------------------------------------===//

namespace {

struct CollectiveOpcode {
  HloCollectiveKind kind;
  bool isStart;
};

std::optional<CollectiveOpcode> classifyOpcode(StringRef opcode) {
  using K = HloCollectiveKind;
  return StringSwitch<std::optional<CollectiveOpcode>>(opcode)
      .Case("all-gather", CollectiveOpcode{K::AllGather, false})
      .Case("all-gather-start", CollectiveOpcode{K::AllGather, true})
      .Case("all-reduce", CollectiveOpcode{K::AllReduce, false})
      .Case("all-reduce-start", CollectiveOpcode{K::AllReduce, true})
      .Case("reduce-scatter", CollectiveOpcode{K::ReduceScatter, false})
      .Case("all-to-all", CollectiveOpcode{K::AllToAll, false})
      .Case("collective-permute", CollectiveOpcode{K::CollectivePermute, false})
      .Case("collective-permute-start",
            CollectiveOpcode{K::CollectivePermute, true})
      .Case("collective-broadcast",
            CollectiveOpcode{K::CollectiveBroadcast, false})
      .Default(std::nullopt);
}

/// Communication this importer does not price; each occurrence is a warning
/// rather than silence.
bool isUnsupportedCommunication(StringRef opcode) {
  if (opcode == "send" || opcode == "recv" || opcode == "ragged-all-to-all")
    return true;
  // The `-done` halves of counted `-start`s (and of send/recv) are not
  // operations of their own.
  if (opcode.ends_with("-done"))
    return false;
  // Anything else that looks like a collective (a future async form, say).
  return opcode.contains("all-gather") || opcode.contains("all-reduce") ||
         opcode.contains("all-to-all") || opcode.contains("reduce-scatter") ||
         opcode.starts_with("collective-");
}

// Saturating at INT64_MAX for the non-negative counts and sizes here, on the
// project's checked arithmetic (Support/CheckedMath.h).
int64_t mulSat(int64_t a, int64_t b, bool &saturated) {
  if (std::optional<int64_t> p = aoizora::checkedMul(a, b))
    return *p;
  saturated = true;
  return INT64_MAX;
}

int64_t addSat(int64_t a, int64_t b, bool &saturated) {
  if (std::optional<int64_t> sum = aoizora::checkedAdd(a, b))
    return *sum;
  saturated = true;
  return INT64_MAX;
}

class Importer {
public:
  explicit Importer(HloModuleText module) {
    result.moduleName = module.name;
    result.numPartitions = module.numPartitions.value_or(1);
    result.replicaCount = module.replicaCount.value_or(1);
    result.warnings = module.warnings;
    result.module = std::move(module);
  }

  HloImportResult run();

private:
  struct Edge {
    size_t callee;
    int64_t factor;
  };

  void warn(unsigned line, const Twine &msg) {
    result.warnings.push_back(("line " + Twine(line) + ": " + msg).str());
  }

  void buildIndex();
  void addCalls(size_t caller, const HloInstruction &inst);
  void addEdge(size_t caller, const HloInstruction &inst, StringRef callee,
               int64_t factor, bool async = false);
  void propagateCounts();
  std::optional<int64_t> operandBytes(size_t comp, const HloInstruction &inst,
                                      bool firstOnly);
  void importCollective(size_t comp, const HloInstruction &inst,
                        CollectiveOpcode op);

  const HloModuleText &mod() const { return result.module; }

  HloImportResult result;
  StringMap<size_t> compIndex;
  std::vector<StringMap<const HloInstruction *>> instIndex;
  std::vector<std::vector<Edge>> edges;
  std::vector<int64_t> counts;
  std::vector<bool> asyncComp;
};

void Importer::buildIndex() {
  const auto &comps = mod().computations;
  instIndex.resize(comps.size());
  for (auto [i, comp] : enumerate(comps)) {
    compIndex.try_emplace(comp.name, i);
    for (const HloInstruction &inst : comp.instructions)
      instIndex[i].try_emplace(inst.name, &inst);
  }
}

void Importer::addEdge(size_t caller, const HloInstruction &inst,
                       StringRef callee, int64_t factor, bool async) {
  callee = callee.trim();
  callee.consume_front("%");
  auto it = compIndex.find(callee);
  if (it == compIndex.end()) {
    warn(inst.line,
         "'" + inst.name + "' refers to unknown computation '" + callee + "'");
    return;
  }
  edges[caller].push_back({it->second, factor});
  if (async)
    asyncComp[it->second] = true;
}

void Importer::addCalls(size_t caller, const HloInstruction &inst) {
  StringRef opcode = inst.opcode;
  // The `calls=` of async-update/-done repeats the async-start's.
  if (opcode == "async-update" || opcode == "async-done")
    return;
  auto followList = [&](StringRef key, int64_t factor) {
    std::optional<StringRef> value = inst.getAttribute(key);
    if (!value)
      return;
    if (!value->trim().starts_with("{")) {
      addEdge(caller, inst, *value, factor, opcode == "async-start");
      return;
    }
    std::optional<std::vector<std::string>> names = splitBraceList(*value);
    if (!names) {
      warn(inst.line, "'" + inst.name + "': cannot read " + key + "=" + *value);
      return;
    }
    for (const std::string &name : *names)
      addEdge(caller, inst, name, factor, opcode == "async-start");
  };

  if (opcode == "while") {
    std::optional<int64_t> trip;
    if (std::optional<StringRef> config = inst.getAttribute("backend_config"))
      trip = getKnownTripCount(*config);
    if (!trip)
      warn(inst.line, "while '" + inst.name +
                          "' has no known_trip_count in backend_config; "
                          "its body is counted once");
    int64_t bodyRuns = trip.value_or(1);
    // The condition is evaluated once more than the body runs.
    int64_t condRuns = trip ? (*trip == INT64_MAX ? *trip : *trip + 1) : 1;
    followList("body", bodyRuns);
    followList("condition", condRuns);
    return;
  }
  if (opcode == "call")
    followList("to_apply", 1);
  if (opcode == "conditional") {
    // Every branch is counted as if taken: an upper bound, since which one
    // runs is data dependent.
    followList("branch_computations", 1);
    followList("true_computation", 1);
    followList("false_computation", 1);
  }
  // fusion, async-start, custom-call, and any other op that runs a
  // subcomputation once per execution. `to_apply` of reductions (reduce,
  // all-reduce, scatter, sort, map, ...) is a per-element combiner, not a
  // call site, and is not followed.
  followList("calls", 1);
  followList("called_computations", 1);
}

void Importer::propagateCounts() {
  size_t n = mod().computations.size();
  counts.assign(n, 0);
  // Iterative DFS for a post order of the call graph from ENTRY; an edge
  // back to a computation on the DFS stack (a cycle, invalid HLO) is
  // dropped with a warning.
  enum class State { New, OnStack, Done };
  std::vector<State> state(n, State::New);
  std::vector<std::vector<bool>> dropped(n);
  for (size_t i = 0; i < n; ++i)
    dropped[i].assign(edges[i].size(), false);
  std::vector<size_t> postOrder;
  std::vector<std::pair<size_t, size_t>> stack; // (node, next edge)
  size_t entry = mod().entryIndex;
  stack.push_back({entry, 0});
  state[entry] = State::OnStack;
  while (!stack.empty()) {
    auto &[node, next] = stack.back();
    if (next == edges[node].size()) {
      state[node] = State::Done;
      postOrder.push_back(node);
      stack.pop_back();
      continue;
    }
    size_t e = next++;
    size_t callee = edges[node][e].callee;
    if (state[callee] == State::OnStack) {
      dropped[node][e] = true;
      warn(mod().computations[node].line,
           "computation '" + mod().computations[node].name +
               "' calls itself through '" + mod().computations[callee].name +
               "'; the cycle is ignored");
    } else if (state[callee] == State::New) {
      state[callee] = State::OnStack;
      stack.push_back({callee, 0});
    }
  }

  bool saturated = false;
  counts[entry] = 1;
  for (size_t node : reverse(postOrder))
    for (auto [e, edge] : enumerate(edges[node]))
      if (!dropped[node][e])
        counts[edge.callee] =
            addSat(counts[edge.callee],
                   mulSat(counts[node], edge.factor, saturated), saturated);
  if (saturated)
    warn(mod().getEntry().line,
         "execution counts overflow int64; saturated at INT64_MAX");
}

std::optional<int64_t> Importer::operandBytes(size_t comp,
                                              const HloInstruction &inst,
                                              bool firstOnly) {
  int64_t total = 0;
  bool any = false;
  for (const HloOperand &op : inst.operands) {
    const HloShape *shape = op.shape ? &*op.shape : nullptr;
    if (!shape && !op.name.empty()) {
      auto it = instIndex[comp].find(op.name);
      if (it != instIndex[comp].end() && it->second->shape)
        shape = &*it->second->shape;
    }
    if (!shape)
      return std::nullopt;
    bool saturated = false;
    total = addSat(total, shape->bytes(), saturated);
    any = true;
    if (firstOnly)
      break;
  }
  if (!any)
    return std::nullopt;
  return total;
}

void Importer::importCollective(size_t comp, const HloInstruction &inst,
                                CollectiveOpcode op) {
  ImportedCollective c;
  c.kind = op.kind;
  c.opcode = inst.opcode;
  c.instructionName = inst.name;
  c.computation = mod().computations[comp].name;
  c.line = inst.line;
  c.isAsync = op.isStart || asyncComp[comp];
  c.count = counts[comp];
  if (c.count == 0)
    warn(inst.line, "collective '" + inst.name + "' is in computation '" +
                        c.computation + "', which ENTRY never runs; count 0");
  // Anything unreadable about the collective makes its devices unknown:
  // the warning says so and `devicesKnown` lets the caller refuse to price
  // it rather than guess.
  auto bad = [&](const Twine &msg) {
    warn(inst.line, "collective '" + inst.name + "': " + msg);
  };
  auto badDevices = [&](const Twine &msg) {
    bad(msg);
    c.devicesKnown = false;
  };

  if (std::optional<StringRef> v = inst.getAttribute("channel_id")) {
    if (std::optional<int64_t> id = parseInt(*v))
      c.channelId = *id;
    else
      badDevices("bad channel_id '" + *v + "'");
  }
  std::optional<bool> useGlobal;
  if (std::optional<StringRef> v = inst.getAttribute("use_global_device_ids")) {
    if (*v == "true" || *v == "false")
      useGlobal = *v == "true";
    else
      badDevices("bad use_global_device_ids '" + *v + "'");
  }
  // Ops that carry the attribute default it to false when absent.
  bool hasGlobalAttr = c.kind == HloCollectiveKind::AllGather ||
                       c.kind == HloCollectiveKind::AllReduce ||
                       c.kind == HloCollectiveKind::ReduceScatter;
  if (hasGlobalAttr && !useGlobal)
    useGlobal = false;
  c.useGlobalDeviceIds = useGlobal.value_or(false);
  if (!c.channelId) {
    if (c.useGlobalDeviceIds)
      badDevices("use_global_device_ids=true without channel_id");
    c.groupMode = CollectiveGroupMode::CrossReplica;
  } else if (!useGlobal) {
    c.groupMode = CollectiveGroupMode::CrossPartition;
  } else {
    c.groupMode = *useGlobal ? CollectiveGroupMode::FlattenedId
                             : CollectiveGroupMode::CrossReplicaAndPartition;
  }

  if (std::optional<StringRef> v = inst.getAttribute("dimensions")) {
    std::optional<std::vector<std::string>> items = splitBraceList(*v);
    bool ok = items.has_value();
    for (const std::string &item : items ? *items : std::vector<std::string>{})
      if (std::optional<int64_t> d = parseInt(item))
        c.dimensions.push_back(*d);
      else
        ok = false;
    if (!ok)
      bad("bad dimensions '" + *v + "'");
  }

  if (c.kind == HloCollectiveKind::CollectivePermute) {
    std::optional<StringRef> v = inst.getAttribute("source_target_pairs");
    if (!v) {
      badDevices("collective-permute without source_target_pairs");
    } else if (Expected<std::vector<std::pair<int64_t, int64_t>>> pairs =
                   parseSourceTargetPairs(*v)) {
      c.pairs = std::move(*pairs);
    } else {
      badDevices(toString(pairs.takeError()));
    }
  } else {
    std::optional<StringRef> v = inst.getAttribute("replica_groups");
    if (v) {
      if (Expected<std::vector<std::vector<int64_t>>> groups =
              parseReplicaGroups(*v))
        c.groups = std::move(*groups);
      else
        badDevices(toString(groups.takeError()));
    }
    if (!v || StringRef(*v).trim() == "{}") {
      // One group of the whole id space of the group mode.
      int64_t ids = c.groupMode == CollectiveGroupMode::CrossPartition
                        ? result.numPartitions
                        : result.replicaCount;
      bool saturated = false;
      if (c.groupMode == CollectiveGroupMode::FlattenedId)
        ids = mulSat(result.replicaCount, result.numPartitions, saturated);
      c.allDevices = true;
      if (ids > kMaxIotaIds) {
        badDevices("too many devices to list");
      } else {
        c.groups.assign(1, std::vector<int64_t>(ids));
        std::iota(c.groups[0].begin(), c.groups[0].end(), 0);
      }
    }
  }

  // Bytes per device (the cost model's convention; see the header).
  const std::optional<HloShape> &shape = inst.shape;
  int64_t groupSize = c.groups.empty() ? 0 : c.groups.front().size();
  std::optional<int64_t> bytes;
  switch (c.kind) {
  case HloCollectiveKind::AllGather:
    if (shape) {
      // all-gather-start returns (operands, outputs); the sync form and a
      // start printed without the tuple return the outputs.
      if (op.isStart && shape->isTuple() && shape->elements.size() >= 2)
        bytes = shape->elements[1].bytes();
      else
        bytes = shape->bytes();
    } else if (std::optional<int64_t> in = operandBytes(comp, inst, false)) {
      bool saturated = false;
      bytes = mulSat(*in, groupSize, saturated);
      bad("no result shape; bytes are operand bytes x group size");
    }
    break;
  case HloCollectiveKind::ReduceScatter:
    bytes = operandBytes(comp, inst, false);
    if (!bytes && shape && !shape->isTuple()) {
      bool saturated = false;
      bytes = mulSat(shape->bytes(), groupSize, saturated);
      bad("operand shape unknown; bytes are result bytes x group size");
    }
    break;
  case HloCollectiveKind::CollectivePermute:
  case HloCollectiveKind::AllReduce:
  case HloCollectiveKind::AllToAll:
  case HloCollectiveKind::CollectiveBroadcast: {
    // The in-place collective-permute form takes (input, output, input
    // offsets, output offsets) and a slice_sizes attribute; only the first
    // operand is data sent.
    bool firstOnly = c.kind == HloCollectiveKind::CollectivePermute &&
                     inst.getAttribute("slice_sizes").has_value();
    bytes = operandBytes(comp, inst, firstOnly);
    if (bytes || !shape)
      break;
    if (!op.isStart)
      bytes = shape->bytes();
    else if (!shape->isTuple())
      bytes = shape->bytes();
    else if (c.kind == HloCollectiveKind::CollectivePermute &&
             shape->elements.size() >= 2)
      bytes = shape->elements[1].bytes();
    if (bytes)
      bad("operand shapes unknown; bytes taken from the result shape");
    break;
  }
  }
  if (bytes)
    c.bytesPerDevice = *bytes;
  else
    bad("cannot determine the bytes moved (no operand or result shape)");
  result.collectives.push_back(std::move(c));
}

HloImportResult Importer::run() {
  size_t n = mod().computations.size();
  edges.assign(n, {});
  asyncComp.assign(n, false);
  buildIndex();
  for (auto [i, comp] : enumerate(mod().computations))
    for (const HloInstruction &inst : comp.instructions)
      addCalls(i, inst);
  propagateCounts();
  for (auto [i, comp] : enumerate(mod().computations)) {
    for (const HloInstruction &inst : comp.instructions) {
      if (std::optional<StringRef> text = inst.getAttribute("sharding")) {
        // Shardings are read with the project's HLO sharding model so that
        // a form it does not know is reported here, not misread later.
        if (Expected<aoizora::sharding::HloSharding> parsed =
                aoizora::sharding::parseHloSharding(*text))
          ++result.shardedInstructions;
        else
          warn(inst.line,
               "sharding of '" + inst.name +
                   "' is not understood: " + toString(parsed.takeError()));
      }
      if (std::optional<CollectiveOpcode> op = classifyOpcode(inst.opcode))
        importCollective(i, inst, *op);
      else if (isUnsupportedCommunication(inst.opcode))
        warn(inst.line,
             "'" + inst.opcode + "' ('" + inst.name + "') is not imported");
    }
  }
  return std::move(result);
}

} // namespace

Expected<HloImportResult> aoizora::hlo::importHloText(StringRef text) {
  Expected<HloModuleText> module = parseHloModuleText(text);
  if (!module)
    return module.takeError();
  return Importer(std::move(*module)).run();
}

Expected<HloImportResult> aoizora::hlo::importHloFile(StringRef path) {
  Expected<std::unique_ptr<MemoryBuffer>> buffer = aoizora::readInputFile(
      path, aoizora::limits::kMaxHloFileBytes, "HLO file");
  if (!buffer)
    return buffer.takeError();
  Expected<HloImportResult> result = importHloText((*buffer)->getBuffer());
  if (!result)
    return createStringError(inconvertibleErrorCode(),
                             path + ": " + toString(result.takeError()));
  return result;
}
