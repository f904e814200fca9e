//===- Slice.cpp - A TPU slice: shape, wraparound, links, routes ----------===//
//
// Shapes, wraparound rules, accelerator-name parsing, link numbering and
// dimension-ordered routing. Sources for the shape lists and wrap rules:
//  [CT-v5e] docs.cloud.google.com/tpu/docs/v5e, "2D slice shapes".
//  [CT-v6e] docs.cloud.google.com/tpu/docs/v6e, supported configurations.
//  [CT-v5p] docs.cloud.google.com/tpu/docs/v5p, configurations table.
//  [SB-TPU] "How to Scale Your Model", part "How to Think About TPUs":
//           v5e/v6e wrap an axis of size 16; v4/v5p slices that are multiples
//           of the 4x4x4 cube get wraparound from the optical switches,
//           smaller ones (2x2x1, 2x2x2, 2x2x4) have none.
//  [CT-TT]  docs.cloud.google.com/tpu/docs/v4 (and /types-topologies),
//           "Twisted torus topologies": slices whose every dimension is
//           equal to or twice the smallest (4x4x8, 4x8x8, 12x12x24) can be
//           twisted, on v4 and v5p; a short dimension's wraparound link
//           shifts by half the long dimension (the 4x2 example: Y wrap links
//           land at X+2 mod 4).
//
//===----------------------------------------------------------------------===//

#include "AoiZora/Topology/Slice.h"

#include "AoiZora/Support/CheckedMath.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <cstdlib>

using namespace llvm;

namespace aoizora {

namespace {

Error makeError(const Twine &msg) {
  return createStringError(inconvertibleErrorCode(), msg);
}

bool isTwoD(TpuGeneration gen) {
  return gen == TpuGeneration::V5e || gen == TpuGeneration::V6e;
}

// [CT-v5e] lists these for v5e; [CT-v6e] lists the same set for v6e.
const int kTwoDShapes[][2] = {{1, 1}, {2, 2}, {2, 4},  {4, 4},
                              {4, 8}, {8, 8}, {8, 16}, {16, 16}};

// [CT-v5p] configurations table, plus 2x2x4 ([SB-TPU] names it; it is the
// shape of a 16-chip v5p-32 / v4-32).
const int kThreeDShapes[][3] = {
    {2, 2, 1}, {2, 2, 2}, {2, 2, 4},  {2, 4, 4},   {4, 4, 4},    {4, 4, 8},
    {4, 8, 8}, {8, 8, 8}, {8, 8, 16}, {8, 16, 16}, {16, 16, 16}, {16, 16, 24}};

// Largest single slice: v5p 16x16x24 [CT-v5p]; v4 pods are 16x16x16.
unsigned maxChips(TpuGeneration gen) {
  switch (gen) {
  case TpuGeneration::V5e:
  case TpuGeneration::V6e:
    return 256;
  case TpuGeneration::V4:
    return 4096;
  case TpuGeneration::V5p:
    return 6144;
  case TpuGeneration::V7x:
    return 9216;
  case TpuGeneration::Generic:
    return 1u << 20;
  }
  return 0;
}

Expected<SmallVector<int, 3>> parseShape(StringRef text) {
  SmallVector<StringRef, 3> parts;
  text.split(parts, 'x');
  if (parts.empty() || parts.size() > kMaxDims)
    return makeError("slice shape '" + text + "' must have 1 to 3 extents");
  SmallVector<int, 3> shape;
  for (StringRef p : parts) {
    int v;
    if (p.getAsInteger(10, v) || v <= 0)
      return makeError("slice shape '" + text + "' has a bad extent '" + p +
                       "'");
    shape.push_back(v);
  }
  return shape;
}

Expected<SmallVector<bool, 3>> parseWrap(StringRef text) {
  SmallVector<StringRef, 3> parts;
  text.split(parts, ',');
  SmallVector<bool, 3> wrap;
  for (StringRef p : parts) {
    p = p.trim();
    if (p == "1" || p == "true")
      wrap.push_back(true);
    else if (p == "0" || p == "false")
      wrap.push_back(false);
    else
      return makeError("wrap list '" + text + "' must hold 0 or 1 per " +
                       "dimension");
  }
  return wrap;
}

// Shape of an accelerator type with \p chips chips: the listed shape of that
// size (the first one in the table, which is the documented default).
std::optional<SmallVector<int, 3>> shapeForChipCount(const ChipSpec &chip,
                                                     unsigned chips) {
  if (isTwoD(chip.generation)) {
    for (const auto &s : kTwoDShapes)
      if (unsigned(s[0] * s[1]) == chips)
        return SmallVector<int, 3>{s[0], s[1]};
    return std::nullopt;
  }
  for (const auto &s : kThreeDShapes)
    if (unsigned(s[0] * s[1] * s[2]) == chips)
      return SmallVector<int, 3>{s[0], s[1], s[2]};
  return std::nullopt;
}

} // namespace

SmallVector<bool, 3> Slice::defaultWrap(const ChipSpec &chip,
                                        ArrayRef<int> shape) {
  SmallVector<bool, 3> wrap(shape.size(), false);
  switch (chip.generation) {
  case TpuGeneration::V5e:
  case TpuGeneration::V6e:
    // [SB-TPU]: wraparound along any axis of size 16 (8x16 wraps its long
    // axis); smaller axes are open.
    for (unsigned d = 0; d < shape.size(); ++d)
      wrap[d] = shape[d] == 16;
    break;
  case TpuGeneration::V4:
  case TpuGeneration::V5p:
  case TpuGeneration::V7x: {
    // [SB-TPU]: whole cubes get wraparound on every axis from the optical
    // switches; anything smaller has none. v7x is assumed to follow v5p
    // ([CT-7x] describes its pod as 4x4x4 cubes like v5p).
    bool wholeCubes =
        shape.size() == 3 && all_of(shape, [](int e) { return e % 4 == 0; });
    for (unsigned d = 0; d < shape.size(); ++d)
      wrap[d] = wholeCubes;
    break;
  }
  case TpuGeneration::Generic:
    break;
  }
  return wrap;
}

bool Slice::canTwist(ArrayRef<int> shape, ArrayRef<bool> wrap) {
  if (shape.size() < 2 || wrap.size() != shape.size())
    return false;
  int k = *std::min_element(shape.begin(), shape.end());
  if (k < 3)
    return false;
  bool hasLong = false;
  for (unsigned d = 0; d < shape.size(); ++d) {
    if (!wrap[d] || (shape[d] != k && shape[d] != 2 * k))
      return false;
    hasLong |= shape[d] == 2 * k;
  }
  return hasLong;
}

bool Slice::defaultTwisted(const ChipSpec &chip, ArrayRef<int> shape,
                           ArrayRef<bool> wrap) {
  // [CT-TT]: twisted tori are offered on v4 and v5p. No Cloud page offers
  // them on v7x, v5e or v6e, so those stay untwisted unless asked.
  bool offered = chip.generation == TpuGeneration::V4 ||
                 chip.generation == TpuGeneration::V5p;
  return offered && canTwist(shape, wrap);
}

bool Slice::isValidShape(const ChipSpec &chip, ArrayRef<int> shape) {
  if (shape.empty() || shape.size() > kMaxDims ||
      any_of(shape, [](int e) { return e <= 0; }))
    return false;
  if (chip.generation == TpuGeneration::Generic)
    return true;
  if (shape.size() != chip.numDims)
    return false;
  if (isTwoD(chip.generation))
    return any_of(kTwoDShapes, [&](const int(&s)[2]) {
      return s[0] == shape[0] && s[1] == shape[1];
    });
  if (any_of(kThreeDShapes, [&](const int(&s)[3]) {
        return s[0] == shape[0] && s[1] == shape[1] && s[2] == shape[2];
      }))
    return true;
  // [CT-v5p]: the table shows "most (but not all) full cube shapes"; accept
  // any multiple of the 4x4x4 cube up to the largest slice.
  int64_t n = saturatingProduct({shape[0], shape[1], shape[2]});
  return all_of(shape, [](int e) { return e % 4 == 0; }) &&
         n <= int64_t(maxChips(chip.generation));
}

SmallVector<SmallVector<int, 3>> Slice::listedShapes(const ChipSpec &chip) {
  SmallVector<SmallVector<int, 3>> out;
  if (isTwoD(chip.generation)) {
    for (const auto &s : kTwoDShapes)
      out.push_back({s[0], s[1]});
  } else if (chip.generation != TpuGeneration::Generic) {
    for (const auto &s : kThreeDShapes)
      if (unsigned(s[0] * s[1] * s[2]) <= maxChips(chip.generation))
        out.push_back({s[0], s[1], s[2]});
  }
  return out;
}

Expected<Slice> Slice::create(const ChipSpec &chip, ArrayRef<int> shape,
                              ArrayRef<bool> wrap,
                              std::optional<bool> twisted) {
  if (shape.empty() || shape.size() > kMaxDims)
    return makeError("a slice needs 1 to 3 dimensions");
  if (any_of(shape, [](int e) { return e <= 0; }))
    return makeError("slice extents must be positive");
  if (!wrap.empty() && wrap.size() != shape.size())
    return makeError("wrap list has " + Twine(wrap.size()) +
                     " entries for a slice of " + Twine(shape.size()) +
                     " dimensions");
  // Bound the device count before the coordinate table is sized by it.
  SmallVector<int64_t, 4> sizes(shape.begin(), shape.end());
  sizes.push_back(chip.tensorCores);
  if (Expected<int64_t> n =
          deviceCountOf(sizes, "slice extents times cores per chip");
      !n)
    return n.takeError();
  SmallVector<bool, 3> w = wrap.empty()
                               ? defaultWrap(chip, shape)
                               : SmallVector<bool, 3>(wrap.begin(), wrap.end());
  Slice s;
  s.spec = chip;
  s.dims = shape.size();
  s.chips = 1;
  for (unsigned d = 0; d < shape.size(); ++d) {
    s.extents[d] = shape[d];
    // A ring of 1 or 2 chips has no extra link to offer: its "wrap" link
    // would join chips that are already neighbours, so treat it as open.
    s.wrapped[d] = w[d] && shape[d] > 2;
    s.chips *= shape[d];
  }
  SmallVector<bool, 3> effective(s.wrapped.begin(),
                                 s.wrapped.begin() + shape.size());
  bool eligible = canTwist(shape, effective);
  if (twisted.value_or(false) && !eligible)
    return makeError("a twisted torus needs every dimension wrapped and "
                     "extents k or 2k (k x 2k, k x k x 2k, k x 2k x 2k, "
                     "k >= 3)");
  s.twist = twisted ? *twisted : defaultTwisted(chip, shape, effective);
  if (s.twist) {
    s.twistK = *std::min_element(shape.begin(), shape.end());
    for (unsigned d = 0; d < shape.size(); ++d)
      s.shortDim[d] = shape[d] == s.twistK;
  }
  s.coordTable.resize(s.chips);
  for (unsigned c = 0; c < s.chips; ++c) {
    unsigned rest = c;
    s.coordTable[c][0] = rest % s.extents[0];
    rest /= s.extents[0];
    s.coordTable[c][1] = rest % s.extents[1];
    s.coordTable[c][2] = rest / s.extents[1];
  }
  return s;
}

Expected<Slice> Slice::parse(StringRef spec) {
  StringRef text = spec.trim();
  // Accelerator types: <name>-<count>.
  if (!text.contains(':')) {
    auto [name, countText] = text.rsplit('-');
    unsigned count;
    if (countText.empty() || countText.getAsInteger(10, count) || count == 0)
      return makeError("cannot parse slice '" + spec +
                       "': expected <gen>:<shape> or an accelerator type "
                       "such as v5litepod-16 or v5p-32");
    Expected<const ChipSpec *> chip = lookupChipSpec(name);
    if (!chip)
      return chip.takeError();
    // v5e/v6e accelerator types count chips (one TensorCore each); v4, v5p
    // and v7x types count TensorCores, two per chip.
    unsigned perChip = (*chip)->tensorCores;
    if (count % perChip)
      return makeError("accelerator type '" + spec + "' counts TensorCores; " +
                       Twine(count) + " is not a multiple of " +
                       Twine(perChip));
    std::optional<SmallVector<int, 3>> shape =
        shapeForChipCount(**chip, count / perChip);
    if (!shape)
      return makeError("accelerator type '" + spec + "' (" +
                       Twine(count / perChip) +
                       " chips) has no known slice shape");
    return create(**chip, *shape);
  }

  SmallVector<StringRef, 4> parts;
  text.split(parts, ':');
  if (parts.size() < 2 || parts.size() > 5)
    return makeError("cannot parse slice '" + spec +
                     "': expected <gen>:<shape>[:wrap=...][:twisted=0|1]"
                     "[:devices-per-chip=N]");
  Expected<const ChipSpec *> chip = lookupChipSpec(parts[0]);
  if (!chip)
    return chip.takeError();
  Expected<SmallVector<int, 3>> shape = parseShape(parts[1]);
  if (!shape)
    return shape.takeError();
  if (!isValidShape(**chip, *shape))
    return makeError("'" + parts[1] + "' is not a supported " + (*chip)->name +
                     " slice shape");
  SmallVector<bool, 3> wrap;
  std::optional<bool> twisted;
  std::optional<unsigned> perChip;
  bool sawWrap = false;
  for (StringRef opt : ArrayRef(parts).drop_front(2)) {
    if (opt.consume_front("wrap=") && !sawWrap) {
      Expected<SmallVector<bool, 3>> w = parseWrap(opt);
      if (!w)
        return w.takeError();
      wrap = *w;
      sawWrap = true;
    } else if (opt.consume_front("twisted=") && !twisted) {
      if (opt == "1" || opt == "true")
        twisted = true;
      else if (opt == "0" || opt == "false")
        twisted = false;
      else
        return makeError("twisted='" + opt + "' must be 0 or 1");
    } else if (opt.consume_front("devices-per-chip=") && !perChip) {
      unsigned n;
      if (opt.getAsInteger(10, n))
        return makeError("devices-per-chip '" + opt + "' is not a number");
      perChip = n;
    } else {
      return makeError("unknown slice option '" + opt +
                       "' (expected wrap=..., twisted=0|1 and/or "
                       "devices-per-chip=N, each at most once)");
    }
  }
  Expected<Slice> slice = create(**chip, *shape, wrap, twisted);
  if (!slice || !perChip)
    return slice;
  return slice->withDevicesPerChip(*perChip);
}

Expected<Slice> Slice::withDevicesPerChip(unsigned devices) const {
  if (devices != 1 && devices != spec.tensorCores)
    return makeError(Twine(spec.name) + " chips have " +
                     Twine(spec.tensorCores) +
                     " TensorCore(s), so devices-per-chip must be 1 or " +
                     Twine(spec.tensorCores) + ", not " + Twine(devices));
  Slice s = *this;
  s.spec.devicesPerChip = devices;
  return s;
}

bool Slice::contains(const ChipCoords &c) const {
  for (unsigned d = 0; d < kMaxDims; ++d)
    if (c[d] < 0 || c[d] >= extents[d])
      return false;
  return true;
}

LinkId Slice::linkId(unsigned chipIndex, unsigned dim, int direction) const {
  if (dim >= dims || extents[dim] < 2)
    return kNoLink;
  ChipCoords c = coordsOf(chipIndex);
  if (!wrapped[dim]) {
    if (direction > 0 && c[dim] == extents[dim] - 1)
      return kNoLink;
    if (direction < 0 && c[dim] == 0)
      return kNoLink;
  }
  return LinkId((chipIndex * kMaxDims + dim) * 2 + (direction < 0 ? 1 : 0));
}

bool Slice::linkExists(LinkId id) const {
  if (id < 0 || unsigned(id) >= numLinkSlots())
    return false;
  unsigned chipIndex = id / (2 * kMaxDims);
  unsigned dim = (id / 2) % kMaxDims;
  int dir = (id & 1) ? -1 : 1;
  return linkId(chipIndex, dim, dir) == id;
}

LinkInfo Slice::linkInfo(LinkId id) const {
  assert(linkExists(id) && "not a link of this slice");
  LinkInfo info;
  info.fromChip = id / (2 * kMaxDims);
  info.dim = (id / 2) % kMaxDims;
  info.direction = (id & 1) ? -1 : 1;
  info.toChip = neighbour(info.fromChip, info.dim, info.direction);
  return info;
}

unsigned Slice::neighbour(unsigned chipIndex, unsigned dim,
                          int direction) const {
  ChipCoords c = coordsOf(chipIndex);
  int e = extents[dim];
  int next = c[dim] + direction;
  bool crosses = next < 0 || next >= e;
  c[dim] = (next + e) % e;
  if (crosses && twist && shortDim[dim])
    for (unsigned d = 0; d < dims; ++d)
      if (!shortDim[d])
        c[d] = (c[d] + twistK) % extents[d];
  return chipAt(c);
}

SmallVector<LinkId> Slice::links() const {
  SmallVector<LinkId> out;
  for (unsigned id = 0; id < numLinkSlots(); ++id)
    if (linkExists(id))
      out.push_back(id);
  return out;
}

unsigned Slice::linksPerChip() const {
  unsigned n = 0;
  for (unsigned d = 0; d < dims; ++d)
    if (extents[d] > 2 || (extents[d] == 2 && wrapped[d]))
      n += 2;
    else if (extents[d] == 2)
      n += 1;
  return n;
}

namespace {
/// Signed steps per dimension of one minimal path choice.
using StepPlan = std::array<int, kMaxDims>;
} // namespace

/// Steps along an untwisted dimension of extent \p e from coordinate
/// difference \p delta: the shorter way round on a ring (positive on a tie),
/// the difference on an open line. \p tie: a ring half-way round.
static int straightSteps(int delta, int e, bool wraps, bool &tie) {
  tie = false;
  if (!wraps)
    return delta;
  int plus = ((delta % e) + e) % e, minus = plus - e;
  tie = plus != 0 && plus == -minus;
  return plus <= -minus ? plus : minus;
}

/// The minimal step plans from \p src to \p dst and their hop count.
/// Plain slices: per dimension the shorter direction, both when they tie
/// (half-way round an even ring). Twisted slices: crossing a short
/// dimension's wraparound shifts every long dimension by k, so each short
/// dimension may go either way round; the long dimensions then take their
/// shorter direction(s) from where the short moves leave them, and only the
/// combinations with the fewest hops are kept.
static unsigned minimalPlans(const Slice &slice, unsigned dims,
                             const std::array<int, kMaxDims> &extent,
                             const std::array<bool, kMaxDims> &wrapped,
                             bool twist, int k,
                             const std::array<bool, kMaxDims> &isShort,
                             unsigned src, unsigned dst,
                             SmallVectorImpl<StepPlan> *plans) {
  const ChipCoords &a = slice.coordsOf(src), &b = slice.coordsOf(dst);
  // Options per dimension: (steps, crosses the wrap).
  SmallVector<std::pair<int, bool>, 2> options[kMaxDims];
  auto ringOptions = [&](unsigned d, int delta,
                         SmallVectorImpl<std::pair<int, bool>> &out) {
    bool tie;
    int steps = straightSteps(delta, extent[d], wrapped[d], tie);
    out.push_back({steps, false});
    if (tie)
      out.push_back({steps - extent[d], false});
  };
  if (!twist) {
    unsigned total = 0;
    for (unsigned d = 0; d < dims; ++d) {
      ringOptions(d, b[d] - a[d], options[d]);
      total += std::abs(options[d][0].first);
    }
    if (plans) {
      plans->assign(1, StepPlan{0, 0, 0});
      for (unsigned d = 0; d < dims; ++d) {
        if (options[d].size() == 1) {
          for (StepPlan &p : *plans)
            p[d] = options[d][0].first;
          continue;
        }
        unsigned n = plans->size();
        for (unsigned i = 0; i < n; ++i) {
          StepPlan other = (*plans)[i];
          (*plans)[i][d] = options[d][0].first;
          other[d] = options[d][1].first;
          plans->push_back(other);
        }
      }
    }
    return total;
  }
  // Twisted: enumerate the short dimensions' directions.
  SmallVector<unsigned, 3> shorts, longs;
  for (unsigned d = 0; d < dims; ++d)
    (isShort[d] ? shorts : longs).push_back(d);
  for (unsigned d : shorts) {
    int delta = b[d] - a[d];
    if (delta == 0) {
      options[d].push_back({0, false});
      continue;
    }
    // Direct (no wrap) and the other way round (crosses the wrap once).
    options[d].push_back({delta, false});
    options[d].push_back({delta > 0 ? delta - extent[d] : delta + extent[d],
                          true});
  }
  unsigned best = ~0u;
  if (plans)
    plans->clear();
  unsigned combos = 1u << shorts.size();
  for (unsigned mask = 0; mask < combos; ++mask) {
    StepPlan base{0, 0, 0};
    unsigned shortHops = 0, crossings = 0;
    bool valid = true;
    for (auto [i, d] : llvm::enumerate(shorts)) {
      unsigned pick = (mask >> i) & 1;
      if (pick >= options[d].size()) {
        valid = false;
        break;
      }
      base[d] = options[d][pick].first;
      shortHops += std::abs(base[d]);
      crossings += options[d][pick].second;
    }
    if (!valid)
      continue;
    int shift = (crossings % 2) ? k : 0;
    SmallVector<std::pair<int, bool>, 2> longOptions[kMaxDims];
    unsigned total = shortHops;
    for (unsigned d : longs) {
      ringOptions(d, b[d] - a[d] - shift, longOptions[d]);
      total += std::abs(longOptions[d][0].first);
    }
    if (total > best)
      continue;
    if (total < best && plans)
      plans->clear();
    best = total;
    if (!plans)
      continue;
    SmallVector<StepPlan, 4> expanded{base};
    for (unsigned d : longs) {
      unsigned n = expanded.size();
      for (unsigned i = 0; i < n; ++i) {
        if (longOptions[d].size() == 2) {
          StepPlan other = expanded[i];
          other[d] = longOptions[d][1].first;
          expanded.push_back(other);
        }
        expanded[i][d] = longOptions[d][0].first;
      }
    }
    plans->append(expanded.begin(), expanded.end());
  }
  return best;
}

unsigned Slice::hops(unsigned src, unsigned dst) const {
  if (!twist) {
    // The common case, without building the route plans.
    const ChipCoords &a = coordsOf(src), &b = coordsOf(dst);
    unsigned total = 0;
    bool tie;
    for (unsigned d = 0; d < dims; ++d)
      total += std::abs(straightSteps(b[d] - a[d], extents[d], wrapped[d], tie));
    return total;
  }
  return minimalPlans(*this, dims, extents, wrapped, twist, twistK, shortDim,
                      src, dst, nullptr);
}

void Slice::forEachRouteHop(unsigned src, unsigned dst,
                            function_ref<void(LinkId, double)> fn) const {
  if (src == dst)
    return;
  if (!twist) {
    // Fast path for a move along one dimension (every message of a ring or
    // line phase): one straight path, or two halves on a ring tie. The
    // same hops and fractions as the general walk below.
    const ChipCoords &a = coordsOf(src), &b = coordsOf(dst);
    int moving = -1;
    bool single = true;
    for (unsigned d = 0; d < dims && single; ++d)
      if (a[d] != b[d]) {
        single = moving < 0;
        moving = d;
      }
    if (single) {
      unsigned d = moving;
      bool tie;
      int steps = straightSteps(b[d] - a[d], extents[d], wrapped[d], tie);
      // Untwisted: moving along d changes the chip index by stride per
      // coordinate (chipAt), wrapping at the extent.
      const int e = extents[d];
      ChipCoords unit = {};
      unit[d] = 1;
      const unsigned stride = chipAt(unit);
      const unsigned base = src - a[d] * stride;
      auto walk = [&](int n, double fraction) {
        int dir = n > 0 ? 1 : -1;
        int at = a[d];
        for (int i = 0, hops = std::abs(n); i < hops; ++i) {
          unsigned chip = base + unsigned(at) * stride;
          fn(LinkId((chip * kMaxDims + d) * 2 + (dir < 0 ? 1 : 0)), fraction);
          at += dir;
          at = at < 0 ? at + e : at >= e ? at - e : at;
        }
        assert(base + unsigned(at) * stride == dst &&
               "a minimal path must end at its target");
      };
      if (!tie) {
        walk(steps, 1.0);
      } else {
        walk(steps, 0.5);
        walk(steps - extents[d], 0.5);
      }
      return;
    }
  }
  SmallVector<StepPlan, 8> plans;
  minimalPlans(*this, dims, extents, wrapped, twist, twistK, shortDim, src,
               dst, &plans);
  // Every plan, walked in every order of the dimensions it moves along;
  // each such path carries an equal share.
  auto movingDims = [&](const StepPlan &p) {
    SmallVector<unsigned, kMaxDims> moving;
    for (unsigned d = 0; d < dims; ++d)
      if (p[d] != 0)
        moving.push_back(d);
    return moving;
  };
  unsigned numPaths = 0;
  for (const StepPlan &p : plans) {
    unsigned orders = 1;
    for (unsigned i = 2, n = movingDims(p).size(); i <= n; ++i)
      orders *= i;
    numPaths += orders;
  }
  double fraction = 1.0 / numPaths;
  for (const StepPlan &plan : plans) {
    SmallVector<unsigned, kMaxDims> order = movingDims(plan);
    do {
      unsigned at = src;
      for (unsigned d : order) {
        int dir = plan[d] > 0 ? 1 : -1;
        for (int i = 0, n = std::abs(plan[d]); i < n; ++i) {
          fn(LinkId((at * kMaxDims + d) * 2 + (dir < 0 ? 1 : 0)), fraction);
          at = neighbour(at, d, dir);
        }
      }
      assert(at == dst && "a minimal path must end at its target");
    } while (std::next_permutation(order.begin(), order.end()));
  }
}

SmallVector<RouteHop> Slice::route(unsigned src, unsigned dst) const {
  SmallVector<RouteHop> out;
  forEachRouteHop(src, dst, [&](LinkId l, double f) { out.push_back({l, f}); });
  return out;
}

std::string Slice::str() const {
  std::string s;
  raw_string_ostream os(s);
  os << spec.name << ':';
  for (unsigned d = 0; d < dims; ++d)
    os << (d ? "x" : "") << extents[d];
  os << ":wrap=";
  for (unsigned d = 0; d < dims; ++d)
    os << (d ? "," : "") << (wrapped[d] ? 1 : 0);
  if (twist)
    os << ":twisted=1";
  if (spec.devicesPerChip != getChipSpec(spec.generation).devicesPerChip)
    os << ":devices-per-chip=" << spec.devicesPerChip;
  return s;
}

} // namespace aoizora
