//===- ModuleShardings.cpp - The sharding model of one module -------------===//
//
// Turns the sites of a module into parsed, verified meshes and per-value
// shardings. Every failure is an error at the op holding the bad text, naming
// the annotation and quoting the library's message.
//
//===----------------------------------------------------------------------===//

#include "AoiZora/IR/ModuleShardings.h"

#include "AoiZora/Sharding/Conversion.h"
#include "AoiZora/Sharding/HloSharding.h"
#include "AoiZora/Support/Limits.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Diagnostics.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;
namespace sh = aoizora::sharding;

namespace aoizora {

std::optional<SmallVector<int64_t>> getStaticShape(Type type) {
  auto ranked = dyn_cast_or_null<RankedTensorType>(type);
  if (!ranked || !ranked.hasStaticShape())
    return std::nullopt;
  return SmallVector<int64_t>(ranked.getShape());
}

std::string locationToString(Location loc) {
  if (auto file = dyn_cast<FileLineColLoc>(loc))
    return (file.getFilename().getValue() + ":" + Twine(file.getLine()) + ":" +
            Twine(file.getColumn()))
        .str();
  std::string text;
  llvm::raw_string_ostream os(text);
  loc.print(os);
  return text;
}

/// Number of distinct tiles \p hlo places on \p numDevices devices.
static llvm::Expected<int64_t> distinctTiles(const sh::HloSharding &hlo,
                                             int64_t numDevices, int64_t rank) {
  llvm::Expected<sh::TileMap> map = sh::tileMapOf(hlo, numDevices, rank);
  if (!map)
    return map.takeError();
  return sh::countDistinctTiles(*map);
}

static std::string typeToString(Type type) {
  std::string text;
  llvm::raw_string_ostream os(text);
  type.print(os);
  return text;
}

const MeshInfo *ModuleShardings::lookupMesh(StringRef name) const {
  for (const MeshInfo &mesh : meshList)
    if (mesh.name == name)
      return &mesh;
  return nullptr;
}

namespace {
/// Builds a ModuleShardings, reporting the first bad annotation.
class Builder {
public:
  Builder(ModuleOp module, ModuleShardings &result,
          SmallVectorImpl<MeshInfo> &meshes,
          SmallVectorImpl<ValueSharding> &values)
      : module(module), meshes(meshes), values(values) {
    (void)result;
  }

  LogicalResult addMesh(const ShardingSite &site, StringRef name,
                        StringRef text, StringRef origin);
  LogicalResult checkDeviceCount(const ShardingSite &site, StringRef what,
                                 int64_t count);
  LogicalResult addSdyValues(unsigned siteIndex, const ShardingSite &site);
  LogicalResult addHloValues(unsigned siteIndex, const ShardingSite &site);
  LogicalResult checkDeviceGroups(const ShardingSite &site);

  std::optional<int64_t> partitions;
  int64_t deviceCount = 0; // 0 until a mesh or num_partitions sets it.

private:
  InFlightDiagnostic error(const ShardingSite &site) {
    return site.ref.op->emitError();
  }
  std::string entryWhere(const ShardingSite &site, unsigned entry) const;
  const MeshInfo *lookupMesh(StringRef name) const {
    for (const MeshInfo &mesh : meshes)
      if (mesh.name == name)
        return &mesh;
    return nullptr;
  }

  ModuleOp module;
  SmallVectorImpl<MeshInfo> &meshes;
  SmallVectorImpl<ValueSharding> &values;
};
} // namespace

std::string Builder::entryWhere(const ShardingSite &site,
                                unsigned entry) const {
  if (site.ref.holder != AttrRef::Holder::Op)
    return site.describe();
  bool operands = site.ref.name == "in_shardings" ||
                  site.ref.frontendKey == "xla.sdy.in_shardings";
  std::string where = operands ? "operand #" : "result #";
  where += std::to_string(entry) + " of '" +
           site.ref.op->getName().getStringRef().str() + "'";
  if (!site.ref.frontendKey.empty())
    where += " (" + site.ref.frontendKey + ")";
  return where;
}

LogicalResult Builder::checkDeviceCount(const ShardingSite &site,
                                        StringRef what, int64_t count) {
  if (count <= 1)
    return success();
  if (partitions && *partitions != count)
    return error(site) << what << " has " << count
                       << " devices but the module's mhlo.num_partitions is "
                       << *partitions;
  if (deviceCount == 0)
    deviceCount = count;
  return success();
}

LogicalResult Builder::addMesh(const ShardingSite &site, StringRef name,
                               StringRef text, StringRef origin) {
  llvm::Expected<sh::Mesh> mesh = sh::parseMesh(text);
  if (!mesh)
    return error(site) << "invalid mesh @" << name << " in " << origin << ": "
                       << llvm::toString(mesh.takeError());
  if (llvm::Error err = sh::verifyMesh(*mesh))
    return error(site) << "invalid mesh @" << name << " in " << origin << ": "
                       << llvm::toString(std::move(err));
  for (const MeshInfo &other : meshes)
    if (other.name == name)
      return error(site) << "mesh @" << name << " is defined twice";
  if (failed(checkDeviceCount(site, ("mesh @" + name).str(),
                              mesh->numDevices())))
    return failure();
  meshes.push_back(MeshInfo{name.str(), std::move(*mesh), origin.str(),
                            site.getLoc()});
  return success();
}

LogicalResult Builder::addSdyValues(unsigned siteIndex,
                                    const ShardingSite &site) {
  std::string text = site.ref.getText();
  std::vector<sh::TensorSharding> shardings;
  if (site.kind == SiteKind::SdySharding) {
    llvm::Expected<sh::TensorSharding> one = sh::parseTensorSharding(text);
    if (!one)
      return error(site) << "invalid sharding on " << site.describe() << ": "
                         << llvm::toString(one.takeError());
    shardings.push_back(std::move(*one));
  } else {
    auto many = sh::parseShardingPerValue(text);
    if (!many)
      return error(site) << "invalid sharding on " << site.describe() << ": "
                         << llvm::toString(many.takeError());
    shardings.assign(std::make_move_iterator(many->begin()),
                     std::make_move_iterator(many->end()));
  }
  if (shardings.size() != site.valueTypes.size())
    return error(site) << site.describe() << " has " << shardings.size()
                       << " shardings for " << site.valueTypes.size()
                       << " values";

  for (auto [entry, sharding] : llvm::enumerate(shardings)) {
    std::string where = entryWhere(site, entry);
    const sh::Mesh *mesh = nullptr;
    if (sharding.inlineMesh) {
      if (llvm::Error err = sh::verifyMesh(*sharding.inlineMesh))
        return error(site) << "invalid inline mesh on " << where << ": "
                           << llvm::toString(std::move(err));
      if (failed(checkDeviceCount(site, "the inline mesh on " + where,
                                  sharding.inlineMesh->numDevices())))
        return failure();
      mesh = &*sharding.inlineMesh;
    } else if (const MeshInfo *named = lookupMesh(sharding.meshName)) {
      mesh = &named->mesh;
    } else {
      return error(site) << "unknown mesh @" << sharding.meshName << " in "
                         << where << " ('"
                         << sh::printTensorSharding(sharding) << "')";
    }
    Type type = site.valueTypes[entry];
    std::optional<SmallVector<int64_t>> shape = getStaticShape(type);
    std::optional<ArrayRef<int64_t>> shapeRef;
    if (shape)
      shapeRef = ArrayRef<int64_t>(*shape);
    if (llvm::Error err = sh::verifyTensorSharding(sharding, *mesh, shapeRef))
      return error(site) << "invalid sharding '"
                         << sh::printTensorSharding(sharding) << "' on "
                         << where << " of type " << typeToString(type) << ": "
                         << llvm::toString(std::move(err));
    llvm::Expected<sh::HloSharding> hlo = sh::toHloSharding(sharding, *mesh);
    if (!hlo)
      return error(site) << "cannot convert the sharding on " << where
                         << " to HLO form: " << llvm::toString(hlo.takeError());
    llvm::Expected<int64_t> tiles =
        distinctTiles(*hlo, std::max(mesh->numDevices(), deviceCount),
                      sharding.rank());
    if (!tiles)
      return error(site) << "cannot tile the sharding on " << where << ": "
                         << llvm::toString(tiles.takeError());
    values.push_back(ValueSharding{siteIndex, static_cast<unsigned>(entry),
                                   where, type,
                                   sh::printTensorSharding(sharding),
                                   sharding.meshName, sh::printHloSharding(*hlo),
                                   *tiles, site.getLoc()});
  }
  return success();
}

/// JAX writes serialized OpSharding protos instead of text for very large
/// device lists (sharding-syntax.md §2.5); those are not text.
static bool looksBinary(StringRef text) {
  return llvm::any_of(text, [](char c) {
    return static_cast<unsigned char>(c) < 0x20 && c != '\n' && c != '\t';
  });
}

LogicalResult Builder::addHloValues(unsigned siteIndex,
                                    const ShardingSite &site) {
  std::string text = site.ref.getText();
  // JAX writes "" for "no sharding specified".
  if (StringRef(text).trim().empty())
    return success();
  if (looksBinary(text)) {
    site.ref.op->emitWarning()
        << "skipping the binary (serialized OpSharding) mhlo.sharding on "
        << site.describe() << "; only the text form is supported";
    return success();
  }
  llvm::Expected<sh::HloSharding> parsed = sh::parseHloSharding(text);
  if (!parsed)
    return error(site) << "invalid mhlo.sharding on " << site.describe() << ": "
                       << llvm::toString(parsed.takeError());
  // A tuple sharding annotates the results one element each.
  std::vector<sh::HloSharding> entries;
  if (parsed->kind == sh::HloSharding::Kind::Tuple &&
      parsed->elements.size() == site.valueTypes.size())
    entries.assign(parsed->elements.begin(), parsed->elements.end());
  else
    entries.push_back(*parsed);

  for (auto [entry, hlo] : llvm::enumerate(entries)) {
    std::string where = entryWhere(site, entry);
    Type type = entry < site.valueTypes.size() ? site.valueTypes[entry] : Type();
    std::optional<SmallVector<int64_t>> shape = getStaticShape(type);
    int64_t rank = shape ? static_cast<int64_t>(shape->size()) : 0;
    if (hlo.kind == sh::HloSharding::Kind::Tiled) {
      if (shape && hlo.dataRank() != rank)
        return error(site) << "mhlo.sharding '" << text << "' on " << where
                           << " tiles " << hlo.dataRank()
                           << " dimensions but the value has rank " << rank;
      if (failed(checkDeviceCount(site, "mhlo.sharding '" + text + "'",
                                  hlo.tiles.numElements())))
        return failure();
    }
    if (hlo.kind == sh::HloSharding::Kind::Maximal && deviceCount > 0 &&
        hlo.maximalDevice >= deviceCount)
      return error(site) << "mhlo.sharding '" << text << "' on " << where
                         << " names device " << hlo.maximalDevice
                         << " but the module has " << deviceCount
                         << " devices";
    int64_t devices = std::max<int64_t>(deviceCount, 1);
    if (hlo.kind == sh::HloSharding::Kind::Tiled)
      devices = hlo.tiles.numElements();
    int64_t tileRank =
        hlo.kind == sh::HloSharding::Kind::Tiled ? hlo.dataRank() : rank;
    llvm::Expected<int64_t> tiles = distinctTiles(hlo, devices, tileRank);
    if (!tiles)
      return error(site) << "cannot tile mhlo.sharding '" << text << "' on "
                         << where << ": " << llvm::toString(tiles.takeError());
    values.push_back(ValueSharding{siteIndex, static_cast<unsigned>(entry),
                                   where, type, "", "",
                                   sh::printHloSharding(hlo), *tiles,
                                   site.getLoc()});
  }
  return success();
}

LogicalResult Builder::checkDeviceGroups(const ShardingSite &site) {
  std::string reason;
  auto groups = readDeviceGroups(site.ref.get(), &reason);
  if (failed(groups))
    return error(site) << "'" << site.ref.name
                       << "' must be a 2-D integer elements attribute of "
                          "device ids: "
                       << reason;
  if (deviceCount == 0)
    return success();
  for (ArrayRef<int64_t> group : *groups)
    for (int64_t id : group)
      // -1 pads uneven replica groups in StableHLO.
      if (id < -1 || id >= deviceCount)
        return error(site) << "'" << site.ref.name << "' names device " << id
                           << " but the module has " << deviceCount
                           << " devices";
  return success();
}

FailureOr<ModuleShardings> ModuleShardings::build(ModuleOp module) {
  ModuleShardings result;
  result.siteList = collectShardingSites(module);
  Builder builder(module, result, result.meshList, result.valueList);
  if (auto attr = module->getAttrOfType<IntegerAttr>("mhlo.num_partitions")) {
    builder.partitions = attr.getInt();
    if (*builder.partitions > limits::kMaxDevices)
      return module.emitError()
             << "mhlo.num_partitions = " << *builder.partitions
             << " is more than " << limits::kMaxDevicesText
             << " devices, the limit";
  }
  builder.deviceCount = builder.partitions.value_or(0);
  // pmap-style programs run on replicas: the devices are replicas times
  // partitions (XLA's flattened device ids).
  if (auto attr = module->getAttrOfType<IntegerAttr>("mhlo.num_replicas")) {
    result.replicas = attr.getInt();
    if (*result.replicas > 1)
      builder.deviceCount = builder.partitions.value_or(1) * *result.replicas;
  }

  // Meshes first: shardings refer to them by name from anywhere.
  for (const ShardingSite &site : result.siteList) {
    if (site.kind == SiteKind::SdyMesh) {
      if (failed(builder.addMesh(site, site.meshName, site.ref.getText(),
                                 "sdy.mesh")))
        return failure();
    } else if (site.kind == SiteKind::SdyMeshDict) {
      std::string text = site.ref.getText();
      auto entries = splitAttrDictText(text);
      if (failed(entries))
        return site.ref.op->emitError()
               << "invalid xla.sdy.meshes string '" << text
               << "': expected '{name = #sdy.mesh<...>, ...}'";
      for (auto &[name, meshText] : *entries)
        if (failed(builder.addMesh(site, name, meshText, "xla.sdy.meshes")))
          return failure();
    }
  }
  for (auto [index, site] : llvm::enumerate(result.siteList)) {
    LogicalResult ok = success();
    switch (site.kind) {
    case SiteKind::SdyMesh:
    case SiteKind::SdyMeshDict:
      break;
    case SiteKind::SdySharding:
    case SiteKind::SdyShardingPerValue:
      ok = builder.addSdyValues(index, site);
      break;
    case SiteKind::HloSharding:
      ok = builder.addHloValues(index, site);
      break;
    case SiteKind::ReplicaGroups:
    case SiteKind::SourceTargetPairs:
      ok = builder.checkDeviceGroups(site);
      break;
    }
    if (failed(ok))
      return failure();
  }
  result.partitions = builder.partitions;
  if (builder.deviceCount == 0) {
    // No mesh and no count attribute: the collectives' device ids say how
    // many devices take part at least (-1 pads uneven groups).
    int64_t maxId = -1;
    for (const ShardingSite &site : result.siteList) {
      if (site.kind != SiteKind::ReplicaGroups &&
          site.kind != SiteKind::SourceTargetPairs)
        continue;
      if (auto groups = readDeviceGroups(site.ref.get()); succeeded(groups))
        for (ArrayRef<int64_t> group : *groups)
          for (int64_t id : group)
            maxId = std::max(maxId, id);
    }
    if (maxId >= 1) {
      builder.deviceCount = maxId + 1;
      result.devicesFromCollectives = true;
    }
  }
  result.devices = std::max<int64_t>(builder.deviceCount, 1);
  return result;
}

llvm::json::Value ModuleShardings::toJSON() const {
  llvm::json::Array meshArray;
  for (const MeshInfo &mesh : meshList) {
    SmallVector<int64_t> ids = mesh.mesh.deviceIdsOrIota();
    llvm::json::Array axes;
    for (const sh::MeshAxis &axis : mesh.mesh.axes)
      axes.push_back(llvm::json::Object{{"name", axis.name},
                                        {"size", axis.size}});
    meshArray.push_back(llvm::json::Object{
        {"name", mesh.name},
        {"origin", mesh.origin},
        {"text", sh::printMesh(mesh.mesh)},
        {"axes", std::move(axes)},
        {"device_ids", std::vector<int64_t>(ids.begin(), ids.end())},
        {"num_devices", mesh.mesh.numDevices()},
        {"loc", locationToString(mesh.loc)}});
  }
  llvm::json::Array valueArray;
  for (const ValueSharding &value : valueList) {
    llvm::json::Object entry{{"where", value.where},
                             {"loc", locationToString(value.loc)},
                             {"hlo", value.hloText},
                             {"tiles", value.distinctTiles}};
    if (value.type)
      entry["type"] = typeToString(value.type);
    if (!value.sdyText.empty()) {
      entry["sdy"] = value.sdyText;
      if (!value.meshName.empty())
        entry["mesh"] = value.meshName;
    }
    valueArray.push_back(std::move(entry));
  }
  llvm::json::Object root{{"device_count", devices},
                          {"meshes", std::move(meshArray)},
                          {"values", std::move(valueArray)}};
  if (partitions)
    root["num_partitions"] = *partitions;
  if (replicas)
    root["num_replicas"] = *replicas;
  if (devicesFromCollectives)
    root["device_count_from"] = "collective device ids";
  return root;
}

} // namespace aoizora
