//===- Shardy.cpp - Parse, print and verify Shardy attributes -------------===//
//
// Grammar, canonical printing and verifier messages follow
// ../shared/reference/sharding-syntax.md §1.1-§1.3 (openxla/shardy attrs.td,
// parsers.cc, verifiers.cc).
//
//===----------------------------------------------------------------------===//

#include "AoiZora/Sharding/Shardy.h"

#include "Cursor.h"

#include "AoiZora/Support/CheckedMath.h"

#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/Support/raw_ostream.h"

#include <numeric>

using namespace llvm;
using namespace aoizora::sharding;
using aoizora::sharding::detail::Cursor;

//===----------------------------------------------------------------------===//
// Mesh
//===----------------------------------------------------------------------===//

int64_t Mesh::numDevices() const {
  // Parsed meshes are within aoizora::limits::kMaxDevices; saturating keeps a
  // mesh built in code from wrapping to a small count.
  int64_t n = 1;
  for (const MeshAxis &axis : axes)
    n = aoizora::saturatingMul(n, axis.size);
  return n;
}

std::optional<unsigned> Mesh::axisIndex(StringRef name) const {
  for (auto [i, axis] : enumerate(axes))
    if (axis.name == name)
      return i;
  return std::nullopt;
}

std::optional<int64_t> Mesh::axisSize(StringRef name) const {
  if (std::optional<unsigned> i = axisIndex(name))
    return axes[*i].size;
  return std::nullopt;
}

SmallVector<int64_t> Mesh::deviceIdsOrIota() const {
  if (!deviceIds.empty())
    return deviceIds;
  SmallVector<int64_t> ids(numDevices());
  std::iota(ids.begin(), ids.end(), 0);
  return ids;
}

static bool isIota(ArrayRef<int64_t> ids) {
  for (auto [i, id] : enumerate(ids))
    if (id != static_cast<int64_t>(i))
      return false;
  return true;
}

static std::string quoted(StringRef s) {
  std::string out;
  raw_string_ostream os(out);
  // The MLIR printer escapes string attributes this way (`"` as \22).
  os << '"';
  printEscapedString(s, os);
  os << '"';
  return out;
}

/// Parses the `<[...], device_ids=[...]>` body of a mesh.
static Expected<Mesh> parseMeshBody(Cursor &c) {
  Mesh mesh;
  AZ_TRY(c.expect("<"));
  AZ_TRY(c.expect("["));
  size_t axesStart = c.position();
  if (!c.consume("]")) {
    do {
      MeshAxis axis;
      Expected<std::string> name = c.parseString();
      if (!name)
        return name.takeError();
      axis.name = std::move(*name);
      AZ_TRY(c.expect("="));
      Expected<int64_t> size = c.parseInt();
      if (!size)
        return size.takeError();
      axis.size = *size;
      mesh.axes.push_back(std::move(axis));
    } while (c.consume(","));
    AZ_TRY(c.expect("]"));
  }
  // Bound the device count before anything sizes a table by it (sizes below
  // 1 are verifyMesh's to report).
  if (all_of(mesh.axes, [](const MeshAxis &a) { return a.size >= 1; })) {
    SmallVector<int64_t> sizes;
    for (const MeshAxis &axis : mesh.axes)
      sizes.push_back(axis.size);
    if (Expected<int64_t> n = aoizora::deviceCountOf(sizes, "mesh axis sizes");
        !n)
      return c.errorAt(axesStart, toString(n.takeError()));
  }
  if (c.consume(",")) {
    if (!c.consumeKeyword("device_ids"))
      return c.error("'device_ids'");
    AZ_TRY(c.expect("="));
    AZ_TRY(c.expect("["));
    size_t idsStart = c.position();
    Expected<SmallVector<int64_t>> ids = c.parseIntList("]");
    if (!ids)
      return ids.takeError();
    if (static_cast<int64_t>(ids->size()) > aoizora::limits::kMaxDevices)
      return c.errorAt(idsStart, Twine("device_ids lists more than ") +
                                     aoizora::limits::kMaxDevicesText +
                                     " devices, the limit");
    AZ_TRY(c.expect("]"));
    mesh.deviceIds = std::move(*ids);
  }
  AZ_TRY(c.expect(">"));
  // Shardy's MeshAttr builder drops device ids equal to iota, so
  // `<["a"=2], device_ids=[0, 1]>` prints back as `<["a"=2]>` (§1.1).
  if (!mesh.axes.empty() &&
      static_cast<int64_t>(mesh.deviceIds.size()) == mesh.numDevices() &&
      isIota(mesh.deviceIds))
    mesh.deviceIds.clear();
  return mesh;
}

Expected<Mesh> aoizora::sharding::parseMesh(StringRef text) {
  Cursor c(text);
  if (!c.consume("#sdy.mesh"))
    c.consumeKeyword("mesh");
  Expected<Mesh> mesh = parseMeshBody(c);
  if (!mesh)
    return mesh.takeError();
  AZ_TRY(c.expectEnd());
  return mesh;
}

static Error verifyError(const Twine &msg) {
  return createStringError(inconvertibleErrorCode(), msg);
}

Error aoizora::sharding::verifyMesh(const Mesh &mesh) {
  // Messages and their order: MeshAxisAttr::verify / MeshAttr::verify in
  // shardy verifiers.cc (§1.1).
  for (const MeshAxis &axis : mesh.axes)
    if (axis.size < 1)
      return verifyError("axis size must be at least 1, got: " +
                         Twine(axis.size));
  for (int64_t id : mesh.deviceIds)
    if (id < 0)
      return verifyError("device id must be non-negative, got: " + Twine(id));
  if (mesh.axes.empty()) {
    if (mesh.deviceIds.size() > 1)
      return verifyError(
          "axes is empty and device_ids has more than one element");
    return Error::success();
  }
  StringMap<bool> seen;
  for (const MeshAxis &axis : mesh.axes)
    if (!seen.insert({axis.name, true}).second)
      return verifyError("duplicate axis name: " + quoted(axis.name));
  if (mesh.deviceIds.empty())
    return Error::success();
  int64_t product = mesh.numDevices();
  if (product != static_cast<int64_t>(mesh.deviceIds.size()))
    return verifyError(
        "total product of axis sizes must match total number of device ids, "
        "got: " +
        Twine(product) + " != " + Twine(mesh.deviceIds.size()));
  SmallVector<int64_t> sorted(mesh.deviceIds);
  llvm::sort(sorted);
  if (!isIota(sorted)) {
    std::string list;
    raw_string_ostream os(list);
    interleaveComma(sorted, os);
    return verifyError("sorted device ids must be iota(product(axes)), got: " +
                       list);
  }
  // Shardy also rejects explicit iota ids, but its builder drops them before
  // the verifier runs, so text never reaches that rule; printMesh drops them
  // too, hence they are accepted here.
  return Error::success();
}

std::string aoizora::sharding::printMesh(const Mesh &mesh, MeshPrefix prefix) {
  std::string out;
  raw_string_ostream os(out);
  if (prefix == MeshPrefix::Attribute)
    os << "#sdy.mesh";
  else if (prefix == MeshPrefix::Inline)
    os << "mesh";
  os << "<[";
  interleaveComma(mesh.axes, os, [&](const MeshAxis &axis) {
    os << quoted(axis.name) << '=' << axis.size;
  });
  os << ']';
  bool dropIota =
      !mesh.axes.empty() &&
      static_cast<int64_t>(mesh.deviceIds.size()) == mesh.numDevices() &&
      isIota(mesh.deviceIds);
  if (!mesh.deviceIds.empty() && !dropIota) {
    os << ", device_ids=[";
    interleaveComma(mesh.deviceIds, os);
    os << ']';
  }
  os << '>';
  return out;
}

//===----------------------------------------------------------------------===//
// Axis references and tensor shardings
//===----------------------------------------------------------------------===//

int64_t AxisRef::size(const Mesh &mesh) const {
  if (subAxis)
    return subAxis->size;
  return mesh.axisSize(name).value_or(1);
}

std::string AxisRef::str() const {
  std::string out = quoted(name);
  if (subAxis)
    out += ":(" + std::to_string(subAxis->preSize) + ")" +
           std::to_string(subAxis->size);
  return out;
}

static Expected<AxisRef> parseAxisRef(Cursor &c) {
  AxisRef ref;
  Expected<std::string> name = c.parseString();
  if (!name)
    return name.takeError();
  ref.name = std::move(*name);
  if (c.consume(":")) {
    SubAxis sub;
    AZ_TRY(c.expect("("));
    Expected<int64_t> pre = c.parseInt();
    if (!pre)
      return pre.takeError();
    AZ_TRY(c.expect(")"));
    Expected<int64_t> size = c.parseInt();
    if (!size)
      return size.takeError();
    sub.preSize = *pre;
    sub.size = *size;
    ref.subAxis = sub;
  }
  return ref;
}

/// Parses `{axis, ...}` into \p axes.
static Error parseAxisList(Cursor &c, SmallVectorImpl<AxisRef> &axes) {
  AZ_TRY(c.expect("{"));
  if (c.consume("}"))
    return Error::success();
  do {
    Expected<AxisRef> ref = parseAxisRef(c);
    if (!ref)
      return ref.takeError();
    axes.push_back(std::move(*ref));
  } while (c.consume(","));
  return c.expect("}");
}

/// Parses `{...}` with an optional `?` and a trailing priority `pN`.
static Expected<DimSharding> parseDimSharding(Cursor &c) {
  DimSharding dim;
  AZ_TRY(c.expect("{"));
  // `?` may only come last: alone, or after `, ` following the axes (§1.2).
  if (!c.consume("}")) {
    do {
      if (c.consume("?")) {
        dim.isClosed = false;
        break;
      }
      Expected<AxisRef> ref = parseAxisRef(c);
      if (!ref)
        return ref.takeError();
      dim.axes.push_back(std::move(*ref));
    } while (c.consume(","));
    AZ_TRY(c.expect("}"));
  }
  // The priority is `p` and digits without leading zeros (parsers.cc).
  size_t start = c.position();
  c.skipSpace();
  StringRef rest = c.rest();
  if (rest.size() >= 2 && rest[0] == 'p' && isDigit(rest[1])) {
    StringRef word = c.parseIdentifier();
    StringRef digits = word.drop_front();
    int64_t value;
    if ((digits.size() > 1 && digits[0] == '0') ||
        digits.getAsInteger(10, value)) {
      c.setPosition(start);
      return c.error("priority 'p<N>' without leading zeros");
    }
    dim.priority = value;
  }
  return dim;
}

/// Parses `@name` (bare or quoted symbol) or an inline mesh.
static Error parseMeshOrRef(Cursor &c, TensorSharding &sharding) {
  if (c.consume("@")) {
    if (c.rest().starts_with("\"")) {
      Expected<std::string> name = c.parseString();
      if (!name)
        return name.takeError();
      sharding.meshName = std::move(*name);
    } else {
      sharding.meshName = c.parseIdentifier().str();
      if (sharding.meshName.empty())
        return c.error("mesh symbol name");
    }
    return Error::success();
  }
  if (!c.consume("#sdy.mesh") && !c.consumeKeyword("mesh"))
    return c.error("'@' mesh symbol or inline 'mesh<...>'");
  Expected<Mesh> mesh = parseMeshBody(c);
  if (!mesh)
    return mesh.takeError();
  sharding.inlineMesh = std::move(*mesh);
  return Error::success();
}

/// Parses the stripped `<mesh, [dims], replicated=..., unreduced=...>`.
static Expected<TensorSharding> parseStrippedSharding(Cursor &c) {
  TensorSharding sharding;
  AZ_TRY(c.expect("<"));
  AZ_TRY(parseMeshOrRef(c, sharding));
  AZ_TRY(c.expect(","));
  AZ_TRY(c.expect("["));
  if (!c.consume("]")) {
    do {
      Expected<DimSharding> dim = parseDimSharding(c);
      if (!dim)
        return dim.takeError();
      sharding.dims.push_back(std::move(*dim));
    } while (c.consume(","));
    AZ_TRY(c.expect("]"));
  }
  // replicated and unreduced may come in either order (parsers.cc).
  while (c.consume(",")) {
    if (c.consumeKeyword("replicated")) {
      AZ_TRY(c.expect("="));
      AZ_TRY(parseAxisList(c, sharding.replicatedAxes));
    } else if (c.consumeKeyword("unreduced")) {
      if (c.consume("=")) {
        if (c.consumeKeyword("sum"))
          sharding.reduction = ReductionKind::Sum;
        else if (c.consumeKeyword("max"))
          sharding.reduction = ReductionKind::Max;
        else if (c.consumeKeyword("min"))
          sharding.reduction = ReductionKind::Min;
      }
      AZ_TRY(parseAxisList(c, sharding.unreducedAxes));
    } else {
      return c.error("'replicated' or 'unreduced'");
    }
  }
  AZ_TRY(c.expect(">"));
  return sharding;
}

Expected<TensorSharding>
aoizora::sharding::parseTensorSharding(StringRef text) {
  Cursor c(text);
  c.consume("#sdy.sharding");
  Expected<TensorSharding> sharding = parseStrippedSharding(c);
  if (!sharding)
    return sharding.takeError();
  AZ_TRY(c.expectEnd());
  return sharding;
}

Expected<std::vector<TensorSharding>>
aoizora::sharding::parseShardingPerValue(StringRef text) {
  Cursor c(text);
  bool wrapped = c.consume("#sdy.sharding_per_value");
  wrapped = c.consume("<") || wrapped;
  if (wrapped && c.rest().starts_with(">"))
    return c.error("'['");
  AZ_TRY(c.expect("["));
  std::vector<TensorSharding> shardings;
  if (!c.consume("]")) {
    do {
      c.consume("#sdy.sharding");
      Expected<TensorSharding> sharding = parseStrippedSharding(c);
      if (!sharding)
        return sharding.takeError();
      shardings.push_back(std::move(*sharding));
    } while (c.consume(","));
    AZ_TRY(c.expect("]"));
  }
  if (wrapped)
    AZ_TRY(c.expect(">"));
  AZ_TRY(c.expectEnd());
  return shardings;
}

Expected<SmallVector<std::string>>
aoizora::sharding::parseManualAxes(StringRef text) {
  Cursor c(text);
  bool wrapped = c.consume("#sdy");
  if (wrapped) {
    AZ_TRY(c.expect("<"));
    if (!c.consumeKeyword("manual_axes"))
      return c.error("'manual_axes'");
  }
  AZ_TRY(c.expect("{"));
  SmallVector<std::string> axes;
  if (!c.consume("}")) {
    do {
      Expected<std::string> name = c.parseString();
      if (!name)
        return name.takeError();
      axes.push_back(std::move(*name));
    } while (c.consume(","));
    AZ_TRY(c.expect("}"));
  }
  if (wrapped)
    AZ_TRY(c.expect(">"));
  AZ_TRY(c.expectEnd());
  return axes;
}

static void printAxisList(raw_ostream &os, ArrayRef<AxisRef> axes) {
  os << '{';
  interleaveComma(axes, os, [&](const AxisRef &ref) { os << ref.str(); });
  os << '}';
}

static bool isBareSymbol(StringRef name) {
  return !name.empty() && !isDigit(name[0]) &&
         all_of(name, [](char ch) { return Cursor::isIdentChar(ch); });
}

std::string aoizora::sharding::printTensorSharding(const TensorSharding &s,
                                                   bool withPrefix) {
  std::string out;
  raw_string_ostream os(out);
  if (withPrefix)
    os << "#sdy.sharding";
  os << '<';
  if (s.inlineMesh)
    os << printMesh(*s.inlineMesh, MeshPrefix::Inline);
  else if (isBareSymbol(s.meshName))
    os << '@' << s.meshName;
  else
    os << '@' << quoted(s.meshName);
  os << ", [";
  interleaveComma(s.dims, os, [&](const DimSharding &dim) {
    os << '{';
    interleaveComma(dim.axes, os, [&](const AxisRef &ref) { os << ref.str(); });
    if (!dim.isClosed)
      os << (dim.axes.empty() ? "?" : ", ?");
    os << '}';
    if (dim.priority)
      os << 'p' << *dim.priority;
  });
  os << ']';
  // The printer writes replicated before unreduced; SUM is not printed.
  if (!s.replicatedAxes.empty()) {
    os << ", replicated=";
    printAxisList(os, s.replicatedAxes);
  }
  if (!s.unreducedAxes.empty()) {
    os << ", unreduced=";
    if (s.reduction == ReductionKind::Max)
      os << "max";
    else if (s.reduction == ReductionKind::Min)
      os << "min";
    printAxisList(os, s.unreducedAxes);
  }
  os << '>';
  return out;
}

std::string
aoizora::sharding::printShardingPerValue(ArrayRef<TensorSharding> shardings) {
  std::string out = "#sdy.sharding_per_value<[";
  for (auto [i, s] : enumerate(shardings)) {
    if (i)
      out += ", ";
    out += printTensorSharding(s, /*withPrefix=*/false);
  }
  return out + "]>";
}

std::string aoizora::sharding::printManualAxes(ArrayRef<std::string> axes) {
  std::string out = "#sdy<manual_axes{";
  for (auto [i, axis] : enumerate(axes)) {
    if (i)
      out += ", ";
    out += quoted(axis);
  }
  return out + "}>";
}

//===----------------------------------------------------------------------===//
// Tensor sharding verifier
//===----------------------------------------------------------------------===//

namespace {
/// State shared by the checks of one sharding, mirroring Shardy's
/// verifyAxisRefList / verifySubAxes (verifiers.cc).
struct ShardingVerifier {
  const Mesh &mesh;
  SmallVector<AxisRef> seen;
  /// Sub-axes used per axis name, in order of appearance.
  SmallVector<std::pair<std::string, SmallVector<AxisRef>>> subAxes;

  /// Sort key "w.r.t. mesh": axis position, then pre-size, then size.
  std::tuple<unsigned, int64_t, int64_t> key(const AxisRef &ref) const {
    unsigned index = mesh.axisIndex(ref.name).value_or(~0u);
    if (!ref.subAxis)
      return {index, 1, mesh.axisSize(ref.name).value_or(1)};
    return {index, ref.subAxis->preSize, ref.subAxis->size};
  }

  /// Every axis exists, no ref is used twice, and no two adjacent sub-axes
  /// of one axis could be merged.
  Error checkList(ArrayRef<AxisRef> refs) {
    const AxisRef *prev = nullptr;
    for (const AxisRef &ref : refs) {
      if (!mesh.axisIndex(ref.name))
        return verifyError("unknown axis name: " + quoted(ref.name));
      if (is_contained(seen, ref))
        return verifyError("duplicate axis ref: " + ref.str());
      seen.push_back(ref);
      if (ref.subAxis) {
        auto it =
            find_if(subAxes, [&](auto &e) { return e.first == ref.name; });
        if (it == subAxes.end())
          subAxes.push_back({ref.name, {ref}});
        else
          it->second.push_back(ref);
        // Major-to-minor neighbours "x":(m)k, "x":(m*k)j form one sub-axis.
        if (prev && prev->subAxis && prev->name == ref.name &&
            prev->subAxis->nextPreSize() == ref.subAxis->preSize)
          return verifyError("two consecutive sub-axes can be merged: " +
                             prev->str() + ", " + ref.str());
      }
      prev = &ref;
    }
    return Error::success();
  }

  Error checkSortedList(ArrayRef<AxisRef> refs, StringRef what) {
    if (!is_sorted(refs, [&](const AxisRef &a, const AxisRef &b) {
          return key(a) < key(b);
        }))
      return verifyError(what + " axes are not ordered w.r.t. mesh");
    return checkList(refs);
  }

  Error checkSubAxes() {
    for (auto &[name, refs] : subAxes) {
      if (is_contained(seen, AxisRef{name, std::nullopt}))
        return verifyError(
            "both sub-axis and full-axis are used for axis name: " +
            quoted(name));
      int64_t full = *mesh.axisSize(name);
      llvm::sort(refs, [&](const AxisRef &a, const AxisRef &b) {
        return key(a) < key(b);
      });
      int64_t prevNext = 1;
      const AxisRef *prev = nullptr;
      for (const AxisRef &ref : refs) {
        const SubAxis &sub = *ref.subAxis;
        if (sub.preSize < 1)
          return verifyError("sub-axis pre-size must be at least 1: " +
                             ref.str());
        if (sub.size <= 1)
          return verifyError("sub-axis sizes must be greater than 1: " +
                             ref.str());
        if (!aoizora::checkedMul(sub.preSize, sub.size))
          return verifyError("sub-axis pre-size times size " +
                             toString(aoizora::overflowError(ref.str())));
        if (full % sub.nextPreSize() != 0)
          return verifyError("sub-axis next pre-size " +
                             Twine(sub.nextPreSize()) +
                             " doesn't divide the size of the full axis " +
                             Twine(full) + ": " + ref.str());
        if (sub.size == full)
          return verifyError("sub-axis size is equal to the full axis size: " +
                             ref.str());
        if (prev && prevNext > sub.preSize)
          return verifyError("overlapping sub-axes: " + prev->str() + ", " +
                             ref.str());
        prevNext = sub.nextPreSize();
        prev = &ref;
      }
    }
    return Error::success();
  }
};
} // namespace

Error aoizora::sharding::verifyTensorSharding(
    const TensorSharding &sharding, const Mesh &mesh,
    std::optional<ArrayRef<int64_t>> shape) {
  // Order of checks as in Shardy's verifyTensorShardingAttr (verifiers.cc).
  if (mesh.isMaximal()) {
    if (!sharding.dims.empty() || !sharding.replicatedAxes.empty() ||
        !sharding.unreducedAxes.empty())
      return verifyError("a maximal sharding can only have a sharding with "
                         "rank 0 and no replicated or unreduced axes");
    return Error::success();
  }
  if (shape && static_cast<int64_t>(shape->size()) != sharding.rank())
    return verifyError("sharding doesn't match tensor rank: " +
                       Twine(sharding.rank()) + " != " + Twine(shape->size()));

  ShardingVerifier v{mesh, {}, {}};
  for (auto [dim, dimSharding] : enumerate(sharding.dims)) {
    if (dimSharding.priority) {
      if (*dimSharding.priority < 0)
        return verifyError("dim " + Twine(dim) + " has a negative priority");
      if (dimSharding.isClosed && dimSharding.axes.empty())
        return verifyError("dim " + Twine(dim) +
                           " is empty and closed but has a priority");
    }
    AZ_TRY(v.checkList(dimSharding.axes));
    if (shape && (*shape)[dim] == 0 &&
        any_of(dimSharding.axes, [&](const AxisRef &ref) {
          return mesh.axisSize(ref.name).value_or(1) > 1;
        }))
      return verifyError("dim " + Twine(dim) +
                         " of size 0 is sharded on an axis of size > 1");
  }
  AZ_TRY(v.checkSortedList(sharding.replicatedAxes, "replicated"));
  AZ_TRY(v.checkSortedList(sharding.unreducedAxes, "unreduced"));
  return v.checkSubAxes();
}
