//===- TopologyOptions.cpp - Topology options shared by passes ------------===//

#include "AoiZora/Passes/TopologyOptions.h"

#include "llvm/Support/FormatVariadic.h"

using namespace mlir;

namespace aoizora {

FailureOr<Slice> parseTopologyOption(ModuleOp module, StringRef passName,
                                     StringRef topology, int64_t numDevices) {
  if (topology.empty())
    return module.emitError()
           << passName << " needs a 'topology', e.g. topology=v5e:4x4";
  llvm::Expected<Slice> slice = Slice::parse(topology);
  if (!slice)
    return module.emitError() << "invalid topology '" << topology
                              << "': " << llvm::toString(slice.takeError());
  if (numDevices != slice->numDevices())
    return module.emitError()
           << "topology " << slice->str() << " has " << slice->numDevices()
           << " devices but the module runs on " << numDevices
           << " (from its meshes, mhlo.num_partitions x mhlo.num_replicas, "
              "or the device ids of its collectives)";
  return std::move(*slice);
}

FailureOr<Placement> loadDeviceAssignment(ModuleOp module, const Slice &slice,
                                          StringRef file) {
  if (file.empty())
    return Placement::defaultFor(slice);
  llvm::Expected<Placement> placement = Placement::fromFile(slice, file);
  if (!placement)
    return module.emitError() << llvm::toString(placement.takeError());
  return std::move(*placement);
}

FailureOr<Calibration> loadCalibrationOption(ModuleOp module,
                                             StringRef passName,
                                             const Slice &slice,
                                             StringRef file) {
  if (file.empty())
    return Calibration::defaults(slice.chip().generation);
  llvm::Expected<Calibration> cal = Calibration::fromFile(file, slice);
  if (!cal)
    return module.emitError()
           << passName << ": " << llvm::toString(cal.takeError());
  return std::move(*cal);
}

Location moduleReportLoc(ModuleOp module) {
  if (auto file = dyn_cast<FileLineColLoc>(module.getLoc()))
    return FileLineColLoc::get(file.getFilename(), file.getLine(), 0);
  return module.getLoc();
}

std::string describeChip(const Slice &slice, unsigned chip) {
  ChipCoords c = slice.coordsOf(chip);
  std::string text = "(" + std::to_string(c[0]);
  for (unsigned d = 1; d < slice.numDims(); ++d)
    text += "," + std::to_string(c[d]);
  return text + ")";
}

std::string describeLink(const Slice &slice, LinkId link) {
  if (link == kNoLink)
    return "none";
  LinkInfo info = slice.linkInfo(link);
  return "chip " + describeChip(slice, info.fromChip) + " " +
         (info.direction > 0 ? "+" : "-") + std::string(1, "xyz"[info.dim]);
}

} // namespace aoizora
