// Copyright 2026 The OchreDB Authors.
//
// A collection's Schema, as Chroma 1.4 has it (rust/types/src/collection_schema.rs): per value type
// ("string", "float_list", "sparse_vector", "int", "float", "bool") the indexes it gets by default
// ("defaults"), and per key ("#document", "#embedding", metadata keys) the indexes that key has
// ("keys"). Each index is {"enabled": bool, "config": {...}}; the vector index's config carries the
// collection's space, embedding function and HNSW parameters.
//
// We keep it as JSON inside the stored configuration (collections.config_json, key "schema"), so
// no catalog migration is needed. What it decides here: the configuration a schema given at
// creation implies (space, HNSW parameters, embedding function), the vector-index configs filled in
// from the resolved configuration (as Chroma's reconcile does), and metadata keys added as they are
// written. The engine's indexes do not depend on it: every metadata key is filterable whatever the
// schema says (an "enabled": false index is recorded, not enforced), and full-text search covers
// documents only.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "ochre/result.h"
#include "ochre/types.h"

namespace ochre::api {

// The configuration request of a new collection with what its schema (JSON a client sent; nullopt:
// none) sets merged in: space and HNSW parameters when the request has no hnsw part, the embedding
// function when it has none. InvalidArgument when the schema is malformed (not {defaults, keys},
// unknown value types or index names, a full-text index on a key other than #document, a vector
// index on a key other than #embedding, a sparse index with a source key and no embedding function,
// a bad space or HNSW parameter) or when both it and the configuration set the vector index
// ("Cannot set both collection config and schema simultaneously").
Result<std::optional<CollectionConfigurationUpdate>> MergeSchemaIntoConfiguration(
    const std::optional<std::string>& schema, const std::optional<CollectionConfigurationUpdate>& requested);

// Sets config->schema_json: the requested schema (validated by MergeSchemaIntoConfiguration
// already) over the defaults, with its vector index configs filled in from `*config`.
Status AttachSchema(const std::optional<std::string>& schema, CollectionConfiguration* config);

// Fills the vector index configs of config->schema_json (the default schema when empty) from the
// configuration again: after a modify.
Status RefreshSchemaVectorIndex(CollectionConfiguration* config);

// The default schema of a configuration that has none stored (collections created before schemas).
std::string DefaultSchemaJson(const CollectionConfiguration& config);

// The stored configuration `config_json` with the metadata keys of `metadatas` that its schema does
// not list yet (key and value type) added, each with the defaults of its value type; nullopt when
// every key is known already (the common case, answered from a cache without parsing the schema).
Result<std::optional<std::string>> ExtendSchemaWithKeys(const std::string& config_json,
                                                        const std::vector<const Metadata*>& metadatas);

}  // namespace ochre::api
