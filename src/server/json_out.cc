// Copyright 2026 The OchreDB Authors.
#include "server/json_out.h"

#include <charconv>
#include <cmath>
#include <type_traits>
#include <variant>

namespace ochre::server {
namespace {

// Shortest round-trip text of a float or double, with ".0" when it would read back as an integer.
// Non-finite values cannot be written in JSON; they become null (the engine rejects them on input).
template <typename T>
void AppendFloating(std::string* out, T v) {
  if (!std::isfinite(v)) {
    out->append("null");
    return;
  }
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), v);
  if (ec != std::errc()) {
    out->append("null");
    return;
  }
  std::string_view text(buf, end - buf);
  out->append(text);
  if (text.find_first_of(".eE") == std::string_view::npos) out->append(".0");
}

}  // namespace

void AppendJsonString(std::string* out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  out->push_back('"');
  size_t run = 0;  // start of the pending run of bytes that need no escaping
  for (size_t i = 0; i < s.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out->append(s.data() + run, i - run);
    run = i + 1;
    switch (c) {
      case '"':
        out->append("\\\"");
        break;
      case '\\':
        out->append("\\\\");
        break;
      case '\n':
        out->append("\\n");
        break;
      case '\r':
        out->append("\\r");
        break;
      case '\t':
        out->append("\\t");
        break;
      case '\b':
        out->append("\\b");
        break;
      case '\f':
        out->append("\\f");
        break;
      default:
        out->append("\\u00");
        out->push_back(kHex[c >> 4]);
        out->push_back(kHex[c & 0xf]);
    }
  }
  out->append(s.data() + run, s.size() - run);
  out->push_back('"');
}

void JsonOut::Open(char c) {
  BeforeValue();
  out_.push_back(c);
  fresh_ = true;
}

void JsonOut::Close(char c) {
  out_.push_back(c);
  fresh_ = false;
}

void JsonOut::BeforeValue() {
  if (!fresh_) out_.push_back(',');
  fresh_ = false;
}

void JsonOut::Key(std::string_view key) {
  BeforeValue();
  AppendJsonString(&out_, key);
  out_.push_back(':');
  fresh_ = true;
}

void JsonOut::String(std::string_view s) {
  BeforeValue();
  AppendJsonString(&out_, s);
}

void JsonOut::Int(int64_t v) {
  BeforeValue();
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), v);
  out_.append(buf, end - buf);
}

void JsonOut::Double(double v) {
  BeforeValue();
  AppendFloating(&out_, v);
}

void JsonOut::Float(float v) {
  BeforeValue();
  AppendFloating(&out_, v);
}

void JsonOut::Bool(bool v) {
  BeforeValue();
  out_.append(v ? "true" : "false");
}

void JsonOut::Null() {
  BeforeValue();
  out_.append("null");
}

void JsonOut::Raw(std::string_view json) {
  BeforeValue();
  out_.append(json);
}

void JsonOut::MetadataValue(const ochre::MetadataValue& value) {
  std::visit(
      [this](const auto& v) {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, std::monostate>) {
          Null();
        } else if constexpr (std::is_same_v<T, bool>) {
          Bool(v);
        } else if constexpr (std::is_same_v<T, int64_t>) {
          Int(v);
        } else if constexpr (std::is_same_v<T, double>) {
          Double(v);
        } else if constexpr (std::is_same_v<T, std::string>) {
          String(v);
        } else if constexpr (std::is_same_v<T, ochre::SparseVector>) {
          SparseVector(v);
        } else {
          BeginArray();
          for (const auto& e : v) {
            if constexpr (std::is_same_v<T, std::vector<bool>>) {
              Bool(e);
            } else if constexpr (std::is_same_v<T, std::vector<int64_t>>) {
              Int(e);
            } else if constexpr (std::is_same_v<T, std::vector<double>>) {
              Double(e);
            } else {
              String(e);
            }
          }
          EndArray();
        }
      },
      value);
}

void JsonOut::SparseVector(const ochre::SparseVector& v) {
  BeginObject();
  Key("#type");
  String("sparse_vector");
  Key("indices");
  BeginArray();
  for (uint32_t i : v.indices) Int(int64_t(i));
  EndArray();
  Key("values");
  BeginArray();
  for (float f : v.values) Double(double(f));
  EndArray();
  if (v.tokens) {
    Key("tokens");
    BeginArray();
    for (const auto& t : *v.tokens) String(t);
    EndArray();
  }
  EndObject();
}

void JsonOut::Metadata(const ochre::Metadata& m) {
  BeginObject();
  for (const auto& [k, v] : m) {
    Key(k);
    MetadataValue(v);
  }
  EndObject();
}

void JsonOut::OptionalMetadata(const std::optional<ochre::Metadata>& m) {
  if (m && !m->empty()) {
    Metadata(*m);
  } else {
    Null();
  }
}

void JsonOut::RecordMetadata(const std::optional<ochre::Metadata>& m) {
  if (m) {
    Metadata(*m);
  } else {
    Null();
  }
}

void JsonOut::OptionalString(const std::optional<std::string>& s) {
  if (s) {
    String(*s);
  } else {
    Null();
  }
}

void JsonOut::FloatRow(const float* data, size_t n) {
  BeginArray();
  for (size_t i = 0; i < n; ++i) Float(data[i]);
  EndArray();
}

void JsonOut::StringArray(const std::vector<std::string>& v) {
  BeginArray();
  for (const auto& s : v) String(s);
  EndArray();
}

}  // namespace ochre::server
