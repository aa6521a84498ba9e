// Copyright 2026 The OchreDB Authors.
#include "api/collection_state.h"

#include <algorithm>

#include "common/file.h"
#include "common/logging.h"
#include "index/flat_index.h"

namespace ochre::api {

namespace {

// A query scans exactly while live rows x dim stay below this many floats (about 8 MB of vectors,
// a fraction of a millisecond with the SIMD kernels): small collections then answer exactly.
constexpr size_t kExactScanFloats = size_t{2} << 20;

constexpr const char* kGraphFile = "hnsw.graph";

}  // namespace

const index::VectorIndex& VectorRuntime::ForQuery() const {
  if (flat->live_count() * size_t(dim) <= kExactScanFloats) return *flat;
  return *hnsw;
}

Status VectorRuntime::Insert(std::span<const uint32_t> rows) {
  OCHRE_RETURN_IF_ERROR(flat->Insert(rows));
  return hnsw->Insert(rows);
}

void VectorRuntime::MarkDeleted(uint32_t row) {
  flat->MarkDeleted(row);
  hnsw->MarkDeleted(row);
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
    } else if (rows->rows() > 0) {
      OCHRE_LOG_INFO("collection {}: no graph checkpoint; building the graph from {} vectors", uuid_, rows->rows());
    }
    return index::MakeHnswIndex(config, rows);
  }
  auto loaded = index::LoadGraph(config, rows, *bytes);
  if (!loaded.ok()) {
    OCHRE_LOG_WARN("collection {}: {} is unusable ({}); rebuilding the graph from the vectors", uuid_, kGraphFile,
                   loaded.status().ToString());
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
  // A collection that has a dimension but never committed a row may have no file yet.
  OCHRE_ASSIGN_OR_RETURN(rt->store, OpenStore(rt->dim, uint64_t(row.committed_rows), /*create=*/true));
  const RowChunks* rows = &rt->store->rows();
  OCHRE_ASSIGN_OR_RETURN(std::vector<uint32_t> live, conn->LiveRows(cid_));
  std::sort(live.begin(), live.end());
  for (uint32_t r : live) {
    if (r >= rows->rows()) {
      return Status::Corruption("collection " + uuid_ + ": a record points at vector row " + std::to_string(r) +
                                " but vectors.f32 has " + std::to_string(rows->rows()) + " committed rows");
    }
  }
  rt->flat = index::MakeFlatIndex(config.space, rows);
  OCHRE_RETURN_IF_ERROR(rt->flat->Insert(live));
  rt->hnsw = LoadOrNewGraph(config, rows);
  // Bring the graph up to the catalog: tombstones for rows it has that are no longer live, and the
  // live rows past its checkpoint.
  const uint32_t covered = rt->hnsw->covered_rows();
  rt->checkpointed_rows = covered;
  std::vector<uint32_t> missing;
  size_t li = 0;
  for (uint32_t r = 0; r < covered; ++r) {
    if (li < live.size() && live[li] == r) {
      ++li;
    } else {
      rt->hnsw->MarkDeleted(r);
    }
  }
  for (; li < live.size(); ++li) missing.push_back(live[li]);
  if (!missing.empty() && covered > 0) {
    OCHRE_LOG_INFO("collection {}: inserting {} rows committed after the graph checkpoint", uuid_, missing.size());
  }
  OCHRE_RETURN_IF_ERROR(rt->hnsw->Insert(missing));
  runtime_ = std::move(rt);
  loaded_ = true;
  return runtime_;
}

Result<std::shared_ptr<VectorRuntime>> CollectionState::CreateRuntime(uint32_t dim, const HnswConfig& config) {
  std::lock_guard<std::mutex> lock(runtime_mu_);
  if (runtime_) return runtime_;
  auto rt = std::make_shared<VectorRuntime>();
  rt->dim = dim;
  OCHRE_ASSIGN_OR_RETURN(rt->store, OpenStore(dim, 0, /*create=*/true));
  rt->flat = index::MakeFlatIndex(config.space, &rt->store->rows());
  rt->hnsw = index::MakeHnswIndex(config, &rt->store->rows());
  runtime_ = std::move(rt);
  loaded_ = true;
  return runtime_;
}

Status CollectionState::MaybeCheckpoint(int sync_threshold, bool force) {
  if (dir_.empty() || deleted()) return Status::Ok();
  std::shared_ptr<VectorRuntime> rt = LoadedRuntime();
  if (!rt) return Status::Ok();
  const uint32_t covered = rt->hnsw->covered_rows();
  // Deletes alone need no checkpoint: tombstones are re-applied from the catalog at load.
  if (covered == rt->checkpointed_rows) return Status::Ok();
  // Scaled with the graph's size so that rewriting the whole file stays amortized.
  const uint32_t threshold = std::max<uint32_t>(uint32_t(std::max(sync_threshold, 2)), covered / 8);
  if (!force && covered - rt->checkpointed_rows < threshold) return Status::Ok();
  std::string bytes;
  OCHRE_RETURN_IF_ERROR(index::SaveGraph(*rt->hnsw, &bytes));
  Status s = WriteFileAtomically(GraphPath(), bytes);
  if (!s.ok()) {
    OCHRE_LOG_WARN("collection {}: graph checkpoint failed ({}); it is rebuilt from the vectors when needed", uuid_,
                   s.ToString());
    return s;
  }
  rt->checkpointed_rows = covered;
  return Status::Ok();
}

void CollectionState::Unload() {
  std::lock_guard<std::mutex> lock(runtime_mu_);
  runtime_.reset();
  loaded_ = false;
}

}  // namespace ochre::api
