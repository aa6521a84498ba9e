// Copyright 2026 The OchreDB Authors.
//
// The bounded set of open collections (issue 16): a loaded collection runtime keeps one file
// descriptor and the mappings of its vectors file, and its flat index and graph in memory (about
// 0.5 MB for a small collection). Without a bound, a process that touches thousands of collections
// runs out of file descriptors ("Too many open files") and memory. The engine keeps the runtimes in
// use order; past max_open_collections() a background closer closes the least recently used ones
// that nothing uses at that moment:
//   - not while the collection's writer, a compaction, a read (it holds a reference to the runtime)
//     or the indexer uses it: the closer only try-locks and skips busy collections;
//   - a short graph tail is inserted first and the graph is checkpointed, as a close does, so that
//     the reopen loads the graph instead of rebuilding it; a long tail (a big build still running)
//     is left open until the indexer has caught up;
//   - the space reserved past the last row is given back, as at close.
// A closed collection's handles stay valid: CollectionState keeps what handles check, and the next
// use loads the runtime again from the catalog and the files (every acknowledged write is there).
// A user that finds the open set far past its bound (the closer cannot keep up) waits for it a
// little, never for long and never holding anything the closer waits for.
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <string>

#include "api/engine.h"
#include "common/logging.h"

namespace ochre::api {

namespace {

// A small collection's runtime: its flat bitmap, the graph's preallocated levels and the mapping.
constexpr size_t kOpenCollectionBytes = size_t(512) << 10;
constexpr size_t kOpenCollectionsMemoryBudget = size_t(1) << 30;
constexpr size_t kMinOpenCollections = 8;
// Graph tails the closer inserts itself before closing; longer ones are left to the indexer.
constexpr uint32_t kMaxTailToDrain = 4096;

}  // namespace

size_t Engine::ChooseMaxOpenCollections(const Settings& settings) {
  if (const char* env = std::getenv("OCHRE_MAX_OPEN_COLLECTIONS"); env && *env) {
    char* end = nullptr;
    const long long v = std::strtoll(env, &end, 10);
    if (end && *end == '\0' && v > 0) return std::max<size_t>(size_t(v), 1);
    OCHRE_LOG_WARN("OCHRE_MAX_OPEN_COLLECTIONS={} is not a positive number; ignored", env);
  }
  if (settings.max_open_collections > 0) return settings.max_open_collections;
  size_t bound = kOpenCollectionsMemoryBudget / kOpenCollectionBytes;
  rlimit lim{};
  if (::getrlimit(RLIMIT_NOFILE, &lim) == 0 && lim.rlim_cur != RLIM_INFINITY) {
    // The rest is left to the catalog's connections, the server's sockets and the application.
    bound = std::min<size_t>(bound, size_t(lim.rlim_cur / 4));
  }
  return std::max(bound, kMinOpenCollections);
}

size_t Engine::open_collections() const {
  std::lock_guard<std::mutex> lock(lru_mu_);
  return lru_.size();
}

void Engine::NoteOpen(const std::shared_ptr<CollectionState>& state) {
  if (!persistent_ || !state) return;
  std::unique_lock<std::mutex> lock(lru_mu_);
  auto it = lru_pos_.find(state.get());
  if (it != lru_pos_.end()) {
    it->second->state = state;  // the same address may be a new state (the old one was destroyed)
    lru_.splice(lru_.begin(), lru_, it->second);
  } else {
    lru_.push_front(OpenEntry{state.get(), state});
    lru_pos_[state.get()] = lru_.begin();
  }
  if (lru_.size() <= max_open_ || closer_stop_) return;
  lru_cv_.notify_all();
  // Far past the bound: the closer is behind (it may be waiting for busy collections). Give it a
  // moment, bounded, so that descriptors are not used up faster than they are given back.
  const size_t hard = max_open_ + std::max<size_t>(max_open_ / 2, 16);
  if (lru_.size() > hard) {
    lru_cv_.wait_for(lock, std::chrono::milliseconds(200), [&] { return lru_.size() <= hard || closer_stop_; });
  }
}

void Engine::StartCloser() {
  if (!persistent_) return;
  closer_ = std::thread([this] { CloserLoop(); });
}

void Engine::StopCloser() {
  {
    std::lock_guard<std::mutex> lock(lru_mu_);
    closer_stop_ = true;
  }
  lru_cv_.notify_all();
  if (closer_.joinable()) closer_.join();
}

void Engine::CloserLoop() {
  std::unique_lock<std::mutex> lock(lru_mu_);
  while (true) {
    // Wakes at every use past the bound, and now and then to retry collections that were busy.
    lru_cv_.wait_for(lock, std::chrono::seconds(1), [&] { return closer_stop_ || lru_.size() > max_open_; });
    if (closer_stop_) return;
    if (lru_.size() <= max_open_) continue;
    // The least recently used first; the most recent max_open_ are kept.
    std::vector<std::shared_ptr<CollectionState>> candidates;
    size_t excess = lru_.size() - max_open_;
    for (auto r = lru_.rbegin(); r != lru_.rend() && candidates.size() < excess + 16;) {
      auto state = r->state.lock();
      if (!state || !state->LoadedRuntime()) {
        // Unloaded meanwhile (deleted, compacted, closed) or gone: no longer open.
        lru_pos_.erase(r->key);
        r = std::make_reverse_iterator(lru_.erase(std::next(r).base()));
        if (excess > 0) --excess;
        continue;
      }
      candidates.push_back(std::move(state));
      ++r;
    }
    lock.unlock();
    size_t closed = 0;
    for (const auto& state : candidates) {
      if (closed >= excess) break;
      if (TryClose(state)) ++closed;
      lock.lock();
      // Reloaded meanwhile: its NoteOpen moved it to the front (or will add it again).
      if (!state->LoadedRuntime()) {
        auto it = lru_pos_.find(state.get());
        if (it != lru_pos_.end()) {
          lru_.erase(it->second);
          lru_pos_.erase(it);
        }
      }
      lru_cv_.notify_all();  // users waiting past the hard bound
      lock.unlock();
    }
    candidates.clear();
    lock.lock();
    if (closed == 0 && lru_.size() > max_open_) {
      // Everything past the bound is busy: retry a bit later rather than spin.
      lru_cv_.wait_for(lock, std::chrono::milliseconds(50), [&] { return closer_stop_; });
      if (closer_stop_) return;
    }
  }
}

bool Engine::TryClose(const std::shared_ptr<CollectionState>& state) {
  std::unique_lock<std::mutex> compact(state->compact_mu(), std::try_to_lock);
  if (!compact.owns_lock()) return false;
  std::unique_lock<std::mutex> write(state->write_mu(), std::try_to_lock);
  if (!write.owns_lock()) return false;
  std::shared_ptr<VectorRuntime> rt = state->LoadedRuntime();
  if (!rt) return true;
  // The state's own reference and this one: anything more is a read or the indexer using it.
  if (rt.use_count() > 2) return false;
  if (rt->HasIndexWork()) {
    const uint32_t indexed = rt->indexed_rows.load(std::memory_order_acquire);
    if (rt->committed_row_count() - indexed > kMaxTailToDrain) return false;
    for (int step = 0; step < 8 && state->IndexStep(kMaxTailToDrain); ++step) {
    }
  }
  if (!read_only_ && !state->deleted()) {
    // As a close does: the graph covers every row, so the reopen does no graph work.
    Status s = state->Checkpoint();
    if (!s.ok()) {
      OCHRE_LOG_WARN("collection {}: checkpoint before closing it failed: {}; it stays open", state->uuid(),
                     s.ToString());
      return false;
    }
    GiveBackReservedSpaceOf({state}, /*try_only=*/true);
  }
  if (rt.use_count() > 2) return false;  // a read took it meanwhile: closed next time
  rt.reset();
  state->Unload();
  return true;
}

}  // namespace ochre::api
