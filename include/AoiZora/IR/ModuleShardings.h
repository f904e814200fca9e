//===- ModuleShardings.h - The sharding model of one module -----*- C++ -*-===//
//
// Parses every site found by collectShardingSites into the plain C++ sharding
// model: the module's meshes (sdy.mesh ops, round-trip `xla.sdy.meshes`,
// inline meshes) and one entry per annotated value with its sharding in both
// Shardy and HLO form. Bad input (malformed text, unknown mesh, wrong rank,
// device counts that disagree with mhlo.num_partitions) is reported as an
// error at the offending op's location.
//
//===----------------------------------------------------------------------===//

#ifndef AOIZORA_IR_MODULESHARDINGS_H
#define AOIZORA_IR_MODULESHARDINGS_H

#include "AoiZora/IR/ShardingSites.h"
#include "AoiZora/Sharding/Shardy.h"

#include "llvm/Support/JSON.h"

#include <optional>

namespace aoizora {

/// A named mesh of the module.
struct MeshInfo {
  std::string name;
  sharding::Mesh mesh;
  /// Where it was declared ("sdy.mesh" or "xla.sdy.meshes").
  std::string origin;
  mlir::Location loc;
};

/// One annotated value and its sharding.
struct ValueSharding {
  /// Index into ModuleShardings::sites().
  unsigned siteIndex;
  /// Entry within a sharding-per-value (0 otherwise).
  unsigned entry;
  /// e.g. "argument #0 of @main", "result #1 of 'stablehlo.add'".
  std::string where;
  mlir::Type type;
  /// Canonical Shardy text; empty for GSPMD-only annotations.
  std::string sdyText;
  /// Mesh name (empty for inline meshes and GSPMD annotations).
  std::string meshName;
  /// HLO sharding text (converted from Shardy, or as written).
  std::string hloText;
  /// Number of distinct tiles the devices hold.
  int64_t distinctTiles = 1;
  mlir::Location loc;
};

/// All meshes and shardings of a module, parsed and verified.
class ModuleShardings {
public:
  /// Parses and verifies every annotation of \p module. Emits an error at the
  /// op that holds bad input and returns failure.
  static mlir::FailureOr<ModuleShardings> build(mlir::ModuleOp module);

  llvm::ArrayRef<ShardingSite> sites() const { return siteList; }
  llvm::ArrayRef<MeshInfo> meshes() const { return meshList; }
  llvm::ArrayRef<ValueSharding> values() const { return valueList; }
  const MeshInfo *lookupMesh(llvm::StringRef name) const;
  /// `mhlo.num_partitions` when the module has it.
  std::optional<int64_t> numPartitions() const { return partitions; }
  /// `mhlo.num_replicas` when the module has it.
  std::optional<int64_t> numReplicas() const { return replicas; }
  /// The number of devices the module runs on: that of its meshes with more
  /// than one device, else mhlo.num_partitions times mhlo.num_replicas
  /// (pmap-style modules have only replicas), else one more than the
  /// largest device id its collectives name, else 1.
  int64_t deviceCount() const { return devices; }
  /// Whether deviceCount() comes from the collectives' device ids (nothing
  /// else in the module says): a lower bound.
  bool deviceCountFromCollectives() const { return devicesFromCollectives; }

  /// The report written by az-inspect-shardings.
  llvm::json::Value toJSON() const;

private:
  llvm::SmallVector<ShardingSite, 0> siteList;
  llvm::SmallVector<MeshInfo, 0> meshList;
  llvm::SmallVector<ValueSharding, 0> valueList;
  std::optional<int64_t> partitions;
  std::optional<int64_t> replicas;
  int64_t devices = 1;
  bool devicesFromCollectives = false;
};

/// Shape of a ranked tensor type, or std::nullopt for anything else.
std::optional<llvm::SmallVector<int64_t>> getStaticShape(mlir::Type type);

/// Renders a location as "file:line:col" (or its printed form).
std::string locationToString(mlir::Location loc);

} // namespace aoizora

#endif // AOIZORA_IR_MODULESHARDINGS_H
