// Copyright 2026 The OchreDB Authors.
#include "embed/wordpiece_tokenizer.h"

#include <unicode/uchar.h>
#include <unicode/unorm2.h>
#include <unicode/ustring.h>
#include <unicode/utf16.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "common/file.h"

namespace ochre::embed {

namespace {

constexpr size_t kMaxCharsPerWord = 100;

// The general category as Hugging Face's tokenizers sees it: its control, punctuation and mark
// tests use the tables of the unicode_categories crate, which are Unicode 8.0's; a character
// assigned later is unassigned to it (kept as it is, so WordPiece makes it [UNK]). Parity with
// `tokenizers` (what Chroma runs) matters more here than a newer Unicode.
int8_t Category(char32_t c) {
  UVersionInfo age;
  u_charAge(UChar32(c), age);
  if (age[0] > 8) return U_UNASSIGNED;
  // Characters whose category changed since (found by the parity test).
  if (c == 0x1885 || c == 0x1886) return U_OTHER_LETTER;  // Mongolian baluda: Lo until Unicode 9.0 made them Mn
  if (c == 0x166D) return U_OTHER_PUNCTUATION;            // Canadian syllabics chi sign: Po until Unicode 12.0
  return u_charType(UChar32(c));
}

bool IsWhitespace(char32_t c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || u_hasBinaryProperty(UChar32(c), UCHAR_WHITE_SPACE);
}

// Cc, Cf, Cs and Co but not tab, newline or carriage return. Unassigned code points (Cn) are kept, as
// Hugging Face keeps them.
bool IsControl(char32_t c) {
  if (c == '\t' || c == '\n' || c == '\r') return false;
  switch (Category(c)) {
    case U_CONTROL_CHAR:
    case U_FORMAT_CHAR:
    case U_SURROGATE:
    case U_PRIVATE_USE_CHAR:
      return true;
    default:
      return false;
  }
}

bool IsPunctuation(char32_t c) {
  if ((c >= 33 && c <= 47) || (c >= 58 && c <= 64) || (c >= 91 && c <= 96) || (c >= 123 && c <= 126)) return true;
  switch (Category(c)) {
    case U_DASH_PUNCTUATION:
    case U_START_PUNCTUATION:
    case U_END_PUNCTUATION:
    case U_CONNECTOR_PUNCTUATION:
    case U_OTHER_PUNCTUATION:
    case U_INITIAL_PUNCTUATION:
    case U_FINAL_PUNCTUATION:
      return true;
    default:
      return false;
  }
}

bool IsCjk(char32_t c) {
  return (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF) || (c >= 0x20000 && c <= 0x2A6DF) ||
         (c >= 0x2A700 && c <= 0x2B73F) || (c >= 0x2B740 && c <= 0x2B81F) || (c >= 0x2B820 && c <= 0x2CEAF) ||
         (c >= 0xF900 && c <= 0xFAFF) || (c >= 0x2F800 && c <= 0x2FA1F);
}

// Decodes UTF-8; an invalid byte becomes U+FFFD (which step 1 then drops).
std::u32string DecodeUtf8(std::string_view s) {
  std::u32string out;
  out.reserve(s.size());
  size_t i = 0;
  while (i < s.size()) {
    unsigned char b = static_cast<unsigned char>(s[i]);
    char32_t c;
    size_t n;
    if (b < 0x80) {
      c = b;
      n = 1;
    } else if ((b >> 5) == 6) {
      c = b & 0x1f;
      n = 2;
    } else if ((b >> 4) == 14) {
      c = b & 0x0f;
      n = 3;
    } else if ((b >> 3) == 30) {
      c = b & 0x07;
      n = 4;
    } else {
      out.push_back(0xFFFD);
      ++i;
      continue;
    }
    bool ok = i + n <= s.size();
    for (size_t k = 1; ok && k < n; ++k) {
      unsigned char cb = static_cast<unsigned char>(s[i + k]);
      if ((cb >> 6) != 2) ok = false;
      c = (c << 6) | (cb & 0x3f);
    }
    if (!ok) {
      out.push_back(0xFFFD);
      ++i;
      continue;
    }
    out.push_back(c);
    i += n;
  }
  return out;
}

void AppendUtf8(char32_t c, std::string* out) {
  if (c < 0x80) {
    out->push_back(char(c));
  } else if (c < 0x800) {
    out->push_back(char(0xC0 | (c >> 6)));
    out->push_back(char(0x80 | (c & 0x3f)));
  } else if (c < 0x10000) {
    out->push_back(char(0xE0 | (c >> 12)));
    out->push_back(char(0x80 | ((c >> 6) & 0x3f)));
    out->push_back(char(0x80 | (c & 0x3f)));
  } else {
    out->push_back(char(0xF0 | (c >> 18)));
    out->push_back(char(0x80 | ((c >> 12) & 0x3f)));
    out->push_back(char(0x80 | ((c >> 6) & 0x3f)));
    out->push_back(char(0x80 | (c & 0x3f)));
  }
}

std::u16string ToUtf16(const std::u32string& s) {
  std::u16string out;
  out.reserve(s.size());
  for (char32_t c : s) {
    if (c < 0x10000) {
      out.push_back(char16_t(c));
    } else {
      out.push_back(char16_t(U16_LEAD(c)));
      out.push_back(char16_t(U16_TRAIL(c)));
    }
  }
  return out;
}

std::u32string FromUtf16(const UChar* s, int32_t n) {
  std::u32string out;
  for (int32_t i = 0; i < n;) {
    UChar32 c;
    U16_NEXT(s, i, n, c);
    out.push_back(char32_t(c));
  }
  return out;
}

// NFD of a string (ICU); the input when ICU fails (it does not for valid code points).
std::u32string Nfd(const std::u32string& s) {
  UErrorCode err = U_ZERO_ERROR;
  const UNormalizer2* nfd = unorm2_getNFDInstance(&err);
  if (U_FAILURE(err)) return s;
  std::u16string in = ToUtf16(s);
  std::vector<UChar> out(in.size() * 4 + 16);
  int32_t n = unorm2_normalize(nfd, reinterpret_cast<const UChar*>(in.data()), int32_t(in.size()), out.data(),
                               int32_t(out.size()), &err);
  if (err == U_BUFFER_OVERFLOW_ERROR) {
    err = U_ZERO_ERROR;
    out.resize(size_t(n));
    n = unorm2_normalize(nfd, reinterpret_cast<const UChar*>(in.data()), int32_t(in.size()), out.data(),
                         int32_t(out.size()), &err);
  }
  if (U_FAILURE(err)) return s;
  return FromUtf16(out.data(), n);
}

// The full lower-case mapping of one character, as Rust's char::to_lowercase (no context).
void AppendLower(char32_t c, std::u32string* out) {
  if (c < 0x80) {
    out->push_back(c >= 'A' && c <= 'Z' ? c + 32 : c);
    return;
  }
  UChar in[2];
  int32_t len = 0;
  U16_APPEND_UNSAFE(in, len, UChar32(c));
  UChar buf[8];
  UErrorCode err = U_ZERO_ERROR;
  int32_t n = u_strToLower(buf, 8, in, len, "", &err);
  if (U_FAILURE(err)) {
    out->push_back(char32_t(u_tolower(UChar32(c))));
    return;
  }
  out->append(FromUtf16(buf, n));
}

}  // namespace

Result<std::unique_ptr<WordPieceTokenizer>> WordPieceTokenizer::FromVocab(std::vector<std::string> tokens) {
  std::unique_ptr<WordPieceTokenizer> t(new WordPieceTokenizer());
  OCHRE_RETURN_IF_ERROR(t->Init(std::move(tokens)));
  return t;
}

Result<std::unique_ptr<WordPieceTokenizer>> WordPieceTokenizer::FromVocabFile(const std::string& path) {
  OCHRE_ASSIGN_OR_RETURN(std::string text, ReadFile(path));
  std::vector<std::string> tokens;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    std::string line = text.substr(start, end - start);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    tokens.push_back(std::move(line));
    start = end + 1;
  }
  auto t = FromVocab(std::move(tokens));
  if (!t.ok()) return Status(t.status().code(), path + ": " + t.status().message());
  return t;
}

Result<std::unique_ptr<WordPieceTokenizer>> WordPieceTokenizer::FromTokenizerJson(const std::string& path) {
  OCHRE_ASSIGN_OR_RETURN(std::string text, ReadFile(path));
  nlohmann::json j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  auto bad = [&](const std::string& why) { return Status::InvalidArgument(path + ": " + why); };
  if (j.is_discarded() || !j.is_object()) return bad("not JSON");
  const auto& model = j["model"];
  if (!model.is_object() || model.value("type", "") != "WordPiece" || !model["vocab"].is_object()) {
    return bad("its model is not a WordPiece vocabulary");
  }
  std::vector<std::string> tokens(model["vocab"].size());
  for (auto& [token, id] : model["vocab"].items()) {
    if (!id.is_number_integer() || id.get<int64_t>() < 0 || id.get<size_t>() >= tokens.size() ||
        !tokens[id.get<size_t>()].empty()) {
      return bad("its vocabulary ids are not 0..n-1");
    }
    tokens[id.get<size_t>()] = token;
  }
  std::unique_ptr<WordPieceTokenizer> t(new WordPieceTokenizer());
  const auto& norm = j["normalizer"];
  if (norm.is_object() && norm.value("type", "") == "BertNormalizer") {
    t->lowercase_ = norm.value("lowercase", true);
    t->strip_accents_ = norm["strip_accents"].is_boolean() ? norm["strip_accents"].get<bool>() : t->lowercase_;
  }
  auto s = t->Init(std::move(tokens));
  if (!s.ok()) return bad(s.message());
  return t;
}

Status WordPieceTokenizer::Init(std::vector<std::string> tokens) {
  tokens_ = std::move(tokens);
  for (size_t i = 0; i < tokens_.size(); ++i) ids_.emplace(tokens_[i], int32_t(i));
  auto find = [&](const char* t) {
    auto it = ids_.find(t);
    return it == ids_.end() ? -1 : it->second;
  };
  unk_ = find("[UNK]");
  cls_ = find("[CLS]");
  sep_ = find("[SEP]");
  if (unk_ < 0 || cls_ < 0 || sep_ < 0) return Status::InvalidArgument("the vocabulary lacks [UNK], [CLS] or [SEP]");
  return Status::Ok();
}

std::vector<std::u32string> WordPieceTokenizer::Words(std::string_view text) const {
  std::u32string decoded = DecodeUtf8(text);
  // 1 and 2: clean, space out CJK.
  std::u32string cleaned;
  cleaned.reserve(decoded.size());
  for (char32_t c : decoded) {
    if (c == 0 || c == 0xFFFD || IsControl(c)) continue;
    if (IsWhitespace(c)) {
      cleaned.push_back(' ');
    } else if (IsCjk(c)) {
      cleaned.push_back(' ');
      cleaned.push_back(c);
      cleaned.push_back(' ');
    } else {
      cleaned.push_back(c);
    }
  }
  // 3: accents, then case.
  bool ascii = true;
  for (char32_t c : cleaned) ascii &= c < 0x80;
  if (strip_accents_ && !ascii) {
    std::u32string nfd = Nfd(cleaned), kept;
    for (char32_t c : nfd) {
      if (Category(c) != U_NON_SPACING_MARK) kept.push_back(c);
    }
    cleaned = std::move(kept);
  }
  if (lowercase_) {
    std::u32string lower;
    lower.reserve(cleaned.size());
    for (char32_t c : cleaned) AppendLower(c, &lower);
    cleaned = std::move(lower);
  }
  // 4: words.
  std::vector<std::u32string> words;
  std::u32string word;
  for (char32_t c : cleaned) {
    if (IsWhitespace(c)) {
      if (!word.empty()) words.push_back(std::move(word));
      word.clear();
    } else if (IsPunctuation(c)) {
      if (!word.empty()) words.push_back(std::move(word));
      word.clear();
      words.push_back(std::u32string(1, c));
    } else {
      word.push_back(c);
    }
  }
  if (!word.empty()) words.push_back(std::move(word));
  return words;
}

void WordPieceTokenizer::WordPieces(const std::u32string& word, std::vector<int32_t>* ids,
                                    std::vector<std::string>* pieces) const {
  auto unk = [&] {
    if (ids) ids->push_back(unk_);
    if (pieces) pieces->push_back(tokens_[size_t(unk_)]);
  };
  if (word.size() > kMaxCharsPerWord) return unk();
  // Byte offsets of each character in the UTF-8 form.
  std::string utf8;
  std::vector<size_t> at;
  for (char32_t c : word) {
    at.push_back(utf8.size());
    AppendUtf8(c, &utf8);
  }
  at.push_back(utf8.size());
  std::vector<int32_t> found;
  size_t start = 0;
  std::string candidate;
  while (start < word.size()) {
    size_t end = word.size();
    int32_t id = -1;
    while (end > start) {
      candidate = start > 0 ? "##" : "";
      candidate.append(utf8, at[start], at[end] - at[start]);
      auto it = ids_.find(candidate);
      if (it != ids_.end()) {
        id = it->second;
        break;
      }
      --end;
    }
    if (id < 0) return unk();
    found.push_back(id);
    start = end;
  }
  for (int32_t id : found) {
    if (ids) ids->push_back(id);
    if (pieces) pieces->push_back(tokens_[size_t(id)]);
  }
}

// The special tokens of the vocabulary found verbatim in the raw text are kept whole (as Hugging
// Face's added tokens are, before normalisation): the text is cut around them.
std::vector<std::pair<std::string_view, int32_t>> WordPieceTokenizer::SplitSpecial(std::string_view text) const {
  static const char* kSpecial[] = {"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"};
  std::vector<std::pair<std::string_view, int32_t>> parts;
  size_t start = 0, i = 0;
  while ((i = text.find('[', i)) != std::string_view::npos) {
    int32_t id = -1;
    size_t len = 0;
    for (const char* sp : kSpecial) {
      std::string_view s(sp);
      auto it = ids_.find(std::string(s));
      if (it != ids_.end() && text.substr(i, s.size()) == s) {
        id = it->second;
        len = s.size();
        break;
      }
    }
    if (id < 0) {
      ++i;
      continue;
    }
    if (i > start) parts.emplace_back(text.substr(start, i - start), -1);
    parts.emplace_back(std::string_view(), id);
    i += len;
    start = i;
  }
  if (start < text.size()) parts.emplace_back(text.substr(start), -1);
  return parts;
}

std::vector<int32_t> WordPieceTokenizer::Encode(std::string_view text, size_t max_length) const {
  std::vector<int32_t> ids{cls_};
  for (const auto& [part, special] : SplitSpecial(text)) {
    if (special >= 0) {
      ids.push_back(special);
      continue;
    }
    for (const auto& w : Words(part)) {
      WordPieces(w, &ids, nullptr);
      if (ids.size() + 1 >= max_length) break;
    }
    if (ids.size() + 1 >= max_length) break;
  }
  if (max_length >= 2 && ids.size() > max_length - 1) ids.resize(max_length - 1);
  ids.push_back(sep_);
  return ids;
}

std::vector<std::string> WordPieceTokenizer::Tokenize(std::string_view text) const {
  std::vector<std::string> pieces;
  for (const auto& w : Words(text)) WordPieces(w, nullptr, &pieces);
  return pieces;
}

}  // namespace ochre::embed
