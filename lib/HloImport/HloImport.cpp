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

/// The row-major indices of an array of shape \p dims, read in row-major
/// order after transposing it by \p perm (output dim i is input dim
/// perm[i]): `arange(prod(dims)).reshape(dims).transpose(perm).flatten()`.
/// The caller has checked that \p perm is a permutation and the product
/// is small.
static std::vector<int64_t> transposedOrder(ArrayRef<int64_t> dims,
                                            ArrayRef<int64_t> perm) {
  size_t rank = dims.size();
  int64_t total = 1;
  for (int64_t d : dims)
    total *= d;
  std::vector<int64_t> order;
  order.reserve(total);
  if (rank == 0 || total == 0)
    return total == 1 ? std::vector<int64_t>{0} : order;
  SmallVector<int64_t> srcStride(rank, 1);
  for (size_t d = rank - 1; d > 0; --d)
    srcStride[d - 1] = srcStride[d] * dims[d];
  SmallVector<int64_t> outDims(rank), outStride(rank);
  for (size_t i = 0; i < rank; ++i) {
    outDims[i] = dims[perm[i]];
    outStride[i] = srcStride[perm[i]];
  }
  SmallVector<int64_t> index(rank, 0);
  int64_t value = 0;
  for (int64_t k = 0; k < total; ++k) {
    order.push_back(value);
    // Odometer increment over the transposed dims.
    for (size_t d = rank; d-- > 0;) {
      value += outStride[d];
      if (++index[d] < outDims[d])
        break;
      value -= outStride[d] * outDims[d];
      index[d] = 0;
    }
  }
  return order;
}

/// Checks that \p perm permutes 0..rank-1.
static bool isPermutation(ArrayRef<int64_t> perm, size_t rank) {
  if (perm.size() != rank)
    return false;
  SmallVector<bool> seen(rank, false);
  for (int64_t p : perm) {
    if (p < 0 || p >= static_cast<int64_t>(rank) || seen[p])
      return false;
    seen[p] = true;
  }
  return true;
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
  if (perm.size() != reshape->size())
    return makeError("transpose perm of '" + text + "' has the wrong rank");
  if (!isPermutation(perm, reshape->size()))
    return makeError("transpose perm of '" + text + "' is not a permutation");

  std::vector<int64_t> order = transposedOrder(*reshape, perm);
  std::vector<std::vector<int64_t>> groups(numGroups);
  for (int64_t k = 0; k < total; ++k)
    groups[k / groupSize].push_back(order[k]);
  return groups;
}

//===----------------------------------------------------------------------===//
// Mesh-axes replica groups
//===----------------------------------------------------------------------===//

namespace {

/// A cursor over the text of a mesh-axes replica group list.
class MeshGroupsReader {
public:
  explicit MeshGroupsReader(StringRef text) : whole(text), s(text.trim()) {}

  Expected<MeshReplicaGroups> read();

private:
  struct AxisRef {
    size_t axis;
    // Pre-size and size; a full axis is (1, axis size).
    int64_t pre, size;
    bool isSubAxis;
  };

  Error fail(const Twine &msg) {
    return makeError("mesh replica groups '" + whole.trim() + "': " + msg);
  }
  bool eat(StringRef token) {
    s = s.ltrim();
    return s.consume_front(token);
  }
  std::optional<int64_t> readInt() {
    s = s.ltrim();
    size_t n = 0;
    while (n < s.size() && (isDigit(s[n]) || (n == 0 && s[n] == '-')))
      ++n;
    std::optional<int64_t> v = parseInt(s.take_front(n));
    if (v)
      s = s.drop_front(n);
    return v;
  }
  /// An axis name: `'quoted'` (anything but a quote inside) or a bare run
  /// of name characters and '/'.
  std::optional<std::string> readName() {
    s = s.ltrim();
    if (s.consume_front("'")) {
      size_t end = s.find('\'');
      if (end == StringRef::npos)
        return std::nullopt;
      std::string name = s.take_front(end).str();
      s = s.drop_front(end + 1);
      return name;
    }
    size_t n = 0;
    while (n < s.size() && (isNameChar(s[n]) || s[n] == '/'))
      ++n;
    if (n == 0)
      return std::nullopt;
    std::string name = s.take_front(n).str();
    s = s.drop_front(n);
    return name;
  }
  Expected<std::vector<int64_t>> readDeviceIds(int64_t numDevices);

  StringRef whole, s;
};

Expected<std::vector<int64_t>>
MeshGroupsReader::readDeviceIds(int64_t numDevices) {
  size_t close = findClosing(s, 0);
  if (!s.starts_with("(") || close == StringRef::npos)
    return fail("expected 'device_ids=(...)'");
  StringRef body = s.slice(1, close).trim();
  s = s.drop_front(close + 1);
  std::vector<int64_t> ids;
  if (body.starts_with("[")) {
    // An iota: arange over the reshape dims, transposed.
    std::optional<SmallVector<int64_t>> dims = takeBracketList(body, '[', ']');
    if (!dims || dims->empty())
      return fail("bad iota device_ids");
    SmallVector<int64_t> perm(dims->size());
    std::iota(perm.begin(), perm.end(), 0);
    if (body.consume_front("T")) {
      std::optional<SmallVector<int64_t>> p = takeBracketList(body, '(', ')');
      if (!p || !isPermutation(*p, dims->size()))
        return fail("bad transpose in iota device_ids");
      perm = *p;
    }
    if (!body.trim().empty())
      return fail("unexpected '" + body + "' in device_ids");
    int64_t total = 1;
    for (int64_t d : *dims) {
      if (d <= 0 || d > kMaxIotaIds || total * d > kMaxIotaIds)
        return fail("bad iota device_ids dims");
      total *= d;
    }
    if (total != numDevices)
      return fail("device_ids has " + Twine(total) + " ids for " +
                  Twine(numDevices) + " devices");
    ids = transposedOrder(*dims, perm);
  } else {
    std::optional<SmallVector<int64_t>> list = parseIntList(body);
    if (!list)
      return fail("device_ids '" + body + "' is not a list of integers");
    ids.assign(list->begin(), list->end());
    if (static_cast<int64_t>(ids.size()) != numDevices)
      return fail("device_ids has " + Twine(ids.size()) + " ids for " +
                  Twine(numDevices) + " devices");
    std::vector<bool> seen(ids.size(), false);
    for (int64_t id : ids) {
      if (id < 0 || id >= numDevices || seen[id])
        return fail("device_ids is not a permutation of 0.." +
                    Twine(numDevices - 1));
      seen[id] = true;
    }
  }
  return ids;
}

Expected<MeshReplicaGroups> MeshGroupsReader::read() {
  MeshReplicaGroups result;
  if (eat("maximal_mesh[")) {
    // One device: groups of one, which move nothing.
    std::optional<int64_t> id;
    if (!eat("device_id=") || !(id = readInt()) || *id < 0 || !eat("]"))
      return fail("expected 'maximal_mesh[device_id=N]'");
    if (!eat("{") || !eat("}") || !s.trim().empty())
      return fail("a maximal mesh has no axes to group by: expected '{}'");
    result.groups.push_back({*id});
    return result;
  }
  if (!eat("mesh["))
    return fail("expected 'mesh[' or 'maximal_mesh['");
  std::vector<std::string> names;
  SmallVector<int64_t> sizes;
  int64_t numDevices = 1;
  do {
    std::optional<std::string> name = readName();
    std::optional<int64_t> size;
    if (!name || !eat("=") || !(size = readInt()))
      return fail("expected 'name=size' in the mesh");
    if (*size <= 0 || *size > kMaxIotaIds || numDevices * *size > kMaxIotaIds)
      return fail("bad or too large axis size " + Twine(*size));
    if (llvm::is_contained(names, *name))
      return fail("axis '" + *name + "' is declared twice");
    names.push_back(*name);
    sizes.push_back(*size);
    numDevices *= *size;
  } while (eat(","));
  if (!eat("]"))
    return fail("expected ']' after the mesh axes");
  std::vector<int64_t> ids(numDevices);
  std::iota(ids.begin(), ids.end(), 0);
  if (eat(",")) {
    if (!eat("device_ids="))
      return fail("expected 'device_ids=' after the mesh");
    s = s.ltrim();
    Expected<std::vector<int64_t>> explicitIds = readDeviceIds(numDevices);
    if (!explicitIds)
      return explicitIds.takeError();
    ids = std::move(*explicitIds);
  }
  if (!eat("{"))
    return fail("expected '{axes}' after the mesh");
  std::vector<AxisRef> refs;
  if (!eat("}")) {
    do {
      std::optional<std::string> name = readName();
      if (!name)
        return fail("expected an axis name");
      auto it = llvm::find(names, *name);
      if (it == names.end())
        return fail("axis '" + *name + "' is not in the mesh");
      AxisRef ref{static_cast<size_t>(it - names.begin()), 1, 0, false};
      ref.size = sizes[ref.axis];
      if (eat(":")) {
        std::optional<int64_t> pre, size;
        if (!eat("(") || !(pre = readInt()) || !eat(")") ||
            !(size = readInt()))
          return fail("expected ':(pre)size' after '" + *name + "'");
        int64_t full = sizes[ref.axis];
        if (*pre <= 0 || *size <= 1 || *size >= full || full % *pre != 0 ||
            (full / *pre) % *size != 0)
          return fail("sub-axis '" + *name + ":(" + Twine(*pre) + ")" +
                      Twine(*size) + "' does not divide axis size " +
                      Twine(full));
        ref = {ref.axis, *pre, *size, true};
      }
      refs.push_back(ref);
    } while (eat(","));
    if (!eat("}"))
      return fail("expected '}' after the grouped axes");
  }
  if (!s.trim().empty())
    return fail("unexpected '" + s.trim() + "' at the end");

  // Split every mesh axis into factors (major first) so that each
  // referenced (sub-)axis is one factor: a sub-axis (pre)size of an axis of
  // size n is the middle factor of [pre, size, n/(pre*size)]. Padding
  // factors fill the gaps between sub-axes of one axis.
  SmallVector<int64_t> factorDims;
  SmallVector<int64_t> refFactor(refs.size(), -1);
  for (size_t axis = 0; axis < sizes.size(); ++axis) {
    SmallVector<size_t> onAxis;
    for (size_t r = 0; r < refs.size(); ++r)
      if (refs[r].axis == axis)
        onAxis.push_back(r);
    llvm::sort(onAxis,
               [&](size_t a, size_t b) { return refs[a].pre < refs[b].pre; });
    int64_t covered = 1;
    for (size_t r : onAxis) {
      if (refs[r].pre % covered != 0 || (onAxis.size() > 1 && !refs[r].isSubAxis))
        return fail("axis '" + names[axis] + "' is referenced by overlapping "
                    "(sub-)axes");
      if (refs[r].pre > covered)
        factorDims.push_back(refs[r].pre / covered);
      refFactor[r] = factorDims.size();
      factorDims.push_back(refs[r].size);
      covered = refs[r].pre * refs[r].size;
    }
    if (sizes[axis] % covered != 0)
      return fail("sub-axes of '" + names[axis] + "' overlap or overrun it");
    if (covered < sizes[axis] || onAxis.empty())
      factorDims.push_back(sizes[axis] / covered);
  }
  // Factors not grouped come first, in mesh order; then the grouped ones in
  // the order written, so each run of groupSize ids is one group.
  SmallVector<int64_t> perm;
  for (int64_t f = 0; f < static_cast<int64_t>(factorDims.size()); ++f)
    if (!llvm::is_contained(refFactor, f))
      perm.push_back(f);
  int64_t groupSize = 1;
  for (size_t r = 0; r < refs.size(); ++r) {
    perm.push_back(refFactor[r]);
    groupSize *= refs[r].size;
  }
  std::vector<int64_t> order = transposedOrder(factorDims, perm);
  result.numDevices = numDevices;
  result.groups.assign(numDevices / groupSize, {});
  for (int64_t k = 0; k < numDevices; ++k)
    result.groups[k / groupSize].push_back(ids[order[k]]);
  return result;
}

} // namespace

Expected<MeshReplicaGroups> aoizora::hlo::parseMeshReplicaGroups(StringRef text) {
  return MeshGroupsReader(text).read();
}

static bool isMeshGroups(StringRef text) {
  text = text.trim();
  return text.starts_with("mesh[") || text.starts_with("maximal_mesh[");
}

Expected<std::vector<std::vector<int64_t>>>
aoizora::hlo::parseReplicaGroups(StringRef text) {
  text = text.trim();
  if (isMeshGroups(text)) {
    Expected<MeshReplicaGroups> mesh = parseMeshReplicaGroups(text);
    if (!mesh)
      return mesh.takeError();
    return std::move(mesh->groups);
  }
  if (text.starts_with("["))
    return parseIotaGroups(text);
  std::optional<std::vector<std::string>> items = splitBraceList(text);
  if (!items)
    return makeError("replica groups '" + text +
                     "' are neither '{{...},...}', '[G,S]<=[...]' nor "
                     "'mesh[...] {...}'");
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
  bool isRagged;
};

/// The collective a synchronous opcode names.
std::optional<CollectiveOpcode> classifyStem(StringRef stem) {
  using K = HloCollectiveKind;
  return StringSwitch<std::optional<CollectiveOpcode>>(stem)
      .Case("all-gather", CollectiveOpcode{K::AllGather, false, false})
      .Case("all-reduce", CollectiveOpcode{K::AllReduce, false, false})
      .Case("reduce-scatter", CollectiveOpcode{K::ReduceScatter, false, false})
      .Case("all-to-all", CollectiveOpcode{K::AllToAll, false, false})
      .Case("ragged-all-to-all", CollectiveOpcode{K::AllToAll, false, true})
      .Case("collective-permute",
            CollectiveOpcode{K::CollectivePermute, false, false})
      .Case("collective-broadcast",
            CollectiveOpcode{K::CollectiveBroadcast, false, false})
      .Default(std::nullopt);
}

/// A collective opcode, synchronous or the start of an async pair. XLA has
/// dedicated `all-gather-start`, `all-reduce-start` and
/// `collective-permute-start` opcodes, and prints any other collective
/// wrapped in `async-start` with the sugared name `<op>-start` (then
/// `<op>-update`, `<op>-done`; HloInstruction printing of async ops).
std::optional<CollectiveOpcode> classifyOpcode(StringRef opcode) {
  bool isStart = opcode.consume_back("-start");
  std::optional<CollectiveOpcode> op = classifyStem(opcode);
  if (op)
    op->isStart = isStart;
  return op;
}

/// The `-update` and `-done` halves of an async collective, which are not
/// operations of their own.
bool isAsyncContinuation(StringRef opcode) {
  return (opcode.consume_back("-done") || opcode.consume_back("-update")) &&
         classifyStem(opcode).has_value();
}

/// Why \p inst moves data between devices in a way this importer cannot
/// price, or std::nullopt when it does not (or is a known collective).
std::optional<std::string> unpricedReason(const HloInstruction &inst) {
  StringRef opcode = inst.opcode;
  if (opcode == "send" || opcode == "recv") {
    // Host transfers move data between host and device, not devices.
    if (inst.getAttribute("is_host_transfer") == StringRef("true"))
      return std::nullopt;
    return (opcode + " between devices has no source_target_pairs to say "
                     "which devices it links")
        .str();
  }
  if (opcode == "custom-call") {
    std::optional<StringRef> target = inst.getAttribute("custom_call_target");
    if (target && isCommunicatingCustomCallTarget(target->trim("\"")))
      return ("custom-call target " + *target +
              " communicates between devices and its traffic is not known")
          .str();
    return std::nullopt;
  }
  if (opcode.ends_with("-done") || opcode.ends_with("-update") ||
      opcode.starts_with("async-"))
    return std::nullopt;
  // Anything else that looks like a collective (a newer XLA opcode, say).
  if (opcode.contains("all-gather") || opcode.contains("all-reduce") ||
      opcode.contains("all-to-all") || opcode.contains("reduce-scatter") ||
      opcode.starts_with("collective-"))
    return ("'" + opcode + "' is a collective this importer does not know")
        .str();
  return std::nullopt;
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
  Importer(HloModuleText module, const HloImportOptions &options)
      : options(options) {
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
  void resolveDeviceCount();
  std::optional<int64_t> operandBytes(size_t comp, const HloInstruction &inst,
                                      bool firstOnly);
  void importCollective(size_t comp, const HloInstruction &inst,
                        CollectiveOpcode op);
  const HloShape *operandShape(size_t comp, const HloOperand &op);
  std::optional<int64_t> inPlaceSliceBytes(size_t comp,
                                           const HloInstruction &inst);

  const HloModuleText &mod() const { return result.module; }

  HloImportOptions options;
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

void Importer::resolveDeviceCount() {
  const HloModuleText &m = mod();
  if (m.numPartitions || m.replicaCount) {
    result.deviceCountSource = DeviceCountSource::Header;
    return;
  }
  // No count in the header: the ids of channel collectives are partitions
  // (or flattened ids), those of the others replicas.
  bool anyChannel = false;
  int64_t maxId = -1;
  std::optional<int64_t> meshDevices;
  for (const HloComputation &comp : m.computations) {
    for (const HloInstruction &inst : comp.instructions) {
      std::optional<CollectiveOpcode> op = classifyOpcode(inst.opcode);
      if (!op)
        continue;
      anyChannel |= inst.getAttribute("channel_id").has_value();
      if (std::optional<StringRef> v = inst.getAttribute("replica_groups")) {
        if (isMeshGroups(*v)) {
          Expected<MeshReplicaGroups> mesh = parseMeshReplicaGroups(*v);
          if (mesh && mesh->numDevices > 0)
            meshDevices = std::max(meshDevices.value_or(0), mesh->numDevices);
          else if (!mesh)
            consumeError(mesh.takeError());
          continue;
        }
        Expected<std::vector<std::vector<int64_t>>> groups =
            parseReplicaGroups(*v);
        if (!groups) {
          consumeError(groups.takeError());
          continue;
        }
        for (const std::vector<int64_t> &group : *groups)
          for (int64_t id : group)
            maxId = std::max(maxId, id);
      }
      if (std::optional<StringRef> v =
              inst.getAttribute("source_target_pairs")) {
        Expected<std::vector<std::pair<int64_t, int64_t>>> pairs =
            parseSourceTargetPairs(*v);
        if (!pairs) {
          consumeError(pairs.takeError());
          continue;
        }
        for (auto [src, dst] : *pairs)
          maxId = std::max({maxId, src, dst});
      }
    }
  }
  std::optional<int64_t> devices;
  std::string from;
  if (options.numDevices && *options.numDevices > 0) {
    devices = options.numDevices;
    result.deviceCountSource = DeviceCountSource::Option;
    from = "the module it accompanies";
  } else if (meshDevices) {
    devices = meshDevices;
    result.deviceCountSource = DeviceCountSource::Mesh;
    from = "the mesh of its replica groups";
  } else if (maxId >= 0) {
    devices = maxId + 1;
    result.deviceCountSource = DeviceCountSource::CollectiveIds;
    from = "the largest device id its collectives name (a lower bound)";
  } else {
    result.deviceCountSource = DeviceCountSource::Unknown;
  }
  if (!devices) {
    if (llvm::any_of(m.computations, [](const HloComputation &c) {
          return llvm::any_of(c.instructions, [](const HloInstruction &i) {
            return classifyOpcode(i.opcode).has_value();
          });
        }))
      warn(1, "the header gives neither num_partitions nor replica_count "
                 "and nothing else says how many devices run the module; "
                 "collectives over every device cannot be priced");
    return;
  }
  if (anyChannel)
    result.numPartitions = *devices;
  else
    result.replicaCount = *devices;
  warn(1, "the header gives neither num_partitions nor replica_count; " +
              Twine(*devices) + " devices from " + from + ", read as " +
              (anyChannel ? "partitions (collectives have channel_id)"
                          : "replicas (no collective has channel_id)"));
}

const HloShape *Importer::operandShape(size_t comp, const HloOperand &op) {
  if (op.shape)
    return &*op.shape;
  if (op.name.empty())
    return nullptr;
  auto it = instIndex[comp].find(op.name);
  if (it != instIndex[comp].end() && it->second->shape)
    return &*it->second->shape;
  return nullptr;
}

/// The bytes an in-place collective-permute sends: the product of each
/// `slice_sizes` entry times the element width of the input buffer it
/// belongs to, when there is one entry per input buffer (an array input or
/// each element of a tuple input). std::nullopt otherwise; the caller then
/// prices the whole input, an upper bound.
std::optional<int64_t> Importer::inPlaceSliceBytes(size_t comp,
                                                   const HloInstruction &inst) {
  std::optional<StringRef> text = inst.getAttribute("slice_sizes");
  const HloShape *input =
      inst.operands.empty() ? nullptr : operandShape(comp, inst.operands[0]);
  std::optional<std::vector<std::string>> slices =
      text ? splitBraceList(*text) : std::nullopt;
  if (!input || !slices)
    return std::nullopt;
  std::vector<const HloShape *> buffers;
  if (input->isTuple())
    for (const HloShape &element : input->elements)
      buffers.push_back(&element);
  else
    buffers.push_back(input);
  if (buffers.size() != slices->size())
    return std::nullopt;
  int64_t total = 0;
  for (auto [buffer, slice] : llvm::zip_equal(buffers, *slices)) {
    std::optional<std::vector<std::string>> dims = splitBraceList(slice);
    std::optional<unsigned> bits =
        buffer->isArray() ? getElementTypeBits(buffer->elementType)
                          : std::nullopt;
    if (!dims || !bits || buffer->dims.size() != dims->size())
      return std::nullopt;
    int64_t elements = 1;
    for (auto [dimText, full] : llvm::zip_equal(*dims, buffer->dims)) {
      std::optional<int64_t> d = parseInt(dimText);
      if (!d || *d < 0 || *d > full)
        return std::nullopt;
      elements *= *d;
    }
    // Packed like the shape model packs sub-byte types: rounded up.
    total += (elements * *bits + 7) / 8;
  }
  return total;
}

std::optional<int64_t> Importer::operandBytes(size_t comp,
                                              const HloInstruction &inst,
                                              bool firstOnly) {
  int64_t total = 0;
  bool any = false;
  for (const HloOperand &op : inst.operands) {
    const HloShape *shape = operandShape(comp, op);
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
  c.isRagged = op.isRagged;
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
    if ((!v || StringRef(*v).trim() == "{}") &&
        result.deviceCountSource == DeviceCountSource::Unknown) {
      c.allDevices = true;
      badDevices("replica_groups " + Twine(v ? "{}" : "absent") +
                 " means every device, but the device count is unknown (the "
                 "header has no num_partitions or replica_count)");
    } else if (!v || StringRef(*v).trim() == "{}") {
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
    // offsets, output offsets) and a slice_sizes attribute: what is sent is
    // one slice per input buffer. ragged-all-to-all takes (input, output,
    // offsets and sizes...): its input buffer bounds what it sends.
    bool inPlace = c.kind == HloCollectiveKind::CollectivePermute &&
                   inst.getAttribute("slice_sizes").has_value();
    bytes = operandBytes(comp, inst, inPlace || c.isRagged);
    if (inPlace && bytes) {
      if (std::optional<int64_t> sliced = inPlaceSliceBytes(comp, inst))
        bytes = sliced;
      else
        bad("in-place collective-permute whose slice_sizes do not match its "
            "input buffers one to one: bytes are the whole input (" +
            Twine(*bytes) + "), an upper bound");
    }
    if (c.isRagged && bytes)
      bad("ragged-all-to-all is priced as an all-to-all of its whole input "
          "buffer (" + Twine(*bytes) +
          " bytes), an upper bound: the sizes it sends are data dependent");
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
  resolveDeviceCount();
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
      if (std::optional<CollectiveOpcode> op = classifyOpcode(inst.opcode)) {
        importCollective(i, inst, *op);
      } else if (isAsyncContinuation(inst.opcode)) {
        continue;
      } else if (std::optional<std::string> why = unpricedReason(inst)) {
        UnpricedCommunication u{inst.opcode, inst.name, comp.name, inst.line,
                                *why, counts[i]};
        if (u.count > 0)
          warn(inst.line, "'" + inst.name + "' cannot be priced: " + *why);
        result.unpriced.push_back(std::move(u));
      }
    }
  }
  return std::move(result);
}

} // namespace

bool aoizora::hlo::isCommunicatingCustomCallTarget(StringRef target) {
  std::string lower = target.lower();
  StringRef t(lower);
  for (StringRef word :
       {"allreduce", "all_reduce", "all-reduce", "allgather", "all_gather",
        "all-gather", "reducescatter", "reduce_scatter", "reduce-scatter",
        "alltoall", "all_to_all", "all-to-all", "collective", "ppermute",
        "nccl", "rccl", "nvshmem", "psum"})
    if (t.contains(word))
      return true;
  return false;
}

StringRef aoizora::hlo::stringifyDeviceCountSource(DeviceCountSource source) {
  switch (source) {
  case DeviceCountSource::Header:
    return "header";
  case DeviceCountSource::Option:
    return "option";
  case DeviceCountSource::Mesh:
    return "mesh";
  case DeviceCountSource::CollectiveIds:
    return "collective ids";
  case DeviceCountSource::Unknown:
    return "unknown";
  }
  llvm_unreachable("unknown device count source");
}

Expected<HloImportResult>
aoizora::hlo::importHloText(StringRef text, const HloImportOptions &options) {
  Expected<HloModuleText> module = parseHloModuleText(text);
  if (!module)
    return module.takeError();
  return Importer(std::move(*module), options).run();
}

Expected<HloImportResult>
aoizora::hlo::importHloFile(StringRef path, const HloImportOptions &options) {
  Expected<std::unique_ptr<MemoryBuffer>> buffer = aoizora::readInputFile(
      path, aoizora::limits::kMaxHloFileBytes, "HLO file");
  if (!buffer)
    return buffer.takeError();
  Expected<HloImportResult> result =
      importHloText((*buffer)->getBuffer(), options);
  if (!result)
    return createStringError(inconvertibleErrorCode(),
                             path + ": " + toString(result.takeError()));
  return result;
}
