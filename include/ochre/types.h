// Copyright 2026 The OchreDB Authors.
//
// Value types of the public API: metadata, embeddings, record batches, includes, results and
// collection configuration. Plain data: copyable, no behaviour beyond small helpers.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "ochre/result.h"
#include "ochre/sparse_vector.h"

namespace ochre {

// A metadata value as Chroma has them: bool, int64, double, string, a homogeneous non-empty array
// of one of those, or a sparse vector (Chroma 1.x; last, so that the other alternatives keep their
// indices). std::monostate is null: allowed only in update/upsert, where it deletes the key.
using MetadataValue = std::variant<std::monostate, bool, int64_t, double, std::string, std::vector<bool>,
                                   std::vector<int64_t>, std::vector<double>, std::vector<std::string>, SparseVector>;
// Keys in byte order, so that output is deterministic.
using Metadata = std::map<std::string, MetadataValue>;

// A row-major matrix of float32 embeddings: rows() vectors of dim() floats each.
class FloatMatrix {
 public:
  FloatMatrix() = default;
  // REQUIRES: dim > 0 and data.size() a multiple of dim.
  FloatMatrix(size_t dim, std::vector<float> data) : dim_(dim), data_(std::move(data)) {}
  // Copies the rows. Fails with InvalidArgument when a row is empty ("Each embedding must have at
  // least 1 dimension") or the rows differ in length ("Inconsistent dimensions in provided embeddings").
  static Result<FloatMatrix> FromRows(const std::vector<std::vector<float>>& rows);

  size_t dim() const { return dim_; }
  size_t rows() const { return dim_ == 0 ? 0 : data_.size() / dim_; }
  bool empty() const { return rows() == 0; }
  const float* row(size_t i) const { return data_.data() + i * dim_; }
  float* mutable_row(size_t i) { return data_.data() + i * dim_; }
  const std::vector<float>& data() const { return data_; }
  std::vector<float>& mutable_data() { return data_; }
  std::vector<float> RowVector(size_t i) const { return std::vector<float>(row(i), row(i) + dim_); }
  std::vector<std::vector<float>> ToRows() const;

 private:
  size_t dim_ = 0;
  std::vector<float> data_;
};

// Which columns a get or query fills. Chroma's names: "documents", "embeddings", "metadatas",
// "distances", "uris".
struct Include {
  bool documents = false;
  bool embeddings = false;
  bool metadatas = false;
  bool distances = false;
  bool uris = false;

  static Include GetDefault() { return Include{true, false, true, false, false}; }   // documents, metadatas
  static Include QueryDefault() { return Include{true, false, true, true, false}; }  // + distances
  static Include All() { return Include{true, true, true, true, true}; }
  // The names in Chroma's order, as echoed in results ("included").
  std::vector<std::string> Names() const;
};

// The records of an add, upsert or update. Every present column has ids.size() entries.
struct RecordBatch {
  std::vector<std::string> ids;
  std::optional<FloatMatrix> embeddings;
  // Update only, with `embeddings`: true for the records whose embedding is left as it is (Chroma's
  // `null` entries in an update's embeddings); their rows of `embeddings` are ignored. Empty: none.
  std::vector<bool> keep_embedding;
  std::optional<std::vector<std::optional<std::string>>> documents;
  std::optional<std::vector<std::optional<Metadata>>> metadatas;
  std::optional<std::vector<std::optional<std::string>>> uris;
};

struct GetResult {
  std::vector<std::string> ids;
  std::optional<FloatMatrix> embeddings;  // rows in ids order
  std::optional<std::vector<std::optional<std::string>>> documents;
  std::optional<std::vector<std::optional<Metadata>>> metadatas;  // nullopt entry: no metadata
  std::optional<std::vector<std::optional<std::string>>> uris;
  Include included;
};

// One entry per query vector in every outer list.
struct QueryResult {
  std::vector<std::vector<std::string>> ids;
  std::optional<std::vector<FloatMatrix>> embeddings;
  std::optional<std::vector<std::vector<std::optional<std::string>>>> documents;
  std::optional<std::vector<std::vector<std::optional<Metadata>>>> metadatas;
  std::optional<std::vector<std::vector<std::optional<std::string>>>> uris;
  std::optional<std::vector<std::vector<float>>> distances;
  Include included;
};

enum class Space : uint8_t { kL2 = 0, kCosine = 1, kIp = 2 };
const char* SpaceName(Space space);

// HNSW parameters as Chroma's collection configuration (CHROMA_SPEC §4.1).
struct HnswConfig {
  Space space = Space::kL2;
  int ef_construction = 100;
  int ef_search = 100;  // kDefaultEfSearch
  int max_neighbors = 16;
  int num_threads = 0;  // 0: the number of cores
  int batch_size = 100;
  int sync_threshold = 1000;
  double resize_factor = 1.2;
  // True when ef_search was given (a configuration, the hnsw:search_ef metadata key, a modify):
  // searches use it as their beam width even when it equals the default. False: ef_search is
  // Chroma's default and, while it is 100, the engine widens the beam with the collection's size
  // (index/hnsw/adaptive_ef.h). Chroma's configuration JSON shows ef_search either way.
  bool ef_search_explicit = false;

  static constexpr int kDefaultEfSearch = 100;
  // Whether searches use ef_search as given: it was set, or it is not the default (a configuration
  // filled in without the flag). Otherwise the index's adaptive default beam applies.
  bool ef_search_fixed() const { return ef_search_explicit || ef_search != kDefaultEfSearch; }
};

// The embedding function a collection records, as Chroma's configuration_json.embedding_function:
// {"type":"known","name":...,"config":{...}}, {"type":"legacy"}, {"type":"unknown"} or null (absent).
struct EmbeddingFunctionDescriptor {
  std::string type = "known";
  std::string name;
  std::string config_json = "{}";  // a JSON object, opaque to the engine
};

struct CollectionConfiguration {
  HnswConfig hnsw;
  std::optional<EmbeddingFunctionDescriptor> embedding_function;
  // Chroma's Schema of the collection as a JSON object ({"defaults": {...}, "keys": {...}}): the
  // indexes of each value type and key, metadata keys added as they are written. Empty only in a
  // configuration that was never stored.
  std::string schema_json;
};

// What a caller may pass when creating a collection. Unset HNSW fields take the defaults (or the
// legacy "hnsw:*" keys of the metadata, as Chroma resolves them).
struct HnswConfigUpdate {
  std::optional<Space> space;
  std::optional<int> ef_construction;
  std::optional<int> ef_search;
  std::optional<int> max_neighbors;
  std::optional<int> num_threads;
  std::optional<int> batch_size;
  std::optional<int> sync_threshold;
  std::optional<double> resize_factor;
};

struct CollectionConfigurationUpdate {
  std::optional<HnswConfigUpdate> hnsw;
  std::optional<EmbeddingFunctionDescriptor> embedding_function;
};

// A collection's description, as list_collections and get_collection return it.
struct CollectionInfo {
  std::string id;  // UUID
  std::string name;
  std::optional<Metadata> metadata;
  CollectionConfiguration configuration;
  std::optional<int64_t> dimension;
  std::string tenant;
  std::string database;
};

struct DatabaseInfo {
  std::string id;
  std::string name;
  std::string tenant;
};

// Where a client call applies: a tenant and a database.
struct Scope {
  std::string tenant = "default_tenant";
  std::string database = "default_database";
};

inline constexpr const char* kDefaultTenant = "default_tenant";
inline constexpr const char* kDefaultDatabase = "default_database";

}  // namespace ochre
