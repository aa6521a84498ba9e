// Copyright 2026 The OchreDB Authors.
#include "api/collection_impl.h"

#include <chrono>
#include <unordered_map>

#include "api/collection_config.h"
#include "api/collection_schema.h"
#include "api/compaction.h"
#include "common/logging.h"
#include "query/filter_sql.h"
#include "storage/metadata_codec.h"

namespace ochre::api {

Result<std::shared_ptr<const CollectionConfiguration>> CachedConfiguration(const std::string& config_json) {
  // Collections mostly share a few configurations (the defaults), so the cache stays small; past
  // kMaxEntries distinct texts it starts over rather than grow without bound.
  constexpr size_t kMaxEntries = 256;
  static std::mutex* mu = new std::mutex;
  static auto* cache = new std::unordered_map<std::string, std::shared_ptr<const CollectionConfiguration>>;
  {
    std::lock_guard<std::mutex> lock(*mu);
    auto it = cache->find(config_json);
    if (it != cache->end()) return it->second;
  }
  OCHRE_ASSIGN_OR_RETURN(CollectionConfiguration parsed, ConfigurationFromJson(config_json));
  auto config = std::make_shared<const CollectionConfiguration>(std::move(parsed));
  std::lock_guard<std::mutex> lock(*mu);
  if (cache->size() >= kMaxEntries) cache->clear();
  cache->emplace(config_json, config);
  return config;
}

Result<CollectionInfo> InfoFromRow(const storage::CollectionRow& row) {
  CollectionInfo info;
  info.id = row.id;
  info.name = row.name;
  info.dimension = row.dimension;
  info.tenant = row.tenant;
  info.database = row.database_name;
  OCHRE_ASSIGN_OR_RETURN(auto config, CachedConfiguration(row.config_json));
  info.configuration = *config;
  if (row.metadata_json) {
    OCHRE_ASSIGN_OR_RETURN(Metadata m, storage::DecodeMetadata(*row.metadata_json));
    info.metadata = std::move(m);
  }
  return info;
}

CollectionImpl::CollectionImpl(std::shared_ptr<Engine> engine, std::shared_ptr<CollectionState> state,
                               CollectionInfo info, std::shared_ptr<EmbeddingFunction> embedding_function,
                               int64_t max_batch)
    : engine_(std::move(engine)),
      state_(std::move(state)),
      id_(info.id),
      embedding_function_(std::move(embedding_function)),
      max_batch_(max_batch),
      info_(std::move(info)) {}

std::string CollectionImpl::name() const {
  std::lock_guard<std::mutex> lock(info_mu_);
  return info_.name;
}

std::optional<Metadata> CollectionImpl::metadata() const {
  std::lock_guard<std::mutex> lock(info_mu_);
  return info_.metadata;
}

Result<storage::CollectionRow> CollectionImpl::Row(storage::CatalogConn* conn) const {
  OCHRE_RETURN_IF_ERROR(Deleted());
  OCHRE_ASSIGN_OR_RETURN(auto row, conn->FindCollectionById(id_));
  if (!row) return Status::NotFound("Collection [" + id_ + "] does not exist.");
  return std::move(*row);
}

void CollectionImpl::EnsureDocumentIndex(const std::optional<WhereNode>& where,
                                         const std::optional<WhereDocumentNode>& where_document) const {
  if (state_->fts_known_ready()) return;
  if (!query::UsesDocumentIndex(where ? &*where : nullptr, where_document ? &*where_document : nullptr)) return;
  if (engine_->read_only()) return;  // nothing can be written: the read scans the documents
  Status s = [&]() -> Status {
    OCHRE_RETURN_IF_ERROR(Deleted());
    {
      // Another process may have built it: a plain read first, so that seeing that costs no lock.
      OCHRE_ASSIGN_OR_RETURN(auto reader, engine_->Reader());
      OCHRE_ASSIGN_OR_RETURN(bool ready, reader->FtsReady(state_->cid()));
      if (ready) {
        state_->NoteFtsReady();
        return Status::Ok();
      }
    }
    // Other writers (in any process) are held off: the build reads the documents as committed and
    // their next writes see the flag set.
    OCHRE_ASSIGN_OR_RETURN(Engine::CommitGuard commit, engine_->LockCommits());
    auto w = engine_->Writer();
    OCHRE_ASSIGN_OR_RETURN(storage::CollectionRow row, Row(w.get()));
    return BuildDocumentIndexLocked(w.get(), &row);
  }();
  if (!s.ok() && !s.IsNotFound()) {
    OCHRE_LOG_WARN("collection {}: cannot build the document index ({}); document filters scan the documents", id_,
                   s.ToString());
  }
}

Status CollectionImpl::BuildDocumentIndexLocked(storage::CatalogConn* writer, storage::CollectionRow* row) const {
  if (!row->fts_ready) {
    const auto start = std::chrono::steady_clock::now();
    storage::Transaction txn(writer->db());
    OCHRE_RETURN_IF_ERROR(txn.Start());
    OCHRE_ASSIGN_OR_RETURN(bool built, writer->BuildFts(row->cid));
    Status committed = txn.Commit();
    if (!committed.ok()) {
      (void)writer->db()->Rollback();  // a failed COMMIT can leave the transaction open
      return committed;
    }
    if (built) {
      const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
      OCHRE_LOG_INFO("collection {}: built the document index at its first document filter ({:.0f} ms)", id_, ms);
    }
    row->fts_ready = true;
  }
  state_->NoteFtsReady();
  return Status::Ok();
}

Result<CollectionImpl::ReadContext> CollectionImpl::BeginRead(bool runtime) const {
  for (int attempt = 0;; ++attempt) {
    ReadContext c;
    OCHRE_ASSIGN_OR_RETURN(auto reader, engine_->Reader());
    c.reader.emplace(std::move(reader));
    OCHRE_ASSIGN_OR_RETURN(c.row, Row(c.reader->get()));
    if (!runtime) return c;
    auto rt = Runtime(c.row, c.reader->get());
    if (!rt.ok()) {
      // The snapshot may name a generation that another process has replaced and removed since
      // (its files go once nobody holds them): a new snapshot names the current one.
      const int64_t seen = c.row.generation;
      (*c.reader)->db()->ResetStatements();
      auto fresh = Row(c.reader->get());
      if (attempt < 8 && fresh.ok() && fresh->generation != seen) continue;
      return rt.status();
    }
    c.rt = std::move(*rt);
    if (!c.rt || c.rt->generation == c.row.generation) return c;
    // The runtime is of a newer generation than the row (another reader loaded a compaction
    // committed since): the row is read again.
    if (attempt >= 8) {
      return Status::Internal("collection " + id_ + ": the catalog and the vectors disagree on the generation (" +
                              std::to_string(c.row.generation) + " vs " + std::to_string(c.rt->generation) + ")");
    }
  }
}

Result<bool> CollectionImpl::GenerationMoved(storage::CatalogConn* conn, const VectorRuntime& rt) const {
  conn->db()->ResetStatements();
  OCHRE_ASSIGN_OR_RETURN(auto now, Row(conn));
  return now.generation != rt.generation;
}

Status CollectionImpl::RowsIntact(const VectorRuntime& rt) const {
  Status s = rt.store->rows().Intact();
  if (s.ok()) [[likely]]
    return s;
  return Status::Corruption("collection '" + name() + "' (" + id_ + "): " + s.message());
}

Result<CollectionInfo> CollectionImpl::Info() const {
  OCHRE_ASSIGN_OR_RETURN(auto reader, engine_->Reader());
  OCHRE_ASSIGN_OR_RETURN(auto row, Row(reader.get()));
  OCHRE_ASSIGN_OR_RETURN(CollectionInfo info, InfoFromRow(row));
  std::lock_guard<std::mutex> lock(info_mu_);
  info_ = info;
  return info;
}

Result<std::shared_ptr<VectorRuntime>> CollectionImpl::Runtime(const storage::CollectionRow& row,
                                                               storage::CatalogConn* conn) const {
  OCHRE_ASSIGN_OR_RETURN(auto config, CachedConfiguration(row.config_json));
  OCHRE_ASSIGN_OR_RETURN(auto rt, state_->Runtime(row, config->hnsw, conn));
  if (rt) {
    if (rt->HasIndexWork()) engine_->NotifyIndexer(state_);
    engine_->NoteOpen(state_);
  }
  return rt;
}

Status CollectionImpl::Modify(const std::optional<std::string>& new_name, const std::optional<Metadata>& new_metadata,
                              const std::optional<CollectionConfigurationUpdate>& new_configuration) {
  if (new_name) OCHRE_RETURN_IF_ERROR(ValidateName(*new_name));
  if (new_metadata) {
    if (new_metadata->empty()) return Status::InvalidArgument("Metadata cannot be empty");
    OCHRE_RETURN_IF_ERROR(ValidateMetadata(*new_metadata, /*allow_null=*/false, /*is_collection=*/true));
  }
  std::lock_guard<std::mutex> write_lock(state_->write_mu());
  OCHRE_RETURN_IF_ERROR(Deleted());
  OCHRE_ASSIGN_OR_RETURN(auto commit, engine_->LockCommits());
  auto w = engine_->Writer();
  OCHRE_ASSIGN_OR_RETURN(auto row, Row(w.get()));
  if (new_name && *new_name != row.name) {
    OCHRE_ASSIGN_OR_RETURN(auto clash, w->FindCollectionByName(row.database_id, *new_name));
    if (clash) return Status::AlreadyExists("Collection [" + *new_name + "] already exists");
    row.name = *new_name;
  }
  if (new_metadata) {
    OCHRE_ASSIGN_OR_RETURN(CollectionConfiguration current, ConfigurationFromJson(row.config_json));
    OCHRE_RETURN_IF_ERROR(ValidateModifiedMetadata(*new_metadata, current));
    row.metadata_json = storage::EncodeMetadata(*new_metadata);
  }
  if (new_configuration) {
    OCHRE_ASSIGN_OR_RETURN(CollectionConfiguration current, ConfigurationFromJson(row.config_json));
    OCHRE_ASSIGN_OR_RETURN(CollectionConfiguration next, ApplyConfigurationUpdate(current, *new_configuration));
    OCHRE_RETURN_IF_ERROR(RefreshSchemaVectorIndex(&next));
    row.config_json = ConfigurationToJson(next);
  }
  storage::Transaction txn(w->db());
  OCHRE_RETURN_IF_ERROR(txn.Start());
  OCHRE_RETURN_IF_ERROR(w->UpdateCollection(row));
  OCHRE_RETURN_IF_ERROR(txn.Commit());
  OCHRE_ASSIGN_OR_RETURN(CollectionInfo info, InfoFromRow(row));
  std::lock_guard<std::mutex> lock(info_mu_);
  info_ = std::move(info);
  return Status::Ok();
}

Result<CompactionStats> CollectionImpl::Compact() {
  OCHRE_RETURN_IF_ERROR(Deleted());
  return CompactCollection(*engine_, state_, /*cancel=*/nullptr);
}

}  // namespace ochre::api
