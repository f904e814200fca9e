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
// The command line lives here; the model dimensions and plan checks in
// Plan.cpp, the op/sharding text in Emitter.h, the attention under each
// strategy in Strategies.cpp and the blocks and functions in Writer.cpp.
//
//===----------------------------------------------------------------------===//

#include "Plan.h"
#include "Writer.h"

#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/WithColor.h"
#include "llvm/Support/raw_ostream.h"

using namespace aoizora::wangen;
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
static cl::opt<std::string> attentionOpt(
    "attention", cl::init("fused"), cl::cat(genCategory),
    cl::desc("how attention is written: fused (jax.nn.dot_product_attention's "
             "XLA form: f32 logits and softmax; default), unfused (a "
             "hand-written bf16 einsum + jax.nn.softmax, as flax.linen "
             "writes it) or kernel (a Pallas splash attention "
             "tpu_custom_call in an sdy.manual_computation)"));
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
  GenOptions options;
  options.model = modelOpt;
  options.resolution = resolutionOpt;
  options.tokens = tokensOpt;
  options.layers = layersOpt;
  options.loop = loopOpt;
  options.chunks = chunksOpt;
  options.attention = attentionOpt;
  options.cfg = cfgOpt;
  options.strategy = strategyOpt;
  options.mesh = meshOpt;
  options.gspmd = gspmdOpt;
  Plan plan = makePlan(options);
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

