// Copyright 2026 The OchreDB Authors.
#include "api/engine.h"

#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <climits>
#include <cstdlib>
#include <set>

#include "api/compaction.h"
#include "api/foreign_directory.h"
#include "common/file.h"
#include "common/logging.h"
#include "query/filter_sql.h"
#include "storage/schema.h"

namespace ochre::api {

namespace {

constexpr const char* kCatalogFile = storage::kCatalogFileName;
constexpr size_t kMaxIdleReaders = 8;
// Written into a collection's folder before the commit that deletes the collection: the proof that
// the folder may be removed when the catalog no longer names it.
constexpr const char* kDeletedMarker = "DELETED";

// One engine per canonical path (and one for all ephemeral clients) in this process.
std::mutex& RegistryMutex() {
  static std::mutex* mu = new std::mutex();
  return *mu;
}
std::map<std::string, std::weak_ptr<Engine>>& Registry() {
  static auto* registry = new std::map<std::string, std::weak_ptr<Engine>>();
  return *registry;
}

Status RegisterFunctions(sqlite3* db) { return query::RegisterSqlFunctions(db); }

Result<std::string> PrepareDirectory(const std::string& path, bool* read_only) {
  if (path.empty()) return Status::InvalidArgument("the database path is empty");
  struct stat sb;
  if (::stat(path.c_str(), &sb) == 0) {
    if (!S_ISDIR(sb.st_mode)) {
      return Status::InvalidArgument("the database path '" + path +
                                     "' is a file, not a directory; give a directory path");
    }
  } else {
    Status s = CreateDirs(path);
    if (!s.ok()) return s.WithContext("cannot create the database directory '" + path + "'");
  }
  char buf[PATH_MAX];
  if (::realpath(path.c_str(), buf) == nullptr) return ErrnoStatus(errno, "resolving", path);
  std::string canonical(buf);
  // A directory we cannot write (permissions, a read-only mount) opens for reading only.
  *read_only = ::access(canonical.c_str(), W_OK) != 0;
  return canonical;
}

// A catalog that is missing or empty beside collection folders was lost (deleted, truncated, or
// never restored): opening would create an empty catalog and bury the collections' files. Refused,
// with nothing touched.
Status RefuseLostCatalog(const std::string& dir) {
  const std::string catalog = JoinPath(dir, kCatalogFile);
  struct stat sb;
  const bool missing = ::stat(catalog.c_str(), &sb) != 0;
  if (!missing && sb.st_size > 0) return Status::Ok();
  // An empty main file with a non-empty WAL is a catalog being created (or never checkpointed).
  struct stat wal;
  if (!missing && ::stat((catalog + "-wal").c_str(), &wal) == 0 && wal.st_size > 0) return Status::Ok();
  auto entries = ListDir(JoinPath(dir, "collections"));
  if (!entries.ok() || entries->empty()) return Status::Ok();
  std::vector<std::string> names = *entries;
  std::sort(names.begin(), names.end());
  std::string listed;
  for (size_t i = 0; i < names.size() && i < 5; ++i) listed += (i ? ", " : "") + names[i];
  if (names.size() > 5) listed += ", ... (" + std::to_string(names.size()) + " in all)";
  return Status::Corruption("the catalog " + catalog + (missing ? " is missing" : " is empty") + " but " +
                            JoinPath(dir, "collections") + " holds collection folders (" + listed +
                            "): the catalog was lost. Nothing was changed; restore ochre.sqlite3 from a backup, or "
                            "move the collections folder away to start an empty database");
}

}  // namespace

Engine::Engine(bool persistent, std::string path, const Settings& settings)
    : persistent_(persistent),
      path_(std::move(path)),
      settings_(settings),
      max_open_(ChooseMaxOpenCollections(settings)) {}

Engine::~Engine() {
  if (::getpid() != owner_pid_) {
    // A copy inherited through fork(): its threads, connections, file locks and mappings are the
    // parent's. Nothing of it may be closed, joined, checkpointed or truncated from here: it is
    // left as it is (the child exits soon, or opens its own engine).
    new std::thread(std::move(indexer_));
    new std::thread(std::move(compactor_));
    new std::thread(std::move(closer_));
    (void)writer_.release();
    for (auto& r : idle_readers_) (void)r.release();
    new std::map<int64_t, std::shared_ptr<CollectionState>>(std::move(states_));
    (void)commit_lock_.release();
    return;
  }
  StopCloser();
  StopIndexer();
  {
    // A running automatic compaction gives up at its next step; nothing of it is published then.
    std::unique_lock<std::mutex> lock(compactor_mu_);
    compactor_stopped_ = true;
    closing_.store(true, std::memory_order_relaxed);
    std::thread running = std::move(compactor_);
    lock.unlock();
    if (running.joinable()) running.join();
  }
  // Closing does not wait for the graph to catch up: rows past the checkpoint are indexed again
  // in the background after the next open.
  // A directory removed or moved away while open: nothing more is written at the path (another
  // database may live there now).
  if (!read_only_ && SameDirectory()) {
    Status s = Checkpoint(/*drain=*/false);
    if (!s.ok()) OCHRE_LOG_WARN("checkpoint on close of {} failed: {}", path_, s.ToString());
    GiveBackReservedSpace();
  }
  {
    std::lock_guard<std::mutex> lock(states_mu_);
    states_.clear();
  }
  idle_readers_.clear();
  writer_.reset();
  commit_lock_.reset();
  if (dir_fd_ >= 0) ::close(dir_fd_);
}

void Engine::GiveBackReservedSpace() {
  std::vector<std::shared_ptr<CollectionState>> states;
  {
    std::lock_guard<std::mutex> lock(states_mu_);
    for (const auto& [cid, state] : states_) states.push_back(state);
  }
  GiveBackReservedSpaceOf(states, /*try_only=*/false);
}

void Engine::GiveBackReservedSpaceOf(const std::vector<std::shared_ptr<CollectionState>>& states, bool try_only) {
  if (!persistent_ || !writer_ || read_only_) return;
  // Another process may be appending to the same files: only with the commit lock (taken at once
  // or not at all: closing never waits) and for a file that is the catalog's current generation
  // with as many rows as the catalog records.
  std::unique_lock<std::mutex> mu(commit_mu_, std::defer_lock);
  if (try_only) {
    if (!mu.try_lock()) return;
  } else {
    mu.lock();
  }
  if (!commit_lock_ || !commit_lock_->Lock(0).ok()) return;
  for (const auto& state : states) {
    auto rt = state->LoadedRuntime();
    if (!rt || rt->retired.load()) continue;
    std::optional<storage::CollectionRow> row;
    {
      WriterLease w = Writer();
      auto found = w->FindCollectionById(state->uuid());
      if (!found.ok() || !*found) continue;
      row = std::move(**found);
    }
    if (row->generation != rt->generation || row->committed_rows != int64_t(rt->store->size())) continue;
    Status g = rt->store->GiveBackReservedSpace();
    if (!g.ok()) OCHRE_LOG_WARN("collection {}: giving back reserved space failed: {}", state->uuid(), g.ToString());
  }
  commit_lock_->Unlock();
}

Result<Engine::CommitGuard> Engine::LockCommits() {
  OCHRE_RETURN_IF_ERROR(CheckProcess());
  if (read_only_) {
    return Status::ReadOnly("the database directory " + path_ +
                            " is read-only (permissions or a read-only mount): it is open for reading only");
  }
  std::unique_lock<std::mutex> lock(commit_mu_);
  if (commit_lock_) {
    OCHRE_RETURN_IF_ERROR(commit_lock_->Lock(settings_.lock_timeout_ms));
    // dir_ino_ is 0 only while the engine opens (the catalog is being created).
    if (dir_ino_ != 0) {
      Status same = CheckSameDirectory();
      if (!same.ok()) {
        commit_lock_->Unlock();
        return same;
      }
    }
  }
  return CommitGuard(this, std::move(lock));
}

Status Engine::RememberDirectory() {
  struct stat dsb, csb;
  dir_fd_ = ::open(path_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd_ < 0 || ::fstat(dir_fd_, &dsb) != 0) return ErrnoStatus(errno, "opening", path_);
  const std::string catalog = JoinPath(path_, kCatalogFile);
  if (::stat(catalog.c_str(), &csb) != 0) return ErrnoStatus(errno, "stat", catalog);
  dir_dev_ = dsb.st_dev;
  dir_ino_ = dsb.st_ino;
  catalog_dev_ = csb.st_dev;
  catalog_ino_ = csb.st_ino;
  return Status::Ok();
}

bool Engine::SameDirectory() const {
  if (!persistent_) return true;
  struct stat dsb, csb;
  if (::stat(path_.c_str(), &dsb) != 0 || dsb.st_dev != dir_dev_ || dsb.st_ino != dir_ino_) return false;
  const std::string catalog = JoinPath(path_, kCatalogFile);
  return ::stat(catalog.c_str(), &csb) == 0 && csb.st_dev == catalog_dev_ && csb.st_ino == catalog_ino_;
}

Status Engine::CheckSameDirectory() const {
  if (SameDirectory()) return Status::Ok();
  return Status::NotFound("the database directory " + path_ +
                          " was removed, moved or replaced while this client had it open: nothing was written; open "
                          "a new client on the path to use the database there now");
}

Status Engine::CheckProcess() const {
  const pid_t now = ::getpid();
  if (now == owner_pid_) return Status::Ok();
  return Status::NotSupported("this client was opened by process " + std::to_string(owner_pid_) +
                              " and cannot be used in process " + std::to_string(now) +
                              ", a child created by fork(): open a new client in the child (or start it with "
                              "the 'spawn' method)");
}

Result<std::shared_ptr<Engine>> Engine::OpenPersistent(const std::string& path, const Settings& settings) {
  bool read_only = false;
  OCHRE_ASSIGN_OR_RETURN(std::string canonical, PrepareDirectory(path, &read_only));
  OCHRE_RETURN_IF_ERROR(api::RefuseForeignDirectory(canonical));
  std::lock_guard<std::mutex> registry_lock(RegistryMutex());
  auto& slot = Registry()[canonical];
  auto existing = slot.lock();
  // An engine inherited through fork() belongs to the parent: the child must not share its SQLite
  // connections or its LOCK. Opening afresh makes the child meet the parent's lock (Locked).
  if (existing && existing->owner_pid_ != ::getpid()) existing.reset();
  // The directory was removed or replaced while open (rmtree, a move): the cached engine's files
  // are not the ones at this path any more, and the open gets a fresh engine.
  if (existing && !existing->SameDirectory()) existing.reset();
  if (existing) {
    if (existing->settings().allow_reset != settings.allow_reset) {
      return Status::InvalidArgument("An instance of OchreDB already exists for " + canonical +
                                     " with different settings");
    }
    return existing;
  }
  // Refuse a newer format before touching anything in the directory.
  OCHRE_ASSIGN_OR_RETURN(int version, storage::CatalogConn::PeekFormatVersion(JoinPath(canonical, kCatalogFile)));
  if (version > storage::kCatalogFormatVersion) {
    return Status::NotSupported("the database at " + canonical + " has catalog format version " +
                                std::to_string(version) + ", newer than this build of OchreDB supports (" +
                                std::to_string(storage::kCatalogFormatVersion) + "); upgrade OchreDB to open it");
  }
  OCHRE_RETURN_IF_ERROR(RefuseLostCatalog(canonical));
  if (read_only) return OpenReadOnly(canonical, settings, &slot);
  std::shared_ptr<Engine> engine(new Engine(true, canonical, settings));
  OCHRE_ASSIGN_OR_RETURN(engine->commit_lock_, storage::LockFile::Open(canonical));
  {
    // Creating or migrating the catalog, and the clean-up of files nobody uses, under the commit
    // lock: another process may be opening (or creating) the same database right now.
    OCHRE_ASSIGN_OR_RETURN(CommitGuard commit, engine->LockCommits());
    OCHRE_RETURN_IF_ERROR(engine->OpenCatalog());
    OCHRE_RETURN_IF_ERROR(engine->RememberDirectory());
    engine->CollectOrphanDirs();
  }
  engine->StartIndexer();
  slot = engine;
  return engine;
}

Result<std::shared_ptr<Engine>> Engine::OpenReadOnly(const std::string& canonical, const Settings& settings,
                                                     std::weak_ptr<Engine>* slot) {
  const std::string catalog = JoinPath(canonical, kCatalogFile);
  OCHRE_ASSIGN_OR_RETURN(bool exists, PathExists(catalog));
  if (!exists) {
    return Status::ReadOnly("the database directory " + canonical +
                            " is read-only (permissions or a read-only mount) and holds no database to read");
  }
  std::shared_ptr<Engine> engine(new Engine(true, canonical, settings));
  engine->read_only_ = true;
  OCHRE_RETURN_IF_ERROR(engine->OpenCatalog());
  // A catalog of an older format cannot be migrated here.
  {
    auto w = engine->Writer();
    auto st = w->db()->Prepare("SELECT value FROM ochre_meta WHERE key='format_version'");
    if (!st.ok()) return st.status();
    auto row = st->Step();
    if (!row.ok()) return row.status();
    const int version = *row ? std::atoi(st->ColumnString(0).c_str()) : 0;
    if (version != storage::kCatalogFormatVersion) {
      return Status::ReadOnly("the database at " + canonical + " has catalog format version " +
                              std::to_string(version) + " and must be opened once where it can be written (" +
                              "its directory is read-only here) to be upgraded to version " +
                              std::to_string(storage::kCatalogFormatVersion));
    }
  }
  OCHRE_RETURN_IF_ERROR(engine->RememberDirectory());
  engine->StartIndexer();
  *slot = engine;
  return engine;
}

Result<std::shared_ptr<Engine>> Engine::OpenEphemeral(const Settings& settings) {
  std::lock_guard<std::mutex> registry_lock(RegistryMutex());
  auto& slot = Registry()[""];
  auto existing = slot.lock();
  if (existing && existing->owner_pid_ == ::getpid()) return existing;
  std::shared_ptr<Engine> engine(new Engine(false, "", settings));
  OCHRE_RETURN_IF_ERROR(engine->OpenCatalog());
  engine->StartIndexer();
  slot = engine;
  return engine;
}

void Engine::StartIndexer() {
  indexer_ = std::thread([this] { IndexerLoop(); });
  StartCloser();
}

void Engine::StopIndexer() {
  {
    std::lock_guard<std::mutex> lock(indexer_mu_);
    indexer_stop_ = true;
  }
  indexer_cv_.notify_all();
  if (indexer_.joinable()) indexer_.join();
}

void Engine::NotifyIndexer(const std::shared_ptr<CollectionState>& state) {
  {
    std::lock_guard<std::mutex> lock(indexer_mu_);
    for (const auto& weak : indexer_queue_) {
      if (weak.lock() == state) return;
    }
    indexer_queue_.push_back(state);
  }
  indexer_cv_.notify_one();
}

namespace {

// Puts the calling thread (and the threads it starts, which inherit it) in SCHED_IDLE: the lowest
// weight the scheduler has (a few thousandths of a busy core; it still progresses under full load,
// and takes idle cores whole). With nice 10 before, a large ingest over HTTP ran 3-4% slower: the
// graph build took a share of the cores the requests and the client feeding them needed. Falls back
// to nice 19 where SCHED_IDLE is refused.
void RunAsBackgroundWork() {
  sched_param param{};
  if (::pthread_setschedparam(::pthread_self(), SCHED_IDLE, &param) != 0) {
    ::setpriority(PRIO_PROCESS, static_cast<id_t>(::syscall(SYS_gettid)), 19);
  }
}

}  // namespace

void Engine::IndexerLoop() {
  // Graph insertion in batches small enough that a collection's deletes and a close never wait
  // long; collections take turns.
  constexpr uint32_t kBatchRows = 1024;
  // Graph building is catch-up work: writers and queries come first.
  RunAsBackgroundWork();
  std::unique_lock<std::mutex> lock(indexer_mu_);
  while (true) {
    indexer_cv_.wait(lock, [&] { return indexer_stop_ || !indexer_queue_.empty(); });
    if (indexer_stop_) return;
    std::weak_ptr<CollectionState> weak = indexer_queue_.front();
    indexer_queue_.pop_front();
    lock.unlock();
    bool more = false;
    if (auto state = weak.lock()) {
      more = state->IndexStep(kBatchRows);
      if (!more) {
        if (auto rt = state->LoadedRuntime(); rt && WantsAutoCompaction(*rt)) StartAutoCompaction(state);
      }
    }
    lock.lock();
    if (more) indexer_queue_.push_back(weak);
  }
}

void Engine::StartAutoCompaction(const std::shared_ptr<CollectionState>& state) {
  std::lock_guard<std::mutex> lock(compactor_mu_);
  if (compactor_busy_ || compactor_stopped_ || read_only_) return;
  if (compactor_.joinable()) compactor_.join();  // the previous one has finished
  compactor_busy_ = true;
  compactor_ = std::thread([this, weak = std::weak_ptr<CollectionState>(state)] {
    // Background work, like the indexer's: writers and queries come first.
    RunAsBackgroundWork();
    if (auto s = weak.lock()) {
      auto stats = CompactCollection(*this, s, &closing_);
      if (!stats.ok() && !closing_.load(std::memory_order_relaxed)) {
        OCHRE_LOG_WARN("automatic compaction of collection {} failed: {}; the old files stay in use", s->uuid(),
                       stats.status().ToString());
        // Not again on every write: a failing disk would be rewritten over and over.
        if (auto rt = s->LoadedRuntime()) {
          rt->compact_retry_at.store(rt->committed_row_count() + kAutoCompactRetryRows, std::memory_order_relaxed);
        }
      }
    }
    std::lock_guard<std::mutex> done(compactor_mu_);
    compactor_busy_ = false;
  });
}

storage::SqliteOpenOptions Engine::CatalogOptions() const {
  storage::SqliteOpenOptions options;
  options.in_memory = !persistent_;
  // Every process writes the catalog through the page checksum VFS, so every page write of a
  // catalog with checksums sets its page's checksum (docs/format/catalog.md, "Page checksums").
  options.page_checksums = persistent_;
  if (read_only_) {
    options.create = false;
    options.read_only = true;
    // A read-only directory has no -shm file to share with writers (and none can be created):
    // the catalog is read as it is.
    options.immutable = true;
  }
  return options;
}

Status Engine::OpenCatalog() {
  storage::SqliteOpenOptions options = CatalogOptions();
  OCHRE_ASSIGN_OR_RETURN(writer_, storage::CatalogConn::Open(persistent_ ? JoinPath(path_, kCatalogFile) : "", options,
                                                             /*migrate=*/!read_only_, RegisterFunctions));
  return Status::Ok();
}

void Engine::CollectOrphanDirs() {
  // A collection deleted just before a crash may have left its folder behind. Only a folder that
  // carries the deletion marker (written before the deletion's commit) and that the catalog does
  // not name is removed: a folder without the marker may be a collection of an older or restored
  // catalog, or one another process is creating right now, and is never deleted.
  std::string root = JoinPath(path_, "collections");
  auto entries = ListDir(root);
  if (!entries.ok()) return;
  std::map<std::string, int64_t> known;  // uuid -> generation
  {
    WriterLease w = Writer();
    auto all = w->AllCollections();
    if (!all.ok()) return;
    for (const auto& c : *all) known.emplace(c.id, c.generation);
  }
  for (const auto& name : *entries) {
    const std::string dir = JoinPath(root, name);
    const std::string marker = JoinPath(dir, kDeletedMarker);
    auto marked = PathExists(marker);
    if (auto it = known.find(name); it != known.end()) {
      // A deletion whose commit did not happen: the collection lives on.
      if (marked.ok() && *marked) (void)RemoveFile(marker);
      // Files of a generation the catalog does not name: a compaction interrupted before its commit.
      CollectionState::RemoveOtherGenerations(dir, name, it->second, /*newer_too=*/true);
      continue;
    }
    if (!marked.ok() || !*marked) {
      OCHRE_LOG_WARN("{} is not a collection of the catalog of {}; it is left alone", dir, path_);
      continue;
    }
    OCHRE_LOG_INFO("removing the files of deleted collection {} in {}", name, path_);
    Status s = RemoveDirRecursively(dir);
    if (!s.ok()) OCHRE_LOG_WARN("could not remove {}: {}", name, s.ToString());
  }
}

Status Engine::MarkCollectionDeleted(const std::string& uuid) {
  if (!persistent_) return Status::Ok();
  const std::string dir = CollectionDir(uuid);
  OCHRE_ASSIGN_OR_RETURN(bool exists, PathExists(dir));
  if (!exists) return Status::Ok();  // nothing on disk to remove later
  return WriteFileAtomically(JoinPath(dir, kDeletedMarker), "deleted\n");
}

Engine::ReaderLease::ReaderLease(Engine* e, std::unique_ptr<storage::CatalogConn> owned,
                                 std::unique_lock<std::mutex> lock)
    : engine_(e), owned_(std::move(owned)), lock_(std::move(lock)) {
  conn_ = owned_ ? owned_.get() : e->writer_.get();
}

Engine::ReaderLease::~ReaderLease() {
  if (conn_) conn_->db()->ResetStatements();
  if (owned_) engine_->ReturnReader(std::move(owned_));
}

Result<Engine::ReaderLease> Engine::Reader() {
  OCHRE_RETURN_IF_ERROR(CheckProcess());
  if (!persistent_) return ReaderLease(this, nullptr, std::unique_lock<std::mutex>(catalog_mu_));
  {
    std::lock_guard<std::mutex> lock(readers_mu_);
    if (!idle_readers_.empty()) {
      auto conn = std::move(idle_readers_.back());
      idle_readers_.pop_back();
      return ReaderLease(this, std::move(conn), {});
    }
  }
  storage::SqliteOpenOptions options = CatalogOptions();
  options.create = false;
  OCHRE_ASSIGN_OR_RETURN(auto conn, storage::CatalogConn::Open(JoinPath(path_, kCatalogFile), options,
                                                               /*migrate=*/false, RegisterFunctions));
  return ReaderLease(this, std::move(conn), {});
}

void Engine::ReturnReader(std::unique_ptr<storage::CatalogConn> conn) {
  std::lock_guard<std::mutex> lock(readers_mu_);
  if (idle_readers_.size() < kMaxIdleReaders) idle_readers_.push_back(std::move(conn));
}

std::shared_ptr<CollectionState> Engine::State(const storage::CollectionRow& row) {
  std::lock_guard<std::mutex> lock(states_mu_);
  auto& slot = states_[row.cid];
  // Another process may have deleted the collection and created another that reuses its cid.
  if (slot && slot->uuid() != row.id) {
    slot->MarkDeleted();
    slot.reset();
  }
  if (!slot) slot = std::make_shared<CollectionState>(row.cid, row.id, CollectionDir(row.id), read_only_);
  return slot;
}

void Engine::ForgetState(int64_t cid) {
  std::shared_ptr<CollectionState> state;
  {
    std::lock_guard<std::mutex> lock(states_mu_);
    auto it = states_.find(cid);
    if (it == states_.end()) return;
    state = std::move(it->second);
    states_.erase(it);
  }
  state->MarkDeleted();
  state->Unload();
}

void Engine::ForgetAllStates() {
  std::map<int64_t, std::shared_ptr<CollectionState>> states;
  {
    std::lock_guard<std::mutex> lock(states_mu_);
    states.swap(states_);
  }
  for (auto& [cid, state] : states) {
    state->MarkDeleted();
    state->Unload();
  }
}

std::string Engine::CollectionDir(const std::string& uuid) const {
  if (!persistent_) return "";
  return JoinPath(JoinPath(path_, "collections"), uuid);
}

void Engine::RemoveCollectionFiles(const std::string& uuid) {
  if (!persistent_) return;
  Status s = RemoveDirRecursively(CollectionDir(uuid));
  if (!s.ok() && !s.IsNotFound()) {
    OCHRE_LOG_WARN("could not remove the files of deleted collection {}: {} (removed at the next open)", uuid,
                   s.ToString());
  }
}

Status Engine::Checkpoint(bool drain) {
  std::vector<std::shared_ptr<CollectionState>> states;
  {
    std::lock_guard<std::mutex> lock(states_mu_);
    for (const auto& [cid, state] : states_) states.push_back(state);
  }
  Status first_error;
  for (auto& state : states) {
    if (drain) {
      while (state->IndexStep(uint32_t{1} << 16)) {
      }
    }
    Status s = state->Checkpoint();
    if (!s.ok() && first_error.ok()) first_error = s;
  }
  return first_error;
}

}  // namespace ochre::api
