// Copyright 2026 The OchreDB Authors.
//
// Chroma's BM25 embedding (include/ochre/bm25.h) against values worked out by hand from chromadb's
// formulas (chroma_bm25_embedding_function.py, schemas/bm25_tokenizer.py): murmur3 reference
// hashes (as Python's mmh3.hash gives them), the tokenizer's steps, the weights, and the config's
// round trip. tests/embed/bm25_parity compares thousands of texts with Chroma's own JS package.
#include "ochre/bm25.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <map>
#include <string>
#include <vector>

namespace ochre {
namespace {

uint32_t Dim(const std::string& term) {
  const int32_t h = int32_t(Murmur3X86_32(term));
  return h < 0 ? uint32_t(-int64_t(h)) : uint32_t(h);
}

TEST(Murmur3Test, ReferenceValues) {
  EXPECT_EQ(Murmur3X86_32(""), 0u);
  EXPECT_EQ(Murmur3X86_32("", 1), 0x514E28B7u);
  EXPECT_EQ(Murmur3X86_32("hello"), 0x248BFA47u);        // mmh3.hash("hello") == 613153351
  EXPECT_EQ(int32_t(Murmur3X86_32("foo")), -156908512);  // mmh3.hash("foo")
  EXPECT_EQ(Murmur3X86_32("The quick brown fox jumps over the lazy dog"), 0x2E4FF723u);
}

TEST(Bm25TokenizeTest, ChromasSteps) {
  Bm25Config c;
  auto t = Bm25Tokenize("The quick brown foxes are JUMPING over the lazy dogs!!", c);
  ASSERT_TRUE(t.ok());
  // Stopwords (the, are, over) go; the rest is lowercased and stemmed (Snowball English).
  EXPECT_EQ(*t, (std::vector<std::string>{"quick", "brown", "fox", "jump", "lazi", "dog"}));
  // Punctuation runs split words; underscores and digits are word characters.
  t = Bm25Tokenize("state-of-the-art my_dog v2.0 e-mail", c);
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(*t, (std::vector<std::string>{"state", "art", "my_dog", "v2", "0", "e", "mail"}));
  // Unicode: letters of any script are word characters, lowercased in full.
  t = Bm25Tokenize("ÜBER—東京", c);
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(*t, (std::vector<std::string>{"über", "東京"}));
  // Tokens longer than token_max_length (code points) are dropped before stemming.
  c.token_max_length = 5;
  t = Bm25Tokenize("short longerword", c);
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(*t, (std::vector<std::string>{"short"}));
  // Custom stopwords replace the default list (compared lowercased).
  c = Bm25Config{};
  c.stopwords = std::vector<std::string>{"Quick"};
  t = Bm25Tokenize("the quick fox", c);
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(*t, (std::vector<std::string>{"the", "fox"}));
  EXPECT_FALSE(Bm25Tokenize(std::string("bad \xff utf8"), Bm25Config{}).ok());
}

TEST(Bm25EmbedTest, WeightsAsChromasFormula) {
  Bm25Config c;
  auto r = Bm25Embed({"cats cats dog", "", "the and of"}, c);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->size(), 3u);
  const SparseVector& v = (*r)[0];
  // tokens: cat, cat, dog; doc_len 3.
  auto weight = [&](double tf) {
    return float(tf * (c.k + 1) / (tf + c.k * (1 - c.b + c.b * 3.0 / c.avg_doc_length)));
  };
  std::map<uint32_t, float> want = {{Dim("cat"), weight(2)}, {Dim("dog"), weight(1)}};
  ASSERT_EQ(v.indices.size(), 2u);
  size_t i = 0;
  for (const auto& [dim, w] : want) {  // ascending dimensions
    EXPECT_EQ(v.indices[i], dim);
    EXPECT_EQ(v.values[i], w);
    ++i;
  }
  EXPECT_FALSE(v.tokens.has_value());
  EXPECT_TRUE((*r)[1].indices.empty());  // empty text
  EXPECT_TRUE((*r)[2].indices.empty());  // only stopwords
  c.include_tokens = true;
  r = Bm25Embed({"dog cats"}, c);
  ASSERT_TRUE(r.ok());
  ASSERT_TRUE((*r)[0].tokens.has_value());
  for (size_t j = 0; j < (*r)[0].indices.size(); ++j) EXPECT_EQ((*r)[0].indices[j], Dim((*(*r)[0].tokens)[j]));
  EXPECT_TRUE(ValidateSparseVector((*r)[0]).ok());
}

TEST(Bm25ConfigTest, RoundTripsChromasKeys) {
  Bm25Config c;
  c.k = 1.5;
  c.stopwords = std::vector<std::string>{"a"};
  auto back = Bm25ConfigFromJson(Bm25ConfigToJson(c));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->k, 1.5);
  EXPECT_EQ(back->b, 0.75);
  ASSERT_TRUE(back->stopwords.has_value());
  EXPECT_EQ(Bm25ConfigToJson(Bm25Config{}),
            R"({"k":1.2,"b":0.75,"avg_doc_length":256.0,"token_max_length":40,"include_tokens":false})");
  EXPECT_TRUE(Bm25ConfigFromJson("{}").ok());
  EXPECT_FALSE(Bm25ConfigFromJson(R"({"k": "x"})").ok());
  EXPECT_FALSE(Bm25ConfigFromJson(R"({"avg_doc_length": 0})").ok());
  EXPECT_EQ(DefaultBm25Stopwords().size(), 179u);
}

}  // namespace
}  // namespace ochre
