//===- HloSharding.cpp - Parse, print and relabel HLO shardings -----------===//
//
// Forms and print order: ../shared/reference/sharding-syntax.md §2.1 (XLA
// HloSharding::Print); parser behaviour: §2.2 (XLA HloParser); iota
// semantics and canonical form: §2.3 (XLA tile_assignment.{h,cc}).
//
//===----------------------------------------------------------------------===//

#include "AoiZora/Sharding/HloSharding.h"

#include "Cursor.h"

#include "AoiZora/Support/CheckedMath.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/raw_ostream.h"

#include <numeric>

using namespace llvm;
using namespace aoizora::sharding;
using aoizora::sharding::detail::Cursor;

/// Saturating: parsed tile assignments are within aoizora::limits::kMaxDevices.
static int64_t product(ArrayRef<int64_t> values) {
  return aoizora::saturatingProduct(values);
}

static Error makeError(const Twine &msg) {
  return createStringError(inconvertibleErrorCode(), msg);
}

static bool isPermutationOfIota(ArrayRef<int64_t> values) {
  SmallVector<bool> seen(values.size(), false);
  for (int64_t v : values) {
    if (v < 0 || v >= static_cast<int64_t>(values.size()) || seen[v])
      return false;
    seen[v] = true;
  }
  return true;
}

//===----------------------------------------------------------------------===//
// Iota tile assignments
//===----------------------------------------------------------------------===//

int64_t IotaSpec::numDevices() const { return product(reshapeDims); }

IotaSpec aoizora::sharding::canonicalizeIota(const IotaSpec &iota) {
  IotaSpec out = iota;
  // Removes reshape dim \p d, renumbering the perm entries above it.
  auto eraseDim = [&](int64_t d) {
    out.reshapeDims.erase(out.reshapeDims.begin() + d);
    erase(out.perm, d);
    for (int64_t &p : out.perm)
      if (p > d)
        --p;
  };
  for (int64_t d = static_cast<int64_t>(out.reshapeDims.size()) - 1; d >= 0;
       --d)
    if (out.reshapeDims[d] == 1)
      eraseDim(d);
  // Transposed neighbours p, p+1 read memory in order: one dim (XLA's
  // IotaTileAssignment canonicalisation, §2.3).
  for (bool merged = true; merged;) {
    merged = false;
    for (size_t i = 0; i + 1 < out.perm.size(); ++i) {
      int64_t p = out.perm[i];
      if (out.perm[i + 1] != p + 1)
        continue;
      out.reshapeDims[p] *= out.reshapeDims[p + 1];
      eraseDim(p + 1);
      merged = true;
      break;
    }
  }
  if (out.reshapeDims.empty())
    return IotaSpec{{1}, {0}};
  return out;
}

std::optional<IotaSpec>
aoizora::sharding::findIotaForm(ArrayRef<int64_t> dims,
                                ArrayRef<int64_t> devices) {
  int64_t n = static_cast<int64_t>(devices.size());
  if (n == 0 || product(dims) != n || devices[0] != 0)
    return std::nullopt;
  // A transposed iota is affine in the mixed-radix digits of the position:
  // device = sum(digit_j * stride_j). Peel the minor-most run device = k*t
  // (its length is the size of a canonical dim, because a following dim of
  // stride len*t would have merged into it), check that every block of that
  // length is base + k*t, and recurse on the block bases. The (size, stride)
  // pairs must then tile the value range as a mixed radix starting at 1.
  struct Piece {
    int64_t size, stride;
  };
  SmallVector<Piece> pieces; // Positional order, minor to major.
  SmallVector<int64_t> cur(devices.begin(), devices.end());
  while (cur.size() > 1) {
    int64_t len = static_cast<int64_t>(cur.size());
    int64_t t = cur[1];
    if (t <= 0)
      return std::nullopt;
    int64_t s = 1;
    while (s < len && cur[s] == s * t)
      ++s;
    if (len % s != 0)
      return std::nullopt;
    SmallVector<int64_t> next(len / s);
    for (int64_t q = 0; q < len / s; ++q) {
      next[q] = cur[q * s];
      for (int64_t r = 0; r < s; ++r)
        if (cur[q * s + r] != next[q] + r * t)
          return std::nullopt;
    }
    pieces.push_back({s, t});
    cur = std::move(next);
  }
  if (pieces.empty())
    return IotaSpec{{1}, {0}};
  SmallVector<unsigned> byStride(pieces.size());
  std::iota(byStride.begin(), byStride.end(), 0);
  llvm::sort(byStride, [&](unsigned a, unsigned b) {
    return pieces[a].stride > pieces[b].stride;
  });
  int64_t expected = 1;
  for (unsigned i : reverse(byStride)) {
    if (pieces[i].stride != expected)
      return std::nullopt;
    expected *= pieces[i].size;
  }
  // Reshape dims are the pieces by decreasing stride; the perm lists them in
  // positional order, major first.
  IotaSpec iota;
  SmallVector<int64_t> rank(pieces.size());
  for (auto [r, i] : enumerate(byStride)) {
    iota.reshapeDims.push_back(pieces[i].size);
    rank[i] = static_cast<int64_t>(r);
  }
  for (int64_t i = static_cast<int64_t>(pieces.size()) - 1; i >= 0; --i)
    iota.perm.push_back(rank[i]);
  return iota;
}

int64_t TileAssignment::numElements() const { return product(dims); }

int64_t TileAssignment::deviceAt(int64_t index) const {
  if (!iota)
    return devices[index];
  // Digits of the index over the transposed shape, weighted by the strides
  // of the untransposed reshape dims.
  const SmallVector<int64_t> &r = iota->reshapeDims;
  SmallVector<int64_t> strides(r.size(), 1);
  for (int64_t i = static_cast<int64_t>(r.size()) - 2; i >= 0; --i)
    strides[i] = strides[i + 1] * r[i + 1];
  int64_t device = 0;
  for (int64_t j = static_cast<int64_t>(iota->perm.size()) - 1; j >= 0; --j) {
    int64_t size = r[iota->perm[j]];
    device += (index % size) * strides[iota->perm[j]];
    index /= size;
  }
  return device;
}

SmallVector<int64_t> TileAssignment::materialize() const {
  if (!iota)
    return devices;
  SmallVector<int64_t> out(numElements());
  for (int64_t i = 0, e = numElements(); i < e; ++i)
    out[i] = deviceAt(i);
  return out;
}

//===----------------------------------------------------------------------===//
// HloSharding
//===----------------------------------------------------------------------===//

HloSharding HloSharding::replicated() { return HloSharding(); }

HloSharding HloSharding::manual() {
  HloSharding s;
  s.kind = Kind::Manual;
  return s;
}

HloSharding HloSharding::maximal(int64_t device) {
  HloSharding s;
  s.kind = Kind::Maximal;
  s.maximalDevice = device;
  return s;
}

HloSharding HloSharding::tuple(std::vector<HloSharding> elements) {
  HloSharding s;
  s.kind = Kind::Tuple;
  s.elements = std::move(elements);
  return s;
}

HloSharding HloSharding::tiled(TileAssignment tiles, bool lastTileDimReplicate,
                               ArrayRef<SubgroupKind> lastTileDims) {
  HloSharding s;
  s.kind = Kind::Tiled;
  s.tiles = std::move(tiles);
  s.lastTileDimReplicate = lastTileDimReplicate;
  s.lastTileDims.assign(lastTileDims.begin(), lastTileDims.end());
  return s;
}

int64_t HloSharding::numSubgroupDims() const {
  return lastTileDimReplicate ? 1 : static_cast<int64_t>(lastTileDims.size());
}

int64_t HloSharding::dataRank() const {
  return static_cast<int64_t>(tiles.dims.size()) - numSubgroupDims();
}

bool HloSharding::lastDimIsReplication() const {
  return lastTileDimReplicate ||
         (!lastTileDims.empty() &&
          lastTileDims.back() == SubgroupKind::Replicated);
}

bool HloSharding::operator==(const HloSharding &o) const {
  return kind == o.kind && maximalDevice == o.maximalDevice &&
         tiles == o.tiles && lastTileDimReplicate == o.lastTileDimReplicate &&
         lastTileDims == o.lastTileDims && shardGroup == o.shardGroup &&
         metadata == o.metadata && elements == o.elements;
}

/// Sorts each run of \p groupSize devices, as XLA's PartialTile does (§2.3).
static void sortGroups(MutableArrayRef<int64_t> devices, int64_t groupSize) {
  for (size_t i = 0; groupSize > 1 && i < devices.size(); i += groupSize)
    std::sort(devices.begin() + i, devices.begin() + i + groupSize);
}

SmallVector<int64_t>
aoizora::sharding::canonicalDevices(const HloSharding &sharding) {
  SmallVector<int64_t> devices = sharding.tiles.materialize();
  if (sharding.lastDimIsReplication() && !sharding.tiles.dims.empty())
    sortGroups(devices, sharding.tiles.dims.back());
  return devices;
}

//===----------------------------------------------------------------------===//
// Parser
//===----------------------------------------------------------------------===//

namespace {
/// Parses one HLO sharding string (§2.2 grammar), tolerating XLA's
/// `/*index=N*/` comments between tuple elements.
class HloParser {
public:
  explicit HloParser(StringRef text) : c(text, /*allowComments=*/true) {}

  Expected<HloSharding> parseTop() {
    Expected<HloSharding> s = parseSharding();
    if (!s)
      return s.takeError();
    AZ_TRY(c.expectEnd());
    return s;
  }

private:
  Cursor c;

  Expected<HloSharding> parseSharding(unsigned depth = 0) {
    if (depth >= aoizora::limits::kMaxNestingDepth)
      return c.errorAt(c.position(),
                       "tuple shardings nest deeper than " +
                           Twine(aoizora::limits::kMaxNestingDepth) +
                           " levels, the limit");
    AZ_TRY(c.expect("{"));
    c.skipSpace();
    // `{` followed by `{` or `}` is a tuple (ParseSharding).
    if (!c.rest().starts_with("{") && !c.rest().starts_with("}"))
      return parseSingle();
    std::vector<HloSharding> elements;
    if (!c.consume("}")) {
      do {
        Expected<HloSharding> e = parseSharding(depth + 1);
        if (!e)
          return e.takeError();
        elements.push_back(std::move(*e));
      } while (c.consume(","));
      AZ_TRY(c.expect("}"));
    }
    return HloSharding::tuple(std::move(elements));
  }

  Expected<SmallVector<int64_t>> parseBracketList() {
    AZ_TRY(c.expect("["));
    Expected<SmallVector<int64_t>> list = c.parseIntList("]");
    if (!list)
      return list.takeError();
    AZ_TRY(c.expect("]"));
    return list;
  }

  Error parseTileAssignment(TileAssignment &tiles, size_t start) {
    Expected<SmallVector<int64_t>> dims = parseBracketList();
    if (!dims)
      return dims.takeError();
    tiles.dims = std::move(*dims);
    if (tiles.dims.empty() ||
        any_of(tiles.dims, [](int64_t d) { return d < 1; }))
      return c.errorAt(start, "tile assignment dims must be positive");
    if (Expected<int64_t> n =
            aoizora::deviceCountOf(tiles.dims, "tile assignment dims");
        !n)
      return c.errorAt(start, toString(n.takeError()));
    if (c.consume("<=")) {
      IotaSpec iota;
      Expected<SmallVector<int64_t>> reshape = parseBracketList();
      if (!reshape)
        return reshape.takeError();
      iota.reshapeDims = std::move(*reshape);
      if (c.consume("T")) {
        AZ_TRY(c.expect("("));
        Expected<SmallVector<int64_t>> perm = c.parseIntList(")");
        if (!perm)
          return perm.takeError();
        iota.perm = std::move(*perm);
        AZ_TRY(c.expect(")"));
      } else if (iota.reshapeDims.size() >= 2) {
        // XLA requires the transpose once there are 2+ reshape dims.
        return c.error("'T(...)' after 2 or more reshape dims");
      } else {
        iota.perm = {0};
      }
      if (iota.reshapeDims.empty() ||
          any_of(iota.reshapeDims, [](int64_t d) { return d < 1; }))
        return c.errorAt(start, "iota reshape dims must be positive");
      if (Expected<int64_t> n =
              aoizora::deviceCountOf(iota.reshapeDims, "iota reshape dims");
          !n)
        return c.errorAt(start, toString(n.takeError()));
      if (iota.perm.size() != iota.reshapeDims.size() ||
          !isPermutationOfIota(iota.perm))
        return c.errorAt(start, "iota transpose must be a permutation of the "
                                "reshape dims");
      if (iota.numDevices() != tiles.numElements())
        return c.errorAt(start, "iota has " + Twine(iota.numDevices()) +
                                    " devices but the tile dims need " +
                                    Twine(tiles.numElements()));
      tiles.iota = std::move(iota);
      return Error::success();
    }
    do {
      Expected<int64_t> d = c.parseInt();
      if (!d)
        return d.takeError();
      tiles.devices.push_back(*d);
      // The dims allow at most kMaxDevices; stop reading a longer list.
      if (static_cast<int64_t>(tiles.devices.size()) > tiles.numElements())
        break;
    } while (c.consume(","));
    if (static_cast<int64_t>(tiles.devices.size()) != tiles.numElements())
      return c.errorAt(start, "tile assignment has " +
                                  Twine(tiles.devices.size()) +
                                  " devices but its dims need " +
                                  Twine(tiles.numElements()));
    if (tiles.devices.size() <= 1)
      return c.errorAt(start, "non-maximal shardings must have more than one "
                              "device");
    if (!isPermutationOfIota(tiles.devices))
      return c.errorAt(start, "tile assignment devices must be a permutation "
                              "of 0.." +
                                  Twine(tiles.devices.size() - 1));
    return Error::success();
  }

  Error parseSubgroupKinds(SmallVectorImpl<SubgroupKind> &kinds) {
    AZ_TRY(c.expect("{"));
    do {
      if (c.consumeKeyword("manual"))
        kinds.push_back(SubgroupKind::Manual);
      else if (c.consumeKeyword("replicated"))
        kinds.push_back(SubgroupKind::Replicated);
      else if (c.consumeKeyword("unreduced"))
        kinds.push_back(SubgroupKind::Unreduced);
      else if (c.consumeKeyword("maximal"))
        kinds.push_back(SubgroupKind::Maximal);
      else
        return c.error("subgroup type");
    } while (c.consume(","));
    return c.expect("}");
  }

  /// Captures a balanced `{...}` (quotes respected) verbatim.
  Expected<std::string> parseBraced() {
    c.skipSpace();
    StringRef r = c.rest();
    if (!r.starts_with("{"))
      return c.error("'{'");
    int depth = 0;
    bool inString = false;
    for (size_t i = 0; i < r.size(); ++i) {
      char ch = r[i];
      if (inString) {
        if (ch == '\\')
          ++i;
        else if (ch == '"')
          inString = false;
      } else if (ch == '"') {
        inString = true;
      } else if (ch == '{') {
        ++depth;
      } else if (ch == '}' && --depth == 0) {
        c.setPosition(c.position() + i + 1);
        return r.take_front(i + 1).str();
      }
    }
    return c.error("'}' closing the metadata");
  }

  Expected<HloSharding> parseSingle() {
    size_t start = c.position();
    HloSharding s;
    std::optional<HloSharding::Kind> kind;
    std::optional<int64_t> device;
    bool hasDevices = false, hasLastTileDims = false, hasMetadata = false;
    size_t at = start;
    auto setKind = [&](HloSharding::Kind k) -> Error {
      if (kind)
        return c.errorAt(at, "only one sharding type is allowed");
      kind = k;
      return Error::success();
    };
    // A second value would overwrite (or, for a tile assignment, mix with)
    // the first: refuse it rather than guess which one was meant.
    auto once = [&](bool seen, StringRef key) -> Error {
      if (seen)
        return c.errorAt(at, "'" + key + "' given twice");
      return Error::success();
    };
    while (!c.consume("}")) {
      c.skipSpace();
      at = c.position();
      if (c.consumeKeyword("replicated")) {
        AZ_TRY(setKind(HloSharding::Kind::Replicated));
      } else if (c.consumeKeyword("manual")) {
        AZ_TRY(setKind(HloSharding::Kind::Manual));
      } else if (c.consumeKeyword("unknown")) {
        AZ_TRY(setKind(HloSharding::Kind::Unknown));
      } else if (c.consumeKeyword("unreduced")) {
        AZ_TRY(setKind(HloSharding::Kind::Unreduced));
      } else if (c.consumeKeyword("maximal")) {
        AZ_TRY(setKind(HloSharding::Kind::Maximal));
      } else if (c.consumeKeyword("device")) {
        AZ_TRY(once(device.has_value(), "device="));
        AZ_TRY(c.expect("="));
        Expected<int64_t> d = c.parseInt();
        if (!d)
          return d.takeError();
        device = *d;
      } else if (c.consumeKeyword("devices")) {
        AZ_TRY(once(hasDevices, "devices="));
        AZ_TRY(c.expect("="));
        AZ_TRY(parseTileAssignment(s.tiles, at));
        hasDevices = true;
      } else if (c.consumeKeyword("last_tile_dim_replicate")) {
        AZ_TRY(once(s.lastTileDimReplicate, "last_tile_dim_replicate"));
        s.lastTileDimReplicate = true;
      } else if (c.consumeKeyword("last_tile_dims")) {
        AZ_TRY(once(hasLastTileDims, "last_tile_dims="));
        AZ_TRY(c.expect("="));
        AZ_TRY(parseSubgroupKinds(s.lastTileDims));
        hasLastTileDims = true;
      } else if (bool shardAs = c.consumeKeyword("shard_as");
                 shardAs || c.consumeKeyword("shard_like")) {
        AZ_TRY(once(s.shardGroup.has_value(), "shard_as/shard_like"));
        Expected<int64_t> id = c.parseInt();
        if (!id)
          return id.takeError();
        s.shardGroup = ShardGroup{shardAs, *id};
      } else if (c.consumeKeyword("metadata")) {
        AZ_TRY(once(hasMetadata, "metadata="));
        AZ_TRY(c.expect("="));
        Expected<std::string> meta = parseBraced();
        if (!meta)
          return meta.takeError();
        s.metadata = std::move(*meta);
        hasMetadata = true;
      } else if (c.atEnd()) {
        return c.error("'}'");
      } else {
        return c.error("sharding attribute");
      }
    }
    // Combination rules of HloParser::ParseSingleSharding (§2.2).
    if (!kind && !hasDevices)
      return c.errorAt(start, "expected a sharding type or 'devices='");
    if (kind && hasDevices)
      return c.errorAt(start, "only tiled shardings can have 'devices='");
    if ((s.lastTileDimReplicate || hasLastTileDims) && !hasDevices)
      return c.errorAt(start, "subgroup dims need a tile assignment");
    if (s.lastTileDimReplicate && hasLastTileDims)
      return c.errorAt(start, "use either last_tile_dim_replicate or "
                              "last_tile_dims");
    if (kind == HloSharding::Kind::Maximal) {
      if (!device)
        return c.errorAt(start, "maximal sharding needs exactly one device");
      if (*device < 0)
        return c.errorAt(start, "device ids must be non-negative");
      s.maximalDevice = *device;
    } else if (device) {
      return c.errorAt(start, "only maximal shardings have 'device='");
    }
    if (hasDevices &&
        s.numSubgroupDims() > static_cast<int64_t>(s.tiles.dims.size()))
      return c.errorAt(start, "more subgroup dims than tile dims");
    s.kind = kind.value_or(HloSharding::Kind::Tiled);
    return s;
  }
};
} // namespace

Expected<HloSharding> aoizora::sharding::parseHloSharding(StringRef text) {
  return HloParser(text).parseTop();
}

//===----------------------------------------------------------------------===//
// Printer
//===----------------------------------------------------------------------===//

static StringRef subgroupName(SubgroupKind kind) {
  switch (kind) {
  case SubgroupKind::Manual:
    return "manual";
  case SubgroupKind::Replicated:
    return "replicated";
  case SubgroupKind::Unreduced:
    return "unreduced";
  case SubgroupKind::Maximal:
    return "maximal";
  }
  llvm_unreachable("unknown subgroup kind");
}

static void print(raw_ostream &os, const HloSharding &s) {
  using Kind = HloSharding::Kind;
  if (s.kind == Kind::Tuple) {
    os << '{';
    for (auto [i, e] : enumerate(s.elements)) {
      // XLA marks every fifth tuple element with its index.
      if (i)
        os << (i % 5 == 0 ? ", /*index=" + std::to_string(i) + "*/" : ", ");
      print(os, e);
    }
    os << '}';
    return;
  }
  os << '{';
  switch (s.kind) {
  case Kind::Replicated:
    os << "replicated";
    break;
  case Kind::Manual:
    os << "manual";
    break;
  case Kind::Unknown:
    os << "unknown";
    break;
  case Kind::Unreduced:
    os << "unreduced";
    break;
  case Kind::Maximal:
    os << "maximal device=" << s.maximalDevice;
    break;
  case Kind::Tiled: {
    os << "devices=[";
    interleave(s.tiles.dims, os, ",");
    os << ']';
    if (s.tiles.iota) {
      IotaSpec iota = canonicalizeIota(*s.tiles.iota);
      os << "<=[";
      interleave(iota.reshapeDims, os, ",");
      os << ']';
      if (iota.reshapeDims.size() > 1) {
        os << "T(";
        interleave(iota.perm, os, ",");
        os << ')';
      }
    } else {
      interleave(canonicalDevices(s), os, ",");
    }
    if (s.lastTileDimReplicate)
      os << " last_tile_dim_replicate";
    if (!s.lastTileDims.empty()) {
      os << " last_tile_dims={";
      interleaveComma(s.lastTileDims, os,
                      [&](SubgroupKind k) { os << subgroupName(k); });
      os << '}';
    }
    break;
  }
  case Kind::Tuple:
    llvm_unreachable("handled above");
  }
  if (s.shardGroup)
    os << (s.shardGroup->shardAs ? " shard_as " : " shard_like ")
       << s.shardGroup->id;
  if (!s.metadata.empty())
    os << " metadata=" << s.metadata;
  os << '}';
}

std::string aoizora::sharding::printHloSharding(const HloSharding &sharding) {
  std::string out;
  raw_string_ostream os(out);
  print(os, sharding);
  return out;
}

//===----------------------------------------------------------------------===//
// Device relabelling
//===----------------------------------------------------------------------===//

Error aoizora::sharding::verifyPermutation(ArrayRef<int64_t> sigma) {
  if (!isPermutationOfIota(sigma))
    return makeError("device order must be a permutation of 0.." +
                     Twine(static_cast<int64_t>(sigma.size()) - 1));
  return Error::success();
}

static Expected<int64_t> mapDevice(int64_t device, ArrayRef<int64_t> sigma) {
  if (device < 0 || device >= static_cast<int64_t>(sigma.size()))
    return makeError("device " + Twine(device) +
                     " is outside the device order of " + Twine(sigma.size()) +
                     " devices");
  return sigma[device];
}

static Expected<HloSharding> relabel(const HloSharding &s,
                                     ArrayRef<int64_t> sigma) {
  switch (s.kind) {
  case HloSharding::Kind::Tuple: {
    HloSharding out = s;
    for (HloSharding &e : out.elements) {
      Expected<HloSharding> r = relabel(e, sigma);
      if (!r)
        return r.takeError();
      e = std::move(*r);
    }
    return out;
  }
  case HloSharding::Kind::Maximal: {
    Expected<int64_t> d = mapDevice(s.maximalDevice, sigma);
    if (!d)
      return d.takeError();
    HloSharding out = s;
    out.maximalDevice = *d;
    return out;
  }
  case HloSharding::Kind::Tiled: {
    SmallVector<int64_t> before = canonicalDevices(s);
    SmallVector<int64_t> after(before.size());
    for (auto [i, d] : enumerate(before)) {
      Expected<int64_t> m = mapDevice(d, sigma);
      if (!m)
        return m.takeError();
      after[i] = *m;
    }
    if (s.lastDimIsReplication())
      sortGroups(after, s.tiles.dims.back());
    if (after == before)
      return s;
    // A tile assignment holds exactly the devices 0..N-1 (the parser's
    // rule, XLA's too): a sigma that moves a smaller sharding onto other
    // ids has no text that would read back (found by fuzzing).
    if (!isPermutationOfIota(after))
      return makeError("relabelling moves the " + Twine(after.size()) +
                       " devices of '" + printHloSharding(s) +
                       "' outside 0.." + Twine(after.size() - 1) +
                       ", which a tile assignment cannot express");
    HloSharding out = s;
    out.tiles.iota = findIotaForm(s.tiles.dims, after);
    out.tiles.devices.clear();
    if (!out.tiles.iota)
      out.tiles.devices = std::move(after);
    return out;
  }
  default:
    return s;
  }
}

Expected<HloSharding>
aoizora::sharding::relabelDevices(const HloSharding &sharding,
                                  ArrayRef<int64_t> sigma) {
  AZ_TRY(verifyPermutation(sigma));
  return relabel(sharding, sigma);
}

Expected<SmallVector<SmallVector<int64_t>>>
aoizora::sharding::relabelGroups(ArrayRef<SmallVector<int64_t>> groups,
                                 ArrayRef<int64_t> sigma) {
  AZ_TRY(verifyPermutation(sigma));
  SmallVector<SmallVector<int64_t>> out;
  for (const SmallVector<int64_t> &group : groups) {
    SmallVector<int64_t> &mapped = out.emplace_back();
    for (int64_t d : group) {
      Expected<int64_t> m = mapDevice(d, sigma);
      if (!m)
        return m.takeError();
      mapped.push_back(*m);
    }
  }
  return out;
}

Expected<Mesh> aoizora::sharding::relabelMesh(const Mesh &mesh,
                                              ArrayRef<int64_t> sigma) {
  AZ_TRY(verifyPermutation(sigma));
  if (mesh.isEmpty())
    return mesh;
  Mesh out = mesh;
  out.deviceIds.clear();
  bool iota = !mesh.axes.empty();
  for (int64_t d : mesh.deviceIdsOrIota()) {
    Expected<int64_t> m = mapDevice(d, sigma);
    if (!m)
      return m.takeError();
    iota &= *m == static_cast<int64_t>(out.deviceIds.size());
    out.deviceIds.push_back(*m);
  }
  if (iota)
    out.deviceIds.clear();
  return out;
}
