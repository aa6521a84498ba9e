// Copyright 2026 The OchreDB Authors.
//
// ochre_multiprocess_bench: several processes on one database directory (README "Several processes
// on one directory").
//   1. ingest rate of one process, then of two processes writing one collection at once (random
//      vectors, batches of --batch);
//   2. how long a reader process takes to see a peer's commit: a writer process adds one record at
//      a time and stamps the moment each add was acknowledged into shared memory; a reader process
//      polls get(ids=[that id]) and records the time from the stamp to its first read that sees it
//      (p50/p99 over --commits commits).
//
//   ochre_multiprocess_bench [--n 20000] [--dim 384] [--batch 100] [--commits 500] [--dir DIR]
#include <sched.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "engine/engine_bench_util.h"
#include "ochre/ochre.h"

using namespace ochre;
using ochre::bench::Check;
using ochre::bench::Take;

namespace {

double Now() { return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count(); }

std::shared_ptr<Collection> Open(const std::string& path, const std::string& name) {
  auto client = Take(PersistentClient::Open(path), "open");
  CreateCollectionOptions o;
  o.embedding_function = MakeHashingEmbeddingFunction();  // explicit: CI has no model
  o.name = name;
  o.embedding_function = nullptr;
  auto c = Take(client->GetOrCreateCollection(o), "get_or_create_collection");
  static std::vector<std::unique_ptr<Client>> keep;  // the collection needs its client alive
  keep.push_back(std::move(client));
  return c;
}

void Ingest(const std::string& path, const std::string& name, int first, int n, int dim, int batch, uint64_t seed) {
  auto c = Open(path, name);
  std::mt19937_64 rng(seed);
  std::normal_distribution<float> g;
  for (int i = 0; i < n; i += batch) {
    const int m = std::min(batch, n - i);
    RecordBatch b;
    std::vector<float> data(size_t(m) * dim);
    for (auto& x : data) x = g(rng);
    for (int k = 0; k < m; ++k) b.ids.push_back("r" + std::to_string(first + i + k));
    b.embeddings = FloatMatrix(size_t(dim), std::move(data));
    Check(c->Add(b), "add");
  }
}

struct Shared {
  std::atomic<int> acked{-1};  // the last record the writer has had acknowledged
  std::atomic<double> acked_at{0};
  std::atomic<bool> reader_ready{false};
  std::atomic<double> latency[100000];
};

}  // namespace

int main(int argc, char** argv) {
  int n = 20000, dim = 384, batch = 100, commits = 500;
  std::string dir = "/tmp/ochre-mp-bench";
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string a = argv[i];
    if (a == "--n") n = std::atoi(argv[i + 1]);
    if (a == "--dim") dim = std::atoi(argv[i + 1]);
    if (a == "--batch") batch = std::atoi(argv[i + 1]);
    if (a == "--commits") commits = std::min(100000, std::atoi(argv[i + 1]));
    if (a == "--dir") dir = argv[i + 1];
  }
  std::filesystem::remove_all(dir);
  std::printf("OchreDB multi-process benchmark: %d x %d random vectors, batches of %d\n\n", n, dim, batch);

  // 1. One process, then two at once.
  const std::string one = dir + "/one", two = dir + "/two";
  {
    const pid_t pid = ::fork();
    if (pid == 0) {
      Ingest(one, "ingest", 0, n, dim, batch, 1);
      ::_exit(0);
    }
    const double t0 = Now();
    int status = 0;
    ::waitpid(pid, &status, 0);
    const double t = Now() - t0;
    if (status != 0) return 1;
    std::printf("%-52s %8.0f\n", "add, 1 process (vectors/s)", n / t);
  }
  {
    Open(two, "ingest");  // created before the writers start
    const double t0 = Now();
    pid_t pids[2];
    for (int w = 0; w < 2; ++w) {
      pids[w] = ::fork();
      if (pids[w] == 0) {
        Ingest(two, "ingest", w * (n / 2), n / 2, dim, batch, 2 + w);
        ::_exit(0);
      }
    }
    for (pid_t p : pids) {
      int status = 0;
      ::waitpid(p, &status, 0);
      if (status != 0) return 1;
    }
    const double t = Now() - t0;
    std::printf("%-52s %8.0f\n", "add, 2 processes on one collection (vectors/s)", (n / 2 * 2) / t);
    auto c = Open(two, "ingest");
    std::printf("%-52s %8lld\n", "records after both (expected n)", static_cast<long long>(Take(c->Count(), "count")));
  }

  // 2. Commit-to-visibility latency.
  auto* shared =
      static_cast<Shared*>(::mmap(nullptr, sizeof(Shared), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0));
  new (shared) Shared();
  const std::string lat = dir + "/latency";
  Open(lat, "latency");
  const pid_t reader = ::fork();
  if (reader == 0) {
    auto c = Open(lat, "latency");
    shared->reader_ready = true;
    for (int k = 0; k < commits; ++k) {
      while (shared->acked.load() < k) ::sched_yield();
      // Acknowledged: how long until a read here sees it.
      GetOptions o;
      o.ids = std::vector<std::string>{"l" + std::to_string(k)};
      while (Take(c->Get(o), "get").ids.empty()) {
      }
      shared->latency[k] = Now() - shared->acked_at.load();
    }
    ::_exit(0);
  }
  const pid_t writer = ::fork();
  if (writer == 0) {
    auto c = Open(lat, "latency");
    while (!shared->reader_ready) ::sched_yield();
    std::mt19937_64 rng(9);
    std::normal_distribution<float> g;
    for (int k = 0; k < commits; ++k) {
      RecordBatch b;
      std::vector<float> v(static_cast<size_t>(dim), 0.0f);
      for (auto& x : v) x = g(rng);
      b.ids = {"l" + std::to_string(k)};
      b.embeddings = FloatMatrix(size_t(dim), std::move(v));
      Check(c->Add(b), "add");
      shared->acked_at.store(Now());
      shared->acked.store(k);
      while (shared->latency[k].load() == 0) ::sched_yield();  // one commit in flight at a time
    }
    ::_exit(0);
  }
  int status = 0;
  ::waitpid(writer, &status, 0);
  ::waitpid(reader, &status, 0);
  std::vector<double> ms(static_cast<size_t>(commits), 0.0);
  for (int k = 0; k < commits; ++k) ms[size_t(k)] = shared->latency[k].load() * 1000;
  std::printf("%-52s %8.3f\n", "peer's commit seen by a reader, p50 (ms)", ochre::bench::Percentile(ms, 0.5));
  std::printf("%-52s %8.3f\n", "peer's commit seen by a reader, p99 (ms)", ochre::bench::Percentile(ms, 0.99));
  std::filesystem::remove_all(dir);
  return 0;
}
