// Copyright 2026 The OchreDB Authors.
//
// The tokenizer on a small vocabulary, rule by rule. Parity with Hugging Face `tokenizers` on the
// real vocabulary and thousands of strings is in tests/embed/parity (scripts/tests.d/embed.sh).
#include "embed/wordpiece_tokenizer.h"

#include <gtest/gtest.h>

#include <string>

using namespace std::string_literals;

namespace ochre::embed {
namespace {

std::unique_ptr<WordPieceTokenizer> Small() {
  auto t = WordPieceTokenizer::FromVocab({"[PAD]", "[UNK]", "[CLS]",  "[SEP]", "[MASK]", "hello", "world",
                                          "un",    "##aff", "##able", ",",     "!",      "cafe",  "東",
                                          "京",    "a",     "##b",    "ecole", "-",      "σ"});
  EXPECT_TRUE(t.ok()) << t.status().ToString();
  return std::move(t).value();
}

using Pieces = std::vector<std::string>;

TEST(WordPieceTokenizerTest, LowerCasesStripsAccentsAndSplitsPunctuation) {
  auto t = Small();
  EXPECT_EQ(t->Tokenize("Hello, WORLD!"), (Pieces{"hello", ",", "world", "!"}));
  EXPECT_EQ(t->Tokenize("Café ÉCOLE"), (Pieces{"cafe", "ecole"}));
  EXPECT_EQ(t->Tokenize("e\u0301cole"), (Pieces{"ecole"}));  // a combining accent
  EXPECT_EQ(t->Tokenize("un-affable"), (Pieces{"un", "-", "[UNK]"}));
  EXPECT_EQ(t->Tokenize("unaffable"), (Pieces{"un", "##aff", "##able"}));
  EXPECT_EQ(t->Tokenize("ΣΣ"), (Pieces{"[UNK]"}));  // no "##σ": the whole word is unknown
  EXPECT_EQ(t->Tokenize("Σ"), (Pieces{"σ"}));
}

TEST(WordPieceTokenizerTest, CjkCharactersAreWordsAndControlsAreDropped) {
  auto t = Small();
  EXPECT_EQ(t->Tokenize("東京"), (Pieces{"東", "京"}));
  EXPECT_EQ(t->Tokenize("hel\0lo\u200b \tworld\u0007"s), (Pieces{"hello", "world"}));
  EXPECT_EQ(t->Tokenize("hello\u3000world\u00a0a"), (Pieces{"hello", "world", "a"}));
  EXPECT_EQ(t->Tokenize("😀"), (Pieces{"[UNK]"}));
  EXPECT_EQ(t->Tokenize("\xff\xfe hello"), (Pieces{"hello"}));  // invalid UTF-8 is dropped like U+FFFD
}

TEST(WordPieceTokenizerTest, LongWordsAreUnknownAndSequencesAreTruncated) {
  auto t = Small();
  EXPECT_EQ(t->Tokenize(std::string(101, 'a')), (Pieces{"[UNK]"}));
  std::string many;
  for (int i = 0; i < 1000; ++i) many += "hello ";
  auto ids = t->Encode(many, 256);
  ASSERT_EQ(ids.size(), 256u);
  EXPECT_EQ(ids.front(), 2);  // [CLS]
  EXPECT_EQ(ids.back(), 3);   // [SEP]
  EXPECT_EQ(ids[254], 5);
  EXPECT_EQ(t->Encode("", 256), (std::vector<int32_t>{2, 3}));
}

TEST(WordPieceTokenizerTest, SpecialTokensInTheTextAreKept) {
  auto t = Small();
  EXPECT_EQ(t->Encode("hello[MASK]world [SEP]"), (std::vector<int32_t>{2, 5, 4, 6, 3, 3}));
  EXPECT_EQ(t->Encode("[mask]"), (std::vector<int32_t>{2, 1, 1, 1, 3}));  // not special: "[", "mask", "]"
}

TEST(WordPieceTokenizerTest, AVocabularyWithoutSpecialTokensIsRefused) {
  auto t = WordPieceTokenizer::FromVocab({"hello", "world"});
  ASSERT_FALSE(t.ok());
  EXPECT_NE(t.status().message().find("[UNK]"), std::string::npos);
}

}  // namespace
}  // namespace ochre::embed
