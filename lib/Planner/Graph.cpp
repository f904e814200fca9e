//===- Graph.cpp - The tensor graph stage 1 of the planner reads ----------===//

#include "AoiZora/Planner/Graph.h"

#include "AoiZora/Support/CheckedMath.h"

#include "llvm/ADT/STLExtras.h"

namespace aoizora::planner {

ShardingState ShardingState::replicated(unsigned rank) {
  ShardingState state;
  state.dims.resize(rank);
  return state;
}

std::optional<unsigned> ShardingState::dimOf(llvm::StringRef axis) const {
  for (auto [i, list] : llvm::enumerate(dims))
    if (llvm::is_contained(list, axis))
      return i;
  return std::nullopt;
}

bool ShardingState::isPartial(llvm::StringRef axis) const {
  return llvm::is_contained(partial, axis);
}

AxisList ShardingState::dimAxes() const {
  AxisList axes;
  for (const AxisList &list : dims)
    axes.append(list.begin(), list.end());
  return axes;
}

unsigned ShardingState::numDimAxes() const {
  unsigned n = 0;
  for (const AxisList &list : dims)
    n += list.size();
  return n;
}

void ShardingState::removeAxis(llvm::StringRef axis) {
  for (AxisList &list : dims)
    llvm::erase(list, axis);
  llvm::erase(partial, axis);
}

void ShardingState::addPartial(llvm::StringRef axis) {
  if (isPartial(axis))
    return;
  partial.push_back(axis.str());
  llvm::sort(partial);
}

ShardingState ShardingState::withoutPartial() const {
  ShardingState copy = *this;
  copy.partial.clear();
  return copy;
}

static std::string axisSetStr(llvm::ArrayRef<std::string> axes) {
  std::string text = "{";
  for (auto [i, axis] : llvm::enumerate(axes))
    text += (i ? ", \"" : "\"") + axis + "\"";
  return text + "}";
}

std::string ShardingState::str() const {
  std::string text = "[";
  for (auto [i, list] : llvm::enumerate(dims))
    text += (i ? ", " : "") + axisSetStr(list);
  text += "]";
  if (!partial.empty())
    text += " partial=" + axisSetStr(partial);
  return text;
}

int64_t Tensor::numElements() const {
  // Saturating: a hostile shape must not wrap to a small element count.
  return saturatingProduct(shape);
}

llvm::StringRef stringifyOpKind(OpKind kind) {
  switch (kind) {
  case OpKind::Elementwise:
    return "elementwise";
  case OpKind::BroadcastInDim:
    return "broadcast_in_dim";
  case OpKind::Reshape:
    return "reshape";
  case OpKind::Transpose:
    return "transpose";
  case OpKind::DotGeneral:
    return "dot_general";
  case OpKind::Convolution:
    return "convolution";
  case OpKind::Reduce:
    return "reduce";
  case OpKind::Concatenate:
    return "concatenate";
  case OpKind::Slice:
    return "slice";
  case OpKind::DynamicUpdateSlice:
    return "dynamic_update_slice";
  case OpKind::Source:
    return "source";
  case OpKind::Constraint:
    return "constraint";
  case OpKind::SetState:
    return "set_state";
  case OpKind::Identity:
    return "identity";
  case OpKind::ExplicitCollective:
    return "explicit_collective";
  case OpKind::AttentionKernel:
    return "attention_kernel";
  case OpKind::Unknown:
    return "unknown";
  }
  return "unknown";
}

unsigned TensorGraph::addTensor(Tensor tensor,
                                std::optional<ShardingState> initial) {
  tensors.push_back(std::move(tensor));
  initialStates.push_back(std::move(initial));
  return tensors.size() - 1;
}

unsigned TensorGraph::addOp(Op op) {
  ops.push_back(std::move(op));
  return ops.size() - 1;
}

void TensorGraph::warn(llvm::StringRef subject, llvm::StringRef message,
                       unsigned origin) {
  for (GraphWarning &w : warnings)
    if (w.subject == subject && w.message == message) {
      ++w.count;
      return;
    }
  warnings.push_back(GraphWarning{subject.str(), message.str(), origin, 1});
}

} // namespace aoizora::planner
