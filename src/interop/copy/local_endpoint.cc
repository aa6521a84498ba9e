// Copyright 2026 The OchreDB Authors.
//
// A local OchreDB directory as a side of `ochre copy`, through the public API only.
#include <memory>

#include "interop/copy/copy_endpoint.h"
#include "ochre/client.h"
#include "ochre/collection.h"

namespace ochre::interop {
namespace {

class LocalEndpoint : public CopyEndpoint {
 public:
  LocalEndpoint(std::unique_ptr<Client> client, Scope scope) : client_(std::move(client)), scope_(std::move(scope)) {}

  Result<int64_t> MaxBatchSize() override { return int64_t{1000}; }

  Result<std::vector<CopyCollection>> ListCollections() override {
    OCHRE_ASSIGN_OR_RETURN(auto all, client_->ListCollections(std::nullopt, std::nullopt, scope_));
    std::vector<CopyCollection> out;
    for (auto& i : all) out.push_back(CopyCollection{i.name, i.metadata, i.configuration});
    return out;
  }

  Result<std::optional<CopyCollection>> FindCollection(const std::string& name) override {
    auto c = Open(name);
    if (!c.ok()) {
      if (c.status().code() == StatusCode::kNotFound) return std::optional<CopyCollection>();
      return c.status();
    }
    OCHRE_ASSIGN_OR_RETURN(CollectionInfo info, (*c)->Info());
    return std::optional<CopyCollection>(CopyCollection{info.name, info.metadata, info.configuration});
  }

  Result<int64_t> Count(const std::string& name) override {
    OCHRE_ASSIGN_OR_RETURN(auto c, Open(name));
    return c->Count();
  }

  Status CreateCollection(const CopyCollection& c) override {
    CreateCollectionOptions co;
    co.name = c.name;
    co.metadata = c.metadata;
    co.embedding_function = nullptr;
    co.configuration.emplace();
    const HnswConfig& h = c.configuration.hnsw;
    // A default ef_search stays the default (the copy gets the adaptive beam too).
    const std::optional<int> ef_search = h.ef_search_fixed() ? std::optional<int>(h.ef_search) : std::nullopt;
    co.configuration->hnsw = HnswConfigUpdate{h.space,       h.ef_construction, ef_search,        h.max_neighbors,
                                              h.num_threads, h.batch_size,      h.sync_threshold, h.resize_factor};
    co.configuration->embedding_function = c.configuration.embedding_function;
    Status s = client_->CreateTenant(scope_.tenant);
    if (!s.ok() && !s.IsAlreadyExists()) return s;
    s = client_->CreateDatabase(scope_.database, scope_.tenant);
    if (!s.ok() && !s.IsAlreadyExists()) return s;
    auto col = client_->CreateCollection(co, scope_);
    if (!col.ok()) return col.status();
    open_[c.name] = *col;
    return Status::Ok();
  }

  Result<GetResult> ReadPage(const std::string& name, int64_t offset, int64_t limit, bool content) override {
    OCHRE_ASSIGN_OR_RETURN(auto c, Open(name));
    GetOptions g;
    g.offset = offset;
    g.limit = limit;
    g.include = content ? Include{true, true, true, false, true} : Include{false, false, false, false, false};
    return c->Get(g);
  }

  Status Add(const std::string& name, const RecordBatch& batch) override {
    OCHRE_ASSIGN_OR_RETURN(auto c, Open(name));
    return c->Add(batch);
  }

  Status Finish() override { return client_->Checkpoint(); }

 private:
  Result<std::shared_ptr<Collection>> Open(const std::string& name) {
    auto it = open_.find(name);
    if (it != open_.end()) return it->second;
    GetCollectionOptions go;
    go.embedding_function = std::shared_ptr<EmbeddingFunction>();
    OCHRE_ASSIGN_OR_RETURN(auto c, client_->GetCollection(name, go, scope_));
    open_[name] = c;
    return c;
  }

  std::unique_ptr<Client> client_;
  Scope scope_;
  std::map<std::string, std::shared_ptr<Collection>> open_;
};

}  // namespace

std::unique_ptr<CopyEndpoint> MakeLocalEndpoint(std::unique_ptr<Client> client, const Scope& scope) {
  return std::make_unique<LocalEndpoint>(std::move(client), scope);
}

bool IsHttpSpec(const std::string& spec) { return spec.rfind("http://", 0) == 0 || spec.rfind("https://", 0) == 0; }

Result<std::unique_ptr<CopyEndpoint>> OpenCopyEndpoint(const std::string& spec, const EndpointOptions& options) {
  if (IsHttpSpec(spec)) return MakeChromaHttpEndpoint(spec, options);
  if (spec.empty()) return Status::InvalidArgument("an empty path or URL");
  OCHRE_ASSIGN_OR_RETURN(auto client, PersistentClient::Open(spec));
  return MakeLocalEndpoint(std::move(client), Scope{options.tenant, options.database});
}

}  // namespace ochre::interop
