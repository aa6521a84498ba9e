// Copyright 2026 The OchreDB Authors.
#include "interop/export/jsonl_export.h"

#include <algorithm>
#include <cstring>
#include <memory>
#include <nlohmann/json.hpp>

#include "interop/export/json_values.h"
#include "ochre/client.h"

namespace ochre::interop {
namespace {

using json = nlohmann::json;
constexpr int kFormatVersion = 1;
constexpr int64_t kPage = 1000;

const char kB64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

std::string Base64(const unsigned char* p, size_t n) {
  std::string out;
  out.reserve((n + 2) / 3 * 4);
  for (size_t i = 0; i < n; i += 3) {
    uint32_t v = uint32_t(p[i]) << 16 | (i + 1 < n ? uint32_t(p[i + 1]) << 8 : 0) | (i + 2 < n ? p[i + 2] : 0);
    out += kB64[v >> 18 & 63];
    out += kB64[v >> 12 & 63];
    out += i + 1 < n ? kB64[v >> 6 & 63] : '=';
    out += i + 2 < n ? kB64[v & 63] : '=';
  }
  return out;
}

bool Unbase64(const std::string& s, std::string* out) {
  int val[256];
  std::fill(val, val + 256, -1);
  for (int i = 0; i < 64; ++i) val[uint8_t(kB64[i])] = i;
  if (s.size() % 4) return false;
  out->clear();
  for (size_t i = 0; i < s.size(); i += 4) {
    int a = val[uint8_t(s[i])], b = val[uint8_t(s[i + 1])];
    int c = s[i + 2] == '=' ? 0 : val[uint8_t(s[i + 2])], d = s[i + 3] == '=' ? 0 : val[uint8_t(s[i + 3])];
    if (a < 0 || b < 0 || c < 0 || d < 0) return false;
    uint32_t v = uint32_t(a) << 18 | uint32_t(b) << 12 | uint32_t(c) << 6 | uint32_t(d);
    *out += char(v >> 16);
    if (s[i + 2] != '=') *out += char(v >> 8 & 255);
    if (s[i + 3] != '=') *out += char(v & 255);
  }
  return true;
}

}  // namespace

// nlohmann writes doubles with a fraction or exponent ("3.0") and parses them back as floats, ints
// without, so metadata types survive plain JSON.
json MetaToJson(const Metadata& m) {
  json j = json::object();
  for (const auto& [k, v] : m) {
    std::visit(
        [&](const auto& x) {
          using T = std::decay_t<decltype(x)>;
          if constexpr (std::is_same_v<T, std::monostate>) {
            j[k] = nullptr;
          } else if constexpr (std::is_same_v<T, SparseVector>) {
            json sv = {{"#type", "sparse_vector"}, {"indices", x.indices}};
            json values = json::array();
            for (float f : x.values) values.push_back(double(f));
            sv["values"] = std::move(values);
            if (x.tokens) sv["tokens"] = *x.tokens;
            j[k] = std::move(sv);
          } else {
            j[k] = x;
          }
        },
        v);
  }
  return j;
}

Result<Metadata> MetaFromJson(const json& j) {
  Metadata m;
  for (auto it = j.begin(); it != j.end(); ++it) {
    const json& v = it.value();
    if (v.is_boolean())
      m[it.key()] = v.get<bool>();
    else if (v.is_number_integer())
      m[it.key()] = v.get<int64_t>();
    else if (v.is_number_float())
      m[it.key()] = v.get<double>();
    else if (v.is_string())
      m[it.key()] = v.get<std::string>();
    else if (v.is_object() && v.value("#type", "") == "sparse_vector" && v.contains("indices") &&
             v["indices"].is_array() && v.contains("values") && v["values"].is_array()) {
      SparseVector sv;
      try {
        sv.indices = v["indices"].get<std::vector<uint32_t>>();
        for (const auto& f : v["values"]) sv.values.push_back(float(f.get<double>()));
        if (v.contains("tokens") && !v["tokens"].is_null()) sv.tokens = v["tokens"].get<std::vector<std::string>>();
      } catch (const json::exception&) {
        return Status::InvalidArgument("metadata key '" + it.key() + "' has a malformed sparse vector");
      }
      Status valid = ValidateSparseVector(sv);
      if (!valid.ok()) return Status::InvalidArgument("metadata key '" + it.key() + "': " + valid.message());
      m[it.key()] = std::move(sv);
    } else if (v.is_array() && !v.empty()) {
      if (v[0].is_boolean())
        m[it.key()] = v.get<std::vector<bool>>();
      else if (v[0].is_number_integer())
        m[it.key()] = v.get<std::vector<int64_t>>();
      else if (v[0].is_number_float())
        m[it.key()] = v.get<std::vector<double>>();
      else if (v[0].is_string())
        m[it.key()] = v.get<std::vector<std::string>>();
      else
        return Status::InvalidArgument("metadata key '" + it.key() + "' has an array of an unknown type");
    } else {
      return Status::InvalidArgument("metadata key '" + it.key() + "' has an unknown type");
    }
  }
  return m;
}

json ConfigToJson(const CollectionConfiguration& c) {
  json h = {{"space", SpaceName(c.hnsw.space)},        {"ef_construction", c.hnsw.ef_construction},
            {"ef_search", c.hnsw.ef_search},           {"max_neighbors", c.hnsw.max_neighbors},
            {"num_threads", c.hnsw.num_threads},       {"batch_size", c.hnsw.batch_size},
            {"sync_threshold", c.hnsw.sync_threshold}, {"resize_factor", c.hnsw.resize_factor}};
  json j = {{"hnsw", h}, {"embedding_function", nullptr}, {"ef_search_explicit", c.hnsw.ef_search_explicit}};
  if (c.embedding_function)
    j["embedding_function"] = {{"type", c.embedding_function->type},
                               {"name", c.embedding_function->name},
                               {"config", json::parse(c.embedding_function->config_json, nullptr, false)}};
  return j;
}

Result<CollectionConfiguration> ConfigFromJson(const json& cfg) {
  CollectionConfiguration c;
  if (!cfg.is_object()) return c;
  if (cfg.contains("hnsw") && cfg["hnsw"].is_object()) {
    const json& h = cfg["hnsw"];
    std::string sp = h.value("space", "l2");
    if (sp != "l2" && sp != "cosine" && sp != "ip") return Status::InvalidArgument("unknown space '" + sp + "'");
    c.hnsw.space = sp == "cosine" ? Space::kCosine : sp == "ip" ? Space::kIp : Space::kL2;
    c.hnsw.ef_construction = h.value("ef_construction", c.hnsw.ef_construction);
    c.hnsw.ef_search = h.value("ef_search", c.hnsw.ef_search);
    c.hnsw.max_neighbors = h.value("max_neighbors", c.hnsw.max_neighbors);
    c.hnsw.num_threads = h.value("num_threads", c.hnsw.num_threads);
    c.hnsw.batch_size = h.value("batch_size", c.hnsw.batch_size);
    c.hnsw.sync_threshold = h.value("sync_threshold", c.hnsw.sync_threshold);
    c.hnsw.resize_factor = h.value("resize_factor", c.hnsw.resize_factor);
  }
  c.hnsw.ef_search_explicit = cfg.value("ef_search_explicit", false);
  if (cfg.contains("embedding_function") && cfg["embedding_function"].is_object()) {
    const json& e = cfg["embedding_function"];
    c.embedding_function = EmbeddingFunctionDescriptor{e.value("type", "known"), e.value("name", ""),
                                                       e.contains("config") ? e["config"].dump() : "{}"};
  }
  return c;
}

namespace {

Status Write(std::FILE* out, const json& j) {
  std::string s = j.dump();
  s += '\n';
  if (std::fwrite(s.data(), 1, s.size(), out) != s.size()) return Status::IOError("writing the export failed");
  return Status::Ok();
}

}  // namespace

Result<ExportFigures> ExportJsonl(const std::string& path, const Scope& scope,
                                  const std::optional<std::string>& collection, std::FILE* out) {
  OCHRE_ASSIGN_OR_RETURN(auto client, PersistentClient::Open(path));
  std::vector<std::string> names;
  if (collection) {
    names.push_back(*collection);
  } else {
    OCHRE_ASSIGN_OR_RETURN(auto all, client->ListCollections(std::nullopt, std::nullopt, scope));
    for (const auto& i : all) names.push_back(i.name);
    std::sort(names.begin(), names.end());  // by name: the same file for the same data
  }
  ExportFigures f;
  OCHRE_RETURN_IF_ERROR(Write(out, {{"format", "ochre-export"}, {"version", kFormatVersion}}));
  for (const auto& name : names) {
    GetCollectionOptions go;
    go.embedding_function = std::shared_ptr<EmbeddingFunction>();
    OCHRE_ASSIGN_OR_RETURN(auto col, client->GetCollection(name, go, scope));
    OCHRE_ASSIGN_OR_RETURN(CollectionInfo info, col->Info());
    OCHRE_ASSIGN_OR_RETURN(int64_t count, col->Count());
    json c = {{"type", "collection"},
              {"tenant", info.tenant},
              {"database", info.database},
              {"name", info.name},
              {"count", count},
              {"configuration", ConfigToJson(info.configuration)},
              {"metadata", info.metadata ? MetaToJson(*info.metadata) : json()}};
    OCHRE_RETURN_IF_ERROR(Write(out, c));
    ++f.collections;
    for (int64_t off = 0;; off += kPage) {
      GetOptions g;
      g.limit = kPage;
      g.offset = off;
      g.include = Include{true, true, true, false, true};
      OCHRE_ASSIGN_OR_RETURN(GetResult r, col->Get(g));
      for (size_t i = 0; i < r.ids.size(); ++i) {
        json rec = {{"type", "record"}, {"id", r.ids[i]}};
        rec["embedding"] =
            Base64(reinterpret_cast<const unsigned char*>(r.embeddings->row(i)), r.embeddings->dim() * 4);
        const auto& doc = (*r.documents)[i];
        const auto& md = (*r.metadatas)[i];
        const auto& uri = (*r.uris)[i];
        rec["document"] = doc ? json(*doc) : json();
        rec["metadata"] = md ? MetaToJson(*md) : json();
        rec["uri"] = uri ? json(*uri) : json();
        OCHRE_RETURN_IF_ERROR(Write(out, rec));
        ++f.records;
      }
      if (int64_t(r.ids.size()) < kPage) break;
    }
  }
  if (std::fflush(out) != 0) return Status::IOError("writing the export failed");
  return f;
}

Result<ExportFigures> ImportJsonl(const std::string& path, std::FILE* in) {
  OCHRE_ASSIGN_OR_RETURN(auto client, PersistentClient::Open(path));
  ExportFigures f;
  std::shared_ptr<Collection> col;
  RecordBatch batch;
  std::vector<float> data;
  size_t dim = 0;
  auto flush = [&]() -> Status {
    if (batch.ids.empty()) return Status::Ok();
    batch.embeddings = FloatMatrix(dim, std::move(data));
    Status s = col->Add(batch);
    f.records += int64_t(batch.ids.size());
    batch = RecordBatch{};
    data.clear();
    return s;
  };
  std::string line;
  int64_t lineno = 0;
  char buf[1 << 16];
  bool header = false;
  for (;;) {
    line.clear();
    bool got = false;
    while (std::fgets(buf, sizeof buf, in)) {
      got = true;
      line += buf;
      if (!line.empty() && line.back() == '\n') break;
    }
    if (!got) break;
    ++lineno;
    auto bad = [&](const std::string& why) {
      return Status::InvalidArgument("export file line " + std::to_string(lineno) + ": " + why);
    };
    json j = json::parse(line, nullptr, false);
    if (j.is_discarded() || !j.is_object()) return bad("not a JSON object");
    if (!header) {
      if (j.value("format", "") != "ochre-export") return bad("not an OchreDB export (no format header)");
      if (j.value("version", 0) > kFormatVersion)
        return Status::NotSupported("the export has format version " + std::to_string(j.value("version", 0)) +
                                    ", newer than this OchreDB reads (" + std::to_string(kFormatVersion) + ")");
      header = true;
      continue;
    }
    std::string type = j.value("type", "");
    if (type == "collection") {
      OCHRE_RETURN_IF_ERROR(flush());
      Scope scope{j.value("tenant", kDefaultTenant), j.value("database", kDefaultDatabase)};
      Status s = client->CreateTenant(scope.tenant);
      if (!s.ok() && !s.IsAlreadyExists()) return s;
      s = client->CreateDatabase(scope.database, scope.tenant);
      if (!s.ok() && !s.IsAlreadyExists()) return s;
      CreateCollectionOptions co;
      co.name = j.value("name", "");
      co.embedding_function = nullptr;
      if (j.contains("metadata") && j["metadata"].is_object()) {
        auto m = MetaFromJson(j["metadata"]);
        if (!m.ok()) return bad(m.status().message());
        co.metadata = *m;
      }
      const json& cfg = j["configuration"];
      if (cfg.is_object() && cfg.contains("hnsw")) {
        const json& h = cfg["hnsw"];
        HnswConfigUpdate u;
        std::string sp = h.value("space", "l2");
        u.space = sp == "cosine" ? Space::kCosine : sp == "ip" ? Space::kIp : Space::kL2;
        u.ef_construction = h.value("ef_construction", 100);
        // Only a fixed ef_search is given (a default one keeps the adaptive beam).
        const int ef_search = h.value("ef_search", HnswConfig::kDefaultEfSearch);
        if (cfg.value("ef_search_explicit", false) || ef_search != HnswConfig::kDefaultEfSearch)
          u.ef_search = ef_search;
        u.max_neighbors = h.value("max_neighbors", 16);
        u.num_threads = h.value("num_threads", 0);
        u.batch_size = h.value("batch_size", 100);
        u.sync_threshold = h.value("sync_threshold", 1000);
        u.resize_factor = h.value("resize_factor", 1.2);
        co.configuration.emplace();
        co.configuration->hnsw = u;
        if (cfg.contains("embedding_function") && cfg["embedding_function"].is_object()) {
          const json& e = cfg["embedding_function"];
          co.configuration->embedding_function =
              EmbeddingFunctionDescriptor{e.value("type", "known"), e.value("name", ""), e["config"].dump()};
        }
      }
      auto c = client->CreateCollection(co, scope);
      if (!c.ok()) return c.status().WithContext("export file line " + std::to_string(lineno));
      col = *c;
      ++f.collections;
      dim = 0;
    } else if (type == "record") {
      if (!col) return bad("a record before any collection");
      std::string bytes;
      if (!j["embedding"].is_string() || !Unbase64(j["embedding"].get<std::string>(), &bytes) || bytes.empty() ||
          bytes.size() % 4)
        return bad("the embedding is not base64 of float32");
      size_t d = bytes.size() / 4;
      if (dim != 0 && d != dim) OCHRE_RETURN_IF_ERROR(flush());
      dim = d;
      size_t at = data.size();
      data.resize(at + d);
      std::memcpy(data.data() + at, bytes.data(), bytes.size());
      batch.ids.push_back(j.value("id", ""));
      if (!batch.documents) batch.documents.emplace(), batch.metadatas.emplace(), batch.uris.emplace();
      batch.documents->push_back(
          j["document"].is_string() ? std::optional<std::string>(j["document"].get<std::string>()) : std::nullopt);
      batch.uris->push_back(j["uri"].is_string() ? std::optional<std::string>(j["uri"].get<std::string>())
                                                 : std::nullopt);
      if (j["metadata"].is_object()) {
        auto m = MetaFromJson(j["metadata"]);
        if (!m.ok()) return bad(m.status().message());
        batch.metadatas->push_back(m->empty() ? std::nullopt : std::optional<Metadata>(*m));
      } else {
        batch.metadatas->push_back(std::nullopt);
      }
      if (batch.ids.size() >= size_t(kPage)) OCHRE_RETURN_IF_ERROR(flush());
    } else {
      return bad("unknown line type '" + type + "'");
    }
  }
  if (!header) return Status::InvalidArgument("the export file is empty");
  OCHRE_RETURN_IF_ERROR(flush());
  OCHRE_RETURN_IF_ERROR(client->Checkpoint());
  return f;
}

}  // namespace ochre::interop
