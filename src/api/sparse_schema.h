// Copyright 2026 The OchreDB Authors.
//
// What a collection's schema (Chroma's Schema JSON, api/collection_schema.h) says about sparse
// vector keys: whether BM25 weighting applies at query time, and the source key and embedding
// function that fill the key from documents.
#pragma once

#include <optional>
#include <string>

namespace ochre::api {

struct SparseKeySchema {
  // Chroma (rust/worker/src/execution/orchestration/sparse_knn.rs): the key's sparse_vector_index
  // config.bm25 when set, else the defaults' sparse_vector_index config.bm25, else false.
  bool bm25 = false;
  bool declared = false;                          // the schema lists the key with the sparse_vector value type
  std::optional<std::string> source_key;          // e.g. "#document"
  std::optional<std::string> embedding_function;  // the index's embedding_function JSON, when "known"
};

SparseKeySchema SparseKeyOf(const std::string& schema_json, const std::string& key);

// True when the schema lists `key` with the sparse_vector value type and no other (a where clause
// cannot compare it with anything).
bool IsSparseVectorKey(const std::string& schema_json, const std::string& key);

// The key whose sparse_vector_index is enabled with a source key and a known embedding function
// (Chroma allows one), if any.
std::optional<std::string> SparseEmbeddingKey(const std::string& schema_json);

}  // namespace ochre::api
