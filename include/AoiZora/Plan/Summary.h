//===- Summary.h - The plan as one aligned table ----------------*- C++ -*-===//
//
// `summary-file=`: every placed candidate and every baseline on one line
// each (mesh, compute, communication, step, ratio to the plan, the order
// it runs on), then one line per item that was not priced or was
// rejected, with why. What a user reads first; the remarks keep the
// detail.
//
//===----------------------------------------------------------------------===//

#ifndef AOIZORA_PLAN_SUMMARY_H
#define AOIZORA_PLAN_SUMMARY_H

#include "AoiZora/Plan/Plan.h"

namespace aoizora::plan {

/// Cells in columns, padded to the widest cell of each column; numeric
/// columns are right-aligned.
class TextTable {
public:
  explicit TextTable(std::vector<std::string> header,
                     std::vector<bool> rightAligned);
  void addRow(std::vector<std::string> cells);
  std::string str() const;

private:
  std::vector<std::vector<std::string>> rows;
  std::vector<bool> right;
};

/// The summary of a stage-1 plan.
std::string summarize(const Slice &slice, const CandidatePlan &plan);
/// The summary of a partitioned module's plan (communication only: the
/// module's compute is not modeled on this path).
std::string summarize(const Slice &slice, const ExplicitPlan &plan);

} // namespace aoizora::plan

#endif // AOIZORA_PLAN_SUMMARY_H
