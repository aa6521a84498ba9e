// Copyright 2026 The OchreDB Authors.
//
// CollectionImpl: the Collection handle. Reads (get, query, count, peek) are in collection_read.cc;
// writes (add, upsert, update, delete: the commit protocol) in collection_write.cc; the rest here.
#pragma once

#include <memory>
#include <mutex>
#include <string>

#include "api/collection_state.h"
#include "api/engine.h"
#include "api/validation.h"
#include "ochre/collection.h"

namespace ochre::api {

// The description of a collection from its catalog row.
Result<CollectionInfo> InfoFromRow(const storage::CollectionRow& row);

class CollectionImpl final : public Collection {
 public:
  CollectionImpl(std::shared_ptr<Engine> engine, std::shared_ptr<CollectionState> state, CollectionInfo info,
                 std::shared_ptr<EmbeddingFunction> embedding_function, int64_t max_batch);

  const std::string& id() const override { return id_; }
  std::string name() const override;
  std::optional<Metadata> metadata() const override;
  Result<CollectionInfo> Info() const override;
  std::shared_ptr<EmbeddingFunction> embedding_function() const override { return embedding_function_; }

  Status Add(const RecordBatch& batch) override { return Write(batch, WriteKind::kAdd); }
  Status Upsert(const RecordBatch& batch) override { return Write(batch, WriteKind::kUpsert); }
  Status Update(const RecordBatch& batch) override { return Write(batch, WriteKind::kUpdate); }
  Result<int64_t> Delete(const DeleteOptions& options) override;

  Result<GetResult> Get(const GetOptions& options) const override;
  Result<QueryResult> Query(const QueryOptions& options) const override;
  Result<int64_t> Count() const override;
  Result<GetResult> Peek(int64_t limit) const override;

  Status Modify(const std::optional<std::string>& new_name, const std::optional<Metadata>& new_metadata,
                const std::optional<CollectionConfigurationUpdate>& new_configuration) override;
  Result<CompactionStats> Compact() override;

 private:
  Status Write(const RecordBatch& batch, WriteKind kind);
  // The catalog row, or NotFound when the collection is gone.
  Result<storage::CollectionRow> Row(storage::CatalogConn* conn) const;
  // The loaded vectors and index (null before the first embedding).
  Result<std::shared_ptr<VectorRuntime>> Runtime(const storage::CollectionRow& row, storage::CatalogConn* conn) const;
  Status Deleted() const { return state_->NotFoundIfDeleted(); }
  // The configuration stored as `config_json` (the catalog row's), parsed once and kept while the
  // text stays the same: every query needs it, and parsing JSON per query cost more than the rest
  // of the query's bookkeeping. Safe from concurrent readers.
  Result<std::shared_ptr<const CollectionConfiguration>> Configuration(const std::string& config_json) const;

  std::shared_ptr<Engine> engine_;
  std::shared_ptr<CollectionState> state_;
  const std::string id_;
  std::shared_ptr<EmbeddingFunction> embedding_function_;
  const int64_t max_batch_;
  mutable std::mutex info_mu_;
  mutable CollectionInfo info_;  // GUARDED_BY(info_mu_): as of creation or the last Info()/Modify()
  mutable std::mutex config_mu_;
  // The last configuration parsed and its text. Keyed by the text rather than invalidated by
  // Modify, so that a change through another handle (or process restart) is seen as well.
  mutable std::string config_json_;                                // GUARDED_BY(config_mu_)
  mutable std::shared_ptr<const CollectionConfiguration> config_;  // GUARDED_BY(config_mu_)
};

}  // namespace ochre::api
