//===- HloDumps.h - Compiled XLA dumps that price a candidate ---*- C++ -*-===//
//
// `hlo-dump=` entries name compiled XLA HLO text per candidate mesh. This
// reads the entries, finds the one for a candidate, and turns a dump's
// collectives (AoiZoraHloImport) into the cost model's weighted step over
// the module's logical devices (docs/hlo-import.md).
//
//===----------------------------------------------------------------------===//

#ifndef AOIZORA_PLAN_HLODUMPS_H
#define AOIZORA_PLAN_HLODUMPS_H

#include "AoiZora/Plan/Report.h"
#include "AoiZora/Search/PlacementSearch.h"

#include "llvm/Support/JSON.h"

#include <vector>

namespace aoizora::plan {

/// One `hlo-dump` entry: a compiled dump and the candidate mesh it was
/// compiled for (the module's own mesh when the entry gives no sizes).
struct DumpEntry {
  llvm::SmallVector<int64_t> sizes;
  std::string path;
};

/// Reads `SIZES=PATH` or `PATH` entries. SIZES is `AxB...`, one size per
/// mesh axis in the mesh's order; anything else before '=' is part of the
/// path. \p moduleSizes: the module mesh's sizes (what `PATH` alone means).
llvm::Expected<std::vector<DumpEntry>>
parseDumpEntries(llvm::ArrayRef<std::string> entries,
                 llvm::ArrayRef<int64_t> moduleSizes, int64_t numDevices);

/// The entry for the candidate of \p sizes, or null.
const DumpEntry *findDump(llvm::ArrayRef<DumpEntry> dumps,
                          llvm::ArrayRef<int64_t> sizes);

/// What a compiled dump contributes to a candidate's price.
struct DumpCollectives {
  std::vector<WeightedCollective> step;
  /// Instructions that communicate but cannot be priced (each reported
  /// with its line): a cost built from `step` is incomplete.
  unsigned unpriced = 0;
  /// One entry per priced collective: line, instruction, opcode, kind,
  /// bytes_per_device, groups, group_size, count.
  llvm::json::Array priced;
};

/// The collectives of the compiled dump at \p path over \p numDevices
/// logical devices (XLA's flattened ids; also the dump's device count when
/// its header has none). The importer's warnings go to \p sink (among them
/// every instruction that communicates but cannot be priced, with its
/// line); a collective whose devices or size cannot be read is an error. A
/// dump with no priceable collective would cost 0 s: an error unless
/// \p allowEmpty (then a warning).
llvm::Expected<DumpCollectives>
loadDumpCollectives(llvm::StringRef path, const Slice &slice,
                    int64_t numDevices, bool allowEmpty, MessageSink sink);

} // namespace aoizora::plan

#endif // AOIZORA_PLAN_HLODUMPS_H
