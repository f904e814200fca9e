//===- FuzzTest.cpp - Truncated and mutated dumps never crash -------------===//
//
// Every fixture is cut at every line and at pseudo-random byte offsets, and
// mutated (bytes deleted, duplicated, replaced by syntax characters, lines
// swapped) with a fixed seed. The importer must return a result or an
// error, never crash or hang, and every message must name a line.
//
//===----------------------------------------------------------------------===//

#include "AoiZora/HloImport/HloImport.h"

#include "TestUtil.h"

#include "gtest/gtest.h"

#include <random>

using namespace aoizora::hlo;
using namespace aoizora::hlo::test;

namespace {

constexpr const char *kFixtures[] = {
    "spmd_collectives.txt", "async_collectives.txt", "while_loop.txt",
    "garbage_lines.txt", "truncated.txt", "async_every_kind.txt",
    "unpriced_communication.txt"};

constexpr char kSyntax[] = "{}[](),=\"%<>/*T:\n 0123456789-";

/// Imports \p text and checks the invariants; returns whether it parsed.
bool checkImport(llvm::StringRef text) {
  llvm::Expected<HloImportResult> result = importHloText(text);
  if (!result) {
    std::string msg = llvm::toString(result.takeError());
    EXPECT_TRUE(llvm::StringRef(msg).starts_with("line ")) << msg;
    return false;
  }
  for (const std::string &w : result->warnings)
    EXPECT_TRUE(llvm::StringRef(w).starts_with("line ")) << w;
  for (const UnpricedCommunication &u : result->unpriced) {
    EXPECT_GT(u.line, 0u);
    EXPECT_FALSE(u.reason.empty());
  }
  for (const ImportedCollective &c : result->collectives) {
    EXPECT_GE(c.count, 0);
    EXPECT_GE(c.bytesPerDevice, -1);
    EXPECT_GT(c.line, 0u);
  }
  return true;
}

std::string mutate(std::string text, std::mt19937 &rng) {
  std::uniform_int_distribution<int> edits(1, 6);
  for (int e = edits(rng); e > 0 && !text.empty(); --e) {
    std::uniform_int_distribution<size_t> at(0, text.size() - 1);
    size_t pos = at(rng);
    switch (rng() % 5) {
    case 0:
      text.erase(pos, 1 + rng() % 8);
      break;
    case 1:
      text.insert(pos, text.substr(pos, 1 + rng() % 16));
      break;
    case 2:
      text[pos] = kSyntax[rng() % (sizeof(kSyntax) - 1)];
      break;
    case 3:
      text.insert(pos, 1, kSyntax[rng() % (sizeof(kSyntax) - 1)]);
      break;
    case 4: {
      // Move a chunk elsewhere (reorders lines and brackets).
      size_t len = std::min<size_t>(1 + rng() % 40, text.size() - pos);
      std::string chunk = text.substr(pos, len);
      text.erase(pos, len);
      text.insert(at(rng) % (text.size() + 1), chunk);
      break;
    }
    }
  }
  return text;
}

TEST(HloImportFuzzTest, EveryLinePrefix) {
  for (const char *name : kFixtures) {
    std::string text = readInput(name);
    size_t parsed = 0, cuts = 0;
    for (size_t pos = 0; pos <= text.size(); pos = text.find('\n', pos + 1)) {
      if (pos == std::string::npos)
        pos = text.size();
      parsed += checkImport(llvm::StringRef(text).take_front(pos));
      ++cuts;
      if (pos == text.size())
        break;
    }
    // A cut inside a computation is an error; cuts between computations
    // after the first one parse.
    EXPECT_GT(cuts, parsed) << name;
  }
}

TEST(HloImportFuzzTest, RandomPrefixes) {
  std::mt19937 rng(20240611);
  for (const char *name : kFixtures) {
    std::string text = readInput(name);
    for (int i = 0; i < 300; ++i)
      checkImport(llvm::StringRef(text).take_front(rng() % (text.size() + 1)));
  }
}

TEST(HloImportFuzzTest, Mutations) {
  std::mt19937 rng(7);
  for (const char *name : kFixtures) {
    std::string text = readInput(name);
    for (int i = 0; i < 1500; ++i)
      checkImport(mutate(text, rng));
  }
}

TEST(HloImportFuzzTest, MeshGroupMutations) {
  // Mutated mesh-axes group lists: an error, or groups that cover every
  // device of the mesh exactly once.
  constexpr const char *kMeshes[] = {
      "mesh['x'=2,'y'=4] {'y','x'}",
      "mesh['x'=8] {'x':(1)2,'x':(4)2}",
      "mesh['a'=2,'b'=4], device_ids=([4,2]T(1,0)) {'b'}",
      "mesh[x=2,y=2], device_ids=(0,2,1,3) {x}",
      "maximal_mesh[device_id=3] {}"};
  std::mt19937 rng(11);
  for (const char *mesh : kMeshes) {
    for (int i = 0; i < 3000; ++i) {
      std::string text = mutate(mesh, rng);
      llvm::Expected<MeshReplicaGroups> groups = parseMeshReplicaGroups(text);
      if (!groups) {
        llvm::consumeError(groups.takeError());
        continue;
      }
      if (groups->numDevices == 0)
        continue; // a maximal mesh: one group of its device
      std::vector<int> seen(groups->numDevices, 0);
      size_t size = groups->groups.front().size();
      for (const std::vector<int64_t> &group : groups->groups) {
        EXPECT_EQ(group.size(), size) << text;
        for (int64_t id : group) {
          ASSERT_TRUE(id >= 0 && id < groups->numDevices) << text;
          ++seen[id];
        }
      }
      for (int n : seen)
        EXPECT_EQ(n, 1) << text;
    }
  }
}

TEST(HloImportFuzzTest, HostileShapes) {
  // Deep nesting, giant dims and giant iota groups in otherwise valid text.
  std::string deep = std::string(5000, '(') + "f32[1]" + std::string(5000, ')');
  std::string text = "HloModule m, num_partitions=4611686018427387904, "
                     "replica_count=4\nENTRY %e {\n  %p = " +
                     deep +
                     " parameter(0)\n  %q = f32[9223372036854775807,2] "
                     "parameter(1)\n  %a = f32[4] all-gather(%q), "
                     "channel_id=1, replica_groups=[1048576,1048576]<=[1099511627776], "
                     "use_global_device_ids=true\n  %b = f32[4] all-reduce(%q), "
                     "channel_id=2, use_global_device_ids=true\n}\n";
  EXPECT_TRUE(checkImport(text));
}

} // namespace
