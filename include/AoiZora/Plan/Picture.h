//===- Picture.h - The plan drawn as the slice's grid -----------*- C++ -*-===//
//
// `picture-file=PATH.svg`: the slice as its grid of chips (3D slices as
// z-planes side by side), each chip labelled with its device id and the
// logical mesh coordinates of the device on it and coloured by its group
// along one mesh axis, each directed ICI link (wraparound links included)
// shaded by the bytes it carries per step. The plan and the best baseline
// are drawn side by side with their step times, over one legend, so that
// a user sees which chip holds which logical device and which links are
// hot. Plain SVG text; `rsvg-convert` renders it.
//
//===----------------------------------------------------------------------===//

#ifndef AOIZORA_PLAN_PICTURE_H
#define AOIZORA_PLAN_PICTURE_H

#include "AoiZora/Plan/Plan.h"

namespace aoizora::plan {

/// One placement to draw.
struct PictureSide {
  /// "plan: cfg=2,sp=8,tp=1", and its times.
  std::string title;
  std::string subtitle;
  /// The logical mesh (axis names and sizes; device_ids when not iota):
  /// where each logical device sits in it, and so its group along an axis.
  sharding::Mesh mesh;
  Placement placement;
  std::vector<WeightedCollective> step;
};

/// The plan and the best baseline (the one with the least step time).
std::vector<PictureSide> pictureSides(const CandidatePlan &plan);
std::vector<PictureSide> pictureSides(const ExplicitPlan &plan);

/// The mesh axis that carries the most bytes in \p side's step (the
/// collectives whose groups run along exactly that axis count for it; groups
/// over several axes count for each), or the first axis when none moves.
std::string busiestAxis(const PictureSide &side);

/// The SVG picture of \p sides on \p slice; \p assignment says which device
/// id sits on a chip. Chips are coloured by their group along \p axis (""
/// for busiestAxis of the first side); an axis that the first side's mesh
/// does not have is an error.
llvm::Expected<std::string> drawPicture(const Slice &slice,
                                        const Placement &assignment,
                                        llvm::ArrayRef<PictureSide> sides,
                                        llvm::StringRef axis);

} // namespace aoizora::plan

#endif // AOIZORA_PLAN_PICTURE_H
