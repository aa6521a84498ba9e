// Copyright 2026 The OchreDB Authors.
//
// DecodeStoredMetadata must answer exactly as storage::DecodeMetadata: the same Metadata for every
// text the latter accepts, an error for every text it refuses. Checked on random metadata as
// EncodeMetadata writes it, on hand-picked texts outside the compact form, and on mangled texts.
#include "api/stored_metadata.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "storage/metadata_codec.h"

namespace ochre::api {
namespace {

void ExpectSameAsGeneral(const std::string& text) {
  Result<Metadata> fast = DecodeStoredMetadata(text);
  Result<Metadata> general = storage::DecodeMetadata(text);
  ASSERT_EQ(fast.ok(), general.ok()) << text << "\nfast: " << fast.status().ToString()
                                     << "\ngeneral: " << general.status().ToString();
  if (fast.ok()) {
    // Bitwise for doubles: -0.0 and 0.0 compare equal but must stay what they were.
    EXPECT_EQ(storage::EncodeMetadata(*fast), storage::EncodeMetadata(*general)) << text;
    EXPECT_EQ(*fast, *general) << text;
  }
}

std::string RandomString(std::mt19937_64* rng) {
  static const std::vector<std::string> kPieces = {
      "a", "Z", "0", " ", "\"", "\\", "/", "\n", "\t", "\x01", "\x7f", "\xc3\xa9", "\xe6\x97\xa5", "{", "]", ",", ":"};
  std::string s;
  const size_t n = (*rng)() % 6;
  for (size_t i = 0; i < n; ++i) s += kPieces[(*rng)() % kPieces.size()];
  return s;
}

double RandomDouble(std::mt19937_64* rng) {
  static const std::vector<double> kSpecial = {0.0,     -0.0,     0.1,  1.0,           -2.5, 1e300,
                                               -1e-300, 4.9e-324, 1e16, 123456789.125, 2.0,  9007199254740993.0};
  if ((*rng)() % 3 == 0) return kSpecial[(*rng)() % kSpecial.size()];
  return std::ldexp(double(int64_t((*rng)())) / 9.2e18, int((*rng)() % 200) - 100);
}

int64_t RandomInt(std::mt19937_64* rng) {
  static const std::vector<int64_t> kSpecial = {
      0, -1, 1, std::numeric_limits<int64_t>::max(), std::numeric_limits<int64_t>::min(), 9007199254740993};
  if ((*rng)() % 3 == 0) return kSpecial[(*rng)() % kSpecial.size()];
  return int64_t((*rng)()) >> ((*rng)() % 63);
}

MetadataValue RandomValue(std::mt19937_64* rng) {
  const size_t n = 1 + (*rng)() % 3;
  switch ((*rng)() % 9) {
    case 8: {  // a sparse vector (ascending indices, float32 values, tokens sometimes)
      SparseVector v;
      uint32_t index = uint32_t((*rng)() % 3);
      for (size_t i = 0; i < 3 * n; ++i) {
        v.indices.push_back(index);
        index += 1 + uint32_t((*rng)() % ((*rng)() % 2 ? 5 : 1000000000));
        if (index < v.indices.back()) break;  // wrapped past 2^32
        v.values.push_back(float(RandomDouble(rng)));
      }
      v.indices.resize(v.values.size());
      if ((*rng)() % 3 == 0) {
        std::vector<std::string> tokens;
        for (size_t i = 0; i < v.values.size(); ++i) tokens.push_back(RandomString(rng));
        v.tokens = std::move(tokens);
      }
      return v;
    }
    case 0:
      return (*rng)() % 2 == 0;
    case 1:
      return RandomInt(rng);
    case 2:
      return RandomDouble(rng);
    case 3:
      return RandomString(rng);
    case 4: {
      std::vector<bool> v;
      for (size_t i = 0; i < n; ++i) v.push_back((*rng)() % 2 == 0);
      return v;
    }
    case 5: {
      std::vector<int64_t> v;
      for (size_t i = 0; i < n; ++i) v.push_back(RandomInt(rng));
      return v;
    }
    case 6: {
      std::vector<double> v;
      for (size_t i = 0; i < n; ++i) v.push_back(RandomDouble(rng));
      return v;
    }
    default: {
      std::vector<std::string> v;
      for (size_t i = 0; i < n; ++i) v.push_back(RandomString(rng));
      return v;
    }
  }
}

TEST(StoredMetadataTest, RandomEncodedMetadataDecodesAsTheGeneralParserDoes) {
  std::mt19937_64 rng(20261125);
  for (int i = 0; i < 5000; ++i) {
    Metadata m;
    const size_t keys = rng() % 5;
    for (size_t k = 0; k < keys; ++k) m[RandomString(&rng)] = RandomValue(&rng);
    const std::string text = storage::EncodeMetadata(m);
    ASSERT_NO_FATAL_FAILURE(ExpectSameAsGeneral(text));
    // Mangled: a byte dropped, doubled or replaced must still get the general parser's answer.
    if (!text.empty()) {
      std::string mangled = text;
      const size_t at = rng() % mangled.size();
      static const char kBytes[] = "{}[]\":,\\-+.eE0 9tfn\x80";
      switch (rng() % 3) {
        case 0:
          mangled.erase(at, 1);
          break;
        case 1:
          mangled.insert(at, 1, mangled[at]);
          break;
        default:
          mangled[at] = kBytes[rng() % (sizeof(kBytes) - 1)];
          break;
      }
      ASSERT_NO_FATAL_FAILURE(ExpectSameAsGeneral(mangled));
    }
  }
}

TEST(StoredMetadataTest, TextsOutsideTheCompactFormGetTheGeneralParsersAnswer) {
  for (const std::string text : {
           R"({})",
           R"({"a":1,"b":2.0,"c":"x","d":true,"e":[1,2],"f":[1.5],"g":["p","q"],"h":[false]})",
           R"( {"a": 1} )",                  // whitespace
           R"({"a":"\u00e9\ud83d\ude00"})",  // \u escapes
           "{\"a\":\"\xc3\xa9\"}",           // UTF-8
           "{\"a\":\"\xff\"}",               // not UTF-8
           R"({"a":1,"a":2})",               // a duplicate key: the last wins
           R"({"a":18446744073709551615})",  // above int64
           R"({"a":-9223372036854775809})",  // below int64
           R"({"a":1e400})",                 // out of double range
           R"({"a":[1,2.5]})",
           R"({"a":[2.5,1]})",  // mixed arrays
           R"({"a":[true,1]})",
           R"({"a":[]})",  // mixed, empty
           R"({"a":null})",
           R"({"a":{"b":1}})",
           R"({"a":[[1]]})",
           R"({"a":01})",
           R"({"a":1.})",
           R"({"a":.5})",
           R"({"a":-})",
           R"({"a":1e})",
           R"({"a":-0})",
           R"({"a":-0.0})",
           R"({"a":1E+2})",
           R"({"a":"\/\b\f\n\r\t\"\\"})",
           R"({"a":"\x"})",
           R"({"a":tru})",
           R"({"a":1,})",
           R"({"a":1}x)",
           R"([1])",
           R"("a")",
           "",
       }) {
    ASSERT_NO_FATAL_FAILURE(ExpectSameAsGeneral(text));
  }
}

}  // namespace
}  // namespace ochre::api
