// Copyright 2026 The OchreDB Authors.
#include "api/stored_metadata.h"

#include <charconv>
#include <optional>
#include <string>
#include <vector>

#include "ochre/sparse_vector.h"
#include "storage/metadata_codec.h"

namespace ochre::api {
namespace {

// A parser of the compact form only; every method returns false where the text leaves it.
class CompactParser {
 public:
  explicit CompactParser(std::string_view text) : p_(text.data()), end_(text.data() + text.size()) {}

  bool Object(Metadata* out) {
    if (!Eat('{')) return false;
    if (Eat('}')) return AtEnd();
    while (true) {
      std::string key;
      if (!String(&key) || !Eat(':')) return false;
      MetadataValue value;
      if (!Value(&value)) return false;
      if (!out->emplace(std::move(key), std::move(value)).second) return false;  // a duplicate key
      if (Eat(',')) continue;
      return Eat('}') && AtEnd();
    }
  }

 private:
  bool AtEnd() const { return p_ == end_; }
  bool Eat(char c) {
    if (p_ < end_ && *p_ == c) {
      ++p_;
      return true;
    }
    return false;
  }

  // ASCII text with the short escapes EncodeMetadata writes; no \u, no control characters, no
  // bytes >= 0x80 (left to the general parser, which also checks UTF-8).
  bool String(std::string* out) {
    if (!Eat('"')) return false;
    const char* run = p_;
    while (p_ < end_) {
      const unsigned char c = static_cast<unsigned char>(*p_);
      if (c == '"') {
        out->append(run, p_);
        ++p_;
        return true;
      }
      if (c < 0x20 || c >= 0x80) return false;
      if (c != '\\') {
        ++p_;
        continue;
      }
      out->append(run, p_);
      if (++p_ == end_) return false;
      switch (*p_) {
        case '"':
          *out += '"';
          break;
        case '\\':
          *out += '\\';
          break;
        case '/':
          *out += '/';
          break;
        case 'b':
          *out += '\b';
          break;
        case 'f':
          *out += '\f';
          break;
        case 'n':
          *out += '\n';
          break;
        case 'r':
          *out += '\r';
          break;
        case 't':
          *out += '\t';
          break;
        default:
          return false;  // \u and anything else
      }
      run = ++p_;
    }
    return false;
  }

  // A JSON number: an int64 when it has no fraction or exponent (and fits), else a double.
  bool Number(MetadataValue* out) {
    const char* begin = p_;
    const char* q = p_;
    if (q < end_ && *q == '-') ++q;
    if (q == end_ || *q < '0' || *q > '9') return false;
    if (*q == '0' && q + 1 < end_ && q[1] >= '0' && q[1] <= '9') return false;  // no leading zeros
    while (q < end_ && *q >= '0' && *q <= '9') ++q;
    bool is_float = false;
    if (q < end_ && *q == '.') {
      is_float = true;
      ++q;
      const char* digits = q;
      while (q < end_ && *q >= '0' && *q <= '9') ++q;
      if (q == digits) return false;
    }
    if (q < end_ && (*q == 'e' || *q == 'E')) {
      is_float = true;
      ++q;
      if (q < end_ && (*q == '+' || *q == '-')) ++q;
      const char* digits = q;
      while (q < end_ && *q >= '0' && *q <= '9') ++q;
      if (q == digits) return false;
    }
    if (is_float) {
      double d = 0;
      auto [ptr, ec] = std::from_chars(begin, q, d);
      if (ec != std::errc() || ptr != q) return false;  // out of range: the general parser decides
      *out = d;
    } else {
      int64_t i = 0;
      auto [ptr, ec] = std::from_chars(begin, q, i);
      if (ec != std::errc() || ptr != q) return false;  // does not fit int64
      *out = i;
    }
    p_ = q;
    return true;
  }

  bool Literal(std::string_view word) {
    if (size_t(end_ - p_) < word.size() || std::string_view(p_, word.size()) != word) return false;
    p_ += word.size();
    return true;
  }

  bool Scalar(MetadataValue* out) {
    if (p_ == end_) return false;
    if (*p_ == '"') {
      std::string s;
      if (!String(&s)) return false;
      *out = std::move(s);
      return true;
    }
    if (*p_ == 't') {
      if (!Literal("true")) return false;
      *out = true;
      return true;
    }
    if (*p_ == 'f') {
      if (!Literal("false")) return false;
      *out = false;
      return true;
    }
    return Number(out);
  }

  bool Value(MetadataValue* out) {
    if (p_ < end_ && *p_ == '{') return Sparse(out);
    if (!Eat('[')) return Scalar(out);
    std::vector<MetadataValue> items;
    if (!Eat(']')) {
      while (true) {
        MetadataValue v;
        if (!Scalar(&v)) return false;
        if (!items.empty() && v.index() != items[0].index()) return false;  // mixed types
        items.push_back(std::move(v));
        if (Eat(',')) continue;
        if (!Eat(']')) return false;
        break;
      }
    }
    if (items.empty()) return false;  // stored metadata has no empty arrays
    switch (items[0].index()) {
      case 1: {
        std::vector<bool> v;
        for (const auto& x : items) v.push_back(std::get<bool>(x));
        *out = std::move(v);
        break;
      }
      case 2: {
        std::vector<int64_t> v;
        for (const auto& x : items) v.push_back(std::get<int64_t>(x));
        *out = std::move(v);
        break;
      }
      case 3: {
        std::vector<double> v;
        for (const auto& x : items) v.push_back(std::get<double>(x));
        *out = std::move(v);
        break;
      }
      default: {
        std::vector<std::string> v;
        for (auto& x : items) v.push_back(std::move(std::get<std::string>(x)));
        *out = std::move(v);
        break;
      }
    }
    return true;
  }

  bool Key(std::string_view name) {
    std::string key;
    return String(&key) && key == name && Eat(':');
  }

  // A sparse vector as storage::SparseVectorToJson writes it: the keys in nlohmann's sorted order
  // ("#type", "indices", "tokens" when present, "values"). Without this the sparse index's build
  // (one decode per record) took the general parser for every record that holds one: ~45 us each.
  bool Sparse(MetadataValue* out) {
    SparseVector v;
    std::string type;
    if (!Eat('{') || !Key(storage::kSparseTypeKey) || !String(&type) || type != storage::kSparseTypeValue) {
      return false;
    }
    if (!Eat(',') || !Key("indices") || !Eat('[')) return false;
    if (!Eat(']')) {
      do {
        uint32_t index = 0;
        auto [ptr, ec] = std::from_chars(p_, end_, index);
        if (ec != std::errc() || ptr == p_ || (*p_ == '0' && ptr - p_ > 1)) return false;  // no sign, no leading 0
        p_ = ptr;
        v.indices.push_back(index);
      } while (Eat(','));
      if (!Eat(']')) return false;
    }
    if (!Eat(',')) return false;
    if (p_ + 1 < end_ && p_[1] == 't') {
      if (!Key("tokens") || !Eat('[')) return false;
      std::vector<std::string> tokens;
      if (!Eat(']')) {
        do {
          std::string t;
          if (!String(&t)) return false;
          tokens.push_back(std::move(t));
        } while (Eat(','));
        if (!Eat(']')) return false;
      }
      v.tokens = std::move(tokens);
      if (!Eat(',')) return false;
    }
    if (!Key("values") || !Eat('[')) return false;
    if (!Eat(']')) {
      do {
        MetadataValue n;
        if (!Number(&n)) return false;
        v.values.push_back(
            float(std::holds_alternative<double>(n) ? std::get<double>(n) : double(std::get<int64_t>(n))));
      } while (Eat(','));
      if (!Eat(']')) return false;
    }
    if (!Eat('}') || !ValidateSparseVector(v).ok()) return false;  // invalid: the general parser's error
    *out = std::move(v);
    return true;
  }

  const char* p_;
  const char* end_;
};

}  // namespace

Result<Metadata> DecodeStoredMetadata(std::string_view json) {
  Metadata out;
  if (CompactParser(json).Object(&out)) return out;
  return storage::DecodeMetadata(json);
}

}  // namespace ochre::api
