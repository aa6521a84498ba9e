// Copyright 2026 The OchreDB Authors.
//
// Collection configuration: resolution at creation (explicit configuration, legacy "hnsw:*"
// metadata keys, the embedding function's default space, defaults: CHROMA_SPEC §4.1), validation,
// changes through modify, and the JSON stored in collections.config_json.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "ochre/embedding_function.h"
#include "ochre/result.h"
#include "ochre/types.h"

namespace ochre::api {

Result<CollectionConfiguration> ResolveConfiguration(const std::optional<CollectionConfigurationUpdate>& requested,
                                                     const std::optional<Metadata>& metadata,
                                                     const EmbeddingFunction* embedding_function);

// Applies a modify: only the modifiable fields; space and ef_construction are refused.
Result<CollectionConfiguration> ApplyConfigurationUpdate(const CollectionConfiguration& current,
                                                         const CollectionConfigurationUpdate& update);

// A collection metadata given to modify may repeat the collection's space but not name another.
Status ValidateModifiedMetadata(const Metadata& metadata, const CollectionConfiguration& current);

std::string ConfigurationToJson(const CollectionConfiguration& config);
Result<CollectionConfiguration> ConfigurationFromJson(std::string_view json);

Result<Space> ParseSpace(std::string_view name);

}  // namespace ochre::api
