//===- ShardingSites.h - Where sharding annotations live --------*- C++ -*-===//
//
// Finds every attribute of a module that describes a mesh, a sharding or a
// device group, wherever it lives in generic-form IR: op properties, the
// discardable dictionary, function argument/result attributes, and strings
// nested in `mhlo.frontend_attributes` (the Shardy round-trip form).
//
// Attributes are read and written through their printed text, so the same
// code handles opaque attributes (dialect not registered) and real ones (the
// plugin inside a pipeline that registers sdy/stablehlo/mhlo).
//
//===----------------------------------------------------------------------===//

#ifndef AOIZORA_IR_SHARDINGSITES_H
#define AOIZORA_IR_SHARDINGSITES_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Operation.h"
#include "llvm/ADT/SmallVector.h"

#include <string>

namespace aoizora {

/// What the attribute at a site holds.
enum class SiteKind {
  /// `#sdy.mesh<...>`: the `mesh` of an `sdy.mesh` op.
  SdyMesh,
  /// `"{name = #sdy.mesh<...>, ...}"`: module `xla.sdy.meshes` string.
  SdyMeshDict,
  /// `#sdy.sharding<...>`: one value's sharding.
  SdySharding,
  /// `#sdy.sharding_per_value<[...]>`: one sharding per value.
  SdyShardingPerValue,
  /// An HLO sharding string (`mhlo.sharding`).
  HloSharding,
  /// `replica_groups` of an explicit collective (dense 2-D i64).
  ReplicaGroups,
  /// `source_target_pairs` of a collective permute (dense Nx2 i64).
  SourceTargetPairs,
};

llvm::StringRef stringifySiteKind(SiteKind kind);

/// A handle on one attribute: on an op, or on one argument/result of a
/// function-like op, optionally as a string entry of the nested
/// `mhlo.frontend_attributes` dictionary.
struct AttrRef {
  enum class Holder { Op, Argument, Result };
  mlir::Operation *op = nullptr;
  Holder holder = Holder::Op;
  unsigned index = 0;
  /// Attribute name on the holder (e.g. `sdy.sharding`, `replica_groups`).
  std::string name;
  /// When non-empty: key inside the `mhlo.frontend_attributes` dictionary,
  /// whose value is a string holding the attribute text.
  std::string frontendKey;

  mlir::Attribute get() const;
  void set(mlir::Attribute value) const;
  /// The attribute's text: string contents for string attributes (HLO
  /// shardings, round-trip strings), otherwise the printed attribute.
  std::string getText() const;
  /// Replaces the attribute with \p text: a string attribute when the current
  /// one is a string, otherwise \p text parsed in the op's context. Parse
  /// failures are reported at the op's location.
  mlir::LogicalResult setText(llvm::StringRef text) const;
};

/// An attribute's text: string contents for a string attribute, otherwise
/// the printed attribute ("" for a null one). Sharding annotations arrive
/// either way, depending on whether their dialect is registered.
std::string attributeText(mlir::Attribute attr);

/// One annotation: where it is, what it holds, and which values it describes.
struct ShardingSite {
  SiteKind kind;
  AttrRef ref;
  /// Types of the values the annotation describes, in order (one per entry
  /// of a sharding-per-value, one for a single sharding; empty for meshes and
  /// device groups).
  llvm::SmallVector<mlir::Type> valueTypes;
  /// For SdyMesh: the mesh's symbol name.
  std::string meshName;
  /// For shardings inside `sdy.manual_computation`: its manual axes text.
  std::string manualAxesText;

  /// Human-readable position, e.g. "argument #0 of @main".
  std::string describe() const;
  mlir::Location getLoc() const { return ref.op->getLoc(); }
};

/// Collects every site of \p module in program order.
llvm::SmallVector<ShardingSite, 0> collectShardingSites(mlir::ModuleOp module);

/// Names of the explicit StableHLO collectives that carry device groups.
bool isCollectiveWithReplicaGroups(llvm::StringRef opName);

/// Reads a dense integer attribute as rows of ids (e.g. replica groups), each
/// by value in its own width and signedness. Returns failure for anything
/// that is not a 2-D integer elements attribute, for `i1` elements and for
/// values outside int64_t; \p reason, if given, then says which.
mlir::FailureOr<llvm::SmallVector<llvm::SmallVector<int64_t>>>
readDeviceGroups(mlir::Attribute attr, std::string *reason = nullptr);

/// Splits the `{name = value, ...}` text of a round-trip mesh dictionary into
/// (name, value text) pairs, respecting brackets and quotes.
mlir::FailureOr<llvm::SmallVector<std::pair<std::string, std::string>>>
splitAttrDictText(llvm::StringRef text);

} // namespace aoizora

#endif // AOIZORA_IR_SHARDINGSITES_H
