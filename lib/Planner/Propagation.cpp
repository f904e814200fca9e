//===- Propagation.cpp - Shardings and derived collectives ----------------===//
//
// One forward pass in program order. Each op's rule reads its operands'
// shardings, decides the sharding each operand must have for the op to run
// locally (the "required" sharding) and the result's sharding. Where an
// operand's sharding differs from the required one, deriveReshard records
// the collectives the partitioner would insert. docs/stage1.md lists the
// rules.
//
//===----------------------------------------------------------------------===//

#include "AoiZora/Planner/Propagation.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringSet.h"

#include <map>

namespace aoizora::planner {

llvm::StringRef stringifyReshardKind(ReshardKind kind) {
  switch (kind) {
  case ReshardKind::AllGather:
    return "all-gather";
  case ReshardKind::ReduceScatter:
    return "reduce-scatter";
  case ReshardKind::AllReduce:
    return "all-reduce";
  case ReshardKind::AllToAll:
    return "all-to-all";
  case ReshardKind::CollectivePermute:
    return "collective-permute";
  case ReshardKind::LocalSlice:
    return "local-slice";
  }
  return "unknown";
}

CollectiveKind toCollectiveKind(ReshardKind kind) {
  switch (kind) {
  case ReshardKind::AllGather:
    return CollectiveKind::AllGather;
  case ReshardKind::ReduceScatter:
    return CollectiveKind::ReduceScatter;
  case ReshardKind::AllReduce:
    return CollectiveKind::AllReduce;
  case ReshardKind::AllToAll:
    return CollectiveKind::AllToAll;
  case ReshardKind::CollectivePermute:
  case ReshardKind::LocalSlice:
    return CollectiveKind::CollectivePermute;
  }
  return CollectiveKind::CollectivePermute;
}

void deriveReshard(unsigned op, unsigned tensor, const ShardingState &from,
                   const ShardingState &to, double multiplier,
                   llvm::StringRef why, std::vector<DerivedCollective> &out) {
  if (from == to || from.rank() != to.rank())
    return;
  auto emit = [&](ReshardKind kind, AxisList axes,
                  const ShardingState &bytesState) {
    DerivedCollective c;
    c.op = op;
    c.tensor = tensor;
    c.kind = kind;
    c.axes = std::move(axes);
    c.bytesState = bytesState;
    c.multiplier = multiplier;
    c.why = why.str();
    out.push_back(std::move(c));
  };
  ShardingState cur = from;

  // 1. Partial sums: reduce-scatter onto the dims `to` shards by the same
  //    axis, all-reduce the rest.
  AxisList allReduce, reduceScatter;
  for (const std::string &axis : cur.partial) {
    if (to.isPartial(axis))
      continue;
    (to.dimOf(axis) ? reduceScatter : allReduce).push_back(axis);
  }
  if (!allReduce.empty()) {
    emit(ReshardKind::AllReduce, allReduce, cur);
    for (const std::string &axis : allReduce)
      llvm::erase(cur.partial, axis);
  }
  if (!reduceScatter.empty()) {
    emit(ReshardKind::ReduceScatter, reduceScatter, cur);
    for (const std::string &axis : reduceScatter) {
      llvm::erase(cur.partial, axis);
      cur.dims[*to.dimOf(axis)].push_back(axis);
    }
  }

  // 2. Axes `to` adds: every device keeps its own shard, no data moves.
  AxisList slices;
  for (auto [d, list] : llvm::enumerate(to.dims))
    for (const std::string &axis : list)
      if (!cur.dimOf(axis) && !cur.isPartial(axis)) {
        slices.push_back(axis);
        cur.dims[d].push_back(axis);
      }
  if (!slices.empty())
    emit(ReshardKind::LocalSlice, slices, cur);

  // 3. Axes that change dimension: one all-to-all per (source, target) pair.
  std::map<std::pair<unsigned, unsigned>, AxisList> moves;
  for (auto [d, list] : llvm::enumerate(cur.dims))
    for (const std::string &axis : list)
      if (std::optional<unsigned> target = to.dimOf(axis); target && *target != d)
        moves[{unsigned(d), *target}].push_back(axis);
  for (auto &[dims, axes] : moves) {
    emit(ReshardKind::AllToAll, axes, cur);
    for (const std::string &axis : axes) {
      llvm::erase(cur.dims[dims.first], axis);
      cur.dims[dims.second].push_back(axis);
    }
  }

  // 4. Axes `to` drops: one all-gather per dimension (output buffer bytes).
  for (unsigned d = 0; d < cur.rank(); ++d) {
    AxisList gathered;
    for (const std::string &axis : cur.dims[d])
      if (!to.dimOf(axis))
        gathered.push_back(axis);
    if (gathered.empty())
      continue;
    for (const std::string &axis : gathered)
      llvm::erase(cur.dims[d], axis);
    emit(ReshardKind::AllGather, gathered, cur);
  }

  // 5. Same axes, another order within a dimension: a permutation.
  AxisList permuted;
  for (unsigned d = 0; d < cur.rank(); ++d)
    if (cur.dims[d] != to.dims[d])
      permuted.append(to.dims[d].begin(), to.dims[d].end());
  if (!permuted.empty())
    emit(ReshardKind::CollectivePermute, permuted, to);
}

namespace {

/// Groups of consecutive dims of equal element count across a reshape.
struct ReshapeGroup {
  llvm::SmallVector<unsigned, 4> in, out;
};

llvm::SmallVector<ReshapeGroup> groupReshape(llvm::ArrayRef<int64_t> in,
                                             llvm::ArrayRef<int64_t> out) {
  llvm::SmallVector<ReshapeGroup> groups;
  unsigned i = 0, j = 0;
  while (i < in.size() || j < out.size()) {
    ReshapeGroup group;
    int64_t a = 1, b = 1;
    if (i < in.size()) {
      a *= in[i];
      group.in.push_back(i++);
    }
    if (j < out.size()) {
      b *= out[j];
      group.out.push_back(j++);
    }
    while (a != b) {
      if (a < b && i < in.size()) {
        a *= in[i];
        group.in.push_back(i++);
      } else if (j < out.size()) {
        b *= out[j];
        group.out.push_back(j++);
      } else if (i < in.size()) {
        a *= in[i];
        group.in.push_back(i++);
      } else {
        break;
      }
    }
    groups.push_back(std::move(group));
  }
  return groups;
}

class Propagator {
public:
  Propagator(TensorGraph &graph, PropagationResult &result)
      : graph(graph), result(result) {}

  void run() {
    result.states.resize(graph.tensors.size());
    for (unsigned t = 0; t < graph.tensors.size(); ++t) {
      const std::optional<ShardingState> &init = graph.initialStates[t];
      if (init && init->rank() == graph.tensors[t].rank())
        result.states[t] = *init;
      else
        result.states[t] = ShardingState::replicated(graph.tensors[t].rank());
    }
    for (unsigned i = 0; i < graph.ops.size(); ++i)
      visit(i);
    fuseAttention();
  }

private:
  TensorGraph &graph;
  PropagationResult &result;

  const ShardingState &state(unsigned t) const { return result.states[t]; }
  const Tensor &tensor(unsigned t) const { return graph.tensors[t]; }
  double bytesOf(unsigned t) const { return tensor(t).bytes(); }

  /// Records the collectives that bring operand \p pos of \p opIndex to
  /// \p required.
  void require(unsigned opIndex, unsigned pos, const ShardingState &required) {
    const Op &op = graph.ops[opIndex];
    unsigned t = op.operands[pos];
    if (state(t) == required)
      return;
    std::string why = tensor(t).name + " (operand #" + std::to_string(pos) +
                      " of " + op.name + "): " + state(t).str() + " -> " +
                      required.str();
    deriveReshard(opIndex, t, state(t), required, op.multiplier, why,
                  result.collectives);
  }

  void setResult(unsigned t, ShardingState s) {
    if (s.rank() != tensor(t).rank())
      s = ShardingState::replicated(tensor(t).rank());
    result.states[t] = std::move(s);
  }

  ComputeItem &newItem(unsigned opIndex) {
    ComputeItem item;
    item.op = opIndex;
    item.multiplier = graph.ops[opIndex].multiplier;
    result.compute.push_back(std::move(item));
    return result.compute.back();
  }

  /// Operands (at their required shardings) and results as HBM traffic; the
  /// live set is the non-parameter operands and the results, or the results
  /// only for elementwise ops (fused into their producer).
  void addTraffic(unsigned opIndex,
                  llvm::ArrayRef<ShardingState> operandStates,
                  bool fusedOperands = false, bool countBytes = true) {
    const Op &op = graph.ops[opIndex];
    ComputeItem &item = newItem(opIndex);
    for (auto [pos, t] : llvm::enumerate(op.operands)) {
      const ShardingState &s =
          pos < operandStates.size() ? operandStates[pos] : state(t);
      if (countBytes)
        item.bytesTerms.push_back({t, s});
      if (!fusedOperands && !tensor(t).isParameter)
        item.liveTerms.push_back({t, s});
    }
    for (unsigned t : op.results) {
      if (countBytes)
        item.bytesTerms.push_back({t, state(t)});
      item.liveTerms.push_back({t, state(t)});
    }
  }

  void visit(unsigned i) {
    Op &op = graph.ops[i];
    switch (op.kind) {
    case OpKind::Elementwise:
      return visitElementwise(i);
    case OpKind::BroadcastInDim:
      return visitBroadcast(i);
    case OpKind::Reshape:
      return visitReshape(i);
    case OpKind::Transpose:
      return visitTranspose(i);
    case OpKind::DotGeneral:
      return visitDot(i);
    case OpKind::Convolution:
      return visitConvolution(i);
    case OpKind::Reduce:
      return visitReduce(i);
    case OpKind::Concatenate:
      return visitConcatenate(i);
    case OpKind::Slice:
      return visitSlice(i);
    case OpKind::DynamicUpdateSlice:
      return visitDynamicUpdateSlice(i);
    case OpKind::Source:
      for (unsigned t : op.results)
        setResult(t, ShardingState::replicated(tensor(t).rank()));
      return;
    case OpKind::Constraint:
      return visitConstraint(i);
    case OpKind::SetState:
      for (auto [pos, t] : llvm::enumerate(op.results)) {
        if (pos < op.targets.size() && op.targets[pos])
          setResult(t, *op.targets[pos]);
        else if (pos < op.operands.size())
          setResult(t, state(op.operands[pos]));
      }
      return;
    case OpKind::Identity:
      for (auto [pos, t] : llvm::enumerate(op.results))
        if (pos < op.operands.size())
          setResult(t, state(op.operands[pos]));
      return;
    case OpKind::ExplicitCollective:
      return visitExplicit(i);
    case OpKind::AttentionKernel:
      return visitAttentionKernel(i);
    case OpKind::Unknown:
      return visitUnknown(i);
    }
  }

  void visitElementwise(unsigned i) {
    const Op &op = graph.ops[i];
    if (op.results.empty())
      return;
    unsigned rank = tensor(op.results[0]).rank();
    // The reference: the full-rank operand with the most axes.
    std::optional<unsigned> ref;
    for (auto [pos, t] : llvm::enumerate(op.operands)) {
      if (tensor(t).rank() != rank || tensor(t).shape != tensor(op.results[0]).shape)
        continue;
      if (!ref || state(t).numDimAxes() > state(op.operands[*ref]).numDimAxes())
        ref = pos;
    }
    ShardingState refState = ref ? state(op.operands[*ref]).withoutPartial()
                                 : ShardingState::replicated(rank);
    // Which operands may stay partial.
    llvm::SmallVector<bool, 4> keepPartial(op.operands.size(), false);
    unsigned numPartial = 0;
    for (unsigned t : op.operands)
      numPartial += !state(t).partial.empty();
    AxisList resultPartial;
    switch (op.partialRule) {
    case PartialRule::None:
      break;
    case PartialRule::Unary:
      if (op.operands.size() == 1 && numPartial == 1) {
        keepPartial[0] = true;
        resultPartial = state(op.operands[0]).partial;
      }
      break;
    case PartialRule::Sum: {
      bool same = numPartial == op.operands.size() && numPartial > 0;
      for (unsigned t : op.operands)
        same &= state(t).partial == state(op.operands[0]).partial;
      if (same) {
        keepPartial.assign(op.operands.size(), true);
        resultPartial = state(op.operands[0]).partial;
      }
      break;
    }
    case PartialRule::Scale:
      if (numPartial == 1)
        for (auto [pos, t] : llvm::enumerate(op.operands))
          if (!state(t).partial.empty()) {
            keepPartial[pos] = true;
            resultPartial = state(t).partial;
          }
      break;
    }
    // An axis both partial and splitting a dim cannot be kept partial.
    for (const std::string &axis : refState.dimAxes())
      if (llvm::is_contained(resultPartial, axis)) {
        resultPartial.clear();
        keepPartial.assign(op.operands.size(), false);
        break;
      }
    llvm::SmallVector<ShardingState, 4> required;
    for (auto [pos, t] : llvm::enumerate(op.operands)) {
      ShardingState req = tensor(t).rank() == rank &&
                                  tensor(t).shape == tensor(op.results[0]).shape
                              ? refState
                              : ShardingState::replicated(tensor(t).rank());
      if (keepPartial[pos])
        req.partial = state(t).partial;
      require(i, pos, req);
      required.push_back(std::move(req));
    }
    ShardingState res = refState;
    res.partial = resultPartial;
    for (unsigned t : op.results)
      setResult(t, res);
    addTraffic(i, required, /*fusedOperands=*/true);
  }

  void visitBroadcast(unsigned i) {
    const Op &op = graph.ops[i];
    if (op.operands.empty() || op.results.empty())
      return;
    unsigned in = op.operands[0], out = op.results[0];
    ShardingState req = state(in);
    ShardingState res = ShardingState::replicated(tensor(out).rank());
    res.partial = req.partial;
    for (auto [d, target] : llvm::enumerate(op.dimensions)) {
      if (d >= req.rank() || target < 0 || unsigned(target) >= res.rank())
        continue;
      if (tensor(in).shape[d] == tensor(out).shape[target])
        res.dims[target] = req.dims[d];
      else
        req.dims[d].clear();
    }
    require(i, 0, req);
    setResult(out, res);
    addTraffic(i, {req}, /*fusedOperands=*/true);
  }

  void visitReshape(unsigned i) {
    const Op &op = graph.ops[i];
    if (op.operands.empty() || op.results.empty())
      return;
    unsigned in = op.operands[0], out = op.results[0];
    llvm::ArrayRef<int64_t> inShape = tensor(in).shape,
                            outShape = tensor(out).shape;
    ShardingState req = state(in);
    ShardingState res = ShardingState::replicated(outShape.size());
    res.partial = req.partial;
    for (const ReshapeGroup &group : groupReshape(inShape, outShape)) {
      // The major input dim of size > 1 keeps its axes; they go to the major
      // output dim of size > 1. Axes on minor input dims are gathered (their
      // shards are not contiguous in the merged dimension).
      std::optional<unsigned> majorIn, majorOut;
      for (unsigned d : group.in)
        if (inShape[d] != 1) {
          majorIn = d;
          break;
        }
      for (unsigned d : group.out)
        if (outShape[d] != 1) {
          majorOut = d;
          break;
        }
      for (unsigned d : group.in) {
        if (majorIn && majorOut && d == *majorIn)
          continue;
        req.dims[d].clear();
      }
      if (majorIn && majorOut)
        res.dims[*majorOut] = req.dims[*majorIn];
    }
    require(i, 0, req);
    setResult(out, res);
    // A reshape is a bitcast of the local shard: no traffic.
    addTraffic(i, {req}, /*fusedOperands=*/true, /*countBytes=*/false);
  }

  void visitTranspose(unsigned i) {
    const Op &op = graph.ops[i];
    if (op.operands.empty() || op.results.empty())
      return;
    const ShardingState &in = state(op.operands[0]);
    ShardingState res = ShardingState::replicated(tensor(op.results[0]).rank());
    res.partial = in.partial;
    for (auto [d, p] : llvm::enumerate(op.permutation))
      if (p >= 0 && unsigned(p) < in.rank() && d < res.rank())
        res.dims[d] = in.dims[p];
    setResult(op.results[0], res);
    addTraffic(i, {in});
  }

  void visitDot(unsigned i) {
    const Op &op = graph.ops[i];
    if (op.operands.size() < 2 || op.results.empty())
      return;
    unsigned lhs = op.operands[0], rhs = op.operands[1];
    const ShardingState &L = state(lhs), &R = state(rhs);
    llvm::ArrayRef<int64_t> lShape = tensor(lhs).shape, rShape = tensor(rhs).shape;
    auto freeDims = [](unsigned rank, llvm::ArrayRef<int64_t> batch,
                       llvm::ArrayRef<int64_t> contract) {
      llvm::SmallVector<unsigned, 4> dims;
      for (unsigned d = 0; d < rank; ++d)
        if (!llvm::is_contained(batch, d) && !llvm::is_contained(contract, d))
          dims.push_back(d);
      return dims;
    };
    auto lFree = freeDims(L.rank(), op.lhsBatch, op.lhsContract);
    auto rFree = freeDims(R.rank(), op.rhsBatch, op.rhsContract);
    auto reconcile = [](const AxisList &a, const AxisList &b) {
      return a.empty() ? b : a;
    };
    llvm::SmallVector<AxisList, 4> batch, contract, lf, rf;
    for (auto [a, b] : llvm::zip(op.lhsBatch, op.rhsBatch))
      batch.push_back(reconcile(L.dims[a], R.dims[b]));
    for (auto [a, b] : llvm::zip(op.lhsContract, op.rhsContract))
      contract.push_back(reconcile(L.dims[a], R.dims[b]));
    for (unsigned d : lFree)
      lf.push_back(L.dims[d]);
    for (unsigned d : rFree)
      rf.push_back(R.dims[d]);
    // Every axis in one role only: batch first, then the free dims of the
    // larger operand, then the other's, then the contraction.
    llvm::StringSet<> used;
    auto keep = [&](llvm::SmallVectorImpl<AxisList> &lists) {
      for (AxisList &list : lists) {
        AxisList kept;
        for (const std::string &axis : list)
          if (used.insert(axis).second)
            kept.push_back(axis);
        list = std::move(kept);
      }
    };
    keep(batch);
    if (bytesOf(rhs) > bytesOf(lhs)) {
      keep(rf);
      keep(lf);
    } else {
      keep(lf);
      keep(rf);
    }
    keep(contract);
    // Partial operands: a dot is linear in each operand, so one partial
    // operand passes its partial sums on; two do not (the rhs is reduced).
    AxisList lPartial = L.partial, rPartial = R.partial;
    if (!lPartial.empty() && !rPartial.empty())
      rPartial.clear();
    auto clash = [&](const AxisList &partial) {
      return llvm::any_of(partial, [&](const std::string &a) {
        return used.contains(a);
      });
    };
    if (clash(lPartial))
      lPartial.clear();
    if (clash(rPartial))
      rPartial.clear();

    ShardingState lReq = ShardingState::replicated(L.rank());
    ShardingState rReq = ShardingState::replicated(R.rank());
    for (auto [k, d] : llvm::enumerate(op.lhsBatch))
      lReq.dims[d] = batch[k];
    for (auto [k, d] : llvm::enumerate(op.rhsBatch))
      rReq.dims[d] = batch[k];
    for (auto [k, d] : llvm::enumerate(op.lhsContract))
      lReq.dims[d] = contract[k];
    for (auto [k, d] : llvm::enumerate(op.rhsContract))
      rReq.dims[d] = contract[k];
    for (auto [k, d] : llvm::enumerate(lFree))
      lReq.dims[d] = lf[k];
    for (auto [k, d] : llvm::enumerate(rFree))
      rReq.dims[d] = rf[k];
    lReq.partial = lPartial;
    rReq.partial = rPartial;
    require(i, 0, lReq);
    require(i, 1, rReq);

    ShardingState res;
    for (const AxisList &list : batch)
      res.dims.push_back(list);
    for (const AxisList &list : lf)
      res.dims.push_back(list);
    for (const AxisList &list : rf)
      res.dims.push_back(list);
    for (const AxisList &list : contract)
      for (const std::string &axis : list)
        res.addPartial(axis);
    for (const std::string &axis : lPartial)
      res.addPartial(axis);
    for (const std::string &axis : rPartial)
      res.addPartial(axis);
    setResult(op.results[0], res);

    addTraffic(i, {lReq, rReq});
    ComputeItem &item = result.compute.back();
    item.opClass = OpClass::Matmul;
    item.flopScale = 2;
    for (auto [k, d] : llvm::enumerate(op.lhsBatch))
      item.flopFactors.push_back({lShape[d], batch[k]});
    for (auto [k, d] : llvm::enumerate(op.lhsContract))
      item.flopFactors.push_back({lShape[d], contract[k]});
    for (auto [k, d] : llvm::enumerate(lFree))
      item.flopFactors.push_back({lShape[d], lf[k]});
    for (auto [k, d] : llvm::enumerate(rFree))
      item.flopFactors.push_back({rShape[d], rf[k]});
  }

  void visitConvolution(unsigned i) {
    const Op &op = graph.ops[i];
    if (op.operands.size() < 2 || op.results.empty())
      return;
    const ConvDims &c = op.conv;
    unsigned lhs = op.operands[0], rhs = op.operands[1], out = op.results[0];
    // Batch stays sharded, output features may follow the kernel; all else
    // (spatial dims with their halos, input features) is gathered.
    ShardingState lReq = ShardingState::replicated(tensor(lhs).rank());
    ShardingState rReq = ShardingState::replicated(tensor(rhs).rank());
    ShardingState res = ShardingState::replicated(tensor(out).rank());
    if (c.batchGroupCount == 1 && c.inputBatch < lReq.rank() &&
        c.outputBatch < res.rank()) {
      lReq.dims[c.inputBatch] = state(lhs).dims[c.inputBatch];
      res.dims[c.outputBatch] = lReq.dims[c.inputBatch];
    }
    if (c.featureGroupCount == 1 && c.kernelOutputFeature < rReq.rank() &&
        c.outputFeature < res.rank()) {
      AxisList axes;
      for (const std::string &axis : state(rhs).dims[c.kernelOutputFeature])
        if (!lReq.dimOf(axis))
          axes.push_back(axis);
      rReq.dims[c.kernelOutputFeature] = axes;
      res.dims[c.outputFeature] = axes;
    }
    require(i, 0, lReq);
    require(i, 1, rReq);
    setResult(out, res);
    addTraffic(i, {lReq, rReq});
    ComputeItem &item = result.compute.back();
    item.opClass = OpClass::Matmul;
    // 2 * output elements * kernel spatial size * input features per group.
    item.flopScale = 2;
    for (unsigned d = 0; d < res.rank(); ++d)
      item.flopFactors.push_back({tensor(out).shape[d], res.dims[d]});
    for (int64_t d : c.kernelSpatial)
      if (d >= 0 && unsigned(d) < tensor(rhs).rank())
        item.flopFactors.push_back({tensor(rhs).shape[d], {}});
    if (c.kernelInputFeature < tensor(rhs).rank())
      item.flopFactors.push_back(
          {tensor(rhs).shape[c.kernelInputFeature], {}});
  }

  void visitReduce(unsigned i) {
    const Op &op = graph.ops[i];
    unsigned n = op.results.size();
    if (n == 0 || op.operands.size() < 2 * n)
      return;
    ShardingState in = state(op.operands[0]).withoutPartial();
    llvm::SmallVector<ShardingState, 4> required;
    for (unsigned pos = 0; pos < op.operands.size(); ++pos) {
      unsigned t = op.operands[pos];
      ShardingState req = pos < n && tensor(t).rank() == in.rank()
                              ? in
                              : ShardingState::replicated(tensor(t).rank());
      require(i, pos, req);
      required.push_back(std::move(req));
    }
    ShardingState res;
    for (unsigned d = 0; d < in.rank(); ++d) {
      if (llvm::is_contained(op.dimensions, int64_t(d))) {
        for (const std::string &axis : in.dims[d])
          res.addPartial(axis);
      } else {
        res.dims.push_back(in.dims[d]);
      }
    }
    for (unsigned t : op.results)
      setResult(t, res);
    addTraffic(i, required);
  }

  void visitConcatenate(unsigned i) {
    const Op &op = graph.ops[i];
    if (op.operands.empty() || op.results.empty())
      return;
    unsigned ref = op.operands[0];
    for (unsigned t : op.operands)
      if (state(t).numDimAxes() > state(ref).numDimAxes())
        ref = t;
    ShardingState req = state(ref).withoutPartial();
    if (op.dimension >= 0 && unsigned(op.dimension) < req.rank())
      req.dims[op.dimension].clear();
    llvm::SmallVector<ShardingState, 4> required;
    for (unsigned pos = 0; pos < op.operands.size(); ++pos) {
      ShardingState r = tensor(op.operands[pos]).rank() == req.rank()
                            ? req
                            : ShardingState::replicated(
                                  tensor(op.operands[pos]).rank());
      require(i, pos, r);
      required.push_back(std::move(r));
    }
    setResult(op.results[0], req);
    addTraffic(i, required);
  }

  void visitSlice(unsigned i) {
    const Op &op = graph.ops[i];
    if (op.operands.empty() || op.results.empty())
      return;
    unsigned in = op.operands[0], out = op.results[0];
    ShardingState req = state(in);
    if (tensor(in).rank() == tensor(out).rank()) {
      for (unsigned d = 0; d < req.rank(); ++d)
        if (tensor(in).shape[d] != tensor(out).shape[d])
          req.dims[d].clear();
    } else {
      req = ShardingState::replicated(tensor(in).rank());
    }
    llvm::SmallVector<ShardingState, 4> required{req};
    require(i, 0, req);
    for (unsigned pos = 1; pos < op.operands.size(); ++pos) {
      ShardingState r =
          ShardingState::replicated(tensor(op.operands[pos]).rank());
      require(i, pos, r);
      required.push_back(r);
    }
    setResult(out, req);
    // Reads and writes the result's extent.
    ComputeItem &item = newItem(i);
    item.bytesTerms.push_back({out, state(out)});
    item.bytesTerms.push_back({out, state(out)});
    item.liveTerms.push_back({out, state(out)});
    if (!tensor(in).isParameter)
      item.liveTerms.push_back({in, req});
  }

  void visitDynamicUpdateSlice(unsigned i) {
    const Op &op = graph.ops[i];
    if (op.operands.size() < 2 || op.results.empty())
      return;
    unsigned base = op.operands[0], update = op.operands[1];
    ShardingState req = state(base).withoutPartial();
    if (tensor(update).rank() == req.rank()) {
      for (unsigned d = 0; d < req.rank(); ++d)
        if (tensor(base).shape[d] != tensor(update).shape[d])
          req.dims[d].clear();
    }
    require(i, 0, req);
    if (tensor(update).rank() == req.rank())
      require(i, 1, req);
    for (unsigned pos = 2; pos < op.operands.size(); ++pos)
      require(i, pos,
              ShardingState::replicated(tensor(op.operands[pos]).rank()));
    setResult(op.results[0], req);
    ComputeItem &item = newItem(i);
    item.bytesTerms.push_back({update, req});
    item.bytesTerms.push_back({update, req});
    item.liveTerms.push_back({op.results[0], req});
  }

  void visitConstraint(unsigned i) {
    const Op &op = graph.ops[i];
    for (auto [pos, t] : llvm::enumerate(op.operands)) {
      ShardingState target = state(t).withoutPartial();
      if (pos < op.targetsFrom.size() && op.targetsFrom[pos] >= 0 &&
          tensor(op.targetsFrom[pos]).rank() == tensor(t).rank())
        target = state(op.targetsFrom[pos]).withoutPartial();
      if (pos < op.targets.size() && op.targets[pos]) {
        if (op.targets[pos]->rank() == tensor(t).rank())
          target = *op.targets[pos];
        else
          graph.warn(op.name,
                     "sharding of rank " +
                         std::to_string(op.targets[pos]->rank()) +
                         " on a tensor of rank " +
                         std::to_string(tensor(t).rank()) + " is ignored",
                     op.origin);
      }
      require(i, pos, target);
      if (pos < op.results.size())
        setResult(op.results[pos], target);
    }
  }

  void visitExplicit(unsigned i) {
    const Op &op = graph.ops[i];
    if (!op.operands.empty()) {
      DerivedCollective c;
      c.op = i;
      c.tensor = op.operands[0];
      switch (op.collectiveKind) {
      case CollectiveKind::AllGather:
        c.kind = ReshardKind::AllGather;
        break;
      case CollectiveKind::ReduceScatter:
        c.kind = ReshardKind::ReduceScatter;
        break;
      case CollectiveKind::AllReduce:
        c.kind = ReshardKind::AllReduce;
        break;
      case CollectiveKind::AllToAll:
        c.kind = ReshardKind::AllToAll;
        break;
      case CollectiveKind::CollectivePermute:
      case CollectiveKind::CollectiveBroadcast:
        c.kind = ReshardKind::CollectivePermute;
        break;
      }
      if (op.collectiveAxes)
        c.axes = *op.collectiveAxes;
      else
        c.writtenSpec = op.writtenSpec;
      c.fixedBytes = op.collectiveBytes;
      c.multiplier = op.multiplier;
      c.why = op.name + " as written";
      result.collectives.push_back(std::move(c));
    }
    for (auto [pos, t] : llvm::enumerate(op.results)) {
      if (pos < op.operands.size() &&
          tensor(op.operands[pos]).shape == tensor(t).shape)
        setResult(t, state(op.operands[pos]).withoutPartial());
      else
        setResult(t, ShardingState::replicated(tensor(t).rank()));
    }
  }

  /// A fused attention kernel custom_call: q keeps its sharding except on
  /// the head dimension (last), k and v take q's axes on every dim except
  /// their key-sequence dim and the head dim, other operands are
  /// replicated; result 0 has q's sharding when it has q's shape. FLOPs:
  /// 2·|q|·Skv·(1 + Dv/D), halved when causal.
  void visitAttentionKernel(unsigned i) {
    const Op &op = graph.ops[i];
    if (op.kernelOperands.size() != 3)
      return visitUnknown(i);
    unsigned q = op.operands[op.kernelOperands[0]],
             k = op.operands[op.kernelOperands[1]],
             v = op.operands[op.kernelOperands[2]];
    unsigned rank = tensor(q).rank();
    ShardingState qReq = state(q).withoutPartial();
    qReq.dims[rank - 1].clear();
    unsigned keyDim = keySequenceDim(k);
    ShardingState kvReq = qReq;
    kvReq.dims[keyDim].clear();
    llvm::SmallVector<ShardingState, 4> required;
    for (auto [pos, t] : llvm::enumerate(op.operands)) {
      ShardingState r = ShardingState::replicated(tensor(t).rank());
      if (t == q && pos == op.kernelOperands[0])
        r = qReq;
      else if (tensor(t).rank() == rank && (pos == op.kernelOperands[1] ||
                                            pos == op.kernelOperands[2]))
        r = kvReq;
      require(i, pos, r);
      required.push_back(std::move(r));
    }
    for (auto [pos, t] : llvm::enumerate(op.results))
      setResult(t, pos == 0 && tensor(t).shape == tensor(q).shape
                       ? qReq
                       : ShardingState::replicated(tensor(t).rank()));
    addTraffic(i, required);
    ComputeItem &item = result.compute.back();
    item.opClass = OpClass::Attention;
    double d = double(tensor(q).shape[rank - 1]);
    double dv = double(tensor(v).shape[tensor(v).rank() - 1]);
    item.flopScale = 2 * (1 + (d > 0 ? dv / d : 1)) * (op.causal ? 0.5 : 1);
    for (unsigned dim = 0; dim < rank; ++dim)
      item.flopFactors.push_back({tensor(q).shape[dim], qReq.dims[dim]});
    item.flopFactors.push_back({tensor(k).shape[keyDim], {}});
    ++result.attentionKernels;
  }

  /// The key-sequence dim of a kernel's k: the larger of its middle dims
  /// (between the batch dim and the head dim), which tells [B,S,H,D] and
  /// [B,H,S,D] layouts apart for every sequence longer than the head count.
  unsigned keySequenceDim(unsigned k) const {
    const auto &shape = tensor(k).shape;
    unsigned best = shape.size() >= 3 ? 1 : 0;
    for (unsigned d = 1; d + 1 < shape.size(); ++d)
      if (shape[d] > shape[best])
        best = d;
    return best;
  }

  /// Prices each attention block written as ops as one kernel (fuseBlock)
  /// and notes what was found.
  void fuseAttention() {
    result.attention = findAttention(graph);
    if (result.attention.empty() && !result.attentionKernels)
      return;
    std::vector<int> itemOf(graph.ops.size(), -1);
    for (auto [k, item] : llvm::enumerate(result.compute))
      if (item.op < itemOf.size() && itemOf[item.op] < 0)
        itemOf[item.op] = int(k);
    unsigned causal = 0;
    for (const AttentionMatch &m : result.attention) {
      fuseBlock(m, itemOf);
      causal += m.causal;
    }
    std::string note;
    if (!result.attention.empty()) {
      note = std::to_string(result.attention.size()) +
             " attention block(s) written as dot_general -> softmax -> "
             "dot_general priced as fused kernels (FLOPs 4*B*H*Sq*Skv*D, HBM "
             "traffic of q, k, v and the output only, no score buffer)";
      if (causal)
        note += "; " + std::to_string(causal) +
                " causally masked (FLOPs halved)";
    }
    if (result.attentionKernels)
      note += (note.empty() ? "" : "; ") +
              std::to_string(result.attentionKernels) +
              " attention kernel custom_call(s) priced from their q, k, v "
              "operands";
    graph.notes.push_back(note);
  }

  /// The scores dot's item takes the FLOPs of both dots, 2*|scores|*(D +
  /// Dv) (halved when causal), and the HBM traffic and working set of q, k,
  /// v and the output; the other ops of the block, whose tensors the kernel
  /// keeps on chip, cost nothing and hold no memory.
  void fuseBlock(const AttentionMatch &m, llvm::ArrayRef<int> itemOf) {
    int s = itemOf[m.scores], o = itemOf[m.output];
    if (s < 0 || o < 0)
      return;
    ComputeItem &scores = result.compute[s];
    const ComputeItem &out = result.compute[o];
    const Op &qk = graph.ops[m.scores];
    const Op &pv = graph.ops[m.output];
    double d = 1;
    for (int64_t dim : qk.lhsContract)
      d *= double(tensor(qk.operands[0]).shape[dim]);
    // Dv: the output's elements per (batch, query) position of the scores.
    double rows = 1;
    const auto &sShape = tensor(qk.results[0]).shape;
    for (unsigned dim = 0; dim < sShape.size(); ++dim)
      if (!llvm::is_contained(pv.lhsContract, int64_t(dim)))
        rows *= double(sShape[dim]);
    double dv = rows > 0 ? double(tensor(pv.results[0]).numElements()) / rows
                         : d;
    // q, k at the scores dot's required shardings; v and the output at the
    // output dot's (addTraffic lists operands, then results).
    llvm::SmallVector<std::pair<unsigned, ShardingState>, 4> terms;
    if (scores.bytesTerms.size() >= 2)
      terms.append(scores.bytesTerms.begin(), scores.bytesTerms.begin() + 2);
    if (out.bytesTerms.size() >= 3)
      terms.append(out.bytesTerms.begin() + 1, out.bytesTerms.begin() + 3);
    for (unsigned member : m.members) {
      if (itemOf[member] < 0 || member == m.scores)
        continue;
      ComputeItem &other = result.compute[itemOf[member]];
      other.flopFactors.clear();
      other.flopScale = 0;
      other.bytesTerms.clear();
      other.liveTerms.clear();
    }
    scores.opClass = OpClass::Attention;
    scores.flopScale = 2 * (1 + (d > 0 ? dv / d : 1)) * (m.causal ? 0.5 : 1);
    scores.bytesTerms = terms;
    scores.liveTerms.clear();
    for (const auto &term : terms)
      if (!tensor(term.first).isParameter)
        scores.liveTerms.push_back(term);
  }

  void visitUnknown(unsigned i) {
    const Op &op = graph.ops[i];
    llvm::SmallVector<ShardingState, 4> required;
    for (unsigned pos = 0; pos < op.operands.size(); ++pos) {
      ShardingState r =
          ShardingState::replicated(tensor(op.operands[pos]).rank());
      require(i, pos, r);
      required.push_back(r);
    }
    for (unsigned t : op.results)
      setResult(t, ShardingState::replicated(tensor(t).rank()));
    addTraffic(i, required);
  }
};

} // namespace

PropagationResult propagate(TensorGraph &graph) {
  PropagationResult result;
  Propagator(graph, result).run();
  return result;
}

} // namespace aoizora::planner
