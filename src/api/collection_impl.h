// Copyright 2026 The OchreDB Authors.
//
// CollectionImpl: the Collection handle. Reads (get, query, count, peek) are in collection_read.cc;
// writes (add, upsert, update, delete: the commit protocol) in collection_write.cc; the rest here.
#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "api/collection_state.h"
#include "api/engine.h"
#include "api/filtered_read.h"
#include "api/validation.h"
#include "ochre/collection.h"

namespace ochre::api {

// The description of a collection from its catalog row.
Result<CollectionInfo> InfoFromRow(const storage::CollectionRow& row);

// The configuration stored as `config_json` (a catalog row's), parsed once per distinct text and
// shared: every query needs it, the server makes a new handle per request, and parsing the JSON
// each time cost more than the rest of a query's bookkeeping. Keyed by the text itself, so a change
// (modify, another handle) is a new key and never answered from a stale entry. Thread-safe.
Result<std::shared_ptr<const CollectionConfiguration>> CachedConfiguration(const std::string& config_json);

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
  Result<SparseQueryResult> QuerySparse(const SparseQueryOptions& options) const override;
  Result<int64_t> Count() const override;
  Result<IndexingStatus> GetIndexingStatus() const override;
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
  Status Deleted() const {
    OCHRE_RETURN_IF_ERROR(engine_->CheckProcess());
    return state_->NotFoundIfDeleted();
  }
  // The start of a read: a reader connection with the collection's row and, when `runtime`, its
  // vectors and indexes caught up with that row and of its generation. The read's later statements
  // see the catalog as it is then (never older than the row); another process may compact the
  // collection meanwhile, so a read that maps records to vector rows checks afterwards that the
  // generation is still the runtime's, and is done again if not (*stale).
  struct ReadContext {
    std::optional<Engine::ReaderLease> reader;
    storage::CollectionRow row;
    std::shared_ptr<VectorRuntime> rt;
  };
  Result<ReadContext> BeginRead(bool runtime) const;
  // True when the collection's generation is no longer `rt`'s (read with a new statement).
  Result<bool> GenerationMoved(storage::CatalogConn* conn, const VectorRuntime& rt) const;
  // Before a read whose filter would narrow a substring test with the FTS index
  // (query::UsesDocumentIndex): builds the collection's index if it has none yet, in one
  // transaction under the commit lock (the first use pays for the build; collections never
  // filtered by document text never carry an index). A failure (a read-only database, a full
  // disk) is logged and the read goes on: it then tests every document, with the same answer.
  // Must not be called while holding the ReadGuard (it takes the commit lock).
  void EnsureDocumentIndex(const std::optional<WhereNode>& where,
                           const std::optional<WhereDocumentNode>& where_document) const;
  // The same with the commit lock and the writer connection held (Delete): builds in its own
  // transaction, then sets row->fts_ready.
  Status BuildDocumentIndexLocked(storage::CatalogConn* writer, storage::CollectionRow* row) const;
  // Ok, or Corruption naming this collection when a read of `rt`'s vector rows met rows that do
  // not match their checksum (RowChunks::Intact). Called after reading rows, before answering.
  Status RowsIntact(const VectorRuntime& rt) const;
  Result<GetResult> GetAttempt(const GetOptions& options, bool* stale) const;
  Result<QueryResult> QueryAttempt(const QueryOptions& options, bool* stale) const;

  std::shared_ptr<Engine> engine_;
  std::shared_ptr<CollectionState> state_;
  const std::string id_;
  std::shared_ptr<EmbeddingFunction> embedding_function_;
  const int64_t max_batch_;
  mutable std::mutex info_mu_;
  mutable CollectionInfo info_;  // GUARDED_BY(info_mu_): as of creation or the last Info()/Modify()
};

}  // namespace ochre::api
