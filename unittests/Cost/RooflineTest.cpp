//===- RooflineTest.cpp - Tests of the per-chip roofline ------------------===//
//
// Checks both terms of the roofline against the published chip figures.
//
//===----------------------------------------------------------------------===//

#include "AoiZora/Cost/Roofline.h"

#include "gtest/gtest.h"

using namespace aoizora;

namespace {

TEST(RooflineTest, ComputeAndMemoryTerms) {
  const ChipSpec &v5e = getChipSpec(TpuGeneration::V5e);
  // 197e12 FLOPs take one second at v5e's peak; 819e9 bytes take one second
  // of HBM bandwidth.
  RooflineTime t = roofline(v5e, 197e12, 819e9 / 2);
  EXPECT_DOUBLE_EQ(t.computeSeconds, 1.0);
  EXPECT_DOUBLE_EQ(t.memorySeconds, 0.5);
  EXPECT_TRUE(t.computeBound());
  EXPECT_DOUBLE_EQ(rooflineSeconds(v5e, 197e12, 2 * 819e9), 2.0);
  // Critical intensity of v5e: 197e12 / 819e9 = 240.5 FLOPs per byte.
  EXPECT_NEAR(criticalIntensity(v5e), 240.5, 0.1);
}

TEST(RooflineTest, WanBlockOnV6e) {
  // dit-workloads.md §2.3: 163 TF per block / 8 devices takes about 22 ms at
  // v6e's 918 TF/s peak.
  const ChipSpec &v6e = getChipSpec(TpuGeneration::V6e);
  EXPECT_NEAR(rooflineSeconds(v6e, 163.08e12 / 8, 0), 0.0222, 0.0005);
}

TEST(RooflineTest, DevicesSharingAChip) {
  // On v7x each of the two devices of a chip gets half the chip.
  const ChipSpec &v7x = getChipSpec(TpuGeneration::V7x);
  RooflineTime whole = roofline(v7x, 1e12, 1e9);
  RooflineTime half = roofline(v7x, 1e12, 1e9, v7x.devicesPerChip);
  EXPECT_DOUBLE_EQ(half.computeSeconds, 2 * whole.computeSeconds);
  EXPECT_DOUBLE_EQ(half.memorySeconds, 2 * whole.memorySeconds);
}

TEST(RooflineTest, AchievedFractionsPerOpClass) {
  // v5e: 197e12 FLOP/s, 819e9 B/s. 197e12 FLOPs take 1 s at peak, 1/0.65 s
  // as a matmul, 1/0.5 s as attention; 819e9 B take 1/0.84 s.
  const ChipSpec &v5e = getChipSpec(TpuGeneration::V5e);
  ComputeEfficiency eff = defaultComputeEfficiency();
  RooflineTime mm = roofline(v5e, 197e12, 819e9, 1, OpClass::Matmul, eff);
  EXPECT_DOUBLE_EQ(mm.computeSeconds, 1 / 0.65);
  EXPECT_DOUBLE_EQ(mm.memorySeconds, 1 / 0.84);
  RooflineTime at = roofline(v5e, 197e12, 0, 1, OpClass::Attention, eff);
  EXPECT_DOUBLE_EQ(at.seconds(), 1 / 0.5);
  // Memory ops: only the bandwidth fraction matters.
  RooflineTime ew = roofline(v5e, 0, 819e9, 1, OpClass::Memory, eff);
  EXPECT_DOUBLE_EQ(ew.seconds(), 1 / 0.84);
}

TEST(RooflineTest, EfficiencyMustBeAFraction) {
  EXPECT_FALSE(llvm::errorToBool(defaultComputeEfficiency().verify()));
  ComputeEfficiency eff;
  eff.attentionFlops = 0;
  llvm::Error err = eff.verify();
  ASSERT_TRUE(bool(err));
  EXPECT_EQ(llvm::toString(std::move(err)),
            "compute efficiency attention_flops = 0.00 is not in (0, 1]");
  eff = {};
  eff.hbmBandwidth = 1.5;
  EXPECT_TRUE(llvm::errorToBool(eff.verify()));
}

} // namespace
