// Copyright 2026 The OchreDB Authors.
//
// Engine: one open database (a directory, or the process's in-memory database). It owns the
// directory LOCK, the catalog connections and the runtime state of every collection in use. Within
// a process there is one Engine per canonical path, shared by every client opened on it.
//
// Locking order (never the reverse): CollectionState::write_mu -> Engine::catalog_mu_. The writer
// connection is used only under catalog_mu_. Compaction's publish (compaction.cc) takes write_mu ->
// index_mu -> catalog_mu_ -> the collection's PublishGuard when persistent (readers there hold the
// ReadGuard but never catalog_mu_), and write_mu -> index_mu -> PublishGuard -> catalog_mu_ when
// ephemeral (readers take the ReadGuard, then catalog_mu_ to share the one connection). Readers lease their own
// connection (persistent) or share the writer under catalog_mu_ (ephemeral: an in-memory SQLite has one connection).
#pragma once

#include <sys/types.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "api/collection_state.h"
#include "ochre/client.h"
#include "ochre/result.h"
#include "storage/catalog.h"
#include "storage/lock_file.h"

namespace ochre::api {

class Engine {
 public:
  static Result<std::shared_ptr<Engine>> OpenPersistent(const std::string& path, const Settings& settings);
  static Result<std::shared_ptr<Engine>> OpenEphemeral(const Settings& settings);
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  bool persistent() const { return persistent_; }
  bool read_only() const { return read_only_; }
  const std::string& path() const { return path_; }
  const Settings& settings() const { return settings_; }

  // The database's commit lock (storage/lock_file.h), held for one commit: this process's mutex,
  // then (persistent) the LOCK file's flock, waiting up to Settings::lock_timeout_ms for another
  // process. Every catalog write holds it, and a write that appends vectors holds it from reading
  // the committed state to its SQLite commit. Take it after the collection's write_mu, before
  // catalog_mu_.
  class CommitGuard {
   public:
    CommitGuard(CommitGuard&& o) noexcept : engine_(o.engine_), lock_(std::move(o.lock_)) { o.engine_ = nullptr; }
    CommitGuard& operator=(CommitGuard&&) = delete;
    ~CommitGuard() { Release(); }
    // Lets other writers in (before the guard's end).
    void Release() {
      if (engine_ && engine_->commit_lock_) engine_->commit_lock_->Unlock();
      engine_ = nullptr;
      if (lock_.owns_lock()) lock_.unlock();
    }

   private:
    friend class Engine;
    CommitGuard(Engine* e, std::unique_lock<std::mutex> lock) : engine_(e), lock_(std::move(lock)) {}
    Engine* engine_;
    std::unique_lock<std::mutex> lock_;
  };
  Result<CommitGuard> LockCommits();

  // Ok in the process that opened the engine; after fork() a clear error in the child, whose
  // inherited handles must never read or write (the parent's connections and locks are not its).
  Status CheckProcess() const;
  pid_t owner_pid() const { return owner_pid_; }

  // The writer connection, held with catalog_mu_ for the lease's lifetime.
  class WriterLease {
   public:
    explicit WriterLease(Engine* e) : lock_(e->catalog_mu_), conn_(e->writer_.get()) {}
    ~WriterLease() { conn_->db()->ResetStatements(); }
    storage::CatalogConn* operator->() const { return conn_; }
    storage::CatalogConn* get() const { return conn_; }

   private:
    std::unique_lock<std::mutex> lock_;
    storage::CatalogConn* conn_;
  };
  WriterLease Writer() { return WriterLease(this); }

  // A connection for reads; returned to the pool when the lease ends.
  class ReaderLease {
   public:
    ReaderLease(ReaderLease&& o) noexcept
        : engine_(o.engine_), owned_(std::move(o.owned_)), lock_(std::move(o.lock_)), conn_(o.conn_) {
      o.conn_ = nullptr;
    }
    ~ReaderLease();
    storage::CatalogConn* operator->() const { return conn_; }
    storage::CatalogConn* get() const { return conn_; }

   private:
    friend class Engine;
    ReaderLease(Engine* e, std::unique_ptr<storage::CatalogConn> owned, std::unique_lock<std::mutex> lock);
    Engine* engine_;
    std::unique_ptr<storage::CatalogConn> owned_;  // persistent: a pooled connection
    std::unique_lock<std::mutex> lock_;            // ephemeral: catalog_mu_ held
    storage::CatalogConn* conn_;
  };
  Result<ReaderLease> Reader();

  // The runtime state of a collection (created on first use; loads vectors and index lazily).
  std::shared_ptr<CollectionState> State(const storage::CollectionRow& row);
  // Marks a collection's state deleted and forgets it (its handles then answer NotFound).
  void ForgetState(int64_t cid);
  void ForgetAllStates();

  // <path>/collections/<uuid>, or "" when ephemeral.
  std::string CollectionDir(const std::string& uuid) const;
  // Writes the deletion marker into a collection's folder, before the commit that deletes it (the
  // proof CollectOrphanDirs needs to remove the folder after a crash).
  Status MarkCollectionDeleted(const std::string& uuid);
  // True while the directory at path() is still the one this engine opened (device and inode of
  // the directory and of its catalog file). Writes through a stale engine are refused.
  bool SameDirectory() const;
  Status CheckSameDirectory() const;
  // Removes a deleted collection's files (after the catalog commit).
  void RemoveCollectionFiles(const std::string& uuid);

  // Writes every loaded collection's graph checkpoint; with `drain`, first inserts every row still
  // waiting for the background indexer (so that the graph covers everything).
  Status Checkpoint(bool drain);

  // Tells the background indexer that a collection has rows to insert into its graph (or deletes
  // to apply to it).
  void NotifyIndexer(const std::shared_ptr<CollectionState>& state);

  // The automatic compaction (compaction.h: past kAutoCompactDeadFraction dead rows): starts
  // compacting `state` on a background thread unless a compaction is running already. The
  // indexer calls it when it has caught up with a collection.
  void StartAutoCompaction(const std::shared_ptr<CollectionState>& state);

  // --- Open collections (open_collections.cc) ---
  // A loaded runtime holds a file descriptor and mappings of its vectors file plus its indexes in
  // memory. At most max_open_collections() runtimes stay loaded: past that, the least recently
  // used idle ones are closed (checkpointed first, as at close) by a background closer; their
  // handles stay valid and the next use loads them again. Called after every use of a loaded
  // runtime (persistent only).
  void NoteOpen(const std::shared_ptr<CollectionState>& state);
  size_t max_open_collections() const { return max_open_; }
  // Collections whose runtime is loaded and tracked (for tests and figures).
  size_t open_collections() const;
  // The bound chosen for these settings: OCHRE_MAX_OPEN_COLLECTIONS, else
  // Settings::max_open_collections, else a quarter of the soft RLIMIT_NOFILE capped by a memory
  // budget (kOpenCollectionsMemoryBudget / kOpenCollectionBytes), never below kMinOpenCollections.
  static size_t ChooseMaxOpenCollections(const Settings& settings);

 private:
  Engine(bool persistent, std::string path, const Settings& settings);
  static Result<std::shared_ptr<Engine>> OpenReadOnly(const std::string& canonical, const Settings& settings,
                                                      std::weak_ptr<Engine>* slot);
  storage::SqliteOpenOptions CatalogOptions() const;
  Status OpenCatalog();
  // Opens dir_fd_ and records the device and inode of the directory and of its catalog (SameDirectory).
  Status RememberDirectory();
  void CollectOrphanDirs();
  // At close: gives back the space reserved past the last row of every vectors file, when this
  // process can take the commit lock at once and the file is the catalog's current one.
  void GiveBackReservedSpace();
  void ReturnReader(std::unique_ptr<storage::CatalogConn> conn);
  void StartIndexer();
  void StopIndexer();
  void IndexerLoop();
  void StartCloser();
  void StopCloser();
  void CloserLoop();
  // Closes the loaded runtime of `state` if nothing uses it now (its writer, a compaction, a read
  // or the indexer): drains a short graph tail, checkpoints, gives back reserved space and unloads.
  // Never blocks on a lock a user thread may hold while it waits for the closer.
  bool TryClose(const std::shared_ptr<CollectionState>& state);
  // GiveBackReservedSpace for the given states; the commit lock is only tried (never waited for)
  // when `try_only` (the closer must not wait on a writer).
  void GiveBackReservedSpaceOf(const std::vector<std::shared_ptr<CollectionState>>& states, bool try_only);

  const pid_t owner_pid_ = ::getpid();  // the process that opened it
  const bool persistent_;
  const std::string path_;  // canonical; "" when ephemeral
  const Settings settings_;
  bool read_only_ = false;  // the directory cannot be written: reads only (LockCommits: ReadOnly)
  // Device and inode of the directory and of its catalog at open (SameDirectory).
  dev_t dir_dev_ = 0;
  ino_t dir_ino_ = 0;
  dev_t catalog_dev_ = 0;
  ino_t catalog_ino_ = 0;
  // Held open so that the directory's inode number is not reused while we compare against it (the
  // catalog's is held by SQLite).
  int dir_fd_ = -1;
  std::mutex commit_mu_;                            // this process's part of the commit lock
  std::unique_ptr<storage::LockFile> commit_lock_;  // LOCK (persistent)

  std::mutex catalog_mu_;
  std::unique_ptr<storage::CatalogConn> writer_;  // GUARDED_BY(catalog_mu_)

  std::mutex readers_mu_;
  std::vector<std::unique_ptr<storage::CatalogConn>> idle_readers_;  // GUARDED_BY(readers_mu_)

  std::mutex indexer_mu_;
  std::condition_variable indexer_cv_;
  bool indexer_stop_ = false;                                 // GUARDED_BY(indexer_mu_)
  std::deque<std::weak_ptr<CollectionState>> indexer_queue_;  // GUARDED_BY(indexer_mu_)
  std::thread indexer_;

  std::mutex compactor_mu_;
  std::thread compactor_;             // GUARDED_BY(compactor_mu_)
  bool compactor_busy_ = false;       // GUARDED_BY(compactor_mu_)
  bool compactor_stopped_ = false;    // GUARDED_BY(compactor_mu_)
  std::atomic<bool> closing_{false};  // makes a running compaction give up

  std::mutex states_mu_;
  std::map<int64_t, std::shared_ptr<CollectionState>> states_;  // GUARDED_BY(states_mu_)

  // Open collections, most recently used first (entries whose runtime was unloaded meanwhile are
  // dropped when met). Lock order: lru_mu_ -> CollectionState's runtime_mu_.
  size_t max_open_ = 0;
  mutable std::mutex lru_mu_;
  std::condition_variable lru_cv_;  // the closer waits on it; users wait on it past the hard bound
  struct OpenEntry {
    const CollectionState* key;
    std::weak_ptr<CollectionState> state;
  };
  std::list<OpenEntry> lru_;                                                            // GUARDED_BY(lru_mu_)
  std::unordered_map<const CollectionState*, std::list<OpenEntry>::iterator> lru_pos_;  // GUARDED_BY(lru_mu_)
  bool closer_stop_ = false;                                                            // GUARDED_BY(lru_mu_)
  std::thread closer_;
};

}  // namespace ochre::api
