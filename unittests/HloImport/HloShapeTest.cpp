//===- HloShapeTest.cpp - Shape parsing and byte sizes --------------------===//
//
// Array shapes with and without layouts (TPU tiling suffixes included),
// tuples with the printer's /*index=N*/ markers, tokens, sub-byte element
// types, bounded dynamic dimensions, and malformed shapes that must fail
// cleanly.
//
//===----------------------------------------------------------------------===//

#include "AoiZora/HloImport/HloShape.h"

#include "gtest/gtest.h"

using namespace aoizora::hlo;

namespace {

HloShape parseOrDie(llvm::StringRef text) {
  llvm::Expected<HloShape> shape = parseHloShape(text);
  if (!shape) {
    ADD_FAILURE() << text.str() << ": " << llvm::toString(shape.takeError());
    return HloShape();
  }
  return *shape;
}

TEST(HloShapeTest, ArrayWithLayout) {
  HloShape s = parseOrDie("bf16[2,1024]{1,0}");
  EXPECT_TRUE(s.isArray());
  EXPECT_EQ(s.elementType, "bf16");
  EXPECT_EQ(s.dims, (std::vector<int64_t>{2, 1024}));
  ASSERT_TRUE(s.minorToMajor.has_value());
  EXPECT_EQ(*s.minorToMajor, (std::vector<int64_t>{1, 0}));
  EXPECT_EQ(s.numElements(), 2048);
  EXPECT_EQ(s.bytes(), 4096);
  EXPECT_EQ(s.str(), "bf16[2,1024]{1,0}");
}

TEST(HloShapeTest, ScalarsAndNoLayout) {
  HloShape s = parseOrDie("f32[]");
  EXPECT_TRUE(s.dims.empty());
  EXPECT_FALSE(s.minorToMajor.has_value());
  EXPECT_EQ(s.numElements(), 1);
  EXPECT_EQ(s.bytes(), 4);
  EXPECT_EQ(parseOrDie("s32[1, 1024, 1024]").bytes(), 4 << 20);
  EXPECT_EQ(parseOrDie("f32[0,5]").bytes(), 0);
}

TEST(HloShapeTest, TpuLayoutKeptAsText) {
  HloShape s = parseOrDie("f32[8,128]{1,0:T(8,128)S(1)}");
  EXPECT_EQ(s.layoutText, "1,0:T(8,128)S(1)");
  ASSERT_TRUE(s.minorToMajor.has_value());
  EXPECT_EQ(*s.minorToMajor, (std::vector<int64_t>{1, 0}));
  EXPECT_EQ(s.bytes(), 8 * 128 * 4);
}

TEST(HloShapeTest, ElementTypeSizes) {
  struct Row {
    const char *type;
    int64_t bytesOf10;
  } rows[] = {{"pred", 10},     {"s8", 10},       {"u8", 10},
              {"f8e4m3fn", 10}, {"f8e5m2", 10},   {"f8e8m0fnu", 10},
              {"s16", 20},      {"u16", 20},      {"f16", 20},
              {"bf16", 20},     {"s32", 40},      {"u32", 40},
              {"f32", 40},      {"s64", 80},      {"u64", 80},
              {"f64", 80},      {"c64", 80},      {"c128", 160},
              {"s4", 5},        {"u4", 5},        {"f4e2m1fn", 5},
              {"s2", 3},        {"u1", 2}};
  for (const Row &row : rows) {
    std::string text = std::string(row.type) + "[10]";
    EXPECT_EQ(parseOrDie(text).bytes(), row.bytesOf10) << text;
  }
  // Sub-byte arrays round up per array, not per element.
  EXPECT_EQ(parseOrDie("s4[3,5]{1,0:E(4)}").bytes(), 8);
  EXPECT_EQ(parseOrDie("u4[1]").bytes(), 1);
  EXPECT_FALSE(getElementTypeBits("f33").has_value());
  EXPECT_FALSE(getElementTypeBits("token").has_value());
}

TEST(HloShapeTest, NestedTupleWithIndexComments) {
  HloShape s = parseOrDie("(f32[4]{0}, (s32[], pred[2]), token[], bf16[3], "
                          "u8[2], /*index=5*/f64[1])");
  ASSERT_TRUE(s.isTuple());
  ASSERT_EQ(s.elements.size(), 6u);
  EXPECT_TRUE(s.elements[1].isTuple());
  EXPECT_EQ(s.elements[2].kind, HloShape::Kind::Token);
  EXPECT_EQ(s.bytes(), 16 + (4 + 2) + 0 + 6 + 2 + 8);
  EXPECT_EQ(s.str(), "(f32[4]{0}, (s32[], pred[2]), token[], bf16[3], "
                     "u8[2], f64[1])");
  EXPECT_EQ(parseOrDie("()").bytes(), 0);
  EXPECT_EQ(parseOrDie("((f32[64,32]{1,0}), f32[8,32]{1,0})").bytes(),
            64 * 32 * 4 + 8 * 32 * 4);
}

TEST(HloShapeTest, BoundedDynamicDims) {
  HloShape s = parseOrDie("f32[<=8,4]{1,0}");
  EXPECT_EQ(s.dims, (std::vector<int64_t>{8, 4}));
  EXPECT_EQ(s.dynamicDims, (std::vector<bool>{true, false}));
  EXPECT_EQ(s.bytes(), 128);
  EXPECT_EQ(s.str(), "f32[<=8,4]{1,0}");
}

TEST(HloShapeTest, PrefixStopsBeforeSpaceBrace) {
  // In a computation header `-> f32[4] {` the brace opens the body.
  size_t consumed = 0;
  llvm::Expected<HloShape> s = parseHloShapePrefix("f32[4] {", consumed);
  ASSERT_TRUE(static_cast<bool>(s)) << llvm::toString(s.takeError());
  EXPECT_EQ(consumed, 6u);
  EXPECT_TRUE(s->layoutText.empty());
}

TEST(HloShapeTest, MalformedShapesFail) {
  for (const char *text :
       {"", "f33[2]", "f32[2", "f32[?]", "f32[a]", "f32[2]{1,0", "(f32[2]",
        "(f32[2] s32[])", "f32", "f32[2] extra",
        "f32[99999999999,99999999999,99999999999]", "token[1]"}) {
    llvm::Expected<HloShape> s = parseHloShape(text);
    EXPECT_FALSE(static_cast<bool>(s)) << "accepted '" << text << "'";
    if (!s)
      llvm::consumeError(s.takeError());
  }
  // Hostile nesting is refused rather than recursing without bound.
  std::string deep(1000, '(');
  llvm::Expected<HloShape> s = parseHloShape(deep);
  EXPECT_FALSE(static_cast<bool>(s));
  if (!s)
    llvm::consumeError(s.takeError());
}

} // namespace
