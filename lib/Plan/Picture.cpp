//===- Picture.cpp - The plan drawn as the slice's grid -------------------===//
//
// Layout: one panel per side, left to right; in a panel the z-planes of the
// slice left to right, each an x (columns) by y (rows) grid of chip boxes.
// A directed link along x or y is an arrow in the gap between two boxes,
// +x/+y arrows above/left of the centre line, -x/-y below/right. A
// wraparound link is a stub leaving the last chip and a stub entering the
// first. Links along z are two small bars at the foot of each box (+z
// left, -z right). Link colour and width grow with the bytes per step, on
// one scale for all panels.
//
//===----------------------------------------------------------------------===//

#include "AoiZora/Plan/Picture.h"

#include "llvm/ADT/StringExtras.h"

#include <fmt/format.h>

#include <cmath>
#include <map>

using llvm::ArrayRef;

namespace aoizora::plan {

namespace {
constexpr double kBox = 64, kGap = 30, kCell = kBox + kGap;
constexpr double kPlaneGap = 40, kPanelGap = 70, kMargin = 30, kHeader = 64;

/// "(a,b,c)".
std::string coordText(ArrayRef<int64_t> coords) {
  std::string text = "(";
  for (size_t i = 0; i < coords.size(); ++i)
    text += (i ? "," : "") + std::to_string(coords[i]);
  return text + ")";
}

std::string escape(llvm::StringRef text) {
  std::string out;
  for (char c : text) {
    if (c == '&')
      out += "&amp;";
    else if (c == '<')
      out += "&lt;";
    else if (c == '>')
      out += "&gt;";
    else if (c == '"')
      out += "&quot;";
    else
      out += c;
  }
  return out;
}

/// Where each logical device sits in a mesh.
struct MeshPositions {
  llvm::SmallVector<int64_t> shape;
  /// coords[i]: the mesh coordinates of logical device i.
  std::vector<llvm::SmallVector<int64_t, 4>> coords;

  explicit MeshPositions(const sharding::Mesh &mesh) {
    for (const sharding::MeshAxis &axis : mesh.axes)
      shape.push_back(axis.size);
    llvm::SmallVector<int64_t> ids = mesh.deviceIdsOrIota();
    coords.resize(ids.size());
    for (auto [position, id] : llvm::enumerate(ids)) {
      if (id < 0 || size_t(id) >= ids.size())
        continue;
      llvm::SmallVector<int64_t, 4> c(shape.size());
      int64_t rest = int64_t(position);
      for (size_t a = shape.size(); a-- > 0;) {
        c[a] = rest % shape[a];
        rest /= shape[a];
      }
      coords[id] = std::move(c);
    }
  }

  /// The group of \p device along \p axis: the row-major index of its
  /// coordinates with the axis left out.
  int64_t groupOf(unsigned device, size_t axis) const {
    int64_t group = 0;
    for (size_t a = 0; a < shape.size(); ++a)
      if (a != axis && device < coords.size() && !coords[device].empty())
        group = group * shape[a] + coords[device][a];
    return group;
  }
  int64_t numGroups(size_t axis) const {
    int64_t n = 1;
    for (size_t a = 0; a < shape.size(); ++a)
      if (a != axis)
        n *= shape[a];
    return n;
  }
};

/// A pastel colour per group, spread around the hue circle.
std::string groupColour(int64_t group, int64_t groups) {
  double hue = groups > 0 ? 360.0 * double(group) / double(groups) : 0;
  // Alternate lightness so neighbouring hues stay apart with many groups.
  int light = group % 2 ? 72 : 82;
  return fmt::format("hsl({:.0f},65%,{}%)", hue, light);
}

/// From light grey (no load) through orange to dark red (the most loaded
/// link of the picture).
std::string loadColour(double fraction) {
  if (fraction <= 0)
    return "#d0d0d0";
  double f = std::min(1.0, fraction);
  int r = int(std::lround(250 - 70 * f));
  int g = int(std::lround(200 * (1 - f)));
  int b = int(std::lround(60 * (1 - f)));
  return fmt::format("rgb({},{},{})", r, g, b);
}

/// Bytes per step on every directed link.
std::vector<double> linkLoads(const Slice &slice, const PictureSide &side) {
  std::vector<double> load(slice.numLinkSlots(), 0);
  for (const WeightedCollective &c : side.step) {
    CollectiveCost cost = estimateCollective(slice, side.placement, c.spec);
    for (size_t l = 0; l < cost.linkBytes.size() && l < load.size(); ++l)
      load[l] += c.count * cost.linkBytes[l];
  }
  return load;
}

class Drawing {
public:
  Drawing(const Slice &slice, const Placement &assignment,
          ArrayRef<PictureSide> sides, std::string axis)
      : slice(slice), assignment(assignment), sides(sides),
        axis(std::move(axis)) {
    for (const PictureSide &side : sides) {
      loads.push_back(linkLoads(slice, side));
      for (double l : loads.back())
        maxLoad = std::max(maxLoad, l);
    }
    planes = slice.numDims() > 2 ? slice.extent(2) : 1;
    panelWidth = planes * (slice.extent(0) * kCell) + (planes - 1) * kPlaneGap;
    // Room for the titles (about 9.5 px a character at 16 px bold, 6.8 px
    // at 12 px).
    for (const PictureSide &side : sides)
      panelWidth = std::max({panelWidth, 9.5 * double(side.title.size()),
                             6.8 * double(side.subtitle.size())});
    panelHeight = (slice.numDims() > 1 ? slice.extent(1) : 1) * kCell;
  }

  std::string draw();

private:
  double chipX(unsigned panel, const ChipCoords &c) const {
    return kMargin + panel * (panelWidth + kPanelGap) +
           c[2] * (slice.extent(0) * kCell + kPlaneGap) + c[0] * kCell +
           kGap / 2;
  }
  double chipY(const ChipCoords &c) const {
    return kMargin + kHeader + c[1] * kCell + kGap / 2;
  }
  void line(double x1, double y1, double x2, double y2, double load);
  void drawPanel(unsigned panel);
  void drawChip(unsigned panel, unsigned chip, const MeshPositions &positions,
                size_t axisIndex);
  void drawLinks(unsigned panel);
  void drawLegend(double top);
  std::vector<std::string> legendLines() const;
  double legendHeight() const;

  const Slice &slice;
  const Placement &assignment;
  ArrayRef<PictureSide> sides;
  std::string axis;
  std::vector<std::vector<double>> loads;
  double maxLoad = 0;
  int planes = 1;
  double panelWidth = 0, panelHeight = 0;
  std::string out;
};

void Drawing::line(double x1, double y1, double x2, double y2, double load) {
  double f = maxLoad > 0 ? load / maxLoad : 0;
  out += fmt::format("<line x1=\"{:.1f}\" y1=\"{:.1f}\" x2=\"{:.1f}\" "
                     "y2=\"{:.1f}\" stroke=\"{}\" stroke-width=\"{:.1f}\" "
                     "marker-end=\"url(#arrow)\"/>\n",
                     x1, y1, x2, y2, loadColour(f), 1.2 + 3.5 * f);
}

void Drawing::drawChip(unsigned panel, unsigned chip,
                       const MeshPositions &positions, size_t axisIndex) {
  const ChipCoords &c = slice.coordsOf(chip);
  double x = chipX(panel, c), y = chipY(c);
  const PictureSide &side = sides[panel];
  unsigned perChip = slice.chip().devicesPerChip;
  std::vector<unsigned> logical;
  for (unsigned i = 0; i < side.placement.numDevices(); ++i)
    if (side.placement.chipOf(i) == chip)
      logical.push_back(i);
  std::string fill = "#ffffff";
  if (!logical.empty() && axisIndex < positions.shape.size())
    fill = groupColour(positions.groupOf(logical.front(), axisIndex),
                       positions.numGroups(axisIndex));
  out += fmt::format("<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"{}\" "
                     "height=\"{}\" rx=\"6\" fill=\"{}\" stroke=\"#555\"/>\n",
                     x, y, kBox, kBox, fill);
  std::string ids, coords;
  for (unsigned i : logical) {
    unsigned device =
        assignment.deviceAt(side.placement.chipOf(i), side.placement.slotOf(i));
    ids += (ids.empty() ? "d" : " d") + std::to_string(device);
    if (i < positions.coords.size())
      coords += (coords.empty() ? "" : " ") + coordText(positions.coords[i]);
  }
  double fontSize = perChip > 1 ? 9 : 12;
  out += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" font-size=\"{}\" "
                     "font-weight=\"bold\" text-anchor=\"middle\">{}</text>\n",
                     x + kBox / 2, y + 24, fontSize + 2, escape(ids));
  out += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" font-size=\"{}\" "
                     "text-anchor=\"middle\">{}</text>\n",
                     x + kBox / 2, y + 42, fontSize - 2, escape(coords));
  // Links along z: +z (left) and -z (right) bars at the foot of the box.
  if (slice.numDims() > 2)
    for (int dir : {+1, -1}) {
      LinkId link = slice.linkId(chip, 2, dir);
      if (link == kNoLink)
        continue;
      double f = maxLoad > 0 ? loads[panel][link] / maxLoad : 0;
      out += fmt::format("<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"{}\" "
                         "height=\"7\" fill=\"{}\"><title>{}z</title></rect>\n",
                         x + (dir > 0 ? 8 : kBox / 2 + 4), y + kBox - 12,
                         kBox / 2 - 12, loadColour(f), dir > 0 ? "+" : "-");
    }
}

void Drawing::drawLinks(unsigned panel) {
  for (LinkId link : slice.links()) {
    LinkInfo info = slice.linkInfo(link);
    if (info.dim > 1)
      continue;
    const ChipCoords &from = slice.coordsOf(info.fromChip);
    const ChipCoords &to = slice.coordsOf(info.toChip);
    double load = loads[panel][link];
    // Offset from the centre line: + direction above (x) / left (y).
    double off = info.direction > 0 ? -8 : 8;
    double fx = chipX(panel, from), fy = chipY(from);
    double tx = chipX(panel, to), ty = chipY(to);
    bool wraps = info.dim == 0 ? std::abs(from[0] - to[0]) > 1
                               : std::abs(from[1] - to[1]) > 1;
    if (info.dim == 0) {
      double y = fy + kBox / 2 + off;
      double fromEdge = info.direction > 0 ? fx + kBox : fx;
      double toEdge = info.direction > 0 ? tx : tx + kBox;
      double stub = info.direction > 0 ? kGap - 6 : -(kGap - 6);
      if (!wraps)
        line(fromEdge + (info.direction > 0 ? 2 : -2), y,
             toEdge - (info.direction > 0 ? 4 : -4), y, load);
      else {
        line(fromEdge, y, fromEdge + stub, y, load);
        line(toEdge - stub, y, toEdge - (info.direction > 0 ? 4 : -4), y, load);
      }
    } else {
      double x = fx + kBox / 2 + off;
      double fromEdge = info.direction > 0 ? fy + kBox : fy;
      double toEdge = info.direction > 0 ? ty : ty + kBox;
      double stub = info.direction > 0 ? kGap - 6 : -(kGap - 6);
      if (!wraps)
        line(x, fromEdge + (info.direction > 0 ? 2 : -2), x,
             toEdge - (info.direction > 0 ? 4 : -4), load);
      else {
        line(x, fromEdge, x, fromEdge + stub, load);
        line(x, toEdge - stub, x, toEdge - (info.direction > 0 ? 4 : -4), load);
      }
    }
  }
}

void Drawing::drawPanel(unsigned panel) {
  const PictureSide &side = sides[panel];
  double left = kMargin + panel * (panelWidth + kPanelGap);
  out += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" font-size=\"16\" "
                     "font-weight=\"bold\">{}</text>\n",
                     left, kMargin + 16, escape(side.title));
  out += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" font-size=\"12\">{}"
                     "</text>\n",
                     left, kMargin + 34, escape(side.subtitle));
  if (planes > 1)
    for (int z = 0; z < planes; ++z)
      out += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" font-size=\"12\" "
                         "fill=\"#444\">z = {}</text>\n",
                         chipX(panel, {0, 0, z}), kMargin + kHeader - 8, z);
  MeshPositions positions(side.mesh);
  size_t axisIndex = positions.shape.size();
  for (auto [i, a] : llvm::enumerate(side.mesh.axes))
    if (a.name == axis)
      axisIndex = i;
  drawLinks(panel);
  for (unsigned chip = 0; chip < slice.numChips(); ++chip)
    drawChip(panel, chip, positions, axisIndex);
}

/// The legend's lines of text, each followed by what is drawn under it.
std::vector<std::string> Drawing::legendLines() const {
  const PictureSide &first = sides.front();
  MeshPositions positions(first.mesh);
  int64_t groups = 1, axisSize = 1;
  for (auto [i, a] : llvm::enumerate(first.mesh.axes))
    if (a.name == axis) {
      groups = positions.numGroups(i);
      axisSize = a.size;
    }
  std::string axes;
  for (const sharding::MeshAxis &a : first.mesh.axes)
    axes += (axes.empty() ? "" : ", ") + a.name + "=" + std::to_string(a.size);
  std::vector<std::string> lines{
      "Chips: dN = device id (the jax.devices() id on that chip); (a,b,...) "
      "= its logical coordinates in the mesh [" +
          axes + "].",
      fmt::format("Colour: group along mesh axis \"{}\" ({} group{} of {} "
                  "devices, one colour each).",
                  axis, groups, groups == 1 ? "" : "s", axisSize),
      "Links: bytes per step on each directed ICI link; +x/+y arrows above/"
      "left of the centre line, -x/-y below/right.",
  };
  std::string extra;
  for (unsigned d = 0; d < std::min(2u, slice.numDims()); ++d)
    if (slice.wraps(d))
      extra = "Stubs at the grid's edges are wraparound links.";
  if (slice.numDims() > 2)
    extra += std::string(extra.empty() ? "" : " ") +
             "Bars at a chip's foot are its +z (left) and -z (right) links.";
  if (!extra.empty())
    lines.push_back(extra);
  return lines;
}

double Drawing::legendHeight() const { return 20 * legendLines().size() + 40; }

void Drawing::drawLegend(double top) {
  double x = kMargin;
  std::vector<std::string> lines = legendLines();
  MeshPositions positions(sides.front().mesh);
  int64_t groups = 1;
  for (auto [i, a] : llvm::enumerate(sides.front().mesh.axes))
    if (a.name == axis)
      groups = positions.numGroups(i);
  double y = top;
  for (auto [i, text] : llvm::enumerate(lines)) {
    out += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" font-size=\"12\">{}"
                       "</text>\n",
                       x, y, escape(text));
    if (i == 1) {
      // One swatch per group (the first 16).
      int64_t shown = std::min<int64_t>(groups, 16);
      y += 6;
      for (int64_t g = 0; g < shown; ++g)
        out += fmt::format("<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"18\" "
                           "height=\"12\" fill=\"{}\" stroke=\"#555\"/>\n",
                           x + g * 22, y, groupColour(g, groups));
      if (groups > shown)
        out += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" "
                           "font-size=\"12\">... {} more</text>\n",
                           x + shown * 22 + 4, y + 11, groups - shown);
      y += 14;
    }
    y += 20;
  }
  out += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" font-size=\"11\">0"
                     "</text>\n",
                     x, y);
  for (int i = 0; i <= 10; ++i)
    out += fmt::format("<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"24\" "
                       "height=\"10\" fill=\"{}\"/>\n",
                       x + 16 + i * 24, y - 9, loadColour(i / 10.0));
  out +=
      fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" font-size=\"11\">{} "
                  "per step (the most loaded link of both drawings)</text>\n",
                  x + 16 + 11 * 24 + 6, y, formatBytes(maxLoad));
}

std::string Drawing::draw() {
  double width =
      2 * kMargin + sides.size() * panelWidth + (sides.size() - 1) * kPanelGap;
  double legendTop = kMargin + kHeader + panelHeight + 40;
  double height = legendTop + legendHeight();
  // Text has no measured width in SVG: about 6.8 px a character at 12 px.
  for (const std::string &line : legendLines())
    width = std::max(width, 2 * kMargin + 6.8 * double(line.size()));
  out += fmt::format(
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{:.0f}\" "
      "height=\"{:.0f}\" viewBox=\"0 0 {:.0f} {:.0f}\" "
      "font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\">\n"
      "<title>{}</title>\n"
      "<defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"9\" "
      "refY=\"5\" markerWidth=\"4\" markerHeight=\"4\" "
      "orient=\"auto-start-reverse\"><path d=\"M0,0 L10,5 L0,10 z\" "
      "fill=\"context-stroke\"/></marker></defs>\n"
      "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n",
      width, height, width, height, escape("AoiZora plan on " + slice.str()));
  for (unsigned panel = 0; panel < sides.size(); ++panel)
    drawPanel(panel);
  drawLegend(legendTop);
  out += "</svg>\n";
  return out;
}

/// The axes a collective's groups run along on \p mesh (pairs count as
/// groups of two).
std::optional<planner::AxisList> axesOf(const sharding::Mesh &mesh,
                                        const CollectiveSpec &spec) {
  if (spec.groups.empty() && spec.pairs.empty()) {
    planner::AxisList all;
    for (const sharding::MeshAxis &a : mesh.axes)
      all.push_back(a.name);
    return all;
  }
  if (!spec.groups.empty())
    return planner::axesOfGroups(mesh, spec.groups);
  return std::nullopt;
}
} // namespace

std::string busiestAxis(const PictureSide &side) {
  std::map<std::string, double> bytes;
  for (const WeightedCollective &c : side.step)
    if (std::optional<planner::AxisList> axes = axesOf(side.mesh, c.spec))
      for (const std::string &a : *axes)
        bytes[a] += c.spec.bytes * c.count;
  std::string best;
  double most = -1;
  for (const sharding::MeshAxis &a : side.mesh.axes) {
    double b = bytes.count(a.name) ? bytes[a.name] : 0;
    if (b > most) {
      most = b;
      best = a.name;
    }
  }
  return best;
}

llvm::Expected<std::string> drawPicture(const Slice &slice,
                                        const Placement &assignment,
                                        ArrayRef<PictureSide> sides,
                                        llvm::StringRef axis) {
  if (sides.empty())
    return planError("nothing to draw");
  std::string chosen = axis.empty() ? busiestAxis(sides.front()) : axis.str();
  bool known =
      llvm::any_of(sides.front().mesh.axes, [&](const sharding::MeshAxis &a) {
        return a.name == chosen;
      });
  if (!known) {
    std::string names;
    for (const sharding::MeshAxis &a : sides.front().mesh.axes)
      names += (names.empty() ? "'" : ", '") + a.name + "'";
    return planError("picture-axis '" + chosen +
                     "' is not an axis of the plan's mesh (axes: " + names +
                     ")");
  }
  return Drawing(slice, assignment, sides, chosen).draw();
}

/// "step 1.234 ms (compute 1.000 ms + communication 0.234 ms)".
static std::string times(double step, double compute, double comm) {
  return "step " + formatSeconds(step) + " (compute " + formatSeconds(compute) +
         ", communication " + formatSeconds(comm) + ")";
}

std::vector<PictureSide> pictureSides(const CandidatePlan &plan) {
  const PlacedCandidate &w = plan.winner();
  std::vector<PictureSide> sides;
  sides.push_back(
      {"plan: " + w.estimate.label + " on " + w.best.origin,
       times(w.stepSeconds, w.estimate.computeSeconds, w.best.score.seconds),
       plan.chosenMesh, w.best.placement, w.collectives});
  const Baseline *best = nullptr;
  // The best of what the JAX program runs as written (its mesh on the
  // module order or on mesh_utils' order); other baselines when it has none.
  for (bool asWritten : {true, false}) {
    for (const Baseline &b : plan.baselines)
      if (b.placement &&
          (!asWritten ||
           llvm::StringRef(b.name).starts_with("module as written")) &&
          (!best || b.seconds < best->seconds))
        best = &b;
    if (best)
      break;
  }
  if (best) {
    double ratio = w.stepSeconds > 0 ? best->seconds / w.stepSeconds : 1;
    sides.push_back(
        {fmt::format("best baseline: {} ({})", best->name, best->label),
         times(best->seconds, best->computeSeconds, best->commSeconds) +
             fmt::format("; {:.2f}x the plan's step", ratio),
         best->mesh, *best->placement, best->collectives});
  }
  return sides;
}

std::vector<PictureSide> pictureSides(const ExplicitPlan &plan) {
  sharding::Mesh mesh;
  if (!plan.writtenMesh.shape.empty()) {
    for (auto [size, name] :
         llvm::zip(plan.writtenMesh.shape, plan.writtenMesh.axisNames))
      mesh.axes.push_back({name, size});
    mesh.deviceIds = plan.writtenDeviceIds;
  } else {
    for (auto [size, name] : llvm::zip(plan.mesh.shape, plan.mesh.axisNames))
      mesh.axes.push_back({name, size});
  }
  const RankedPlacement &best = plan.best();
  std::vector<PictureSide> sides;
  sides.push_back(
      {"plan: " + best.origin,
       "communication " + formatSeconds(best.score.seconds) + " per step", mesh,
       best.placement, plan.step.collectives});
  const RankedPlacement *baseline = nullptr;
  for (const RankedPlacement &b : plan.baselines)
    if (!baseline || b.score < baseline->score)
      baseline = &b;
  if (baseline) {
    double ratio = best.score.seconds > 0
                       ? baseline->score.seconds / best.score.seconds
                       : 1;
    sides.push_back(
        {"best baseline: " + baseline->origin,
         fmt::format("communication {} per step; {:.2f}x the plan's",
                     formatSeconds(baseline->score.seconds), ratio),
         mesh, baseline->placement, plan.step.collectives});
  }
  return sides;
}

} // namespace aoizora::plan
