//===- aoizora-wan-gen.cpp - Wan 2.1 DiT workload generator ---------------===//
//
// Writes a generic-form StableHLO module of a Wan 2.1 text-to-video DiT
// forward (patch embedding, L blocks of self-attention, cross-attention and
// FFN, output head, classifier-free guidance) with Shardy annotations (or
// GSPMD `mhlo.sharding` strings) for one parallel strategy on a named mesh.
// The module uses only ops that stage 1 of the planner follows
// (docs/stage1.md); docs/workloads.md describes the options, what each
// strategy emits and the dimensions.
//
// All model numbers come from ../shared/reference/dit-workloads.md (cited as
// "ref §x.y" below).
//
//===----------------------------------------------------------------------===//

#include "AoiZora/Support/CheckedMath.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/STLFunctionalExtras.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/WithColor.h"
#include "llvm/Support/raw_ostream.h"

#include <array>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

using llvm::StringRef;
namespace cl = llvm::cl;

//===----------------------------------------------------------------------===//
// Command line
//===----------------------------------------------------------------------===//

static cl::OptionCategory genCategory("aoizora-wan-gen options");

static cl::opt<std::string> modelOpt(
    "model", cl::init("14b"), cl::cat(genCategory),
    cl::desc("Wan 2.1 T2V model: 1.3b (D=1536, 12 heads, FFN 8960, 30 "
             "layers) or 14b (D=5120, 40 heads, FFN 13824, 40 layers)"));
static cl::opt<std::string> resolutionOpt(
    "resolution", cl::init("480p"), cl::cat(genCategory),
    cl::desc("81-frame clip size: 480p (832x480, S=32760 tokens) or 720p "
             "(1280x720, S=75600 tokens)"));
static cl::opt<int64_t> tokensOpt(
    "tokens", cl::init(0), cl::cat(genCategory),
    cl::desc("override the video token count S (small test modules; 0: from "
             "--resolution)"));
static cl::opt<int64_t>
    layersOpt("layers", cl::init(0), cl::cat(genCategory),
              cl::desc("number of DiT blocks (0: the model's 30 or 40)"));
static cl::opt<bool> loopOpt(
    "loop", cl::init(false), cl::cat(genCategory),
    cl::desc("emit the blocks as a stablehlo.while with a constant trip "
             "count over stacked [L,...] weights instead of unrolling them"));
static cl::opt<int64_t> chunksOpt(
    "attention-chunks", cl::init(1), cl::cat(genCategory),
    cl::desc("compute self-attention over N query chunks in a constant-trip "
             "stablehlo.while (dynamic_slice of q, dynamic_update_slice of "
             "the output), so the scores are [B,H,S/N,S] instead of "
             "[B,H,S,S]; 1: one block (default)"));
static cl::opt<std::string> cfgOpt(
    "cfg", cl::init("batch"), cl::cat(genCategory),
    cl::desc("classifier-free guidance: batch (one forward of batch 2, "
             "conditional and unconditional) or two-pass (two sequential "
             "forwards of batch 1)"));
static cl::opt<std::string> strategyOpt(
    "strategy", cl::init(""), cl::cat(genCategory),
    cl::desc("parallel strategy, or several joined by '+': none, cfg, "
             "ulysses, ulysses-manual, ring, usp (= ulysses+ring), tp, fsdp; "
             "e.g. cfg+ulysses+tp (default), fsdp+ulysses, cfg+usp"));
static cl::opt<std::string> meshOpt(
    "mesh", cl::init(""), cl::cat(genCategory),
    cl::desc("mesh axes and sizes, major to minor, e.g. cfg=2,sp=4,tp=2. "
             "Axis names per strategy: cfg -> cfg, ulysses/ulysses-manual -> "
             "sp, ring -> ring, usp -> sp and ring, tp -> tp, fsdp -> fsdp. "
             "Default: cfg=2,sp=4,tp=2 for the default strategy, otherwise "
             "size 2 for each axis the strategy needs"));
static cl::opt<bool> gspmdOpt(
    "gspmd", cl::init(false), cl::cat(genCategory),
    cl::desc("write GSPMD mhlo.sharding strings (custom_call @Sharding for "
             "constraints) instead of Shardy; only for cfg, ulysses, tp, fsdp "
             "and their hybrids"));
static cl::opt<std::string> outputOpt("o", cl::init("-"), cl::cat(genCategory),
                                      cl::desc("output file (default stdout)"),
                                      cl::value_desc("file"));

//===----------------------------------------------------------------------===//
// Errors
//===----------------------------------------------------------------------===//

namespace {

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

//===----------------------------------------------------------------------===//
// The plan: model dimensions, mesh and strategy
//===----------------------------------------------------------------------===//

using Shape = std::vector<int64_t>;
using AxisList = std::vector<std::string>;
/// Per tensor dimension, the mesh axes that shard it (major to minor).
using Spec = std::vector<AxisList>;

struct Model {
  std::string name;
  int64_t D, H, F, L;
};

// ref §1.1 (WAN-CFG): dim, num_heads, ffn_dim, num_layers; head_dim 128.
const Model kModel13B{"1.3b", 1536, 12, 8960, 30};
const Model kModel14B{"14b", 5120, 40, 13824, 40};
// ref §1.1: head_dim = D / H = 128.
constexpr int64_t kHeadDim = 128;
// ref §1.1: text_len 512 umT5 tokens (cross-attention context).
constexpr int64_t kTextTokens = 512;
// ref §1.1/§1.3: patch (1,2,2) x 16 latent channels = 64 features per token
// into the patch embedding, and 64 out of the head.
constexpr int64_t kPatchFeatures = 64;
// ref §1.4: guide_scale default 5.0.
constexpr const char *kGuideScale = "5.000000e+00";

struct Plan {
  Model model;
  int64_t B = 2;      // batch per forward (2 with CFG batched, ref §1.4)
  int64_t S = 0;      // video tokens, padded to the sequence shards
  int64_t rawS = 0;   // before padding
  int64_t L = 0;      // blocks emitted
  int64_t chunks = 1; // self-attention query chunks (--attention-chunks)
  bool twoPass = false, loop = false, gspmd = false;
  bool cfg = false, ulysses = false, ulyssesManual = false, ring = false,
       tp = false, fsdp = false;
  std::vector<std::pair<std::string, int64_t>> mesh;

  int64_t numDevices() const {
    int64_t n = 1;
    for (auto &a : mesh)
      n *= a.second;
    return n;
  }
  int axisIndex(StringRef name) const {
    for (auto [i, a] : llvm::enumerate(mesh))
      if (a.first == name)
        return int(i);
    return -1;
  }
  int64_t size(StringRef name) const {
    int i = axisIndex(name);
    return i < 0 ? 1 : mesh[i].second;
  }
  int64_t size(const AxisList &axes) const {
    int64_t n = 1;
    for (const std::string &a : axes)
      n *= size(a);
    return n;
  }

  AxisList batchAxes() const { return cfg ? AxisList{"cfg"} : AxisList{}; }
  /// The token dimension of activations, major to minor: fsdp (ZeRO-3 data
  /// parallel over tokens), ring, then the Ulysses axis (contiguous ranks,
  /// as yunchang's use_ulysses_low, ref §2.2 USP row).
  AxisList tokenAxes() const {
    AxisList t;
    if (fsdp)
      t.push_back("fsdp");
    if (ring)
      t.push_back("ring");
    if (ulysses || ulyssesManual)
      t.push_back("sp");
    return t;
  }
  AxisList tpAxes() const { return tp ? AxisList{"tp"} : AxisList{}; }
  /// The axes that shard q's token dimension where self-attention computes
  /// its scores: Ulysses (both forms) has moved "sp" to the heads by then.
  AxisList queryTokenAxes() const {
    AxisList t = tokenAxes();
    llvm::erase(t, "sp");
    return t;
  }
};

AxisList minus(AxisList axes, std::initializer_list<StringRef> drop) {
  llvm::erase_if(axes, [&](const std::string &a) {
    return llvm::is_contained(drop, StringRef(a));
  });
  return axes;
}
AxisList concat(AxisList a, const AxisList &b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

std::vector<std::pair<std::string, int64_t>> parseMesh(StringRef text) {
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

Plan makePlan() {
  Plan p;
  if (StringRef(modelOpt).equals_insensitive("1.3b"))
    p.model = kModel13B;
  else if (StringRef(modelOpt).equals_insensitive("14b"))
    p.model = kModel14B;
  else
    fail("--model must be 1.3b or 14b, got '" + modelOpt + "'");

  // ref §1.2: S = ((81-1)/4+1) * (H/8/2) * (W/8/2).
  if (resolutionOpt == "480p")
    p.rawS = 21 * 30 * 52; // 32760
  else if (resolutionOpt == "720p")
    p.rawS = 21 * 45 * 80; // 75600
  else
    fail("--resolution must be 480p or 720p, got '" + resolutionOpt + "'");
  // Bounds that keep every shape and count far from int64 overflow and the
  // unrolled text within memory; real Wan workloads are well inside them.
  constexpr int64_t kMaxTokens = int64_t(1) << 31;
  constexpr int64_t kMaxLayers = 100000;
  constexpr int64_t kMaxUnrolledLayers = 1000;
  if (tokensOpt < 0)
    fail("--tokens must be positive");
  if (tokensOpt > kMaxTokens)
    fail("--tokens must be at most " + std::to_string(kMaxTokens));
  if (tokensOpt > 0)
    p.rawS = tokensOpt;

  p.L = layersOpt == 0 ? p.model.L : int64_t(layersOpt);
  if (layersOpt < 0)
    fail("--layers must be positive");
  if (p.L > kMaxLayers)
    fail("--layers must be at most " + std::to_string(kMaxLayers));
  if (!loopOpt && p.L > kMaxUnrolledLayers)
    fail("--layers above " + std::to_string(kMaxUnrolledLayers) +
         " must use --loop (unrolled text grows with every layer)");
  p.loop = loopOpt;
  p.gspmd = gspmdOpt;
  if (cfgOpt == "batch")
    p.twoPass = false;
  else if (cfgOpt == "two-pass")
    p.twoPass = true;
  else
    fail("--cfg must be batch or two-pass, got '" + cfgOpt + "'");
  p.B = p.twoPass ? 1 : 2;

  // Strategy.
  std::string strategy = strategyOpt.empty() ? std::string("cfg+ulysses+tp")
                                             : std::string(strategyOpt);
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
  if (!meshOpt.empty()) {
    p.mesh = parseMesh(meshOpt);
  } else if (strategyOpt.empty()) {
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
  // The largest tensor stage 1 sizes is the attention scores [B, H, S, S] in
  // f32: its byte count must fit in 64 bits.
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
  if (chunksOpt < 1)
    fail("--attention-chunks must be a positive integer, got " +
         std::to_string(chunksOpt));
  p.chunks = chunksOpt;
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

//===----------------------------------------------------------------------===//
// The writer
//===----------------------------------------------------------------------===//

struct Val {
  std::string name;
  Shape shape;
  std::string elt = "bf16";
};

std::string typeOf(const Shape &shape, StringRef elt = "bf16") {
  std::string s = "tensor<";
  for (int64_t d : shape)
    s += std::to_string(d) + "x";
  return s + elt.str() + ">";
}
std::string typeOf(const Val &v) { return typeOf(v.shape, v.elt); }
std::string typesOf(llvm::ArrayRef<Val> vals) {
  std::string s;
  for (auto [i, v] : llvm::enumerate(vals))
    s += (i ? ", " : "") + typeOf(v);
  return s;
}
std::string namesOf(llvm::ArrayRef<Val> vals) {
  std::string s;
  for (auto [i, v] : llvm::enumerate(vals))
    s += (i ? ", " : "") + v.name;
  return s;
}
std::string i64Array(llvm::ArrayRef<int64_t> v) {
  return v.empty() ? "array<i64>" : "array<i64: " + joinInts(v, ", ") + ">";
}
std::string intList(llvm::ArrayRef<int64_t> v) {
  return "[" + joinInts(v, ", ") + "]";
}

class Writer {
public:
  Writer(const Plan &plan, llvm::raw_ostream &os) : p(plan), os(os) {}

  void module();

private:
  const Plan &p;
  llvm::raw_ostream &os;
  unsigned indent = 0;
  unsigned counter = 0;
  unsigned channel = 0;

  std::string fresh(StringRef hint) {
    return "%" + hint.str() + "_" + std::to_string(counter++);
  }
  llvm::raw_ostream &line() {
    os.indent(indent);
    return os;
  }

  //--- shardings -------------------------------------------------------===//

  std::string sdySpec(const Spec &spec) const {
    std::string s = "<@mesh, [";
    for (auto [i, axes] : llvm::enumerate(spec)) {
      s += i ? ", {" : "{";
      for (auto [j, a] : llvm::enumerate(axes))
        s += (j ? ", \"" : "\"") + a + "\"";
      s += "}";
    }
    return s + "]>";
  }
  std::string sdySharding(const Spec &spec) const {
    return "#sdy.sharding" + sdySpec(spec);
  }
  std::string sdyPerValue(llvm::ArrayRef<Spec> specs) const {
    std::string s = "#sdy.sharding_per_value<[";
    for (auto [i, spec] : llvm::enumerate(specs))
      s += (i ? ", " : "") + sdySpec(spec);
    return s + "]>";
  }
  /// The GSPMD tile assignment of \p spec on the row-major mesh.
  std::string hloSharding(const Spec &spec) const {
    std::vector<int64_t> tile;
    std::vector<int> order; // mesh axes (size > 1) in tile order
    std::set<int> used;
    for (const AxisList &axes : spec) {
      int64_t n = 1;
      for (const std::string &a : axes) {
        int i = p.axisIndex(a);
        n *= p.mesh[i].second;
        used.insert(i);
        if (p.mesh[i].second > 1)
          order.push_back(i);
      }
      tile.push_back(n);
    }
    if (llvm::all_of(tile, [](int64_t t) { return t == 1; }))
      return "{replicated}";
    int64_t rep = 1;
    for (auto [i, a] : llvm::enumerate(p.mesh))
      if (!used.count(int(i)) && a.second > 1) {
        rep *= a.second;
        order.push_back(int(i));
      }
    if (rep > 1)
      tile.push_back(rep);
    // Positions among the mesh axes of size > 1.
    std::vector<int64_t> dims;
    std::map<int, int64_t> position;
    for (auto [i, a] : llvm::enumerate(p.mesh))
      if (a.second > 1) {
        position[int(i)] = int64_t(dims.size());
        dims.push_back(a.second);
      }
    std::vector<int64_t> perm;
    for (int i : order)
      perm.push_back(position[i]);
    bool identity = true;
    for (auto [k, v] : llvm::enumerate(perm))
      identity &= int64_t(k) == v;
    std::string s = "{devices=[" + joinInts(tile, ",") + "]<=[";
    if (identity)
      s += std::to_string(p.numDevices()) + "]";
    else
      s += joinInts(dims, ",") + "]T(" + joinInts(perm, ",") + ")";
    if (rep > 1)
      s += " last_tile_dim_replicate";
    return s + "}";
  }
  std::string argAttr(const Spec &spec) const {
    if (p.gspmd)
      return "{mhlo.sharding = \"" + hloSharding(spec) + "\"}";
    return "{sdy.sharding = " + sdySharding(spec) + "}";
  }

  //--- mesh geometry ---------------------------------------------------===//

  std::vector<int64_t> coordsOf(int64_t id) const {
    std::vector<int64_t> c(p.mesh.size());
    for (int i = int(p.mesh.size()) - 1; i >= 0; --i) {
      c[i] = id % p.mesh[i].second;
      id /= p.mesh[i].second;
    }
    return c;
  }
  int64_t idOf(const std::vector<int64_t> &c) const {
    int64_t id = 0;
    for (auto [i, a] : llvm::enumerate(p.mesh))
      id = id * a.second + c[i];
    return id;
  }
  /// Device groups that differ only along \p axis (row-major ids).
  std::vector<std::vector<int64_t>> groupsOver(StringRef axis) const {
    int k = p.axisIndex(axis);
    std::vector<std::vector<int64_t>> groups;
    for (int64_t id = 0; id < p.numDevices(); ++id) {
      std::vector<int64_t> c = coordsOf(id);
      if (c[k] != 0)
        continue;
      std::vector<int64_t> g;
      for (int64_t j = 0; j < p.mesh[k].second; ++j) {
        c[k] = j;
        g.push_back(idOf(c));
      }
      groups.push_back(g);
    }
    return groups;
  }
  static std::string denseGroups(const std::vector<std::vector<int64_t>> &g) {
    std::string s = "dense<[";
    for (auto [i, row] : llvm::enumerate(g))
      s += (i ? ", [" : "[") + joinInts(row, ", ") + "]";
    return s + "]> : tensor<" + std::to_string(g.size()) + "x" +
           std::to_string(g.empty() ? 0 : g[0].size()) + "xi64>";
  }

  //--- ops ---------------------------------------------------------------===//

  /// `%r = "name"(operands) <{props}> {attrs} : (types) -> type`.
  Val op(StringRef name, llvm::ArrayRef<Val> operands, Shape shape,
         StringRef props = "", StringRef attrs = "", StringRef hint = "v",
         StringRef elt = "bf16") {
    Val r{fresh(hint), std::move(shape), elt.str()};
    line() << r.name << " = \"" << name << "\"(" << namesOf(operands) << ")";
    if (!props.empty())
      os << " <{" << props << "}>";
    if (!attrs.empty())
      os << " {" << attrs << "}";
    os << " : (" << typesOf(operands) << ") -> " << typeOf(r) << "\n";
    return r;
  }
  Val constantScalar(StringRef value, StringRef elt, StringRef hint = "c") {
    Val r{fresh(hint), {}, elt.str()};
    line() << r.name << " = \"stablehlo.constant\"() <{value = dense<" << value
           << "> : " << typeOf(r) << "}> : () -> " << typeOf(r) << "\n";
    return r;
  }
  Val constantSplat(StringRef value, const Shape &shape, StringRef hint) {
    Val r{fresh(hint), shape, "bf16"};
    line() << r.name << " = \"stablehlo.constant\"() <{value = dense<" << value
           << "> : " << typeOf(r) << "}> : () -> " << typeOf(r) << "\n";
    return r;
  }
  Val dot(const Val &lhs, const Val &rhs, llvm::ArrayRef<int64_t> lb,
          llvm::ArrayRef<int64_t> rb, llvm::ArrayRef<int64_t> lc,
          llvm::ArrayRef<int64_t> rc, StringRef hint) {
    Shape shape;
    for (int64_t d : lb)
      shape.push_back(lhs.shape[d]);
    for (auto [i, d] : llvm::enumerate(lhs.shape))
      if (!llvm::is_contained(lb, int64_t(i)) &&
          !llvm::is_contained(lc, int64_t(i)))
        shape.push_back(d);
    for (auto [i, d] : llvm::enumerate(rhs.shape))
      if (!llvm::is_contained(rb, int64_t(i)) &&
          !llvm::is_contained(rc, int64_t(i)))
        shape.push_back(d);
    std::string dims = "dot_dimension_numbers = #stablehlo.dot<";
    if (!lb.empty())
      dims += "lhs_batching_dimensions = " + intList(lb) +
              ", rhs_batching_dimensions = " + intList(rb) + ", ";
    dims += "lhs_contracting_dimensions = " + intList(lc) +
            ", rhs_contracting_dimensions = " + intList(rc) + ">";
    return op("stablehlo.dot_general", {lhs, rhs}, shape, dims, "", hint);
  }
  /// x[..., k] x w[k, n] -> [..., n].
  Val matmul(const Val &x, const Val &w, StringRef hint) {
    return dot(x, w, {}, {}, {int64_t(x.shape.size()) - 1}, {0}, hint);
  }
  Val ew(StringRef name, llvm::ArrayRef<Val> operands, StringRef hint) {
    return op(("stablehlo." + name).str(), operands, operands[0].shape, "", "",
              hint);
  }
  Val reshape(const Val &x, Shape shape, StringRef hint) {
    return op("stablehlo.reshape", {x}, std::move(shape), "", "", hint);
  }
  Val transpose(const Val &x, llvm::ArrayRef<int64_t> perm, StringRef hint) {
    Shape shape;
    for (int64_t d : perm)
      shape.push_back(x.shape[d]);
    return op("stablehlo.transpose", {x}, shape,
              "permutation = " + i64Array(perm), "", hint);
  }
  Val broadcast(const Val &x, Shape shape, llvm::ArrayRef<int64_t> dims,
                StringRef hint) {
    return op("stablehlo.broadcast_in_dim", {x}, std::move(shape),
              "broadcast_dimensions = " + i64Array(dims), "", hint);
  }
  /// A sum over \p dims.
  Val reduceSum(const Val &x, llvm::ArrayRef<int64_t> dims, StringRef hint) {
    Val init = constantScalar("0.000000e+00", "bf16", "zero");
    Shape shape;
    for (auto [i, d] : llvm::enumerate(x.shape))
      if (!llvm::is_contained(dims, int64_t(i)))
        shape.push_back(d);
    Val r{fresh(hint), shape, "bf16"};
    std::string a = fresh("a"), b = fresh("b"), s = fresh("s");
    line() << r.name << " = \"stablehlo.reduce\"(" << x.name << ", "
           << init.name << ") <{dimensions = " << i64Array(dims) << "}> ({\n";
    line() << "^bb0(" << a << ": tensor<bf16>, " << b << ": tensor<bf16>):\n";
    indent += 2;
    line() << s << " = \"stablehlo.add\"(" << a << ", " << b
           << ") : (tensor<bf16>, tensor<bf16>) -> tensor<bf16>\n";
    line() << "\"stablehlo.return\"(" << s << ") : (tensor<bf16>) -> ()\n";
    indent -= 2;
    line() << "}) : (" << typeOf(x) << ", tensor<bf16>) -> " << typeOf(r)
           << "\n";
    return r;
  }
  Val slice(const Val &x, Shape start, Shape limit, StringRef hint) {
    Shape shape, strides;
    for (size_t i = 0; i < start.size(); ++i) {
      shape.push_back(limit[i] - start[i]);
      strides.push_back(1);
    }
    return op("stablehlo.slice", {x}, shape,
              "limit_indices = " + i64Array(limit) + ", start_indices = " +
                  i64Array(start) + ", strides = " + i64Array(strides),
              "", hint);
  }
  /// A sharding constraint (Shardy) or custom_call @Sharding (GSPMD).
  Val constrain(const Val &x, const Spec &spec, StringRef hint) {
    if (p.gspmd)
      return op("stablehlo.custom_call", {x}, x.shape,
                "call_target_name = \"Sharding\"",
                "mhlo.sharding = \"" + hloSharding(spec) + "\"", hint);
    return op("sdy.sharding_constraint", {x}, x.shape,
              "sharding = " + sdySharding(spec), "", hint);
  }

  //--- model pieces ------------------------------------------------------===//

  /// RMSNorm over the model dimension (ref §1.3 step 3, §1.6.1: it spans
  /// all heads, so head-sharded TP needs an all-reduce of the sums).
  Val rmsNorm(const Val &x, StringRef hint) {
    Val sq = ew("multiply", {x, x}, "sq");
    Val ss = reduceSum(sq, {int64_t(x.shape.size()) - 1}, "ss");
    Val r = ew("rsqrt", {ss}, "rs");
    Shape dims;
    for (size_t i = 0; i + 1 < x.shape.size(); ++i)
      dims.push_back(int64_t(i));
    Val rb = broadcast(r, x.shape, dims, "rsb");
    return ew("multiply", {x, rb}, hint);
  }

  /// Attention of q[b,sq,h,d] over k,v[b,sk,h,d] -> [b,sq,h,d] on whatever
  /// shapes it gets (global or per device): scores, exp, row sums, PV,
  /// normalisation ("softmax-ish").
  Val attention(const Val &q, const Val &k, const Val &v, StringRef hint) {
    Val s = dot(q, k, {0, 2}, {0, 2}, {3}, {3}, "scores");
    Val e = ew("exponential", {s}, "probs");
    Val den = reduceSum(e, {3}, "den");
    Val pv = dot(e, v, {0, 1}, {0, 2}, {3}, {1}, "pv");
    Val db = broadcast(den, pv.shape, {0, 1, 2}, "denb");
    Val o = ew("divide", {pv, db}, "attn");
    return transpose(o, {0, 2, 1, 3}, hint);
  }

  /// A `stablehlo.while` of \p trips iterations in the form stage 1 counts
  /// as a constant trip count (docs/stage1.md): a counter carried first,
  /// from 0, +1 per trip, `compare LT` a constant. \p body gets the counter
  /// and the carried values and returns their next values; the loop's
  /// results for \p init are returned.
  std::vector<Val>
  countedLoop(StringRef hint, int64_t trips, const std::vector<Val> &init,
              llvm::function_ref<std::vector<Val>(const Val &,
                                                  const std::vector<Val> &)>
                  body) {
    std::vector<Val> all{constantScalar("0", "i64", "i0")};
    all.insert(all.end(), init.begin(), init.end());
    std::vector<Val> condArgs, bodyArgs;
    for (const Val &x : all) {
      condArgs.push_back({fresh("ca"), x.shape, x.elt});
      bodyArgs.push_back({fresh("ba"), x.shape, x.elt});
    }
    auto sig = [&](const std::vector<Val> &args) {
      std::string s;
      for (auto [j, a] : llvm::enumerate(args))
        s += (j ? ", " : "") + a.name + ": " + typeOf(a);
      return s;
    };
    std::string w = fresh(hint);
    line() << w << ":" << all.size() << " = \"stablehlo.while\"("
           << namesOf(all) << ") ({\n";
    line() << "^bb0(" << sig(condArgs) << "):\n";
    indent += 2;
    Val limit = constantScalar(std::to_string(trips), "i64", "trips");
    Val cmp = op("stablehlo.compare", {condArgs[0], limit}, {},
                 "comparison_direction = #stablehlo<comparison_direction LT>",
                 "", "more", "i1");
    line() << "\"stablehlo.return\"(" << cmp.name << ") : (tensor<i1>) -> ()\n";
    indent -= 2;
    line() << "}, {\n";
    line() << "^bb0(" << sig(bodyArgs) << "):\n";
    indent += 2;
    std::vector<Val> carried(bodyArgs.begin() + 1, bodyArgs.end());
    std::vector<Val> next = body(bodyArgs[0], carried);
    Val one = constantScalar("1", "i64", "one");
    std::vector<Val> yield{
        op("stablehlo.add", {bodyArgs[0], one}, {}, "", "", "inext", "i64")};
    yield.insert(yield.end(), next.begin(), next.end());
    line() << "\"stablehlo.return\"(" << namesOf(yield) << ") : ("
           << typesOf(yield) << ") -> ()\n";
    indent -= 2;
    line() << "}) : (" << typesOf(all) << ") -> (" << typesOf(all) << ")\n";
    std::vector<Val> results;
    for (auto [j, x] : llvm::enumerate(init))
      results.push_back({w + "#" + std::to_string(j + 1), x.shape, x.elt});
    return results;
  }
  /// `dynamic_slice` of size 1 at \p index along dimension \p dim (the
  /// other dimensions whole), with that dimension reshaped away.
  Val sliceChunk(const Val &x, int64_t dim, const Val &index, StringRef hint) {
    Val zero = constantScalar("0", "i64", "z");
    std::vector<Val> operands{x};
    Shape one = x.shape, dropped;
    one[dim] = 1;
    for (int64_t j = 0; j < int64_t(x.shape.size()); ++j) {
      operands.push_back(j == dim ? index : zero);
      if (j != dim)
        dropped.push_back(x.shape[j]);
    }
    Val sl = op("stablehlo.dynamic_slice", operands, one,
                "slice_sizes = " + i64Array(one), "", hint);
    return reshape(sl, dropped, hint);
  }
  /// Writes \p update (\p base's shape without dimension \p dim) into
  /// \p base at \p index along \p dim with `dynamic_update_slice`.
  Val updateChunk(const Val &base, const Val &update, int64_t dim,
                  const Val &index, StringRef hint) {
    Val zero = constantScalar("0", "i64", "z");
    Shape one = base.shape;
    one[dim] = 1;
    std::vector<Val> operands{base, reshape(update, one, hint)};
    for (int64_t j = 0; j < int64_t(base.shape.size()); ++j)
      operands.push_back(j == dim ? index : zero);
    return op("stablehlo.dynamic_update_slice", operands, base.shape, "", "",
              hint);
  }
  /// q[b,s,h,d] with its tokens split into N strided chunks:
  /// [b, s/N, N, h, d], chunk i holding the tokens t with t mod N == i.
  /// Strided so that the token dimension keeps its shards on the major
  /// s/N part (stage 1's reshape rule) and slicing a chunk (dimension 2)
  /// never cuts a sharded dimension: each device processes 1/N of its own
  /// query tokens per trip, with no communication.
  Val chunkTokens(const Val &q, StringRef hint) {
    int64_t N = p.chunks;
    return reshape(q, {q.shape[0], q.shape[1] / N, N, q.shape[2], q.shape[3]},
                   hint);
  }

  /// attention() over p.chunks query chunks (--attention-chunks): a
  /// constant-trip loop whose body slices one chunk of q, attends to all of
  /// k and v (scores [b,h,s/N,sk]) and writes the chunk's output into the
  /// carried output buffer. The buffer starts as q's chunked view (same
  /// shape and sharding, every chunk overwritten), so no replicated zero
  /// buffer is materialised.
  Val chunkedAttention(const Val &q, const Val &k, const Val &v,
                       StringRef hint) {
    if (p.chunks <= 1)
      return attention(q, k, v, hint);
    line() << "// self-attention over " << p.chunks
           << " strided query chunks (--attention-chunks)\n";
    Val q5 = chunkTokens(q, "qchunks");
    std::vector<Val> out = countedLoop(
        "chunks", p.chunks, {q5, q5, k, v},
        [&](const Val &i, const std::vector<Val> &c) -> std::vector<Val> {
          Val qc = sliceChunk(c[0], 2, i, "qc");
          Val oc = attention(qc, c[2], c[3], "oc");
          return {c[0], updateChunk(c[1], oc, 2, i, "ochunks"), c[2], c[3]};
        });
    return reshape(out[1], q.shape, hint);
  }

  struct BlockWeights {
    Val wq, wk, wv, wo, cq, ck, cv, co, w1, w2;
  };
  enum class WeightRole { Column, Row };

  /// The sharding a weight is computed with (Megatron, ref §2.2 TP row).
  Spec computeSpec(WeightRole role) const {
    if (role == WeightRole::Column)
      return {{}, p.tpAxes()};
    return {p.tpAxes(), {}};
  }
  /// The sharding a weight is stored with: FSDP adds the fsdp axis on the
  /// dimension TP leaves alone.
  Spec storedSpec(WeightRole role) const {
    Spec s = computeSpec(role);
    if (p.fsdp)
      s[role == WeightRole::Column ? 0 : 1].push_back("fsdp");
    return s;
  }
  /// FSDP: gather the weight before use (ref §2.2 FSDP row).
  Val useWeight(const Val &w, WeightRole role) {
    if (!p.fsdp)
      return w;
    return constrain(w, computeSpec(role), "gathered");
  }

  Spec activationSpec(unsigned rank) const {
    Spec s(rank);
    s[0] = p.batchAxes();
    s[1] = p.tokenAxes();
    return s;
  }
  Spec headSpec(const AxisList &tokens, const AxisList &heads) const {
    return {p.batchAxes(), tokens, heads, {}};
  }

  /// Local (per device) shape of a value with \p spec when every axis of the
  /// spec is manual.
  Shape localShape(const Shape &shape, const Spec &spec) const {
    Shape s = shape;
    for (size_t i = 0; i < s.size(); ++i)
      s[i] /= p.size(spec[i]);
    return s;
  }

  /// Self-attention core on q,k,v [B,S,H,d] sharded [{b},{tokens},{tp},{}];
  /// returns [B,S,H,d] sharded the same way.
  Val selfAttentionCore(Val q, Val k, Val v);
  Val manualUlysses(const Val &q, const Val &k, const Val &v, const Spec &qSpec,
                    const Spec &kvSpec);
  Val manualRing(const Val &q, const Val &k, const Val &v, const Spec &qSpec,
                 const Spec &kvSpec);
  /// Opens an sdy.manual_computation over q, k, v whose manual axes are
  /// every axis that shards them (so the body's shapes are exactly per
  /// device and explicit collectives' bytes are exact); returns its result
  /// and the body's block arguments. The caller writes the body and closes
  /// it.
  std::array<Val, 4> openManualBody(StringRef name, const Val &q, const Val &k,
                                    const Val &v, const Spec &qSpec,
                                    const Spec &kvSpec);
  Val block(const Val &x, const Val &ctx, const BlockWeights &w);
  void forwardFunction();
  void mainFunction();
  BlockWeights sliceLayer(const std::vector<Val> &stacks, const Val &i);
};

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
  auto attend = [&](const Val &qb, const Val &kb, const Val &vb, const Val &acc,
                    const Val &den) -> std::pair<Val, Val> {
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
    o = chunkedAttention(q, k, v, "o");
  if (p.ulysses)
    o = constrain(o, headSpec(tokens, tp), "ob");
  return o;
}

/// One WanAttentionBlock (ref §1.3 table; LayerNorms and the adaLN
/// modulation are elementwise and communication-free under every strategy
/// here, and are left out).
Val Writer::block(const Val &x, const Val &ctx, const BlockWeights &w) {
  int64_t B = p.B, S = p.S, D = p.model.D, H = p.model.H, d = kHeadDim;
  auto C = WeightRole::Column, R = WeightRole::Row;
  line() << "// self-attention\n";
  Val q = rmsNorm(matmul(x, useWeight(w.wq, C), "q"), "qn");
  Val k = rmsNorm(matmul(x, useWeight(w.wk, C), "k"), "kn");
  Val v = matmul(x, useWeight(w.wv, C), "v");
  Val q4 = reshape(q, {B, S, H, d}, "q4");
  Val k4 = reshape(k, {B, S, H, d}, "k4");
  Val v4 = reshape(v, {B, S, H, d}, "v4");
  Val o4 = selfAttentionCore(q4, k4, v4);
  Val o = reshape(o4, {B, S, D}, "o");
  Val y = matmul(o, useWeight(w.wo, R), "y");
  Val x1 = ew("add", {x, y}, "x");

  line() << "// cross-attention to the text context\n";
  int64_t Lc = ctx.shape[1];
  Val cq = rmsNorm(matmul(x1, useWeight(w.cq, C), "cq"), "cqn");
  Val ck = rmsNorm(matmul(ctx, useWeight(w.ck, C), "ck"), "ckn");
  Val cv = matmul(ctx, useWeight(w.cv, C), "cv");
  Val cq4 = reshape(cq, {B, S, H, d}, "cq4");
  Val ck4 = reshape(ck, {B, Lc, H, d}, "ck4");
  Val cv4 = reshape(cv, {B, Lc, H, d}, "cv4");
  Val co4 = attention(cq4, ck4, cv4, "co4");
  Val co = reshape(co4, {B, S, D}, "co");
  Val cy = matmul(co, useWeight(w.co, R), "cy");
  Val x2 = ew("add", {x1, cy}, "x");

  line() << "// FFN, GELU(tanh)-like\n";
  Val h = matmul(x2, useWeight(w.w1, C), "h");
  Val t = ew("tanh", {h}, "t");
  Val g = ew("multiply", {h, t}, "g");
  Val f = matmul(g, useWeight(w.w2, R), "f");
  return ew("add", {x2, f}, "x");
}

Writer::BlockWeights Writer::sliceLayer(const std::vector<Val> &stacks,
                                        const Val &i) {
  std::vector<Val> w;
  Val zero = constantScalar("0", "i64", "z");
  for (const Val &s : stacks) {
    Shape one = s.shape;
    one[0] = 1;
    Val sl = op("stablehlo.dynamic_slice", {s, i, zero, zero}, one,
                "slice_sizes = " + i64Array(one), "", "wl");
    w.push_back(reshape(sl, {s.shape[1], s.shape[2]}, "w"));
  }
  return {w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7], w[8], w[9]};
}

/// Weight names, roles and shapes of one block.
struct WeightInfo {
  const char *name;
  bool column;
  bool ffnIn, ffnOut;
};
const WeightInfo kWeights[10] = {
    {"wq", true, false, false}, {"wk", true, false, false},
    {"wv", true, false, false}, {"wo", false, false, false},
    {"cq", true, false, false}, {"ck", true, false, false},
    {"cv", true, false, false}, {"co", false, false, false},
    {"w1", true, false, true},  {"w2", false, true, false}};

void Writer::forwardFunction() {
  int64_t B = p.B, S = p.S, D = p.model.D, F = p.model.F;
  // Arguments: latent patches, text context, embed/head weights, then the
  // block weights (one per layer, or stacked [L, ...] for --loop).
  std::vector<Val> args;
  args.push_back({"%patches", {B, S, kPatchFeatures}});
  args.push_back({"%context", {B, kTextTokens, D}});
  args.push_back({"%w_embed", {kPatchFeatures, D}});
  args.push_back({"%w_head", {D, kPatchFeatures}});
  auto weightShape = [&](const WeightInfo &info) -> Shape {
    return {info.ffnIn ? F : D, info.ffnOut ? F : D};
  };
  unsigned layerArgs = p.loop ? 1 : unsigned(p.L);
  for (unsigned l = 0; l < layerArgs; ++l)
    for (const WeightInfo &info : kWeights) {
      Shape s = weightShape(info);
      if (p.loop)
        s.insert(s.begin(), p.L);
      std::string name = "%" + std::string(info.name) +
                         (p.loop ? "" : "_l" + std::to_string(l));
      args.push_back({name, s});
    }

  line() << "\"func.func\"() <{function_type = (" << typesOf(args) << ") -> "
         << typeOf(Shape{B, S, kPatchFeatures})
         << ", sym_name = \"dit_forward\", "
         << "sym_visibility = \"private\"}> ({\n";
  line() << "^bb0(";
  for (auto [i, a] : llvm::enumerate(args))
    os << (i ? ", " : "") << a.name << ": " << typeOf(a);
  os << "):\n";
  indent += 2;

  // ref §1.3 step 1: patch embedding as a matmul [B*S, 64] x [64, D].
  Val x = matmul(args[0], args[2], "x");
  Val ctx = args[1];
  auto layerWeights = [&](unsigned l) {
    std::vector<Val> w(args.begin() + 4 + 10 * l, args.begin() + 14 + 10 * l);
    return BlockWeights{w[0], w[1], w[2], w[3], w[4],
                        w[5], w[6], w[7], w[8], w[9]};
  };
  if (!p.loop) {
    for (unsigned l = 0; l < unsigned(p.L); ++l) {
      line() << "// block " << l << "\n";
      x = block(x, ctx, layerWeights(l));
    }
  } else {
    // The stacked weights ride along unchanged; each trip slices its layer.
    std::vector<Val> init{x, ctx};
    for (unsigned k = 0; k < 10; ++k)
      init.push_back(args[4 + k]);
    std::vector<Val> r = countedLoop(
        "layers", p.L, init,
        [&](const Val &i, const std::vector<Val> &carried) {
          std::vector<Val> stacks(carried.begin() + 2, carried.end());
          std::vector<Val> next = carried;
          next[0] = block(carried[0], carried[1], sliceLayer(stacks, i));
          return next;
        });
    x = r[0];
  }
  // ref §1.3 "After the blocks": Linear(D -> 64).
  Val out = matmul(x, args[3], "out");
  line() << "\"func.return\"(" << out.name << ") : (" << typeOf(out)
         << ") -> ()\n";
  indent -= 2;
  line() << "}) : () -> ()\n";
}

void Writer::mainFunction() {
  int64_t B = p.B, S = p.S, D = p.model.D, F = p.model.F;
  struct Arg {
    Val v;
    Spec spec;
  };
  std::vector<Arg> args;
  args.push_back({{"%patches", {B, S, kPatchFeatures}}, activationSpec(3)});
  Spec ctxSpec{p.batchAxes(), {}, {}};
  if (p.twoPass) {
    args.push_back({{"%context_cond", {1, kTextTokens, D}}, ctxSpec});
    args.push_back({{"%context_uncond", {1, kTextTokens, D}}, ctxSpec});
  } else {
    args.push_back({{"%context", {B, kTextTokens, D}}, ctxSpec});
  }
  args.push_back({{"%w_embed", {kPatchFeatures, D}}, {{}, {}}});
  args.push_back({{"%w_head", {D, kPatchFeatures}}, {{}, {}}});
  unsigned firstWeight = unsigned(args.size());
  unsigned layerArgs = p.loop ? 1 : unsigned(p.L);
  for (unsigned l = 0; l < layerArgs; ++l)
    for (const WeightInfo &info : kWeights) {
      Shape s{info.ffnIn ? F : D, info.ffnOut ? F : D};
      Spec spec =
          storedSpec(info.column ? WeightRole::Column : WeightRole::Row);
      if (p.loop) {
        s.insert(s.begin(), p.L);
        spec.insert(spec.begin(), AxisList{});
      }
      args.push_back({{"%" + std::string(info.name) +
                           (p.loop ? "" : "_l" + std::to_string(l)),
                       s},
                      spec});
    }
  Shape outShape{1, S, kPatchFeatures};
  Spec outSpec{{}, p.tokenAxes(), {}};

  line() << "\"func.func\"() <{arg_attrs = [";
  for (auto [i, a] : llvm::enumerate(args))
    os << (i ? ", " : "") << argAttr(a.spec);
  os << "], function_type = (";
  for (auto [i, a] : llvm::enumerate(args))
    os << (i ? ", " : "") << typeOf(a.v);
  os << ") -> " << typeOf(outShape) << ", res_attrs = [" << argAttr(outSpec)
     << "], sym_name = \"main\", sym_visibility = \"public\"}> ({\n";
  line() << "^bb0(";
  for (auto [i, a] : llvm::enumerate(args))
    os << (i ? ", " : "") << a.v.name << ": " << typeOf(a.v);
  os << "):\n";
  indent += 2;

  std::vector<Val> weights;
  for (unsigned i = firstWeight; i < args.size(); ++i)
    weights.push_back(args[i].v);
  auto call = [&](const Val &ctx, StringRef hint) {
    std::vector<Val> operands{args[0].v, ctx, args[p.twoPass ? 3 : 2].v,
                              args[p.twoPass ? 4 : 3].v};
    operands.insert(operands.end(), weights.begin(), weights.end());
    return op("func.call", operands, {B, S, kPatchFeatures},
              "callee = @dit_forward", "", hint);
  };
  // Classifier-free guidance (ref §1.4): uncond + scale * (cond - uncond).
  Val cond, uncond;
  if (p.twoPass) {
    cond = call(args[1].v, "cond");
    uncond = call(args[2].v, "uncond");
  } else {
    Val both = call(args[1].v, "both");
    cond = slice(both, {0, 0, 0}, {1, S, kPatchFeatures}, "cond");
    uncond = slice(both, {1, 0, 0}, {2, S, kPatchFeatures}, "uncond");
  }
  Val diff = ew("subtract", {cond, uncond}, "diff");
  Val scale = constantScalar(kGuideScale, "bf16", "guide");
  Val sb = broadcast(scale, outShape, {}, "guideb");
  Val scaled = ew("multiply", {diff, sb}, "scaled");
  Val noise = ew("add", {uncond, scaled}, "noise");
  line() << "\"func.return\"(" << noise.name << ") : (" << typeOf(noise)
         << ") -> ()\n";
  indent -= 2;
  line() << "}) : () -> ()\n";
}

void Writer::module() {
  std::string strategy = strategyOpt.empty() ? std::string("cfg+ulysses+tp")
                                             : std::string(strategyOpt);
  std::string meshText;
  for (auto [i, a] : llvm::enumerate(p.mesh))
    meshText += (i ? "," : "") + a.first + "=" + std::to_string(a.second);
  os << "// Generated by aoizora-wan-gen: Wan 2.1 T2V " << p.model.name
     << " DiT, " << p.L << " block(s)"
     << (p.loop ? " in a stablehlo.while" : "") << ", strategy " << strategy
     << " on mesh " << meshText
     << (p.chunks > 1 ? ", self-attention in " + std::to_string(p.chunks) +
                            " query chunks"
                      : std::string())
     << (p.gspmd ? " (GSPMD shardings)" : " (Shardy)") << ".\n";
  os << "// D=" << p.model.D << ", heads=" << p.model.H << "x" << kHeadDim
     << ", FFN " << p.model.F << ", text context " << kTextTokens
     << " tokens, S=" << p.rawS << " video tokens";
  if (p.S != p.rawS)
    os << " padded to " << p.S;
  os << ", batch " << p.B
     << (p.twoPass ? " (CFG: two sequential passes)" : " (CFG batched)")
     << ", bf16.\n";
  os << "// Dimensions: shared/reference/dit-workloads.md §1.1-1.4; "
        "strategies: §2.2; docs/workloads.md.\n";
  os << "\"builtin.module\"() <{sym_name = \"wan21_"
     << (p.model.name == "14b" ? "14b" : "1_3b") << "\"}> ({\n";
  indent = 2;
  if (!p.gspmd) {
    line() << "\"sdy.mesh\"() <{mesh = #sdy.mesh<[";
    for (auto [i, a] : llvm::enumerate(p.mesh))
      os << (i ? ", \"" : "\"") << a.first << "\"=" << a.second;
    os << "]>, sym_name = \"mesh\"}> : () -> ()\n";
  }
  forwardFunction();
  mainFunction();
  indent = 0;
  os << "}) {mhlo.num_partitions = " << p.numDevices()
     << " : i32, mhlo.num_replicas = 1 : i32} : () -> ()\n";
}

} // namespace

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  cl::HideUnrelatedOptions(genCategory);
  cl::ParseCommandLineOptions(
      argc, argv,
      "aoizora-wan-gen: Wan 2.1 DiT workloads for the AoiZora planner\n\n"
      "Writes a generic-form StableHLO module of a Wan 2.1 T2V DiT forward\n"
      "(patch embedding, blocks of self-attention, cross-attention to 512\n"
      "text tokens and FFN, output head, classifier-free guidance) with\n"
      "Shardy (or GSPMD) annotations for a parallel strategy on a named\n"
      "mesh. Read it with aoizora-opt --az-estimate-candidates / --az-plan.\n"
      "See docs/workloads.md.\n");
  std::string text;
  Plan plan = makePlan();
  {
    llvm::raw_string_ostream os(text);
    Writer(plan, os).module();
  }
  std::error_code ec;
  llvm::raw_fd_ostream out(outputOpt, ec, llvm::sys::fs::OF_Text);
  if (ec) {
    llvm::WithColor::error(llvm::errs(), "aoizora-wan-gen")
        << "cannot write '" << outputOpt << "': " << ec.message() << "\n";
    return 1;
  }
  out << text;
  out.close();
  if (std::error_code writeError = out.error()) {
    out.clear_error();
    llvm::WithColor::error(llvm::errs(), "aoizora-wan-gen")
        << "cannot write '" << outputOpt << "': " << writeError.message()
        << "\n";
    return 1;
  }
  return 0;
}
