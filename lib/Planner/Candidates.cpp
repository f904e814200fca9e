//===- Candidates.cpp - Candidate meshes, their estimates, pruning --------===//

#include "AoiZora/Planner/Candidates.h"

#include "AoiZora/Cost/Roofline.h"
#include "AoiZora/Support/CheckedMath.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringMap.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <map>
#include <numeric>
#include <set>

namespace aoizora::planner {

using sharding::Mesh;

//===----------------------------------------------------------------------===//
// Candidates
//===----------------------------------------------------------------------===//

std::string Candidate::label(const Mesh &mesh) const {
  if (mesh.axes.empty())
    return "(module tiling)";
  std::string text;
  for (auto [i, axis] : llvm::enumerate(mesh.axes))
    text += (i ? "," : "") + axis.name + "=" +
            std::to_string(i < sizes.size() ? sizes[i] : axis.size);
  return text;
}

Mesh Candidate::toMesh(const Mesh &mesh) const {
  Mesh result;
  for (auto [i, axis] : llvm::enumerate(mesh.axes))
    result.axes.push_back({axis.name, i < sizes.size() ? sizes[i] : axis.size});
  if (isModuleMesh)
    result.deviceIds = mesh.deviceIds;
  return result;
}

llvm::Expected<std::vector<Candidate>> candidatesOf(const TensorGraph &graph,
                                                    int64_t numDevices) {
  if (!graph.gspmdOnly)
    return enumerateCandidates(graph.mesh, numDevices);
  Candidate own;
  own.isModuleMesh = true;
  for (const sharding::MeshAxis &axis : graph.mesh.axes)
    own.sizes.push_back(axis.size);
  return std::vector<Candidate>{own};
}

int64_t countSizeAssignments(unsigned freeAxes, int64_t numDevices) {
  if (numDevices < 1)
    return 0;
  if (freeAxes == 0)
    return numDevices == 1 ? 1 : 0;
  // Ordered factorisations into k factors: for each prime power p^e of n,
  // the e factors of p go to k axes in C(e + k - 1, e) ways.
  int64_t count = 1;
  int64_t n = numDevices;
  constexpr int64_t kSaturated = std::numeric_limits<int64_t>::max();
  auto multiplyBy = [&](int64_t e) {
    int64_t ways = 1; // C(k - 1 + e, e), exact at every step.
    for (int64_t i = 1; i <= e && ways != kSaturated; ++i) {
      std::optional<int64_t> next = checkedMul(ways, int64_t(freeAxes) - 1 + i);
      ways = next ? *next / i : kSaturated;
    }
    count = saturatingMul(count, ways);
  };
  for (int64_t p = 2; p * p <= n; ++p) {
    int64_t e = 0;
    while (n % p == 0) {
      n /= p;
      ++e;
    }
    if (e)
      multiplyBy(e);
  }
  if (n > 1)
    multiplyBy(1);
  return count;
}

llvm::Expected<std::vector<Candidate>> enumerateCandidates(const Mesh &mesh,
                                                           int64_t numDevices) {
  std::vector<Candidate> out;
  llvm::SmallVector<int64_t, 4> own;
  for (const sharding::MeshAxis &axis : mesh.axes)
    own.push_back(axis.size);
  if (mesh.axes.empty()) {
    Candidate c;
    c.isModuleMesh = true;
    out.push_back(c);
    return out;
  }
  // Which axes take part; size-1 axes are pinned only when needed to stay
  // within the limit.
  llvm::SmallVector<bool, 4> free(mesh.axes.size(), true);
  unsigned numFree = mesh.axes.size();
  if (countSizeAssignments(numFree, numDevices) > limits::kMaxCandidates) {
    for (auto [i, axis] : llvm::enumerate(mesh.axes))
      if (axis.size == 1 && numFree > 1) {
        free[i] = false;
        --numFree;
      }
    int64_t count = countSizeAssignments(numFree, numDevices);
    if (count > limits::kMaxCandidates)
      return llvm::createStringError(
          llvm::inconvertibleErrorCode(),
          "the mesh's " + llvm::Twine(numFree) + " axes (of size > 1) over " +
              llvm::Twine(numDevices) + " devices give " +
              (count == std::numeric_limits<int64_t>::max()
                   ? std::string("more than 2^63")
                   : std::to_string(count)) +
              " candidate meshes, more than the limit of " +
              llvm::Twine(limits::kMaxCandidates));
  }
  unsigned lastFree = 0;
  for (unsigned i = 0; i < free.size(); ++i)
    if (free[i])
      lastFree = i;
  llvm::SmallVector<int64_t, 4> sizes(mesh.axes.size(), 1);
  std::function<void(unsigned, int64_t)> rec = [&](unsigned k, int64_t left) {
    if (k == lastFree) {
      sizes[k] = left;
      Candidate c;
      c.sizes = sizes;
      c.isModuleMesh = sizes == own;
      out.push_back(std::move(c));
      return;
    }
    if (!free[k])
      return rec(k + 1, left);
    for (int64_t s = 1; s <= left; ++s)
      if (left % s == 0) {
        sizes[k] = s;
        rec(k + 1, left / s);
      }
  };
  if (numDevices >= 1)
    rec(0, numDevices);
  if (llvm::none_of(out, [](const Candidate &c) { return c.isModuleMesh; })) {
    Candidate c;
    c.sizes = own;
    c.isModuleMesh = true;
    out.push_back(std::move(c));
  }
  return out;
}

llvm::SmallVector<llvm::SmallVector<unsigned, 16>, 4>
groupsOverAxes(const Mesh &mesh, llvm::ArrayRef<std::string> axes) {
  unsigned rank = mesh.axes.size();
  llvm::SmallVector<int64_t, 4> strides(rank, 1);
  for (int k = int(rank) - 2; k >= 0; --k)
    strides[k] = strides[k + 1] * mesh.axes[k + 1].size;
  int64_t n = mesh.numDevices();
  llvm::SmallVector<int64_t> ids = mesh.deviceIdsOrIota();
  llvm::SmallVector<unsigned, 4> along;
  for (const std::string &name : axes)
    if (std::optional<unsigned> k = mesh.axisIndex(name))
      if (!llvm::is_contained(along, *k))
        along.push_back(*k);
  auto coord = [&](int64_t p, unsigned k) {
    return (p / strides[k]) % mesh.axes[k].size;
  };
  llvm::SmallVector<llvm::SmallVector<unsigned, 16>, 4> groups;
  for (int64_t base = 0; base < n; ++base) {
    if (llvm::any_of(along, [&](unsigned k) { return coord(base, k) != 0; }))
      continue;
    llvm::SmallVector<unsigned, 16> group;
    // Enumerate the coordinates along `along`, the first axis major.
    llvm::SmallVector<int64_t, 4> c(along.size(), 0);
    while (true) {
      int64_t p = base;
      for (auto [j, k] : llvm::enumerate(along))
        p += c[j] * strides[k];
      group.push_back(unsigned(p < int64_t(ids.size()) ? ids[p] : p));
      int j = int(along.size()) - 1;
      while (j >= 0 && ++c[j] == mesh.axes[along[j]].size)
        c[j--] = 0;
      if (j < 0)
        break;
    }
    groups.push_back(std::move(group));
  }
  return groups;
}

static std::set<std::set<unsigned>>
normalizeGroups(llvm::ArrayRef<llvm::SmallVector<unsigned, 16>> groups) {
  std::set<std::set<unsigned>> out;
  for (const auto &g : groups)
    out.insert(std::set<unsigned>(g.begin(), g.end()));
  return out;
}

std::optional<AxisList>
axesOfGroups(const Mesh &mesh,
             llvm::ArrayRef<llvm::SmallVector<unsigned, 16>> groups) {
  unsigned rank = mesh.axes.size();
  if (rank > 16)
    return std::nullopt;
  auto want = normalizeGroups(groups);
  // Smallest subsets first, so that size-1 axes are left out.
  std::vector<unsigned> masks(1u << rank);
  std::iota(masks.begin(), masks.end(), 0u);
  std::stable_sort(masks.begin(), masks.end(), [](unsigned a, unsigned b) {
    return __builtin_popcount(a) < __builtin_popcount(b);
  });
  for (unsigned mask : masks) {
    AxisList axes;
    for (unsigned k = 0; k < rank; ++k)
      if (mask & (1u << k))
        axes.push_back(mesh.axes[k].name);
    if (normalizeGroups(groupsOverAxes(mesh, axes)) == want)
      return axes;
  }
  return std::nullopt;
}

//===----------------------------------------------------------------------===//
// Estimate
//===----------------------------------------------------------------------===//

namespace {
class Pricer {
public:
  Pricer(const TensorGraph &graph, const Candidate &candidate,
         const EstimateOptions &options, CandidateEstimate &est)
      : graph(graph), options(options), est(est) {
    for (auto [i, axis] : llvm::enumerate(graph.mesh.axes))
      sizes[axis.name] =
          i < candidate.sizes.size() ? candidate.sizes[i] : axis.size;
  }

  int64_t sizeOf(llvm::StringRef axis) const {
    auto it = sizes.find(axis);
    return it == sizes.end() ? 1 : it->second;
  }
  int64_t shards(const AxisList &axes) const {
    int64_t n = 1;
    for (const std::string &axis : axes)
      n *= sizeOf(axis);
    return n;
  }
  std::string describeAxes(const AxisList &axes) const {
    std::string text;
    for (auto [i, axis] : llvm::enumerate(axes))
      text += (i ? "*" : "") + axis + "=" + std::to_string(sizeOf(axis));
    return text;
  }

  /// Per-device size of dimension \p size split by \p axes; records a
  /// divisibility failure (or a padding with allowPadding).
  double localDim(unsigned tensor, unsigned dim, int64_t size,
                  const AxisList &axes) {
    int64_t n = shards(axes);
    if (n <= 1)
      return double(size);
    int64_t local = (size + n - 1) / n;
    if (size % n != 0 && seen.insert({tensor, dim}).second) {
      const Tensor &t = graph.tensors[tensor];
      std::string text = "dimension " + std::to_string(dim) + " of " + t.name +
                         " (size " + std::to_string(size) +
                         ") is not divisible by " + describeAxes(axes);
      if (options.allowPadding)
        est.paddings.push_back(text + ": padded to " +
                               std::to_string(local * n));
      else if (divisibility.empty())
        divisibility = text;
    }
    return double(local);
  }

  double localBytes(unsigned tensor, const ShardingState &state) {
    const Tensor &t = graph.tensors[tensor];
    double bytes = double(t.elementBytes);
    for (unsigned d = 0; d < t.rank(); ++d)
      bytes *= d < state.rank() ? localDim(tensor, d, t.shape[d], state.dims[d])
                                : double(t.shape[d]);
    return bytes;
  }

  llvm::StringMap<int64_t> sizes;
  std::set<std::pair<unsigned, unsigned>> seen;
  std::string divisibility;

private:
  const TensorGraph &graph;
  const EstimateOptions &options;
  CandidateEstimate &est;
};
} // namespace

llvm::StringRef stringifyOverlapMode(OverlapMode mode) {
  switch (mode) {
  case OverlapMode::None:
    return "none";
  case OverlapMode::Async:
    return "async";
  case OverlapMode::Full:
    return "full";
  }
  return "none";
}

std::optional<OverlapMode> parseOverlapMode(llvm::StringRef text) {
  if (text == "none")
    return OverlapMode::None;
  if (text == "async")
    return OverlapMode::Async;
  if (text == "full")
    return OverlapMode::Full;
  return std::nullopt;
}

double CandidateEstimate::stepSeconds(OverlapMode mode,
                                      double commScale) const {
  double comm = commSeconds * commScale;
  switch (mode) {
  case OverlapMode::None:
    return computeSeconds + comm;
  case OverlapMode::Full:
    return std::max(computeSeconds, comm);
  case OverlapMode::Async:
    break;
  }
  // List scheduling on two resources: the cores run ops in program order,
  // the ICI runs collectives one at a time in the order their consumers
  // come. A collective starts when the ICI is free and its input exists; an
  // op starts when the cores are free and its collectives have finished.
  std::vector<double> finish(opComputeSeconds.size(), 0.0);
  double cores = 0, ici = 0;
  unsigned next = 0;
  for (unsigned op = 0; op < opComputeSeconds.size(); ++op) {
    double start = cores;
    for (; next < schedule.size() && schedule[next].beforeOp == op; ++next) {
      const ScheduledCollective &c = schedule[next];
      double ready = c.readyAfterOp >= 0 ? finish[c.readyAfterOp] : 0;
      ici = std::max(ici, ready) + c.seconds * commScale;
      start = std::max(start, ici);
    }
    cores = start + opComputeSeconds[op];
    finish[op] = cores;
  }
  for (; next < schedule.size(); ++next)
    ici += schedule[next].seconds * commScale;
  return std::max(cores, ici);
}

CollectiveSpec specOfUse(const CollectiveUse &use, const Mesh &mesh) {
  if (use.writtenSpec)
    return *use.writtenSpec;
  CollectiveSpec spec;
  spec.kind = toCollectiveKind(use.kind);
  if (use.count > 0)
    spec.bytes = use.bytes / use.count;
  if (spec.kind == CollectiveKind::CollectivePermute) {
    // A rotation within each group, as ring attention does: member k sends
    // to member k+1.
    for (const auto &group : groupsOverAxes(mesh, use.axes))
      for (unsigned k = 0; k < group.size(); ++k)
        spec.pairs.push_back({group[k], group[(k + 1) % group.size()]});
  } else {
    spec.groups = groupsOverAxes(mesh, use.axes);
  }
  return spec;
}

CandidateEstimate
estimateCandidate(const TensorGraph &graph, const PropagationResult &result,
                  const Candidate &candidate, const Slice &slice,
                  const Placement &placement, const EstimateOptions &options) {
  CandidateEstimate est;
  est.candidate = candidate;
  est.label = candidate.label(graph.mesh);
  Pricer pricer(graph, candidate, options, est);
  std::vector<std::string> reasons;
  const ChipSpec &chip = slice.chip();
  // A calibration file's measured compute fractions override the defaults.
  ComputeEfficiency efficiency = options.efficiency;
  if (options.calibration)
    efficiency = options.calibration->compute.applyTo(efficiency);

  // Axes whose size the program fixes.
  for (const std::string &axis : graph.fixedAxes) {
    std::optional<int64_t> own = graph.mesh.axisSize(axis);
    if (own && pricer.sizeOf(axis) != *own)
      reasons.push_back("manual axis \"" + axis + "\" must keep size " +
                        std::to_string(*own) +
                        " (manual computation bodies have per-device shapes)");
  }
  int64_t devices = 1;
  for (int64_t s : candidate.sizes)
    devices *= s;
  if (!graph.mesh.axes.empty() && devices != int64_t(slice.numDevices()))
    reasons.push_back("uses " + std::to_string(devices) +
                      " devices, the slice has " +
                      std::to_string(slice.numDevices()));

  // Every tensor's sharding must divide its shape.
  for (unsigned t = 0; t < graph.tensors.size(); ++t)
    if (t < result.states.size())
      pricer.localBytes(t, result.states[t]);

  // Compute and memory.
  est.opComputeSeconds.assign(graph.ops.size(), 0.0);
  for (const ComputeItem &item : result.compute) {
    double flops = 0;
    if (item.flopScale > 0) {
      flops = item.flopScale;
      for (const auto &[size, axes] : item.flopFactors) {
        int64_t n = pricer.shards(axes);
        flops *= double((size + n - 1) / n);
      }
    }
    double bytes = 0;
    for (const auto &[t, state] : item.bytesTerms)
      bytes += pricer.localBytes(t, state);
    double live = 0;
    for (const auto &[t, state] : item.liveTerms)
      live += pricer.localBytes(t, state);
    est.flops += flops * item.multiplier;
    est.hbmBytes += bytes * item.multiplier;
    double seconds = roofline(chip, flops, bytes, chip.devicesPerChip,
                              item.opClass, efficiency)
                         .seconds() *
        item.multiplier;
    est.computeSeconds += seconds;
    if (item.op < est.opComputeSeconds.size())
      est.opComputeSeconds[item.op] += seconds;
    est.activationBytes = std::max(est.activationBytes, live);
  }
  for (unsigned t = 0; t < graph.tensors.size(); ++t)
    if (graph.tensors[t].isParameter && t < result.states.size())
      est.parameterBytes += pricer.localBytes(t, result.states[t]);

  // Communication.
  CostOptions costOptions;
  costOptions.calibration = options.calibration;
  // The op producing each tensor: a collective's input is ready once its
  // producer has run (tensors produced later, loop-carried, are ready at the
  // start of the step).
  std::vector<int> producer(graph.tensors.size(), -1);
  for (auto [i, op] : llvm::enumerate(graph.ops))
    for (unsigned r : op.results)
      if (r < producer.size())
        producer[r] = int(i);
  Mesh mesh = candidate.toMesh(graph.mesh);
  std::map<std::pair<int, AxisList>, unsigned> useIndex;
  std::map<std::tuple<int, AxisList, double>, std::pair<double, double>> cache;
  std::string explicitProblem;
  for (const DerivedCollective &c : result.collectives) {
    int64_t groupSize = pricer.shards(c.axes);
    if (!c.writtenSpec && groupSize <= 1)
      continue;
    double bytes = c.fixedBytes ? *c.fixedBytes
                                : pricer.localBytes(c.tensor, c.bytesState);
    double seconds = 0, lowerBound = 0;
    if (c.kind != ReshardKind::LocalSlice) {
      CollectiveSpec spec;
      if (c.writtenSpec) {
        if (!candidate.isModuleMesh) {
          if (explicitProblem.empty())
            explicitProblem = "the groups of " + c.why +
                              " are not over mesh axes, so they are only "
                              "known on the module's own mesh";
          continue;
        }
        spec = *c.writtenSpec;
        spec.bytes = bytes;
        groupSize = spec.groups.empty() ? int64_t(slice.numDevices())
                                        : int64_t(spec.groups[0].size());
      }
      auto key = std::make_tuple(int(c.kind), c.axes, bytes);
      auto it = cache.find(key);
      if (it == cache.end() || c.writtenSpec) {
        // Groups are built only for a collective not priced yet: building
        // them for every repeat was a fifth of stage 1's time.
        if (!c.writtenSpec) {
          CollectiveUse use;
          use.kind = c.kind;
          use.axes = c.axes;
          spec = specOfUse(use, mesh);
          spec.bytes = bytes;
        }
        if (llvm::Error err = verifyCollective(slice, spec)) {
          reasons.push_back("cannot price " + c.why + ": " +
                            llvm::toString(std::move(err)));
          continue;
        }
        std::pair<double, double> cost{
            estimateCollective(slice, placement, spec, costOptions).seconds,
            lowerBoundSeconds(slice, spec, costOptions)};
        it = cache.insert_or_assign(key, cost).first;
      }
      seconds = it->second.first;
      lowerBound = it->second.second;
    }
    // Written collectives merge only with the same groups or pairs: their
    // axes do not describe them.
    unsigned index = est.collectives.size();
    if (!c.writtenSpec) {
      auto [pos, inserted] = useIndex.try_emplace({int(c.kind), c.axes}, index);
      index = pos->second;
    } else {
      for (auto [i, use] : llvm::enumerate(est.collectives))
        if (use.writtenSpec && use.kind == c.kind &&
            use.writtenSpec->groups == c.writtenSpec->groups &&
            use.writtenSpec->pairs == c.writtenSpec->pairs)
          index = i;
    }
    if (index == est.collectives.size()) {
      CollectiveUse use;
      use.kind = c.kind;
      use.axes = c.axes;
      use.groupSize = groupSize;
      if (c.writtenSpec) {
        use.writtenSpec = *c.writtenSpec;
        use.writtenSpec->bytes = bytes;
      }
      est.collectives.push_back(use);
    }
    CollectiveUse &use = est.collectives[index];
    use.count += c.multiplier;
    use.bytes += bytes * c.multiplier;
    use.seconds += seconds * c.multiplier;
    use.lowerBoundSeconds += lowerBound * c.multiplier;
    est.commSeconds += seconds * c.multiplier;
    est.commLowerBoundSeconds += lowerBound * c.multiplier;
    if (seconds > 0) {
      int ready = c.tensor < producer.size() ? producer[c.tensor] : -1;
      est.schedule.push_back(
          {ready < int(c.op) ? ready : -1, c.op, seconds * c.multiplier});
    }
  }
  // The consumers' program order (stable: a reshard's steps keep theirs).
  llvm::stable_sort(est.schedule, [](const auto &a, const auto &b) {
    return a.beforeOp < b.beforeOp;
  });
  if (!explicitProblem.empty())
    reasons.push_back(explicitProblem);

  est.totalSeconds = est.stepSeconds(options.overlap);
  est.lowerBoundSeconds =
      options.overlap == OverlapMode::None
          ? est.computeSeconds + est.commLowerBoundSeconds
          : std::max(est.computeSeconds, est.commLowerBoundSeconds);

  if (!pricer.divisibility.empty())
    reasons.push_back(pricer.divisibility);
  double hbm = chip.hbmBytes / chip.devicesPerChip;
  if (options.checkMemory && est.memoryBytes() > hbm)
    reasons.push_back("needs " + std::to_string(int64_t(est.memoryBytes())) +
                      " bytes per device (parameters " +
                      std::to_string(int64_t(est.parameterBytes)) +
                      " + activations " +
                      std::to_string(int64_t(est.activationBytes)) +
                      "), HBM holds " + std::to_string(int64_t(hbm)));
  if (!reasons.empty()) {
    est.rejected = true;
    for (auto [i, r] : llvm::enumerate(reasons))
      est.rejectReason += (i ? "; " : "") + r;
  }
  return est;
}

llvm::json::Value CandidateEstimate::toJSON(const Mesh &mesh) const {
  llvm::json::Object axes;
  for (auto [i, axis] : llvm::enumerate(mesh.axes))
    axes[axis.name] =
        i < candidate.sizes.size() ? candidate.sizes[i] : axis.size;
  llvm::json::Array uses;
  for (const CollectiveUse &use : collectives) {
    llvm::json::Array names;
    for (const std::string &a : use.axes)
      names.push_back(a);
    uses.push_back(
        llvm::json::Object{{"kind", stringifyReshardKind(use.kind)},
                           {"axes", std::move(names)},
                           {"group_size", use.groupSize},
                           {"count", use.count},
                           {"bytes", use.bytes},
                           {"seconds", use.seconds},
                           {"lower_bound_seconds", use.lowerBoundSeconds}});
  }
  llvm::json::Object obj{{"candidate", label},
                         {"axes", std::move(axes)},
                         {"module_mesh", candidate.isModuleMesh},
                         {"flops_per_device", flops},
                         {"hbm_bytes_per_device", hbmBytes},
                         {"compute_seconds", computeSeconds},
                         {"collectives", std::move(uses)},
                         {"comm_seconds", commSeconds},
                         {"comm_lower_bound_seconds", commLowerBoundSeconds},
                         {"total_seconds", totalSeconds},
                         {"lower_bound_seconds", lowerBoundSeconds},
                         {"parameter_bytes", parameterBytes},
                         {"activation_bytes", activationBytes},
                         {"memory_bytes", memoryBytes()},
                         {"rejected", rejected}};
  if (rejected)
    obj["reason"] = rejectReason;
  if (!paddings.empty()) {
    llvm::json::Array pads;
    for (const std::string &p : paddings)
      pads.push_back(p);
    obj["paddings"] = std::move(pads);
  }
  return obj;
}

std::vector<unsigned> pruneCandidates(llvm::ArrayRef<CandidateScore> scores,
                                      const PruneOptions &options) {
  double best = std::numeric_limits<double>::infinity();
  for (const CandidateScore &s : scores)
    if (!s.rejected)
      best = std::min(best, s.totalSeconds);
  std::vector<unsigned> keep;
  for (auto [i, s] : llvm::enumerate(scores))
    if (!s.rejected && s.lowerBoundSeconds <= options.keepWithin * best)
      keep.push_back(i);
  std::stable_sort(keep.begin(), keep.end(), [&](unsigned a, unsigned b) {
    return scores[a].totalSeconds < scores[b].totalSeconds;
  });
  if (options.maxSurvivors && keep.size() > options.maxSurvivors)
    keep.resize(options.maxSurvivors);
  return keep;
}

} // namespace aoizora::planner
