// Copyright 2026 The OchreDB Authors.
//
// Compaction benchmark: a persistent collection of n synthetic cosine vectors (a document and two
// metadata fields each, batches of 1,000), its graph built, then a fraction of the records
// deleted; then Collection::Compact() is timed while one thread keeps querying. Prints the
// compaction's time, rows and bytes before and after, recall@10 (against an exact scan of the
// live rows) and query latency before, during and after, all measured in the same run.
//
//   build/bench/engine/ochre_compaction_bench [--n 100000] [--dim 384] [--dead 0.3] [--dir /tmp/x]
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "bench_common.h"
#include "engine/engine_bench_util.h"
#include "index/flat_index.h"
#include "ochre/ochre.h"

namespace ochre::bench {
namespace {

using Clock = std::chrono::steady_clock;

struct Args {
  size_t n = 100000;
  uint32_t dim = 384;
  double dead = 0.3;
  size_t queries = 200;
  std::string dir = "/tmp/ochre-compaction-bench";
};

Args ParseArgs(int argc, char** argv) {
  Args a;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string k = argv[i];
    if (k == "--n") a.n = std::stoul(argv[i + 1]);
    if (k == "--dim") a.dim = uint32_t(std::stoul(argv[i + 1]));
    if (k == "--dead") a.dead = std::stod(argv[i + 1]);
    if (k == "--queries") a.queries = std::stoul(argv[i + 1]);
    if (k == "--dir") a.dir = argv[i + 1];
  }
  return a;
}

// Deleted: the records whose number falls in the first `dead` part of every 1,000.
bool IsDead(size_t i, double dead) { return double(i % 1000) < dead * 1000.0; }

QueryOptions QueryFor(const Dataset& d, size_t q) {
  QueryOptions o;
  o.query_embeddings =
      FloatMatrix(d.dim, std::vector<float>(d.queries.begin() + q * d.dim, d.queries.begin() + (q + 1) * d.dim));
  o.n_results = 10;
  o.include = Include{false, false, false, true, false};
  return o;
}

struct QueryFigures {
  double p50_ms = 0, p99_ms = 0, recall = 0;
};

QueryFigures Measure(Collection* c, const Dataset& d, const std::vector<std::vector<uint32_t>>& truth) {
  QueryFigures f;
  std::vector<double> lat;
  size_t hits = 0;
  for (size_t q = 0; q < truth.size(); ++q) {
    auto t0 = Clock::now();
    auto r = Take(c->Query(QueryFor(d, q)), "query");
    lat.push_back(Seconds(t0) * 1e3);
    for (const auto& id : r.ids[0]) {
      const uint32_t i = uint32_t(std::stoul(id.substr(3)));
      hits += std::count(truth[q].begin(), truth[q].end(), i);
    }
  }
  f.p50_ms = Percentile(lat, 0.5);
  f.p99_ms = Percentile(lat, 0.99);
  f.recall = double(hits) / double(truth.size() * 10);
  return f;
}

}  // namespace
}  // namespace ochre::bench

int main(int argc, char** argv) {
  using namespace ochre;
  using namespace ochre::bench;
  Args a = ParseArgs(argc, argv);
  std::printf("OchreDB compaction benchmark: %zu x %u synthetic cosine vectors, %.0f%% deleted, 2 cores\n", a.n, a.dim,
              a.dead * 100);
  Dataset d = SyntheticSphere(a.n, a.queries, a.dim, 42);

  // The exact top 10 among the live records, by an exact scan.
  auto rows = WrapRows(d.base, d.dim);
  index::FlatIndex flat(Space::kCosine, rows.get());
  std::vector<uint32_t> live;
  for (size_t i = 0; i < d.n(); ++i) {
    if (!IsDead(i, a.dead)) live.push_back(uint32_t(i));
  }
  Check(flat.Insert(live), "flat insert");
  std::vector<std::vector<uint32_t>> truth(a.queries);
  for (size_t q = 0; q < a.queries; ++q) {
    index::SearchParams p;
    p.k = 10;
    for (const auto& n : Take(flat.Search(d.queries.data() + q * d.dim, p), "scan")) truth[q].push_back(n.row);
  }

  std::filesystem::remove_all(a.dir);
  auto client = Take(PersistentClient::Open(a.dir), "open");
  CreateCollectionOptions o;
  o.embedding_function = MakeHashingEmbeddingFunction();  // explicit: CI has no model
  o.name = "bench";
  o.embedding_function = nullptr;
  o.configuration.emplace();
  o.configuration->hnsw.emplace();
  o.configuration->hnsw->space = Space::kCosine;
  auto c = Take(client->CreateCollection(o), "create");
  for (size_t i = 0; i < d.n(); i += 1000) {
    RecordBatch b;
    b.documents.emplace();
    b.metadatas.emplace();
    const size_t end = std::min(d.n(), i + 1000);
    for (size_t k = i; k < end; ++k) {
      b.ids.push_back("id-" + std::to_string(k));
      b.documents->push_back("document number " + std::to_string(k));
      b.metadatas->push_back(Metadata{{"bucket", int64_t(k % 10)}, {"tag", std::string("common")}});
    }
    b.embeddings = FloatMatrix(d.dim, std::vector<float>(d.base.begin() + i * d.dim, d.base.begin() + end * d.dim));
    Check(c->Add(b), "add");
  }
  DeleteOptions del;
  del.ids.emplace();
  for (size_t i = 0; i < d.n(); ++i) {
    if (IsDead(i, a.dead)) del.ids->push_back("id-" + std::to_string(i));
  }
  Check(c->Delete(del).status(), "delete");
  Check(client->Checkpoint(), "checkpoint");  // the graph complete, with its tombstones
  const QueryFigures before = Measure(c.get(), d, truth);

  // Compact while one thread keeps querying.
  std::atomic<bool> stop{false};
  std::vector<double> during;
  std::thread reader([&] {
    for (size_t q = 0; !stop.load(); q = (q + 1) % a.queries) {
      auto t0 = Clock::now();
      Take(c->Query(QueryFor(d, q)), "query during compaction");
      during.push_back(Seconds(t0) * 1e3);
    }
  });
  auto t0 = Clock::now();
  CompactionStats stats = Take(c->Compact(), "compact");
  const double compact_s = Seconds(t0);
  stop = true;
  reader.join();
  const QueryFigures after = Measure(c.get(), d, truth);

  std::printf("\n%-52s %14s\n", "figure", "value");
  std::printf("%-52s %14.2f\n", "compaction (s)", compact_s);
  std::printf("%-52s %7lld -> %lld\n", "vector rows", static_cast<long long>(stats.rows_before),
              static_cast<long long>(stats.rows_after));
  std::printf("%-52s %6.1f -> %.1f\n", "vectors + graph on disk (MB)", double(stats.bytes_before) / 1e6,
              double(stats.bytes_after) / 1e6);
  std::printf("%-52s %14.4f\n", "recall@10 before (graph with tombstones)", before.recall);
  std::printf("%-52s %14.4f\n", "recall@10 after (compacted graph)", after.recall);
  std::printf("%-52s %6.2f / %.2f\n", "query p50 / p99 (ms) before", before.p50_ms, before.p99_ms);
  std::printf("%-52s %6.2f / %.2f\n", "query p50 / p99 (ms) after", after.p50_ms, after.p99_ms);
  std::printf("%-52s %6.2f / %.2f / %.2f (%zu queries)\n", "query p50 / p99 / max (ms) during the compaction",
              Percentile(during, 0.5), Percentile(during, 0.99), Percentile(during, 1.0), during.size());
  return 0;
}
