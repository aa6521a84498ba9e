// Copyright 2026 The OchreDB Authors.
//
// Chroma's BM25 sparse embedding function ("chroma_bm25": chromadb/utils/embedding_functions/
// chroma_bm25_embedding_function.py and schemas/bm25_tokenizer.py), natively. A text becomes the
// BM25 term-frequency part of its terms, one dimension per term:
//   - punctuation runs ([^\w\s]+, Unicode classes as Python's re) become spaces; the text is
//     lowercased (Unicode full case mapping) and split on whitespace;
//   - stopwords (Chroma's English list unless given) and tokens longer than token_max_length code
//     points are dropped; the rest are stemmed with Snowball's English stemmer (libstemmer);
//   - a term's dimension is |murmur3_x86_32(term, seed 0)| (as a signed 32-bit value);
//   - its value tf * (k + 1) / (tf + k * (1 - b + b * doc_len / avg_doc_length)), doc_len the
//     number of terms kept, computed in double and stored as float32;
//   - dimensions ascending; with include_tokens, each dimension's term as its token.
// A query is embedded exactly as a document (Chroma's embed_query calls __call__); the inverse
// document frequency is applied at query time by the collection (Collection::QuerySparse with the
// schema's bm25 flag).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ochre/result.h"
#include "ochre/sparse_vector.h"

namespace ochre {

struct Bm25Config {
  double k = 1.2;
  double b = 0.75;
  double avg_doc_length = 256.0;
  int64_t token_max_length = 40;
  std::optional<std::vector<std::string>> stopwords;  // none: Chroma's default English list
  bool include_tokens = false;
};

// Chroma's registry name of the function.
inline constexpr const char* kBm25FunctionName = "chroma_bm25";

// The config as Chroma persists it (get_config: k, b, avg_doc_length, token_max_length,
// include_tokens, and stopwords only when set), and back (build_from_config: missing keys take the
// defaults). InvalidArgument on a malformed config.
std::string Bm25ConfigToJson(const Bm25Config& config);
Result<Bm25Config> Bm25ConfigFromJson(std::string_view json);

// Chroma's default stopwords (DEFAULT_CHROMA_BM25_STOPWORDS).
const std::vector<std::string>& DefaultBm25Stopwords();

// The terms of a text, as Chroma's Bm25Tokenizer.tokenize (stemmed, stopwords removed), in order.
Result<std::vector<std::string>> Bm25Tokenize(std::string_view text, const Bm25Config& config);

// MurmurHash3 x86_32 of `bytes` (Austin Appleby's public-domain algorithm).
uint32_t Murmur3X86_32(std::string_view bytes, uint32_t seed = 0);

// One sparse vector per text. InvalidArgument when a text is not valid UTF-8.
Result<std::vector<SparseVector>> Bm25Embed(const std::vector<std::string>& texts, const Bm25Config& config);

}  // namespace ochre
