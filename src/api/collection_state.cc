// Copyright 2026 The OchreDB Authors.
#include "api/collection_state.h"

#include <signal.h>

#include <algorithm>
#include <cerrno>
#include <map>
#include <unordered_set>

#include "common/file.h"
#include "common/logging.h"
#include "index/flat_index.h"
#include "storage/vector_file.h"

namespace ochre::api {

namespace {

// A query scans exactly while live rows x dim stay below this many floats (about 8 MB of vectors,
// a fraction of a millisecond with the SIMD kernels): small collections then answer exactly.
constexpr size_t kExactScanFloats = size_t{2} << 20;

// A collection file's generation, from its name (vectors.f32, vectors.<g>.f32, hnsw.graph,
// hnsw.<g>.graph, each possibly with the suffix of an atomic write's temporary file: ".tmp" from
// older builds, ".<pid>-<n>.tmp" now); generation -1 for a name that is none of these (left alone).
struct FileGeneration {
  int64_t generation = -1;
  bool vectors = false;  // a vectors file (not a graph, not a temporary file)
  pid_t tmp_pid = 0;     // a temporary file's writer (-1: of an older build, which named none)
};

FileGeneration GenerationOfFile(std::string name) {
  FileGeneration out;
  constexpr std::string_view kTmp = ".tmp";
  bool tmp = false;
  if (name.size() > kTmp.size() && name.compare(name.size() - kTmp.size(), kTmp.size(), kTmp) == 0) {
    name.resize(name.size() - kTmp.size());
    tmp = true;
    out.tmp_pid = -1;
    // ".<pid>-<n>"
    const size_t dot = name.rfind('.');
    const size_t dash = name.rfind('-');
    if (dot != std::string::npos && dash != std::string::npos && dash > dot + 1 && dash + 1 < name.size()) {
      const std::string pid = name.substr(dot + 1, dash - dot - 1);
      const std::string n = name.substr(dash + 1);
      auto digits = [](const std::string& d) {
        return !d.empty() && d.size() < 12 &&
               std::all_of(d.begin(), d.end(), [](char c) { return c >= '0' && c <= '9'; });
      };
      if (digits(pid) && digits(n)) {
        out.tmp_pid = pid_t(std::stol(pid));
        name.resize(dot);
      }
    }
  }
  if (name == "vectors.f32" || name == "hnsw.graph" || name == "vectors.rowcrc") {
    out.generation = 0;
    out.vectors = !tmp && name == "vectors.f32";
    return out;
  }
  auto number_between = [&](std::string_view prefix, std::string_view suffix) -> int64_t {
    if (name.size() <= prefix.size() + suffix.size() || name.compare(0, prefix.size(), prefix) != 0 ||
        name.compare(name.size() - suffix.size(), suffix.size(), suffix) != 0) {
      return -1;
    }
    const std::string digits = name.substr(prefix.size(), name.size() - prefix.size() - suffix.size());
    if (digits.empty() || digits.size() > 18 || digits[0] == '0') return -1;
    for (char c : digits) {
      if (c < '0' || c > '9') return -1;
    }
    return std::stoll(digits);
  };
  int64_t g = number_between("vectors.", ".f32");
  if (g >= 0) {
    out.generation = g;
    out.vectors = !tmp;
    return out;
  }
  g = number_between("vectors.", ".rowcrc");  // the row checksums beside vectors.<g>.f32
  if (g >= 0) {
    out.generation = g;
    return out;
  }
  out.generation = number_between("hnsw.", ".graph");
  return out;
}

// True when the process that named a temporary file is gone (or the file is from an older build).
bool TempWriterIsGone(pid_t pid) {
  if (pid <= 0) return true;
  return ::kill(pid, 0) != 0 && errno == ESRCH;
}

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
         pending_delete_count.load(std::memory_order_acquire) > 0 || hnsw->QuantizerPending();
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
    if ((!params.allow || params.allow->Test(r)) && !flat->IsDeleted(r)) tail.Set(r);
  }
  std::vector<index::Neighbor> tail_hits;
  if (hnsw->HasCodesFor(tail)) {
    // Right after a large ingest the tail is most of the collection: its 8-bit codes (written
    // after each commit) are a quarter of the bytes to scan, and the best are re-ranked exactly.
    OCHRE_ASSIGN_OR_RETURN(tail_hits, hnsw->ScanQuantized(query, params.k, tail));
  } else {
    index::SearchParams tail_params = params;
    tail_params.allow = &tail;
    OCHRE_ASSIGN_OR_RETURN(tail_hits, flat->Search(query, tail_params));
  }
  return MergeTopK(std::move(hits), tail_hits, params.k);
}

void VectorRuntime::ReleaseFloatRowsIfWalkingTheCopy() {
  if (HasIndexWork() || !hnsw->quantized() || flat->live_count() * size_t(dim) <= kExactScanFloats) return;
  store->ReleaseResident(indexed_rows.load(std::memory_order_acquire));
}

void VectorRuntime::RowsOfRids(const std::vector<int64_t>& rids, RowBitmap* out) const {
  std::shared_lock<std::shared_mutex> lock(rid_mu);
  for (int64_t rid : rids) {
    auto it = row_of_rid.find(rid);
    if (it != row_of_rid.end()) out->Set(it->second);
  }
}

Status VectorRuntime::InsertCommitted(std::span<const uint32_t> rows) {
  OCHRE_RETURN_IF_ERROR(flat->Insert(rows));
  // Codes now, the graph later: queries scan the rows the graph does not hold yet on their codes.
  hnsw->EncodeRows(rows);
  return Status::Ok();
}

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

std::string CollectionState::GraphPath(int64_t generation) const {
  return JoinPath(dir_, storage::GraphFileName(generation));
}

std::vector<std::string> CollectionState::GenerationFiles(int64_t generation) const {
  if (dir_.empty()) return {};
  const std::string vectors = JoinPath(dir_, storage::VectorFileName(generation));
  // Callers index [0] (vectors) and [1] (graph): the row checksums come last.
  return {vectors, GraphPath(generation), GraphPath(generation) + ".tmp", storage::RowChecksumPath(vectors)};
}

void CollectionState::RemoveOtherGenerations(const std::string& dir, const std::string& uuid, int64_t current,
                                             bool newer_too) {
  auto names = ListDir(dir);
  if (!names.ok()) return;  // a missing directory has nothing to remove
  // Several processes share the directory: a generation's files go only when no process has its
  // vectors file open (each holds a shared flock on it), and a newer generation only when no
  // compaction is writing it (it holds COMPACT). The exclusive locks are held while removing.
  std::vector<std::pair<std::string, FileGeneration>> files;
  std::map<int64_t, bool> removable;  // generation -> nobody uses it
  for (const auto& name : *names) {
    FileGeneration fg = GenerationOfFile(name);
    if (fg.generation < 0 || fg.generation == current) continue;
    if (fg.generation > current && !newer_too) continue;
    files.emplace_back(name, fg);
    removable.emplace(fg.generation, true);
  }
  if (files.empty()) return;
  std::vector<File> held;  // exclusive locks, released after the removal
  auto compact_lock = File::Open(JoinPath(dir, kCompactLockName), OpenMode::kCreate, 0644);
  bool compaction_idle = false;
  if (compact_lock.ok()) {
    auto taken = compact_lock->TryLockExclusive();
    compaction_idle = taken.ok() && *taken;
  }
  for (auto& [g, ok] : removable) {
    if (g > current && !compaction_idle) {
      ok = false;
      continue;
    }
    const std::string vectors = JoinPath(dir, storage::VectorFileName(g));
    auto f = File::Open(vectors, OpenMode::kReadOnly);
    if (!f.ok()) continue;  // no vectors file: its graph files are stale
    auto taken = f->TryLockExclusive();
    if (!taken.ok() || !*taken) {
      ok = false;
      continue;
    }
    held.push_back(std::move(*f));
  }
  bool removed = false;
  for (const auto& [name, fg] : files) {
    if (!removable[fg.generation]) continue;
    if (fg.tmp_pid != 0 && !TempWriterIsGone(fg.tmp_pid)) continue;
    OCHRE_LOG_INFO("collection {}: removing {}, of a generation no longer in use (the catalog names generation {})",
                   uuid, name, current);
    Status s = RemoveFile(JoinPath(dir, name));
    if (!s.ok() && !s.IsNotFound()) {
      OCHRE_LOG_WARN("collection {}: could not remove {}: {}", uuid, name, s.ToString());
    } else {
      removed = true;
    }
  }
  // Temporary files of the current generation whose writer is gone (a crash during a checkpoint).
  for (const auto& name : *names) {
    FileGeneration fg = GenerationOfFile(name);
    if (fg.generation != current || fg.tmp_pid == 0 || !TempWriterIsGone(fg.tmp_pid)) continue;
    if (RemoveFile(JoinPath(dir, name)).ok()) removed = true;
  }
  if (removed) (void)SyncDir(dir);
}

std::shared_lock<std::shared_mutex> CollectionState::ReadGuard() {
  { std::lock_guard<std::mutex> gate(gate_mu_); }
  return std::shared_lock<std::shared_mutex>(generation_mu_);
}

std::unique_lock<std::shared_mutex> CollectionState::PublishGuard() {
  std::lock_guard<std::mutex> gate(gate_mu_);
  return std::unique_lock<std::shared_mutex>(generation_mu_);
}

void CollectionState::SwapRuntime(std::shared_ptr<VectorRuntime> rt) {
  std::lock_guard<std::mutex> lock(runtime_mu_);
  runtime_ = std::move(rt);
  loaded_ = true;
}

Result<std::unique_ptr<storage::VectorStore>> CollectionState::OpenStore(uint32_t dim, uint64_t committed_rows,
                                                                         bool create, int64_t generation) {
  if (dir_.empty()) {
    if (committed_rows != 0) return Status::Internal("ephemeral collection with committed rows but no vectors");
    return storage::NewMemoryVectorStore(dim);
  }
  if (read_only_) {
    if (committed_rows == 0) return storage::NewMemoryVectorStore(dim);  // nothing to read, nothing to write
    return storage::OpenFileVectorStore(JoinPath(dir_, storage::VectorFileName(generation)), dim, committed_rows,
                                        /*create=*/false, /*truncate_tail=*/false, /*read_only=*/true,
                                        FileIdentity{uuid_, generation});
  }
  if (create) OCHRE_RETURN_IF_ERROR(CreateDirs(dir_));
  // The tail past the committed rows is left alone: another process may be appending there.
  return storage::OpenFileVectorStore(JoinPath(dir_, storage::VectorFileName(generation)), dim, committed_rows, create,
                                      /*truncate_tail=*/false, /*read_only=*/false, FileIdentity{uuid_, generation});
}

std::unique_ptr<index::HnswIndex> CollectionState::LoadOrNewGraph(const HnswConfig& config, const RowChunks* rows,
                                                                  int64_t generation) {
  if (dir_.empty()) return index::MakeHnswIndex(config, rows, EngineHnswOptions());
  const std::string graph_file = storage::GraphFileName(generation);
  auto bytes = ReadFile(GraphPath(generation));
  if (!bytes.ok()) {
    if (!bytes.status().IsNotFound()) {
      OCHRE_LOG_WARN("collection {}: cannot read {} ({}); rebuilding the graph from the vectors", uuid_, graph_file,
                     bytes.status().ToString());
    } else if (rows->rows() >= 10000) {
      OCHRE_LOG_INFO("collection {}: no graph checkpoint; building the graph from {} vectors in the background", uuid_,
                     rows->rows());
    }
    return index::MakeHnswIndex(config, rows, EngineHnswOptions());
  }
  auto loaded = index::LoadGraph(config, rows, *bytes, EngineHnswOptions(), FileIdentity{uuid_, generation});
  if (!loaded.ok()) {
    OCHRE_LOG_WARN("collection {}: {} is unusable ({}); rebuilding the graph from the vectors in the background", uuid_,
                   graph_file, loaded.status().ToString());
    return index::MakeHnswIndex(config, rows, EngineHnswOptions());
  }
  return std::move(*loaded);
}

Result<std::shared_ptr<VectorRuntime>> CollectionState::Runtime(const storage::CollectionRow& row,
                                                                const HnswConfig& config, storage::CatalogConn* conn) {
  std::shared_ptr<VectorRuntime> rt;
  {
    std::lock_guard<std::mutex> lock(runtime_mu_);
    const bool stale = loaded_ && runtime_ && row.generation > runtime_->generation;
    if (loaded_ && !stale && (runtime_ || !row.dimension)) {
      rt = runtime_;
    } else if (!row.dimension) {
      loaded_ = true;
      return runtime_;
    } else {
      // Not loaded yet, given a dimension by another process, or compacted by another process: the
      // generation the catalog names now. An older runtime stays valid for the reads that hold it;
      // its files go when the last process lets go of them.
      OCHRE_ASSIGN_OR_RETURN(auto fresh, LoadLocked(row, config, conn));
      if (stale) {
        std::shared_ptr<VectorRuntime> old = runtime_;
        old->retired.store(true, std::memory_order_release);
        auto files = GenerationFiles(old->generation);
        old->store->RetireOnClose({files.begin() + 1, files.end()});
      }
      runtime_ = std::move(fresh);
      loaded_ = true;
      return runtime_;
    }
  }
  if (!rt || rt->generation != row.generation) return rt;
  const int64_t seen = rt->seen_seq.load(std::memory_order_acquire);
  // The one commit not applied yet is this process's writer's: it is not acknowledged before the
  // writer has applied it, so the read need not wait for it (nor redo it from the catalog).
  if (row.write_seq == seen + 1 && local_commit_seq_.load(std::memory_order_acquire) == row.write_seq) return rt;
  if (row.write_seq > seen) {
    std::lock_guard<std::mutex> lock(sync_mu_);
    OCHRE_RETURN_IF_ERROR(CatchUpLocked(rt.get(), row, conn));
  }
  return rt;
}

Status CollectionState::CatchUp(VectorRuntime* rt, const storage::CollectionRow& row, storage::CatalogConn* conn) {
  if (row.generation != rt->generation || row.write_seq <= rt->seen_seq.load(std::memory_order_acquire)) {
    return Status::Ok();
  }
  std::lock_guard<std::mutex> lock(sync_mu_);
  return CatchUpLocked(rt, row, conn);
}

Status CollectionState::CatchUpLocked(VectorRuntime* rt, const storage::CollectionRow& row,
                                      storage::CatalogConn* conn) {
  if (row.write_seq <= rt->seen_seq) return Status::Ok();  // caught up meanwhile
  const uint32_t have = rt->committed_row_count();
  const uint32_t want = uint32_t(std::max<int64_t>(row.committed_rows, have));
  OCHRE_RETURN_IF_ERROR(rt->store->AdoptCommitted(want));
  std::vector<uint32_t> fresh;
  if (row.dead_rows == rt->seen_dead) {
    // Nothing died: the new live records are at rows past the ones seen (appends), or none changed
    // rows at all (updates of documents or metadata only).
    OCHRE_ASSIGN_OR_RETURN(auto rid_rows, conn->LiveRidRowsFrom(cid_, have));
    std::unique_lock<std::shared_mutex> lock(rt->rid_mu);
    for (const auto& [rid, r] : rid_rows) {
      if (r >= want) return Status::Corruption("collection " + uuid_ + ": a record points past the committed rows");
      fresh.push_back(r);
      rt->row_of_rid[rid] = r;
    }
  } else {
    // Deletes or rewrites: the live rows again, all of them.
    OCHRE_ASSIGN_OR_RETURN(auto rid_rows, conn->LiveRidRows(cid_));
    std::vector<char> live(want, 0);
    std::unordered_map<int64_t, uint32_t> row_of_rid;
    row_of_rid.reserve(rid_rows.size());
    for (const auto& [rid, r] : rid_rows) {
      if (r >= want) return Status::Corruption("collection " + uuid_ + ": a record points past the committed rows");
      live[r] = 1;
      row_of_rid.emplace(rid, r);
      if (r >= have) fresh.push_back(r);
    }
    for (uint32_t r = 0; r < have; ++r) {
      if (!live[r] && !rt->flat->IsDeleted(r)) rt->DeleteCommitted(r);
    }
    std::unique_lock<std::shared_mutex> lock(rt->rid_mu);
    rt->row_of_rid.swap(row_of_rid);
  }
  std::sort(fresh.begin(), fresh.end());
  rt->committed_rows.store(want, std::memory_order_release);
  // Rows past `have` that no record names (replaced or deleted since) are tombstones.
  {
    size_t fi = 0;
    for (uint32_t r = have; r < want; ++r) {
      if (fi < fresh.size() && fresh[fi] == r) {
        ++fi;
      } else {
        rt->flat->MarkDeleted(r);
      }
    }
  }
  OCHRE_RETURN_IF_ERROR(rt->InsertCommitted(fresh));
  rt->seen_seq = row.write_seq;
  rt->seen_dead = row.dead_rows;
  return Status::Ok();
}

Result<std::shared_ptr<VectorRuntime>> CollectionState::LoadLocked(const storage::CollectionRow& row,
                                                                   const HnswConfig& config,
                                                                   storage::CatalogConn* conn) {
  auto rt = std::make_shared<VectorRuntime>();
  rt->dim = uint32_t(*row.dimension);
  rt->generation = row.generation;
  rt->sync_threshold = config.sync_threshold;
  rt->seen_seq = row.write_seq;
  rt->seen_dead = row.dead_rows;
  // Only older generations: `row` may be from a reader's snapshot older than a compaction another
  // process committed since, whose files must stay.
  if (!dir_.empty() && !read_only_) RemoveOtherGenerations(dir_, uuid_, row.generation, /*newer_too=*/false);
  // A collection that has a dimension but never committed a row may have no file yet.
  OCHRE_ASSIGN_OR_RETURN(rt->store, OpenStore(rt->dim, uint64_t(row.committed_rows), /*create=*/true, row.generation));
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
                                " but " + storage::VectorFileName(row.generation) + " has " +
                                std::to_string(rows->rows()) + " committed rows");
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
  rt->hnsw = LoadOrNewGraph(config, rows, row.generation);
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
  // Loading read some rows (the norms of a cosine collection, the graph's fingerprint rows): any
  // damage found there fails the load rather than serve an index built on it.
  if (Status intact = rows->Intact(); !intact.ok()) {
    return Status::Corruption("collection " + uuid_ + ": " + intact.message());
  }
  if (rows->rows() - covered >= 10000) {
    OCHRE_LOG_INFO("collection {}: {} rows committed after the graph checkpoint are indexed in the background", uuid_,
                   rows->rows() - covered);
  }
  return rt;
}

Result<std::shared_ptr<VectorRuntime>> CollectionState::CreateRuntime(uint32_t dim, const HnswConfig& config) {
  std::lock_guard<std::mutex> lock(runtime_mu_);
  if (runtime_) return runtime_;
  auto rt = std::make_shared<VectorRuntime>();
  rt->dim = dim;
  rt->sync_threshold = config.sync_threshold;
  // Generation 0: a collection gets its dimension with its first vectors, and only a collection
  // with vectors is ever compacted.
  OCHRE_ASSIGN_OR_RETURN(rt->store, OpenStore(dim, 0, /*create=*/true, /*generation=*/0));
  rt->flat = index::MakeFlatIndex(config.space, &rt->store->rows());
  rt->hnsw = index::MakeHnswIndex(config, &rt->store->rows(), EngineHnswOptions());
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
  const bool training = rt->hnsw->QuantizerPending();
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
  // A graph loaded from its checkpoint trains its quantized copy here, off the opening path.
  rt->hnsw->TrainQuantizerIfNeeded();
  const uint32_t indexed = rt->indexed_rows.load(std::memory_order_acquire);
  const uint32_t threshold = std::max<uint32_t>(uint32_t(std::max(rt->sync_threshold.load(), 2)), indexed / 8);
  if (indexed - rt->checkpointed_rows >= threshold) (void)CheckpointLocked(rt.get());
  if (training) rt->hnsw->WaitForFloatSearches(/*max_ms=*/1000);
  if (begin < end || training) rt->ReleaseFloatRowsIfWalkingTheCopy();
  return rt->HasIndexWork();
}

Status CollectionState::CheckpointLocked(VectorRuntime* rt) {
  if (dir_.empty() || read_only_ || deleted() || rt->retired.load(std::memory_order_acquire)) return Status::Ok();
  const uint32_t indexed = rt->indexed_rows.load(std::memory_order_acquire);
  // Deletes alone need no checkpoint: tombstones are re-applied from the catalog at load.
  if (indexed == rt->checkpointed_rows) return Status::Ok();
  std::string bytes;
  OCHRE_RETURN_IF_ERROR(index::SaveGraph(*rt->hnsw, &bytes, FileIdentity{uuid_, rt->generation}));
  Status s = WriteFileAtomically(GraphPath(rt->generation), bytes);
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
