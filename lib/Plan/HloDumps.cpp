//===- HloDumps.cpp - Compiled XLA dumps that price a candidate -----------===//

#include "AoiZora/Plan/HloDumps.h"

#include "AoiZora/HloImport/HloImport.h"
#include "AoiZora/Support/CheckedMath.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"

using llvm::ArrayRef;
using llvm::StringRef;
using llvm::Twine;

namespace aoizora::plan {

namespace {
/// The ids in an HLO collective's groups: replica ids, partition ids or
/// flattened ids, by XLA's CollectiveOpGroupMode.
struct GroupIds {
  hlo::CollectiveGroupMode mode;
  int64_t replicas, partitions;

  /// How many ids the mode has.
  int64_t limit() const {
    using Mode = hlo::CollectiveGroupMode;
    if (mode == Mode::CrossPartition)
      return partitions;
    if (mode == Mode::FlattenedId)
      return replicas * partitions;
    return replicas;
  }

  /// The devices a group of these ids stands for, as flattened ids
  /// (replica * partitions + partition): one list per concurrent copy of the
  /// group (per partition for cross-replica groups, per replica for
  /// cross-partition ones).
  std::vector<std::vector<int64_t>> expand(ArrayRef<int64_t> group) const {
    using Mode = hlo::CollectiveGroupMode;
    std::vector<std::vector<int64_t>> out;
    switch (mode) {
    case Mode::CrossReplica:
      for (int64_t p = 0; p < partitions; ++p) {
        out.emplace_back();
        for (int64_t r : group)
          out.back().push_back(r * partitions + p);
      }
      break;
    case Mode::CrossPartition:
      for (int64_t r = 0; r < replicas; ++r) {
        out.emplace_back();
        for (int64_t p : group)
          out.back().push_back(r * partitions + p);
      }
      break;
    case Mode::CrossReplicaAndPartition:
      out.emplace_back();
      for (int64_t r : group)
        for (int64_t p = 0; p < partitions; ++p)
          out.back().push_back(r * partitions + p);
      break;
    case Mode::FlattenedId:
      out.emplace_back(group.begin(), group.end());
      break;
    }
    return out;
  }
};

/// One imported collective as the cost model's weighted collective; false
/// in \p moves when it moves nothing (groups of one device).
llvm::Error convertCollective(const hlo::ImportedCollective &c,
                              const GroupIds &ids, const Slice &slice,
                              StringRef path, WeightedCollective &w,
                              bool &moves) {
  auto fail = [&](const Twine &why) {
    return planError("HLO dump '" + path + "' line " + Twine(c.line) + ": '" +
                     c.instructionName + "' " + why);
  };
  if (!c.devicesKnown)
    return fail("has device groups that could not be read (see the "
                "warning), so it cannot be priced");
  if (c.bytesPerDevice < 0)
    return fail("has an unknown size, so it cannot be priced");
  int64_t idLimit = ids.limit();
  auto inRange = [&](int64_t id) { return id >= 0 && id < idLimit; };
  w.spec.kind = c.kind;
  w.spec.bytes = static_cast<double>(c.bytesPerDevice);
  w.count = static_cast<double>(c.count);
  for (auto [source, target] : c.pairs) {
    if (!inRange(source) || !inRange(target))
      return fail("has a source-target pair outside its " + Twine(idLimit) +
                  " ids");
    // A pair is a group of two: each copy of it is one flattened pair.
    for (const std::vector<int64_t> &pair : ids.expand({source, target})) {
      if (pair.size() != 2)
        return fail("pairs devices in a group mode that spans partitions");
      w.spec.pairs.emplace_back(unsigned(pair[0]), unsigned(pair[1]));
    }
  }
  moves = !w.spec.pairs.empty();
  for (const std::vector<int64_t> &group : c.groups) {
    for (int64_t id : group)
      if (!inRange(id))
        return fail("names id " + Twine(id) + " outside its " + Twine(idLimit) +
                    " ids");
    for (const std::vector<int64_t> &members : ids.expand(group)) {
      w.spec.groups.emplace_back(members.begin(), members.end());
      moves |= members.size() > 1;
    }
  }
  // Groups of one device (a cross-replica op with one replica, as JAX
  // compiles) move nothing.
  if (!moves)
    return llvm::Error::success();
  if (llvm::Error err = verifyCollective(slice, w.spec))
    return fail(llvm::toString(std::move(err)));
  return llvm::Error::success();
}
} // namespace

llvm::Expected<DumpCollectives>
loadDumpCollectives(StringRef path, const Slice &slice, int64_t numDevices,
                    bool allowEmpty, MessageSink sink) {
  hlo::HloImportOptions options;
  options.numDevices = numDevices;
  llvm::Expected<hlo::HloImportResult> dump =
      hlo::importHloFile(path, options);
  if (!dump)
    return planError("cannot import HLO dump '" + path +
                     "': " + llvm::toString(dump.takeError()));
  for (const std::string &warning : dump->warnings)
    sink(MessageKind::Warning, "HLO dump '" + path + "': " + warning);
  // Checked: a huge replica_count must not wrap to the module's count.
  std::optional<int64_t> dumpDevices =
      aoizora::checkedMul(dump->numPartitions, dump->replicaCount);
  if (!dumpDevices || *dumpDevices != numDevices)
    return planError("HLO dump '" + path + "' runs on " +
                     (dumpDevices ? Twine(*dumpDevices)
                                  : Twine("more than 2^63")) +
                     " devices (num_partitions x replica_count) but the "
                     "module on " +
                     Twine(numDevices));
  // Device d of the module is XLA's flattened id: replica * P + partition.
  GroupIds ids{hlo::CollectiveGroupMode::CrossReplica, dump->replicaCount,
               dump->numPartitions};
  DumpCollectives result;
  // Collectives over groups of one device (a cross-replica op with one
  // replica, an axis of size 1): XLA's own evidence that nothing moves.
  unsigned movesNothing = 0;
  for (const hlo::ImportedCollective &c : dump->collectives) {
    if (c.count == 0)
      continue;
    ids.mode = c.groupMode;
    WeightedCollective w;
    bool moves = false;
    if (llvm::Error err = convertCollective(c, ids, slice, path, w, moves))
      return std::move(err);
    if (!moves) {
      ++movesNothing;
      continue;
    }
    bool permute = !w.spec.pairs.empty();
    result.priced.push_back(llvm::json::Object{
        {"line", c.line},
        {"instruction", c.instructionName},
        {"opcode", c.opcode},
        {"kind", stringifyCollectiveKind(c.kind)},
        {"bytes_per_device", c.bytesPerDevice},
        {"groups", permute ? int64_t(w.spec.pairs.size())
                           : int64_t(w.spec.groups.size())},
        {"group_size", permute ? int64_t(2)
                               : int64_t(w.spec.groups.front().size())},
        {"count", c.count}});
    result.step.push_back(std::move(w));
  }
  for (const hlo::UnpricedCommunication &u : dump->unpriced)
    result.unpriced += u.count > 0;
  if (result.step.empty() && movesNothing && !result.unpriced) {
    sink(MessageKind::Warning,
         "HLO dump '" + path + "': its " + Twine(movesNothing) +
             " collective(s) all run on groups of one device and move "
             "nothing; its communication is priced at 0 s");
  } else if (result.step.empty()) {
    std::string why =
        result.unpriced
            ? " (" + std::to_string(result.unpriced) +
                  " communicating instruction(s) cannot be priced; see the "
                  "warnings)"
            : "";
    if (!allowEmpty)
      return planError("HLO dump '" + path +
                       "' has no collective that az-place can price" + why +
                       ", so its communication would cost 0 s; pass "
                       "allow-empty=true to place it anyway");
    sink(MessageKind::Warning, "HLO dump '" + path +
                                   "' has no collective that az-place can "
                                   "price" +
                                   why + "; its communication is priced at 0 s");
  } else if (result.unpriced) {
    sink(MessageKind::Warning,
         "HLO dump '" + path + "': the cost is incomplete: " +
             Twine(result.unpriced) +
             " communicating instruction(s) cannot be priced");
  }
  return result;
}

llvm::Expected<std::vector<DumpEntry>>
parseDumpEntries(ArrayRef<std::string> entries, ArrayRef<int64_t> moduleSizes,
                 int64_t numDevices) {
  std::vector<DumpEntry> parsed;
  auto isNumber = [](StringRef field) {
    return !field.empty() &&
           llvm::all_of(field, [](char c) { return llvm::isDigit(c); });
  };
  for (StringRef entry : entries) {
    DumpEntry dump;
    auto [head, tail] = entry.split('=');
    llvm::SmallVector<StringRef> fields;
    head.split(fields, 'x');
    bool isSizes = entry.contains('=') && llvm::all_of(fields, isNumber);
    if (!isSizes) {
      dump.path = entry.str();
      dump.sizes.assign(moduleSizes.begin(), moduleSizes.end());
    } else {
      dump.path = tail.str();
      int64_t product = 1;
      for (StringRef field : fields) {
        int64_t size = 0;
        if (field.getAsInteger(10, size) || size <= 0 || size > numDevices)
          return planError("hlo-dump '" + entry + "': axis size '" + field +
                           "' is not a positive size of at most " +
                           Twine(numDevices));
        dump.sizes.push_back(size);
        product *= size;
      }
      if (dump.sizes.size() != moduleSizes.size() || product != numDevices)
        return planError("hlo-dump '" + entry + "': a candidate needs " +
                         Twine(moduleSizes.size()) +
                         " axis sizes whose product is " + Twine(numDevices));
    }
    if (dump.path.empty())
      return planError("hlo-dump '" + entry + "' names no file");
    for (const DumpEntry &earlier : parsed)
      if (earlier.sizes == dump.sizes)
        return planError("hlo-dump gives two dumps for one candidate: '" +
                         earlier.path + "' and '" + dump.path + "'");
    parsed.push_back(std::move(dump));
  }
  return parsed;
}

const DumpEntry *findDump(ArrayRef<DumpEntry> dumps, ArrayRef<int64_t> sizes) {
  for (const DumpEntry &dump : dumps)
    if (ArrayRef<int64_t>(dump.sizes) == sizes)
      return &dump;
  return nullptr;
}

} // namespace aoizora::plan
