//===- PairsTableTest.cpp - Check every sdy/HLO pair of the shared table --===//
//
// ../shared/examples/sdy_vs_hlo_sharding_pairs.tsv holds 50 pairs of a Shardy
// sharding and the GSPMD string XLA or JAX produced for it. For every row
// this test checks that the sdy->HLO conversion prints exactly the HLO column,
// that the HLO column parses and prints back unchanged, and that both mean
// the same thing device by device. The sdy column is mostly a dim-sharding
// list; rows for tuples and manual computations describe their sharding in
// words, which are read as documented below.
//
//===----------------------------------------------------------------------===//

#include "AoiZora/Sharding/Conversion.h"

#include "TestUtil.h"

#include <gtest/gtest.h>

using namespace aoizora::sharding;
using namespace aoizora::sharding::test;
using llvm::StringRef;

namespace {

/// The sdy side of one row.
struct SdySide {
  std::vector<TensorSharding> shardings; // more than one: a tuple
  llvm::SmallVector<std::string> manualAxes;
};

/// Reads the sdy column. Forms: `[dims...]` with optional `, replicated=...`
/// and a trailing `(comment)`; `tuple: [..] ; [..]`; and manual-computation
/// rows `... manual_axes={...} ..., [local dims]` where a row without a dims
/// list means all dims unsharded, at the rank of the HLO column.
llvm::Expected<SdySide> readSdyColumn(StringRef column, int64_t hloRank) {
  SdySide side;
  auto addSharding = [&](StringRef dims) -> llvm::Error {
    llvm::Expected<TensorSharding> s =
        parseTensorSharding(("<@mesh, " + dims.trim() + ">").str());
    if (!s)
      return s.takeError();
    side.shardings.push_back(std::move(*s));
    return llvm::Error::success();
  };
  if (column.consume_front("tuple:")) {
    llvm::SmallVector<StringRef> parts;
    column.split(parts, ';');
    for (StringRef part : parts)
      if (llvm::Error err = addSharding(part))
        return std::move(err);
    return side;
  }
  size_t manualAt = column.find("manual_axes=");
  if (manualAt != StringRef::npos) {
    StringRef rest = column.drop_front(manualAt + 12);
    StringRef axes = rest.take_until([](char c) { return c == '}'; });
    llvm::Expected<llvm::SmallVector<std::string>> manual =
        parseManualAxes((axes + "}").str());
    if (!manual)
      return manual.takeError();
    side.manualAxes = std::move(*manual);
    rest = rest.drop_front(axes.size() + 1);
    size_t dimsAt = rest.find('[');
    if (dimsAt != StringRef::npos) {
      if (llvm::Error err = addSharding(rest.drop_front(dimsAt)))
        return std::move(err);
      return side;
    }
    std::string dims = "[";
    for (int64_t i = 0; i < hloRank; ++i)
      dims += i ? ", {}" : "{}";
    if (llvm::Error err = addSharding(dims + "]"))
      return std::move(err);
    return side;
  }
  // Drop a trailing explanation such as "(rank-agnostic)".
  size_t comment = column.rfind(" (");
  if (comment != StringRef::npos && column.ends_with(")") &&
      column.find('"', comment) == StringRef::npos)
    column = column.take_front(comment);
  if (llvm::Error err = addSharding(column))
    return std::move(err);
  return side;
}

TEST(PairsTable, EveryRow) {
  std::optional<std::string> file =
      readSharedFile("examples/sdy_vs_hlo_sharding_pairs.tsv");
  if (!file)
    GTEST_SKIP() << "pairs table not found under " << AOIZORA_SHARED_DIR;
  llvm::SmallVector<StringRef> lines;
  StringRef(*file).split(lines, '\n', -1, /*KeepEmpty=*/false);
  int rows = 0;
  for (StringRef line : lines) {
    if (line.starts_with("#"))
      continue;
    ++rows;
    SCOPED_TRACE(line.str());
    llvm::SmallVector<StringRef> cols;
    line.split(cols, '\t');
    ASSERT_GE(cols.size(), 3u);
    StringRef meshText = cols[0].drop_until([](char c) { return c == '<'; });
    StringRef hloText = cols[2].trim();

    llvm::Expected<Mesh> mesh = parseMesh(meshText);
    ASSERT_TRUE(!!mesh) << errorText(std::move(mesh));
    EXPECT_EQ(errorText(verifyMesh(*mesh)), "");

    // The HLO column parses and prints back unchanged.
    llvm::Expected<HloSharding> hlo = parseHloSharding(hloText);
    ASSERT_TRUE(!!hlo) << errorText(std::move(hlo));
    EXPECT_EQ(printHloSharding(*hlo), hloText.str());
    const HloSharding &leaf =
        hlo->kind == HloSharding::Kind::Tuple ? hlo->elements.front() : *hlo;
    int64_t rank = leaf.kind == HloSharding::Kind::Tiled ? leaf.dataRank() : 0;

    llvm::Expected<SdySide> sdy = readSdyColumn(cols[1].trim(), rank);
    ASSERT_TRUE(!!sdy) << errorText(std::move(sdy));
    std::vector<HloSharding> converted;
    for (const TensorSharding &s : sdy->shardings) {
      EXPECT_EQ(errorText(verifyTensorSharding(s, *mesh, std::nullopt)), "");
      llvm::Expected<HloSharding> h = toHloSharding(s, *mesh, sdy->manualAxes);
      ASSERT_TRUE(!!h) << errorText(std::move(h));
      converted.push_back(std::move(*h));
    }
    HloSharding result = converted.size() == 1
                             ? converted.front()
                             : HloSharding::tuple(std::move(converted));

    if (hlo->kind == HloSharding::Kind::Unknown) {
      // The XI row `[{?}, {?}]` <-> `{unknown}` documents XLA's *import*,
      // which turns `{unknown}` into fully open dims. Exporting fully open
      // dims gives `{replicated}` (first rows of the table), so that is what
      // the sdy->HLO direction must print; the two are not the same sharding.
      EXPECT_EQ(printHloSharding(result), "{replicated}");
      continue;
    }
    EXPECT_EQ(printHloSharding(result), hloText.str());
    int64_t numDevices =
        mesh->isMaximal() ? mesh->deviceIds.front() + 1 : mesh->numDevices();
    llvm::Expected<bool> same =
        semanticallyEqual(result, *hlo, numDevices, sdy->shardings[0].rank());
    ASSERT_TRUE(!!same) << errorText(same.takeError());
    EXPECT_TRUE(*same);
  }
  EXPECT_EQ(rows, 50);
}

} // namespace
