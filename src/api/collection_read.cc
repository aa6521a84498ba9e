// Copyright 2026 The OchreDB Authors.
//
// The read path: get, query, count, peek. Reads never take the collection's write lock: they use
// their own catalog connection (WAL snapshot per statement) and the index, which tolerates a
// concurrent writer. A row the index returns whose record has just been deleted is skipped.
#include <algorithm>
#include <cmath>
#include <unordered_set>

#include "api/collection_config.h"
#include "api/collection_impl.h"
#include "api/filtered_read.h"
#include "api/stored_metadata.h"
#include "query/filter_sql.h"
#include "storage/metadata_codec.h"

namespace ochre::api {

namespace {

Status ValidateLimitOffset(const std::optional<int64_t>& limit, const std::optional<int64_t>& offset) {
  if (limit && *limit < 0)
    return Status::InvalidArgument("Expected limit to be a non-negative integer, got " + std::to_string(*limit));
  if (offset && *offset < 0)
    return Status::InvalidArgument("Expected offset to be a non-negative integer, got " + std::to_string(*offset));
  return Status::Ok();
}

// A record's metadata: none when it has no keys, except that a record with a uri has `{}` (Chroma
// keeps the uri as a metadata key and hides it on read, so such a record has an empty metadata).
// `uri` may have been moved from: only whether it is set counts.
Result<std::optional<Metadata>> DecodeOptional(const std::optional<std::string>& json,
                                               const std::optional<std::string>& uri) {
  Metadata m;
  if (json) {
    OCHRE_ASSIGN_OR_RETURN(m, DecodeStoredMetadata(*json));
  }
  if (m.empty() && !uri.has_value()) return std::optional<Metadata>();
  return std::optional<Metadata>(std::move(m));
}

// The float rows `wanted`, in that order, read with CopyRows in runs of consecutive rows (a get
// returns records in insertion order, so most come as a few runs): from the file, not through the
// mapping, so that reading vectors back does not make them resident again.
std::vector<float> CopyRowsInOrder(const RowChunks& rows, const std::vector<uint32_t>& wanted) {
  constexpr uint32_t kMaxRun = 4096;
  const size_t dim = rows.dim();
  std::vector<float> out(wanted.size() * dim);
  ForEachConsecutiveRun(wanted, kMaxRun,
                        [&](size_t i, uint32_t n) { rows.CopyRows(wanted[i], n, out.data() + i * dim); });
  return out;
}

}  // namespace

Result<GetResult> CollectionImpl::Get(const GetOptions& o) const {
  EnsureDocumentIndex(o.where, o.where_document);
  for (int attempt = 0;; ++attempt) {
    bool stale = false;
    auto r = GetAttempt(o, &stale);
    if (!stale || !r.ok() || attempt >= 8) return r;
  }
}

Result<QueryResult> CollectionImpl::Query(const QueryOptions& o) const {
  EnsureDocumentIndex(o.where, o.where_document);
  for (int attempt = 0;; ++attempt) {
    bool stale = false;
    auto r = QueryAttempt(o, &stale);
    if (!stale || !r.ok() || attempt >= 8) return r;
  }
}

Result<GetResult> CollectionImpl::GetAttempt(const GetOptions& o, bool* stale) const {
  OCHRE_RETURN_IF_ERROR(Deleted());
  OCHRE_RETURN_IF_ERROR(ValidateLimitOffset(o.limit, o.offset));
  if (o.include.distances) return Status::InvalidArgument("Expected include to not contain 'distances' in get");
  // Records' rows and the vectors they point at, of one compaction generation.
  auto generation = state_->ReadGuard();
  OCHRE_ASSIGN_OR_RETURN(ReadContext ctx, BeginRead(/*runtime=*/o.include.embeddings));
  Engine::ReaderLease& reader = *ctx.reader;
  const storage::CollectionRow& row = ctx.row;
  const bool payload = o.include.documents || o.include.metadatas || o.include.uris;
  std::vector<storage::RecordRow> records;
  OCHRE_ASSIGN_OR_RETURN(bool indexed, GetFromFilterIndex(&state_->filter_index(), o, row.cid, row.write_seq,
                                                          reader.get(), payload, &records));
  if (!indexed) {
    query::RidQuery filter;
    if (o.where || o.where_document) {
      OCHRE_ASSIGN_OR_RETURN(filter,
                             query::CompileFilter(row.cid, o.where ? &*o.where : nullptr,
                                                  o.where_document ? &*o.where_document : nullptr, row.fts_ready));
    }
    OCHRE_ASSIGN_OR_RETURN(records, reader->SelectRecords(row.cid, filter.sql, filter.params, o.ids ? &*o.ids : nullptr,
                                                          o.limit ? *o.limit : -1, o.offset ? *o.offset : 0, payload));
  }
  GetResult out;
  out.included = o.include;
  out.ids.reserve(records.size());
  for (const auto& r : records) out.ids.push_back(r.id);
  if (o.include.documents) {
    out.documents.emplace();
    for (auto& r : records) out.documents->push_back(std::move(r.document));
  }
  if (o.include.uris) {
    out.uris.emplace();
    for (auto& r : records) out.uris->push_back(std::move(r.uri));
  }
  if (o.include.metadatas) {
    out.metadatas.emplace();
    for (const auto& r : records) {
      OCHRE_ASSIGN_OR_RETURN(auto m, DecodeOptional(r.metadata_json, r.uri));
      out.metadatas->push_back(std::move(m));
    }
  }
  if (o.include.embeddings) {
    const std::shared_ptr<VectorRuntime>& rt = ctx.rt;
    if (!rt || records.empty()) {
      out.embeddings.emplace();
    } else {
      const RowChunks& rows = rt->store->rows();
      std::vector<uint32_t> wanted;
      wanted.reserve(records.size());
      for (const auto& r : records) {
        if (r.row >= rows.rows()) {
          // Committed by another process after this read caught up (or a generation it compacted
          // since): read again, catching up.
          *stale = true;
          return out;
        }
        wanted.push_back(r.row);
      }
      OCHRE_ASSIGN_OR_RETURN(*stale, GenerationMoved(reader.get(), *rt));
      if (*stale) return out;
      out.embeddings.emplace(rt->dim, CopyRowsInOrder(rows, wanted));
      OCHRE_RETURN_IF_ERROR(RowsIntact(*rt));
    }
  }
  return out;
}

Result<GetResult> CollectionImpl::Peek(int64_t limit) const {
  GetOptions o;
  o.limit = limit;
  o.include = Include{true, true, true, false, false};
  return Get(o);
}

Result<int64_t> CollectionImpl::Count() const {
  OCHRE_RETURN_IF_ERROR(Deleted());
  OCHRE_ASSIGN_OR_RETURN(ReadContext ctx, BeginRead(/*runtime=*/false));
  // The exact index holds one live row per live record: counting it is O(1), where SQL counts the
  // records one by one (3.5 ms at 100k). It is first caught up with other processes' commits.
  if (state_->LoadedRuntime()) {
    OCHRE_ASSIGN_OR_RETURN(auto rt, Runtime(ctx.row, ctx.reader->get()));
    if (rt && rt->generation == ctx.row.generation) return int64_t(rt->live_count());
  }
  return (*ctx.reader)->CountRecords(ctx.row.cid);
}

Result<IndexingStatus> CollectionImpl::GetIndexingStatus() const {
  OCHRE_RETURN_IF_ERROR(Deleted());
  OCHRE_ASSIGN_OR_RETURN(ReadContext ctx, BeginRead(/*runtime=*/true));
  IndexingStatus status;
  if (!ctx.rt) return status;  // no vectors yet
  const uint32_t total = ctx.rt->committed_row_count();
  const uint32_t indexed = std::min(ctx.rt->indexed_rows.load(std::memory_order_acquire), total);
  status.total_ops = total;
  status.num_indexed_ops = indexed;
  status.num_unindexed_ops = int64_t(total) - int64_t(indexed);
  status.op_indexing_progress = total == 0 ? 1.0 : double(indexed) / double(total);
  return status;
}

Result<QueryResult> CollectionImpl::QueryAttempt(const QueryOptions& o, bool* stale) const {
  OCHRE_RETURN_IF_ERROR(Deleted());
  if (o.n_results <= 0) {
    return Status::InvalidArgument("Number of requested results " + std::to_string(o.n_results) +
                                   ", cannot be negative, or zero.");
  }
  if (o.query_embeddings.has_value() == o.query_texts.has_value()) {
    return Status::InvalidArgument("You must provide either query_embeddings or query_texts, not both or neither");
  }
  // The query vectors.
  std::optional<FloatMatrix> embedded;
  const FloatMatrix* queries = nullptr;
  if (o.query_embeddings) {
    queries = &*o.query_embeddings;
  } else {
    if (!embedding_function_) {
      return Status::InvalidArgument("query_texts need an embedding function, and collection " + id_ + " has none");
    }
    if (o.query_texts->empty()) return Status::InvalidArgument("Expected query_texts to be a non-empty list");
    OCHRE_ASSIGN_OR_RETURN(embedded, embedding_function_->EmbedQuery(*o.query_texts));
    if (embedded->rows() != o.query_texts->size()) {
      return Status::InvalidArgument("the embedding function returned the wrong number of embeddings");
    }
    queries = &*embedded;
  }
  if (queries->rows() == 0) return Status::InvalidArgument("Expected query_embeddings to be a non-empty list");
  if (queries->dim() == 0) return Status::InvalidArgument("Each embedding must have at least 1 dimension");
  for (float f : queries->data()) {
    if (!std::isfinite(f)) return Status::InvalidArgument("Embeddings must not contain NaN or Infinity values");
  }

  const size_t nq = queries->rows();
  auto empty_result = [&]() {
    QueryResult r;
    r.included = o.include;
    r.ids.resize(nq);
    if (o.include.documents) r.documents.emplace(nq);
    if (o.include.metadatas) r.metadatas.emplace(nq);
    if (o.include.uris) r.uris.emplace(nq);
    if (o.include.distances) r.distances.emplace(nq);
    if (o.include.embeddings) r.embeddings.emplace(nq);
    return r;
  };
  QueryResult out = empty_result();

  // The rows the index returns and the records they resolve to, of one compaction generation.
  auto generation = state_->ReadGuard();
  OCHRE_ASSIGN_OR_RETURN(ReadContext ctx, BeginRead(/*runtime=*/true));
  Engine::ReaderLease& reader = *ctx.reader;
  const storage::CollectionRow& row = ctx.row;
  const std::shared_ptr<VectorRuntime>& rt = ctx.rt;
  if (!rt) return out;  // nothing embedded yet: empty lists for any query dimension
  if (queries->dim() != rt->dim) {
    return Status::DimensionMismatch("Collection expecting embedding with dimension of " + std::to_string(rt->dim) +
                                     ", got " + std::to_string(queries->dim()));
  }
  OCHRE_ASSIGN_OR_RETURN(auto config, CachedConfiguration(row.config_json));

  for (int pass = 0; pass < 2; ++pass) {
    // Pre-filtering: the allow-list of rows, from the metadata index when it answers the filter
    // (then checked once the hits are resolved: a write that began meanwhile sends the query to the
    // SQL path, pass 1), else from SQL.
    std::optional<RowBitmap> allow;
    FilterIndexSlot::View view;
    bool from_index = false;
    std::optional<ReadSnapshot> snapshot;
    if (o.where || o.where_document || o.ids) {
      allow.emplace(rt->committed_row_count());  // a capacity hint; Set grows the bitmap
      if (pass == 0) {
        OCHRE_ASSIGN_OR_RETURN(from_index, AllowFromFilterIndex(&state_->filter_index(), o, row.cid, row.write_seq,
                                                                reader.get(), *rt, &*allow, &view));
      }
      if (!from_index) snapshot.emplace(reader->db());
      query::RidQuery filter;
      if (!from_index && (o.where || o.where_document)) {
        OCHRE_ASSIGN_OR_RETURN(filter,
                               query::CompileFilter(row.cid, o.where ? &*o.where : nullptr,
                                                    o.where_document ? &*o.where_document : nullptr, row.fts_ready));
      }
      std::vector<uint32_t> matches;
      if (from_index) {
        // The allow-list is set.
      } else if (o.ids) {
        OCHRE_ASSIGN_OR_RETURN(matches, reader->SelectRows(row.cid, filter.sql, filter.params, &*o.ids));
      } else {
        // The filter's rids become rows through the runtime's map: no records lookups.
        OCHRE_ASSIGN_OR_RETURN(auto rids, query::FindRids(reader->db(), filter));
        rt->RowsOfRids(rids, &*allow);
      }
      if (o.ids && !o.where && !o.where_document && matches.size() < o.ids->size()) {
        // Chroma fails a query whose ids filter names a record that does not exist.
        OCHRE_ASSIGN_OR_RETURN(auto found_records, reader->FindRecordsByIds(row.cid, *o.ids));
        std::unordered_set<std::string_view> found;
        for (const auto& m : found_records) found.insert(m.id);
        for (const auto& id : *o.ids) {
          if (!found.count(id)) return Status::NotFound("Error finding id " + id);
        }
      }
      for (uint32_t r : matches) allow->Set(r);
      if (allow->empty()) {
        if (from_index && !state_->filter_index().StillValid(view)) continue;
        return out;
      }
    }

    index::SearchParams params;
    params.k = size_t(std::min<int64_t>(o.n_results, int64_t(rt->live_count())));
    // 0: the index widens the beam with the collection's size (unless ef_search was set).
    params.ef = config->hnsw.ef_search_fixed() ? size_t(config->hnsw.ef_search) : 0;
    params.allow = allow ? &*allow : nullptr;
    if (params.k == 0) return out;
    const RowChunks& rows = rt->store->rows();
    const size_t live = rt->live_count();
    // Documents, uris and metadata are read from the catalog only when asked for.
    const bool payload = o.include.documents || o.include.uris || o.include.metadatas;
    std::vector<uint32_t> hit_rows;
    std::vector<storage::RecordRow> records;
    std::vector<bool> used;
    for (size_t q = 0; q < nq; ++q) {
      const size_t k = params.k;
      struct Hit {
        float distance;
        uint32_t record;  // index into `records`
      };
      std::vector<Hit> resolved;
      // A hit whose record this reader's snapshot does not hold (committed, or deleted, while the
      // query ran) is dropped; the search then asks for that many more, so that n_results stay whole.
      for (int round = 0;; ++round) {
        // Without a snapshot, the hits' records are read in one that starts after the search, so
        // that it holds every commit the runtime had taken: a statement left stepping (the
        // collection row's, read at the start) would keep an older one, in which the rows of the
        // commits the runtime took since have no record (all hits dropped, no result at all).
        if (!snapshot) reader->db()->ResetStatements();
        // The commits the runtime had taken when this round's search began (its writes are
        // visible once this is read).
        const int64_t searched_at = rt->seen_seq.load(std::memory_order_acquire);
        size_t extra = 0;
        bool dropped_any = false;
        for (int attempt = 0; attempt < 4; ++attempt) {
          index::SearchParams ask = params;
          ask.k = std::min(k + 1 + extra, live);
          std::vector<index::Neighbor> hits;
          while (true) {
            OCHRE_ASSIGN_OR_RETURN(hits, rt->Search(queries->row(q), ask));
            if (hits.size() <= k || hits.size() < ask.k || ask.k >= live) break;
            if (hits.back().distance != hits[std::min(hits.size(), k + extra) - 1].distance) break;
            ask.k = std::min(ask.k * 2, live);
          }
          // The records of hits[0, end), read in one statement (one snapshot) and matched back by row.
          size_t dropped = 0;
          auto resolve = [&](size_t end) -> Status {
            hit_rows.clear();
            for (size_t i = 0; i < end; ++i) hit_rows.push_back(hits[i].row);
            OCHRE_ASSIGN_OR_RETURN(records, reader->FindRecordsByRows(row.cid, hit_rows, payload));
            std::sort(records.begin(), records.end(),
                      [](const storage::RecordRow& a, const storage::RecordRow& b) { return a.row < b.row; });
            resolved.clear();
            resolved.reserve(end);
            used.assign(records.size(), false);
            dropped = 0;
            for (size_t j = 0; j < end; ++j) {
              const index::Neighbor& h = hits[j];
              auto it = std::lower_bound(records.begin(), records.end(), h.row,
                                         [](const storage::RecordRow& r, uint32_t row) { return r.row < row; });
              if (it == records.end() || it->row != h.row) {
                ++dropped;
                continue;
              }
              // Each record is answered once (its fields are moved into the result).
              const size_t i = size_t(it - records.begin());
              if (used[i]) continue;
              used[i] = true;
              resolved.push_back(Hit{h.distance, uint32_t(i)});
            }
            return Status::Ok();
          };
          // First the k nearest and the hits tied with the k-th: the hits past them are cut below
          // unless one of these records is gone, and only then are all read. (The search answers in
          // ascending distance; should it not, all are read.)
          size_t first = std::min(hits.size(), k);
          while (first > 0 && first < hits.size() && hits[first].distance == hits[first - 1].distance) ++first;
          const bool ascending = std::is_sorted(
              hits.begin(), hits.end(),
              [](const index::Neighbor& a, const index::Neighbor& b) { return a.distance < b.distance; });
          if (!ascending) first = hits.size();
          OCHRE_RETURN_IF_ERROR(resolve(first));
          if (dropped > 0 && first < hits.size()) OCHRE_RETURN_IF_ERROR(resolve(hits.size()));
          dropped_any = dropped_any || dropped > 0;
          if (dropped == 0 || resolved.size() >= k || ask.k >= live) break;
          extra += 2 * dropped;
        }
        // Dropped hits mean the catalog is past the index this search walked: a commit the runtime
        // had not taken (this process's writer between its commit and its apply, or another
        // process's) moved or removed records. Their old rows resolve to nothing and their new rows
        // were not in the index, so the answer would miss them (the nearest records of a region an
        // update moved: fewer results, even none). The runtime catches up with the catalog as it is
        // now (unless its writer has applied the commit meanwhile) and the query searches again, a
        // few times at most (a writer may keep committing). Without a filter only: an allow-list
        // was made from the rows as they were (a filtered query keeps the answer of its snapshot).
        if (dropped_any && !allow && round < 8) {
          reader->db()->ResetStatements();
          OCHRE_ASSIGN_OR_RETURN(storage::CollectionRow now, Row(reader.get()));
          if (now.generation == rt->generation && now.write_seq > searched_at) {
            OCHRE_RETURN_IF_ERROR(state_->CatchUp(rt.get(), now, reader.get()));
            continue;
          }
        }
        break;
      }
      // Ties at the k-th distance are broken by id, not by row: the search asked for one more than
      // k (and, while those tied with the k-th, for more), so that every tied record competes.
      if (resolved.size() > k) {
        std::stable_sort(resolved.begin(), resolved.end(),
                         [](const Hit& a, const Hit& b) { return a.distance < b.distance; });
        const float boundary = resolved[k - 1].distance;
        while (resolved.size() > k && resolved.back().distance != boundary) resolved.pop_back();
      }
      // Ascending distance; ties by id, so that results do not depend on row numbers.
      std::stable_sort(resolved.begin(), resolved.end(), [&records](const Hit& a, const Hit& b) {
        return a.distance < b.distance || (a.distance == b.distance && records[a.record].id < records[b.record].id);
      });
      if (resolved.size() > k) resolved.resize(k);
      std::vector<uint32_t> vector_rows;
      for (const Hit& h : resolved) {
        storage::RecordRow& rec = records[h.record];
        if (o.include.distances) (*out.distances)[q].push_back(h.distance);
        if (o.include.documents) (*out.documents)[q].push_back(std::move(rec.document));
        if (o.include.metadatas) {
          OCHRE_ASSIGN_OR_RETURN(auto m, DecodeOptional(rec.metadata_json, rec.uri));
          (*out.metadatas)[q].push_back(std::move(m));
        }
        if (o.include.uris) (*out.uris)[q].push_back(std::move(rec.uri));
        if (o.include.embeddings) vector_rows.push_back(rec.row);
        out.ids[q].push_back(std::move(rec.id));
      }
      if (o.include.embeddings) (*out.embeddings)[q] = FloatMatrix(rt->dim, CopyRowsInOrder(rows, vector_rows));
    }
    if (from_index && !state_->filter_index().StillValid(view)) {
      out = empty_result();
      continue;
    }
    // The hits' records were read by row: of the runtime's generation only if no other process
    // committed a compaction before this check (generations only grow).
    snapshot.reset();
    // Every row read above (the search's, the embeddings') was checked on its first read.
    OCHRE_RETURN_IF_ERROR(RowsIntact(*rt));
    if (state_->dir().empty()) return out;  // in memory: no other process
    OCHRE_ASSIGN_OR_RETURN(*stale, GenerationMoved(reader.get(), *rt));
    return out;
  }
  return Status::Internal("unreachable: the SQL pass always answers");
}

}  // namespace ochre::api
