// Copyright 2026 The OchreDB Authors.
#include "api/sparse_schema.h"

#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <unordered_map>

namespace ochre::api {
namespace {

using json = nlohmann::json;

// Parsed schemas by text, bounded (every sparse query asks; the text changes rarely).
std::shared_ptr<const json> Parsed(const std::string& schema_json) {
  constexpr size_t kMaxEntries = 64;
  static std::mutex* mu = new std::mutex;
  static auto* cache = new std::unordered_map<std::string, std::shared_ptr<const json>>;
  {
    std::lock_guard<std::mutex> lock(*mu);
    auto it = cache->find(schema_json);
    if (it != cache->end()) return it->second;
  }
  auto parsed = std::make_shared<json>(json::parse(schema_json, nullptr, false));
  if (parsed->is_discarded() || !parsed->is_object()) *parsed = json::object();
  std::lock_guard<std::mutex> lock(*mu);
  if (cache->size() >= kMaxEntries) cache->clear();
  cache->emplace(schema_json, parsed);
  return parsed;
}

const json* SparseIndexEntry(const json& value_types) {
  if (!value_types.is_object()) return nullptr;
  auto t = value_types.find("sparse_vector");
  if (t == value_types.end() || !t->is_object()) return nullptr;
  auto e = t->find("sparse_vector_index");
  if (e == t->end() || !e->is_object()) return nullptr;
  return &*e;
}

const json* KeyTypes(const json& s, const std::string& key) {
  auto keys = s.find("keys");
  if (keys == s.end() || !keys->is_object()) return nullptr;
  auto k = keys->find(key);
  return k == keys->end() ? nullptr : &*k;
}

std::optional<bool> Bm25Of(const json* entry) {
  if (!entry) return std::nullopt;
  auto c = entry->find("config");
  if (c == entry->end() || !c->is_object()) return std::nullopt;
  auto b = c->find("bm25");
  if (b == c->end() || !b->is_boolean()) return std::nullopt;
  return b->get<bool>();
}

}  // namespace

SparseKeySchema SparseKeyOf(const std::string& schema_json, const std::string& key) {
  SparseKeySchema out;
  auto s = Parsed(schema_json);
  const json* types = KeyTypes(*s, key);
  const json* entry = types ? SparseIndexEntry(*types) : nullptr;
  out.declared = types && types->is_object() && types->contains("sparse_vector");
  std::optional<bool> bm25 = Bm25Of(entry);
  if (!bm25 && s->contains("defaults")) bm25 = Bm25Of(SparseIndexEntry((*s)["defaults"]));
  out.bm25 = bm25.value_or(false);
  if (entry && entry->contains("config") && (*entry)["config"].is_object()) {
    const json& c = (*entry)["config"];
    if (c.contains("source_key") && c["source_key"].is_string()) out.source_key = c["source_key"].get<std::string>();
    if (c.contains("embedding_function") && c["embedding_function"].is_object() &&
        c["embedding_function"].value("type", "") == "known") {
      out.embedding_function = c["embedding_function"].dump();
    }
  }
  return out;
}

bool IsSparseVectorKey(const std::string& schema_json, const std::string& key) {
  auto s = Parsed(schema_json);
  const json* types = KeyTypes(*s, key);
  return types && types->is_object() && types->size() == 1 && types->contains("sparse_vector");
}

std::optional<std::string> SparseEmbeddingKey(const std::string& schema_json) {
  auto s = Parsed(schema_json);
  auto keys = s->find("keys");
  if (keys == s->end() || !keys->is_object()) return std::nullopt;
  for (const auto& [key, types] : keys->items()) {
    const json* entry = SparseIndexEntry(types);
    if (!entry || !entry->value("enabled", false)) continue;
    SparseKeySchema k = SparseKeyOf(schema_json, key);
    if (k.source_key && k.embedding_function) return key;
  }
  return std::nullopt;
}

}  // namespace ochre::api
