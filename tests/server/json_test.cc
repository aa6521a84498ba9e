// Copyright 2026 The OchreDB Authors.
//
// The JSON writer and readers of the server: float formatting as Chroma prints it, escaping,
// base64 embeddings, type errors (422) versus malformed bodies (400), the depth limit.
#include <gtest/gtest.h>

#include <cstring>
#include <string>

#include "server/json_in.h"
#include "server/json_out.h"

namespace ochre::server {
namespace {

std::string FloatText(float f) {
  JsonOut out;
  out.Float(f);
  return out.Take();
}

TEST(JsonOutTest, FloatsKeepAFractionSoClientsSeeFloats) {
  EXPECT_EQ(FloatText(1.0f), "1.0");
  EXPECT_EQ(FloatText(0.0f), "0.0");
  EXPECT_EQ(FloatText(-2.0f), "-2.0");
  EXPECT_EQ(FloatText(0.1f), "0.1");  // shortest round-trip form of the float, not 0.100000001
  EXPECT_EQ(FloatText(4.5f), "4.5");
  EXPECT_EQ(FloatText(1e-7f), "1e-07");
  EXPECT_EQ(FloatText(std::numeric_limits<float>::infinity()), "null");
}

TEST(JsonOutTest, StringsAreEscaped) {
  JsonOut out;
  out.String(std::string("a\"b\\c\n\x01", 7));
  EXPECT_EQ(out.Take(), R"("a\"b\\c\n\u0001")");
}

TEST(JsonOutTest, ObjectsArraysAndMetadata) {
  JsonOut out;
  out.BeginObject();
  out.Key("m");
  out.Metadata(
      Metadata{{"i", int64_t{3}}, {"f", 2.0}, {"s", std::string("x")}, {"b", true}, {"l", std::vector<int64_t>{1, 2}}});
  out.Key("e");
  out.BeginArray();
  out.EndArray();
  out.Key("n");
  out.OptionalMetadata(std::nullopt);
  out.EndObject();
  EXPECT_EQ(out.Take(), R"({"m":{"b":true,"f":2.0,"i":3,"l":[1,2],"s":"x"},"e":[],"n":null})");
}

TEST(JsonInTest, MalformedIsInvalidArgumentAndDeepIsRefused) {
  JsonDocument doc;
  HttpError err;
  EXPECT_FALSE(doc.Parse("{\"a\": ", &err));
  EXPECT_EQ(err.status, 400);
  EXPECT_EQ(err.name, "InvalidArgumentError");
  std::string deep(100000, '[');
  EXPECT_FALSE(doc.Parse(deep, &err));
  EXPECT_EQ(err.status, 400);
  std::string ok_depth = std::string(60, '[') + std::string(60, ']');
  EXPECT_TRUE(doc.Parse(ok_depth, &err)) << err.message;
  EXPECT_TRUE(doc.Parse("", &err)) << "an empty body is {}";
}

TEST(JsonInTest, WrongTypesAre422) {
  JsonDocument doc;
  HttpError err;
  ASSERT_TRUE(doc.Parse(R"({"ids": 5, "limit": -1, "n": 1.5})", &err));
  std::vector<std::string> ids;
  EXPECT_FALSE(ReadStringList(*Field(doc.root(), "ids"), "ids", &ids, &err));
  EXPECT_EQ(err.status, 422);
  EXPECT_EQ(err.name, "ChromaError");
  int64_t v;
  EXPECT_FALSE(ReadUnsigned(*Field(doc.root(), "limit"), "limit", &v, &err));
  EXPECT_EQ(err.status, 422);
  EXPECT_FALSE(ReadUnsigned(*Field(doc.root(), "n"), "n", &v, &err));
  EXPECT_EQ(err.status, 422);
}

TEST(JsonInTest, Base64RoundTrip) {
  std::string out;
  ASSERT_TRUE(DecodeBase64("AACAPwAAAEA=", &out));  // 1.0f, 2.0f little-endian
  ASSERT_EQ(out.size(), 8u);
  float f[2];
  std::memcpy(f, out.data(), 8);
  EXPECT_EQ(f[0], 1.0f);
  EXPECT_EQ(f[1], 2.0f);
  EXPECT_FALSE(DecodeBase64("AA*A", &out));
  EXPECT_FALSE(DecodeBase64("A", &out));
}

// Small bodies share a parser per thread; a second document alive at the same time must not
// overwrite the first one's values.
TEST(JsonInTest, TwoDocumentsAliveOnOneThread) {
  HttpError err;
  JsonDocument a;
  ASSERT_TRUE(a.Parse(R"({"name": "first"})", &err));
  {
    JsonDocument b;
    ASSERT_TRUE(b.Parse(R"({"name": "second"})", &err));
    std::string name;
    ASSERT_TRUE(ReadString(*Field(b.root(), "name"), "name", &name, &err));
    EXPECT_EQ(name, "second");
  }
  std::string name;
  ASSERT_TRUE(ReadString(*Field(a.root(), "name"), "name", &name, &err));
  EXPECT_EQ(name, "first");
  JsonDocument c;  // `a` still holds the thread's parser: `c` gets its own too
  ASSERT_TRUE(c.Parse(R"({"name": "third"})", &err));
  ASSERT_TRUE(ReadString(*Field(a.root(), "name"), "name", &name, &err));
  EXPECT_EQ(name, "first");
}

// The decoder works four characters at a time with a scalar tail: every length and every byte
// value must come back as encoded, and a bad character anywhere must be refused.
TEST(JsonInTest, Base64EveryLengthAndByte) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  auto encode = [](const std::string& bytes) {
    std::string out;
    for (size_t i = 0; i < bytes.size(); i += 3) {
      uint32_t v = uint32_t(uint8_t(bytes[i])) << 16;
      if (i + 1 < bytes.size()) v |= uint32_t(uint8_t(bytes[i + 1])) << 8;
      if (i + 2 < bytes.size()) v |= uint32_t(uint8_t(bytes[i + 2]));
      out += kAlphabet[(v >> 18) & 63];
      out += kAlphabet[(v >> 12) & 63];
      out += i + 1 < bytes.size() ? kAlphabet[(v >> 6) & 63] : '=';
      out += i + 2 < bytes.size() ? kAlphabet[v & 63] : '=';
    }
    return out;
  };
  for (size_t n = 0; n < 40; ++n) {
    std::string bytes;
    for (size_t i = 0; i < n; ++i) bytes += char((i * 97 + n * 31) & 0xff);
    std::string encoded = encode(bytes), decoded;
    ASSERT_TRUE(DecodeBase64(encoded, &decoded)) << encoded;
    EXPECT_EQ(decoded, bytes) << encoded;
    std::string unpadded = encoded.substr(0, encoded.find('='));
    ASSERT_TRUE(DecodeBase64(unpadded, &decoded)) << unpadded;
    EXPECT_EQ(decoded, bytes) << unpadded;
    for (size_t at = 0; at < unpadded.size(); ++at) {
      std::string bad = unpadded;
      bad[at] = '*';
      EXPECT_FALSE(DecodeBase64(bad, &decoded)) << bad;
    }
  }
  std::string all;
  for (int b = 0; b < 256; ++b) all += char(b);
  std::string decoded;
  ASSERT_TRUE(DecodeBase64(encode(all), &decoded));
  EXPECT_EQ(decoded, all);
}

TEST(JsonInTest, EmbeddingsAsFloatsOrBase64) {
  JsonDocument doc;
  HttpError err;
  ASSERT_TRUE(doc.Parse(R"({"e": [[1, 2.5], "AACAPwAAAEA="]})", &err));
  FloatMatrix m;
  ASSERT_TRUE(ReadEmbeddings(*Field(doc.root(), "e"), "e", nullptr, &m, &err)) << err.message;
  ASSERT_EQ(m.rows(), 2u);
  ASSERT_EQ(m.dim(), 2u);
  EXPECT_EQ(m.row(0)[1], 2.5f);
  EXPECT_EQ(m.row(1)[0], 1.0f);
}

TEST(JsonInTest, EmbeddingErrorsUseChromaMessages) {
  JsonDocument doc;
  HttpError err;
  FloatMatrix m;
  ASSERT_TRUE(doc.Parse(R"({"a": [[1, 2], [1]], "b": [[]], "c": ["AAA="], "d": ["AADAfw=="]})", &err));
  EXPECT_FALSE(ReadEmbeddings(*Field(doc.root(), "a"), "a", nullptr, &m, &err));
  EXPECT_EQ(err.message, "Inconsistent dimensions in provided embeddings");
  EXPECT_FALSE(ReadEmbeddings(*Field(doc.root(), "b"), "b", nullptr, &m, &err));
  EXPECT_EQ(err.message, "Each embedding must have at least 1 dimension");
  EXPECT_FALSE(ReadEmbeddings(*Field(doc.root(), "c"), "c", nullptr, &m, &err));
  EXPECT_EQ(err.status, 400);
  EXPECT_FALSE(ReadEmbeddings(*Field(doc.root(), "d"), "d", nullptr, &m, &err));  // NaN
  EXPECT_NE(err.message.find("Non-finite"), std::string::npos);
}

TEST(JsonInTest, UpdateEmbeddingsMayBeNull) {
  JsonDocument doc;
  HttpError err;
  FloatMatrix m;
  std::vector<bool> nulls;
  ASSERT_TRUE(doc.Parse(R"({"a": [null, null], "b": [null, [1, 2], null, [3, 4]], "c": [null, [1], [1, 2]],
                            "d": [[1], null]})",
                        &err));
  ASSERT_TRUE(ReadEmbeddings(*Field(doc.root(), "a"), "a", &nulls, &m, &err));
  EXPECT_EQ(m.rows(), 0u);
  EXPECT_EQ(nulls, (std::vector<bool>{true, true}));
  // Mixed: null entries keep their place as zero rows, flagged in `nulls`.
  ASSERT_TRUE(ReadEmbeddings(*Field(doc.root(), "b"), "b", &nulls, &m, &err)) << err.message;
  ASSERT_EQ(m.rows(), 4u);
  ASSERT_EQ(m.dim(), 2u);
  EXPECT_EQ(nulls, (std::vector<bool>{true, false, true, false}));
  EXPECT_EQ(m.row(0)[0], 0.0f);
  EXPECT_EQ(m.row(1)[1], 2.0f);
  EXPECT_EQ(m.row(3)[0], 3.0f);
  EXPECT_FALSE(ReadEmbeddings(*Field(doc.root(), "c"), "c", &nulls, &m, &err));
  EXPECT_EQ(err.message, "Inconsistent dimensions in provided embeddings");
  // Without the flags (add, upsert, query) a null entry is a type error.
  EXPECT_FALSE(ReadEmbeddings(*Field(doc.root(), "d"), "d", nullptr, &m, &err));
  EXPECT_EQ(err.status, 422);
}

TEST(JsonInTest, MetadataTypes) {
  JsonDocument doc;
  HttpError err;
  ASSERT_TRUE(doc.Parse(R"({"m": {"i": 1, "f": 1.0, "s": "x", "b": false, "li": [1, 2], "lf": [1, 2.5],
                             "ls": ["a"], "n": null}})",
                        &err));
  Metadata m;
  EXPECT_FALSE(ReadMetadata(*Field(doc.root(), "m"), "m", false, &m, &err)) << "null only in update/upsert";
  ASSERT_TRUE(ReadMetadata(*Field(doc.root(), "m"), "m", true, &m, &err)) << err.message;
  EXPECT_EQ(std::get<int64_t>(m["i"]), 1);
  EXPECT_EQ(std::get<double>(m["f"]), 1.0);
  EXPECT_EQ(std::get<std::vector<int64_t>>(m["li"]).size(), 2u);
  EXPECT_EQ(std::get<std::vector<double>>(m["lf"])[1], 2.5);
  EXPECT_TRUE(std::holds_alternative<std::monostate>(m["n"]));
}

TEST(JsonInTest, FiltersSurviveReserialization) {
  JsonDocument doc;
  HttpError err;
  ASSERT_TRUE(doc.Parse(R"({"where": {"$and": [{"x": 2.0}, {"y": {"$in": [1, 2]}}]}})", &err));
  std::string text = ToJsonText(*Field(doc.root(), "where"));
  EXPECT_NE(text.find("2.0"), std::string::npos) << text << ": a float must stay a float";
  EXPECT_NE(text.find("[1,2]"), std::string::npos) << text;
}

}  // namespace
}  // namespace ochre::server
