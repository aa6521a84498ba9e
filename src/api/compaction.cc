// Copyright 2026 The OchreDB Authors.
#include "api/compaction.h"

#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "api/collection_config.h"
#include "api/engine.h"
#include "common/file.h"
#include "common/logging.h"
#include "index/flat_index.h"
#include "index/hnsw/hnsw_compact.h"

namespace ochre::api {

namespace {

using Clock = std::chrono::steady_clock;

double MillisSince(Clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

constexpr uint32_t kNoRow = UINT32_MAX;
// Rows copied per Append, and inserted into the new graph per Insert (between cancel checks).
constexpr uint32_t kCopyBatchRows = 4096;
constexpr uint32_t kGraphBatchRows = 16384;

int64_t FileBytes(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 ? int64_t(st.st_size) : 0;
}

int64_t GenerationBytes(const CollectionState& state, int64_t generation) {
  int64_t total = 0;
  for (const auto& f : state.GenerationFiles(generation)) total += FileBytes(f);
  return total;
}

void RemoveGeneration(const CollectionState& state, int64_t generation) {
  if (state.dir().empty()) return;
  for (const auto& f : state.GenerationFiles(generation)) {
    Status s = RemoveFile(f);
    if (!s.ok() && !s.IsNotFound()) {
      OCHRE_LOG_WARN("collection {}: could not remove {} ({}); it is removed at the next load", state.uuid(), f,
                     s.ToString());
    }
  }
  (void)SyncDir(state.dir());
}

// Appends `rows` (row numbers of `from`, ascending) to `to`, in batches.
Status RowsIntactOf(const CollectionState& state, const VectorRuntime& rt) {
  Status s = rt.store->rows().Intact();
  if (s.ok()) return s;
  return Status::Corruption("collection " + state.uuid() + ": " + s.message() + "; not compacted");
}

Status CopyRows(const RowChunks& from, std::span<const uint32_t> rows, storage::VectorStore* to) {
  const size_t dim = from.dim();
  std::vector<float> buffer;
  buffer.reserve(size_t(std::min<size_t>(rows.size(), kCopyBatchRows)) * dim);
  for (size_t i = 0; i < rows.size(); i += kCopyBatchRows) {
    const size_t n = std::min<size_t>(kCopyBatchRows, rows.size() - i);
    buffer.clear();
    for (size_t k = 0; k < n; ++k) {
      const float* v = from.Row(rows[i + k]);
      buffer.insert(buffer.end(), v, v + dim);
    }
    OCHRE_RETURN_IF_ERROR(to->Append(buffer.data(), uint32_t(n)).status());
  }
  return Status::Ok();
}

Status Cancelled(const std::atomic<bool>* cancel, const std::string& uuid) {
  if (cancel && cancel->load(std::memory_order_relaxed)) {
    return Status::ResourceExhausted("compaction of collection " + uuid + " gave up: the database is closing");
  }
  return Status::Ok();
}

// The new generation's graph reuses the old one's links (index/hnsw/hnsw_compact.h) when the old
// graph holds at least this fraction of the live rows; otherwise it is built afresh.
constexpr double kRemapMinCoverage = 0.5;

// The graph over the new generation's rows (new row i is old row live[i]): the old graph remapped,
// or, when that is not possible, an empty one. *to_insert receives the rows the caller inserts.
std::unique_ptr<index::HnswIndex> RemapOldGraph(CollectionState& state, const VectorRuntime& old_rt,
                                                const std::vector<uint32_t>& live, const HnswConfig& config,
                                                const RowChunks* rows, std::vector<uint32_t>* to_insert) {
  to_insert->clear();
  auto fresh = [&](const std::string& why) {
    OCHRE_LOG_INFO("collection {}: compaction builds the graph afresh ({})", state.uuid(), why);
    for (uint32_t r = 0; r < uint32_t(live.size()); ++r) to_insert->push_back(r);
    return index::MakeHnswIndex(config, rows, EngineHnswOptions());
  };
  if (!old_rt.hnsw) return fresh("no old graph");
  index::GraphSnapshot snap;
  const auto snapshot_start = Clock::now();
  {
    // The indexer inserts into the old graph (and checkpoints it) under the index lock: holding it
    // while copying the links gives a consistent snapshot. The copy is a few milliseconds per
    // 100,000 rows; the remap itself then runs without the lock.
    std::lock_guard<std::mutex> index_lock(state.index_mu());
    snap = index::SnapshotGraph(*old_rt.hnsw, old_rt.indexed_rows.load(std::memory_order_acquire));
  }
  const double snapshot_ms = MillisSince(snapshot_start);
  size_t covered = 0;
  for (uint32_t r : live) covered += r < snap.rows && snap.level[r] >= 0;
  if (double(covered) < kRemapMinCoverage * double(live.size())) {
    return fresh("the old graph holds " + std::to_string(covered) + " of " + std::to_string(live.size()) +
                 " live rows");
  }
  const auto remap_start = Clock::now();
  auto remapped = index::RemapGraph(snap, live, config, rows, EngineHnswOptions());
  if (!remapped.ok()) return fresh(remapped.status().ToString());
  OCHRE_LOG_INFO(
      "collection {}: compaction remapped the graph of {} live rows in {:.0f} ms ({} lists repaired, {} nodes "
      "relinked; links copied under the index lock in {:.1f} ms); {} rows to insert",
      state.uuid(), covered, MillisSince(remap_start), remapped->repaired_lists, remapped->relinked_nodes, snapshot_ms,
      remapped->missing.size());
  *to_insert = std::move(remapped->missing);
  return std::move(remapped->index);
}

// Step 2: the new generation's store with `live` (rows of the current generation) copied in
// order, durable and published, and a graph over all of them (checkpointed when persistent).
struct NewGeneration {
  std::unique_ptr<storage::VectorStore> store;
  std::unique_ptr<index::HnswIndex> graph;
};

Result<NewGeneration> BuildGeneration(CollectionState& state, const VectorRuntime& old_rt,
                                      const std::vector<uint32_t>& live, const HnswConfig& config, int64_t generation,
                                      const std::atomic<bool>* cancel) {
  NewGeneration g;
  if (state.dir().empty()) {
    OCHRE_ASSIGN_OR_RETURN(g.store, storage::NewMemoryVectorStore(old_rt.dim));
  } else {
    RemoveGeneration(state, generation);  // an earlier attempt's, if any: start from nothing
    OCHRE_ASSIGN_OR_RETURN(g.store,
                           storage::OpenFileVectorStore(state.GenerationFiles(generation)[0], old_rt.dim, 0,
                                                        /*create=*/true, /*truncate_tail=*/true,
                                                        /*read_only=*/false, FileIdentity{state.uuid(), generation}));
  }
  OCHRE_RETURN_IF_ERROR(g.store->Reserve(uint32_t(live.size())));
  OCHRE_RETURN_IF_ERROR(CopyRows(old_rt.store->rows(), live, g.store.get()));
  // The rows copied were checked on their first read: damaged ones are not carried into the new
  // generation under fresh checksums.
  OCHRE_RETURN_IF_ERROR(RowsIntactOf(state, old_rt));
  OCHRE_RETURN_IF_ERROR(g.store->Sync());
  g.store->Publish(g.store->size());
  OCHRE_RETURN_IF_ERROR(Cancelled(cancel, state.uuid()));
  std::vector<uint32_t> to_insert;
  g.graph = RemapOldGraph(state, old_rt, live, config, &g.store->rows(), &to_insert);
  for (size_t first = 0; first < to_insert.size(); first += kGraphBatchRows) {
    OCHRE_RETURN_IF_ERROR(Cancelled(cancel, state.uuid()));
    const size_t n = std::min<size_t>(kGraphBatchRows, to_insert.size() - first);
    OCHRE_RETURN_IF_ERROR(g.graph->Insert(std::span<const uint32_t>(to_insert.data() + first, n)));
  }
  if (!state.dir().empty()) {
    std::string bytes;
    OCHRE_RETURN_IF_ERROR(index::SaveGraph(*g.graph, &bytes, FileIdentity{state.uuid(), generation}));
    OCHRE_RETURN_IF_ERROR(WriteFileAtomically(state.GenerationFiles(generation)[1], bytes));
  }
  return g;
}

}  // namespace

bool WantsAutoCompaction(const VectorRuntime& rt) {
  const uint32_t committed = rt.committed_row_count();
  const size_t live = rt.live_count();
  if (committed < rt.compact_retry_at.load(std::memory_order_relaxed) || live >= committed) return false;
  const size_t dead = committed - live;
  return dead >= kAutoCompactMinDeadRows && double(dead) > kAutoCompactDeadFraction * double(committed);
}

Result<CompactionStats> CompactCollection(Engine& engine, const std::shared_ptr<CollectionState>& state,
                                          const std::atomic<bool>* cancel) {
  std::lock_guard<std::mutex> one_at_a_time(state->compact_mu());
  CompactionStats stats;
  // One compaction of the collection across processes too: both would write the same next
  // generation. Held until the end (RemoveOtherGenerations leaves newer generations alone meanwhile).
  std::optional<File> compact_lock;
  if (!state->dir().empty()) {
    OCHRE_RETURN_IF_ERROR(CreateDirs(state->dir()));
    OCHRE_ASSIGN_OR_RETURN(File f, File::Open(JoinPath(state->dir(), kCompactLockName), OpenMode::kCreate, 0644));
    OCHRE_ASSIGN_OR_RETURN(bool taken, f.TryLockExclusive());
    if (!taken) {
      return Status::Locked("collection " + state->uuid() + " is being compacted by another process; try again later");
    }
    compact_lock.emplace(std::move(f));
  }

  // 1. The live rows as of C0 committed rows.
  storage::CollectionRow row;
  HnswConfig config;
  std::shared_ptr<VectorRuntime> old_rt;
  std::vector<uint32_t> live;
  uint32_t c0 = 0;
  {
    std::lock_guard<std::mutex> write_lock(state->write_mu());
    OCHRE_RETURN_IF_ERROR(state->NotFoundIfDeleted());
    OCHRE_ASSIGN_OR_RETURN(Engine::CommitGuard commit, engine.LockCommits());
    {
      auto w = engine.Writer();
      OCHRE_ASSIGN_OR_RETURN(auto found, w->FindCollectionById(state->uuid()));
      if (!found) return Status::NotFound("Collection [" + state->uuid() + "] does not exist.");
      row = std::move(*found);
    }
    OCHRE_ASSIGN_OR_RETURN(CollectionConfiguration cc, ConfigurationFromJson(row.config_json));
    config = cc.hnsw;
    {
      OCHRE_ASSIGN_OR_RETURN(auto reader, engine.Reader());
      OCHRE_ASSIGN_OR_RETURN(old_rt, state->Runtime(row, config, reader.get()));
    }
    stats.rows_before = stats.rows_after = row.committed_rows;
    stats.bytes_before = stats.bytes_after = GenerationBytes(*state, row.generation);
    if (!old_rt) return stats;  // no vectors yet
    c0 = old_rt->committed_row_count();
    {
      auto w = engine.Writer();
      OCHRE_ASSIGN_OR_RETURN(auto rid_rows, w->LiveRidRows(row.cid));
      live.reserve(rid_rows.size());
      for (const auto& [rid, r] : rid_rows) live.push_back(r);
    }
    stats.live_rows = int64_t(live.size());
    if (live.size() == c0) return stats;  // nothing dead: nothing to give back
  }
  std::sort(live.begin(), live.end());
  const int64_t generation = row.generation + 1;
  const uint32_t copied = uint32_t(live.size());

  // 2. The new generation, while writers and readers go on with the old one.
  const auto build_start = Clock::now();
  auto built = BuildGeneration(*state, *old_rt, live, config, generation, cancel);
  if (!built.ok()) {
    RemoveGeneration(*state, generation);
    return built.status();
  }
  NewGeneration g = std::move(*built);

  // 3. Catch up and publish.
  const double build_ms = MillisSince(build_start);
  std::unique_lock<std::mutex> write_lock(state->write_mu());
  const auto publish_start = Clock::now();
  auto abandon = [&](Status s) -> Status {
    RemoveGeneration(*state, generation);
    return s;
  };
  if (state->deleted()) return abandon(state->NotFoundIfDeleted());
  auto commit = engine.LockCommits();
  if (!commit.ok()) return abandon(commit.status());
  {
    // Catch the old runtime up with what other processes committed since step 1.
    Result<std::optional<storage::CollectionRow>> found = std::optional<storage::CollectionRow>();
    {
      auto w = engine.Writer();
      found = w->FindCollectionById(state->uuid());
    }
    if (!found.ok()) return abandon(found.status());
    if (!*found) return abandon(Status::NotFound("Collection [" + state->uuid() + "] does not exist."));
    if ((*found)->generation != row.generation) {
      return abandon(
          Status::ResourceExhausted("collection " + state->uuid() + " was compacted by another process meanwhile"));
    }
    auto reader = engine.Reader();
    if (!reader.ok()) return abandon(reader.status());
    auto caught_up = state->Runtime(**found, config, reader->get());
    if (!caught_up.ok()) return abandon(caught_up.status());
  }
  if (state->LoadedRuntime() != old_rt) {
    // The runtime was dropped and loaded again meanwhile (an index update failed): the rows this
    // compaction saw may be stale.
    return abandon(Status::ResourceExhausted("collection " + state->uuid() +
                                             " was reloaded during its compaction; compact it again"));
  }
  std::unique_lock<std::mutex> index_lock(state->index_mu());
  const uint32_t c1 = old_rt->committed_row_count();
  std::vector<std::pair<int64_t, uint32_t>> rid_rows;
  {
    auto w = engine.Writer();
    auto found = w->FindCollectionById(state->uuid());
    if (!found.ok()) return abandon(found.status());
    if (!*found) return abandon(Status::NotFound("Collection [" + state->uuid() + "] does not exist."));
    if ((*found)->generation != row.generation) {
      return abandon(Status::Internal("collection " + state->uuid() + " changed generation during its compaction"));
    }
    row = std::move(**found);
    auto current = w->LiveRidRows(row.cid);
    if (!current.ok()) return abandon(current.status());
    rid_rows = std::move(*current);
  }
  std::vector<uint32_t> new_of_old(c1, kNoRow);
  for (uint32_t i = 0; i < copied; ++i) new_of_old[live[i]] = i;
  std::vector<uint32_t> late;  // live rows committed after step 1
  for (const auto& [rid, r] : rid_rows) {
    if (r >= c1) return abandon(Status::Internal("a record points past the committed rows during compaction"));
    if (r >= c0) {
      late.push_back(r);
    } else if (new_of_old[r] == kNoRow) {
      return abandon(Status::Internal("a record points at a row that was dead when compaction began"));
    }
  }
  std::sort(late.begin(), late.end());
  for (uint32_t j = 0; j < late.size(); ++j) new_of_old[late[j]] = copied + j;
  Status appended = CopyRows(old_rt->store->rows(), late, g.store.get());
  if (appended.ok()) appended = RowsIntactOf(*state, *old_rt);
  if (appended.ok()) appended = g.store->Sync();
  if (!appended.ok()) return abandon(appended);
  g.store->Publish(g.store->size());
  const uint32_t new_rows = g.store->size();

  // The runtime of the new generation: rows copied in step 1 whose record is gone since are
  // tombstones; the late rows form the graph's tail, indexed in the background.
  auto rt = std::make_shared<VectorRuntime>();
  rt->dim = old_rt->dim;
  rt->generation = generation;
  rt->sync_threshold = config.sync_threshold;
  rt->store = std::move(g.store);
  const RowChunks* rows = &rt->store->rows();
  std::vector<char> is_live(new_rows, 0);
  std::vector<uint32_t> live_new;
  live_new.reserve(rid_rows.size());
  rt->row_of_rid.reserve(rid_rows.size());
  for (auto& [rid, r] : rid_rows) {
    r = new_of_old[r];
    is_live[r] = 1;
    live_new.push_back(r);
    rt->row_of_rid.emplace(rid, r);
  }
  std::sort(live_new.begin(), live_new.end());
  rt->flat = index::MakeFlatIndex(config.space, rows);
  if (Status s = rt->flat->Insert(live_new); !s.ok()) return abandon(s);
  rt->hnsw = std::move(g.graph);
  uint32_t dead = 0;
  for (uint32_t r = 0; r < new_rows; ++r) {
    if (is_live[r]) continue;
    ++dead;
    rt->flat->MarkDeleted(r);
    if (r < copied) rt->hnsw->MarkDeleted(r);
  }
  rt->committed_rows.store(new_rows, std::memory_order_release);
  rt->seen_seq = row.write_seq;  // the publish does not change write_seq
  rt->seen_dead = int64_t(dead);
  rt->indexed_rows.store(copied, std::memory_order_release);
  rt->checkpointed_rows = state->dir().empty() ? 0 : copied;

  // The commit point. Readers hold the ReadGuard across their catalog statements and their use of
  // the runtime, so the commit and the swap happen together for them. An in-memory catalog shares
  // its one connection with readers under the catalog lock: there the guard comes first (the
  // readers' order); a persistent one takes it only for the commit (readers do not wait for the
  // row updates, which they do not see before the commit).
  const bool persistent = !state->dir().empty();
  std::unique_lock<std::shared_mutex> publish;
  Clock::time_point readers_held;
  if (!persistent) {
    publish = state->PublishGuard();
    readers_held = Clock::now();
  }
  Status committed = [&]() -> Status {
    auto w = engine.Writer();
    storage::Transaction txn(w->db());
    OCHRE_RETURN_IF_ERROR(txn.Start());
    OCHRE_RETURN_IF_ERROR(w->SetRecordRows(row.cid, rid_rows));
    OCHRE_RETURN_IF_ERROR(w->SetGeneration(row.cid, generation, int64_t(new_rows), int64_t(dead)));
    if (persistent) {
      publish = state->PublishGuard();
      readers_held = Clock::now();
    }
    return txn.Commit();
  }();
  if (!committed.ok()) {
    if (publish.owns_lock()) publish.unlock();
    index_lock.unlock();
    // Whether the commit reached the disk is unknown after some failures: reload from the catalog,
    // which removes whichever generation it does not name.
    if (persistent) {
      state->Unload();
    } else {
      RemoveGeneration(*state, generation);
    }
    return committed;
  }
  state->SwapRuntime(rt);
  publish.unlock();
  commit->Release();
  // The copy and the graph remap read the new rows through their mapping.
  rt->ReleaseFloatRowsIfWalkingTheCopy();
  const double readers_held_ms = MillisSince(readers_held);
  index_lock.unlock();
  write_lock.unlock();
  const double publish_ms = MillisSince(publish_start);

  // The old generation's files go when the last reader of them, in any process, lets go (the
  // file's shared flock tells): here when old_rt is released, or in the process that holds it.
  old_rt->retired.store(true, std::memory_order_release);
  if (persistent) {
    auto files = state->GenerationFiles(row.generation);
    old_rt->store->RetireOnClose({files.begin() + 1, files.end()});
  }
  stats.rows_after = int64_t(new_rows);
  stats.live_rows = int64_t(live_new.size());
  stats.bytes_after = GenerationBytes(*state, generation);
  OCHRE_LOG_INFO(
      "collection {}: compacted {} rows to {} ({} live), {} bytes to {} (generation {}); copy and graph {:.0f} ms, "
      "catch-up and commit {:.0f} ms (writers waited), readers held {:.1f} ms",
      state->uuid(), stats.rows_before, stats.rows_after, stats.live_rows, stats.bytes_before, stats.bytes_after,
      generation, build_ms, publish_ms, readers_held_ms);
  if (rt->HasIndexWork()) engine.NotifyIndexer(state);
  return stats;
}

}  // namespace ochre::api
