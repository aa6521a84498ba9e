// Copyright 2026 The OchreDB Authors.
//
// Readers and a writer on one collection (RELIABILITY.md T12, issue 3 "Concurrency"): 4 reader
// threads query, get and count while one writer adds, then upserts and deletes, on the same
// collection of a persistent client. Every record the writer writes is a pure function of its id
// and version (embedding, document "<id> v<version>", metadata {n, v}), so a reader can check any
// record it sees on its own: no torn record (document, metadata and embedding of one version), only
// versions the writer had started to write (versions only grow), query distances that match the
// returned embeddings, ascending order, and counts that never go down while the writer only adds. Runs under
// ThreadSanitizer (no sleeps for synchronisation, only atomics and joins).
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <mutex>
#include <random>
#include <set>
#include <thread>

#include "ochre/ochre.h"
#include "testutil/reference_model.h"
#include "testutil/temp_dir.h"

namespace ochre {
namespace {

constexpr size_t kDim = 16;
constexpr int kPool = 3000;

std::vector<float> VectorOf(int n, int version) {
  std::mt19937 rng(uint32_t(n * 7919 + version * 104729 + 1));
  std::vector<float> v(kDim);
  for (auto& x : v) x = std::uniform_real_distribution<float>(-1, 1)(rng);
  return v;
}

RecordBatch RecordsOf(const std::vector<int>& ns, int version) {
  RecordBatch b;
  std::vector<float> data;
  b.documents.emplace();
  b.metadatas.emplace();
  for (int n : ns) {
    b.ids.push_back("c" + std::to_string(n));
    auto v = VectorOf(n, version);
    data.insert(data.end(), v.begin(), v.end());
    b.documents->push_back("c" + std::to_string(n) + " v" + std::to_string(version));
    b.metadatas->push_back(Metadata{{"n", int64_t(n)}, {"v", int64_t(version)}});
  }
  b.embeddings = FloatMatrix(kDim, std::move(data));
  return b;
}

// The highest version the writer has started to write for each id (-1: never written). Versions
// only grow, so a reader may only ever see a version <= this, read after its call returned.
std::atomic<int> g_started[kPool];

// Checks one record seen by a reader; returns "" or what is wrong.
std::string CheckRecord(const std::string& id, const std::optional<std::string>& doc,
                        const std::optional<Metadata>& meta, const float* embedding) {
  if (id.size() < 2 || id[0] != 'c') return id + ": not an id the writer writes";
  const int n = std::atoi(id.c_str() + 1);
  if (n < 0 || n >= kPool) return id + ": out of the pool";
  if (!meta || !meta->count("v") || !meta->count("n")) return id + ": metadata missing";
  const int64_t v = std::get<int64_t>(meta->at("v"));
  if (std::get<int64_t>(meta->at("n")) != n) return id + ": metadata n differs";
  if (!doc || *doc != id + " v" + std::to_string(v)) return id + ": document of another version than its metadata";
  const int started = g_started[n].load(std::memory_order_acquire);
  if (started < 0) return id + ": seen before the writer wrote it";
  if (v > started)
    return id + ": version " + std::to_string(v) + " the writer has not written (last " + std::to_string(started) + ")";
  if (embedding) {
    const auto expected = VectorOf(n, int(v));
    if (!testutil::BitwiseEqual(embedding, expected.data(), kDim)) return id + ": embedding of another version";
  }
  return "";
}

TEST(ConcurrencyTest, ReadersSeeConsistentRecordsWhileAWriterAddsUpsertsAndDeletes) {
  const uint64_t seed = testutil::TestSeed("ConcurrencyTest", 31337);
  testutil::TempDir dir;
  auto client = PersistentClient::Open(dir.Sub("db"));
  ASSERT_TRUE(client.ok()) << client.status().ToString();
  CreateCollectionOptions o;
  o.embedding_function = MakeHashingEmbeddingFunction();  // explicit: CI has no model
  o.name = "busy";
  o.embedding_function = nullptr;
  o.configuration.emplace();
  o.configuration->hnsw.emplace();
  o.configuration->hnsw->sync_threshold = 50;
  auto created = (*client)->CreateCollection(o);
  ASSERT_TRUE(created.ok());
  std::shared_ptr<Collection> coll = *created;

  for (auto& x : g_started) x.store(-1, std::memory_order_relaxed);
  std::atomic<int> phase{1};  // 1: add-only, 2: mixed, 3: done
  std::atomic<bool> stop{false};
  std::atomic<int64_t> reads{0}, writes{0};
  std::mutex errors_mu;
  std::vector<std::string> errors;
  auto fail = [&](const std::string& what) {
    std::lock_guard<std::mutex> lock(errors_mu);
    if (errors.size() < 20) errors.push_back(what);
  };

  auto reader = [&](int index) {
    std::mt19937_64 rng(seed + uint64_t(index));
    int64_t last_count = 0;
    while (!stop.load(std::memory_order_acquire)) {
      const int phase_before = phase.load(std::memory_order_acquire);
      const int what = int(rng() % 3);
      if (what == 0) {
        auto n = coll->Count();
        if (!n.ok()) {
          fail("count: " + n.status().ToString());
          continue;
        }
        if (phase_before == 1 && phase.load(std::memory_order_acquire) == 1) {
          if (*n < last_count) fail("count went down from " + std::to_string(last_count) + " to " + std::to_string(*n));
          last_count = *n;
        }
      } else if (what == 1) {
        GetOptions g;
        g.include = Include{true, true, true, false, false};
        if (rng() % 2) g.limit = int64_t(rng() % 50);
        if (rng() % 2) g.offset = int64_t(rng() % 500);
        if (rng() % 3 == 0) g.where = *ParseWhere("{\"n\": {\"$lt\": " + std::to_string(rng() % kPool) + "}}");
        auto r = coll->Get(g);
        if (!r.ok()) {
          fail("get: " + r.status().ToString());
          continue;
        }
        for (size_t i = 0; i < r->ids.size(); ++i) {
          std::string e = CheckRecord(r->ids[i], (*r->documents)[i], (*r->metadatas)[i], r->embeddings->row(i));
          if (!e.empty()) fail("get: " + e);
        }
      } else {
        QueryOptions q;
        std::vector<float> v(kDim);
        for (auto& x : v) x = std::uniform_real_distribution<float>(-1, 1)(rng);
        q.query_embeddings = FloatMatrix(kDim, v);
        q.n_results = 1 + int64_t(rng() % 20);
        q.include = Include{true, true, true, true, false};
        if (rng() % 3 == 0) q.where = *ParseWhere("{\"v\": {\"$gte\": 1}}");
        auto r = coll->Query(q);
        if (!r.ok()) {
          fail("query: " + r.status().ToString());
          continue;
        }
        const auto& ids = r->ids[0];
        for (size_t i = 0; i < ids.size(); ++i) {
          const float* e = (*r->embeddings)[0].row(i);
          std::string err = CheckRecord(ids[i], (*r->documents)[0][i], (*r->metadatas)[0][i], e);
          if (!err.empty()) fail("query: " + err);
          const double d = testutil::ModelDistance(Space::kL2, v.data(), e, kDim);
          if (std::abs(d - (*r->distances)[0][i]) > 1e-4 * std::max(1.0, d)) {
            fail("query: " + ids[i] + " distance " + std::to_string((*r->distances)[0][i]) + " vs its embedding's " +
                 std::to_string(d));
          }
          if (i > 0 && (*r->distances)[0][i] < (*r->distances)[0][i - 1]) fail("query: not in ascending order");
        }
      }
      reads.fetch_add(1, std::memory_order_relaxed);
    }
  };

  std::vector<std::thread> readers;
  for (int i = 0; i < 4; ++i) readers.emplace_back(reader, i);

  // The writer, on this thread: add-only, then mixed, each for a bounded number of batches and a
  // bounded time (whichever ends first; the time only bounds the test's length).
  std::mt19937_64 rng(seed);
  std::vector<int> version(kPool, -1);  // -1: absent
  int last_version = 0;
  auto run_phase = [&](int batches, std::chrono::milliseconds budget, bool mixed) {
    const auto end = std::chrono::steady_clock::now() + budget;
    for (int b = 0; b < batches && std::chrono::steady_clock::now() < end; ++b) {
      std::vector<int> ns;
      const int size = 1 + int(rng() % 40);
      std::set<int> chosen;
      while (int(chosen.size()) < size) chosen.insert(int(rng() % kPool));
      ns.assign(chosen.begin(), chosen.end());
      const int kind = mixed ? int(rng() % 3) : 0;
      Status s;
      if (kind == 0) {
        std::vector<int> fresh;
        for (int n : ns) {
          if (version[n] < 0) fresh.push_back(n);
        }
        if (fresh.empty()) continue;
        for (int n : fresh) g_started[n].store(std::max(0, g_started[n].load()), std::memory_order_release);
        s = coll->Add(RecordsOf(fresh, 0));
        if (s.ok()) {
          for (int n : fresh) version[n] = 0;
        }
      } else if (kind == 1) {
        // An upsert with one new version for the whole batch.
        const int v = ++last_version;
        for (int n : ns) g_started[n].store(v, std::memory_order_release);
        s = coll->Upsert(RecordsOf(ns, v));
        if (s.ok()) {
          for (int n : ns) version[n] = v;
        }
      } else {
        DeleteOptions d;
        d.ids.emplace();
        for (int n : ns) d.ids->push_back("c" + std::to_string(n));
        auto r = coll->Delete(d);
        s = r.ok() ? Status::Ok() : r.status();
        if (s.ok()) {
          for (int n : ns) version[n] = -1;
        }
      }
      if (!s.ok()) {
        fail("write: " + s.ToString());
        return;
      }
      writes.fetch_add(1, std::memory_order_relaxed);
    }
  };
  run_phase(400, std::chrono::milliseconds(1500), false);
  phase.store(2, std::memory_order_release);
  run_phase(600, std::chrono::milliseconds(2000), true);
  phase.store(3, std::memory_order_release);
  stop.store(true, std::memory_order_release);
  for (auto& t : readers) t.join();

  for (const auto& e : errors) ADD_FAILURE() << e;
  EXPECT_GT(reads.load(), 0);
  EXPECT_GT(writes.load(), 0);
  // After the storm: the collection is exactly what the writer acknowledged.
  int64_t live = 0;
  for (int v : version) live += v >= 0;
  ASSERT_EQ(*coll->Count(), live);
  GetOptions g;
  g.include = Include{true, true, true, false, false};
  auto all = coll->Get(g);
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(int64_t(all->ids.size()), live);
  for (size_t i = 0; i < all->ids.size(); ++i) {
    const int n = std::atoi(all->ids[i].c_str() + 1);
    EXPECT_EQ(std::get<int64_t>((*(*all->metadatas)[i]).at("v")), version[size_t(n)]) << all->ids[i];
    EXPECT_EQ(CheckRecord(all->ids[i], (*all->documents)[i], (*all->metadatas)[i], all->embeddings->row(i)), "");
  }
  std::fprintf(stderr, "[ concur   ] %lld reads, %lld writes, %lld live records\n",
               static_cast<long long>(reads.load()), static_cast<long long>(writes.load()),
               static_cast<long long>(live));
}

}  // namespace
}  // namespace ochre
