// Copyright 2026 The OchreDB Authors.
//
// Reading request bodies with simdjson's DOM parser: parsing with a depth limit, and typed field
// readers that produce Chroma's error kinds. Malformed JSON is 400 InvalidArgumentError "Failed to
// parse the request body as JSON: ..."; a value of the wrong type is 422 ChromaError "Failed to
// deserialize the JSON body into the target type: <field>: ..." (CHROMA_SPEC §2.1).
//
// Every reader returns false and fills *err on failure. Absent keys and JSON null are both "not
// given" (serde's Option). Duplicate keys: the first occurrence wins (documented in docs/server.md).
#pragma once

#include <simdjson.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ochre/types.h"
#include "server/http_error.h"

namespace ochre::server {

using JsonElement = simdjson::dom::element;

// The deepest nesting a request body may have (RELIABILITY §4: a 100k-deep `[[[[` must give 400).
inline constexpr size_t kMaxJsonDepth = 64;

// Owns the parser and the parsed document; elements stay valid while it lives.
class JsonDocument {
 public:
  JsonDocument();
  ~JsonDocument();
  JsonDocument(const JsonDocument&) = delete;
  JsonDocument& operator=(const JsonDocument&) = delete;
  // An empty body counts as `{}` (clients send none for some POSTs). With `padded`, body.data() is
  // followed by at least 64 readable bytes (simdjson's padding) and is parsed in place.
  bool Parse(std::string_view body, HttpError* err, bool padded = false);
  JsonElement root() const { return root_; }

 private:
  // Small bodies (queries, gets) use a parser kept per thread, so a request allocates nothing for
  // it; large ones (record batches) get their own, freed with the document so that no thread keeps
  // megabytes of parser buffers after one large write.
  std::unique_ptr<simdjson::dom::parser> owned_;
  bool uses_thread_parser_ = false;
  JsonElement root_;
};

// The body must be an object.
bool RequireObject(JsonElement e, std::string_view what, HttpError* err);

// The value under `key`, or nullopt when absent or null.
std::optional<JsonElement> Field(JsonElement obj, std::string_view key);

HttpError TypeError(std::string_view field, JsonElement got, std::string_view expected);

bool ReadString(JsonElement e, std::string_view field, std::string* out, HttpError* err);
bool ReadBool(JsonElement e, std::string_view field, bool* out, HttpError* err);
// An unsigned integer (Chroma's u32/usize fields): negative or fractional → 422.
bool ReadUnsigned(JsonElement e, std::string_view field, int64_t* out, HttpError* err);
bool ReadNumber(JsonElement e, std::string_view field, double* out, HttpError* err);
bool ReadStringList(JsonElement e, std::string_view field, std::vector<std::string>* out, HttpError* err);
// A list whose entries may be null.
bool ReadOptionalStringList(JsonElement e, std::string_view field, std::vector<std::optional<std::string>>* out,
                            HttpError* err);

// Metadata values: bool, int, float, string, or a homogeneous array of those. `allow_null` admits
// null values (update/upsert: delete the key).
bool ReadMetadata(JsonElement e, std::string_view field, bool allow_null, Metadata* out, HttpError* err);
bool ReadMetadataList(JsonElement e, std::string_view field, bool allow_null, std::vector<std::optional<Metadata>>* out,
                      HttpError* err);

// Embeddings: a list of float lists or of base64 strings (little-endian float32). With
// `null_entries` (update), entries may be null: *null_entries gets one flag per entry, and the null
// entries are zero rows of *out (which has no rows when every entry was null). Fails with 400 on
// empty or inconsistent dimensions, bad base64 and non-finite values.
bool ReadEmbeddings(JsonElement e, std::string_view field, std::vector<bool>* null_entries, FloatMatrix* out,
                    HttpError* err);

bool ReadInclude(JsonElement e, std::string_view field, Include* out, HttpError* err);

// Serializes a sub-document back to JSON text (for the engine's filter parsers).
std::string ToJsonText(JsonElement e);

// Decodes standard base64 (with or without padding). False on a bad character or length.
bool DecodeBase64(std::string_view in, std::string* out);
// The same into a caller's buffer of at least DecodedBase64Size(in) + 1 bytes; *written: bytes.
bool DecodeBase64To(std::string_view in, unsigned char* out, size_t* written);
size_t DecodedBase64Size(std::string_view in);

}  // namespace ochre::server
