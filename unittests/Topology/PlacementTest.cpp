//===- PlacementTest.cpp - Tests of device placements ---------------------===//
//
// Default assignment, the JSON topology file and its error messages, and
// relabelling.
//
//===----------------------------------------------------------------------===//

#include "AoiZora/Topology/Placement.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/raw_ostream.h"
#include "gtest/gtest.h"

using namespace aoizora;
using namespace llvm;

namespace {

std::string errorOf(const Slice &s, StringRef json) {
  Expected<Placement> p = Placement::fromJSONText(s, json);
  if (p)
    return "";
  return toString(p.takeError());
}

bool contains(const std::string &haystack, StringRef needle) {
  return haystack.find(needle.str()) != std::string::npos;
}

TEST(PlacementTest, DefaultIsRowMajorXFastest) {
  Slice s = cantFail(Slice::parse("v5e:2x4"));
  Placement p = Placement::defaultFor(s);
  ASSERT_EQ(p.numDevices(), 8u);
  for (unsigned d = 0; d < 8; ++d) {
    EXPECT_EQ(p.chipOf(d), d);
    EXPECT_EQ(p.deviceAt(d), d);
  }
  // Device 3 sits at x = 1, y = 1.
  EXPECT_EQ(s.coordsOf(p.chipOf(3)), (ChipCoords{1, 1, 0}));
}

TEST(PlacementTest, TwoDevicesPerChipOnV7x) {
  Slice s = cantFail(Slice::parse("v7x:2x2x1"));
  Placement p = Placement::defaultFor(s);
  ASSERT_EQ(p.numDevices(), 8u);
  EXPECT_EQ(p.chipOf(3), 1u);
  EXPECT_EQ(p.slotOf(3), 1u);
  EXPECT_EQ(p.deviceAt(1, 1), 3u);
}

TEST(PlacementTest, ReadsJaxStyleTopology) {
  Slice s = cantFail(Slice::parse("v5e:2x2"));
  // Ids in a non row-major order, as a multi-host slice may number them.
  const char *text = R"([
    {"id": 0, "coords": [0, 0, 0], "core_on_chip": 0},
    {"id": 1, "coords": [0, 1, 0], "core_on_chip": 0},
    {"id": 2, "coords": [1, 0, 0], "core_on_chip": 0},
    {"id": 3, "coords": [1, 1]}
  ])";
  Expected<Placement> p = Placement::fromJSONText(s, text);
  ASSERT_TRUE(bool(p)) << toString(p.takeError());
  EXPECT_EQ(p->chipOf(1), s.chipAt({0, 1, 0}));
  EXPECT_EQ(p->chipOf(2), s.chipAt({1, 0, 0}));
  EXPECT_EQ(p->deviceAt(s.chipAt({1, 1, 0})), 3u);
  // Wrapped in an object, too.
  std::string wrapped = std::string("{\"devices\": ") + text + "}";
  Expected<Placement> q = Placement::fromJSONText(s, wrapped);
  ASSERT_TRUE(bool(q)) << toString(q.takeError());
  EXPECT_EQ(q->chips(), p->chips());
}

TEST(PlacementTest, V7xCoreOnChip) {
  Slice s = cantFail(Slice::parse("v7x:2x2x1"));
  std::string text = "[";
  for (unsigned chip = 0, id = 0; chip < 4; ++chip)
    for (unsigned core = 0; core < 2; ++core, ++id) {
      ChipCoords c = s.coordsOf(chip);
      text += (id ? "," : "") +
              ("{\"id\": " + Twine(7 - id) + ", \"coords\": [" + Twine(c[0]) +
               "," + Twine(c[1]) + "," + Twine(c[2]) +
               "], \"core_on_chip\": " + Twine(core) + "}")
                  .str();
    }
  text += "]";
  Expected<Placement> p = Placement::fromJSONText(s, text);
  ASSERT_TRUE(bool(p)) << toString(p.takeError());
  EXPECT_EQ(p->chipOf(7), 0u);
  EXPECT_EQ(p->slotOf(6), 1u);
  EXPECT_EQ(p->deviceAt(3, 1), 0u);
}

TEST(PlacementTest, TopologyFileErrorsNameTheEntry) {
  Slice s = cantFail(Slice::parse("v5e:2x2"));
  std::string e;
  e = errorOf(s, R"([{"id":0,"coords":[0,0]},{"id":0,"coords":[1,0]},
                    {"id":2,"coords":[0,1]},{"id":3,"coords":[1,1]}])");
  EXPECT_TRUE(contains(e, "device entry #1 (id 0) repeats id 0")) << e;
  e = errorOf(s, R"([{"id":0,"coords":[0,0]},{"id":1,"coords":[1,0]},
                    {"id":2,"coords":[1,0]},{"id":3,"coords":[1,1]}])");
  EXPECT_TRUE(contains(e, "device entry #2 (id 2) has the same coords and "
                          "core_on_chip as device entry #1"))
      << e;
  e = errorOf(s, R"([{"id":0,"coords":[0,0]},{"id":1,"coords":[1,0]},
                    {"id":2,"coords":[0,2]},{"id":3,"coords":[1,1]}])");
  EXPECT_TRUE(contains(e, "device entry #2 (id 2) has coords [0, 2, 0] "
                          "outside slice v5e:2x2"))
      << e;
  e = errorOf(s, R"([{"id":0,"coords":[0,0]},{"id":1,"coords":[1,0]}])");
  EXPECT_TRUE(contains(e, "lists 2 devices but slice v5e:2x2:wrap=0,0 has 4"))
      << e;
  e = errorOf(s, R"([{"id":0,"coords":[0,0]},{"id":1,"coords":[1,0]},
                    {"id":5,"coords":[0,1]},{"id":3,"coords":[1,1]}])");
  EXPECT_TRUE(contains(e, "device entry #2 (id 5): ids must be exactly 0..3"))
      << e;
  e = errorOf(s, R"([{"id":0,"coords":[0,0]},{"id":1,"coords":[1,0]},
                    {"id":2,"coords":[0,1],"core_on_chip":1},
                    {"id":3,"coords":[1,1]}])");
  EXPECT_TRUE(contains(e, "device entry #2 (id 2) has core_on_chip 1")) << e;
  EXPECT_TRUE(contains(e, "must be 0")) << e;
  e = errorOf(s, R"([{"id":0},{"id":1,"coords":[1,0]},
                    {"id":2,"coords":[0,1]},{"id":3,"coords":[1,1]}])");
  EXPECT_TRUE(contains(e, "device entry #0 (id 0) has no \"coords\"")) << e;
  e = errorOf(s, R"([{"coords":[0,0]},{"id":1,"coords":[1,0]},
                    {"id":2,"coords":[0,1]},{"id":3,"coords":[1,1]}])");
  EXPECT_TRUE(contains(e, "device entry #0 has no integer \"id\"")) << e;
  e = errorOf(s, R"([{"id":0,"coords":[0]},{"id":1,"coords":[1,0]},
                    {"id":2,"coords":[0,1]},{"id":3,"coords":[1,1]}])");
  EXPECT_TRUE(contains(e, "has 1 coordinates")) << e;
  e = errorOf(s, R"({"chips": []})");
  EXPECT_TRUE(contains(e, "\"devices\" array")) << e;
  e = errorOf(s, "[{]");
  EXPECT_TRUE(contains(e, "not valid JSON")) << e;
}

TEST(PlacementTest, FromFileAndBack) {
  Slice s = cantFail(Slice::parse("v5p:2x2x2"));
  Placement p = Placement::defaultFor(s).permuted({7, 6, 5, 4, 3, 2, 1, 0});
  SmallString<128> path;
  ASSERT_FALSE(sys::fs::createTemporaryFile("topology", "json", path));
  {
    std::error_code ec;
    raw_fd_ostream os(path, ec);
    ASSERT_FALSE(ec);
    os << p.toJSON(s);
  }
  Expected<Placement> q = Placement::fromFile(s, path);
  sys::fs::remove(path);
  ASSERT_TRUE(bool(q)) << toString(q.takeError());
  EXPECT_EQ(q->chips(), p.chips());
  Expected<Placement> missing = Placement::fromFile(s, "/nonexistent.json");
  ASSERT_FALSE(bool(missing));
  EXPECT_TRUE(contains(toString(missing.takeError()), "cannot read"));
}

TEST(PlacementTest, PermutedRelabels) {
  Slice s = cantFail(Slice::parse("v5e:2x2"));
  Placement base = Placement::defaultFor(s);
  // New id i sits where old id order[i] sat.
  Placement p = base.permuted({2, 0, 3, 1});
  EXPECT_EQ(p.chipOf(0), 2u);
  EXPECT_EQ(p.chipOf(1), 0u);
  EXPECT_EQ(p.deviceAt(3), 2u);
  Error bad = Placement::verifyPermutation({0, 0, 1, 2}, 4);
  ASSERT_TRUE(bool(bad));
  EXPECT_TRUE(contains(toString(std::move(bad)), "repeats 0"));
  Error ok = Placement::verifyPermutation({3, 2, 1, 0}, 4);
  EXPECT_FALSE(bool(ok));
}

TEST(PlacementTest, FromChipsChecks) {
  Slice s = cantFail(Slice::parse("v5e:2x2"));
  Expected<Placement> p = Placement::fromChips(s, {0, 1, 1, 3});
  ASSERT_FALSE(bool(p));
  EXPECT_TRUE(
      contains(toString(p.takeError()), "devices 1 and 2 are both on chip 1"));
  Expected<Placement> q = Placement::fromChips(s, {3, 2, 1, 0});
  ASSERT_TRUE(bool(q));
  EXPECT_EQ(q->deviceAt(0), 3u);
}

} // namespace

namespace {

std::vector<unsigned> listOf(const Placement &p) {
  return std::vector<unsigned>(p.jaxListOrder().begin(),
                               p.jaxListOrder().end());
}

// JAX's multi-process guide: 4 processes on 16 chips list their devices as
// 0,1,4,5 | 2,3,6,7 | 8,9,12,13 | 10,11,14,15 (ids row-major, each process a
// 2x2 tile, processes x fastest).
TEST(JaxDeviceListTest, MultiHostV5eIsProcessTiled) {
  Slice s = cantFail(Slice::parse("v5e:4x4"));
  Placement p = Placement::defaultFor(s);
  EXPECT_EQ(listOf(p), (std::vector<unsigned>{0, 1, 4, 5, 2, 3, 6, 7, 8, 9, 12,
                                              13, 10, 11, 14, 15}));
  EXPECT_EQ(p.numProcesses(), 4u);
  EXPECT_EQ(p.processOf(6), 1u);
  EXPECT_EQ(p.processOf(12), 2u);
  EXPECT_EQ(p.deviceKind(), "TPU v5 lite");
  EXPECT_FALSE(p.listOrderFromFile());
}

// Single-host slices list ids in order: v5e/v6e up to 8 chips on one VM,
// v4/v5p/v7x 2x2x1.
TEST(JaxDeviceListTest, SingleHostSlicesListIdsInOrder) {
  for (const char *spec : {"v5e:2x4", "v6e:2x2", "v4:2x2x1", "v7x:2x2x1",
                           "generic:4x4"}) {
    Slice s = cantFail(Slice::parse(spec));
    Placement p = Placement::defaultFor(s);
    std::vector<unsigned> ids(s.numDevices());
    for (unsigned i = 0; i < ids.size(); ++i)
      ids[i] = i;
    EXPECT_EQ(listOf(p), ids) << spec;
    EXPECT_EQ(p.numProcesses(), 1u) << spec;
  }
}

// Per generation: the host tile and where process 1 starts.
TEST(JaxDeviceListTest, HostTilesPerGeneration) {
  struct Case {
    const char *spec;
    std::array<int, 3> tile;
    unsigned processes;
    std::vector<unsigned> firstTwoProcesses;
  };
  const Case cases[] = {
      // v6e 4x8 on 4-chip VMs: 8 processes of 2x2.
      {"v6e:4x8", {2, 2, 1}, 8, {0, 1, 4, 5, 2, 3, 6, 7}},
      // v4 2x2x4: each process a z plane (the logs of a v4-32 show it).
      {"v4:2x2x4", {2, 2, 1}, 4, {0, 1, 2, 3, 4, 5, 6, 7}},
      // v5p 4x4x4: x fastest over the tiles.
      {"v5p:4x4x4", {2, 2, 1}, 16, {0, 1, 4, 5, 2, 3, 6, 7}},
      // v7x 2x2x2: 8 devices (4 chips x 2 cores) per process, core fastest.
      {"v7x:2x2x2",
       {2, 2, 1},
       2,
       {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15}},
  };
  for (const Case &c : cases) {
    Slice s = cantFail(Slice::parse(c.spec));
    EXPECT_EQ(hostTileFor(s).extent, c.tile) << c.spec;
    Placement p = Placement::defaultFor(s);
    EXPECT_EQ(p.numProcesses(), c.processes) << c.spec;
    std::vector<unsigned> head(p.jaxListOrder().begin(),
                               p.jaxListOrder().begin() +
                                   c.firstTwoProcesses.size());
    EXPECT_EQ(head, c.firstTwoProcesses) << c.spec;
  }
}

// A file dumped from jax.devices(): its order is the list order; the extra
// keys are read, unknown ones ignored.
TEST(JaxDeviceListTest, TopologyFileGivesOrderProcessesAndKind) {
  Slice s = cantFail(Slice::parse("v5e:2x2"));
  const char *text = R"({"devices": [
    {"id": 3, "coords": [1, 1, 0], "core_on_chip": 0, "process_index": 1,
     "device_kind": "TPU v5e", "slice_index": 0, "platform": "tpu"},
    {"id": 0, "coords": [0, 0, 0], "core_on_chip": 0, "process_index": 0,
     "device_kind": "TPU v5e", "slice_index": 0},
    {"id": 1, "coords": [1, 0, 0], "core_on_chip": 0, "process_index": 0,
     "device_kind": "TPU v5e", "slice_index": 0},
    {"id": 2, "coords": [0, 1, 0], "core_on_chip": 0, "process_index": 1,
     "device_kind": "TPU v5e", "slice_index": 0}]})";
  Expected<Placement> p = Placement::fromJSONText(s, text);
  ASSERT_TRUE(bool(p)) << toString(p.takeError());
  EXPECT_EQ(listOf(*p), (std::vector<unsigned>{3, 0, 1, 2}));
  EXPECT_TRUE(p->listOrderFromFile());
  EXPECT_EQ(p->processOf(3), 1u);
  EXPECT_EQ(p->processOf(1), 0u);
  EXPECT_EQ(p->deviceKind(), "TPU v5e");
  // Round trip through toJSON keeps order, processes and kind.
  Expected<Placement> q = Placement::fromJSON(s, p->toJSON(s));
  ASSERT_TRUE(bool(q)) << toString(q.takeError());
  EXPECT_EQ(listOf(*q), listOf(*p));
  EXPECT_EQ(q->processOf(2), 1u);
  EXPECT_EQ(q->deviceKind(), "TPU v5e");
}

TEST(JaxDeviceListTest, TopologyFileErrors) {
  Slice s = cantFail(Slice::parse("v5e:2x2"));
  auto entry = [](int id, int x, int y, StringRef extra) {
    return ("{\"id\": " + Twine(id) + ", \"coords\": [" + Twine(x) + ", " +
            Twine(y) + "]" + extra + "}")
        .str();
  };
  std::string kinds = "[" + entry(0, 0, 0, ", \"device_kind\": \"TPU v5e\"") +
                      "," + entry(1, 1, 0, ", \"device_kind\": \"TPU v4\"") +
                      "," + entry(2, 0, 1, "") + "," + entry(3, 1, 1, "") + "]";
  EXPECT_TRUE(contains(errorOf(s, kinds), "device_kind 'TPU v4'"));
  std::string slices = "[" + entry(0, 0, 0, ", \"slice_index\": 0") + "," +
                       entry(1, 1, 0, ", \"slice_index\": 1") + "," +
                       entry(2, 0, 1, "") + "," + entry(3, 1, 1, "") + "]";
  EXPECT_TRUE(contains(errorOf(s, slices), "one slice at a time"));
  std::string some = "[" + entry(0, 0, 0, ", \"process_index\": 0") + "," +
                     entry(1, 1, 0, "") + "," + entry(2, 0, 1, "") + "," +
                     entry(3, 1, 1, "") + "]";
  EXPECT_TRUE(contains(errorOf(s, some), "for 1 of 4 devices"));
  std::string bad = "[" + entry(0, 0, 0, ", \"process_index\": -1") + "," +
                    entry(1, 1, 0, "") + "," + entry(2, 0, 1, "") + "," +
                    entry(3, 1, 1, "") + "]";
  EXPECT_TRUE(contains(errorOf(s, bad), "process_index"));
}

// Relabelling keeps the list (the same devices, new names).
TEST(JaxDeviceListTest, PermutedKeepsTheListOfDevices) {
  Slice s = cantFail(Slice::parse("v5e:4x4"));
  Placement p = Placement::defaultFor(s);
  std::vector<unsigned> order(16);
  for (unsigned i = 0; i < 16; ++i)
    order[i] = 15 - i;
  Placement q = p.permuted(order);
  for (unsigned k = 0; k < 16; ++k)
    EXPECT_EQ(q.chipOf(q.jaxListOrder()[k]), p.chipOf(p.jaxListOrder()[k]));
  EXPECT_EQ(q.processOf(0), p.processOf(15));
}

TEST(SliceOptionTest, DevicesPerChip) {
  Slice s = cantFail(Slice::parse("v5p:2x2x2:devices-per-chip=2"));
  EXPECT_EQ(s.numDevices(), 16u);
  EXPECT_EQ(s.str(), "v5p:2x2x2:wrap=0,0,0:devices-per-chip=2");
  Expected<Slice> bad = Slice::parse("v5e:2x2:devices-per-chip=2");
  ASSERT_FALSE(bool(bad));
  EXPECT_TRUE(contains(toString(bad.takeError()), "must be 1 or 1"));
}

} // namespace
