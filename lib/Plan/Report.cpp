//===- Report.cpp - Formatting shared by every report ---------------------===//

#include "AoiZora/Plan/Report.h"

#include "llvm/Support/FormatVariadic.h"

#include <iterator>

namespace aoizora {

std::string formatBytes(double bytes) {
  static const char *units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  unsigned unit = 0;
  while (bytes >= 1024 && unit + 1 < std::size(units)) {
    bytes /= 1024;
    ++unit;
  }
  return llvm::formatv(unit ? "{0:f2} {1}" : "{0:f0} {1}", bytes, units[unit])
      .str();
}

std::string formatSeconds(double seconds) {
  if (seconds >= 1e-3)
    return llvm::formatv("{0:f3} ms", seconds * 1e3).str();
  return llvm::formatv("{0:f3} us", seconds * 1e6).str();
}

} // namespace aoizora
