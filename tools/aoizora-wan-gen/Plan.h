//===- Plan.h - Wan 2.1 dimensions and the generation plan ------------------===//
//
// The model dimensions of Wan 2.1 T2V (1.3B and 14B), the parallel strategy
// and mesh, and the checks that make a plan emittable. All model numbers come
// from ../shared/reference/dit-workloads.md (cited as "ref §x.y").
//
//===----------------------------------------------------------------------===//

#ifndef AOIZORA_WAN_GEN_PLAN_H
#define AOIZORA_WAN_GEN_PLAN_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/ADT/Twine.h"

#include <cstdint>
#include <initializer_list>
#include <string>
#include <utility>
#include <vector>

namespace aoizora::wangen {

using llvm::StringRef;

/// Reports a usage error and exits; nothing has been written yet (the
/// module is built in memory first).
[[noreturn]] void fail(const llvm::Twine &message);

std::string joinInts(llvm::ArrayRef<int64_t> values, StringRef sep);

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

/// How self- and cross-attention are written (--attention).
enum class AttentionForm {
  /// jax.nn.dot_product_attention's XLA lowering: f32 logits, scale, f32
  /// softmax (max, subtract, exp, sum, divide), convert, second einsum.
  Fused,
  /// Hand-written einsum/softmax in bf16 (flax.linen's
  /// dot_product_attention): q scaled first, jax.nn.softmax in bf16.
  Unfused,
  /// A Pallas splash attention kernel: `stablehlo.custom_call
  /// @tpu_custom_call` inside a manual computation (shard_map).
  Kernel,
};

struct Plan {
  Model model;
  int64_t B = 2;      // batch per forward (2 with CFG batched, ref §1.4)
  int64_t S = 0;      // video tokens, padded to the sequence shards
  int64_t rawS = 0;   // before padding
  int64_t L = 0;      // blocks emitted
  int64_t chunks = 1; // self-attention query chunks (--attention-chunks)
  AttentionForm attention = AttentionForm::Fused;
  bool twoPass = false, loop = false, gspmd = false;
  bool cfg = false, ulysses = false, ulyssesManual = false, ring = false,
       tp = false, fsdp = false;
  std::vector<std::pair<std::string, int64_t>> mesh;
  /// The strategy as given (for the module's header comment).
  std::string strategyText;

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

inline AxisList minus(AxisList axes, std::initializer_list<StringRef> drop) {
  llvm::erase_if(axes, [&](const std::string &a) {
    return llvm::is_contained(drop, StringRef(a));
  });
  return axes;
}
inline AxisList concat(AxisList a, const AxisList &b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}


/// The command line, as makePlan reads it.
struct GenOptions {
  std::string model = "14b", resolution = "480p", cfg = "batch";
  std::string strategy, mesh, attention = "fused";
  int64_t tokens = 0, layers = 0, chunks = 1;
  bool loop = false, gspmd = false;
};

/// Checks \p options and builds the plan; exits with an error message on
/// any invalid option.
Plan makePlan(const GenOptions &options);

} // namespace aoizora::wangen

#endif // AOIZORA_WAN_GEN_PLAN_H
