//===- CandidatePlan.cpp - Placing the survivors of stage 1 ---------------===//
//
// Each surviving candidate mesh is placed (search seeded by the module order
// and JAX's mesh_utils order), and the one with the least step time is the
// plan. The baselines (the module as written, and the candidate of a
// topology-oblivious planner, each on the module order and on mesh_utils'
// order) are placed with the survivors, so the plan is never slower than
// a baseline under the model.
//
//===----------------------------------------------------------------------===//

#include "AoiZora/Plan/Plan.h"

#include "AoiZora/Cost/AlphaBeta.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/SmallPtrSet.h"
#include "llvm/Support/FormatVariadic.h"

using llvm::ArrayRef;
using llvm::Twine;
using namespace aoizora::planner;

namespace aoizora::plan {

const CandidateEstimate *findEstimate(ArrayRef<CandidateEstimate> estimates,
                                      ArrayRef<int64_t> sizes) {
  for (const CandidateEstimate &e : estimates)
    if (ArrayRef<int64_t>(e.candidate.sizes) == sizes)
      return &e;
  return nullptr;
}

namespace {

/// The step's collectives for a candidate, as the cost model takes them.
std::vector<WeightedCollective>
stepCollectives(const CandidateEstimate &estimate,
                const sharding::Mesh &candidateMesh) {
  std::vector<WeightedCollective> step;
  for (const CollectiveUse &use : estimate.collectives) {
    if (use.kind == ReshardKind::LocalSlice || use.count <= 0 ||
        (!use.writtenSpec && use.groupSize <= 1))
      continue;
    WeightedCollective c;
    c.spec = specOfUse(use, candidateMesh);
    c.spec.bytes = use.bytes / use.count;
    c.count = use.count;
    step.push_back(std::move(c));
  }
  return step;
}

/// One candidate to place: its collectives and the orders that seed it.
struct Job {
  const CandidateEstimate *estimate;
  std::vector<WeightedCollective> step;
  std::string source;
  std::vector<RankedPlacement> seeds;
  MeshUtilsOrder meshUtils;
  /// Communication its dump could not price.
  unsigned unpriced = 0;
  llvm::SmallVector<JaxOrder, 2> jaxOrders;
};

/// The state of one planCandidates call.
class CandidatePlanner {
public:
  CandidatePlanner(const Slice &slice, const Placement &assignment,
                   const CandidateInputs &inputs, const PlanOptions &options,
                   MessageSink sink)
      : slice(slice), assignment(assignment), in(inputs), options(options),
        sink(sink) {
    for (const sharding::MeshAxis &axis : in.moduleMesh.axes)
      moduleSizes.push_back(axis.size);
  }

  llvm::Expected<CandidatePlan> run();

private:
  bool keepsSizes() const { return !in.fixedReason.empty(); }
  const CostOptions &cost() const { return options.search.cost; }
  double step(const CandidateEstimate &e, double comm) const {
    return stepTime(e, comm, in.estimateOptions.overlap);
  }
  const CandidateEstimate *obliviousChoice() const;
  llvm::Error selectToPlace();
  llvm::Expected<PricedStep> collectivesOf(const CandidateEstimate &estimate);
  MeshUtilsOrder meshUtilsOf(const CandidateEstimate &estimate) const;
  llvm::SmallVector<JaxOrder, 2>
  jaxOrdersOf(const CandidateEstimate &estimate) const;
  void audit();
  llvm::Error placeAll();
  llvm::Error addBaselines(llvm::StringRef name,
                           const CandidateEstimate *estimate, std::string note);
  llvm::Error addBaseline(std::string name, const CandidateEstimate &estimate,
                          const Placement &order, std::string orderName,
                          ArrayRef<WeightedCollective> step, std::string note);
  llvm::Error simulatePlan();
  void reportRanking();
  void listUnplaced();

  const Slice &slice;
  const Placement &assignment;
  const CandidateInputs &in;
  const PlanOptions &options;
  MessageSink sink;
  llvm::SmallVector<int64_t> moduleSizes;
  std::vector<DumpEntry> dumps;
  llvm::SmallPtrSet<const DumpEntry *, 4> usedDumps;
  const CandidateEstimate *own = nullptr, *oblivious = nullptr;
  llvm::SmallVector<const CandidateEstimate *> toPlace;
  CandidatePlan plan;
};

/// The candidate a topology-oblivious planner picks: the best step under
/// the per-axis alpha-beta model, which knows no placement. It chooses
/// among the meshes the plan may take: only the module's own when the mesh
/// keeps its axis sizes.
const CandidateEstimate *CandidatePlanner::obliviousChoice() const {
  AlphaBetaAxis axis = AlphaBetaAxis::forChip(slice.chip());
  const CandidateEstimate *choice = nullptr;
  double choiceScore = 0;
  for (const CandidateEstimate &e : in.estimates) {
    if (e.rejected || (keepsSizes() && ArrayRef<int64_t>(e.candidate.sizes) !=
                                           ArrayRef<int64_t>(moduleSizes)))
      continue;
    double comm = 0;
    for (const CollectiveUse &use : e.collectives)
      if (use.kind != ReshardKind::LocalSlice && use.count > 0)
        comm += use.count *
                alphaBetaSeconds(use.writtenSpec ? use.writtenSpec->kind
                                                 : toCollectiveKind(use.kind),
                                 use.bytes / use.count, use.groupSize, axis);
    double score = step(e, comm);
    if (!choice || score < choiceScore) {
      choice = &e;
      choiceScore = score;
    }
  }
  return choice;
}

/// What gets placed: the survivors of pruning, plus the candidates the
/// baselines name (so that the plan is searched over at least what each
/// baseline runs and can never be slower than it under the model).
llvm::Error CandidatePlanner::selectToPlace() {
  auto addToPlace = [&](const CandidateEstimate *estimate) {
    if (!llvm::is_contained(toPlace, estimate))
      toPlace.push_back(estimate);
  };
  for (ArrayRef<int64_t> sizes : in.survivors) {
    const CandidateEstimate *estimate = findEstimate(in.estimates, sizes);
    if (!estimate)
      return planError("a survivor is not among the candidates");
    if (keepsSizes() && ArrayRef<int64_t>(moduleSizes) != sizes) {
      std::string why = "candidate " + estimate->label +
                        " not placed: the mesh keeps its axis sizes because " +
                        in.fixedReason;
      sink(MessageKind::Remark, why);
      plan.unplaced.push_back(std::move(why));
      continue;
    }
    addToPlace(estimate);
  }
  if (toPlace.empty())
    return planError("no surviving candidate can be placed: the mesh keeps "
                     "its axis sizes because " +
                     in.fixedReason + ", and az-prune-candidates dropped them");
  auto excluded = [&](const CandidateEstimate *estimate) {
    return llvm::any_of(in.excluded, [&](ArrayRef<int64_t> sizes) {
      return ArrayRef<int64_t>(estimate->candidate.sizes) == sizes;
    });
  };
  if (own && !own->rejected && !excluded(own))
    addToPlace(own);
  if (oblivious && (!keepsSizes() || oblivious == own) && !excluded(oblivious))
    addToPlace(oblivious);
  if (options.exhaustive && slice.numDevices() > 8)
    return planError("exhaustive search is limited to 8 devices (8! = 40320 "
                     "placements); this slice has " +
                     Twine(slice.numDevices()));
  return llvm::Error::success();
}

/// The collectives that price a candidate: its compiled dump when the user
/// gave one (what XLA actually inserted), else those stage 1 derived.
llvm::Expected<PricedStep>
CandidatePlanner::collectivesOf(const CandidateEstimate &estimate) {
  const DumpEntry *dump = findDump(dumps, estimate.candidate.sizes);
  if (!dump)
    return PricedStep{
        stepCollectives(estimate, estimate.candidate.toMesh(in.moduleMesh)),
        "derived by stage 1 from the module's shardings"};
  auto dumped = loadDumpCollectives(dump->path, slice, slice.numDevices(),
                                    options.allowEmpty, sink);
  if (!dumped)
    return dumped.takeError();
  usedDumps.insert(dump);
  return PricedStep{std::move(dumped->step), "compiled HLO dump " + dump->path,
                    dumped->unpriced, std::move(dumped->priced)};
}

MeshUtilsOrder
CandidatePlanner::meshUtilsOf(const CandidateEstimate &estimate) const {
  return meshUtilsOrder(slice, assignment, estimate.candidate.sizes,
                        estimate.candidate.toMesh(in.moduleMesh).deviceIds);
}

llvm::SmallVector<JaxOrder, 2>
CandidatePlanner::jaxOrdersOf(const CandidateEstimate &estimate) const {
  return jaxOrders(slice, assignment, estimate.candidate.sizes,
                   estimate.candidate.toMesh(in.moduleMesh).deviceIds);
}

/// Collectives and seeds first (this reads dumps and may fail), then the
/// searches, which are independent and pure, in parallel.
llvm::Error CandidatePlanner::placeAll() {
  std::vector<Job> jobs;
  for (const CandidateEstimate *estimate : toPlace) {
    llvm::Expected<PricedStep> priced = collectivesOf(*estimate);
    if (!priced)
      return priced.takeError();
    Job job{estimate, std::move(priced->collectives), std::move(priced->source),
            {},       meshUtilsOf(*estimate),         priced->unpriced};
    job.seeds.push_back({assignment,
                         scorePlacement(slice, assignment, job.step, cost()),
                         "module order"});
    if (job.meshUtils.placement)
      job.seeds.push_back(
          {*job.meshUtils.placement,
           scorePlacement(slice, *job.meshUtils.placement, job.step, cost()),
           "mesh_utils order"});
    // Every order a JAX program may run the mesh on is a seed.
    job.jaxOrders = jaxOrdersOf(*estimate);
    for (const JaxOrder &order : job.jaxOrders)
      if (order.placement)
        job.seeds.push_back(
            {*order.placement,
             scorePlacement(slice, *order.placement, job.step, cost()),
             order.name});
    jobs.push_back(std::move(job));
  }
  std::vector<SearchResult> results(jobs.size());
  unsigned keep = std::max(options.search.topK, 1u);
  auto search = [&](size_t i) {
    const Job &job = jobs[i];
    results[i] = options.exhaustive
                     ? exhaustiveSearch(slice, job.step, keep, cost())
                     : searchPlacements(slice, job.estimate->candidate.sizes,
                                        job.step, job.seeds, options.search);
  };
  if (options.parallelFor)
    options.parallelFor(jobs.size(), search);
  else
    for (size_t i = 0; i < jobs.size(); ++i)
      search(i);

  for (auto [job, result] : llvm::zip(jobs, results)) {
    // The seeds compete with what the search returned (exhaustive search
    // does not see them), best first.
    llvm::SmallVector<RankedPlacement> top = result.ranked;
    for (const RankedPlacement &s : job.seeds)
      if (s.score < top.front().score)
        top.insert(top.begin(), s);
    if (top.size() > keep)
      top.erase(top.begin() + keep, top.end());
    RankedPlacement best = top.front();
    PlacedCandidate placed{*job.estimate,
                           best,
                           job.source,
                           step(*job.estimate, best.score.seconds),
                           job.seeds.front().score.seconds,
                           std::move(job.step),
                           result.evaluated,
                           std::move(job.meshUtils),
                           std::move(top),
                           job.unpriced};
    placed.jaxOrders = std::move(job.jaxOrders);
    placed.commLowerBound =
        stepLowerBoundSeconds(slice, placed.collectives, options.search.cost);
    placed.stepLowerBound = step(*job.estimate, placed.commLowerBound);
    placed.bestBySource = result.bestBySource;
    plan.placed.push_back(std::move(placed));
  }
  std::stable_sort(plan.placed.begin(), plan.placed.end(),
                   [](const PlacedCandidate &a, const PlacedCandidate &b) {
                     return a.stepSeconds < b.stepSeconds;
                   });
  return llvm::Error::success();
}

llvm::Error CandidatePlanner::addBaseline(std::string name,
                                          const CandidateEstimate &estimate,
                                          const Placement &order,
                                          std::string orderName,
                                          ArrayRef<WeightedCollective> step,
                                          std::string note) {
  Baseline b;
  b.name = std::move(name);
  b.label = estimate.label;
  b.computeSeconds = estimate.computeSeconds;
  b.commSeconds = scorePlacement(slice, order, step, cost()).seconds;
  b.seconds = this->step(estimate, b.commSeconds);
  b.note = std::move(note);
  if (estimate.rejected)
    b.rejected = estimate.rejectReason;
  b.orderName = std::move(orderName);
  b.mesh = estimate.candidate.toMesh(in.moduleMesh);
  b.placement = order;
  b.collectives.assign(step.begin(), step.end());
  if (options.simulate) {
    llvm::Expected<double> sim =
        simulateCommunication(slice, order, step, cost());
    if (!sim)
      return sim.takeError();
    b.simulatedCommSeconds = *sim;
  }
  plan.baselines.push_back(std::move(b));
  return llvm::Error::success();
}

/// The candidate \p estimate as a baseline on the module order and on JAX's
/// mesh_utils order.
llvm::Error CandidatePlanner::addBaselines(llvm::StringRef name,
                                           const CandidateEstimate *estimate,
                                           std::string note) {
  std::vector<WeightedCollective> collectives;
  MeshUtilsOrder meshUtils;
  llvm::SmallVector<JaxOrder, 2> orders;
  auto placed = llvm::find_if(plan.placed, [&](const PlacedCandidate &p) {
    return p.estimate.candidate.sizes == estimate->candidate.sizes;
  });
  if (placed != plan.placed.end()) {
    collectives = placed->collectives;
    meshUtils = placed->meshUtils;
    orders = placed->jaxOrders;
  } else {
    llvm::Expected<PricedStep> priced = collectivesOf(*estimate);
    if (!priced)
      return priced.takeError();
    collectives = std::move(priced->collectives);
    meshUtils = meshUtilsOf(*estimate);
    orders = jaxOrdersOf(*estimate);
  }
  if (llvm::Error err = addBaseline(
          name.str(), *estimate, assignment, "module order", collectives,
          note.empty() ? "sorted ids" : note + "; sorted ids"))
    return err;
  // The jax.devices() list order and jax.make_mesh's.
  for (const JaxOrder &order : orders) {
    std::string full = (name + " + " + order.name).str();
    if (!order.placement) {
      std::string none = "baseline " + full + ": none (" + order.note + ")";
      sink(MessageKind::Remark, none);
      plan.unplaced.push_back(std::move(none));
      continue;
    }
    std::string orderNote = note;
    if (!orderNote.empty())
      orderNote += "; ";
    if (llvm::Error err =
            addBaseline(full, *estimate, *order.placement, order.name,
                        collectives, orderNote + order.note))
      return err;
  }
  if (meshUtils.placement) {
    if (!note.empty() && !meshUtils.note.empty())
      note += "; ";
    return addBaseline((name + " + mesh_utils order").str(), *estimate,
                       *meshUtils.placement, "mesh_utils order", collectives,
                       note + meshUtils.note);
  }
  std::string none = "baseline " + name.str() + " + mesh_utils order: none (" +
                     meshUtils.note + ")";
  sink(MessageKind::Remark, none);
  plan.unplaced.push_back(std::move(none));
  return llvm::Error::success();
}

/// Each collective of the plan is simulated once; the plan's total is their
/// sum weighted by the counts (what simulateSequence does), and each is kept
/// next to its analytic time so that a disagreement can be traced.
llvm::Error CandidatePlanner::simulatePlan() {
  const PlacedCandidate &winner = plan.winner();
  plan.simulatedCommSeconds = 0;
  for (const WeightedCollective &c : winner.collectives) {
    llvm::Expected<double> one = simulateCommunication(
        slice, winner.best.placement, {WeightedCollective{c.spec, 1}}, cost());
    if (!one)
      return one.takeError();
    *plan.simulatedCommSeconds += c.count * *one;
    // A permute is so many groups of 2 (its pairs); no groups at all is
    // one group of every device.
    SimulatedCollective sim{c.spec.kind, slice.numDevices(), 1};
    if (!c.spec.pairs.empty()) {
      sim.groups = int64_t(c.spec.pairs.size());
      sim.groupSize = 2;
    } else if (!c.spec.groups.empty()) {
      sim.groups = int64_t(c.spec.groups.size());
      sim.groupSize = int64_t(c.spec.groups[0].size());
    }
    sim.bytes = c.spec.bytes;
    sim.count = c.count;
    sim.analyticSeconds =
        estimateCollective(slice, winner.best.placement, c.spec, cost())
            .seconds;
    sim.simulatedSeconds = *one;
    plan.simulatedCollectives.push_back(sim);
  }
  return llvm::Error::success();
}

/// What a reviewer checks the search against, for the winner's collectives:
/// random placements and, on slices of at most 8 devices, every placement.
void CandidatePlanner::audit() {
  const PlacedCandidate &winner = plan.winner();
  PlanAudit audit;
  audit.randomPlacements = options.auditRandom;
  audit.randomBestSeconds =
      bestRandomPlacement(slice, winner.collectives, options.auditRandom,
                          /*seed=*/1, options.search.cost)
          .score.seconds;
  if (slice.numDevices() <= 8)
    audit.exhaustiveSeconds = exhaustiveSearch(slice, winner.collectives, 1)
                                  .ranked.front()
                                  .score.seconds;
  plan.audit = audit;
}

void CandidatePlanner::reportRanking() {
  const PlacedCandidate &winner = plan.winner();
  for (auto [rank, p] : llvm::enumerate(plan.placed))
    sink(MessageKind::Remark,
         "candidate #" + Twine(rank + 1) + " " + p.estimate.label + ": step " +
             formatSeconds(p.stepSeconds) + " (compute " +
             formatSeconds(p.estimate.computeSeconds) + ", communication " +
             formatSeconds(p.best.score.seconds) + " placed, " +
             formatSeconds(p.moduleOrderCommSeconds) +
             " on the module order) with " + p.best.origin + "; collectives " +
             p.source + "; communication lower bound " +
             formatSeconds(p.commLowerBound));
  for (const Baseline &b : plan.baselines) {
    double ratio =
        winner.stepSeconds > 0 ? b.seconds / winner.stepSeconds : 1.0;
    std::string verdict =
        b.rejected.empty()
            ? "the plan is " + llvm::formatv("{0:f2}", ratio).str() +
                  "x faster"
            : std::string("it cannot run (stage 1 rejects its mesh), so "
                          "the plan is not compared with it");
    sink(MessageKind::Remark, "baseline " + b.name + " (" + b.label +
                                  "): step " + formatSeconds(b.seconds) +
                                  "; " + verdict +
                                  (b.note.empty() ? "" : " (" + b.note + ")"));
  }
  if (plan.simulatedCommSeconds)
    sink(MessageKind::Remark,
         "simulated communication of the plan: " +
             formatSeconds(*plan.simulatedCommSeconds) + " (analytic " +
             formatSeconds(winner.best.score.seconds) + ")");
}

/// One line per candidate that was neither placed nor already said to be
/// kept out: rejected by stage 1, or pruned.
void CandidatePlanner::listUnplaced() {
  for (const CandidateEstimate &e : in.estimates) {
    if (llvm::is_contained(toPlace, &e))
      continue;
    if (e.rejected) {
      plan.unplaced.push_back("candidate " + e.label +
                              " rejected by stage 1: " + e.rejectReason);
      continue;
    }
    bool survived = llvm::any_of(in.survivors, [&](ArrayRef<int64_t> sizes) {
      return sizes == ArrayRef<int64_t>(e.candidate.sizes);
    });
    if (survived)
      continue;
    plan.unplaced.push_back("candidate " + e.label +
                            " pruned by az-prune-candidates (step estimate " +
                            formatSeconds(e.totalSeconds) + ", lower bound " +
                            formatSeconds(e.lowerBoundSeconds) + ")");
  }
}

llvm::Expected<CandidatePlan> CandidatePlanner::run() {
  plan.fixedReason = in.fixedReason;
  plan.cost = cost();
  auto parsed = parseDumpEntries(in.hloDumps, moduleSizes, slice.numDevices());
  if (!parsed)
    return parsed.takeError();
  dumps = std::move(*parsed);
  own = findEstimate(in.estimates, moduleSizes);
  oblivious = obliviousChoice();
  if (llvm::Error err = selectToPlace())
    return std::move(err);
  if (llvm::Error err = placeAll())
    return std::move(err);
  if (own) {
    std::string note =
        own->rejected ? "rejected by stage 1: " + own->rejectReason : "";
    if (llvm::Error err = addBaselines("module as written", own, note))
      return std::move(err);
  }
  if (oblivious)
    if (llvm::Error err = addBaselines(
            "topology-oblivious (alpha-beta) planner", oblivious, ""))
      return std::move(err);
  for (const DumpEntry &dump : dumps)
    if (!usedDumps.contains(&dump))
      sink(MessageKind::Warning,
           "hlo-dump '" + dump.path +
               "' is not used: its candidate did not survive "
               "az-prune-candidates or cannot be placed");
  if (options.simulate)
    if (llvm::Error err = simulatePlan())
      return std::move(err);
  if (options.emitRemarks)
    reportRanking();
  listUnplaced();
  if (options.auditRandom > 0)
    audit();
  const PlacedCandidate &winner = plan.winner();
  plan.chosenMesh = winner.estimate.candidate.toMesh(in.moduleMesh);
  plan.sigma = relabellingFor(assignment, winner.best.placement);
  return std::move(plan);
}

} // namespace

llvm::Expected<CandidatePlan> planCandidates(const Slice &slice,
                                             const Placement &assignment,
                                             const CandidateInputs &inputs,
                                             const PlanOptions &options,
                                             MessageSink sink) {
  return CandidatePlanner(slice, assignment, inputs, options, sink).run();
}

} // namespace aoizora::plan
