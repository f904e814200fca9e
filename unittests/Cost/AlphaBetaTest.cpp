//===- AlphaBetaTest.cpp - The topology-oblivious baseline model ----------===//

#include "AoiZora/Cost/AlphaBeta.h"

#include "gtest/gtest.h"

using namespace aoizora;

namespace {

TEST(AlphaBetaTest, ChipFiguresAreOneHopAndABidirectionalRing) {
  AlphaBetaAxis axis = AlphaBetaAxis::forChip(getChipSpec(TpuGeneration::V5e));
  EXPECT_DOUBLE_EQ(axis.alpha, 1e-6);
  EXPECT_DOUBLE_EQ(axis.beta, 9e10); // 2 x 4.5e10 B/s
}

TEST(AlphaBetaTest, RingFormulas) {
  AlphaBetaAxis axis{1e-6, 1e10};
  double bytes = 8e6;
  // n = 4: 3 steps; 3/4 of the bytes cross each member's port.
  EXPECT_DOUBLE_EQ(alphaBetaSeconds(CollectiveKind::AllGather, bytes, 4, axis),
                   3e-6 + 6e6 / 1e10);
  EXPECT_DOUBLE_EQ(
      alphaBetaSeconds(CollectiveKind::ReduceScatter, bytes, 4, axis),
      3e-6 + 6e6 / 1e10);
  EXPECT_DOUBLE_EQ(alphaBetaSeconds(CollectiveKind::AllReduce, bytes, 4, axis),
                   2 * (3e-6 + 6e6 / 1e10));
  EXPECT_DOUBLE_EQ(alphaBetaSeconds(CollectiveKind::AllToAll, bytes, 4, axis),
                   3e-6 + 6e6 / 1e10);
  EXPECT_DOUBLE_EQ(
      alphaBetaSeconds(CollectiveKind::CollectivePermute, bytes, 4, axis),
      1e-6 + 8e6 / 1e10);
  // 8 members: a 3-level tree of latency, the buffer once.
  EXPECT_DOUBLE_EQ(
      alphaBetaSeconds(CollectiveKind::CollectiveBroadcast, bytes, 8, axis),
      3e-6 + 8e6 / 1e10);
}

TEST(AlphaBetaTest, OneMemberIsFree) {
  AlphaBetaAxis axis{1e-6, 1e10};
  EXPECT_EQ(alphaBetaSeconds(CollectiveKind::AllReduce, 1e9, 1, axis), 0);
  EXPECT_EQ(alphaBetaSeconds(CollectiveKind::CollectivePermute, 1e9, 1, axis),
            0);
}

} // namespace
