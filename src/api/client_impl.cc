// Copyright 2026 The OchreDB Authors.
//
// ClientImpl: PersistentClient and EphemeralClient over a shared Engine. Collection lifecycle,
// tenants and databases, reset.
#include <chrono>

#include "api/collection_config.h"
#include "api/collection_impl.h"
#include "api/collection_schema.h"
#include "api/engine.h"
#include "api/validation.h"
#include "common/file.h"
#include "common/uuid.h"
#include "ochre/client.h"
#include "storage/metadata_codec.h"

namespace ochre {
namespace api {
namespace {

// We chunk nothing by SQLite's variable limit, so the batch limit is about request size only.
constexpr int64_t kMaxBatchSize = 100000;

Status ValidateListArgs(const std::optional<int64_t>& limit, const std::optional<int64_t>& offset) {
  if (limit && *limit < 0) return Status::InvalidArgument("Expected limit to be a non-negative integer");
  if (offset && *offset < 0) return Status::InvalidArgument("Expected offset to be a non-negative integer");
  return Status::Ok();
}

class ClientImpl final : public Client {
 public:
  ClientImpl(std::shared_ptr<Engine> engine, Settings settings) : engine_(std::move(engine)), settings_(settings) {}

  int64_t Heartbeat() const override {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
  std::string Version() const override { return std::string(ochre::Version()); }
  int64_t MaxBatchSize() const override { return kMaxBatchSize; }
  const Settings& settings() const override { return settings_; }
  const std::string& path() const override { return engine_->path(); }

  Result<std::shared_ptr<Collection>> CreateCollection(const CreateCollectionOptions& o, const Scope& scope) override {
    return Create(o, scope, o.get_or_create);
  }
  Result<std::shared_ptr<Collection>> GetOrCreateCollection(const CreateCollectionOptions& o,
                                                            const Scope& scope) override {
    return Create(o, scope, true);
  }

  Result<std::shared_ptr<Collection>> GetCollection(std::string_view name, const GetCollectionOptions& o,
                                                    const Scope& scope) override {
    OCHRE_ASSIGN_OR_RETURN(auto reader, engine_->Reader());
    OCHRE_ASSIGN_OR_RETURN(DatabaseInfo db, reader->GetDatabase(scope.database, scope.tenant));
    OCHRE_ASSIGN_OR_RETURN(auto row, reader->FindCollectionByName(db.id, name));
    if (!row) return Status::NotFound("Collection [" + std::string(name) + "] does not exist");
    return Handle(*row, o.embedding_function);
  }

  Result<std::shared_ptr<Collection>> GetCollectionById(std::string_view id, const GetCollectionOptions& o,
                                                        const Scope& scope) override {
    OCHRE_ASSIGN_OR_RETURN(auto reader, engine_->Reader());
    OCHRE_ASSIGN_OR_RETURN(auto row, reader->FindCollectionById(id));
    if (!row) return Status::NotFound("Collection [" + std::string(id) + "] does not exist.");
    return Handle(*row, o.embedding_function);
  }

  Result<std::vector<CollectionInfo>> ListCollections(std::optional<int64_t> limit, std::optional<int64_t> offset,
                                                      const Scope& scope) override {
    OCHRE_RETURN_IF_ERROR(ValidateListArgs(limit, offset));
    OCHRE_ASSIGN_OR_RETURN(auto reader, engine_->Reader());
    OCHRE_ASSIGN_OR_RETURN(DatabaseInfo db, reader->GetDatabase(scope.database, scope.tenant));
    OCHRE_ASSIGN_OR_RETURN(auto rows, reader->ListCollections(db.id, limit ? *limit : -1, offset ? *offset : 0));
    std::vector<CollectionInfo> out;
    out.reserve(rows.size());
    for (const auto& r : rows) {
      OCHRE_ASSIGN_OR_RETURN(CollectionInfo info, InfoFromRow(r));
      out.push_back(std::move(info));
    }
    return out;
  }

  Result<int64_t> CountCollections(const Scope& scope) override {
    OCHRE_ASSIGN_OR_RETURN(auto reader, engine_->Reader());
    OCHRE_ASSIGN_OR_RETURN(DatabaseInfo db, reader->GetDatabase(scope.database, scope.tenant));
    return reader->CountCollections(db.id);
  }

  Status DeleteCollection(std::string_view name, const Scope& scope) override {
    std::optional<storage::CollectionRow> row;
    {
      OCHRE_ASSIGN_OR_RETURN(auto reader, engine_->Reader());
      OCHRE_ASSIGN_OR_RETURN(DatabaseInfo db, reader->GetDatabase(scope.database, scope.tenant));
      OCHRE_ASSIGN_OR_RETURN(row, reader->FindCollectionByName(db.id, name));
    }
    if (!row) return Status::NotFound("Collection [" + std::string(name) + "] does not exist");
    return DropCollection(*row);
  }

  Status Reset() override {
    if (!settings_.allow_reset) {
      return Status::PermissionDenied(
          "Reset is disabled by config: open the client with Settings{.allow_reset = true} to allow it");
    }
    std::vector<storage::CollectionRow> all;
    {
      OCHRE_ASSIGN_OR_RETURN(api::Engine::CommitGuard commit, engine_->LockCommits());
      auto w = engine_->Writer();
      OCHRE_ASSIGN_OR_RETURN(all, w->AllCollections());
      for (const auto& c : all) OCHRE_RETURN_IF_ERROR(engine_->MarkCollectionDeleted(c.id));
      w->db()->ResetStatements();
      storage::Transaction txn(w->db());
      OCHRE_RETURN_IF_ERROR(txn.Start());
      OCHRE_RETURN_IF_ERROR(w->ResetAll());
      OCHRE_RETURN_IF_ERROR(txn.Commit());
    }
    engine_->ForgetAllStates();
    for (const auto& c : all) engine_->RemoveCollectionFiles(c.id);
    return Status::Ok();
  }

  Status CreateTenant(std::string_view name) override {
    OCHRE_RETURN_IF_ERROR(ValidateTenantName(name));
    OCHRE_ASSIGN_OR_RETURN(api::Engine::CommitGuard commit, engine_->LockCommits());
    auto w = engine_->Writer();
    return w->CreateTenant(name);
  }

  Result<std::string> GetTenant(std::string_view name) override {
    OCHRE_ASSIGN_OR_RETURN(auto reader, engine_->Reader());
    OCHRE_ASSIGN_OR_RETURN(bool exists, reader->TenantExists(name));
    if (!exists) return Status::NotFound("Tenant [" + std::string(name) + "] not found");
    return std::string(name);
  }

  Status CreateDatabase(std::string_view name, std::string_view tenant) override {
    OCHRE_RETURN_IF_ERROR(ValidateName(name));
    OCHRE_ASSIGN_OR_RETURN(api::Engine::CommitGuard commit, engine_->LockCommits());
    auto w = engine_->Writer();
    return w->CreateDatabase(NewUuid(), name, tenant);
  }

  Result<DatabaseInfo> GetDatabase(std::string_view name, std::string_view tenant) override {
    OCHRE_ASSIGN_OR_RETURN(auto reader, engine_->Reader());
    return reader->GetDatabase(name, tenant);
  }

  Status DeleteDatabase(std::string_view name, std::string_view tenant) override {
    std::vector<storage::CollectionRow> rows;
    DatabaseInfo db;
    {
      OCHRE_ASSIGN_OR_RETURN(auto reader, engine_->Reader());
      OCHRE_ASSIGN_OR_RETURN(db, reader->GetDatabase(name, tenant));
      OCHRE_ASSIGN_OR_RETURN(rows, reader->ListCollections(db.id, -1, 0));
    }
    for (const auto& r : rows) OCHRE_RETURN_IF_ERROR(DropCollection(r));
    OCHRE_ASSIGN_OR_RETURN(api::Engine::CommitGuard commit, engine_->LockCommits());
    auto w = engine_->Writer();
    storage::Transaction txn(w->db());
    OCHRE_RETURN_IF_ERROR(txn.Start());
    OCHRE_RETURN_IF_ERROR(w->DeleteDatabaseRow(db.id));
    return txn.Commit();
  }

  Result<std::vector<DatabaseInfo>> ListDatabases(std::optional<int64_t> limit, std::optional<int64_t> offset,
                                                  std::string_view tenant) override {
    OCHRE_RETURN_IF_ERROR(ValidateListArgs(limit, offset));
    OCHRE_ASSIGN_OR_RETURN(auto reader, engine_->Reader());
    return reader->ListDatabases(tenant, limit ? *limit : -1, offset ? *offset : 0);
  }

  Status Checkpoint() override { return engine_->Checkpoint(/*drain=*/true); }

 private:
  Result<std::shared_ptr<Collection>> Create(const CreateCollectionOptions& o, const Scope& scope, bool get_or_create) {
    OCHRE_RETURN_IF_ERROR(ValidateName(o.name));
    if (o.metadata) {
      if (o.metadata->empty()) return Status::InvalidArgument("Metadata cannot be empty");
      OCHRE_RETURN_IF_ERROR(ValidateMetadata(*o.metadata, /*allow_null=*/false, /*is_collection=*/true));
    }
    OCHRE_ASSIGN_OR_RETURN(std::optional<CollectionConfigurationUpdate> requested,
                           MergeSchemaIntoConfiguration(o.schema_json, o.configuration));
    OCHRE_ASSIGN_OR_RETURN(CollectionConfiguration config,
                           ResolveConfiguration(requested, o.metadata, o.embedding_function.get()));
    OCHRE_RETURN_IF_ERROR(AttachSchema(o.schema_json, &config));
    storage::CollectionRow row;
    {
      OCHRE_ASSIGN_OR_RETURN(api::Engine::CommitGuard commit, engine_->LockCommits());
      auto w = engine_->Writer();
      OCHRE_ASSIGN_OR_RETURN(DatabaseInfo db, w->GetDatabase(scope.database, scope.tenant));
      OCHRE_ASSIGN_OR_RETURN(auto existing, w->FindCollectionByName(db.id, o.name));
      if (existing) {
        if (!get_or_create) return Status::AlreadyExists("Collection [" + o.name + "] already exists");
        row = std::move(*existing);
      } else {
        row.id = NewUuid();
        row.name = o.name;
        row.database_id = db.id;
        row.config_json = ConfigurationToJson(config);
        if (o.metadata) row.metadata_json = storage::EncodeMetadata(*o.metadata);
        storage::Transaction txn(w->db());
        OCHRE_RETURN_IF_ERROR(txn.Start());
        OCHRE_RETURN_IF_ERROR(w->InsertCollection(row));
        OCHRE_RETURN_IF_ERROR(txn.Commit());
        OCHRE_ASSIGN_OR_RETURN(auto created, w->FindCollectionById(row.id));
        if (!created) return Status::Internal("collection vanished right after its creation");
        row = std::move(*created);
      }
    }
    return Handle(row, std::optional<std::shared_ptr<EmbeddingFunction>>(o.embedding_function));
  }

  // A handle with the embedding function resolved against the recorded one.
  Result<std::shared_ptr<Collection>> Handle(const storage::CollectionRow& row,
                                             const std::optional<std::shared_ptr<EmbeddingFunction>>& requested) {
    OCHRE_ASSIGN_OR_RETURN(CollectionInfo info, InfoFromRow(row));
    std::shared_ptr<EmbeddingFunction> ef;
    const auto& recorded = info.configuration.embedding_function;
    if (!requested) {
      if (recorded && recorded->type == "known") {
        auto built = EmbeddingFunctionFromDescriptor(*recorded);
        if (built.ok()) ef = *built;
      }
    } else {
      ef = *requested;
      if (ef && recorded && recorded->type == "known" && recorded->name != ef->Name()) {
        return Status::InvalidArgument(
            "An embedding function already exists in the collection configuration, and a new one is provided. If "
            "this is intentional, please embed documents separately. Embedding function conflict: new: " +
            ef->Name() + " vs persisted: " + recorded->name);
      }
    }
    auto state = engine_->State(row);
    return std::shared_ptr<Collection>(
        std::make_shared<CollectionImpl>(engine_, std::move(state), std::move(info), std::move(ef), kMaxBatchSize));
  }

  Status DropCollection(const storage::CollectionRow& row) {
    auto state = engine_->State(row);
    {
      std::lock_guard<std::mutex> write_lock(state->write_mu());
      OCHRE_ASSIGN_OR_RETURN(api::Engine::CommitGuard commit, engine_->LockCommits());
      auto w = engine_->Writer();
      // Another process may have deleted it meanwhile.
      OCHRE_ASSIGN_OR_RETURN(auto current, w->FindCollectionById(row.id));
      if (!current) return Status::NotFound("Collection [" + row.name + "] does not exist");
      w->db()->ResetStatements();
      // The proof that the folder may go, should this process die between the commit and the removal.
      OCHRE_RETURN_IF_ERROR(engine_->MarkCollectionDeleted(row.id));
      storage::Transaction txn(w->db());
      OCHRE_RETURN_IF_ERROR(txn.Start());
      OCHRE_RETURN_IF_ERROR(w->DeleteCollection(row.cid));
      Status committed = txn.Commit();
      if (!committed.ok()) {
        (void)RemoveFile(JoinPath(engine_->CollectionDir(row.id), "DELETED"));
        return committed;
      }
    }
    engine_->ForgetState(row.cid);
    engine_->RemoveCollectionFiles(row.id);
    return Status::Ok();
  }

  std::shared_ptr<Engine> engine_;
  Settings settings_;
};

}  // namespace
}  // namespace api

Result<std::unique_ptr<Client>> PersistentClient::Open(const std::string& path, const Settings& settings) {
  OCHRE_ASSIGN_OR_RETURN(auto engine, api::Engine::OpenPersistent(path, settings));
  return std::unique_ptr<Client>(std::make_unique<api::ClientImpl>(std::move(engine), settings));
}

Result<std::unique_ptr<Client>> EphemeralClient::Open(const Settings& settings) {
  OCHRE_ASSIGN_OR_RETURN(auto engine, api::Engine::OpenEphemeral(settings));
  return std::unique_ptr<Client>(std::make_unique<api::ClientImpl>(std::move(engine), settings));
}

}  // namespace ochre
