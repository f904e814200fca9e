//===- FlowNetworkTest.cpp - Tests of the fluid flow engine ---------------===//
//
// Cases whose exact answer follows by hand from the model's definition:
// a flow delivers at its max-min fair rate after its start delay. W is the
// link capacity, B a flow's size, a a start delay.
//
//===----------------------------------------------------------------------===//

#include "AoiZora/Sim/FlowNetwork.h"

#include "gtest/gtest.h"

using namespace aoizora;
using namespace aoizora::sim;
using namespace llvm;

namespace {

constexpr double kW = 1e10;
constexpr double kB = 1e6;
constexpr double kA = 1e-6;

FlowRunResult runOk(const FlowNetwork &net) {
  Expected<FlowRunResult> r = net.run();
  if (!r) {
    ADD_FAILURE() << toString(r.takeError());
    return FlowRunResult();
  }
  return std::move(*r);
}

double rel(double x) { return 1e-12 * x; }

TEST(FlowNetworkTest, SingleFlowOneLink) {
  // B bytes at W after the delay: a + B/W.
  FlowNetwork net(1, kW);
  net.addFlow({{0, 1.0}}, kB, kA);
  FlowRunResult r = runOk(net);
  EXPECT_NEAR(r.makespan, kA + kB / kW, rel(kA + kB / kW));
  EXPECT_EQ(r.numEvents, 2u); // start, finish
  EXPECT_DOUBLE_EQ(net.linkBytes()[0], kB);
}

TEST(FlowNetworkTest, TwoFlowsShareOneLink) {
  // Each gets W/2: both finish at a + 2B/W.
  FlowNetwork net(1, kW);
  net.addFlow({{0, 1.0}}, kB, kA);
  net.addFlow({{0, 1.0}}, kB, kA);
  FlowRunResult r = runOk(net);
  double t = kA + 2 * kB / kW;
  EXPECT_NEAR(r.finishTime[0], t, rel(t));
  EXPECT_NEAR(r.finishTime[1], t, rel(t));
  EXPECT_EQ(r.numEvents, 2u);
}

TEST(FlowNetworkTest, MaxMinBottleneckElsewhere) {
  // Links L0 and L1 of capacity W. Flow A crosses both, flow B only L0,
  // flows C and D only L1. L1 is the tighter link: A, C, D get W/3 there;
  // A is frozen at W/3, so B takes the rest of L0, 2W/3 (not W/2).
  FlowNetwork net(2, kW);
  FlowId a = net.addFlow({{0, 1.0}, {1, 1.0}}, kB, 0);
  FlowId b = net.addFlow({{0, 1.0}}, kB, 0);
  FlowId c = net.addFlow({{1, 1.0}}, kB, 0);
  FlowId d = net.addFlow({{1, 1.0}}, kB, 0);
  FlowRunResult r = runOk(net);
  // B finishes at B / (2W/3). L1's three flows never change rate, and once
  // B is gone L0 has spare room that A cannot use: all finish at 3B/W.
  EXPECT_NEAR(r.finishTime[b], 1.5 * kB / kW, rel(kB / kW));
  for (FlowId f : {a, c, d})
    EXPECT_NEAR(r.finishTime[f], 3 * kB / kW, rel(kB / kW));
}

TEST(FlowNetworkTest, MaxMinUnequalCapacities) {
  // The textbook three-flow case: L0 of capacity W, L1 of 2W; flow A on
  // both, B on L0, C on L1. L0 splits W/2 + W/2; C gets 2W - W/2 = 1.5W.
  FlowNetwork net(2, kW);
  net.setCapacity(1, 2 * kW);
  FlowId a = net.addFlow({{0, 1.0}, {1, 1.0}}, kB, 0);
  FlowId b = net.addFlow({{0, 1.0}}, kB, 0);
  FlowId c = net.addFlow({{1, 1.0}}, 3 * kB, 0);
  FlowRunResult r = runOk(net);
  // A and B finish together at 2B/W; C has moved 1.5W * 2B/W = 3B by then.
  EXPECT_NEAR(r.finishTime[a], 2 * kB / kW, rel(kB / kW));
  EXPECT_NEAR(r.finishTime[b], 2 * kB / kW, rel(kB / kW));
  EXPECT_NEAR(r.finishTime[c], 2 * kB / kW, rel(kB / kW));
}

TEST(FlowNetworkTest, SplitRouteUsesBothHalves) {
  // A message split half and half over two disjoint links moves at 2W.
  FlowNetwork net(2, kW);
  net.addFlow({{0, 0.5}, {1, 0.5}}, kB, 0);
  EXPECT_NEAR(runOk(net).makespan, kB / (2 * kW), rel(kB / kW));
  // A link named twice counts twice: the flow gets W/2.
  FlowNetwork twice(1, kW);
  twice.addFlow({{0, 1.0}, {0, 1.0}}, kB, 0);
  EXPECT_NEAR(runOk(twice).makespan, 2 * kB / kW, rel(kB / kW));
  EXPECT_DOUBLE_EQ(twice.linkBytes()[0], 2 * kB);
}

TEST(FlowNetworkTest, DependenciesSerialise) {
  // f1 waits for f0; each takes a + B/W alone.
  FlowNetwork net(2, kW);
  FlowId f0 = net.addFlow({{0, 1.0}}, kB, kA);
  FlowId f1 = net.addFlow({{1, 1.0}}, kB, kA, {f0});
  FlowRunResult r = runOk(net);
  EXPECT_NEAR(r.readyTime[f1], kA + kB / kW, rel(kB / kW));
  EXPECT_NEAR(r.startTime[f1], 2 * kA + kB / kW, rel(kB / kW));
  EXPECT_NEAR(r.makespan, 2 * (kA + kB / kW), rel(kB / kW));
}

TEST(FlowNetworkTest, LatencyOverlapsTransfer) {
  // X crosses L0, L1, L2 with 3a of delay; Y crosses L1 with a. Y runs
  // alone on L1 from a to 3a (2aW bytes), then both share it at W/2 until
  // Y is done: Y ends at 3a + 2(B - 2aW)/W = 2B/W - a. X has B - 2aW left
  // to deliver... no: X delivered (2B/W - 4a) * W/2 = B - 2aW, so 2aW
  // remain at W: X ends at 2B/W + a. (Needs B > 2aW.)
  FlowNetwork net(3, kW);
  FlowId x = net.addFlow({{0, 1.0}, {1, 1.0}, {2, 1.0}}, kB, 3 * kA);
  FlowId y = net.addFlow({{1, 1.0}}, kB, kA);
  FlowRunResult r = runOk(net);
  EXPECT_NEAR(r.finishTime[y], 2 * kB / kW - kA, rel(kB / kW));
  EXPECT_NEAR(r.finishTime[x], 2 * kB / kW + kA, rel(kB / kW));
}

TEST(FlowNetworkTest, DegenerateFlows) {
  FlowNetwork empty(4, kW);
  EXPECT_EQ(runOk(empty).makespan, 0.0);

  // Zero bytes, or no link to cross: done when the delay has passed, and
  // what waits on them starts right then.
  FlowNetwork net(1, kW);
  FlowId zero = net.addFlow({{0, 1.0}}, 0, kA);
  FlowId local = net.addFlow({}, kB, 2 * kA, {zero});
  FlowId after = net.addFlow({{0, 1.0}}, kB, 0, {local});
  FlowRunResult r = runOk(net);
  EXPECT_DOUBLE_EQ(r.finishTime[zero], kA);
  EXPECT_DOUBLE_EQ(r.finishTime[local], 3 * kA);
  EXPECT_NEAR(r.finishTime[after], 3 * kA + kB / kW, rel(kB / kW));
}

/// Runs \p net, expecting an error that mentions \p what.
void expectRunError(const FlowNetwork &net, StringRef what) {
  Expected<FlowRunResult> r = net.run();
  ASSERT_FALSE(bool(r));
  std::string msg = toString(r.takeError());
  EXPECT_NE(msg.find(what.str()), std::string::npos) << msg;
}

TEST(FlowNetworkTest, RejectsInvalidInput) {
  FlowNetwork badLink(1, kW);
  badLink.addFlow({{3, 1.0}}, kB, 0);
  expectRunError(badLink, "out of range");

  FlowNetwork selfDep(1, kW);
  selfDep.addFlow({{0, 1.0}}, kB, 0, {0});
  expectRunError(selfDep, "not added before");

  FlowNetwork negative(1, kW);
  negative.addFlow({{0, 1.0}}, -1, 0);
  expectRunError(negative, "size");

  FlowNetwork noCapacity(1, 0.0); // a used link without capacity
  noCapacity.addFlow({{0, 1.0}}, kB, 0);
  expectRunError(noCapacity, "capacity");
}

TEST(FlowNetworkTest, SimultaneousFinishesAreOneEvent) {
  // 1000 equal flows on their own links: one start and one finish event.
  FlowNetwork net(1000, kW);
  for (LinkId l = 0; l < 1000; ++l)
    net.addFlow({{l, 1.0}}, kB, kA);
  FlowRunResult r = runOk(net);
  EXPECT_EQ(r.numEvents, 2u);
  EXPECT_EQ(r.numRateSolves, 1u);
}

} // namespace
