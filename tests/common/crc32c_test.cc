// Copyright 2026 The OchreDB Authors.
#include "common/crc32c.h"

#include <gtest/gtest.h>

#include <cstring>
#include <random>
#include <string>
#include <vector>

namespace ochre::crc32c {
namespace {

TEST(Crc32cTest, MatchesKnownVectors) {
  EXPECT_EQ(Value("123456789", 9), 0xE3069283u);
  EXPECT_EQ(Value("", 0), 0u);
  // RFC 3720 (iSCSI) B.4 test patterns.
  char buf[32];
  std::memset(buf, 0, sizeof(buf));
  EXPECT_EQ(Value(buf, sizeof(buf)), 0x8A9136AAu);
  std::memset(buf, 0xFF, sizeof(buf));
  EXPECT_EQ(Value(buf, sizeof(buf)), 0x62A8AB43u);
  for (int i = 0; i < 32; ++i) buf[i] = static_cast<char>(i);
  EXPECT_EQ(Value(buf, sizeof(buf)), 0x46DD794Eu);
  for (int i = 0; i < 32; ++i) buf[i] = static_cast<char>(31 - i);
  EXPECT_EQ(Value(buf, sizeof(buf)), 0x113FDB5Cu);
}

TEST(Crc32cTest, ExtendEqualsValueOfTheConcatenation) {
  const std::string a = "hello ", b = "world, this is a longer tail to cross 8-byte blocks";
  EXPECT_EQ(Extend(Value(a), b.data(), b.size()), Value(a + b));
}

TEST(Crc32cTest, AcceleratedAndPortableAgreeOnEveryLengthAndAlignment) {
  std::mt19937 rng(42);  // fixed seed
  std::string data(1024 + 16, '\0');
  for (char& c : data) c = static_cast<char>(rng());
  for (size_t offset = 0; offset < 8; ++offset) {
    for (size_t len = 0; len <= 1024; len += (len < 64 ? 1 : 37)) {
      ASSERT_EQ(Value(data.data() + offset, len), ExtendPortable(0, data.data() + offset, len))
          << "offset " << offset << " len " << len << " hw " << IsHardwareAccelerated();
    }
  }
}

// Long inputs run as three interleaved streams (strides of 256 bytes and 8 KiB) joined by shift
// tables: every length around and between those sizes, at every alignment, and chained Extends.
TEST(Crc32cTest, AcceleratedAndPortableAgreeOnLongInputs) {
  std::mt19937 rng(43);  // fixed seed
  std::string data(3 * 8192 * 3 + 4096, '\0');
  for (char& c : data) c = static_cast<char>(rng());
  std::vector<size_t> lengths;
  for (size_t around : {size_t{768}, size_t{1536}, size_t{3 * 8192}, size_t{2 * 3 * 8192}, size_t{65536}}) {
    for (size_t d = 0; d < 20; ++d) {
      lengths.push_back(around + d);
      lengths.push_back(around - d);
    }
  }
  for (int i = 0; i < 200; ++i) lengths.push_back(rng() % (data.size() - 8));
  for (size_t len : lengths) {
    const size_t offset = rng() % 8;
    ASSERT_EQ(Value(data.data() + offset, len), ExtendPortable(0, data.data() + offset, len))
        << "offset " << offset << " len " << len << " hw " << IsHardwareAccelerated();
    const size_t cut = len == 0 ? 0 : rng() % len;
    ASSERT_EQ(Extend(Value(data.data() + offset, cut), data.data() + offset + cut, len - cut),
              ExtendPortable(0, data.data() + offset, len))
        << "offset " << offset << " len " << len << " cut " << cut;
  }
}

TEST(Crc32cTest, DetectsASingleFlippedBit) {
  std::string data(4096, 'x');
  const uint32_t before = Value(data);
  data[1234] ^= 0x10;
  EXPECT_NE(Value(data), before);
}

}  // namespace
}  // namespace ochre::crc32c
