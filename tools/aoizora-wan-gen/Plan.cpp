//===- Plan.cpp - Wan 2.1 dimensions and the generation plan ----------------===//

#include "Plan.h"

#include "AoiZora/Support/CheckedMath.h"

#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/WithColor.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdlib>
#include <set>

namespace aoizora::wangen {

/// Reports a usage error and exits; nothing has been written yet (the
/// module is built in memory first).
[[noreturn]] void fail(const llvm::Twine &message) {
  llvm::WithColor::error(llvm::errs(), "aoizora-wan-gen") << message << "\n";
  std::exit(1);
}

std::string joinInts(llvm::ArrayRef<int64_t> values, StringRef sep) {
  std::string out;
  for (auto [i, v] : llvm::enumerate(values)) {
    if (i)
      out += sep;
    out += std::to_string(v);
  }
  return out;
}

static std::vector<std::pair<std::string, int64_t>> parseMesh(StringRef text) {
  std::vector<std::pair<std::string, int64_t>> mesh;
  llvm::SmallVector<StringRef> parts;
  text.split(parts, ',', -1, /*KeepEmpty=*/true);
  for (StringRef part : parts) {
    auto [name, size] = part.trim().split('=');
    name = name.trim();
    size = size.trim();
    if (name.empty() || size.empty())
      fail("--mesh: expected name=size, got '" + part.trim() + "'");
    if (!llvm::isAlpha(name.front()) && name.front() != '_')
      fail("--mesh: axis name '" + name + "' must start with a letter or _");
    if (!llvm::all_of(name,
                      [](char c) { return llvm::isAlnum(c) || c == '_'; }))
      fail("--mesh: axis name '" + name +
           "' may only contain letters, digits and _");
    int64_t n;
    if (size.getAsInteger(10, n) || n < 1)
      fail("--mesh: size of axis '" + name +
           "' must be a positive integer, "
           "got '" +
           size + "'");
    for (auto &a : mesh)
      if (a.first == name)
        fail("--mesh: axis '" + name + "' appears twice");
    mesh.push_back({name.str(), n});
  }
  // The mesh becomes mhlo.num_partitions: bound it before anything wraps.
  llvm::SmallVector<int64_t> sizes;
  for (auto &a : mesh)
    sizes.push_back(a.second);
  if (llvm::Expected<int64_t> n =
          aoizora::deviceCountOf(sizes, "--mesh: the axis sizes");
      !n)
    fail(llvm::toString(n.takeError()));
  return mesh;
}

Plan makePlan(const GenOptions &o) {
  Plan p;
  if (StringRef(o.model).equals_insensitive("1.3b"))
    p.model = kModel13B;
  else if (StringRef(o.model).equals_insensitive("14b"))
    p.model = kModel14B;
  else
    fail("--model must be 1.3b or 14b, got '" + o.model + "'");

  // ref §1.2: S = ((81-1)/4+1) * (H/8/2) * (W/8/2).
  if (o.resolution == "480p")
    p.rawS = 21 * 30 * 52; // 32760
  else if (o.resolution == "720p")
    p.rawS = 21 * 45 * 80; // 75600
  else
    fail("--resolution must be 480p or 720p, got '" + o.resolution + "'");
  // Bounds that keep every shape and count far from int64 overflow and the
  // unrolled text within memory; real Wan workloads are well inside them.
  constexpr int64_t kMaxTokens = int64_t(1) << 31;
  constexpr int64_t kMaxLayers = 100000;
  constexpr int64_t kMaxUnrolledLayers = 1000;
  if (o.tokens < 0)
    fail("--tokens must be positive");
  if (o.tokens > kMaxTokens)
    fail("--tokens must be at most " + std::to_string(kMaxTokens));
  if (o.tokens > 0)
    p.rawS = o.tokens;

  p.L = o.layers == 0 ? p.model.L : int64_t(o.layers);
  if (o.layers < 0)
    fail("--layers must be positive");
  if (p.L > kMaxLayers)
    fail("--layers must be at most " + std::to_string(kMaxLayers));
  if (!o.loop && p.L > kMaxUnrolledLayers)
    fail("--layers above " + std::to_string(kMaxUnrolledLayers) +
         " must use --loop (unrolled text grows with every layer)");
  p.loop = o.loop;
  p.gspmd = o.gspmd;
  if (o.cfg == "batch")
    p.twoPass = false;
  else if (o.cfg == "two-pass")
    p.twoPass = true;
  else
    fail("--cfg must be batch or two-pass, got '" + o.cfg + "'");
  p.B = p.twoPass ? 1 : 2;

  // Strategy.
  std::string strategy = o.strategy.empty() ? std::string("cfg+ulysses+tp")
                                             : std::string(o.strategy);
  p.strategyText = strategy;
  llvm::SmallVector<StringRef> parts;
  StringRef(strategy).split(parts, '+', -1, /*KeepEmpty=*/true);
  std::set<std::string> seen;
  bool none = false;
  for (StringRef part : parts) {
    part = part.trim();
    if (!seen.insert(part.str()).second)
      fail("--strategy: '" + part + "' appears twice");
    if (part == "none")
      none = true;
    else if (part == "cfg")
      p.cfg = true;
    else if (part == "ulysses")
      p.ulysses = true;
    else if (part == "ulysses-manual")
      p.ulyssesManual = true;
    else if (part == "ring")
      p.ring = true;
    else if (part == "usp")
      p.ulysses = p.ring = true;
    else if (part == "tp")
      p.tp = true;
    else if (part == "fsdp")
      p.fsdp = true;
    else
      fail("--strategy: unknown strategy '" + part +
           "' (expected none, cfg, ulysses, ulysses-manual, ring, usp, tp, "
           "fsdp, or several joined by '+')");
  }
  if (none && parts.size() > 1)
    fail("--strategy: 'none' cannot be combined with other strategies");
  if (seen.count("usp") && (seen.count("ulysses") || seen.count("ring")))
    fail("--strategy: usp already is ulysses+ring");
  if (p.ulyssesManual && (p.ulysses || p.ring))
    fail("--strategy: ulysses-manual cannot be combined with ulysses, ring or "
         "usp (use usp for Ulysses x Ring)");
  if (p.cfg && p.twoPass)
    fail("--strategy=cfg shards the CFG batch of 2 and needs --cfg=batch "
         "(--cfg=two-pass runs batch-1 forwards one after the other)");
  if (p.gspmd && (p.ring || p.ulyssesManual))
    fail("--gspmd: " +
         std::string(p.ring ? (p.ulysses ? "usp" : "ring") : "ulysses-manual") +
         " needs an sdy.manual_computation with explicit collectives, which "
         "has no GSPMD form here; --gspmd supports cfg, ulysses, tp, fsdp "
         "and their hybrids");

  // Mesh.
  AxisList required;
  if (p.cfg)
    required.push_back("cfg");
  if (p.fsdp)
    required.push_back("fsdp");
  if (p.ring)
    required.push_back("ring");
  if (p.ulysses || p.ulyssesManual)
    required.push_back("sp");
  if (p.tp)
    required.push_back("tp");
  if (!o.mesh.empty()) {
    p.mesh = parseMesh(o.mesh);
  } else if (o.strategy.empty()) {
    p.mesh = {{"cfg", 2}, {"sp", 4}, {"tp", 2}};
  } else if (required.empty()) {
    p.mesh = {{"x", 1}};
  } else {
    for (const std::string &a : required)
      p.mesh.push_back({a, 2});
  }
  std::string meshText;
  for (auto [i, a] : llvm::enumerate(p.mesh))
    meshText += (i ? "," : "") + a.first + "=" + std::to_string(a.second);
  for (const std::string &a : required)
    if (p.axisIndex(a) < 0)
      fail("--mesh: strategy '" + strategy + "' needs a mesh axis named \"" +
           a + "\" (mesh: " + meshText + ")");
  for (auto &a : p.mesh)
    if (!llvm::is_contained(required, a.first))
      llvm::WithColor::warning(llvm::errs(), "aoizora-wan-gen")
          << "mesh axis \"" << a.first
          << "\" is not used by the strategy: every value is replicated "
             "over it\n";

  // Divisibility on the written mesh (other candidate meshes are the
  // planner's to check). Tokens are padded like Wan's sequence parallel
  // does (ref §1.2: seq_len = ceil(S/sp)*sp).
  int64_t tokenShards = p.size(p.tokenAxes());
  p.S = (p.rawS + tokenShards - 1) / tokenShards * tokenShards;
  // The largest tensor stage 1 sizes is the unfused attention scores
  // [B, H, S, S] in f32: its byte count must fit in 64 bits.
  if (!aoizora::checkedProduct({p.B, p.model.H, p.S, p.S, 4}))
    fail("--tokens " + std::to_string(p.rawS) +
         ": the attention scores [B, H, S, S] of " + std::to_string(p.S) +
         " tokens have a byte count that overflows 64-bit arithmetic");
  auto check = [&](StringRef what, int64_t value, const AxisList &axes,
                   StringRef why) {
    int64_t n = p.size(axes);
    if (n > 1 && value % n != 0)
      fail(what + " (" + std::to_string(value) + ") is not divisible by " +
           llvm::join(axes, "*") + " = " + std::to_string(n) + " on mesh " +
           meshText + why);
  };
  check("the batch", p.B, p.batchAxes(), "");
  AxisList headAxes = p.tpAxes();
  if (p.ulysses || p.ulyssesManual)
    headAxes.push_back("sp");
  check("the number of heads of the " + p.model.name + " model", p.model.H,
        headAxes,
        p.ulysses || p.ulyssesManual
            ? " (Ulysses and tensor parallelism split heads: "
              "dit-workloads.md §1.6 item 5)"
            : " (tensor parallelism splits heads)");
  check("the FFN dimension", p.model.F, p.tpAxes(), "");
  check("the model dimension", p.model.D,
        p.fsdp ? AxisList{"fsdp"} : AxisList{},
        " (FSDP splits the weights' model dimension)");

  // Query chunks of self-attention: the chunks split each device's query
  // tokens (strided, see Writer::chunkedAttention), so the per-device
  // query token count must be a multiple of N, and so is then S.
  if (o.attention == "fused")
    p.attention = AttentionForm::Fused;
  else if (o.attention == "unfused")
    p.attention = AttentionForm::Unfused;
  else if (o.attention == "kernel")
    p.attention = AttentionForm::Kernel;
  else
    fail("--attention must be fused, unfused or kernel, got '" + o.attention +
         "'");
  if (p.attention == AttentionForm::Kernel && o.chunks > 1)
    fail("--attention-chunks splits the written-out scores of self-attention; "
         "--attention=kernel never writes them (use one or the other)");
  if (p.attention == AttentionForm::Kernel && p.gspmd)
    fail("--attention=kernel puts the kernel in an sdy.manual_computation "
         "(shard_map), which has no GSPMD form here");

  if (o.chunks < 1)
    fail("--attention-chunks must be a positive integer, got " +
         std::to_string(o.chunks));
  p.chunks = o.chunks;
  if (p.chunks > 1) {
    if (p.chunks > p.S)
      fail("--attention-chunks=" + std::to_string(p.chunks) +
           " is more than the " + std::to_string(p.S) + " video tokens");
    auto divisorsNear = [&](int64_t n) {
      // The divisors of n closest to the requested count, below and above;
      // divisors come in pairs (d, n/d), so sqrt(n) steps find them all.
      int64_t below = 0, above = 0;
      auto consider = [&](int64_t c) {
        if (c >= 2 && c < p.chunks && c > below)
          below = c;
        if (c > p.chunks && (!above || c < above))
          above = c;
      };
      for (int64_t d = 1; d <= n / d; ++d)
        if (n % d == 0) {
          consider(d);
          consider(n / d);
        }
      std::string s;
      for (int64_t c : {below, above})
        if (c)
          s += (s.empty() ? "" : " or ") + std::to_string(c);
      return s.empty() ? std::string() : "; nearest that divide it: " + s;
    };
    std::string sText =
        std::to_string(p.S) +
        (p.S != p.rawS ? " (padded from " + std::to_string(p.rawS) + ")" : "");
    if (p.S % p.chunks != 0)
      fail("--attention-chunks=" + std::to_string(p.chunks) +
           ": the video token count S = " + sText + " is not divisible by " +
           std::to_string(p.chunks) + divisorsNear(p.S));
    AxisList qAxes = p.queryTokenAxes();
    int64_t perDevice = p.S / p.size(qAxes);
    if (perDevice % p.chunks != 0)
      fail("--attention-chunks=" + std::to_string(p.chunks) +
           ": the per-device query tokens of self-attention, S / " +
           llvm::join(qAxes, "*") + " = " + std::to_string(p.S) + " / " +
           std::to_string(p.size(qAxes)) + " = " + std::to_string(perDevice) +
           " on mesh " + meshText +
           (p.ulysses || p.ulyssesManual
                ? " (Ulysses has gathered the tokens over sp by then)"
                : "") +
           ", are not divisible by " + std::to_string(p.chunks) +
           divisorsNear(perDevice));
  }
  return p;
}

} // namespace aoizora::wangen
