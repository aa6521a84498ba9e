// Copyright 2026 The OchreDB Authors.
//
// A server speaking Chroma's HTTP API v2 as a side of `ochre copy` (cpp-httplib's client). The token
// goes in both headers Chroma's clients use (`Authorization: Bearer` and `X-Chroma-Token`). HTTP
// statuses become Status codes: 401/403 PermissionDenied, 404 NotFound, 409 AlreadyExists, 400/422
// InvalidArgument; a server that cannot be reached is an IOError naming the URL.
#include <httplib.h>

#include <cstring>
#include <map>
#include <nlohmann/json.hpp>

#include "interop/copy/copy_endpoint.h"
#include "interop/export/json_values.h"

namespace ochre::interop {
namespace {

using json = nlohmann::json;

std::string Escape(const std::string& s) {
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += char(c);
    } else {
      char buf[4];
      std::snprintf(buf, sizeof buf, "%%%02X", c);
      out += buf;
    }
  }
  return out;
}

class ChromaHttpEndpoint : public CopyEndpoint {
 public:
  ChromaHttpEndpoint(std::string base, EndpointOptions o) : base_(std::move(base)), o_(std::move(o)), http_(base_) {
    http_.set_connection_timeout(10);
    http_.set_read_timeout(o_.timeout_seconds);
    http_.set_write_timeout(o_.timeout_seconds);
    if (!o_.token.empty())
      http_.set_default_headers({{"Authorization", "Bearer " + o_.token}, {"X-Chroma-Token", o_.token}});
    prefix_ = "/api/v2/tenants/" + Escape(o_.tenant) + "/databases/" + Escape(o_.database) + "/collections";
  }

  Result<int64_t> MaxBatchSize() override {
    OCHRE_ASSIGN_OR_RETURN(json j, Call("GET", "/api/v2/pre-flight-checks", json()));
    int64_t n = j.is_object() ? j.value("max_batch_size", int64_t{0}) : 0;
    if (n <= 0) return Status::InvalidArgument(base_ + " gave no max_batch_size in its pre-flight checks");
    // The auth check: pre-flight is public on Chroma, identity is not.
    OCHRE_RETURN_IF_ERROR(Call("GET", "/api/v2/auth/identity", json()).status());
    return n;
  }

  Result<std::vector<CopyCollection>> ListCollections() override {
    std::vector<CopyCollection> out;
    for (int64_t off = 0;; off += 100) {
      OCHRE_ASSIGN_OR_RETURN(json j, Call("GET", prefix_ + "?limit=100&offset=" + std::to_string(off), json()));
      if (!j.is_array()) return Status::InvalidArgument(base_ + ": list_collections did not answer a list");
      for (const json& c : j) {
        OCHRE_ASSIGN_OR_RETURN(CopyCollection cc, Parse(c));
        out.push_back(std::move(cc));
      }
      if (j.size() < 100) break;
    }
    return out;
  }

  Result<std::optional<CopyCollection>> FindCollection(const std::string& name) override {
    auto j = Call("GET", prefix_ + "/" + Escape(name), json());
    if (!j.ok()) {
      if (j.status().code() == StatusCode::kNotFound) return std::optional<CopyCollection>();
      return j.status();
    }
    OCHRE_ASSIGN_OR_RETURN(CopyCollection cc, Parse(*j));
    return std::optional<CopyCollection>(std::move(cc));
  }

  Result<int64_t> Count(const std::string& name) override {
    OCHRE_ASSIGN_OR_RETURN(std::string id, Id(name));
    OCHRE_ASSIGN_OR_RETURN(json j, Call("GET", prefix_ + "/" + id + "/count", json()));
    if (!j.is_number_integer()) return Status::InvalidArgument(base_ + ": count is not an integer");
    return j.get<int64_t>();
  }

  Status CreateCollection(const CopyCollection& c) override {
    json cfg = ConfigToJson(c.configuration);
    // Chroma 1.x's HNSW configuration has no num_threads or batch_size; neither changes the data.
    cfg["hnsw"].erase("num_threads");
    cfg["hnsw"].erase("batch_size");
    // Ours, not Chroma's: a default ef_search is left out (the destination's default, which on
    // `ochre run` adapts to the collection's size), a set one is sent.
    cfg.erase("ef_search_explicit");
    if (!c.configuration.hnsw.ef_search_fixed()) cfg["hnsw"].erase("ef_search");
    if (cfg["embedding_function"].is_null()) cfg.erase("embedding_function");
    json body = {{"name", c.name}, {"configuration", cfg}, {"get_or_create", false}};
    body["metadata"] = c.metadata && !c.metadata->empty() ? MetaToJson(*c.metadata) : json();
    OCHRE_ASSIGN_OR_RETURN(json j, Call("POST", prefix_, body));
    if (!j.is_object() || !j["id"].is_string()) return Status::InvalidArgument(base_ + ": create gave no id");
    ids_[c.name] = j["id"].get<std::string>();
    return Status::Ok();
  }

  Result<GetResult> ReadPage(const std::string& name, int64_t offset, int64_t limit, bool content) override {
    OCHRE_ASSIGN_OR_RETURN(std::string id, Id(name));
    json body = {{"limit", limit}, {"offset", offset}};
    body["include"] = content ? json::array({"embeddings", "documents", "metadatas", "uris"}) : json::array();
    OCHRE_ASSIGN_OR_RETURN(json j, Call("POST", prefix_ + "/" + id + "/get", body));
    auto bad = [&](const std::string& what) {
      return Status::InvalidArgument(base_ + ": get of '" + name + "' answered " + what);
    };
    if (!j.is_object() || !j["ids"].is_array()) return bad("no ids");
    GetResult r;
    for (const json& i : j["ids"]) r.ids.push_back(i.get<std::string>());
    if (!content) return r;
    size_t n = r.ids.size();
    const json& e = j["embeddings"];
    if (!e.is_array() || e.size() != n) return bad("no embeddings for every id");
    size_t dim = n ? e[0].size() : 0;
    std::vector<float> data;
    data.reserve(n * dim);
    for (const json& row : e) {
      if (!row.is_array() || row.size() != dim) return bad("embeddings of different lengths");
      for (const json& x : row) {
        if (!x.is_number()) return bad("an embedding value that is not a number");
        data.push_back(static_cast<float>(x.get<double>()));
      }
    }
    r.embeddings = FloatMatrix(dim, std::move(data));
    auto strings = [&](const char* key, std::optional<std::vector<std::optional<std::string>>>* out) -> Status {
      out->emplace();
      const json& a = j[key];
      for (size_t i = 0; i < n; ++i) {
        if (a.is_array() && i < a.size() && a[i].is_string())
          (*out)->push_back(a[i].get<std::string>());
        else
          (*out)->push_back(std::nullopt);
      }
      return Status::Ok();
    };
    OCHRE_RETURN_IF_ERROR(strings("documents", &r.documents));
    OCHRE_RETURN_IF_ERROR(strings("uris", &r.uris));
    r.metadatas.emplace();
    const json& m = j["metadatas"];
    for (size_t i = 0; i < n; ++i) {
      if (m.is_array() && i < m.size() && m[i].is_object() && !m[i].empty()) {
        auto md = MetaFromJson(m[i]);
        if (!md.ok()) return bad(md.status().message());
        r.metadatas->push_back(std::move(*md));
      } else {
        r.metadatas->push_back(std::nullopt);
      }
    }
    return r;
  }

  Status Add(const std::string& name, const RecordBatch& b) override {
    OCHRE_ASSIGN_OR_RETURN(std::string id, Id(name));
    json body = {{"ids", b.ids}};
    json emb = json::array();
    if (b.embeddings) {
      for (size_t i = 0; i < b.ids.size(); ++i) {
        const float* row = b.embeddings->row(i);
        json r = json::array();
        for (size_t k = 0; k < b.embeddings->dim(); ++k) r.push_back(static_cast<double>(row[k]));
        emb.push_back(std::move(r));
      }
    }
    body["embeddings"] = std::move(emb);
    auto strings = [&](const std::optional<std::vector<std::optional<std::string>>>& col) {
      json a = json::array();
      bool any = false;
      for (size_t i = 0; i < b.ids.size(); ++i) {
        if (col && (*col)[i]) {
          a.push_back(*(*col)[i]);
          any = true;
        } else {
          a.push_back(nullptr);
        }
      }
      return any ? a : json();
    };
    body["documents"] = strings(b.documents);
    body["uris"] = strings(b.uris);
    json metas = json::array();
    bool any = false;
    for (size_t i = 0; i < b.ids.size(); ++i) {
      if (b.metadatas && (*b.metadatas)[i] && !(*b.metadatas)[i]->empty()) {
        metas.push_back(MetaToJson(*(*b.metadatas)[i]));
        any = true;
      } else {
        metas.push_back(nullptr);
      }
    }
    body["metadatas"] = any ? metas : json();
    return Call("POST", prefix_ + "/" + id + "/add", body).status();
  }

 private:
  Result<CopyCollection> Parse(const json& c) {
    if (!c.is_object() || !c["name"].is_string())
      return Status::InvalidArgument(base_ + ": a collection without a name");
    CopyCollection cc;
    cc.name = c["name"].get<std::string>();
    if (c.contains("id") && c["id"].is_string()) ids_[cc.name] = c["id"].get<std::string>();
    if (c.contains("metadata") && c["metadata"].is_object() && !c["metadata"].empty()) {
      OCHRE_ASSIGN_OR_RETURN(Metadata m, MetaFromJson(c["metadata"]));
      cc.metadata = std::move(m);
    }
    if (c.contains("configuration_json")) {
      OCHRE_ASSIGN_OR_RETURN(cc.configuration, ConfigFromJson(c["configuration_json"]));
    }
    return cc;
  }

  Result<std::string> Id(const std::string& name) {
    auto it = ids_.find(name);
    if (it != ids_.end()) return it->second;
    OCHRE_ASSIGN_OR_RETURN(auto c, FindCollection(name));
    if (!c) return Status::NotFound("collection '" + name + "' does not exist at " + base_);
    return ids_.at(name);
  }

  Result<json> Call(const char* method, const std::string& path, const json& body) {
    httplib::Result res =
        std::strcmp(method, "GET") == 0 ? http_.Get(path) : http_.Post(path, body.dump(), "application/json");
    if (!res) return Status::Unavailable("cannot reach " + base_ + ": " + httplib::to_string(res.error()));
    int code = res->status;
    json j = json::parse(res->body, nullptr, false);
    if (code >= 200 && code < 300) {
      if (j.is_discarded()) return Status::InvalidArgument(base_ + path + " answered something that is not JSON");
      return j;
    }
    std::string msg = base_ + " answered HTTP " + std::to_string(code) + " to " + method + " " + path;
    if (!j.is_discarded() && j.is_object()) {
      std::string m = j.contains("message") && j["message"].is_string() ? j["message"].get<std::string>() : "";
      std::string e = j.contains("error") && j["error"].is_string() ? j["error"].get<std::string>() : "";
      if (!e.empty() || !m.empty()) msg += ": " + e + (e.empty() || m.empty() ? "" : ": ") + m;
    }
    if (code == 401 || code == 403) return Status::PermissionDenied(msg + " (check --token)");
    if (code == 404) return Status::NotFound(msg);
    if (code == 409) return Status::AlreadyExists(msg);
    if (code == 400 || code == 422) return Status::InvalidArgument(msg);
    if (code == 413) return Status::ResourceExhausted(msg);
    return Status::IOError(msg);
  }

  std::string base_;
  EndpointOptions o_;
  httplib::Client http_;
  std::string prefix_;
  std::map<std::string, std::string> ids_;
};

}  // namespace

Result<std::unique_ptr<CopyEndpoint>> MakeChromaHttpEndpoint(const std::string& url, const EndpointOptions& options) {
  size_t scheme = url.find("://");
  size_t slash = url.find('/', scheme + 3);
  std::string base = url.substr(0, slash);
  if (slash != std::string::npos && url.substr(slash) != "/")
    return Status::InvalidArgument("give the server's URL without a path (" + base + "), not " + url);
  if (base.size() <= scheme + 3) return Status::InvalidArgument("no host in the URL " + url);
  if (url.rfind("https://", 0) == 0) return Status::NotSupported("https:// is not built in; use http:// (" + url + ")");
  return std::unique_ptr<CopyEndpoint>(new ChromaHttpEndpoint(base, options));
}

}  // namespace ochre::interop
