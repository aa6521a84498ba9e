// Copyright 2026 The OchreDB Authors.
//
// BERT's tokenizer as Hugging Face `tokenizers` runs it for all-MiniLM-L6-v2 (BertNormalizer,
// BertPreTokenizer, WordPiece, [CLS] ... [SEP] truncated to 256 tokens, Chroma's setting):
//   1. clean text: drop NUL, U+FFFD and control/format/surrogate/private-use characters, every
//      white space becomes a space;
//   2. put spaces around CJK ideographs;
//   3. strip accents (NFD, drop non-spacing marks) and lower-case each character (full mapping);
//   4. split on white space, and make each punctuation character its own word;
//   5. WordPiece: longest vocabulary match first, continuations prefixed "##"; a word longer than
//      100 characters or with an unmatched rest is [UNK].
// Unicode properties come from ICU (libicu, a Debian package).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "ochre/result.h"

namespace ochre::embed {

class WordPieceTokenizer {
 public:
  // From a vocab.txt (one token per line, the id is the line number).
  static Result<std::unique_ptr<WordPieceTokenizer>> FromVocabFile(const std::string& path);
  // From the lines of a vocabulary.
  static Result<std::unique_ptr<WordPieceTokenizer>> FromVocab(std::vector<std::string> tokens);
  // From a tokenizer.json: its WordPiece vocabulary and its normaliser's lowercase/strip_accents.
  static Result<std::unique_ptr<WordPieceTokenizer>> FromTokenizerJson(const std::string& path);

  // [CLS] ids... [SEP], at most `max_length` ids in all. Thread-safe.
  std::vector<int32_t> Encode(std::string_view text, size_t max_length = 256) const;
  // The word pieces before ids and special tokens (for tests and debugging).
  std::vector<std::string> Tokenize(std::string_view text) const;

  size_t vocab_size() const { return tokens_.size(); }

 private:
  WordPieceTokenizer() = default;
  Status Init(std::vector<std::string> tokens);
  // Steps 1-4: the words.
  std::vector<std::pair<std::string_view, int32_t>> SplitSpecial(std::string_view text) const;
  std::vector<std::u32string> Words(std::string_view text) const;
  void WordPieces(const std::u32string& word, std::vector<int32_t>* ids, std::vector<std::string>* pieces) const;

  std::vector<std::string> tokens_;
  std::unordered_map<std::string, int32_t> ids_;
  int32_t unk_ = -1, cls_ = -1, sep_ = -1;
  bool lowercase_ = true;
  bool strip_accents_ = true;
};

}  // namespace ochre::embed
