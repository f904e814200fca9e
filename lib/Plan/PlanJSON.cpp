//===- PlanJSON.cpp - The JSON plan file ----------------------------------===//
//
// Both kinds of plan write the same core (docs/architecture.md, "The plan
// file"): the slice, the logical mesh, the device order sigma, where each
// logical device sits, the ranking, the baselines and the JAX snippet. The
// stage-1 plan adds the chosen candidate and every placed candidate.
//
//===----------------------------------------------------------------------===//

#include "AoiZora/Plan/Plan.h"

using llvm::ArrayRef;
using llvm::json::Array;
using llvm::json::Object;

namespace aoizora::plan {

/// The fields both kinds of plan share.
static Object planCore(const Slice &slice, const SearchResult &result,
                       ArrayRef<RankedPlacement> baselines,
                       ArrayRef<int64_t> sigma, const LogicalMesh &mesh,
                       llvm::StringRef source) {
  const Placement &best = result.ranked.front().placement;
  Array placement;
  for (unsigned i = 0; i < best.numDevices(); ++i) {
    ChipCoords c = slice.coordsOf(best.chipOf(i));
    placement.push_back(
        Object{{"logical_id", i},
               {"device_id", sigma[i]},
               {"coords", Array(ArrayRef<int>(c.data(), slice.numDims()))},
               {"core_on_chip", best.slotOf(i)}});
  }
  Array ranking;
  for (const RankedPlacement &entry : result.ranked)
    ranking.push_back(Object{{"origin", entry.origin},
                             {"seconds", entry.score.seconds},
                             {"max_link_bytes", entry.score.maxLinkBytes}});
  Array baselineArray;
  for (const RankedPlacement &baseline : baselines)
    baselineArray.push_back(
        Object{{"name", baseline.origin},
               {"seconds", baseline.score.seconds},
               {"max_link_bytes", baseline.score.maxLinkBytes}});
  return Object{{"topology", slice.str()},
                {"num_devices", slice.numDevices()},
                {"collective_source", source},
                {"logical_mesh", Object{{"shape", Array(mesh.shape)},
                                        {"axes", Array(mesh.axisNames)},
                                        {"note", mesh.note}}},
                {"device_order", Array(sigma)},
                {"placement", std::move(placement)},
                {"modeled_seconds", result.ranked.front().score.seconds},
                {"baselines", std::move(baselineArray)},
                {"ranking", std::move(ranking)},
                {"placements_scored", result.evaluated},
                {"jax_mesh_snippet", jaxSnippet(sigma, mesh)}};
}

llvm::json::Value ExplicitPlan::toJSON(const Slice &slice) const {
  Object root = planCore(slice, result, baselines, sigma, mesh, step.source);
  root["cost"] = step.unpriced ? "incomplete" : "complete";
  root["unpriced_communication"] = step.unpriced;
  if (step.dumpCollectives)
    root["dump_collectives"] = llvm::json::Array(*step.dumpCollectives);
  // With explicit device_ids the search saw one flat axis, but JAX needs
  // the mesh as written: position p holds the planned device of the id the
  // mesh puts there.
  if (!writtenDeviceIds.empty()) {
    llvm::SmallVector<int64_t> order;
    for (int64_t id : writtenDeviceIds)
      order.push_back(sigma[id]);
    root["jax_mesh_snippet"] = jaxSnippet(order, writtenMesh);
  }
  if (simulatedSeconds) {
    root["simulated_seconds"] = *simulatedSeconds;
    Array &entries = *root.getArray("baselines");
    for (auto [entry, sim] : llvm::zip(entries, simulatedBaselines))
      (*entry.getAsObject())["simulated_seconds"] = sim;
  }
  root["lower_bound_seconds"] = lowerBoundSeconds;
  if (lowerBoundSeconds > 0)
    root["gap_to_lower_bound"] = best().score.seconds / lowerBoundSeconds;
  return root;
}

/// The chosen candidate, with its simulation when there is one.
static Object candidateJSON(const CandidatePlan &plan) {
  const PlacedCandidate &winner = plan.winner();
  Object candidate{{"label", winner.estimate.label},
                   {"sizes", Array(winner.estimate.candidate.sizes)},
                   {"mesh", sharding::printMesh(plan.chosenMesh)},
                   {"compute_seconds", winner.estimate.computeSeconds},
                   {"communication_seconds", winner.best.score.seconds},
                   {"communication_lower_bound_seconds",
                    winner.commLowerBound},
                   {"step_seconds", winner.stepSeconds},
                   {"cost", winner.unpriced ? "incomplete" : "complete"}};
  if (plan.simulatedCommSeconds)
    candidate["simulated_communication_seconds"] = *plan.simulatedCommSeconds;
  return candidate;
}

static Array simulatedCollectivesJSON(const CandidatePlan &plan) {
  Array out;
  for (const SimulatedCollective &c : plan.simulatedCollectives)
    out.push_back(Object{{"kind", stringifyCollectiveKind(c.kind)},
                         {"group_size", c.groupSize},
                         {"groups", c.groups},
                         {"bytes", c.bytes},
                         {"count", c.count},
                         {"analytic_seconds", c.analyticSeconds},
                         {"simulated_seconds", c.simulatedSeconds}});
  return out;
}

static Array candidatesJSON(const CandidatePlan &plan) {
  Array candidates;
  for (const PlacedCandidate &p : plan.placed)
    candidates.push_back(
        Object{{"label", p.estimate.label},
               {"step_seconds", p.stepSeconds},
               {"communication_seconds_placed", p.best.score.seconds},
               {"communication_seconds_module_order", p.moduleOrderCommSeconds},
               {"communication_lower_bound_seconds", p.commLowerBound},
               {"compute_seconds", p.estimate.computeSeconds},
               {"placement_origin", p.best.origin},
               {"collective_source", p.source},
               {"cost", p.unpriced ? "incomplete" : "complete"}});
  return candidates;
}

static Array baselinesJSON(const CandidatePlan &plan) {
  Array baselines;
  for (const Baseline &b : plan.baselines) {
    Object entry{{"name", b.name},
                 {"candidate", b.label},
                 {"step_seconds", b.seconds},
                 {"communication_seconds", b.commSeconds},
                 {"note", b.note},
                 {"runs", b.rejected.empty()}};
    if (!b.rejected.empty())
      entry["rejected"] = b.rejected;
    if (b.simulatedCommSeconds)
      entry["simulated_communication_seconds"] = *b.simulatedCommSeconds;
    baselines.push_back(std::move(entry));
  }
  return baselines;
}

llvm::json::Value CandidatePlan::toJSON(const Slice &slice,
                                        const Placement &assignment) const {
  const PlacedCandidate &w = winner();
  LogicalMesh logical =
      LogicalMesh::of(chosenMesh, "candidate " + w.estimate.label);
  SearchResult shown;
  shown.ranked = w.topPlacements;
  shown.evaluated = w.evaluated;
  RankedPlacement moduleOrder{assignment,
                              scorePlacement(slice, assignment, w.collectives, cost),
                              "module order"};
  Object root = planCore(slice, shown, {moduleOrder}, sigma, logical, w.source);
  // Mesh position p holds the id device_ids[p] (p when iota); JAX's mesh
  // takes the device planned for that id.
  llvm::SmallVector<int64_t> snippetOrder(sigma);
  if (!chosenMesh.deviceIds.empty()) {
    snippetOrder.clear();
    for (int64_t id : chosenMesh.deviceIds)
      snippetOrder.push_back(sigma[id]);
  }
  root["jax_mesh_snippet"] = jaxSnippet(snippetOrder, logical);
  root["candidate"] = candidateJSON(*this);
  if (simulatedCommSeconds)
    root["simulated_collectives"] = simulatedCollectivesJSON(*this);
  root["modeled_seconds"] = w.stepSeconds;
  root["candidates"] = candidatesJSON(*this);
  root["baselines"] = baselinesJSON(*this);
  // No placement of the winner's collectives beats the bound; the gap is
  // what the search may have left, or what the bound does not see
  // (contention between groups, ring steps on open lines).
  root["lower_bound"] = Object{
      {"communication_seconds", w.commLowerBound},
      {"step_seconds", w.stepLowerBound},
      {"communication_gap", w.commLowerBound > 0
                                ? w.best.score.seconds / w.commLowerBound
                                : 1.0}};
  if (audit) {
    Array sources;
    for (const auto &[name, score] : w.bestBySource)
      sources.push_back(
          Object{{"source", name}, {"communication_seconds", score.seconds}});
    Object entry{{"candidate", w.estimate.label},
                 {"plan_communication_seconds", w.best.score.seconds},
                 {"random_placements", int64_t(audit->randomPlacements)},
                 {"random_best_communication_seconds",
                  audit->randomBestSeconds},
                 {"sources", std::move(sources)},
                 {"communication_lower_bound_seconds", w.commLowerBound}};
    if (audit->exhaustiveSeconds)
      entry["exhaustive_communication_seconds"] = *audit->exhaustiveSeconds;
    root["audit"] = std::move(entry);
  }
  if (!fixedReason.empty())
    root["mesh_sizes_fixed_because"] = fixedReason;
  return root;
}

} // namespace aoizora::plan
