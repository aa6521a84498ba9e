// Copyright 2026 The OchreDB Authors.
#include "api/collection_state.h"

#include <algorithm>
#include <unordered_set>

#include "common/file.h"
#include "common/logging.h"
#include "index/flat_index.h"

namespace ochre::api {

namespace {

// A query scans exactly while live rows x dim stay below this many floats (about 8 MB of vectors,
// a fraction of a millisecond with the SIMD kernels): small collections then answer exactly.
constexpr size_t kExactScanFloats = size_t{2} << 20;

constexpr const char* kGraphFile = "hnsw.graph";

// Merges two ascending hit lists into the k best, without duplicate rows (a row indexed while the
// query ran can be in both).
std::vector<index::Neighbor> MergeTopK(std::vector<index::Neighbor> a, const std::vector<index::Neighbor>& b,
                                       size_t k) {
  std::unordered_set<uint32_t> rows;
  for (const auto& n : a) rows.insert(n.row);
  for (const auto& n : b) {
    if (!rows.count(n.row)) a.push_back(n);
  }
  std::sort(a.begin(), a.end());
  if (a.size() > k) a.resize(k);
  return a;
}

}  // namespace

bool VectorRuntime::HasIndexWork() const {
  return indexed_rows.load(std::memory_order_acquire) < committed_row_count() ||
         pending_delete_count.load(std::memory_order_acquire) > 0;
}

Result<std::vector<index::Neighbor>> VectorRuntime::Search(const float* query,
                                                           const index::SearchParams& params) const {
  if (flat->live_count() * size_t(dim) <= kExactScanFloats) return flat->Search(query, params);
  // Rows below `indexed` are in the graph; read it before searching so that no row falls between
  // the graph search and the tail scan (a row in both is deduplicated).
  const uint32_t indexed = indexed_rows.load(std::memory_order_acquire);
  const uint32_t published = committed_row_count();
  index::SearchParams graph_params = params;
  // Graph hits deleted since the indexer's last step are dropped below: ask for that many more.
  graph_params.k = params.k + pending_delete_count.load(std::memory_order_acquire);
  OCHRE_ASSIGN_OR_RETURN(auto hits, hnsw->Search(query, graph_params));
  hits.erase(std::remove_if(hits.begin(), hits.end(), [&](const index::Neighbor& n) { return flat->IsDeleted(n.row); }),
             hits.end());
  if (indexed >= published) {
    if (hits.size() > params.k) hits.resize(params.k);
    return hits;
  }
  RowBitmap tail(published);
  for (uint32_t r = indexed; r < published; ++r) {
    if (!params.allow || params.allow->Test(r)) tail.Set(r);
  }
  index::SearchParams tail_params = params;
  tail_params.allow = &tail;
  OCHRE_ASSIGN_OR_RETURN(auto tail_hits, flat->Search(query, tail_params));
  return MergeTopK(std::move(hits), tail_hits, params.k);
}

void VectorRuntime::RowsOfRids(const std::vector<int64_t>& rids, RowBitmap* out) const {
  std::shared_lock<std::shared_mutex> lock(rid_mu);
  for (int64_t rid : rids) {
    auto it = row_of_rid.find(rid);
    if (it != row_of_rid.end()) out->Set(it->second);
  }
}

Status VectorRuntime::InsertCommitted(std::span<const uint32_t> rows) { return flat->Insert(rows); }

void VectorRuntime::DeleteCommitted(uint32_t row) {
  flat->MarkDeleted(row);
  std::lock_guard<std::mutex> lock(pending_deletes_mu);
  pending_deletes.push_back(row);
  pending_delete_count.store(pending_deletes.size(), std::memory_order_release);
}

Status CollectionState::NotFoundIfDeleted() const {
  if (deleted()) return Status::NotFound("Collection [" + uuid_ + "] does not exist.");
  return Status::Ok();
}

std::string CollectionState::GraphPath() const { return JoinPath(dir_, kGraphFile); }

Result<std::unique_ptr<storage::VectorStore>> CollectionState::OpenStore(uint32_t dim, uint64_t committed_rows,
                                                                         bool create) {
  if (dir_.empty()) {
    if (committed_rows != 0) return Status::Internal("ephemeral collection with committed rows but no vectors");
    return storage::NewMemoryVectorStore(dim);
  }
  if (create) OCHRE_RETURN_IF_ERROR(CreateDirs(dir_));
  return storage::OpenFileVectorStore(JoinPath(dir_, "vectors.f32"), dim, committed_rows, create);
}

std::unique_ptr<index::HnswIndex> CollectionState::LoadOrNewGraph(const HnswConfig& config, const RowChunks* rows) {
  if (dir_.empty()) return index::MakeHnswIndex(config, rows);
  auto bytes = ReadFile(GraphPath());
  if (!bytes.ok()) {
    if (!bytes.status().IsNotFound()) {
      OCHRE_LOG_WARN("collection {}: cannot read {} ({}); rebuilding the graph from the vectors", uuid_, kGraphFile,
                     bytes.status().ToString());
    } else if (rows->rows() >= 10000) {
      OCHRE_LOG_INFO("collection {}: no graph checkpoint; building the graph from {} vectors in the background", uuid_,
                     rows->rows());
    }
    return index::MakeHnswIndex(config, rows);
  }
  auto loaded = index::LoadGraph(config, rows, *bytes);
  if (!loaded.ok()) {
    OCHRE_LOG_WARN("collection {}: {} is unusable ({}); rebuilding the graph from the vectors in the background", uuid_,
                   kGraphFile, loaded.status().ToString());
    return index::MakeHnswIndex(config, rows);
  }
  return std::move(*loaded);
}

Result<std::shared_ptr<VectorRuntime>> CollectionState::Runtime(const storage::CollectionRow& row,
                                                                const HnswConfig& config, storage::CatalogConn* conn) {
  std::lock_guard<std::mutex> lock(runtime_mu_);
  if (loaded_) return runtime_;
  if (!row.dimension) {
    loaded_ = true;
    return runtime_;
  }
  auto rt = std::make_shared<VectorRuntime>();
  rt->dim = uint32_t(*row.dimension);
  rt->sync_threshold = config.sync_threshold;
  // A collection that has a dimension but never committed a row may have no file yet.
  OCHRE_ASSIGN_OR_RETURN(rt->store, OpenStore(rt->dim, uint64_t(row.committed_rows), /*create=*/true));
  const RowChunks* rows = &rt->store->rows();
  OCHRE_ASSIGN_OR_RETURN(auto rid_rows, conn->LiveRidRows(cid_));
  std::vector<uint32_t> live;
  live.reserve(rid_rows.size());
  rt->row_of_rid.reserve(rid_rows.size());
  for (const auto& [rid, r] : rid_rows) {
    live.push_back(r);
    rt->row_of_rid.emplace(rid, r);
  }
  std::sort(live.begin(), live.end());
  for (uint32_t r : live) {
    if (r >= rows->rows()) {
      return Status::Corruption("collection " + uuid_ + ": a record points at vector row " + std::to_string(r) +
                                " but vectors.f32 has " + std::to_string(rows->rows()) + " committed rows");
    }
  }
  rt->committed_rows.store(rows->rows(), std::memory_order_release);
  rt->flat = index::MakeFlatIndex(config.space, rows);
  OCHRE_RETURN_IF_ERROR(rt->flat->Insert(live));
  // Every committed row no live record points at (replaced or deleted) is a tombstone, so that
  // neither the graph catch-up nor the tail scan ever returns it.
  {
    size_t li = 0;
    for (uint32_t r = 0; r < rows->rows(); ++r) {
      if (li < live.size() && live[li] == r) {
        ++li;
      } else {
        rt->flat->MarkDeleted(r);
      }
    }
  }
  // Rows the flat index does not hold are dead (replaced or deleted); mark them so that the graph,
  // which may hold them from an older checkpoint, drops them too.
  rt->hnsw = LoadOrNewGraph(config, rows);
  const uint32_t covered = std::min(rt->hnsw->covered_rows(), rows->rows());
  size_t li = 0;
  for (uint32_t r = 0; r < covered; ++r) {
    if (li < live.size() && live[li] == r) {
      ++li;
    } else {
      rt->hnsw->MarkDeleted(r);
    }
  }
  // The live rows past the checkpoint form the tail: queries scan them exactly until the
  // background indexer has inserted them. Start-up does no graph work.
  rt->indexed_rows.store(covered, std::memory_order_release);
  rt->checkpointed_rows = covered;
  if (rows->rows() - covered >= 10000) {
    OCHRE_LOG_INFO("collection {}: {} rows committed after the graph checkpoint are indexed in the background", uuid_,
                   rows->rows() - covered);
  }
  runtime_ = std::move(rt);
  loaded_ = true;
  return runtime_;
}

Result<std::shared_ptr<VectorRuntime>> CollectionState::CreateRuntime(uint32_t dim, const HnswConfig& config) {
  std::lock_guard<std::mutex> lock(runtime_mu_);
  if (runtime_) return runtime_;
  auto rt = std::make_shared<VectorRuntime>();
  rt->dim = dim;
  rt->sync_threshold = config.sync_threshold;
  OCHRE_ASSIGN_OR_RETURN(rt->store, OpenStore(dim, 0, /*create=*/true));
  rt->flat = index::MakeFlatIndex(config.space, &rt->store->rows());
  rt->hnsw = index::MakeHnswIndex(config, &rt->store->rows());
  runtime_ = std::move(rt);
  loaded_ = true;
  return runtime_;
}

bool CollectionState::IndexStep(uint32_t max_rows) {
  std::lock_guard<std::mutex> lock(index_mu_);
  std::shared_ptr<VectorRuntime> rt = LoadedRuntime();
  if (!rt || deleted()) return false;
  std::vector<uint32_t> deletes;
  {
    std::lock_guard<std::mutex> dl(rt->pending_deletes_mu);
    deletes.swap(rt->pending_deletes);
  }
  for (uint32_t r : deletes) rt->hnsw->MarkDeleted(r);
  // Only after the graph has them may queries stop filtering them out.
  {
    std::lock_guard<std::mutex> dl(rt->pending_deletes_mu);
    rt->pending_delete_count.store(rt->pending_deletes.size(), std::memory_order_release);
  }
  const uint32_t begin = rt->indexed_rows.load(std::memory_order_acquire);
  const uint32_t end = std::min(rt->committed_row_count(), begin + max_rows);
  if (begin < end) {
    std::vector<uint32_t> batch;
    batch.reserve(end - begin);
    for (uint32_t r = begin; r < end; ++r) {
      if (!rt->flat->IsDeleted(r)) batch.push_back(r);
    }
    Status s = rt->hnsw->Insert(batch);
    if (!s.ok()) {
      // The rows stay in the tail, where queries scan them exactly; nothing is lost.
      OCHRE_LOG_ERROR("collection {}: graph insert failed ({}); rows stay in the exact tail", uuid_, s.ToString());
      return false;
    }
    // Rows deleted while they were being inserted: tombstone them in the graph as well.
    for (uint32_t r : batch) {
      if (rt->flat->IsDeleted(r)) rt->hnsw->MarkDeleted(r);
    }
    rt->indexed_rows.store(end, std::memory_order_release);
  }
  const uint32_t indexed = rt->indexed_rows.load(std::memory_order_acquire);
  const uint32_t threshold = std::max<uint32_t>(uint32_t(std::max(rt->sync_threshold.load(), 2)), indexed / 8);
  if (indexed - rt->checkpointed_rows >= threshold) (void)CheckpointLocked(rt.get());
  return rt->HasIndexWork();
}

Status CollectionState::CheckpointLocked(VectorRuntime* rt) {
  if (dir_.empty() || deleted()) return Status::Ok();
  const uint32_t indexed = rt->indexed_rows.load(std::memory_order_acquire);
  // Deletes alone need no checkpoint: tombstones are re-applied from the catalog at load.
  if (indexed == rt->checkpointed_rows) return Status::Ok();
  std::string bytes;
  OCHRE_RETURN_IF_ERROR(index::SaveGraph(*rt->hnsw, &bytes));
  Status s = WriteFileAtomically(GraphPath(), bytes);
  if (!s.ok()) {
    OCHRE_LOG_WARN("collection {}: graph checkpoint failed ({}); it is rebuilt from the vectors when needed", uuid_,
                   s.ToString());
    return s;
  }
  rt->checkpointed_rows = indexed;
  return Status::Ok();
}

Status CollectionState::Checkpoint() {
  std::lock_guard<std::mutex> lock(index_mu_);
  std::shared_ptr<VectorRuntime> rt = LoadedRuntime();
  if (!rt) return Status::Ok();
  return CheckpointLocked(rt.get());
}

void CollectionState::Unload() {
  std::lock_guard<std::mutex> index_lock(index_mu_);
  std::lock_guard<std::mutex> lock(runtime_mu_);
  runtime_.reset();
  loaded_ = false;
}

}  // namespace ochre::api
