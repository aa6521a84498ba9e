// Copyright 2026 The OchreDB Authors.
#include "common/coding.h"

#include <gtest/gtest.h>

#include <bit>
#include <limits>
#include <string>

namespace ochre {
namespace {

TEST(CodingTest, Fixed32IsLittleEndian) {
  std::string s;
  PutFixed32(&s, 0x04030201u);
  ASSERT_EQ(s.size(), 4u);
  EXPECT_EQ(s, std::string("\x01\x02\x03\x04", 4));
  EXPECT_EQ(DecodeFixed32(s.data()), 0x04030201u);
}

TEST(CodingTest, Fixed64RoundTripsExtremes) {
  for (uint64_t v : {uint64_t{0}, uint64_t{1}, uint64_t{0x0102030405060708}, std::numeric_limits<uint64_t>::max()}) {
    std::string s;
    PutFixed64(&s, v);
    ASSERT_EQ(s.size(), 8u);
    EXPECT_EQ(DecodeFixed64(s.data()), v);
  }
  std::string s;
  PutFixed64(&s, 0x0102030405060708);
  EXPECT_EQ(s, std::string("\x08\x07\x06\x05\x04\x03\x02\x01", 8));
}

TEST(CodingTest, FloatsRoundTripBitExactly) {
  for (float f : {0.0f, -0.0f, 1.5f, -3.25e-38f, std::numeric_limits<float>::infinity()}) {
    char buf[4];
    EncodeFloat(buf, f);
    EXPECT_EQ(std::bit_cast<uint32_t>(DecodeFloat(buf)), std::bit_cast<uint32_t>(f));
  }
  char buf[8];
  EncodeDouble(buf, 2.718281828);
  EXPECT_EQ(DecodeDouble(buf), 2.718281828);
}

}  // namespace
}  // namespace ochre
