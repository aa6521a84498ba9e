// Copyright 2026 The OchreDB Authors.
//
// A worker process of the multi-process model test (multi_process_test.cc, protocol in
// mp_shared.h): opens the database itself, runs seeded random add / upsert / update / delete / get /
// query / compact on collection "mpt", and checks every read against the writes of all workers
// acknowledged before it began. Exit 0 when every operation succeeded and every check held; the
// first failure is printed to stderr and exits 1.
//
//   ochre_mp_worker <db path> <shared file> <worker> <workers> <seed> <ops> <victim: 0|1>
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "ochre/ochre.h"
#include "tests/recovery/mp_shared.h"

using namespace ochre;
using namespace ochre::mptest;

namespace {

enum class WriteKind { kAdd, kUpsert, kUpdate };
const char* WriteKindName(WriteKind k) {
  return k == WriteKind::kAdd ? "add" : k == WriteKind::kUpsert ? "upsert" : "update";
}

int g_worker = 0;

[[noreturn]] void Fail(const std::string& what) {
  std::fprintf(stderr, "worker %d (pid %d): %s\n", g_worker, int(::getpid()), what.c_str());
  std::fflush(stderr);
  ::_exit(1);
}

struct Worker {
  Shared* shared;
  int me;
  int workers;
  bool victim;
  std::mt19937_64 rng;
  std::shared_ptr<Collection> coll;
  uint64_t version[kIdsPerWorker] = {};  // of my ids: the last version written (acknowledged)
  bool live[kIdsPerWorker] = {};
  int ops_done = 0;

  uint64_t Next(uint64_t n) { return rng() % n; }

  void Write(WriteKind kind, const std::vector<int>& mine) {
    RecordBatch b;
    std::vector<float> data;
    std::vector<std::optional<Metadata>> metas;
    std::vector<uint64_t> states;
    for (int i : mine) {
      const uint64_t v = version[i] + 1;
      const std::string id = IdOf(me, i);
      b.ids.push_back(id);
      auto e = EmbeddingOf(id, v);
      data.insert(data.end(), e.begin(), e.end());
      metas.push_back(Metadata{{"v", MetadataValue(int64_t(v))}});
    }
    b.embeddings = FloatMatrix(kDim, std::move(data));
    b.metadatas = std::move(metas);
    // Which ids the write changes (Chroma: add skips existing ids, update skips missing ones).
    std::vector<int> changed;
    for (int i : mine) {
      const bool applies = kind == WriteKind::kUpsert || (kind == WriteKind::kAdd && !live[i]) ||
                           (kind == WriteKind::kUpdate && live[i]);
      if (applies) changed.push_back(i);
    }
    for (int i : changed) shared->slots[me][i].pend.store(State(version[i] + 1, false));
    Status s = kind == WriteKind::kAdd ? coll->Add(b) : kind == WriteKind::kUpsert ? coll->Upsert(b) : coll->Update(b);
    if (!s.ok()) Fail(std::string(WriteKindName(kind)) + " failed: " + s.ToString());
    for (int i : changed) {
      ++version[i];
      live[i] = true;
      shared->slots[me][i].ack.store(State(version[i], false));
    }
  }

  void Delete(const std::vector<int>& mine) {
    DeleteOptions o;
    o.ids.emplace();
    std::vector<int> changed;
    for (int i : mine) {
      o.ids->push_back(IdOf(me, i));
      if (live[i]) changed.push_back(i);
    }
    for (int i : changed) shared->slots[me][i].pend.store(State(version[i] + 1, true));
    auto r = coll->Delete(o);
    if (!r.ok()) Fail("delete failed: " + r.status().ToString());
    for (int i : changed) {
      ++version[i];
      live[i] = false;
      shared->slots[me][i].ack.store(State(version[i], true));
    }
  }

  // Reads the given ids (worker, index) and checks each answer against [ack before, pend after].
  void CheckGet(const std::vector<std::pair<int, int>>& which) {
    std::vector<uint64_t> lo(which.size()), hi(which.size());
    GetOptions o;
    o.ids.emplace();
    for (size_t k = 0; k < which.size(); ++k) {
      lo[k] = shared->slots[which[k].first][which[k].second].ack.load();
      o.ids->push_back(IdOf(which[k].first, which[k].second));
    }
    o.include.embeddings = true;
    o.include.metadatas = true;
    auto got = coll->Get(o);
    if (!got.ok()) Fail("get failed: " + got.status().ToString());
    for (size_t k = 0; k < which.size(); ++k) hi[k] = shared->slots[which[k].first][which[k].second].pend.load();
    std::map<std::string, size_t> at;
    for (size_t r = 0; r < got->ids.size(); ++r) at[got->ids[r]] = r;
    std::map<int, uint64_t> victim_versions;
    for (size_t k = 0; k < which.size(); ++k) {
      const std::string& id = (*o.ids)[k];
      auto it = at.find(id);
      const uint64_t lv = VersionOf(lo[k]), hv = VersionOf(hi[k]);
      if (it == at.end()) {
        if (lv != 0 && !DeletedIn(lo[k]) && hv == lv) {
          Fail("get: " + id + " is missing, but version " + std::to_string(lv) + " was acknowledged before the read");
        }
        continue;
      }
      const auto& meta = (*got->metadatas)[it->second];
      if (!meta || !meta->count("v")) Fail("get: " + id + " has no version in its metadata");
      const uint64_t v = uint64_t(std::get<int64_t>(meta->at("v")));
      if (v < lv || v > hv) {
        Fail("get: " + id + " shows version " + std::to_string(v) + ", outside [" + std::to_string(lv) + ", " +
             std::to_string(hv) + "] (acknowledged before the read, begun before its end)");
      }
      if (v == lv && DeletedIn(lo[k])) Fail("get: " + id + " shows a version whose delete was acknowledged");
      const auto want = EmbeddingOf(id, v);
      const float* row = got->embeddings->row(it->second);
      for (size_t d = 0; d < kDim; ++d) {
        if (row[d] != want[d]) Fail("get: " + id + " version " + std::to_string(v) + " has another embedding");
      }
      if (which[k].first == workers - 1 && victim_mode) victim_versions[which[k].second] = v;
    }
    // The victim writes all its ids in one batch: one version among them, never a partial batch.
    if (victim_versions.size() > 1) {
      const uint64_t first = victim_versions.begin()->second;
      for (const auto& [i, v] : victim_versions) {
        if (v != first)
          Fail("a partial batch of the victim is visible (versions " + std::to_string(first) + " and " +
               std::to_string(v) + ")");
      }
    }
  }

  void CheckQuery() {
    const int w = int(Next(workers));
    const int i = int(Next(kIdsPerWorker));
    const uint64_t lo = shared->slots[w][i].ack.load();
    if (VersionOf(lo) == 0 || DeletedIn(lo)) return;
    const std::string id = IdOf(w, i);
    QueryOptions q;
    q.query_embeddings = FloatMatrix(kDim, EmbeddingOf(id, VersionOf(lo)));
    q.n_results = 1 + int(Next(3));
    q.include.metadatas = true;
    auto got = coll->Query(q);
    if (!got.ok()) Fail("query failed: " + got.status().ToString());
    const uint64_t hi = shared->slots[w][i].pend.load();
    if (hi != lo) return;  // changed meanwhile: either answer is right
    if (got->ids[0].empty() || got->ids[0][0] != id || (*got->distances)[0][0] > 1e-4f) {
      Fail("query for the acknowledged embedding of " + id + " version " + std::to_string(VersionOf(lo)) +
           " answered " + (got->ids[0].empty() ? std::string("nothing") : got->ids[0][0]));
    }
  }

  bool victim_mode = false;

  void Step() {
    if (victim) {
      std::vector<int> all;
      for (int i = 0; i < kVictimBatch; ++i) all.push_back(i);
      Write(WriteKind::kUpsert, all);
      return;
    }
    const uint64_t dice = Next(100);
    std::vector<int> mine;
    const int n = 1 + int(Next(4));
    for (int k = 0; k < n; ++k) mine.push_back(int(Next(kIdsPerWorker)));
    std::sort(mine.begin(), mine.end());
    mine.erase(std::unique(mine.begin(), mine.end()), mine.end());
    if (dice < 15) {
      Write(WriteKind::kAdd, mine);
    } else if (dice < 30) {
      Write(WriteKind::kUpsert, mine);
    } else if (dice < 40) {
      Write(WriteKind::kUpdate, mine);
    } else if (dice < 48) {
      Delete(mine);
    } else if (dice < 75) {
      std::vector<std::pair<int, int>> which;
      if (Next(4) == 0) {
        for (int w = 0; w < workers; ++w)
          for (int i = 0; i < kIdsPerWorker; ++i) which.emplace_back(w, i);
      } else {
        for (int k = 0; k < 8; ++k) which.emplace_back(int(Next(workers)), int(Next(kIdsPerWorker)));
        std::sort(which.begin(), which.end());
        which.erase(std::unique(which.begin(), which.end()), which.end());
      }
      CheckGet(which);
    } else if (dice < 98) {
      CheckQuery();
    } else {
      auto stats = coll->Compact();
      // Another process compacting the collection at the same time is not a failure.
      if (!stats.ok() && stats.status().code() != StatusCode::kLocked &&
          stats.status().code() != StatusCode::kResourceExhausted) {
        Fail("compact failed: " + stats.status().ToString());
      }
    }
  }
};

}  // namespace

int main(int argc, char** argv) {
  if (argc != 8) {
    std::fprintf(stderr, "usage: %s <db> <shared> <worker> <workers> <seed> <ops> <victim>\n", argv[0]);
    return 2;
  }
  g_worker = std::atoi(argv[3]);
  const int fd = ::open(argv[2], O_RDWR);
  if (fd < 0) Fail("cannot open the shared file");
  void* mem = ::mmap(nullptr, sizeof(Shared), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (mem == MAP_FAILED) Fail("cannot map the shared file");
  Worker w;
  w.shared = static_cast<Shared*>(mem);
  w.me = g_worker;
  w.workers = std::atoi(argv[4]);
  w.rng.seed(std::strtoull(argv[5], nullptr, 0) * 1000003 + uint64_t(w.me));
  const int ops = std::atoi(argv[6]);
  w.victim = std::atoi(argv[7]) != 0;
  // The last worker is the victim in the kill -9 run: readers then check its batches are whole.
  w.victim_mode = w.victim || std::getenv("OCHRE_MP_VICTIM") != nullptr;
  auto client = PersistentClient::Open(argv[1]);
  if (!client.ok()) Fail("open failed: " + client.status().ToString());
  GetCollectionOptions go;
  go.embedding_function = nullptr;
  auto coll = (*client)->GetCollection("mpt", go);
  if (!coll.ok()) Fail("get_collection failed: " + coll.status().ToString());
  w.coll = *coll;
  for (int i = 0; ops <= 0 || i < ops; ++i) w.Step();
  std::printf("worker %d: %d operations\n", w.me, ops);
  return 0;
}
