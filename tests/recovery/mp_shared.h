// Copyright 2026 The OchreDB Authors.
//
// What the multi-process model test (multi_process_test.cc) and its worker processes
// (mp_worker.cc, started with fork + exec) share: the record universe, the deterministic embedding
// of a record version, and the table of acknowledged writes in a shared file mapping.
//
// Every id has one owner process, which alone writes it, one write at a time. Before a write the
// owner sets the id's `pend` slot to the state the write makes; once the write is acknowledged it
// sets `ack` to it. A reader in any process therefore knows, for each id, that its answer must show
// a state no older than `ack` as read before the read began, and no newer than `pend` as read after
// it ended. A state is (version << 1) | deleted; version 0: never written. A record's metadata "v"
// holds its version and its embedding is a function of (id, version), so any answer can be checked.
#pragma once

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

namespace ochre::mptest {

constexpr int kMaxWorkers = 6;
constexpr int kIdsPerWorker = 48;
constexpr size_t kDim = 8;
// The victim of the kill -9 test upserts all of its ids in one batch per write, so that a partly
// applied batch would show as two versions among its ids.
constexpr int kVictimBatch = kIdsPerWorker;

struct Slot {
  std::atomic<uint64_t> pend{0};
  std::atomic<uint64_t> ack{0};
};
struct Shared {
  Slot slots[kMaxWorkers][kIdsPerWorker];
};
static_assert(std::atomic<uint64_t>::is_always_lock_free);

inline uint64_t State(uint64_t version, bool deleted) { return (version << 1) | (deleted ? 1 : 0); }
inline uint64_t VersionOf(uint64_t state) { return state >> 1; }
inline bool DeletedIn(uint64_t state) { return state & 1; }

inline std::string IdOf(int worker, int i) { return "w" + std::to_string(worker) + "-" + std::to_string(i); }

inline std::vector<float> EmbeddingOf(const std::string& id, uint64_t version) {
  uint64_t h = 1469598103934665603ull ^ version * 0x9E3779B97F4A7C15ull;
  for (char c : id) h = (h ^ uint8_t(c)) * 1099511628211ull;
  std::vector<float> v(kDim);
  for (size_t i = 0; i < kDim; ++i) {
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    v[i] = float(int64_t(h % 20001) - 10000) / 1000.0f;
  }
  return v;
}

}  // namespace ochre::mptest
