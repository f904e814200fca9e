//===- Attention.cpp - Attention patterns in the tensor graph -------------===//
//
// Walks back from every dot_general whose left operand is a softmax
// probability tensor to the dot_general that made the scores. See
// Attention.h for the pattern and docs/stage1.md for how it is priced.
//
//===----------------------------------------------------------------------===//

#include "AoiZora/Planner/Attention.h"

#include "llvm/ADT/STLExtras.h"

#include <optional>
#include <set>

namespace aoizora::planner {

namespace {

/// The op name without its dialect prefix.
llvm::StringRef shortName(const Op &op) {
  llvm::StringRef name = op.name;
  if (name.consume_front("stablehlo.") || name.consume_front("mhlo."))
    return name;
  return name;
}

class Matcher {
public:
  explicit Matcher(const TensorGraph &graph) : graph(graph) {
    producer.assign(graph.tensors.size(), -1);
    users.resize(graph.tensors.size());
    for (auto [i, op] : llvm::enumerate(graph.ops)) {
      for (unsigned t : op.results)
        if (t < producer.size())
          producer[t] = int(i);
      for (unsigned t : op.operands)
        if (t < users.size() && !llvm::is_contained(users[t], unsigned(i)))
          users[t].push_back(i);
    }
  }

  std::optional<AttentionMatch> matchOutput(unsigned pv);

private:
  const TensorGraph &graph;
  std::vector<int> producer;
  std::vector<llvm::SmallVector<unsigned, 2>> users;

  const Op *producerOf(unsigned t) const {
    return t < producer.size() && producer[t] >= 0 ? &graph.ops[producer[t]]
                                                   : nullptr;
  }
  int producerIndex(unsigned t) const {
    return t < producer.size() ? producer[t] : -1;
  }
  const llvm::SmallVector<int64_t, 4> &shape(unsigned t) const {
    return graph.tensors[t].shape;
  }
  bool isElementwise(const Op &op, llvm::StringRef name) const {
    return op.kind == OpKind::Elementwise && shortName(op) == name;
  }
  /// A value broadcast from something smaller (a scale, a mask value, a
  /// row statistic) rather than a scores-sized computation.
  bool isBroadcastOrConstant(unsigned t) const {
    const Op *p = producerOf(t);
    return !p || p->kind == OpKind::BroadcastInDim ||
           p->kind == OpKind::Source || graph.tensors[t].rank() == 0;
  }
  bool tracesToIota(unsigned t, unsigned depth) const;
  bool isCausalMask(unsigned predicate) const;
};

/// Whether \p t is computed from iotas only (through broadcasts, reshapes,
/// converts and integer arithmetic), as a mask's row and column indices are.
bool Matcher::tracesToIota(unsigned t, unsigned depth) const {
  const Op *p = producerOf(t);
  if (!p || depth > 8)
    return false;
  if (p->kind == OpKind::Source)
    return shortName(*p) == "iota";
  if (p->kind == OpKind::BroadcastInDim || p->kind == OpKind::Reshape ||
      p->kind == OpKind::Transpose ||
      (p->kind == OpKind::Elementwise &&
       llvm::is_contained({"convert", "add", "subtract", "multiply"},
                          shortName(*p)))) {
    bool any = false;
    for (unsigned o : p->operands) {
      if (graph.tensors[o].rank() == 0)
        continue; // an offset or a stride
      if (!tracesToIota(o, depth + 1))
        return false;
      any = true;
    }
    return any;
  }
  return false;
}

/// A predicate that compares two iota-derived indices (jnp.tril / the
/// causal mask of jax.nn.dot_product_attention), possibly broadcast and
/// combined with other masks by `and`.
bool Matcher::isCausalMask(unsigned predicate) const {
  llvm::SmallVector<unsigned, 8> work{predicate};
  for (unsigned steps = 0; !work.empty() && steps < 32; ++steps) {
    unsigned t = work.pop_back_val();
    const Op *p = producerOf(t);
    if (!p)
      continue;
    if (isElementwise(*p, "compare") && p->operands.size() == 2 &&
        tracesToIota(p->operands[0], 0) && tracesToIota(p->operands[1], 0))
      return true;
    if (p->kind == OpKind::BroadcastInDim || p->kind == OpKind::Reshape ||
        p->kind == OpKind::Transpose || isElementwise(*p, "and") ||
        isElementwise(*p, "convert"))
      work.append(p->operands.begin(), p->operands.end());
  }
  return false;
}

std::optional<AttentionMatch> Matcher::matchOutput(unsigned pvIndex) {
  const Op &pv = graph.ops[pvIndex];
  if (pv.kind != OpKind::DotGeneral || pv.operands.size() != 2 ||
      pv.results.size() != 1)
    return std::nullopt;
  std::set<unsigned> members{pvIndex};
  // Tensors the scores flow through: nothing outside the kernel may read
  // them, except reductions over the key dims.
  llvm::SmallVector<unsigned, 8> chain;

  // 1. Back from p to the exponential.
  unsigned t = pv.operands[0];
  int expIndex = -1;
  for (unsigned steps = 0; steps < 16 && expIndex < 0; ++steps) {
    int pi = producerIndex(t);
    if (pi < 0)
      return std::nullopt;
    const Op &p = graph.ops[pi];
    if (p.kind != OpKind::Elementwise || p.operands.empty())
      return std::nullopt;
    llvm::StringRef name = shortName(p);
    chain.push_back(t);
    members.insert(pi);
    if (name == "exponential") {
      expIndex = pi;
    } else if (name == "convert" || name == "copy") {
      t = p.operands[0];
    } else if ((name == "divide" || name == "multiply") &&
               p.operands.size() == 2 && isBroadcastOrConstant(p.operands[1])) {
      t = p.operands[0]; // normalised by a broadcast row sum
    } else {
      return std::nullopt;
    }
    if (expIndex < 0 && shape(t) != shape(pv.operands[0]))
      return std::nullopt;
  }
  if (expIndex < 0)
    return std::nullopt;

  // 2. Back from the exponential to the scores dot.
  AttentionMatch match;
  t = graph.ops[expIndex].operands[0];
  int scoresIndex = -1;
  for (unsigned steps = 0; steps < 16 && scoresIndex < 0; ++steps) {
    if (shape(t) != shape(pv.operands[0]))
      return std::nullopt;
    int pi = producerIndex(t);
    if (pi < 0)
      return std::nullopt;
    const Op &p = graph.ops[pi];
    chain.push_back(t);
    if (p.kind == OpKind::DotGeneral) {
      scoresIndex = pi;
      break;
    }
    if (p.kind != OpKind::Elementwise || p.operands.empty())
      return std::nullopt;
    llvm::StringRef name = shortName(p);
    members.insert(pi);
    if (name == "convert" || name == "copy") {
      t = p.operands[0];
    } else if (name == "subtract" && p.operands.size() == 2 &&
               isBroadcastOrConstant(p.operands[1])) {
      t = p.operands[0]; // x - max(x)
    } else if ((name == "multiply" || name == "divide" || name == "add") &&
               p.operands.size() == 2) {
      // A scale or a bias: the other operand is broadcast from something
      // smaller (or is a constant).
      bool lhsSide = isBroadcastOrConstant(p.operands[0]);
      bool rhsSide = isBroadcastOrConstant(p.operands[1]);
      if (rhsSide)
        t = p.operands[0];
      else if (lhsSide && name != "divide")
        t = p.operands[1];
      else
        return std::nullopt;
    } else if (name == "select" && p.operands.size() == 3 &&
               isBroadcastOrConstant(p.operands[2])) {
      match.causal |= isCausalMask(p.operands[0]);
      t = p.operands[1]; // where(mask, scores, -inf)
    } else {
      return std::nullopt;
    }
  }
  if (scoresIndex < 0)
    return std::nullopt;
  const Op &qk = graph.ops[scoresIndex];
  if (qk.operands.size() != 2 || qk.results.size() != 1)
    return std::nullopt;
  members.insert(scoresIndex);

  // 3. The two dots agree: p·v contracts the key dims of the scores and
  //    batches over the scores' batch dims.
  unsigned nb = qk.lhsBatch.size(), nc = qk.lhsContract.size();
  unsigned qRank = graph.tensors[qk.operands[0]].rank();
  unsigned kRank = graph.tensors[qk.operands[1]].rank();
  if (nc == 0 || qRank < nb + nc + 1 || kRank < nb + nc + 1)
    return std::nullopt;
  unsigned nlf = qRank - nb - nc, nrf = kRank - nb - nc;
  llvm::SmallVector<int64_t, 4> batchPos, keyPos;
  for (unsigned d = 0; d < nb; ++d)
    batchPos.push_back(d);
  for (unsigned d = 0; d < nrf; ++d)
    keyPos.push_back(nb + nlf + d);
  auto sameSet = [](llvm::ArrayRef<int64_t> a, llvm::ArrayRef<int64_t> b) {
    llvm::SmallVector<int64_t, 4> x(a), y(b);
    llvm::sort(x);
    llvm::sort(y);
    return x == y;
  };
  if (!sameSet(pv.lhsBatch, batchPos) || !sameSet(pv.lhsContract, keyPos) ||
      pv.rhsBatch.size() != nb || pv.rhsContract.size() != nrf)
    return std::nullopt;
  const auto &vShape = shape(pv.operands[1]);
  const auto &sShape = shape(qk.results[0]);
  for (auto [lhs, rhs] : llvm::zip(pv.lhsBatch, pv.rhsBatch))
    if (rhs < 0 || size_t(rhs) >= vShape.size() || sShape[lhs] != vShape[rhs])
      return std::nullopt;
  for (auto [lhs, rhs] : llvm::zip(pv.lhsContract, pv.rhsContract))
    if (rhs < 0 || size_t(rhs) >= vShape.size() || sShape[lhs] != vShape[rhs])
      return std::nullopt;

  // 4. Softmax's normaliser: a sum over the key dims of the exponential (or
  //    of a convert of it).
  auto isKeySum = [&](unsigned user) {
    const Op &r = graph.ops[user];
    return r.kind == OpKind::Reduce && r.reducer == "add" &&
           sameSet(r.dimensions, keyPos);
  };
  bool normalised = false;
  for (unsigned c : chain) {
    int pi = producerIndex(c);
    bool afterExp = pi >= 0 && (pi == expIndex ||
                                (members.count(pi) && pi > expIndex &&
                                 graph.ops[pi].kind == OpKind::Elementwise));
    for (unsigned user : users[c])
      if (!members.count(user) && graph.ops[user].kind == OpKind::Reduce) {
        if (afterExp && isKeySum(user))
          normalised = true;
        // max (before exp) and sum (after): read inside the kernel.
        if (sameSet(graph.ops[user].dimensions, keyPos))
          members.insert(user);
      }
  }
  if (!normalised)
    return std::nullopt;

  // 5. Side inputs computed only for the kernel (broadcast statistics, the
  //    scale, the mask) fold into it; q, k and v do not.
  std::set<unsigned> inputs{qk.operands[0], qk.operands[1], pv.operands[1]};
  for (bool grew = true; grew;) {
    grew = false;
    for (unsigned m : std::vector<unsigned>(members.begin(), members.end()))
      for (unsigned operand : graph.ops[m].operands) {
        int pi = producerIndex(operand);
        if (pi < 0 || members.count(pi) || inputs.count(operand))
          continue;
        const Op &p = graph.ops[pi];
        bool cheap = p.kind == OpKind::BroadcastInDim ||
                     p.kind == OpKind::Reshape ||
                     p.kind == OpKind::Transpose ||
                     p.kind == OpKind::Elementwise ||
                     p.kind == OpKind::Reduce || p.kind == OpKind::Source;
        bool onlyForKernel = llvm::all_of(p.results, [&](unsigned r) {
          return llvm::all_of(users[r],
                              [&](unsigned u) { return members.count(u) > 0; });
        });
        if (cheap && onlyForKernel) {
          members.insert(pi);
          grew = true;
        }
      }
  }

  // 6. Nothing outside reads the scores or the probabilities.
  for (unsigned c : chain)
    for (unsigned user : users[c])
      if (!members.count(user))
        return std::nullopt;

  match.scores = scoresIndex;
  match.output = pvIndex;
  match.members.assign(members.begin(), members.end());
  return match;
}

} // namespace

std::vector<AttentionMatch> findAttention(const TensorGraph &graph) {
  Matcher matcher(graph);
  std::vector<AttentionMatch> out;
  for (unsigned i = 0; i < graph.ops.size(); ++i)
    if (graph.ops[i].kind == OpKind::DotGeneral)
      if (std::optional<AttentionMatch> m = matcher.matchOutput(i))
        out.push_back(std::move(*m));
  return out;
}

bool isAttentionKernel(llvm::StringRef target, llvm::StringRef kernelName) {
  std::string name = kernelName.lower();
  llvm::StringRef n(name);
  if (target.starts_with("__cudnn$fmha"))
    return !target.contains("Backward");
  if (target != "tpu_custom_call")
    return false;
  bool attention =
      n.contains("flash") || n.contains("splash") || n.contains("attention");
  bool backward = n.contains("dkv") || n.contains("_dq") ||
                  n.contains("bwd") || n.contains("backward");
  return attention && !backward;
}

} // namespace aoizora::planner
