// Copyright 2026 The OchreDB Authors.
//
// JsonOut: a small append-only JSON writer for responses. It writes straight into a std::string (no
// DOM), floats through std::to_chars (shortest round-trip form) with a ".0" added to integral
// values, as Chroma's Rust server prints them, so that clients keep floats apart from ints.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ochre/types.h"

namespace ochre::server {

class JsonOut {
 public:
  std::string& str() { return out_; }
  void Reserve(size_t bytes) { out_.reserve(bytes); }
  std::string Take() { return std::move(out_); }

  // Punctuation. Comma() writes "," unless the container was just opened.
  void BeginObject() { Open('{'); }
  void EndObject() { Close('}'); }
  void BeginArray() { Open('['); }
  void EndArray() { Close(']'); }
  // Writes `"key":` (with a leading comma when needed).
  void Key(std::string_view key);

  void String(std::string_view s);
  void Int(int64_t v);
  void Double(double v);
  void Float(float v);
  void Bool(bool v);
  void Null();
  // Inserts already-serialized JSON text as one value.
  void Raw(std::string_view json);

  // Composite values of the public API.
  void MetadataValue(const ochre::MetadataValue& v);
  // Chroma's wire form: {"#type":"sparse_vector","indices":[...],"values":[...],"tokens"?:[...]}.
  void SparseVector(const ochre::SparseVector& v);
  void Metadata(const ochre::Metadata& m);
  // A collection's metadata: null when absent or empty.
  void OptionalMetadata(const std::optional<ochre::Metadata>& m);
  // A record's metadata: null when absent, `{}` when present and empty (a record with a uri).
  void RecordMetadata(const std::optional<ochre::Metadata>& m);
  void OptionalString(const std::optional<std::string>& s);
  void FloatRow(const float* data, size_t n);
  void StringArray(const std::vector<std::string>& v);

 private:
  void Open(char c);
  void Close(char c);
  void BeforeValue();

  std::string out_;
  // True right after an opening bracket or a key: the next value needs no comma.
  bool fresh_ = true;
};

// Appends `s` to `out` as a JSON string literal (quotes included).
void AppendJsonString(std::string* out, std::string_view s);

}  // namespace ochre::server
