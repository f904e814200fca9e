//===- Shardy.h - Plain C++ model of Shardy shardings -----------*- C++ -*-===//
//
// The Shardy (`sdy`) mesh and tensor-sharding attributes as plain structs,
// with parsers for the text MLIR prints (`#sdy.mesh<...>`,
// `#sdy.sharding<...>`, `#sdy.sharding_per_value<[...]>`,
// `#sdy<manual_axes{...}>`, also without the `#sdy.xxx` prefix), printers that
// reproduce Shardy's canonical text, and Shardy's verifier rules with its
// error messages. The grammar and the messages are those described in
// ../shared/reference/sharding-syntax.md §1.1-§1.4 (openxla/shardy
// shardy/dialect/sdy/ir/{attrs.td,parsers.cc,verifiers.cc}).
//
//===----------------------------------------------------------------------===//

#ifndef AOIZORA_SHARDING_SHARDY_H
#define AOIZORA_SHARDING_SHARDY_H

#include "AoiZora/Support/CheckedMath.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>

namespace aoizora::sharding {

/// Marks a dynamic tensor dimension (same value as mlir::ShapedType::kDynamic).
inline constexpr int64_t kDynamicSize = std::numeric_limits<int64_t>::min();

/// One named mesh axis, e.g. `"x"=4`.
struct MeshAxis {
  std::string name;
  int64_t size = 1;

  bool operator==(const MeshAxis &o) const {
    return name == o.name && size == o.size;
  }
};

/// A Shardy mesh. No axes and no device ids is the empty mesh `<[]>`; no axes
/// and one device id is a maximal mesh `<[], device_ids=[k]>`. With axes, an
/// empty device id list means iota(product of axis sizes).
struct Mesh {
  llvm::SmallVector<MeshAxis> axes;
  llvm::SmallVector<int64_t> deviceIds;

  /// Product of the axis sizes; 1 for the empty and the maximal mesh.
  int64_t numDevices() const;
  bool isMaximal() const { return axes.empty() && deviceIds.size() == 1; }
  bool isEmpty() const { return axes.empty() && deviceIds.empty(); }
  /// Position of the axis called \p name in `axes`.
  std::optional<unsigned> axisIndex(llvm::StringRef name) const;
  /// Size of the axis called \p name.
  std::optional<int64_t> axisSize(llvm::StringRef name) const;
  /// The device ids, or iota(numDevices()) when none are given.
  llvm::SmallVector<int64_t> deviceIdsOrIota() const;

  bool operator==(const Mesh &o) const {
    return axes == o.axes && deviceIds == o.deviceIds;
  }
  bool operator!=(const Mesh &o) const { return !(*this == o); }
};

/// Which prefix printMesh writes before the `<...>` body.
enum class MeshPrefix {
  Attribute, ///< `#sdy.mesh<...>`, the full attribute.
  Inline,    ///< `mesh<...>`, as inlined in a sharding.
  None,      ///< `<...>`, as in the custom form of `sdy.mesh`.
};

/// Parses a mesh written as `#sdy.mesh<...>`, `mesh<...>` or `<...>`.
/// Explicit device ids equal to iota are dropped (when there are axes), as
/// Shardy's builder does. Does not verify; see verifyMesh.
llvm::Expected<Mesh> parseMesh(llvm::StringRef text);

/// Checks Shardy's mesh rules and returns its exact message for the first
/// violated one (e.g. `duplicate axis name: "a"`).
llvm::Error verifyMesh(const Mesh &mesh);

/// Prints \p mesh canonically, e.g. `#sdy.mesh<["x"=2, "y"=4]>`. Device ids
/// that equal iota are not printed.
std::string printMesh(const Mesh &mesh,
                      MeshPrefix prefix = MeshPrefix::Attribute);

/// The sub-axis part of `"x":(preSize)size`.
struct SubAxis {
  int64_t preSize = 1;
  int64_t size = 1;

  /// preSize * size: the pre-size of the sub-axis that would follow
  /// (saturated; verifyTensorSharding rejects an overflowing pair).
  int64_t nextPreSize() const { return saturatingMul(preSize, size); }
  bool operator==(const SubAxis &o) const {
    return preSize == o.preSize && size == o.size;
  }
};

/// A reference to a full mesh axis or to a sub-axis of it.
struct AxisRef {
  std::string name;
  std::optional<SubAxis> subAxis;

  /// The size this reference covers in \p mesh (1 if the axis is unknown).
  int64_t size(const Mesh &mesh) const;
  /// Shardy's text for it, e.g. `"x"` or `"x":(2)4`.
  std::string str() const;
  bool operator==(const AxisRef &o) const {
    return name == o.name && subAxis == o.subAxis;
  }
};

/// The sharding of one tensor dimension: axes major to minor, open (`?`) or
/// closed, and an optional priority (`p<N>`).
struct DimSharding {
  llvm::SmallVector<AxisRef> axes;
  bool isClosed = true;
  std::optional<int64_t> priority;

  bool operator==(const DimSharding &o) const {
    return axes == o.axes && isClosed == o.isClosed && priority == o.priority;
  }
};

/// The reduction applied to unreduced axes (`unreduced=max{...}`).
enum class ReductionKind { Sum, Max, Min };

/// A `#sdy.sharding<...>` attribute.
struct TensorSharding {
  /// The referenced mesh symbol without `@`; empty when the mesh is inline.
  std::string meshName;
  /// The inlined mesh of `<mesh<...>, ...>`.
  std::optional<Mesh> inlineMesh;
  llvm::SmallVector<DimSharding> dims;
  llvm::SmallVector<AxisRef> replicatedAxes;
  llvm::SmallVector<AxisRef> unreducedAxes;
  ReductionKind reduction = ReductionKind::Sum;

  int64_t rank() const { return static_cast<int64_t>(dims.size()); }
  bool operator==(const TensorSharding &o) const {
    return meshName == o.meshName && inlineMesh == o.inlineMesh &&
           dims == o.dims && replicatedAxes == o.replicatedAxes &&
           unreducedAxes == o.unreducedAxes && reduction == o.reduction;
  }
};

/// Parses `#sdy.sharding<...>` or the stripped form `<...>`.
llvm::Expected<TensorSharding> parseTensorSharding(llvm::StringRef text);

/// Parses `#sdy.sharding_per_value<[...]>`, also written `<[...]>` or as the
/// bare list `[...]` of the custom op syntax (`in_shardings=[...]`).
llvm::Expected<std::vector<TensorSharding>>
parseShardingPerValue(llvm::StringRef text);

/// Parses `#sdy<manual_axes{"a", "b"}>` or the bare `{"a", "b"}`.
llvm::Expected<llvm::SmallVector<std::string>>
parseManualAxes(llvm::StringRef text);

/// Prints Shardy's canonical text: `#sdy.sharding<@mesh, [{"x"}, {"y",
/// ?}p1], replicated={"z"}, unreduced=max{"w"}>`, or `<...>` without the
/// prefix when \p withPrefix is false.
std::string printTensorSharding(const TensorSharding &sharding,
                                bool withPrefix = true);
/// Prints `#sdy.sharding_per_value<[<...>, <...>]>`.
std::string printShardingPerValue(llvm::ArrayRef<TensorSharding> shardings);
/// Prints `#sdy<manual_axes{"a", "b"}>`.
std::string printManualAxes(llvm::ArrayRef<std::string> axes);

/// Checks \p sharding against \p mesh (its own inline mesh or the referenced
/// one) and, if given, the tensor \p shape (kDynamicSize for dynamic dims).
/// Messages are Shardy's, e.g. `unknown axis name: "c"`,
/// `sharding doesn't match tensor rank: 2 != 1`.
llvm::Error
verifyTensorSharding(const TensorSharding &sharding, const Mesh &mesh,
                     std::optional<llvm::ArrayRef<int64_t>> shape = {});

} // namespace aoizora::sharding

#endif // AOIZORA_SHARDING_SHARDY_H
