// Copyright 2026 The OchreDB Authors.
#include "server/json_in.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <limits>

#include "server/api.h"

namespace ochre::server {
namespace {

constexpr std::string_view kDeserialize = "Failed to deserialize the JSON body into the target type: ";

std::string_view Describe(JsonElement e) {
  switch (e.type()) {
    case simdjson::dom::element_type::ARRAY:
      return "sequence";
    case simdjson::dom::element_type::OBJECT:
      return "map";
    case simdjson::dom::element_type::INT64:
      return "integer";
    case simdjson::dom::element_type::UINT64:
      return "integer";
    case simdjson::dom::element_type::DOUBLE:
      return "floating point";
    case simdjson::dom::element_type::STRING:
      return "string";
    case simdjson::dom::element_type::BOOL:
      return "boolean";
    case simdjson::dom::element_type::NULL_VALUE:
      return "null";
  }
  return "value";
}

bool IsNull(JsonElement e) { return e.type() == simdjson::dom::element_type::NULL_VALUE; }
bool IsNumber(JsonElement e) {
  auto t = e.type();
  return t == simdjson::dom::element_type::INT64 || t == simdjson::dom::element_type::UINT64 ||
         t == simdjson::dom::element_type::DOUBLE;
}

std::string Indexed(std::string_view field, size_t i) { return std::string(field) + "[" + std::to_string(i) + "]"; }

// One scalar metadata value into a MetadataValue; arrays are handled by the caller.
bool ReadScalar(JsonElement v, std::string_view field, bool allow_null, MetadataValue* out, HttpError* err) {
  switch (v.type()) {
    case simdjson::dom::element_type::NULL_VALUE:
      if (!allow_null) break;
      *out = std::monostate{};
      return true;
    case simdjson::dom::element_type::BOOL:
      *out = v.get_bool().value_unsafe();
      return true;
    case simdjson::dom::element_type::INT64:
      *out = v.get_int64().value_unsafe();
      return true;
    case simdjson::dom::element_type::UINT64:
      break;  // beyond int64: serde's i64 would refuse it as well
    case simdjson::dom::element_type::DOUBLE:
      *out = v.get_double().value_unsafe();
      return true;
    case simdjson::dom::element_type::STRING:
      *out = std::string(v.get_string().value_unsafe());
      return true;
    default:
      break;
  }
  *err = TypeError(field, v, "a string, integer, float, boolean or a list of one of those");
  return false;
}

bool ReadMetadataArray(simdjson::dom::array arr, std::string_view field, MetadataValue* out, HttpError* err) {
  // The element type is fixed by the entries (serde tries bool, int, float, string in turn); ints in a
  // list with floats widen to floats, as serde's f64 accepts integers.
  bool all_bool = true, all_int = true, all_num = true, all_str = true;
  for (JsonElement x : arr) {
    auto t = x.type();
    all_bool &= t == simdjson::dom::element_type::BOOL;
    all_int &= t == simdjson::dom::element_type::INT64;
    all_num &= (t == simdjson::dom::element_type::INT64 || t == simdjson::dom::element_type::DOUBLE);
    all_str &= t == simdjson::dom::element_type::STRING;
  }
  size_t n = arr.size();
  if (n == 0) {
    *out = std::vector<std::string>{};  // the engine rejects empty lists with its own message
  } else if (all_bool) {
    std::vector<bool> v;
    for (JsonElement x : arr) v.push_back(x.get_bool().value_unsafe());
    *out = std::move(v);
  } else if (all_int) {
    std::vector<int64_t> v;
    for (JsonElement x : arr) v.push_back(x.get_int64().value_unsafe());
    *out = std::move(v);
  } else if (all_num) {
    std::vector<double> v;
    for (JsonElement x : arr) v.push_back(x.get_double().value_unsafe());
    *out = std::move(v);
  } else if (all_str) {
    std::vector<std::string> v;
    for (JsonElement x : arr) v.emplace_back(x.get_string().value_unsafe());
    *out = std::move(v);
  } else {
    *err = HttpError::Unprocessable(std::string(kDeserialize) + std::string(field) +
                                    ": a metadata list must hold values of one type (string, integer, float or "
                                    "boolean)");
    return false;
  }
  return true;
}

// A sparse vector, as Chroma's serde helper reads it: "indices" (u32), "values" (f32), optional
// "tokens", and "#type" which, when present, must be "sparse_vector" (older clients leave it out).
// Length and order are the engine's checks (InvalidArgument, as Chroma's validators).
bool ReadSparseVector(simdjson::dom::object obj, std::string_view field, MetadataValue* out, HttpError* err) {
  SparseVector sv;
  bool has_indices = false, has_values = false;
  auto fail = [&](const std::string& what) {
    *err = HttpError::Unprocessable(std::string(kDeserialize) + std::string(field) + ": " + what);
    return false;
  };
  for (auto [k, v] : obj) {
    if (k == "#type") {
      std::string_view t;
      if (v.get_string().get(t) != simdjson::SUCCESS || t != "sparse_vector") {
        return fail("Expected #type='sparse_vector'");
      }
    } else if (k == "indices" || k == "values" || k == "tokens") {
      if (k == "tokens" && IsNull(v)) continue;
      simdjson::dom::array arr;
      if (v.get_array().get(arr) != simdjson::SUCCESS)
        return fail("sparse vector " + std::string(k) + " must be a list");
      if (k == "indices") {
        has_indices = true;
        for (JsonElement x : arr) {
          uint64_t u = 0;
          if (x.get_uint64().get(u) != simdjson::SUCCESS || u > 0xffffffffull) {
            return fail("sparse vector indices must be integers in [0, 4294967295]");
          }
          sv.indices.push_back(uint32_t(u));
        }
      } else if (k == "values") {
        has_values = true;
        for (JsonElement x : arr) {
          if (!IsNumber(x)) return fail("sparse vector values must be numbers");
          double d = 0;
          if (x.type() == simdjson::dom::element_type::DOUBLE) {
            d = x.get_double().value_unsafe();
          } else if (x.type() == simdjson::dom::element_type::INT64) {
            d = double(x.get_int64().value_unsafe());
          } else {
            d = double(x.get_uint64().value_unsafe());
          }
          sv.values.push_back(float(d));
        }
      } else {
        std::vector<std::string> tokens;
        for (JsonElement x : arr) {
          std::string_view t;
          if (x.get_string().get(t) != simdjson::SUCCESS) return fail("sparse vector tokens must be strings");
          tokens.emplace_back(t);
        }
        sv.tokens = std::move(tokens);
      }
    } else {
      return fail("unknown field `" + std::string(k) + "` in a sparse vector");
    }
  }
  if (!has_indices) return fail("missing field `indices`");
  if (!has_values) return fail("missing field `values`");
  *out = std::move(sv);
  return true;
}

bool DecodeBase64Floats(std::string_view text, std::string_view field, std::vector<float>* row, HttpError* err) {
  size_t at = row->size();
  size_t bytes = 0;
  // Decoded straight into the row's floats: packed little-endian float32 (this machine is
  // little-endian: x86-64, aarch64).
  row->resize(at + DecodedBase64Size(text) / 4 + 1);
  if (!DecodeBase64To(text, reinterpret_cast<unsigned char*>(row->data() + at), &bytes)) {
    *err = HttpError::InvalidArgument("Invalid base64 embedding in " + std::string(field));
    return false;
  }
  if (bytes % 4 != 0) {
    *err = HttpError::InvalidArgument("Invalid base64 embedding in " + std::string(field) + ": " +
                                      std::to_string(bytes) + " bytes is not a multiple of 4");
    return false;
  }
  row->resize(at + bytes / 4);
  for (size_t i = at; i < row->size(); ++i) {
    if (!std::isfinite((*row)[i])) {
      *err = HttpError::InvalidArgument("Non-finite float value in base64 embedding " + std::string(field));
      return false;
    }
  }
  return true;
}

}  // namespace

namespace {
// The parser that small bodies share on this thread, and whether a live JsonDocument holds it.
thread_local std::unique_ptr<simdjson::dom::parser> t_small_parser;
thread_local bool t_small_parser_in_use = false;
}  // namespace

JsonDocument::JsonDocument() = default;
JsonDocument::~JsonDocument() {
  if (uses_thread_parser_) t_small_parser_in_use = false;
}

bool JsonDocument::Parse(std::string_view body, HttpError* err, bool padded) {
  static_assert(simdjson::SIMDJSON_PADDING <= kBodyPadding, "ApiRequest::body_padded promises kBodyPadding bytes");
  size_t first = body.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) {
    body = "{}";
    padded = false;
  }
  constexpr size_t kSmallBody = 64 * 1024;
  simdjson::dom::parser* parser = t_small_parser.get();
  size_t capacity = kSmallBody;
  if (body.size() > kSmallBody || t_small_parser_in_use || owned_ || uses_thread_parser_) {
    owned_ = std::make_unique<simdjson::dom::parser>();
    parser = owned_.get();
    capacity = body.size();
  } else {
    if (!parser) {
      t_small_parser = std::make_unique<simdjson::dom::parser>();
      parser = t_small_parser.get();
    }
    t_small_parser_in_use = true;  // until this document is destroyed
    uses_thread_parser_ = true;
  }
  // Sized once per parser (a kept one is never reallocated: every small body fits).
  if (parser->capacity() < capacity) {
    if (auto e = parser->allocate(capacity, kMaxJsonDepth); e != simdjson::SUCCESS) {
      *err = HttpError::InvalidArgument("Failed to parse the request body as JSON: " +
                                        std::string(simdjson::error_message(e)));
      return false;
    }
  }
  simdjson::error_code e;
  if (padded) {
    e = parser->parse(body.data(), body.size(), /*realloc_if_needed=*/false).get(root_);
  } else {
    simdjson::padded_string copy(body);
    e = parser->parse(copy).get(root_);
  }
  if (e == simdjson::DEPTH_ERROR) {
    *err = HttpError::InvalidArgument("Failed to parse the request body as JSON: nested deeper than " +
                                      std::to_string(kMaxJsonDepth) + " levels");
    return false;
  }
  if (e != simdjson::SUCCESS) {
    *err = HttpError::InvalidArgument("Failed to parse the request body as JSON: " +
                                      std::string(simdjson::error_message(e)));
    return false;
  }
  return true;
}

HttpError TypeError(std::string_view field, JsonElement got, std::string_view expected) {
  return HttpError::Unprocessable(std::string(kDeserialize) + std::string(field) + ": invalid type: " +
                                  std::string(Describe(got)) + ", expected " + std::string(expected));
}

bool RequireObject(JsonElement e, std::string_view what, HttpError* err) {
  if (e.type() == simdjson::dom::element_type::OBJECT) return true;
  *err = HttpError::Unprocessable(std::string(kDeserialize) + "invalid type: " + std::string(Describe(e)) +
                                  ", expected " + std::string(what));
  return false;
}

std::optional<JsonElement> Field(JsonElement obj, std::string_view key) {
  JsonElement v;
  if (obj.at_key(key).get(v) != simdjson::SUCCESS) return std::nullopt;
  if (IsNull(v)) return std::nullopt;
  return v;
}

bool ReadString(JsonElement e, std::string_view field, std::string* out, HttpError* err) {
  std::string_view s;
  if (e.get_string().get(s) != simdjson::SUCCESS) {
    *err = TypeError(field, e, "a string");
    return false;
  }
  out->assign(s);
  return true;
}

bool ReadBool(JsonElement e, std::string_view field, bool* out, HttpError* err) {
  if (e.get_bool().get(*out) != simdjson::SUCCESS) {
    *err = TypeError(field, e, "a boolean");
    return false;
  }
  return true;
}

bool ReadUnsigned(JsonElement e, std::string_view field, int64_t* out, HttpError* err) {
  int64_t v;
  if (e.type() != simdjson::dom::element_type::INT64 || e.get_int64().get(v) != simdjson::SUCCESS || v < 0 ||
      v > std::numeric_limits<uint32_t>::max()) {
    if (e.type() == simdjson::dom::element_type::INT64 || e.type() == simdjson::dom::element_type::UINT64) {
      *err = HttpError::Unprocessable(std::string(kDeserialize) + std::string(field) +
                                      ": invalid value: integer, expected u32");
    } else {
      *err = TypeError(field, e, "u32");
    }
    return false;
  }
  *out = v;
  return true;
}

bool ReadNumber(JsonElement e, std::string_view field, double* out, HttpError* err) {
  if (!IsNumber(e) || e.get_double().get(*out) != simdjson::SUCCESS) {
    *err = TypeError(field, e, "a number");
    return false;
  }
  return true;
}

bool ReadStringList(JsonElement e, std::string_view field, std::vector<std::string>* out, HttpError* err) {
  simdjson::dom::array arr;
  if (e.get_array().get(arr) != simdjson::SUCCESS) {
    *err = TypeError(field, e, "a sequence");
    return false;
  }
  out->clear();
  out->reserve(arr.size());
  size_t i = 0;
  for (JsonElement x : arr) {
    std::string_view s;
    if (x.get_string().get(s) != simdjson::SUCCESS) {
      *err = TypeError(Indexed(field, i), x, "a string");
      return false;
    }
    out->emplace_back(s);
    ++i;
  }
  return true;
}

bool ReadOptionalStringList(JsonElement e, std::string_view field, std::vector<std::optional<std::string>>* out,
                            HttpError* err) {
  simdjson::dom::array arr;
  if (e.get_array().get(arr) != simdjson::SUCCESS) {
    *err = TypeError(field, e, "a sequence");
    return false;
  }
  out->clear();
  out->reserve(arr.size());
  size_t i = 0;
  for (JsonElement x : arr) {
    std::string_view s;
    if (IsNull(x)) {
      out->emplace_back(std::nullopt);
    } else if (x.get_string().get(s) == simdjson::SUCCESS) {
      out->emplace_back(std::string(s));
    } else {
      *err = TypeError(Indexed(field, i), x, "a string or null");
      return false;
    }
    ++i;
  }
  return true;
}

bool ReadMetadata(JsonElement e, std::string_view field, bool allow_null, Metadata* out, HttpError* err) {
  simdjson::dom::object obj;
  if (e.get_object().get(obj) != simdjson::SUCCESS) {
    *err = TypeError(field, e, "a map");
    return false;
  }
  out->clear();
  for (auto [key, v] : obj) {
    std::string sub = std::string(field) + "." + std::string(key);
    MetadataValue value;
    simdjson::dom::array arr;
    simdjson::dom::object sparse;
    if (v.get_array().get(arr) == simdjson::SUCCESS) {
      if (!ReadMetadataArray(arr, sub, &value, err)) return false;
    } else if (v.get_object().get(sparse) == simdjson::SUCCESS) {
      if (!ReadSparseVector(sparse, sub, &value, err)) return false;
    } else if (!ReadScalar(v, sub, allow_null, &value, err)) {
      return false;
    }
    out->emplace(std::string(key), std::move(value));  // first occurrence of a key wins
  }
  return true;
}

bool ReadMetadataList(JsonElement e, std::string_view field, bool allow_null, std::vector<std::optional<Metadata>>* out,
                      HttpError* err) {
  simdjson::dom::array arr;
  if (e.get_array().get(arr) != simdjson::SUCCESS) {
    *err = TypeError(field, e, "a sequence");
    return false;
  }
  out->clear();
  out->reserve(arr.size());
  size_t i = 0;
  for (JsonElement x : arr) {
    if (IsNull(x)) {
      out->emplace_back(std::nullopt);
    } else {
      Metadata m;
      if (!ReadMetadata(x, Indexed(field, i), allow_null, &m, err)) return false;
      out->emplace_back(std::move(m));
    }
    ++i;
  }
  return true;
}

bool ReadEmbeddings(JsonElement e, std::string_view field, std::vector<bool>* null_entries, FloatMatrix* out,
                    HttpError* err) {
  simdjson::dom::array arr;
  if (e.get_array().get(arr) != simdjson::SUCCESS) {
    *err = TypeError(field, e, "a sequence of embeddings");
    return false;
  }
  const size_t entries = arr.size();
  std::vector<float> data;
  size_t dim = 0, rows = 0, nulls = 0, i = 0;
  if (null_entries) null_entries->assign(entries, false);
  for (JsonElement x : arr) {
    size_t before = data.size();
    std::string_view b64;
    simdjson::dom::array row;
    if (null_entries && IsNull(x)) {
      (*null_entries)[i] = true;
      ++nulls;
      ++i;
      continue;
    } else if (x.get_string().get(b64) == simdjson::SUCCESS) {
      if (!DecodeBase64Floats(b64, Indexed(field, i), &data, err)) return false;
    } else if (x.get_array().get(row) == simdjson::SUCCESS) {
      const size_t n = row.size();
      if (rows == 0) data.reserve(n * entries);
      data.resize(before + n);
      float* dst = data.data() + before;
      size_t j = 0;
      for (JsonElement v : row) {
        double d;
        if (v.get_double().get(d) != simdjson::SUCCESS) {  // ints read as doubles too; bools and strings fail
          *err = TypeError(Indexed(field, i) + "[" + std::to_string(j) + "]", v, "f32");
          return false;
        }
        dst[j++] = static_cast<float>(d);
      }
    } else {
      *err = TypeError(Indexed(field, i), x, "a list of floats or a base64 string");
      return false;
    }
    size_t n = data.size() - before;
    if (n == 0) {
      *err = HttpError::InvalidArgument("Each embedding must have at least 1 dimension");
      return false;
    }
    if (rows > 0 && n != dim) {
      *err = HttpError::InvalidArgument("Inconsistent dimensions in provided embeddings");
      return false;
    }
    dim = n;
    ++rows;
    ++i;
  }
  if (rows == 0) {
    *out = FloatMatrix();
    return true;
  }
  if (nulls > 0) {
    // Null entries keep their place as zero rows: the engine is told to leave those records' vectors.
    std::vector<float> full(entries * dim, 0.0f);
    size_t k = 0;
    for (size_t r = 0; r < entries; ++r) {
      if ((*null_entries)[r]) continue;
      std::copy_n(data.data() + k * dim, dim, full.data() + r * dim);
      ++k;
    }
    data = std::move(full);
  }
  *out = FloatMatrix(dim, std::move(data));
  return true;
}

bool ReadInclude(JsonElement e, std::string_view field, Include* out, HttpError* err) {
  simdjson::dom::array arr;
  if (e.get_array().get(arr) != simdjson::SUCCESS) {
    *err = TypeError(field, e, "a sequence");
    return false;
  }
  Include inc;
  size_t i = 0;
  for (JsonElement x : arr) {
    std::string_view s;
    if (x.get_string().get(s) != simdjson::SUCCESS) {
      *err = TypeError(Indexed(field, i), x, "a string");
      return false;
    }
    if (s == "documents") {
      inc.documents = true;
    } else if (s == "embeddings") {
      inc.embeddings = true;
    } else if (s == "metadatas" || s == "data") {
      inc.metadatas = true;
    } else if (s == "distances") {
      inc.distances = true;
    } else if (s == "uris") {
      inc.uris = true;
    } else {
      *err = HttpError::Unprocessable(std::string(kDeserialize) + Indexed(field, i) + ": unknown variant `" +
                                      std::string(s) +
                                      "`, expected one of `distances`, `documents`, `embeddings`, `metadatas`, "
                                      "`uris`");
      return false;
    }
    ++i;
  }
  *out = inc;
  return true;
}

std::string ToJsonText(JsonElement e) { return simdjson::to_string(e); }

namespace {

constexpr std::array<uint8_t, 256> kBase64Table = [] {
  std::array<uint8_t, 256> t{};
  for (auto& v : t) v = 0xff;
  const char* a = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  for (int i = 0; i < 64; ++i) t[static_cast<unsigned char>(a[i])] = static_cast<uint8_t>(i);
  return t;
}();

std::string_view StripBase64Padding(std::string_view in) {
  while (!in.empty() && in.back() == '=') in.remove_suffix(1);
  return in;
}

}  // namespace

size_t DecodedBase64Size(std::string_view in) { return StripBase64Padding(in).size() * 3 / 4; }

bool DecodeBase64To(std::string_view in, unsigned char* out, size_t* written) {
  in = StripBase64Padding(in);
  if (in.size() % 4 == 1) return false;
  const auto* p = reinterpret_cast<const unsigned char*>(in.data());
  const size_t full = in.size() / 4 * 4;
  unsigned char* o = out;
  // Four characters to three bytes at a time; an invalid character sets the high bit of `bad`.
  uint32_t bad = 0;
  for (size_t i = 0; i < full; i += 4) {
    uint32_t a = kBase64Table[p[i]], b = kBase64Table[p[i + 1]], c = kBase64Table[p[i + 2]], d = kBase64Table[p[i + 3]];
    bad |= a | b | c | d;
    uint32_t v = (a << 18) | (b << 12) | (c << 6) | d;
    o[0] = static_cast<unsigned char>(v >> 16);
    o[1] = static_cast<unsigned char>(v >> 8);
    o[2] = static_cast<unsigned char>(v);
    o += 3;
  }
  if (bad & 0x80) return false;
  uint32_t acc = 0;
  int bits = 0;
  for (size_t i = full; i < in.size(); ++i) {
    uint8_t v = kBase64Table[p[i]];
    if (v & 0x80) return false;
    acc = (acc << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      *o++ = static_cast<unsigned char>((acc >> bits) & 0xff);
    }
  }
  *written = static_cast<size_t>(o - out);
  return true;
}

bool DecodeBase64(std::string_view in, std::string* out) {
  out->assign(DecodedBase64Size(in) + 1, '\0');
  size_t n = 0;
  if (!DecodeBase64To(in, reinterpret_cast<unsigned char*>(out->data()), &n)) return false;
  out->resize(n);
  return true;
}

}  // namespace ochre::server
