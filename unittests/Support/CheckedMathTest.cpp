//===- CheckedMathTest.cpp - Overflow-checked size arithmetic -------------===//

#include "AoiZora/Support/CheckedMath.h"

#include "gtest/gtest.h"

using namespace aoizora;

namespace {

constexpr int64_t kMax = std::numeric_limits<int64_t>::max();

TEST(CheckedMath, ProductsThatFit) {
  EXPECT_EQ(checkedMul(1 << 20, 1 << 20), int64_t(1) << 40);
  EXPECT_EQ(checkedProduct({2, 3, 4}), 24);
  EXPECT_EQ(checkedProduct({}), 1);
  EXPECT_EQ(checkedAdd(kMax - 1, 1), kMax);
}

TEST(CheckedMath, OverflowIsNoneNotAWrap) {
  // 2^32 * 2^32 wraps to 0 in plain int64_t arithmetic.
  EXPECT_EQ(checkedMul(int64_t(1) << 32, int64_t(1) << 32), std::nullopt);
  // 64 factors of 2 wrap to 0 as well.
  llvm::SmallVector<int64_t> twos(64, 2);
  EXPECT_EQ(checkedProduct(twos), std::nullopt);
  EXPECT_EQ(checkedAdd(kMax, 1), std::nullopt);
  EXPECT_EQ(saturatingProduct(twos), kMax);
  EXPECT_EQ(saturatingMul(-(int64_t(1) << 40), int64_t(1) << 40),
            std::numeric_limits<int64_t>::min());
}

TEST(CheckedMath, ErrorsNameWhatOverflowed) {
  llvm::Expected<int64_t> p =
      productOrError({int64_t(1) << 62, 4}, "tensor byte count");
  ASSERT_FALSE(p);
  EXPECT_EQ(toString(p.takeError()),
            "tensor byte count overflows 64-bit arithmetic");
  EXPECT_EQ(cantFail(mulOrError(3, 5, "x")), 15);
}

TEST(CheckedMath, DeviceCountLimit) {
  EXPECT_EQ(cantFail(deviceCountOf({1024, 1024}, "mesh axis sizes")),
            int64_t(1) << 20);
  llvm::Expected<int64_t> n = deviceCountOf({1024, 1024, 2}, "mesh axis sizes");
  ASSERT_FALSE(n);
  EXPECT_EQ(toString(n.takeError()),
            "mesh axis sizes multiply to more than 2^20 (1048576) devices, "
            "the limit");
  // Overflow on the way is the same error, not a wrapped small count.
  llvm::Expected<int64_t> wrapped =
      deviceCountOf({int64_t(1) << 32, int64_t(1) << 32}, "tile dims");
  ASSERT_FALSE(wrapped);
  consumeError(wrapped.takeError());
}

} // namespace
