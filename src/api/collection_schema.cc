// Copyright 2026 The OchreDB Authors.
#include "api/collection_schema.h"

#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>
#include <unordered_map>
#include <unordered_set>

#include "api/collection_config.h"
#include "api/collection_impl.h"

namespace ochre::api {

namespace {

// Insertion-ordered, so that the schema comes back in the order Chroma writes it.
using ojson = nlohmann::ordered_json;

constexpr const char* kDocumentKey = "#document";
constexpr const char* kEmbeddingKey = "#embedding";

// The value types and the indexes each may have.
const std::vector<std::pair<std::string, std::vector<std::string>>>& ValueTypes() {
  static const auto* types = new std::vector<std::pair<std::string, std::vector<std::string>>>{
      {"string", {"fts_index", "string_inverted_index"}},
      {"float_list", {"vector_index"}},
      {"sparse_vector", {"sparse_vector_index"}},
      {"int", {"int_inverted_index"}},
      {"float", {"float_inverted_index"}},
      {"bool", {"bool_inverted_index"}},
  };
  return *types;
}

const std::vector<std::string>* IndexesOf(const std::string& value_type) {
  for (const auto& [name, indexes] : ValueTypes()) {
    if (name == value_type) return &indexes;
  }
  return nullptr;
}

ojson Index(bool enabled, ojson config = ojson::object()) { return ojson{{"enabled", enabled}, {"config", config}}; }

ojson EmbeddingFunctionJson(const EmbeddingFunctionDescriptor& d) {
  ojson ef = {{"type", d.type}};
  if (d.type == "known") {
    ef["name"] = d.name;
    ojson config = ojson::parse(d.config_json, nullptr, false);
    ef["config"] = config.is_discarded() ? ojson::object() : config;
  }
  return ef;
}

int ReportedThreads(int num_threads) {
  if (num_threads > 0) return num_threads;
  unsigned n = std::thread::hardware_concurrency();
  return n == 0 ? 1 : int(n);
}

// The vector index config Chroma reports: space, embedding function (absent when none), source key
// (the #embedding key's only) and every HNSW parameter.
ojson VectorIndexConfig(const CollectionConfiguration& c, const ojson* previous, bool embedding_key) {
  ojson out = ojson::object();
  out["space"] = SpaceName(c.hnsw.space);
  if (c.embedding_function) out["embedding_function"] = EmbeddingFunctionJson(*c.embedding_function);
  if (embedding_key) {
    std::string source = kDocumentKey;
    if (previous && previous->contains("source_key") && (*previous)["source_key"].is_string()) {
      source = (*previous)["source_key"].get<std::string>();
    }
    out["source_key"] = source;
  }
  const HnswConfig& h = c.hnsw;
  out["hnsw"] = {{"ef_construction", h.ef_construction},
                 {"max_neighbors", h.max_neighbors},
                 {"ef_search", h.ef_search},
                 {"num_threads", ReportedThreads(h.num_threads)},
                 {"batch_size", h.batch_size},
                 {"sync_threshold", h.sync_threshold},
                 {"resize_factor", h.resize_factor}};
  return out;
}

// The defaults of one value type, as Chroma's default schema has them.
ojson DefaultValueType(const std::string& type) {
  if (type == "string") return {{"fts_index", Index(false)}, {"string_inverted_index", Index(true)}};
  if (type == "float_list") return {{"vector_index", Index(false)}};
  if (type == "sparse_vector") {
    return {{"sparse_vector_index", Index(false, {{"embedding_function", {{"type", "unknown"}}}, {"bm25", false}})}};
  }
  return {{type + "_inverted_index", Index(true)}};
}

ojson DefaultSchema() {
  ojson defaults = ojson::object();
  for (const auto& [type, indexes] : ValueTypes()) defaults[type] = DefaultValueType(type);
  ojson keys = ojson::object();
  keys[kEmbeddingKey] = {{"float_list", {{"vector_index", Index(true)}}}};
  keys[kDocumentKey] = {{"string", {{"fts_index", Index(true)}, {"string_inverted_index", Index(false)}}}};
  return {{"defaults", defaults}, {"keys", keys}};
}

// Writes the configuration's vector settings into the schema's two vector index configs.
void FillVectorIndex(const CollectionConfiguration& c, ojson* schema) {
  ojson& d = (*schema)["defaults"]["float_list"]["vector_index"];
  if (!d.contains("enabled")) d["enabled"] = false;
  d["config"] = VectorIndexConfig(c, nullptr, false);
  ojson& e = (*schema)["keys"][kEmbeddingKey]["float_list"]["vector_index"];
  if (!e.contains("enabled")) e["enabled"] = true;
  ojson previous = e.contains("config") ? e["config"] : ojson::object();
  e["config"] = VectorIndexConfig(c, &previous, true);
}

Status Invalid(const std::string& what) { return Status::InvalidArgument("Validation error: schema: " + what); }

Status ValidateIndexEntry(const ojson& entry, const std::string& where) {
  if (!entry.is_object()) return Invalid(where + " must be an object {\"enabled\": bool, \"config\": {...}}");
  if (!entry.contains("enabled") || !entry["enabled"].is_boolean()) {
    return Invalid(where + ".enabled must be a boolean");
  }
  if (entry.contains("config") && !entry["config"].is_object() && !entry["config"].is_null()) {
    return Invalid(where + ".config must be an object");
  }
  for (const auto& [k, v] : entry.items()) {
    if (k != "enabled" && k != "config") return Invalid("unknown field '" + k + "' in " + where);
  }
  return Status::Ok();
}

bool Enabled(const ojson& value_types, const char* type, const char* index) {
  if (!value_types.contains(type) || !value_types[type].is_object()) return false;
  const ojson& t = value_types[type];
  return t.contains(index) && t[index].is_object() && t[index].value("enabled", false);
}

const ojson* IndexConfig(const ojson& value_types, const char* type, const char* index) {
  if (!value_types.contains(type) || !value_types[type].is_object()) return nullptr;
  const ojson& t = value_types[type];
  if (!t.contains(index) || !t[index].is_object() || !t[index].contains("config")) return nullptr;
  const ojson& c = t[index]["config"];
  return c.is_object() ? &c : nullptr;
}

// Checks one value-type map ({"string": {...}, "int": {...}}) of `key` ("" for the defaults).
Status ValidateValueTypes(const ojson& value_types, const std::string& key) {
  const std::string where = key.empty() ? "defaults" : "keys." + key;
  if (!value_types.is_object()) return Invalid(where + " must be an object of value types");
  for (const auto& [type, indexes] : value_types.items()) {
    const std::vector<std::string>* known = IndexesOf(type);
    if (!known) {
      return Invalid("unknown value type '" + type + "' in " + where +
                     "; expected string, float_list, sparse_vector, int, float or bool");
    }
    if (indexes.is_null()) continue;
    if (!indexes.is_object()) return Invalid(where + "." + type + " must be an object of indexes");
    for (const auto& [name, entry] : indexes.items()) {
      if (std::find(known->begin(), known->end(), name) == known->end()) {
        return Invalid("unknown index '" + name + "' for value type " + type + " in " + where);
      }
      if (entry.is_null()) continue;
      OCHRE_RETURN_IF_ERROR(ValidateIndexEntry(entry, where + "." + type + "." + name));
    }
  }
  if (key != kDocumentKey && Enabled(value_types, "string", "fts_index")) {
    return Invalid("Full text search / regular expression index can only be enabled on #document field: " +
                   (key.empty() ? std::string("defaults") : key));
  }
  if (!key.empty() && key != kEmbeddingKey && Enabled(value_types, "float_list", "vector_index")) {
    return Invalid("Vector index can only be enabled on #embedding field: " + key);
  }
  if (const ojson* sparse = IndexConfig(value_types, "sparse_vector", "sparse_vector_index")) {
    if (sparse->contains("source_key") && !(*sparse)["source_key"].is_null()) {
      const bool has_ef = sparse->contains("embedding_function") && (*sparse)["embedding_function"].is_object() &&
                          (*sparse)["embedding_function"].value("type", "") == "known";
      if (!has_ef) {
        return Invalid(
            "If source_key is provided then embedding_function must also be provided since there is no default "
            "embedding function.");
      }
    }
  }
  return Status::Ok();
}

Result<ojson> ParseSchema(const std::string& text) {
  ojson s = ojson::parse(text, nullptr, false);
  if (s.is_discarded() || !s.is_object()) return Invalid("must be an object {\"defaults\": {...}, \"keys\": {...}}");
  if (!s.contains("defaults") || !s["defaults"].is_object()) return Invalid("missing field `defaults` (an object)");
  if (!s.contains("keys") || !s["keys"].is_object()) return Invalid("missing field `keys` (an object)");
  for (const auto& [k, v] : s.items()) {
    if (k != "defaults" && k != "keys" && k != "cmek") return Invalid("unknown field '" + k + "'");
  }
  OCHRE_RETURN_IF_ERROR(ValidateValueTypes(s["defaults"], ""));
  int sparse_keys = 0;
  for (const auto& [key, value_types] : s["keys"].items()) {
    if (key.empty()) return Invalid("a key must not be empty");
    OCHRE_RETURN_IF_ERROR(ValidateValueTypes(value_types, key));
    if (Enabled(value_types, "sparse_vector", "sparse_vector_index")) ++sparse_keys;
  }
  if (sparse_keys > 1) return Invalid("only one key may have a sparse vector index enabled");
  return s;
}

// The vector settings of a schema: the #embedding key's vector index config, else the defaults'.
const ojson* SchemaVectorConfig(const ojson& s) {
  if (s["keys"].contains(kEmbeddingKey)) {
    if (const ojson* c = IndexConfig(s["keys"][kEmbeddingKey], "float_list", "vector_index")) return c;
  }
  return IndexConfig(s["defaults"], "float_list", "vector_index");
}

Result<std::optional<EmbeddingFunctionDescriptor>> SchemaEmbeddingFunction(const ojson& vc) {
  if (!vc.contains("embedding_function") || vc["embedding_function"].is_null())
    return std::optional<EmbeddingFunctionDescriptor>();
  const ojson& ef = vc["embedding_function"];
  if (!ef.is_object() || !ef.contains("type") || !ef["type"].is_string()) {
    return Invalid("embedding_function must be an object with a type (known, legacy or unknown)");
  }
  EmbeddingFunctionDescriptor d;
  d.type = ef["type"].get<std::string>();
  if (d.type == "known") {
    if (!ef.contains("name") || !ef["name"].is_string()) return Invalid("a known embedding_function needs a name");
    d.name = ef["name"].get<std::string>();
    d.config_json = ef.contains("config") && ef["config"].is_object() ? ef["config"].dump() : "{}";
  } else if (d.type != "legacy" && d.type != "unknown") {
    return Invalid("embedding_function.type must be known, legacy or unknown, not '" + d.type + "'");
  }
  return std::optional<EmbeddingFunctionDescriptor>(d);
}

Result<std::optional<HnswConfigUpdate>> SchemaHnsw(const ojson& vc) {
  HnswConfigUpdate u;
  bool any = false;
  if (vc.contains("space") && !vc["space"].is_null()) {
    if (!vc["space"].is_string()) return Invalid("space must be a string");
    OCHRE_ASSIGN_OR_RETURN(u.space, ParseSpace(vc["space"].get<std::string>()));
    any = true;
  }
  if (vc.contains("hnsw") && vc["hnsw"].is_object()) {
    for (const auto& [k, v] : vc["hnsw"].items()) {
      if (v.is_null()) continue;
      if (k == "resize_factor") {
        if (!v.is_number()) return Invalid("hnsw.resize_factor must be a number");
        u.resize_factor = v.get<double>();
        any = true;
        continue;
      }
      if (!v.is_number_integer()) return Invalid("hnsw." + k + " must be an integer");
      const int64_t n = v.get<int64_t>();
      if (n < 0 || n > (int64_t(1) << 30)) return Invalid("hnsw." + k + " is out of range");
      std::optional<int>* field = k == "ef_construction"  ? &u.ef_construction
                                  : k == "ef_search"      ? &u.ef_search
                                  : k == "max_neighbors"  ? &u.max_neighbors
                                  : k == "num_threads"    ? &u.num_threads
                                  : k == "batch_size"     ? &u.batch_size
                                  : k == "sync_threshold" ? &u.sync_threshold
                                                          : nullptr;
      if (!field) return Invalid("unknown HNSW parameter hnsw." + k);
      *field = int(n);
      any = true;
    }
  }
  if (!any) return std::optional<HnswConfigUpdate>();
  return std::optional<HnswConfigUpdate>(u);
}

bool SameDescriptor(const EmbeddingFunctionDescriptor& a, const EmbeddingFunctionDescriptor& b) {
  if (a.type != b.type || a.name != b.name) return false;
  return ojson::parse(a.config_json, nullptr, false) == ojson::parse(b.config_json, nullptr, false);
}

const char* ValueTypeOf(const MetadataValue& v) {
  struct Visitor {
    const char* operator()(std::monostate) const { return nullptr; }
    const char* operator()(bool) const { return "bool"; }
    const char* operator()(int64_t) const { return "int"; }
    const char* operator()(double) const { return "float"; }
    const char* operator()(const std::string&) const { return "string"; }
    const char* operator()(const std::vector<bool>&) const { return "bool"; }
    const char* operator()(const std::vector<int64_t>&) const { return "int"; }
    const char* operator()(const std::vector<double>&) const { return "float"; }
    const char* operator()(const std::vector<std::string>&) const { return "string"; }
    const char* operator()(const SparseVector&) const { return "sparse_vector"; }
  };
  return std::visit(Visitor{}, v);
}

std::string KeyType(const std::string& key, const char* type) { return key + '\0' + type; }

// The (key, value type) pairs a schema lists, by schema text; bounded like CachedConfiguration.
std::shared_ptr<const std::unordered_set<std::string>> KnownKeys(const std::string& schema_json) {
  constexpr size_t kMaxEntries = 256;
  static std::mutex* mu = new std::mutex;
  static auto* cache = new std::unordered_map<std::string, std::shared_ptr<const std::unordered_set<std::string>>>;
  {
    std::lock_guard<std::mutex> lock(*mu);
    auto it = cache->find(schema_json);
    if (it != cache->end()) return it->second;
  }
  auto known = std::make_shared<std::unordered_set<std::string>>();
  ojson s = ojson::parse(schema_json, nullptr, false);
  if (!s.is_discarded() && s.contains("keys") && s["keys"].is_object()) {
    for (const auto& [key, types] : s["keys"].items()) {
      if (!types.is_object()) continue;
      for (const auto& [type, unused] : types.items()) known->insert(KeyType(key, type.c_str()));
    }
  }
  std::lock_guard<std::mutex> lock(*mu);
  if (cache->size() >= kMaxEntries) cache->clear();
  cache->emplace(schema_json, known);
  return known;
}

}  // namespace

Result<std::optional<CollectionConfigurationUpdate>> MergeSchemaIntoConfiguration(
    const std::optional<std::string>& schema, const std::optional<CollectionConfigurationUpdate>& requested) {
  if (!schema) return requested;
  OCHRE_ASSIGN_OR_RETURN(ojson s, ParseSchema(*schema));
  const ojson* vc = SchemaVectorConfig(s);
  if (!vc) return requested;
  OCHRE_ASSIGN_OR_RETURN(std::optional<HnswConfigUpdate> hnsw, SchemaHnsw(*vc));
  OCHRE_ASSIGN_OR_RETURN(std::optional<EmbeddingFunctionDescriptor> ef, SchemaEmbeddingFunction(*vc));
  CollectionConfigurationUpdate merged = requested.value_or(CollectionConfigurationUpdate{});
  const bool conflict = (hnsw && merged.hnsw) || (ef && ef->type == "known" && merged.embedding_function &&
                                                  !SameDescriptor(*ef, *merged.embedding_function));
  if (conflict) {
    return Status::InvalidArgument(
        "Failed to reconcile schema: Cannot set both collection config and schema simultaneously");
  }
  if (hnsw) merged.hnsw = hnsw;
  if (ef && !merged.embedding_function) merged.embedding_function = ef;
  return std::optional<CollectionConfigurationUpdate>(merged);
}

Status AttachSchema(const std::optional<std::string>& schema, CollectionConfiguration* config) {
  ojson out = DefaultSchema();
  if (schema) {
    OCHRE_ASSIGN_OR_RETURN(ojson s, ParseSchema(*schema));
    // The requested defaults replace the default entries index by index.
    for (const auto& [type, indexes] : s["defaults"].items()) {
      if (!indexes.is_object()) continue;
      for (const auto& [name, entry] : indexes.items()) {
        if (!entry.is_null()) out["defaults"][type][name] = entry;
      }
    }
    // The requested keys are kept as sent (a key may list only the indexes it changes).
    for (const auto& [key, types] : s["keys"].items()) {
      if (!types.is_object()) continue;
      for (const auto& [type, indexes] : types.items()) {
        if (!indexes.is_object()) continue;
        for (const auto& [name, entry] : indexes.items()) {
          if (!entry.is_null()) out["keys"][key][type][name] = entry;
        }
      }
    }
    if (s.contains("cmek") && !s["cmek"].is_null()) out["cmek"] = s["cmek"];
  }
  // Index configs the client left out are objects in Chroma's answer; a sparse index says bm25.
  for (ojson* value_types : {&out["defaults"]}) {
    for (auto& [type, indexes] : value_types->items()) {
      for (auto& [name, entry] : indexes.items()) {
        if (!entry.contains("config") || entry["config"].is_null()) entry["config"] = ojson::object();
      }
    }
  }
  for (auto& [key, types] : out["keys"].items()) {
    for (auto& [type, indexes] : types.items()) {
      for (auto& [name, entry] : indexes.items()) {
        if (!entry.contains("config") || entry["config"].is_null()) entry["config"] = ojson::object();
        if (name == "sparse_vector_index" && !entry["config"].contains("bm25")) entry["config"]["bm25"] = false;
      }
    }
  }
  ojson& sparse_default = out["defaults"]["sparse_vector"]["sparse_vector_index"]["config"];
  if (!sparse_default.contains("bm25")) sparse_default["bm25"] = false;
  FillVectorIndex(*config, &out);
  config->schema_json = out.dump();
  return Status::Ok();
}

Status RefreshSchemaVectorIndex(CollectionConfiguration* config) {
  if (config->schema_json.empty()) {
    config->schema_json = DefaultSchemaJson(*config);
    return Status::Ok();
  }
  ojson s = ojson::parse(config->schema_json, nullptr, false);
  if (s.is_discarded() || !s.is_object()) return Status::Corruption("stored collection schema is not JSON");
  FillVectorIndex(*config, &s);
  config->schema_json = s.dump();
  return Status::Ok();
}

std::string DefaultSchemaJson(const CollectionConfiguration& config) {
  ojson s = DefaultSchema();
  FillVectorIndex(config, &s);
  return s.dump();
}

Result<std::optional<std::string>> ExtendSchemaWithKeys(const std::string& config_json,
                                                        const std::vector<const Metadata*>& metadatas) {
  OCHRE_ASSIGN_OR_RETURN(auto config, CachedConfiguration(config_json));
  const std::string schema_json = config->schema_json.empty() ? DefaultSchemaJson(*config) : config->schema_json;
  auto known = KnownKeys(schema_json);
  std::vector<std::pair<std::string, const char*>> fresh;
  std::unordered_set<std::string> seen;
  for (const Metadata* m : metadatas) {
    for (const auto& [key, value] : *m) {
      const char* type = ValueTypeOf(value);
      if (!type) continue;
      std::string kt = KeyType(key, type);
      if (known->count(kt) || !seen.insert(kt).second) continue;
      fresh.emplace_back(key, type);
    }
  }
  if (fresh.empty()) return std::optional<std::string>();
  ojson s = ojson::parse(schema_json, nullptr, false);
  if (s.is_discarded() || !s.is_object()) return Status::Corruption("stored collection schema is not JSON");
  for (const auto& [key, type] : fresh) {
    // A new key takes the defaults of its value type (the collection's defaults, as they stand).
    ojson entry = s["defaults"].contains(type) ? s["defaults"][type] : DefaultValueType(type);
    s["keys"][key][type] = entry;
  }
  CollectionConfiguration next = *config;
  next.schema_json = s.dump();
  return std::optional<std::string>(ConfigurationToJson(next));
}

}  // namespace ochre::api
