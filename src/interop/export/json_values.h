// Copyright 2026 The OchreDB Authors.
//
// Metadata and collection configuration as JSON, in the shapes of Chroma's HTTP API
// (configuration_json: {"hnsw": {...}, "embedding_function": {...}}). Shared by the export format
// and `ochre copy`'s Chroma HTTP client.
#pragma once

#include <nlohmann/json.hpp>

#include "ochre/result.h"
#include "ochre/types.h"

namespace ochre::interop {

nlohmann::json MetaToJson(const Metadata& m);
// InvalidArgument for a value of no metadata type (an object, an empty or mixed array).
Result<Metadata> MetaFromJson(const nlohmann::json& j);

nlohmann::json ConfigToJson(const CollectionConfiguration& c);
// Missing fields take the defaults; InvalidArgument for an unknown space.
Result<CollectionConfiguration> ConfigFromJson(const nlohmann::json& cfg);

}  // namespace ochre::interop
