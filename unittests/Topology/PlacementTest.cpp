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
