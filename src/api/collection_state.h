// Copyright 2026 The OchreDB Authors.
//
// CollectionState: what the engine keeps in memory for one collection in use: its vectors (a
// VectorStore over vectors.f32, or heap memory when ephemeral), its index, the write lock that
// serializes its writers, and a "deleted" mark that old handles check.
//
// The vectors and index live in a VectorRuntime, published as a shared_ptr: readers take a
// reference and keep using it even if a writer replaces it meanwhile (first write, compaction).
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include "index/vector_index.h"
#include "ochre/result.h"
#include "ochre/types.h"
#include "storage/catalog.h"
#include "storage/vector_store.h"

namespace ochre::api {

struct VectorRuntime {
  uint32_t dim = 0;
  std::unique_ptr<storage::VectorStore> store;
  // Declared after the store: destroyed first, since it reads the store's rows.
  std::unique_ptr<index::VectorIndex> index;
};

class CollectionState {
 public:
  CollectionState(int64_t cid, std::string uuid, std::string dir)
      : cid_(cid), uuid_(std::move(uuid)), dir_(std::move(dir)) {}

  int64_t cid() const { return cid_; }
  const std::string& uuid() const { return uuid_; }

  // Serializes the collection's writers. Hold it before taking the engine's catalog lock.
  std::mutex& write_mu() { return write_mu_; }

  bool deleted() const { return deleted_.load(std::memory_order_acquire); }
  void MarkDeleted() { deleted_.store(true, std::memory_order_release); }
  Status NotFoundIfDeleted() const;

  // The current vectors and index; null when the collection has no dimension yet. Loads them on the
  // first call: opens vectors.f32 (truncating an uncommitted tail) and builds the index from the
  // rows of live records. `row` is the collection's catalog row, `space` its configured space, `conn`
  // a connection to read with.
  Result<std::shared_ptr<VectorRuntime>> Runtime(const storage::CollectionRow& row, Space space,
                                                 storage::CatalogConn* conn);

  // Writer only (REQUIRES write_mu): the runtime for a first write of `dim`-dimensional vectors.
  Result<std::shared_ptr<VectorRuntime>> CreateRuntime(uint32_t dim, Space space);

  // The runtime if it is loaded, else null (does not load).
  std::shared_ptr<VectorRuntime> LoadedRuntime() {
    std::lock_guard<std::mutex> lock(runtime_mu_);
    return runtime_;
  }

  // Drops the runtime (closes files); the next Runtime() loads again.
  void Unload();

 private:
  Result<std::unique_ptr<storage::VectorStore>> OpenStore(uint32_t dim, uint64_t committed_rows, bool create);

  const int64_t cid_;
  const std::string uuid_;
  const std::string dir_;  // "" when ephemeral
  std::mutex write_mu_;
  std::atomic<bool> deleted_{false};

  std::mutex runtime_mu_;  // guards runtime_ and loaded_
  bool loaded_ = false;
  std::shared_ptr<VectorRuntime> runtime_;
};

}  // namespace ochre::api
