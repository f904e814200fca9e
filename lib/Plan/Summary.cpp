//===- Summary.cpp - The plan as one aligned table ------------------------===//

#include "AoiZora/Plan/Summary.h"

#include <fmt/format.h>

namespace aoizora::plan {

TextTable::TextTable(std::vector<std::string> header,
                     std::vector<bool> rightAligned)
    : right(std::move(rightAligned)) {
  right.resize(header.size(), false);
  rows.push_back(std::move(header));
}

void TextTable::addRow(std::vector<std::string> cells) {
  cells.resize(rows.front().size());
  rows.push_back(std::move(cells));
}

std::string TextTable::str() const {
  std::vector<size_t> width(right.size(), 0);
  for (const std::vector<std::string> &row : rows)
    for (size_t c = 0; c < row.size(); ++c)
      width[c] = std::max(width[c], row[c].size());
  std::string out;
  for (const std::vector<std::string> &row : rows) {
    std::string line;
    for (size_t c = 0; c < row.size(); ++c) {
      if (c)
        line += "  ";
      line += right[c] ? fmt::format("{:>{}}", row[c], width[c])
                       : fmt::format("{:<{}}", row[c], width[c]);
    }
    while (!line.empty() && line.back() == ' ')
      line.pop_back();
    out += line + "\n";
  }
  return out;
}

static std::string ratio(double seconds, double planSeconds) {
  return fmt::format("{:.2f}x", planSeconds > 0 ? seconds / planSeconds : 1.0);
}

static TextTable planTable() {
  return TextTable(
      {"", "mesh", "compute", "communication", "step", "vs plan", "order"},
      {false, false, true, true, true, true, false});
}

/// "x=2,y=4" for a logical mesh.
static std::string meshLabel(const LogicalMesh &mesh) {
  std::string label;
  for (size_t i = 0; i < mesh.shape.size(); ++i)
    label +=
        fmt::format("{}{}={}", i ? "," : "", mesh.axisNames[i], mesh.shape[i]);
  return label;
}

static std::string unpricedLines(llvm::ArrayRef<std::string> lines) {
  std::string out;
  if (!lines.empty())
    out += "\nnot priced or rejected:\n";
  for (const std::string &line : lines)
    out += "  " + line + "\n";
  return out;
}

std::string summarize(const Slice &slice, const CandidatePlan &plan) {
  const PlacedCandidate &winner = plan.winner();
  TextTable table = planTable();
  for (auto [rank, p] : llvm::enumerate(plan.placed))
    table.addRow({rank ? fmt::format("candidate #{}", rank + 1)
                       : std::string("plan (candidate #1)"),
                  p.estimate.label, formatSeconds(p.estimate.computeSeconds),
                  formatSeconds(p.best.score.seconds),
                  formatSeconds(p.stepSeconds),
                  ratio(p.stepSeconds, winner.stepSeconds), p.best.origin});
  for (const Baseline &b : plan.baselines)
    table.addRow({"baseline " + b.name, b.label,
                  formatSeconds(b.computeSeconds), formatSeconds(b.commSeconds),
                  formatSeconds(b.seconds),
                  b.rejected.empty() ? ratio(b.seconds, winner.stepSeconds)
                                     : std::string("cannot run"),
                  b.orderName});
  std::string out = fmt::format(
      "az-place plan on {} ({} devices): {} placed on {}, step {}; "
      "collectives {}\n\n",
      slice.str(), slice.numDevices(), winner.estimate.label,
      winner.best.origin, formatSeconds(winner.stepSeconds), winner.source);
  return out + table.str() + unpricedLines(plan.unplaced);
}

std::string summarize(const Slice &slice, const ExplicitPlan &plan) {
  const RankedPlacement &best = plan.best();
  std::string mesh = meshLabel(plan.mesh);
  TextTable table = planTable();
  for (auto [rank, entry] : llvm::enumerate(plan.result.ranked))
    table.addRow({rank ? fmt::format("placement #{}", rank + 1)
                       : std::string("plan (placement #1)"),
                  mesh, "-", formatSeconds(entry.score.seconds),
                  formatSeconds(entry.score.seconds),
                  ratio(entry.score.seconds, best.score.seconds),
                  entry.origin});
  for (const RankedPlacement &b : plan.baselines)
    table.addRow({"baseline " + b.origin.substr(0, b.origin.find(" (")), mesh,
                  "-", formatSeconds(b.score.seconds),
                  formatSeconds(b.score.seconds),
                  ratio(b.score.seconds, best.score.seconds), b.origin});
  std::string out = fmt::format(
      "az-place plan on {} ({} devices): mesh {} placed on {}, "
      "communication {} per step ({} placements scored); collectives {}\n\n",
      slice.str(), slice.numDevices(), mesh, best.origin,
      formatSeconds(best.score.seconds), plan.result.evaluated,
      plan.step.source);
  return out + table.str() + unpricedLines(plan.unplaced);
}

} // namespace aoizora::plan
