// Copyright 2026 The OchreDB Authors.
//
// CollectionState: what the engine keeps in memory for one collection in use: its vectors (a
// VectorStore over vectors.f32, or heap memory when ephemeral), its indexes, the write lock that
// serializes its writers, and a "deleted" mark that old handles check.
//
// Two indexes cover the same live rows: an exact FlatIndex (it costs a bitmap) and the HNSW graph.
// A query scans exactly while that is cheap (small collections answer exactly, as Chroma's
// brute-force path does) and searches the graph beyond. The graph is derived state: it is
// checkpointed to hnsw.graph (temp file, fsync, rename, fsync of the directory) every
// sync_threshold new rows, scaled with the collection's size, and on close; on load the rows past
// the checkpoint are inserted again and a missing, torn or mismatched file is rebuilt from the
// vectors, with a log line.
//
// The vectors and indexes live in a VectorRuntime, published as a shared_ptr: readers take a
// reference and keep using it even if a writer replaces it meanwhile.
//
// Compaction (compaction.h) builds the runtime of the next generation (files vectors.<g>.f32 and
// hnsw.<g>.graph) beside the current one and swaps it in at its publish. Record rows differ between
// generations, so a reader must see the catalog and the runtime of one generation: reads hold the
// ReadGuard, the publish holds the PublishGuard.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "api/filter_index.h"
#include "api/sparse_index.h"
#include "index/hnsw/hnsw_index.h"
#include "index/vector_index.h"
#include "ochre/result.h"
#include "ochre/types.h"
#include "storage/catalog.h"
#include "storage/vector_store.h"

namespace ochre::api {

// The engine's choices for its graphs: searches walk a quantized copy of the rows and re-rank
// exactly (index/hnsw/hnsw_index.h: 1.5-2x the queries per second for dim bytes per row), and a
// loaded graph's copy is trained by the background indexer, so that opening stays instant.
inline index::HnswOptions EngineHnswOptions() {
  index::HnswOptions options;
  options.quantized_search = true;
  options.defer_quantizer = true;
  options.rerank = index::HnswOptions::kEngineRerank;
  return options;
}

// A collection directory's compaction lock file: held (flock) by the process compacting the
// collection, so that two processes never write the same next generation.
inline constexpr const char* kCompactLockName = "COMPACT";

struct VectorRuntime {
  uint32_t dim = 0;
  // The compaction generation whose files these are (catalog collections.generation).
  int64_t generation = 0;
  std::unique_ptr<storage::VectorStore> store;
  // Declared after the store: destroyed first, since they read the store's rows.
  std::unique_ptr<index::VectorIndex> flat;  // every committed live row, exact
  std::unique_ptr<index::HnswIndex> hnsw;    // rows below indexed_rows, filled in the background

  // Rows below this are in the graph (or deleted); rows from it up to the committed count are the
  // "tail", which queries scan exactly. Advanced by the indexer only (release), read by queries
  // (acquire) before they search the graph.
  std::atomic<uint32_t> indexed_rows{0};
  // Deletes not yet applied to the graph (the indexer applies them; queries filter graph hits
  // through the flat index's tombstones meanwhile).
  std::mutex pending_deletes_mu;
  std::vector<uint32_t> pending_deletes;  // GUARDED_BY(pending_deletes_mu)
  std::atomic<size_t> pending_delete_count{0};
  // Rows covered by the last graph checkpoint (indexer only, under CollectionState::index_mu_).
  uint32_t checkpointed_rows = 0;
  std::atomic<int> sync_threshold{1000};
  // The automatic compaction does not try again before the committed rows reach this (set after a
  // failed attempt, so that a failing disk is not rewritten on every write).
  std::atomic<uint32_t> compact_retry_at{0};

  // Rows below this are committed (the catalog may point at them). Rows are published (readable)
  // just before their commit, so published rows can run ahead of committed ones for a moment.
  std::atomic<uint32_t> committed_rows{0};
  uint32_t committed_row_count() const { return committed_rows.load(std::memory_order_acquire); }

  // Several processes: the catalog's collections.write_seq and dead_rows this runtime reflects
  // (GUARDED_BY CollectionState::sync_mu_). A catalog row with a larger write_seq holds commits of
  // another process (or of this one's writer, before it applied them): CollectionState::Runtime
  // catches up.
  std::atomic<int64_t> seen_seq{0};
  int64_t seen_dead = 0;
  // Set when the catalog names a newer generation: no more checkpoints of this graph; its files
  // are removed when the last process lets go of them.
  std::atomic<bool> retired{false};

  // The vector row of every live record by its rid, so that a filter's rids (from SQL) become an
  // allow-list without a lookup per rid in the records table. Updated after each commit.
  mutable std::shared_mutex rid_mu;
  std::unordered_map<int64_t, uint32_t> row_of_rid;  // GUARDED_BY(rid_mu)
  // Rows of the given rids that are live now (rids not yet applied or gone are skipped).
  void RowsOfRids(const std::vector<int64_t>& rids, RowBitmap* out) const;
  bool HasIndexWork() const;
  // Nearest live rows for one query: an exact scan while that is cheap, else the graph for the
  // indexed rows merged with an exact scan of the tail. Ascending (distance, row).
  Result<std::vector<index::Neighbor>> Search(const float* query, const index::SearchParams& params) const;
  size_t live_count() const { return flat->live_count(); }
  // Once the graph holds every committed row and walks its quantized copy, searches read float
  // rows only to re-rank a few (with pread): lets the mapped rows, which the graph build and the
  // training read throughout, go from resident memory (they stay in the page cache). Called by the
  // indexer when it catches up and after a compaction's swap; small collections, which queries
  // scan exactly, keep theirs.
  void ReleaseFloatRowsIfWalkingTheCopy();
  // Writer (REQUIRES the collection's write lock): committed rows in, deleted rows out.
  Status InsertCommitted(std::span<const uint32_t> rows);
  void DeleteCommitted(uint32_t row);
};

class CollectionState {
 public:
  // `read_only`: the directory cannot be written (files are opened for reading, nothing is
  // checkpointed or removed).
  CollectionState(int64_t cid, std::string uuid, std::string dir, bool read_only = false)
      : cid_(cid), uuid_(std::move(uuid)), dir_(std::move(dir)), read_only_(read_only) {}

  int64_t cid() const { return cid_; }
  const std::string& uuid() const { return uuid_; }
  const std::string& dir() const { return dir_; }  // "" when ephemeral

  // Serializes the collection's writers. Hold it before taking the engine's catalog lock.
  std::mutex& write_mu() { return write_mu_; }

  bool deleted() const { return deleted_.load(std::memory_order_acquire); }
  void MarkDeleted() { deleted_.store(true, std::memory_order_release); }
  Status NotFoundIfDeleted() const;

  // The current vectors and indexes; null when the collection has no dimension yet. Loads them on
  // the first call: opens vectors.f32 (truncating an uncommitted tail), loads the graph checkpoint
  // (or rebuilds the graph) and brings both indexes up to the live rows of the catalog. `row` is
  // the collection's catalog row, `config` its HNSW configuration, `conn` a connection to read with.
  // Several processes: when `row` (read by the caller, in the snapshot it reads the rest with) shows
  // commits the runtime has not seen, catches up first: other processes' rows are adopted (they
  // become the graph's tail, which queries scan exactly), their deletes and rewrites become
  // tombstones, and a newer generation (another process compacted) is loaded in place of the old.
  // The result's generation is newer than row.generation when `row` is from a snapshot older than
  // the runtime (another reader loaded the new generation meanwhile): the caller then reads again.
  Result<std::shared_ptr<VectorRuntime>> Runtime(const storage::CollectionRow& row, const HnswConfig& config,
                                                 storage::CatalogConn* conn);

  // Serializes catching up with the catalog and the writer's applying of its own commit.
  std::mutex& sync_mu() { return sync_mu_; }
  // Brings `rt` up to `row` (read after the runtime's state; nothing when of another generation or
  // not newer), a commit of this process's writer not applied yet included: the writer then finds
  // it applied and skips it. For a query whose hits name rows the catalog no longer has: the
  // records moved (or went) in a commit the index has not taken, so it searches again after this.
  Status CatchUp(VectorRuntime* rt, const storage::CollectionRow& row, storage::CatalogConn* conn);
  // This process's writer is committing write_seq `seq` (set before its commit, REQUIRES write_mu):
  // a reader that sees only that commit unapplied leaves it to the writer, which applies it before
  // acknowledging, instead of catching up from the catalog.
  void NoteLocalCommit(int64_t seq) { local_commit_seq_.store(seq, std::memory_order_release); }

  // Writer only (REQUIRES write_mu): the runtime for a first write of `dim`-dimensional vectors.
  Result<std::shared_ptr<VectorRuntime>> CreateRuntime(uint32_t dim, const HnswConfig& config);

  // The runtime if it is loaded, else null (does not load).
  std::shared_ptr<VectorRuntime> LoadedRuntime() {
    std::lock_guard<std::mutex> lock(runtime_mu_);
    return runtime_;
  }

  // The background indexer's step: applies pending deletes to the graph and inserts up to
  // `max_rows` tail rows, then checkpoints when enough rows were added since the last checkpoint
  // (sync_threshold, scaled with the collection's size). True when work remains.
  bool IndexStep(uint32_t max_rows);

  // Writes the graph checkpoint if the graph covers rows the last one did not. A failure is logged
  // and returned; it never loses data (the graph is rebuilt from the vectors at the next load).
  Status Checkpoint();

  // Drops the runtime (closes files); the next Runtime() loads again.
  void Unload();

  // --- Compaction (compaction.cc) ---
  // Held by a read for its whole length (catalog statements and runtime), so that both are of one
  // generation. Writer-preferring: a waiting publish holds new readers back, so that a stream of
  // readers cannot starve it. Never take it twice in one thread.
  std::shared_lock<std::shared_mutex> ReadGuard();
  // Held by compaction's publish: the commit of the new generation and the runtime swap.
  std::unique_lock<std::shared_mutex> PublishGuard();
  // Serializes the indexer's steps, checkpoints and the runtime swap of a compaction.
  std::mutex& index_mu() { return index_mu_; }
  // One compaction of this collection at a time.
  std::mutex& compact_mu() { return compact_mu_; }
  // Replaces the loaded runtime with a compacted one. REQUIRES PublishGuard and index_mu().
  void SwapRuntime(std::shared_ptr<VectorRuntime> rt);
  // The files of generation `generation` in this collection's directory (vectors, graph and the
  // graph's temporary file, then the row checksum side file).
  std::vector<std::string> GenerationFiles(int64_t generation) const;
  // Deletes the files of generations other than `current` in a collection directory (left by a
  // compaction interrupted before its commit), with a log line. The engine calls it at open; a
  // load calls it again (a failed publish is cleaned up that way).
  // Generations above `current` (a compaction that never committed) only with `newer_too`, which
  // needs `current` read under the commit lock (a newer generation may have been committed since a
  // reader's snapshot). A generation's files go only when no process holds its vectors file.
  static void RemoveOtherGenerations(const std::string& dir, const std::string& uuid, int64_t current, bool newer_too);

  // True once this process has seen the collection's FTS index built (catalog fts_ready, which
  // never goes back): the reads that filter by document text skip the check then.
  bool fts_known_ready() const { return fts_ready_.load(std::memory_order_acquire); }
  void NoteFtsReady() { fts_ready_.store(true, std::memory_order_release); }

  // The in-memory metadata index of `where` filters (keyed by rid: unaffected by row changes).
  FilterIndexSlot& filter_index() { return filter_index_; }
  // The in-memory index of sparse-vector metadata (api/sparse_index.h), built on the first sparse query.
  SparseIndexSlot& sparse_index() { return sparse_index_; }

 private:
  // Loads the runtime for `row` (REQUIRES runtime_mu_).
  Result<std::shared_ptr<VectorRuntime>> LoadLocked(const storage::CollectionRow& row, const HnswConfig& config,
                                                    storage::CatalogConn* conn);
  // Brings `rt` up to `row` (same generation). REQUIRES sync_mu_.
  Status CatchUpLocked(VectorRuntime* rt, const storage::CollectionRow& row, storage::CatalogConn* conn);
  Result<std::unique_ptr<storage::VectorStore>> OpenStore(uint32_t dim, uint64_t committed_rows, bool create,
                                                          int64_t generation);
  std::string GraphPath(int64_t generation) const;
  // Loads the generation's graph when it is valid for these vectors, else builds an empty graph
  // (logged).
  std::unique_ptr<index::HnswIndex> LoadOrNewGraph(const HnswConfig& config, const RowChunks* rows, int64_t generation);
  Status CheckpointLocked(VectorRuntime* rt);  // REQUIRES index_mu_

  const int64_t cid_;
  const std::string uuid_;
  const std::string dir_;  // "" when ephemeral
  const bool read_only_;
  std::mutex write_mu_;
  std::atomic<bool> deleted_{false};
  std::atomic<bool> fts_ready_{false};

  std::mutex index_mu_;    // serializes indexer steps, checkpoints, unloading and runtime swaps
  std::mutex compact_mu_;  // one compaction at a time
  std::mutex gate_mu_;     // makes generation_mu_ writer-preferring (see ReadGuard)
  std::shared_mutex generation_mu_;
  std::mutex sync_mu_;  // catching up with other processes' commits (see sync_mu())
  std::atomic<int64_t> local_commit_seq_{-1};
  std::mutex runtime_mu_;  // guards runtime_ and loaded_
  bool loaded_ = false;
  std::shared_ptr<VectorRuntime> runtime_;
  FilterIndexSlot filter_index_;
  SparseIndexSlot sparse_index_;
};

}  // namespace ochre::api
