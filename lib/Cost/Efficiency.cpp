//===- Efficiency.cpp - Achieved fractions of a chip's peak ---------------===//
//
// The defaults and their sources are in Efficiency.h and docs/cost-model.md.
//
//===----------------------------------------------------------------------===//

#include "AoiZora/Cost/Efficiency.h"

#include "llvm/Support/FormatVariadic.h"

namespace aoizora {

llvm::StringRef stringifyOpClass(OpClass opClass) {
  switch (opClass) {
  case OpClass::Matmul:
    return "matmul";
  case OpClass::Attention:
    return "attention";
  case OpClass::Memory:
    return "memory";
  }
  return "unknown";
}

double ComputeEfficiency::flopsFraction(OpClass opClass) const {
  return opClass == OpClass::Attention ? attentionFlops : matmulFlops;
}

llvm::Error ComputeEfficiency::verify() const {
  for (auto [name, value] : {std::pair<const char *, double>{"matmul_flops",
                                                             matmulFlops},
                             {"attention_flops", attentionFlops},
                             {"hbm_bandwidth", hbmBandwidth}})
    if (!(value > 0 && value <= 1))
      return llvm::createStringError(
          llvm::formatv("compute efficiency {0} = {1} is not in (0, 1]", name,
                        value)
              .str());
  return llvm::Error::success();
}

} // namespace aoizora
