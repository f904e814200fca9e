//===- Strategies.cpp - Self-attention under each parallel strategy ---------===//
//
// Ulysses (constraint form and explicit all-to-alls in a manual
// computation), ring attention (collective-permutes in a manual
// computation), FSDP's K/V gathers, and the plain core for CFG/TP
// (ref §2.2 of ../shared/reference/dit-workloads.md; docs/workloads.md).
//
//===----------------------------------------------------------------------===//

#include "Writer.h"

namespace aoizora::wangen {

std::array<Val, 4> Writer::openManualBody(StringRef name, const Val &q,
                                          const Val &k, const Val &v,
                                          const Spec &qSpec,
                                          const Spec &kvSpec) {
  std::set<std::string> manualSet;
  for (const Spec *s : {&qSpec, &kvSpec})
    for (const AxisList &axes : *s)
      manualSet.insert(axes.begin(), axes.end());
  std::string manual;
  for (auto &a : p.mesh)
    if (manualSet.count(a.first))
      manual += (manual.empty() ? "\"" : ", \"") + a.first + "\"";
  Val r{fresh(name), q.shape};
  Val ql{fresh("ql"), localShape(q.shape, qSpec)};
  Val kl{fresh("kl"), localShape(k.shape, kvSpec)};
  Val vl{fresh("vl"), localShape(v.shape, kvSpec)};
  line() << r.name << " = \"sdy.manual_computation\"(" << q.name << ", "
         << k.name << ", " << v.name
         << ") <{in_shardings = " << sdyPerValue({qSpec, kvSpec, kvSpec})
         << ", manual_axes = "
         << "#sdy<manual_axes{" << manual
         << "}>, out_shardings = " << sdyPerValue({qSpec}) << "}> ({\n";
  line() << "^bb0(" << ql.name << ": " << typeOf(ql) << ", " << kl.name << ": "
         << typeOf(kl) << ", " << vl.name << ": " << typeOf(vl) << "):\n";
  indent += 2;
  return {r, ql, kl, vl};
}

Val Writer::manualUlysses(const Val &q, const Val &k, const Val &v,
                          const Spec &qSpec, const Spec &kvSpec) {
  auto [r, ql, kl, vl] = openManualBody("ulysses", q, k, v, qSpec, kvSpec);
  int64_t n = p.size("sp");
  std::string groups = denseGroups(groupsOver("sp"));
  // Ulysses (ref §2.2): all-to-all from tokens to heads for q, k, v ...
  auto a2a = [&](const Val &x, int64_t split, int64_t concatDim,
                 StringRef hint) {
    Shape shape = x.shape;
    shape[split] /= n;
    shape[concatDim] *= n;
    return op(
        "stablehlo.all_to_all", {x}, shape,
        "channel_handle = #stablehlo.channel_handle<handle = " +
            std::to_string(++channel) + ", type = 1>, concat_dimension = " +
            std::to_string(concatDim) + " : i64, replica_groups = " + groups +
            ", split_count = " + std::to_string(n) +
            " : i64, split_dimension = " + std::to_string(split) + " : i64",
        "", hint);
  };
  Val qh = a2a(ql, 2, 1, "qh");
  Val kh = a2a(kl, 2, 1, "kh");
  Val vh = a2a(vl, 2, 1, "vh");
  // FSDP's token shards: K and V are all-gathered over "fsdp" after the
  // all-to-all (on the smaller head-sharded blocks).
  if (p.fsdp && p.size("fsdp") > 1) {
    int64_t f = p.size("fsdp");
    std::string fsdpGroups = denseGroups(groupsOver("fsdp"));
    auto gather = [&](const Val &x, StringRef hint) {
      Shape shape = x.shape;
      shape[1] *= f;
      return op("stablehlo.all_gather", {x}, shape,
                "all_gather_dim = 1 : i64, channel_handle = "
                "#stablehlo.channel_handle<handle = " +
                    std::to_string(++channel) +
                    ", type = 1>, replica_groups = " + fsdpGroups +
                    ", use_global_device_ids",
                "", hint);
    };
    kh = gather(kh, "kg");
    vh = gather(vh, "vg");
  }
  Val o = chunkedAttention(qh, kh, vh, "oh");
  // ... and back from heads to tokens for the output.
  Val ot = a2a(o, 1, 2, "ot");
  line() << "\"sdy.return\"(" << ot.name << ") : (" << typeOf(ot)
         << ") -> ()\n";
  indent -= 2;
  line() << "}) : (" << typesOf({q, k, v}) << ") -> " << typeOf(r) << "\n";
  return r;
}

Val Writer::manualRing(const Val &q, const Val &k, const Val &v,
                       const Spec &qSpec, const Spec &kvSpec) {
  auto [r, ql, kl, vl] = openManualBody("ring", q, k, v, qSpec, kvSpec);

  // Ring attention (ref §2.2): R-1 steps that attend to the K,V block in
  // hand and pass it on to the next device of the ring axis
  // (collective_permute j -> j+1 mod R), then the last block.
  int64_t R = p.size("ring");
  std::string pairs;
  {
    std::vector<std::vector<int64_t>> rows;
    int ax = p.axisIndex("ring");
    for (int64_t id = 0; id < p.numDevices(); ++id) {
      std::vector<int64_t> c = coordsOf(id);
      c[ax] = (c[ax] + 1) % R;
      rows.push_back({id, idOf(c)});
    }
    pairs = denseGroups(rows);
  }
  // Queries against one block: scores, accumulate PV and row sums.
  // With --attention=kernel, the splash kernel with residuals gives the
  // block's output and per-row log-sum-exp; the log-sum-exp combine of
  // blocks is elementwise on those shapes and written as adds.
  auto attend = [&](const Val &qb, const Val &kb, const Val &vb, const Val &acc,
                    const Val &den) -> std::pair<Val, Val> {
    if (p.attention == AttentionForm::Kernel) {
      std::vector<Val> blk = splashKernel(qb, kb, vb, true, "blk");
      Val lse = op("stablehlo.convert", {blk[1]}, blk[1].shape, "", "", "lse",
                   den.elt);
      return {ew("add", {acc, blk[0]}, "acc"), ew("add", {den, lse}, "densum")};
    }
    Val s = dot(qb, kb, {0, 2}, {0, 2}, {3}, {3}, "scores");
    Val e = ew("exponential", {s}, "probs");
    Val d = reduceSum(e, {3}, "den");
    Val pv = dot(e, vb, {0, 1}, {0, 2}, {3}, {1}, "pv");
    return {ew("add", {acc, pv}, "acc"), ew("add", {den, d}, "densum")};
  };
  // One step: all local queries against one block; with --attention-chunks
  // a loop over the strided query chunks (as chunkedAttention) that slices
  // the chunk's accumulators too and writes them back.
  Val q5;
  if (p.chunks > 1)
    q5 = chunkTokens(ql, "qchunks");
  auto step = [&](const Val &kb, const Val &vb, const Val &acc,
                  const Val &den) -> std::pair<Val, Val> {
    if (p.chunks <= 1)
      return attend(ql, kb, vb, acc, den);
    int64_t N = p.chunks, b = acc.shape[0], h = acc.shape[1],
            c = acc.shape[2] / N, d = acc.shape[3];
    Val acc5 = reshape(acc, {b, h, c, N, d}, "accchunks");
    Val den4 = reshape(den, {b, h, c, N}, "denchunks");
    std::vector<Val> r = countedLoop(
        "chunks", N, {q5, kb, vb, acc5, den4},
        [&](const Val &i, const std::vector<Val> &x) -> std::vector<Val> {
          Val qc = sliceChunk(x[0], 2, i, "qc");
          Val ac = sliceChunk(x[3], 3, i, "accc");
          Val dc = sliceChunk(x[4], 3, i, "denc");
          auto [a2, d2] = attend(qc, x[1], x[2], ac, dc);
          return {x[0], x[1], x[2], updateChunk(x[3], a2, 3, i, "accchunks"),
                  updateChunk(x[4], d2, 3, i, "denchunks")};
        });
    return {reshape(r[3], acc.shape, "acc"),
            reshape(r[4], den.shape, "densum")};
  };
  Shape accShape{ql.shape[0], ql.shape[2], ql.shape[1], ql.shape[3]};
  Shape denShape{ql.shape[0], ql.shape[2], ql.shape[1]};
  Val acc = constantSplat("0.000000e+00", accShape, "acc0");
  Val den = constantSplat("0.000000e+00", denShape, "den0");
  Val kb = kl, vb = vl;
  if (R > 1) {
    std::string perm = "channel_handle = #stablehlo.channel_handle<handle = ";
    std::vector<Val> r = countedLoop(
        "ringloop", R - 1, {kl, vl, acc, den},
        [&](const Val &, const std::vector<Val> &x) -> std::vector<Val> {
          auto [acc2, den2] = step(x[0], x[1], x[2], x[3]);
          Val kn = op("stablehlo.collective_permute", {x[0]}, x[0].shape,
                      perm + std::to_string(++channel) +
                          ", type = 1>, source_target_pairs = " + pairs,
                      "", "knext");
          Val vn = op("stablehlo.collective_permute", {x[1]}, x[1].shape,
                      perm + std::to_string(++channel) +
                          ", type = 1>, source_target_pairs = " + pairs,
                      "", "vnext");
          return {kn, vn, acc2, den2};
        });
    kb = r[0];
    vb = r[1];
    acc = r[2];
    den = r[3];
  }
  auto [accF, denF] = step(kb, vb, acc, den);
  Val db = broadcast(denF, accF.shape, {0, 1, 2}, "denb");
  Val o = ew("divide", {accF, db}, "attn");
  Val ot = transpose(o, {0, 2, 1, 3}, "ot");
  line() << "\"sdy.return\"(" << ot.name << ") : (" << typeOf(ot)
         << ") -> ()\n";
  indent -= 2;
  line() << "}) : (" << typesOf({q, k, v}) << ") -> " << typeOf(r) << "\n";
  return r;
}

Val Writer::selfAttentionCore(Val q, Val k, Val v) {
  AxisList tokens = p.tokenAxes(), tp = p.tpAxes();
  // Ulysses in constraint form (also the Ulysses half of USP): move "sp"
  // from tokens to heads. FSDP's token shards are data parallel: K and V
  // are all-gathered over "fsdp" (KV all-gather, ref §2.2).
  AxisList qTokens = p.ulysses ? minus(tokens, {"sp"}) : tokens;
  AxisList heads = p.ulysses ? concat(tp, {"sp"}) : tp;
  AxisList kvTokens = minus(qTokens, {"fsdp"});
  Spec qSpec = headSpec(qTokens, heads), kvSpec = headSpec(kvTokens, heads);
  if (p.ulysses)
    q = constrain(q, qSpec, "qa");
  if (p.ulyssesManual)
    kvSpec = qSpec; // gathered over fsdp inside, after the all-to-all
  if (p.ulysses || (p.fsdp && !p.ulyssesManual)) {
    k = constrain(k, kvSpec, "ka");
    v = constrain(v, kvSpec, "va");
  }
  Val o;
  if (p.ring)
    o = manualRing(q, k, v, qSpec, kvSpec);
  else if (p.ulyssesManual)
    o = manualUlysses(q, k, v, qSpec, kvSpec);
  else
    o = shardedAttention(q, k, v, qSpec, kvSpec, /*chunked=*/true, "o");
  if (p.ulysses)
    o = constrain(o, headSpec(tokens, tp), "ob");
  return o;
}

/// One WanAttentionBlock (ref §1.3 table; LayerNorms and the adaLN
/// modulation are elementwise and communication-free under every strategy

} // namespace aoizora::wangen
