// Copyright 2026 The OchreDB Authors.
#include <libstemmer.h>
#include <unicode/uchar.h>
#include <unicode/ustring.h>
#include <unicode/utf8.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <unordered_set>

#include "ochre/bm25.h"

namespace ochre {
namespace {

// Python's re \w for str patterns: letters, numbers (any category L* or N*) and '_'.
bool IsWord(UChar32 c) {
  if (c == '_') return true;
  const int32_t mask = U_GC_L_MASK | U_GC_N_MASK;
  return (U_GET_GC_MASK(c) & mask) != 0;
}

// Python's str.isspace (and re \s): bidirectional class WS, B or S, or category Zs.
bool IsSpace(UChar32 c) {
  const UCharDirection d = u_charDirection(c);
  return d == U_WHITE_SPACE_NEUTRAL || d == U_BLOCK_SEPARATOR || d == U_SEGMENT_SEPARATOR ||
         u_charType(c) == U_SPACE_SEPARATOR;
}

// UTF-8 to code points; InvalidArgument on malformed text.
Result<std::vector<UChar32>> Decode(std::string_view text) {
  std::vector<UChar32> out;
  out.reserve(text.size());
  int32_t i = 0;
  const int32_t n = int32_t(text.size());
  const auto* s = reinterpret_cast<const uint8_t*>(text.data());
  while (i < n) {
    UChar32 c;
    U8_NEXT(s, i, n, c);
    if (c < 0) return Status::InvalidArgument("BM25: the text is not valid UTF-8");
    out.push_back(c);
  }
  return out;
}

std::string Encode(const std::vector<UChar32>& cps) {
  std::string out;
  out.reserve(cps.size());
  for (UChar32 c : cps) {
    char buf[4];
    int32_t len = 0;
    UBool error = false;
    U8_APPEND(reinterpret_cast<uint8_t*>(buf), len, 4, c, error);
    if (!error) out.append(buf, size_t(len));
  }
  return out;
}

// Python's str.lower(): ICU's full lowercase mapping in the root locale (final sigma included).
std::vector<UChar32> Lower(const std::vector<UChar32>& cps) {
  std::vector<UChar> utf16;
  utf16.reserve(cps.size() + 8);
  for (UChar32 c : cps) {
    if (c > 0xffff) {
      utf16.push_back(U16_LEAD(c));
      utf16.push_back(U16_TRAIL(c));
    } else {
      utf16.push_back(UChar(c));
    }
  }
  std::vector<UChar> lowered(utf16.size() * 3 + 16);
  UErrorCode status = U_ZERO_ERROR;
  int32_t len = u_strToLower(lowered.data(), int32_t(lowered.size()), utf16.data(), int32_t(utf16.size()), "", &status);
  if (status == U_BUFFER_OVERFLOW_ERROR) {
    lowered.resize(size_t(len));
    status = U_ZERO_ERROR;
    len = u_strToLower(lowered.data(), len, utf16.data(), int32_t(utf16.size()), "", &status);
  }
  std::vector<UChar32> out;
  if (U_FAILURE(status)) return cps;
  out.reserve(size_t(len));
  for (int32_t i = 0; i < len;) {
    UChar32 c;
    U16_NEXT(lowered.data(), i, len, c);
    out.push_back(c);
  }
  return out;
}

std::string LowerUtf8(std::string_view s) {
  auto cps = Decode(s);
  if (!cps.ok()) return std::string(s);
  return Encode(Lower(*cps));
}

struct StemmerDeleter {
  void operator()(sb_stemmer* s) const { sb_stemmer_delete(s); }
};

// Python's str.strip(): whitespace off both ends.
std::string Strip(const std::string& s) {
  auto cps = Decode(s);
  if (!cps.ok()) return s;
  size_t b = 0, e = cps->size();
  while (b < e && IsSpace((*cps)[b])) ++b;
  while (e > b && IsSpace((*cps)[e - 1])) --e;
  if (b == 0 && e == cps->size()) return s;
  return Encode(std::vector<UChar32>(cps->begin() + ptrdiff_t(b), cps->begin() + ptrdiff_t(e)));
}

}  // namespace

const std::vector<std::string>& DefaultBm25Stopwords() {
  static const auto* words = new std::vector<std::string>{
      "a",       "about",   "above",     "after",    "again",     "against", "ain",      "all",        "am",
      "an",      "and",     "any",       "are",      "aren",      "aren't",  "as",       "at",         "be",
      "because", "been",    "before",    "being",    "below",     "between", "both",     "but",        "by",
      "can",     "couldn",  "couldn't",  "d",        "did",       "didn",    "didn't",   "do",         "does",
      "doesn",   "doesn't", "doing",     "don",      "don't",     "down",    "during",   "each",       "few",
      "for",     "from",    "further",   "had",      "hadn",      "hadn't",  "has",      "hasn",       "hasn't",
      "have",    "haven",   "haven't",   "having",   "he",        "her",     "here",     "hers",       "herself",
      "him",     "himself", "his",       "how",      "i",         "if",      "in",       "into",       "is",
      "isn",     "isn't",   "it",        "it's",     "its",       "itself",  "just",     "ll",         "m",
      "ma",      "me",      "mightn",    "mightn't", "more",      "most",    "mustn",    "mustn't",    "my",
      "myself",  "needn",   "needn't",   "no",       "nor",       "not",     "now",      "o",          "of",
      "off",     "on",      "once",      "only",     "or",        "other",   "our",      "ours",       "ourselves",
      "out",     "over",    "own",       "re",       "s",         "same",    "shan",     "shan't",     "she",
      "she's",   "should",  "should've", "shouldn",  "shouldn't", "so",      "some",     "such",       "t",
      "than",    "that",    "that'll",   "the",      "their",     "theirs",  "them",     "themselves", "then",
      "there",   "these",   "they",      "this",     "those",     "through", "to",       "too",        "under",
      "until",   "up",      "ve",        "very",     "was",       "wasn",    "wasn't",   "we",         "were",
      "weren",   "weren't", "what",      "when",     "where",     "which",   "while",    "who",        "whom",
      "why",     "will",    "with",      "won",      "won't",     "wouldn",  "wouldn't", "y",          "you",
      "you'd",   "you'll",  "you're",    "you've",   "your",      "yours",   "yourself", "yourselves"};
  return *words;
}

uint32_t Murmur3X86_32(std::string_view bytes, uint32_t seed) {
  const auto* data = reinterpret_cast<const uint8_t*>(bytes.data());
  const size_t len = bytes.size();
  const size_t nblocks = len / 4;
  uint32_t h1 = seed;
  const uint32_t c1 = 0xcc9e2d51, c2 = 0x1b873593;
  auto rotl = [](uint32_t x, int r) { return (x << r) | (x >> (32 - r)); };
  for (size_t i = 0; i < nblocks; ++i) {
    uint32_t k1;
    std::memcpy(&k1, data + i * 4, 4);  // little-endian, as the reference on x86
    k1 *= c1;
    k1 = rotl(k1, 15);
    k1 *= c2;
    h1 ^= k1;
    h1 = rotl(h1, 13);
    h1 = h1 * 5 + 0xe6546b64;
  }
  const uint8_t* tail = data + nblocks * 4;
  uint32_t k1 = 0;
  switch (len & 3) {
    case 3:
      k1 ^= uint32_t(tail[2]) << 16;
      [[fallthrough]];
    case 2:
      k1 ^= uint32_t(tail[1]) << 8;
      [[fallthrough]];
    case 1:
      k1 ^= tail[0];
      k1 *= c1;
      k1 = rotl(k1, 15);
      k1 *= c2;
      h1 ^= k1;
  }
  h1 ^= uint32_t(len);
  h1 ^= h1 >> 16;
  h1 *= 0x85ebca6b;
  h1 ^= h1 >> 13;
  h1 *= 0xc2b2ae35;
  h1 ^= h1 >> 16;
  return h1;
}

Result<std::vector<std::string>> Bm25Tokenize(std::string_view text, const Bm25Config& config) {
  OCHRE_ASSIGN_OR_RETURN(std::vector<UChar32> cps, Decode(text));
  // [^\w\s]+ -> " " (a run becomes one space).
  std::vector<UChar32> cleaned;
  cleaned.reserve(cps.size());
  for (size_t i = 0; i < cps.size();) {
    if (IsWord(cps[i]) || IsSpace(cps[i])) {
      cleaned.push_back(cps[i++]);
      continue;
    }
    while (i < cps.size() && !IsWord(cps[i]) && !IsSpace(cps[i])) ++i;
    cleaned.push_back(' ');
  }
  const std::vector<UChar32> lowered = Lower(cleaned);
  std::unordered_set<std::string> stopwords;
  for (const auto& w : config.stopwords ? *config.stopwords : DefaultBm25Stopwords()) stopwords.insert(LowerUtf8(w));
  std::unique_ptr<sb_stemmer, StemmerDeleter> stemmer(sb_stemmer_new("english", "UTF_8"));
  if (!stemmer) return Status::Internal("BM25: the Snowball English stemmer is not available");
  std::vector<std::string> out;
  for (size_t i = 0; i < lowered.size();) {
    while (i < lowered.size() && IsSpace(lowered[i])) ++i;
    const size_t start = i;
    while (i < lowered.size() && !IsSpace(lowered[i])) ++i;
    if (i == start) continue;
    const size_t length = i - start;
    std::string token =
        Encode(std::vector<UChar32>(lowered.begin() + ptrdiff_t(start), lowered.begin() + ptrdiff_t(i)));
    if (stopwords.count(token)) continue;
    if (int64_t(length) > config.token_max_length) continue;
    const sb_symbol* stemmed =
        sb_stemmer_stem(stemmer.get(), reinterpret_cast<const sb_symbol*>(token.data()), int(token.size()));
    if (!stemmed) return Status::Internal("BM25: the stemmer ran out of memory");
    std::string stem =
        Strip(std::string(reinterpret_cast<const char*>(stemmed), size_t(sb_stemmer_length(stemmer.get()))));
    if (!stem.empty()) out.push_back(std::move(stem));
  }
  return out;
}

Result<std::vector<SparseVector>> Bm25Embed(const std::vector<std::string>& texts, const Bm25Config& config) {
  std::vector<SparseVector> out;
  out.reserve(texts.size());
  for (const std::string& text : texts) {
    OCHRE_ASSIGN_OR_RETURN(std::vector<std::string> tokens, Bm25Tokenize(text, config));
    SparseVector sv;
    if (tokens.empty()) {
      out.push_back(std::move(sv));
      continue;
    }
    // Counts by hash; a collision merges the terms (the first one names the dimension), as the
    // Counter of Chroma's _HashedToken, equal by hash.
    std::map<uint32_t, std::pair<int64_t, const std::string*>> counts;
    for (const std::string& t : tokens) {
      const int32_t h = int32_t(Murmur3X86_32(t));
      const uint32_t dim = h < 0 ? uint32_t(-int64_t(h)) : uint32_t(h);
      auto [it, fresh] = counts.try_emplace(dim, 0, &t);
      ++it->second.first;
    }
    const double doc_len = double(tokens.size());
    if (config.include_tokens) sv.tokens.emplace();
    for (const auto& [dim, entry] : counts) {
      const double tf = double(entry.first);
      const double denominator = tf + config.k * (1 - config.b + (config.b * doc_len) / config.avg_doc_length);
      const double score = tf * (config.k + 1) / denominator;
      sv.indices.push_back(dim);
      sv.values.push_back(float(score));
      if (sv.tokens) sv.tokens->push_back(*entry.second);
    }
    out.push_back(std::move(sv));
  }
  return out;
}

std::string Bm25ConfigToJson(const Bm25Config& c) {
  nlohmann::ordered_json j;
  j["k"] = c.k;
  j["b"] = c.b;
  j["avg_doc_length"] = c.avg_doc_length;
  j["token_max_length"] = c.token_max_length;
  j["include_tokens"] = c.include_tokens;
  if (c.stopwords) j["stopwords"] = *c.stopwords;
  return j.dump();
}

Result<Bm25Config> Bm25ConfigFromJson(std::string_view text) {
  nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded() || !(j.is_object() || j.is_null())) {
    return Status::InvalidArgument("chroma_bm25: the config must be a JSON object");
  }
  Bm25Config c;
  if (j.is_null()) return c;
  auto number = [&](const char* key, double* out) -> Status {
    if (!j.contains(key) || j[key].is_null()) return Status::Ok();
    if (!j[key].is_number()) return Status::InvalidArgument(std::string("chroma_bm25: '") + key + "' must be a number");
    *out = j[key].get<double>();
    return Status::Ok();
  };
  OCHRE_RETURN_IF_ERROR(number("k", &c.k));
  OCHRE_RETURN_IF_ERROR(number("b", &c.b));
  OCHRE_RETURN_IF_ERROR(number("avg_doc_length", &c.avg_doc_length));
  if (j.contains("token_max_length") && !j["token_max_length"].is_null()) {
    if (!j["token_max_length"].is_number()) {
      return Status::InvalidArgument("chroma_bm25: 'token_max_length' must be an integer");
    }
    c.token_max_length = int64_t(j["token_max_length"].get<double>());
  }
  if (j.contains("include_tokens") && !j["include_tokens"].is_null()) {
    if (!j["include_tokens"].is_boolean())
      return Status::InvalidArgument("chroma_bm25: 'include_tokens' must be a bool");
    c.include_tokens = j["include_tokens"].get<bool>();
  }
  if (j.contains("stopwords") && !j["stopwords"].is_null()) {
    if (!j["stopwords"].is_array())
      return Status::InvalidArgument("chroma_bm25: 'stopwords' must be a list of strings");
    std::vector<std::string> words;
    for (const auto& w : j["stopwords"]) {
      if (!w.is_string()) return Status::InvalidArgument("chroma_bm25: 'stopwords' must be a list of strings");
      words.push_back(w.get<std::string>());
    }
    c.stopwords = std::move(words);
  }
  if (!(c.avg_doc_length > 0)) return Status::InvalidArgument("chroma_bm25: 'avg_doc_length' must be positive");
  return c;
}

}  // namespace ochre
