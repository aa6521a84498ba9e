// Copyright 2026 The OchreDB Authors.
#include "server/request_parsing.h"

#include <algorithm>
#include <charconv>
#include <limits>

#include "ochre/where.h"

namespace ochre::server {
namespace {

constexpr std::string_view kDeserialize = "Failed to deserialize the JSON body into the target type: ";

HttpError Missing(std::string_view field) {
  return HttpError::Unprocessable(std::string(kDeserialize) + "missing field `" + std::string(field) + "`");
}

bool ParseBodyObject(const ApiRequest& req, JsonDocument* doc, HttpError* err) {
  if (!doc->Parse(req.body, err, req.body_padded)) return false;
  return RequireObject(doc->root(), "a JSON object", err);
}

bool ReadInt(JsonElement e, std::string_view field, int* out, HttpError* err) {
  int64_t v;
  if (!ReadUnsigned(e, field, &v, err)) return false;
  if (v > std::numeric_limits<int>::max()) {
    *err = HttpError::Unprocessable(std::string(kDeserialize) + std::string(field) + ": value out of range");
    return false;
  }
  *out = static_cast<int>(v);
  return true;
}

bool ReadSpace(JsonElement e, std::string_view field, Space* out, HttpError* err) {
  std::string s;
  if (!ReadString(e, field, &s, err)) return false;
  if (s == "l2") {
    *out = Space::kL2;
  } else if (s == "cosine") {
    *out = Space::kCosine;
  } else if (s == "ip") {
    *out = Space::kIp;
  } else {
    *err = HttpError::Unprocessable(std::string(kDeserialize) + std::string(field) + ": unknown variant `" + s +
                                    "`, expected one of `l2`, `cosine`, `ip`");
    return false;
  }
  return true;
}

// An hnsw object. `for_update`: only the modifiable keys exist (serde's deny_unknown_fields).
bool ReadHnsw(JsonElement e, std::string_view field, bool for_update, HnswConfigUpdate* out, HttpError* err) {
  simdjson::dom::object obj;
  if (e.get_object().get(obj) != simdjson::SUCCESS) {
    *err = TypeError(field, e, "a map");
    return false;
  }
  for (auto [key, v] : obj) {
    std::string sub = std::string(field) + "." + std::string(key);
    bool creation_only = key == "space" || key == "ef_construction";
    if (for_update && creation_only) {
      *err = HttpError::Unprocessable(std::string(kDeserialize) + sub + ": unknown field `" + std::string(key) +
                                      "`, expected one of `ef_search`, `max_neighbors`, `num_threads`, "
                                      "`resize_factor`, `sync_threshold`, `batch_size`");
      return false;
    }
    if (v.type() == simdjson::dom::element_type::NULL_VALUE) continue;
    int n = 0;
    if (key == "space") {
      Space s;
      if (!ReadSpace(v, sub, &s, err)) return false;
      out->space = s;
    } else if (key == "resize_factor") {
      double d;
      if (!ReadNumber(v, sub, &d, err)) return false;
      out->resize_factor = d;
    } else if (key == "ef_construction" || key == "ef_search" || key == "max_neighbors" || key == "num_threads" ||
               key == "batch_size" || key == "sync_threshold") {
      if (!ReadInt(v, sub, &n, err)) return false;
      if (key == "ef_construction") out->ef_construction = n;
      if (key == "ef_search") out->ef_search = n;
      if (key == "max_neighbors") out->max_neighbors = n;
      if (key == "num_threads") out->num_threads = n;
      if (key == "batch_size") out->batch_size = n;
      if (key == "sync_threshold") out->sync_threshold = n;
    } else if (for_update) {
      *err = HttpError::Unprocessable(std::string(kDeserialize) + sub + ": unknown field `" + std::string(key) +
                                      "`, expected one of `ef_search`, `max_neighbors`, `num_threads`, "
                                      "`resize_factor`, `sync_threshold`, `batch_size`");
      return false;
    }
  }
  return true;
}

bool ReadEmbeddingFunction(JsonElement e, std::string_view field, EmbeddingFunctionDescriptor* out, HttpError* err) {
  if (!RequireObject(e, "an embedding function configuration", err)) return false;
  std::string type = "known";
  if (auto t = Field(e, "type")) {
    if (!ReadString(*t, std::string(field) + ".type", &type, err)) return false;
  }
  out->type = type;
  if (auto n = Field(e, "name")) {
    if (!ReadString(*n, std::string(field) + ".name", &out->name, err)) return false;
  }
  if (auto c = Field(e, "config")) {
    if (!RequireObject(*c, "an embedding function config object", err)) return false;
    out->config_json = ToJsonText(*c);
  }
  return true;
}

// {hnsw, spann, embedding_function}. Locally Chroma turns a spann configuration into an hnsw one
// that keeps only its space (CHROMA_SPEC §4.1).
bool ReadConfiguration(JsonElement e, std::string_view field, bool for_update, CollectionConfigurationUpdate* out,
                       HttpError* err) {
  if (!RequireObject(e, "a collection configuration", err)) return false;
  auto hnsw = Field(e, "hnsw");
  auto spann = Field(e, "spann");
  if (hnsw && spann) {
    *err = HttpError::InvalidArgument("Multiple vector index configurations provided");
    return false;
  }
  if (hnsw) {
    HnswConfigUpdate h;
    if (!ReadHnsw(*hnsw, std::string(field) + ".hnsw", for_update, &h, err)) return false;
    out->hnsw = h;
  } else if (spann && !for_update) {
    HnswConfigUpdate h;
    if (!RequireObject(*spann, "a spann configuration", err)) return false;
    if (auto s = Field(*spann, "space")) {
      Space space;
      if (!ReadSpace(*s, std::string(field) + ".spann.space", &space, err)) return false;
      h.space = space;
    }
    out->hnsw = h;
  }
  if (auto ef = Field(e, "embedding_function")) {
    EmbeddingFunctionDescriptor d;
    if (!ReadEmbeddingFunction(*ef, std::string(field) + ".embedding_function", &d, err)) return false;
    out->embedding_function = d;
  }
  return true;
}

template <typename Node>
bool ReadFilter(JsonElement obj, std::string_view field, const ApiLimits& limits,
                Result<Node> (*parse)(std::string_view), std::optional<Node>* out, HttpError* err) {
  auto f = Field(obj, field);
  if (!f) return true;
  std::string text = ToJsonText(*f);
  if (text.size() > limits.max_filter_bytes) {
    *err = HttpError::InvalidArgument("The " + std::string(field) + " filter is " + std::to_string(text.size()) +
                                      " bytes long; the server accepts at most " +
                                      std::to_string(limits.max_filter_bytes));
    return false;
  }
  auto parsed = parse(text);
  if (!parsed.ok()) {
    *err = HttpError::FromStatus(parsed.status());
    return false;
  }
  *out = std::move(parsed).value();
  return true;
}

bool ReadFilters(JsonElement obj, const ApiLimits& limits, std::optional<WhereNode>* where,
                 std::optional<WhereDocumentNode>* where_document, HttpError* err) {
  return ReadFilter<WhereNode>(obj, "where", limits, &ParseWhere, where, err) &&
         ReadFilter<WhereDocumentNode>(obj, "where_document", limits, &ParseWhereDocument, where_document, err);
}

bool ReadIds(JsonElement obj, std::optional<std::vector<std::string>>* out, HttpError* err) {
  auto ids = Field(obj, "ids");
  if (!ids) return true;
  std::vector<std::string> v;
  if (!ReadStringList(*ids, "ids", &v, err)) return false;
  *out = std::move(v);
  return true;
}

bool CheckBatch(size_t n, const ApiLimits& limits, HttpError* err) {
  if (static_cast<int64_t>(n) <= limits.max_batch_size) return true;
  *err = HttpError::InvalidArgument("Batch size of " + std::to_string(n) + " is greater than max batch size of " +
                                    std::to_string(limits.max_batch_size));
  return false;
}

bool ReadOptionalCount(JsonElement obj, std::string_view field, std::optional<int64_t>* out, HttpError* err) {
  auto f = Field(obj, field);
  if (!f) return true;
  int64_t v;
  if (!ReadUnsigned(*f, field, &v, err)) return false;
  *out = v;
  return true;
}

}  // namespace

bool ParseLimitOffset(const ApiRequest& req, std::optional<int64_t>* limit, std::optional<int64_t>* offset,
                      HttpError* err) {
  for (auto [name, target] : {std::pair{"limit", limit}, std::pair{"offset", offset}}) {
    auto it = req.params.find(name);
    if (it == req.params.end()) continue;
    const std::string& s = it->second;
    uint32_t v = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || end != s.data() + s.size()) {
      *err = HttpError::InvalidArgument("Failed to deserialize query string: " + std::string(name) +
                                        ": expected a non-negative integer");
      return false;
    }
    *target = v;
  }
  return true;
}

bool ParseNameBody(const ApiRequest& req, std::string* name, HttpError* err) {
  JsonDocument doc;
  if (!ParseBodyObject(req, &doc, err)) return false;
  auto n = Field(doc.root(), "name");
  if (!n) {
    *err = Missing("name");
    return false;
  }
  return ReadString(*n, "name", name, err);
}

bool ParseCreateCollection(const ApiRequest& req, CreateCollectionOptions* out, HttpError* err) {
  JsonDocument doc;
  if (!ParseBodyObject(req, &doc, err)) return false;
  JsonElement root = doc.root();
  auto name = Field(root, "name");
  if (!name) {
    *err = Missing("name");
    return false;
  }
  if (!ReadString(*name, "name", &out->name, err)) return false;
  if (auto m = Field(root, "metadata")) {
    Metadata md;
    if (!ReadMetadata(*m, "metadata", false, &md, err)) return false;
    out->metadata = std::move(md);
  }
  if (auto c = Field(root, "configuration")) {
    CollectionConfigurationUpdate cfg;
    if (!ReadConfiguration(*c, "configuration", false, &cfg, err)) return false;
    out->configuration = std::move(cfg);
  }
  if (auto g = Field(root, "get_or_create")) {
    if (!ReadBool(*g, "get_or_create", &out->get_or_create, err)) return false;
  }
  if (auto s = Field(root, "schema")) {
    // Validated by the engine (api/collection_schema.h); here only its JSON text is taken.
    if (!RequireObject(*s, "a schema object {\"defaults\": {...}, \"keys\": {...}}", err)) return false;
    out->schema_json = ToJsonText(*s);
  }
  out->embedding_function = nullptr;
  return true;
}

bool ParseUpdateCollection(const ApiRequest& req, CollectionUpdate* out, HttpError* err) {
  JsonDocument doc;
  if (!ParseBodyObject(req, &doc, err)) return false;
  JsonElement root = doc.root();
  if (auto n = Field(root, "new_name")) {
    std::string s;
    if (!ReadString(*n, "new_name", &s, err)) return false;
    out->new_name = std::move(s);
  }
  if (auto m = Field(root, "new_metadata")) {
    Metadata md;
    if (!ReadMetadata(*m, "new_metadata", false, &md, err)) return false;
    out->new_metadata = std::move(md);
  }
  if (auto c = Field(root, "new_configuration")) {
    CollectionConfigurationUpdate cfg;
    if (!ReadConfiguration(*c, "new_configuration", true, &cfg, err)) return false;
    out->new_configuration = std::move(cfg);
  }
  return true;
}

bool ParseRecordBatch(const ApiRequest& req, WriteKind kind, const ApiLimits& limits, RecordBatch* out,
                      HttpError* err) {
  JsonDocument doc;
  if (!ParseBodyObject(req, &doc, err)) return false;
  JsonElement root = doc.root();
  auto ids = Field(root, "ids");
  if (!ids) {
    *err = Missing("ids");
    return false;
  }
  // The batch cap is checked before the vectors are decoded.
  simdjson::dom::array id_array;
  if (ids->get_array().get(id_array) == simdjson::SUCCESS && !CheckBatch(id_array.size(), limits, err)) return false;
  if (!ReadStringList(*ids, "ids", &out->ids, err)) return false;
  bool update = kind == WriteKind::kUpdate;
  if (auto e = Field(root, "embeddings")) {
    FloatMatrix m;
    std::vector<bool> nulls;
    if (!ReadEmbeddings(*e, "embeddings", update ? &nulls : nullptr, &m, err)) return false;
    if (m.rows() > 0) {
      out->embeddings = std::move(m);
      if (std::find(nulls.begin(), nulls.end(), true) != nulls.end()) out->keep_embedding = std::move(nulls);
    } else if (nulls.empty()) {
      out->embeddings = std::move(m);  // an empty list: the engine's column-length check answers
    }
  } else if (!update) {
    *err = Missing("embeddings");
    return false;
  }
  if (auto d = Field(root, "documents")) {
    std::vector<std::optional<std::string>> v;
    if (!ReadOptionalStringList(*d, "documents", &v, err)) return false;
    out->documents = std::move(v);
  }
  if (auto u = Field(root, "uris")) {
    std::vector<std::optional<std::string>> v;
    if (!ReadOptionalStringList(*u, "uris", &v, err)) return false;
    out->uris = std::move(v);
  }
  if (auto m = Field(root, "metadatas")) {
    std::vector<std::optional<Metadata>> v;
    if (!ReadMetadataList(*m, "metadatas", kind != WriteKind::kAdd, &v, err)) return false;
    out->metadatas = std::move(v);
  }
  return true;
}

bool ParseGet(const ApiRequest& req, const ApiLimits& limits, GetOptions* out, HttpError* err) {
  JsonDocument doc;
  if (!ParseBodyObject(req, &doc, err)) return false;
  JsonElement root = doc.root();
  if (!ReadIds(root, &out->ids, err) || !ReadFilters(root, limits, &out->where, &out->where_document, err) ||
      !ReadOptionalCount(root, "limit", &out->limit, err) || !ReadOptionalCount(root, "offset", &out->offset, err)) {
    return false;
  }
  if (auto inc = Field(root, "include")) {
    if (!ReadInclude(*inc, "include", &out->include, err)) return false;
  }
  return true;
}

bool ParseQuery(const ApiRequest& req, const ApiLimits& limits, QueryOptions* out, HttpError* err) {
  JsonDocument doc;
  if (!ParseBodyObject(req, &doc, err)) return false;
  JsonElement root = doc.root();
  auto q = Field(root, "query_embeddings");
  if (!q) {
    *err = Missing("query_embeddings");
    return false;
  }
  FloatMatrix m;
  if (!ReadEmbeddings(*q, "query_embeddings", nullptr, &m, err)) return false;
  std::optional<int64_t> n;
  if (!ReadOptionalCount(root, "n_results", &n, err)) return false;
  if (n) out->n_results = *n;
  if (out->n_results > limits.max_n_results) {
    *err =
        HttpError::InvalidArgument("n_results of " + std::to_string(out->n_results) +
                                   " is greater than this server's limit of " + std::to_string(limits.max_n_results));
    return false;
  }
  if (static_cast<int64_t>(m.rows()) * out->n_results > limits.max_query_results) {
    *err = HttpError::InvalidArgument(
        "n_results x number of query embeddings is " + std::to_string(static_cast<int64_t>(m.rows()) * out->n_results) +
        ", greater than this server's limit of " + std::to_string(limits.max_query_results));
    return false;
  }
  out->query_embeddings = std::move(m);
  if (!ReadIds(root, &out->ids, err) || !ReadFilters(root, limits, &out->where, &out->where_document, err)) {
    return false;
  }
  if (auto inc = Field(root, "include")) {
    if (!ReadInclude(*inc, "include", &out->include, err)) return false;
  }
  return true;
}

bool ParseDelete(const ApiRequest& req, const ApiLimits& limits, DeleteOptions* out, bool* empty, HttpError* err) {
  JsonDocument doc;
  if (!ParseBodyObject(req, &doc, err)) return false;
  JsonElement root = doc.root();
  if (!ReadIds(root, &out->ids, err) || !ReadFilters(root, limits, &out->where, &out->where_document, err) ||
      !ReadOptionalCount(root, "limit", &out->limit, err)) {
    return false;
  }
  *empty = !out->ids && !out->where && !out->where_document && !out->limit;
  return true;
}

}  // namespace ochre::server
