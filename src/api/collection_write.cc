// Copyright 2026 The OchreDB Authors.
//
// The write path: add, upsert, update and delete, following the commit protocol (DESIGN.md):
//   1. validate the whole batch (nothing is written for a bad batch);
//   2. embed documents that came without embeddings;
//   3. append the new vectors to vectors.f32 past the committed rows and fdatasync them;
//   4. one SQLite transaction with the records, their metadata and FTS rows and the new committed
//      row count: the single commit point, after which the write is acknowledged;
//   5. apply to the in-memory index.
// A failure before the commit truncates the appended rows again. Writers of one collection are
// serialized by its write lock; the catalog lock is held only for the SQL, never across an fsync.
#include <cmath>
#include <optional>
#include <unordered_map>

#include "api/collection_config.h"
#include "api/collection_impl.h"
#include "api/collection_schema.h"
#include "api/stored_metadata.h"
#include "common/logging.h"
#include "query/filter_sql.h"
#include "storage/metadata_codec.h"

namespace ochre::api {

namespace {

enum class Action : uint8_t { kInsert, kRewrite };

// From just before a write's commit until its in-memory apply is done (or given up): readers leave
// that one commit to the writer (CollectionState::NoteLocalCommit).
struct LocalCommitScope {
  LocalCommitScope(CollectionState* s, int64_t seq) : state(s) { state->NoteLocalCommit(seq); }
  ~LocalCommitScope() { state->NoteLocalCommit(-1); }
  LocalCommitScope(const LocalCommitScope&) = delete;
  LocalCommitScope& operator=(const LocalCommitScope&) = delete;
  CollectionState* state;
};

struct PlannedWrite {
  size_t index;  // position in the batch
  Action action;
  const storage::RecordRow* existing;  // kRewrite: the record as it is
  bool new_vector;                     // appends the batch's embedding
  uint32_t row = 0;                    // the record's vector row after the write
  int64_t rid = 0;                     // the record's rid (set at the commit for inserts)
};

// Chroma merges update/upsert metadata key by key; a null value deletes the key.
Metadata MergeMetadata(Metadata base, const Metadata& update) {
  for (const auto& [key, value] : update) {
    if (std::holds_alternative<std::monostate>(value)) {
      base.erase(key);
    } else {
      base[key] = value;
    }
  }
  return base;
}

Status CheckEmbedded(const FloatMatrix& m, size_t expected_rows, const std::string& ef_name) {
  if (m.rows() != expected_rows || m.dim() == 0) {
    return Status::InvalidArgument("embedding function " + ef_name + " returned " + std::to_string(m.rows()) +
                                   " embeddings for " + std::to_string(expected_rows) + " documents");
  }
  for (float f : m.data()) {
    if (!std::isfinite(f))
      return Status::InvalidArgument("embedding function " + ef_name + " returned NaN or Infinity");
  }
  return Status::Ok();
}

}  // namespace

Status CollectionImpl::Write(const RecordBatch& in, WriteKind kind) {
  OCHRE_RETURN_IF_ERROR(Deleted());
  OCHRE_RETURN_IF_ERROR(ValidateBatch(in, kind, max_batch_));
  const size_t n = in.ids.size();

  // 2. Embed documents that came without embeddings (outside every lock: it may be slow).
  std::optional<FloatMatrix> computed;
  const FloatMatrix* embeddings = in.embeddings ? &*in.embeddings : nullptr;
  if (!embeddings && in.documents) {
    bool all_documents = true;
    for (const auto& d : *in.documents) all_documents = all_documents && d.has_value();
    if (embedding_function_ && all_documents) {
      std::vector<std::string> texts;
      texts.reserve(n);
      for (const auto& d : *in.documents) texts.push_back(*d);
      OCHRE_ASSIGN_OR_RETURN(computed, embedding_function_->Embed(texts));
      OCHRE_RETURN_IF_ERROR(CheckEmbedded(*computed, n, embedding_function_->Name()));
      embeddings = &*computed;
    } else if (kind != WriteKind::kUpdate) {
      return Status::InvalidArgument("You must provide embeddings or an embedding function: collection " + id_ +
                                     " has no embedding function to embed the documents with");
    }
  }

  std::lock_guard<std::mutex> write_lock(state_->write_mu());
  OCHRE_RETURN_IF_ERROR(Deleted());
  // From here to the commit, no other writer of this database, in any process: the committed state
  // read below is the one this write builds on.
  OCHRE_ASSIGN_OR_RETURN(Engine::CommitGuard commit, engine_->LockCommits());

  storage::CollectionRow row;
  std::vector<storage::RecordRow> existing;
  {
    auto w = engine_->Writer();
    OCHRE_ASSIGN_OR_RETURN(row, Row(w.get()));
    OCHRE_ASSIGN_OR_RETURN(existing, w->FindRecordsByIds(row.cid, in.ids));
  }
  if (embeddings && row.dimension && *row.dimension != int64_t(embeddings->dim())) {
    return Status::DimensionMismatch("Collection expecting embedding with dimension of " +
                                     std::to_string(*row.dimension) + ", got " + std::to_string(embeddings->dim()));
  }

  // Plan: which records are inserted, which rewritten, which skipped (Chroma's semantics).
  std::unordered_map<std::string_view, const storage::RecordRow*> by_id;
  for (const auto& r : existing) by_id.emplace(r.id, &r);
  std::vector<PlannedWrite> plan;
  plan.reserve(n);
  size_t skipped = 0;
  for (size_t i = 0; i < n; ++i) {
    auto it = by_id.find(in.ids[i]);
    const storage::RecordRow* old = it == by_id.end() ? nullptr : it->second;
    if (kind == WriteKind::kAdd && old) {
      ++skipped;
      continue;
    }
    if (kind == WriteKind::kUpdate && !old) {
      ++skipped;
      continue;
    }
    if (!old && !embeddings) {
      // An upsert of a new id needs a vector.
      return Status::InvalidArgument("Record '" + in.ids[i] +
                                     "' does not exist and the upsert has no embedding for it");
    }
    const bool keep = !in.keep_embedding.empty() && in.keep_embedding[i];
    plan.push_back(PlannedWrite{i, old ? Action::kRewrite : Action::kInsert, old, embeddings != nullptr && !keep});
  }
  if (skipped) {
    OCHRE_LOG_DEBUG("{} of collection {}: skipped {} record(s) ({})", WriteKindName(kind), id_, skipped,
                    kind == WriteKind::kAdd ? "ids already exist" : "ids do not exist");
  }
  if (plan.empty()) return Status::Ok();
  size_t appended = 0;  // planned writes that append a vector
  for (const auto& p : plan) appended += p.new_vector ? 1 : 0;

  // 3. Append the new vectors and make them durable.
  std::shared_ptr<VectorRuntime> rt;
  if (appended > 0) {
    {
      OCHRE_ASSIGN_OR_RETURN(auto reader, engine_->Reader());
      OCHRE_ASSIGN_OR_RETURN(rt, Runtime(row, reader.get()));
    }
    if (!rt) {
      OCHRE_ASSIGN_OR_RETURN(CollectionConfiguration config, ConfigurationFromJson(row.config_json));
      OCHRE_ASSIGN_OR_RETURN(rt, state_->CreateRuntime(uint32_t(embeddings->dim()), config.hnsw));
      engine_->NoteOpen(state_);
      std::lock_guard<std::mutex> sync(state_->sync_mu());
      rt->seen_seq = row.write_seq;
      rt->seen_dead = row.dead_rows;
    }
    if (rt->generation != row.generation || rt->seen_seq != row.write_seq) {
      return Status::Internal("collection " + id_ + ": the vectors did not catch up with the catalog");
    }
    // Append right after the committed rows (another process may have appended since this process
    // last wrote, or an interrupted writer may have left an uncommitted tail there).
    OCHRE_RETURN_IF_ERROR(rt->store->ResetToCommitted(uint32_t(row.committed_rows)));
  }
  uint32_t old_size = rt ? rt->store->size() : 0;
  std::vector<uint32_t> new_rows, dead_rows;
  if (rt) {
    std::vector<float> buffer;
    const size_t dim = embeddings->dim();
    buffer.reserve(appended * dim);
    for (const auto& p : plan) {
      if (p.new_vector) buffer.insert(buffer.end(), embeddings->row(p.index), embeddings->row(p.index) + dim);
    }
    auto first = rt->store->Append(buffer.data(), uint32_t(appended));
    if (!first.ok()) {
      (void)rt->store->TruncateTo(old_size);
      return first.status();
    }
    Status synced = rt->store->Sync();
    if (!synced.ok()) {
      (void)rt->store->TruncateTo(old_size);
      return synced;
    }
    // Readable before the commit: a reader that sees a committed record must find its row. No
    // record points at these rows until the commit, and a failed commit unpublishes them.
    rt->store->Publish(rt->store->size());
    uint32_t next = *first;
    for (auto& p : plan) {
      if (!p.new_vector) {
        p.row = p.existing->row;  // an update that keeps this record's embedding
        continue;
      }
      p.row = next++;
      new_rows.push_back(p.row);
      if (p.existing) dead_rows.push_back(p.existing->row);
    }
  } else {
    for (auto& p : plan) p.row = p.existing->row;
  }

  // Metadata keys the schema does not list yet are added to it in the same transaction.
  std::optional<std::string> extended_config;
  if (in.metadatas) {
    std::vector<const Metadata*> written;  // of the records written, not the skipped ones
    for (const auto& p : plan) {
      if (const auto& m = (*in.metadatas)[p.index]) written.push_back(&*m);
    }
    OCHRE_ASSIGN_OR_RETURN(extended_config, ExtendSchemaWithKeys(row.config_json, written));
  }

  // 4. The commit point. The filter index follows the records (api/filter_index.h).
  FilterIndexSlot::WriteScope filter_write(&state_->filter_index(), row.write_seq);
  SparseIndexSlot::WriteScope sparse_write(&state_->sparse_index(), row.write_seq);
  LocalCommitScope local_commit(state_.get(), row.write_seq + 1);
  Status committed = [&]() -> Status {
    auto w = engine_->Writer();
    storage::Transaction txn(w->db());
    OCHRE_RETURN_IF_ERROR(txn.Start());
    const bool new_dimension = appended > 0 && !row.dimension;
    if (new_dimension || extended_config) {
      if (new_dimension) row.dimension = int64_t(embeddings->dim());
      if (extended_config) row.config_json = *extended_config;
      OCHRE_RETURN_IF_ERROR(w->UpdateCollection(row));
    }
    static const std::optional<std::string> kNone;
    for (auto& p : plan) {
      const size_t i = p.index;
      storage::RecordWrite rec;
      rec.id = in.ids[i];
      rec.row = p.row;
      const std::optional<std::string>* doc = in.documents ? &(*in.documents)[i] : nullptr;
      const std::optional<std::string>* uri = in.uris ? &(*in.uris)[i] : nullptr;
      const std::optional<Metadata>* meta = in.metadatas ? &(*in.metadatas)[i] : nullptr;
      if (p.action == Action::kInsert) {
        rec.document = doc ? doc : &kNone;
        rec.uri = uri ? uri : &kNone;
        // An upsert that inserts may carry nulls ("delete this key"): there is nothing to delete.
        Metadata fresh;
        if (meta && *meta) fresh = MergeMetadata({}, **meta);
        rec.metadata = &fresh;
        OCHRE_ASSIGN_OR_RETURN(p.rid, w->InsertRecord(row.cid, rec));
        filter_write.Inserted(p.rid, &fresh);
        sparse_write.Inserted(p.rid, &fresh);
        continue;
      }
      const storage::RecordRow& old = *p.existing;
      p.rid = old.rid;
      std::optional<Metadata> before;  // decoded once, for the merge and for the derived indexes
      if (old.metadata_json) {
        OCHRE_ASSIGN_OR_RETURN(Metadata m, storage::DecodeMetadata(*old.metadata_json));
        before = std::move(m);
      }
      Metadata merged = before.value_or(Metadata{});
      if (meta && *meta) merged = MergeMetadata(std::move(merged), **meta);
      rec.metadata = &merged;
      rec.document = (doc && doc->has_value()) ? doc : &old.document;
      rec.uri = (uri && uri->has_value()) ? uri : &old.uri;
      OCHRE_RETURN_IF_ERROR(w->RewriteRecord(row.cid, old, rec));
      filter_write.Rewritten(old.rid, before, &merged);
      sparse_write.Rewritten(old.rid, before, &merged);
    }
    int64_t committed_rows = rt ? int64_t(rt->store->size()) : row.committed_rows;
    OCHRE_RETURN_IF_ERROR(w->SetRowCounts(row.cid, committed_rows, row.dead_rows + int64_t(dead_rows.size())));
    return txn.Commit();
  }();
  filter_write.Finish(committed.ok());
  sparse_write.Finish(committed.ok());
  if (!committed.ok()) {
    if (rt) (void)rt->store->TruncateTo(old_size);
    return committed;
  }

  // 5. Apply to the exact index (the graph follows in the background; queries scan the rows it
  // has not reached yet). The write is durable already; if the index cannot take it, it is rebuilt
  // from the catalog at the next use.
  commit.Release();  // other processes may write now; the in-memory apply is this process's alone
  if (rt) {
    std::lock_guard<std::mutex> sync(state_->sync_mu());
    // A reader may have caught up with this commit already (it read the catalog between the
    // commit and here): then there is nothing left to apply.
    if (rt->seen_seq != row.write_seq) return Status::Ok();
    rt->committed_rows.store(rt->store->size(), std::memory_order_release);
    {
      std::unique_lock<std::shared_mutex> lock(rt->rid_mu);
      for (const auto& p : plan) rt->row_of_rid[p.rid] = p.row;
    }
    Status applied = rt->InsertCommitted(new_rows);
    for (uint32_t r : dead_rows) rt->DeleteCommitted(r);
    rt->seen_seq = row.write_seq + 1;
    rt->seen_dead = row.dead_rows + int64_t(dead_rows.size());
    if (!applied.ok()) {
      OCHRE_LOG_WARN("collection {}: index update failed ({}); rebuilding it at the next use", id_, applied.ToString());
      state_->Unload();
    } else {
      engine_->NotifyIndexer(state_);
    }
  }
  return Status::Ok();
}

Result<int64_t> CollectionImpl::Delete(const DeleteOptions& o) {
  OCHRE_RETURN_IF_ERROR(Deleted());
  const bool has_filter = o.where.has_value() || o.where_document.has_value();
  if (o.limit && !has_filter) {
    return Status::InvalidArgument("limit can only be specified when a where or where_document clause is provided");
  }
  if (o.limit && *o.limit < 0) return Status::InvalidArgument("Expected limit to be a non-negative integer");
  if (!has_filter && (!o.ids || o.ids->empty())) {
    return Status::InvalidArgument("At least one of ids, where, or where_document must be provided");
  }
  if (o.ids) {
    for (const auto& id : *o.ids) {
      if (id.empty()) return Status::InvalidArgument("Empty ID, ID must have at least one character");
    }
  }
  if (o.limit && *o.limit == 0) return int64_t{0};

  std::lock_guard<std::mutex> write_lock(state_->write_mu());
  OCHRE_RETURN_IF_ERROR(Deleted());
  OCHRE_ASSIGN_OR_RETURN(Engine::CommitGuard commit, engine_->LockCommits());
  std::vector<storage::RecordRow> doomed;
  int64_t reported = 0;
  storage::CollectionRow row;
  std::optional<LocalCommitScope> local_commit;
  {
    auto w = engine_->Writer();
    OCHRE_ASSIGN_OR_RETURN(row, Row(w.get()));
    if (has_filter) {
      const WhereNode* where = o.where ? &*o.where : nullptr;
      const WhereDocumentNode* where_document = o.where_document ? &*o.where_document : nullptr;
      if (!row.fts_ready && query::UsesDocumentIndex(where, where_document)) {
        // The first document filter builds the index (EnsureDocumentIndex), here under the locks
        // this delete holds already; should that fail, the filter scans the documents.
        Status built = BuildDocumentIndexLocked(w.get(), &row);
        if (!built.ok()) {
          OCHRE_LOG_WARN("collection {}: cannot build the document index ({}); document filters scan the documents",
                         id_, built.ToString());
        }
      }
      OCHRE_ASSIGN_OR_RETURN(query::RidQuery filter,
                             query::CompileFilter(row.cid, where, where_document, row.fts_ready));
      OCHRE_ASSIGN_OR_RETURN(doomed, w->SelectRecords(row.cid, filter.sql, filter.params, o.ids ? &*o.ids : nullptr,
                                                      o.limit ? *o.limit : -1, 0, /*with_payload=*/true));
      reported = int64_t(doomed.size());
    } else {
      OCHRE_ASSIGN_OR_RETURN(doomed, w->FindRecordsByIds(row.cid, *o.ids));
      reported = int64_t(o.ids->size());  // Chroma reports len(ids), not the number removed
    }
    if (doomed.empty()) return reported;
    FilterIndexSlot::WriteScope filter_write(&state_->filter_index(), row.write_seq);
    SparseIndexSlot::WriteScope sparse_write(&state_->sparse_index(), row.write_seq);
    local_commit.emplace(state_.get(), row.write_seq + 1);
    storage::Transaction txn(w->db());
    OCHRE_RETURN_IF_ERROR(txn.Start());
    for (const auto& r : doomed) {
      OCHRE_RETURN_IF_ERROR(w->DeleteRecord(row.cid, r));
      if (filter_write.recording() || sparse_write.recording()) {
        std::optional<Metadata> before;  // decoded once for both indexes
        if (r.metadata_json) {
          OCHRE_ASSIGN_OR_RETURN(Metadata m, DecodeStoredMetadata(*r.metadata_json));
          before = std::move(m);
        }
        filter_write.Deleted(r.rid, before);
        sparse_write.Deleted(r.rid, before);
      }
    }
    OCHRE_RETURN_IF_ERROR(w->SetRowCounts(row.cid, row.committed_rows, row.dead_rows + int64_t(doomed.size())));
    OCHRE_RETURN_IF_ERROR(txn.Commit());
    filter_write.Finish(true);
    sparse_write.Finish(true);
  }
  commit.Release();
  if (auto rt = state_->LoadedRuntime()) {
    std::lock_guard<std::mutex> sync(state_->sync_mu());
    // Applied only to a runtime that had seen every commit before this one; else the next read
    // catches up with all of them from the catalog.
    if (rt->generation != row.generation || rt->seen_seq != row.write_seq) return reported;
    for (const auto& r : doomed) rt->DeleteCommitted(r.row);
    rt->seen_seq = row.write_seq + 1;
    rt->seen_dead = row.dead_rows + int64_t(doomed.size());
    {
      std::unique_lock<std::shared_mutex> lock(rt->rid_mu);
      for (const auto& r : doomed) rt->row_of_rid.erase(r.rid);
    }
    engine_->NotifyIndexer(state_);
  }
  return reported;
}

}  // namespace ochre::api
