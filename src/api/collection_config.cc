// Copyright 2026 The OchreDB Authors.
#include "api/collection_config.h"

#include <nlohmann/json.hpp>

#include "api/collection_schema.h"

namespace ochre::api {

namespace {

// Insertion-ordered: the stored schema keeps the order Chroma writes it in.
using json = nlohmann::ordered_json;

Status CheckRange(const char* name, double value, double lo, double hi) {
  if (value < lo || value > hi) {
    return Status::InvalidArgument(std::string("Invalid HNSW parameter ") + name + ": " + std::to_string(value) +
                                   " is outside [" + std::to_string(lo) + ", " + std::to_string(hi) + "]");
  }
  return Status::Ok();
}

Status ValidateHnsw(const HnswConfig& h) {
  OCHRE_RETURN_IF_ERROR(CheckRange("ef_construction", h.ef_construction, 1, 10000));
  OCHRE_RETURN_IF_ERROR(CheckRange("ef_search", h.ef_search, 1, 10000));
  OCHRE_RETURN_IF_ERROR(CheckRange("max_neighbors", h.max_neighbors, 2, 256));
  OCHRE_RETURN_IF_ERROR(CheckRange("num_threads", h.num_threads, 0, 1024));
  OCHRE_RETURN_IF_ERROR(CheckRange("batch_size", h.batch_size, 2, 1 << 30));
  OCHRE_RETURN_IF_ERROR(CheckRange("sync_threshold", h.sync_threshold, 2, 1 << 30));
  if (!(h.resize_factor > 0 && h.resize_factor <= 100)) {
    return Status::InvalidArgument("Invalid HNSW parameter resize_factor: must be in (0, 100]");
  }
  return Status::Ok();
}

void Apply(const HnswConfigUpdate& u, HnswConfig* h) {
  if (u.space) h->space = *u.space;
  if (u.ef_construction) h->ef_construction = *u.ef_construction;
  if (u.ef_search) {
    h->ef_search = *u.ef_search;
    h->ef_search_explicit = true;
  }
  if (u.max_neighbors) h->max_neighbors = *u.max_neighbors;
  if (u.num_threads) h->num_threads = *u.num_threads;
  if (u.batch_size) h->batch_size = *u.batch_size;
  if (u.sync_threshold) h->sync_threshold = *u.sync_threshold;
  if (u.resize_factor) h->resize_factor = *u.resize_factor;
}

Result<int> IntFromMetadata(const std::string& key, const MetadataValue& v) {
  if (const auto* i = std::get_if<int64_t>(&v)) {
    if (*i < 0 || *i > (1 << 30)) return Status::InvalidArgument("Invalid value for " + key + ": out of range");
    return int(*i);
  }
  return Status::InvalidArgument("Invalid value for " + key + ": expected an int");
}

// Legacy "hnsw:*" collection metadata keys (CHROMA_SPEC §4.1).
Status ApplyLegacyMetadata(const Metadata& metadata, HnswConfigUpdate* u) {
  for (const auto& [key, value] : metadata) {
    if (key.rfind("hnsw:", 0) != 0) continue;
    if (key == "hnsw:space") {
      const auto* s = std::get_if<std::string>(&value);
      if (!s) return Status::InvalidArgument("Invalid value for hnsw:space: expected a string");
      OCHRE_ASSIGN_OR_RETURN(u->space, ParseSpace(*s));
    } else if (key == "hnsw:construction_ef") {
      OCHRE_ASSIGN_OR_RETURN(u->ef_construction, IntFromMetadata(key, value));
    } else if (key == "hnsw:search_ef") {
      OCHRE_ASSIGN_OR_RETURN(u->ef_search, IntFromMetadata(key, value));
    } else if (key == "hnsw:M") {
      OCHRE_ASSIGN_OR_RETURN(u->max_neighbors, IntFromMetadata(key, value));
    } else if (key == "hnsw:num_threads") {
      OCHRE_ASSIGN_OR_RETURN(u->num_threads, IntFromMetadata(key, value));
    } else if (key == "hnsw:batch_size") {
      OCHRE_ASSIGN_OR_RETURN(u->batch_size, IntFromMetadata(key, value));
    } else if (key == "hnsw:sync_threshold") {
      OCHRE_ASSIGN_OR_RETURN(u->sync_threshold, IntFromMetadata(key, value));
    } else if (key == "hnsw:resize_factor") {
      if (const auto* d = std::get_if<double>(&value)) {
        u->resize_factor = *d;
      } else if (const auto* i = std::get_if<int64_t>(&value)) {
        u->resize_factor = double(*i);
      } else {
        return Status::InvalidArgument("Invalid value for hnsw:resize_factor: expected a number");
      }
    } else {
      return Status::InvalidArgument("Unknown HNSW parameter in metadata: " + key);
    }
  }
  return Status::Ok();
}

}  // namespace

Result<Space> ParseSpace(std::string_view name) {
  if (name == "l2") return Space::kL2;
  if (name == "cosine") return Space::kCosine;
  if (name == "ip") return Space::kIp;
  return Status::InvalidArgument("Invalid space: '" + std::string(name) + "'; expected one of l2, cosine, ip");
}

Result<CollectionConfiguration> ResolveConfiguration(const std::optional<CollectionConfigurationUpdate>& requested,
                                                     const std::optional<Metadata>& metadata,
                                                     const EmbeddingFunction* embedding_function) {
  CollectionConfiguration config;
  HnswConfigUpdate legacy;
  if (metadata) OCHRE_RETURN_IF_ERROR(ApplyLegacyMetadata(*metadata, &legacy));
  bool space_set = legacy.space.has_value();
  Apply(legacy, &config.hnsw);
  if (requested && requested->hnsw) {
    Apply(*requested->hnsw, &config.hnsw);
    space_set = space_set || requested->hnsw->space.has_value();
  }
  if (!space_set && embedding_function) {
    if (auto s = embedding_function->DefaultSpace()) config.hnsw.space = *s;
  }
  OCHRE_RETURN_IF_ERROR(ValidateHnsw(config.hnsw));
  if (requested && requested->embedding_function) {
    config.embedding_function = requested->embedding_function;
  } else if (embedding_function) {
    config.embedding_function = embedding_function->Descriptor();
  }
  return config;
}

Result<CollectionConfiguration> ApplyConfigurationUpdate(const CollectionConfiguration& current,
                                                         const CollectionConfigurationUpdate& update) {
  CollectionConfiguration next = current;
  if (update.hnsw) {
    const auto& u = *update.hnsw;
    if (u.space && *u.space != current.hnsw.space) {
      return Status::InvalidArgument(
          "Changing the distance function of a collection once it is created is not supported currently.");
    }
    if (u.ef_construction && *u.ef_construction != current.hnsw.ef_construction) {
      return Status::InvalidArgument("ef_construction cannot be changed after the collection is created");
    }
    Apply(u, &next.hnsw);
    OCHRE_RETURN_IF_ERROR(ValidateHnsw(next.hnsw));
  }
  if (update.embedding_function) next.embedding_function = update.embedding_function;
  return next;
}

Status ValidateModifiedMetadata(const Metadata& metadata, const CollectionConfiguration& current) {
  // Repeating the collection's own space is accepted (Chroma's server stores the metadata as given);
  // naming another one is refused, as Chroma's Python client does, rather than silently ignored.
  auto it = metadata.find("hnsw:space");
  if (it == metadata.end()) return Status::Ok();
  const std::string* name = std::get_if<std::string>(&it->second);
  if (name && *name == SpaceName(current.hnsw.space)) return Status::Ok();
  return Status::InvalidArgument(
      "Changing the distance function of a collection once it is created is not supported currently.");
}

std::string ConfigurationToJson(const CollectionConfiguration& c) {
  json j;
  j["hnsw"] = {{"space", SpaceName(c.hnsw.space)},        {"ef_construction", c.hnsw.ef_construction},
               {"ef_search", c.hnsw.ef_search},           {"max_neighbors", c.hnsw.max_neighbors},
               {"num_threads", c.hnsw.num_threads},       {"batch_size", c.hnsw.batch_size},
               {"sync_threshold", c.hnsw.sync_threshold}, {"resize_factor", c.hnsw.resize_factor}};
  if (c.embedding_function) {
    json ef = {{"type", c.embedding_function->type}};
    if (c.embedding_function->type == "known") {
      ef["name"] = c.embedding_function->name;
      json config = json::parse(c.embedding_function->config_json, nullptr, false);
      ef["config"] = config.is_discarded() ? json::object() : config;
    }
    j["embedding_function"] = ef;
  } else {
    j["embedding_function"] = nullptr;
  }
  if (!c.schema_json.empty()) {
    json schema = json::parse(c.schema_json, nullptr, false);
    if (!schema.is_discarded()) j["schema"] = schema;
  }
  // Ours, outside Chroma's "hnsw" object: whether ef_search was set (HnswConfig::ef_search_explicit).
  j["ef_search_explicit"] = c.hnsw.ef_search_explicit;
  return j.dump();
}

Result<CollectionConfiguration> ConfigurationFromJson(std::string_view text) {
  json j = json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return Status::Corruption("stored collection configuration is not JSON");
  CollectionConfiguration c;
  try {
    if (j.contains("hnsw") && j["hnsw"].is_object()) {
      const json& h = j["hnsw"];
      OCHRE_ASSIGN_OR_RETURN(c.hnsw.space, ParseSpace(h.value("space", "l2")));
      c.hnsw.ef_construction = h.value("ef_construction", c.hnsw.ef_construction);
      c.hnsw.ef_search = h.value("ef_search", c.hnsw.ef_search);
      c.hnsw.max_neighbors = h.value("max_neighbors", c.hnsw.max_neighbors);
      c.hnsw.num_threads = h.value("num_threads", c.hnsw.num_threads);
      c.hnsw.batch_size = h.value("batch_size", c.hnsw.batch_size);
      c.hnsw.sync_threshold = h.value("sync_threshold", c.hnsw.sync_threshold);
      c.hnsw.resize_factor = h.value("resize_factor", c.hnsw.resize_factor);
    }
    // Configurations stored before the flag: a value other than the default was set; a stored
    // default is taken as the default (it gets the adaptive beam).
    c.hnsw.ef_search_explicit = j.contains("ef_search_explicit") && j["ef_search_explicit"].is_boolean()
                                    ? j["ef_search_explicit"].get<bool>()
                                    : c.hnsw.ef_search != HnswConfig::kDefaultEfSearch;
    if (j.contains("embedding_function") && j["embedding_function"].is_object()) {
      const json& ef = j["embedding_function"];
      EmbeddingFunctionDescriptor d;
      d.type = ef.value("type", "known");
      d.name = ef.value("name", "");
      d.config_json = ef.contains("config") ? ef["config"].dump() : "{}";
      c.embedding_function = d;
    }
    if (j.contains("schema") && j["schema"].is_object()) c.schema_json = j["schema"].dump();
  } catch (const json::exception& e) {
    return Status::Corruption(std::string("stored collection configuration: ") + e.what());
  }
  // Collections created before schemas were stored get the default one.
  if (c.schema_json.empty()) c.schema_json = DefaultSchemaJson(c);
  return c;
}

}  // namespace ochre::api
