//===- DeviceRelabel.cpp - Apply a device permutation to a module ---------===//
//
// The rewrite behind az-apply-device-order. Each kind of site is relabelled
// by the sharding library and written back through AttrRef::setText, so the
// text of anything whose device assignment does not change is kept as is.
//
//===----------------------------------------------------------------------===//

#include "AoiZora/IR/DeviceRelabel.h"

#include "AoiZora/IR/ShardingSites.h"

#include "AoiZora/Sharding/HloSharding.h"
#include "AoiZora/Sharding/Shardy.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "llvm/ADT/StringExtras.h"

using namespace mlir;

namespace aoizora {

//===----------------------------------------------------------------------===//
// Checking a relabelling
//===----------------------------------------------------------------------===//

LogicalResult checkRelabellingIsSafe(ModuleOp module,
                                     const ModuleShardings &shardings) {
  // Ops that observe their own device id compute different values on a
  // relabelled device, so the rewrite would change the program.
  WalkResult walk = module.walk([](Operation *op) {
    StringRef name = op->getName().getStringRef();
    if (name != "stablehlo.partition_id" && name != "stablehlo.replica_id")
      return WalkResult::advance();
    op->emitError() << "cannot relabel devices: '" << name
                    << "' reads the executing device's id, which a "
                       "relabelling changes; apply the order through the "
                       "device assignment instead (the order of the devices "
                       "given to jax.sharding.Mesh)";
    return WalkResult::interrupt();
  });
  if (walk.wasInterrupted())
    return failure();

  // One permutation can only relabel meshes over the same device set.
  const MeshInfo *first = nullptr;
  for (const MeshInfo &mesh : shardings.meshes()) {
    if (mesh.mesh.numDevices() <= 1)
      continue;
    if (!first) {
      first = &mesh;
      continue;
    }
    if (mesh.mesh.numDevices() != first->mesh.numDevices()) {
      InFlightDiagnostic diag =
          emitError(mesh.loc)
          << "cannot relabel devices: mesh @" << mesh.name << " has "
          << mesh.mesh.numDevices() << " devices but mesh @" << first->name
          << " has " << first->mesh.numDevices()
          << " devices; one device order cannot apply to both";
      diag.attachNote(first->loc) << "mesh @" << first->name << " declared here";
      return failure();
    }
  }
  return success();
}

//===----------------------------------------------------------------------===//
// The rewrite
//===----------------------------------------------------------------------===//

namespace sh = aoizora::sharding;

/// Relabels the inline mesh of each sharding; returns whether any changed.
static llvm::Expected<bool>
relabelInlineMeshes(MutableArrayRef<sh::TensorSharding> shardings,
                    ArrayRef<int64_t> sigma) {
  bool changed = false;
  for (sh::TensorSharding &sharding : shardings) {
    if (!sharding.inlineMesh)
      continue;
    llvm::Expected<sh::Mesh> relabelled =
        sh::relabelMesh(*sharding.inlineMesh, sigma);
    if (!relabelled)
      return relabelled.takeError();
    changed |= *relabelled != *sharding.inlineMesh;
    sharding.inlineMesh = std::move(*relabelled);
  }
  return changed;
}

/// The new text of a site, or std::nullopt when its device assignment does
/// not change. Input was validated by ModuleShardings::build.
static FailureOr<std::optional<std::string>>
relabelSiteText(const ShardingSite &site, ArrayRef<int64_t> sigma) {
  std::string text = site.ref.getText();
  auto fail = [&](llvm::Error err) {
    site.ref.op->emitError() << "cannot relabel " << site.describe() << ": "
                             << llvm::toString(std::move(err));
    return failure();
  };
  switch (site.kind) {
  case SiteKind::SdyMesh: {
    llvm::Expected<sh::Mesh> mesh = sh::parseMesh(text);
    if (!mesh)
      return fail(mesh.takeError());
    llvm::Expected<sh::Mesh> relabelled = sh::relabelMesh(*mesh, sigma);
    if (!relabelled)
      return fail(relabelled.takeError());
    if (*relabelled == *mesh)
      return std::optional<std::string>();
    return std::optional<std::string>(sh::printMesh(*relabelled));
  }
  case SiteKind::SdyMeshDict: {
    auto entries = splitAttrDictText(text);
    if (failed(entries))
      return fail(llvm::createStringError("malformed xla.sdy.meshes string"));
    bool changed = false;
    std::string result = "{";
    for (auto [index, entry] : llvm::enumerate(*entries)) {
      llvm::Expected<sh::Mesh> mesh = sh::parseMesh(entry.second);
      if (!mesh)
        return fail(mesh.takeError());
      llvm::Expected<sh::Mesh> relabelled = sh::relabelMesh(*mesh, sigma);
      if (!relabelled)
        return fail(relabelled.takeError());
      bool meshChanged = *relabelled != *mesh;
      changed |= meshChanged;
      result += (index ? ", " : "") + entry.first + " = " +
                (meshChanged ? sh::printMesh(*relabelled) : entry.second);
    }
    if (!changed)
      return std::optional<std::string>();
    return std::optional<std::string>(result + "}");
  }
  case SiteKind::SdySharding:
  case SiteKind::SdyShardingPerValue: {
    // Only inline meshes carry device ids; shardings by name stay as is.
    bool single = site.kind == SiteKind::SdySharding;
    std::vector<sh::TensorSharding> shardings;
    if (single) {
      llvm::Expected<sh::TensorSharding> one = sh::parseTensorSharding(text);
      if (!one)
        return fail(one.takeError());
      shardings.push_back(std::move(*one));
    } else {
      auto many = sh::parseShardingPerValue(text);
      if (!many)
        return fail(many.takeError());
      shardings = std::move(*many);
    }
    llvm::Expected<bool> changed = relabelInlineMeshes(shardings, sigma);
    if (!changed)
      return fail(changed.takeError());
    if (!*changed)
      return std::optional<std::string>();
    return std::optional<std::string>(
        single ? sh::printTensorSharding(shardings.front())
               : sh::printShardingPerValue(shardings));
  }
  case SiteKind::HloSharding: {
    if (StringRef(text).trim().empty())
      return std::optional<std::string>();
    llvm::Expected<sh::HloSharding> hlo = sh::parseHloSharding(text);
    if (!hlo) // Binary protos were skipped with a warning when reading.
      return std::optional<std::string>();
    llvm::Expected<sh::HloSharding> relabelled = sh::relabelDevices(*hlo, sigma);
    if (!relabelled)
      return fail(relabelled.takeError());
    if (*relabelled == *hlo)
      return std::optional<std::string>();
    return std::optional<std::string>(sh::printHloSharding(*relabelled));
  }
  case SiteKind::ReplicaGroups:
  case SiteKind::SourceTargetPairs:
    llvm_unreachable("device groups are rewritten as dense attributes");
  }
  llvm_unreachable("unknown site kind");
}

/// Maps every id of a dense group attribute through sigma (-1 padding
/// stays). Ids are read by value in the attribute's width and signedness;
/// when a new id does not fit that width, the attribute is written back as
/// i64, the type StableHLO gives device groups.
static void relabelDeviceGroups(const ShardingSite &site,
                                ArrayRef<int64_t> sigma) {
  auto dense = cast<DenseIntElementsAttr>(site.ref.get());
  FailureOr<SmallVector<SmallVector<int64_t>>> groups = readDeviceGroups(dense);
  // ModuleShardings::build has checked every group attribute.
  assert(succeeded(groups) && "device groups were verified");
  auto type = cast<ShapedType>(dense.getType());
  auto element = dyn_cast<IntegerType>(type.getElementType()); // or index
  unsigned width = element ? element.getWidth() : 64;
  bool isUnsigned = element && element.isUnsigned();
  SmallVector<int64_t> mapped;
  bool changed = false, fits = true;
  for (ArrayRef<int64_t> group : *groups) {
    for (int64_t value : group) {
      int64_t id = value < 0 ? value : sigma[value];
      changed |= id != value;
      fits &= isUnsigned ? (id >= 0 && llvm::isUIntN(width, id))
                         : llvm::isIntN(width, id);
      mapped.push_back(id);
    }
  }
  if (!changed)
    return;
  if (!fits) {
    auto wide = RankedTensorType::get(type.getShape(),
                                      IntegerType::get(dense.getContext(), 64));
    site.ref.set(DenseIntElementsAttr::get(wide, ArrayRef<int64_t>(mapped)));
    return;
  }
  SmallVector<APInt> ids;
  for (int64_t id : mapped)
    ids.push_back(APInt(width, id, /*isSigned=*/!isUnsigned));
  site.ref.set(DenseIntElementsAttr::get(dense.getType(), ids));
}

LogicalResult applyDevicePermutation(const ModuleShardings &shardings,
                                     ArrayRef<int64_t> sigma) {
  // Compute every new text before writing any, so that a failure leaves the
  // module untouched.
  SmallVector<std::pair<const ShardingSite *, std::string>> rewrites;
  for (const ShardingSite &site : shardings.sites()) {
    if (site.kind == SiteKind::ReplicaGroups ||
        site.kind == SiteKind::SourceTargetPairs)
      continue;
    FailureOr<std::optional<std::string>> text = relabelSiteText(site, sigma);
    if (failed(text))
      return failure();
    if (*text)
      rewrites.emplace_back(&site, std::move(**text));
  }
  for (auto &[site, text] : rewrites)
    if (failed(site->ref.setText(text)))
      return failure();
  for (const ShardingSite &site : shardings.sites())
    if (site.kind == SiteKind::ReplicaGroups ||
        site.kind == SiteKind::SourceTargetPairs)
      relabelDeviceGroups(site, sigma);
  return success();
}

LogicalResult resizeSdyMesh(ModuleOp module, const ModuleShardings &shardings,
                            StringRef meshName, sharding::Mesh mesh,
                            ArrayRef<int64_t> deviceIds) {
  mesh.deviceIds.assign(deviceIds.begin(), deviceIds.end());
  for (const ShardingSite &site : shardings.sites())
    if (site.kind == SiteKind::SdyMesh && site.meshName == meshName)
      return site.ref.setText(sharding::printMesh(mesh));
  return module.emitError()
         << "cannot find the sdy.mesh @" << meshName << " to resize";
}

} // namespace aoizora
