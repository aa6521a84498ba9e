// Copyright 2026 The OchreDB Authors.
//
// The engine benchmark of the engine issue: add throughput (batches of 1,000 with a document and
// two metadata fields per record) into an ephemeral and a persistent client; query latency and
// recall@10 through the public API; a filtered query (10% of the records match) and a get with a
// where (1%: 1,000 records with documents and metadatas), the server benchmark's two filtered
// figures; the exact scan's latency beside the single-thread memory bandwidth measured in the same
// run; re-open to first answered query; bytes on disk. The records carry the server benchmark's
// metadata: `category` (i % 10) and `bucket` ((i / 10) % 100).
//
//   build/bench/engine/ochre_engine_bench [--n 100000] [--dim 384] [--queries 1000] [--dir /tmp/x]
//                                         [--reuse 1] [--reads-only 1]
//
// --reuse 1 keeps a database left in --dir by an earlier run of the same --n (no ingest); with
// --reads-only 1 only the query, filtered query and get-where figures are measured (for profiling).
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "api/stored_metadata.h"
#include "bench_common.h"
#include "engine/engine_bench_util.h"
#include "index/flat_index.h"
#include "ochre/ochre.h"
#include "query/metadata_index.h"
#include "storage/sqlite_db.h"

namespace ochre::bench {
namespace {

using Clock = std::chrono::steady_clock;

struct Args {
  size_t n = 100000;
  uint32_t dim = 384;
  size_t queries = 1000;
  std::string dir = "/tmp/ochre-engine-bench";
  bool reuse = false;
  bool reads_only = false;
};

Args ParseArgs(int argc, char** argv) {
  Args a;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string k = argv[i];
    if (k == "--n") a.n = std::stoul(argv[i + 1]);
    if (k == "--dim") a.dim = uint32_t(std::stoul(argv[i + 1]));
    if (k == "--queries") a.queries = std::stoul(argv[i + 1]);
    if (k == "--dir") a.dir = argv[i + 1];
    if (k == "--reuse") a.reuse = std::string(argv[i + 1]) != "0";
    if (k == "--reads-only") a.reads_only = std::string(argv[i + 1]) != "0";
  }
  return a;
}

// Single-thread streaming read bandwidth (GB/s): sums a buffer much larger than the caches.
double MemoryBandwidth() {
  const size_t n = size_t{512} << 20 >> 2;  // 512 MiB of floats
  std::vector<float> buf(n, 1.0f);
  double best = 0;
  for (int rep = 0; rep < 3; ++rep) {
    auto t0 = Clock::now();
    float acc[16] = {0};
    for (size_t i = 0; i + 16 <= n; i += 16) {
      for (int j = 0; j < 16; ++j) acc[j] += buf[i + j];
    }
    double s = Seconds(t0);
    float sum = 0;
    for (float a : acc) sum += a;
    if (sum == 42) std::puts("");  // keep the loop
    best = std::max(best, double(n) * 4 / s / 1e9);
  }
  return best;
}

uint64_t DirBytes(const std::string& dir) {
  uint64_t total = 0;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir)) {
    if (e.is_regular_file()) total += e.file_size();
  }
  return total;
}

// The in-memory metadata index of the bench collection as the engine builds it (from the catalog
// left in `dir`, the client closed): build time and heap bytes.
struct IndexFigures {
  double build_ms = 0;
  double heap_mb = 0;
};

IndexFigures MeasureMetadataIndex(const std::string& dir) {
  IndexFigures f;
  auto db = Take(storage::SqliteDb::Open(dir + "/ochre.sqlite3", {.create = false, .read_only = true}), "catalog");
  auto st = Take(db->Prepare("SELECT cid FROM collections WHERE name = 'bench'"), "cid");
  if (!Take(st.Step(), "cid")) return f;
  const int64_t cid = st.ColumnInt(0);
  auto t0 = Clock::now();
  auto index = Take(query::MetadataIndex::Build(db.get(), cid, &api::DecodeStoredMetadata), "metadata index");
  f.build_ms = Seconds(t0) * 1e3;
  f.heap_mb = double(index->MemoryBytes()) / 1e6;
  return f;
}

RecordBatch MakeBatch(const Dataset& d, size_t begin, size_t end) {
  RecordBatch b;
  std::vector<std::optional<std::string>> docs;
  std::vector<std::optional<Metadata>> metas;
  for (size_t i = begin; i < end; ++i) {
    b.ids.push_back("id-" + std::to_string(i));
    docs.push_back("document number " + std::to_string(i) + " about topic " + std::to_string(i % 97));
    metas.push_back(Metadata{{"category", int64_t(i % 10)}, {"bucket", int64_t((i / 10) % 100)}});
  }
  b.embeddings = FloatMatrix(d.dim, std::vector<float>(d.base.begin() + begin * d.dim, d.base.begin() + end * d.dim));
  b.documents = std::move(docs);
  b.metadatas = std::move(metas);
  return b;
}

struct AddFigures {
  double add_per_s = 0;
  double indexed_after_s = 0;  // until the background graph caught up
};

AddFigures Ingest(Client* client, const Dataset& d) {
  CreateCollectionOptions o;
  o.embedding_function = MakeHashingEmbeddingFunction();  // explicit: CI has no model
  o.name = "bench";
  o.embedding_function = nullptr;
  HnswConfigUpdate hnsw;
  hnsw.space = Space::kCosine;
  o.configuration = CollectionConfigurationUpdate{hnsw, std::nullopt};
  auto c = Take(client->CreateCollection(o), "create");
  auto t0 = Clock::now();
  for (size_t i = 0; i < d.n(); i += 1000) Check(c->Add(MakeBatch(d, i, std::min(d.n(), i + 1000))), "add");
  AddFigures f;
  f.add_per_s = double(d.n()) / Seconds(t0);
  // Wait for the background indexer: a query after the checkpoint call sees the full graph.
  Check(client->Checkpoint(), "checkpoint");
  f.indexed_after_s = Seconds(t0);
  return f;
}

struct QueryFigures {
  double p50_ms = 0, p99_ms = 0, recall = 0, filtered_p50_ms = 0, filtered_p99_ms = 0;
  double get_where_p50_ms = 0, get_where_p99_ms = 0;
  size_t get_where_rows = 0;
};

QueryFigures RunQueries(Collection* c, const Dataset& d, const std::vector<std::vector<uint32_t>>& truth, size_t nq) {
  QueryFigures f;
  std::vector<double> lat;
  size_t hits = 0;
  for (size_t q = 0; q < nq; ++q) {
    QueryOptions o;
    o.query_embeddings =
        FloatMatrix(d.dim, std::vector<float>(d.queries.begin() + q * d.dim, d.queries.begin() + (q + 1) * d.dim));
    o.n_results = 10;
    o.include = Include{false, false, false, true, false};
    auto t0 = Clock::now();
    auto r = Take(c->Query(o), "query");
    lat.push_back(Seconds(t0) * 1e3);
    for (const auto& id : r.ids[0]) {
      uint32_t row = uint32_t(std::stoul(id.substr(3)));
      for (size_t j = 0; j < 10 && j < truth[q].size(); ++j) hits += truth[q][j] == row;
    }
  }
  f.p50_ms = Percentile(lat, 0.5);
  f.p99_ms = Percentile(lat, 0.99);
  f.recall = double(hits) / double(nq * 10);
  std::vector<double> flat;
  auto where = Take(ParseWhere(R"({"category": 3})"), "where");
  for (size_t q = 0; q < std::min<size_t>(nq, 200); ++q) {
    QueryOptions o;
    o.query_embeddings =
        FloatMatrix(d.dim, std::vector<float>(d.queries.begin() + q * d.dim, d.queries.begin() + (q + 1) * d.dim));
    o.where = where;
    o.include = Include{false, false, false, true, false};
    auto t0 = Clock::now();
    Take(c->Query(o), "filtered query");
    flat.push_back(Seconds(t0) * 1e3);
  }
  f.filtered_p50_ms = Percentile(flat, 0.5);
  f.filtered_p99_ms = Percentile(flat, 0.99);
  // Get with a where matching 1%, documents and metadatas (Chroma's default include).
  std::vector<double> gets;
  for (size_t k = 0; k < 200; ++k) {
    GetOptions o;
    o.where = Take(ParseWhere("{\"bucket\": " + std::to_string(k % 100) + "}"), "where");
    auto t0 = Clock::now();
    auto r = Take(c->Get(o), "get where");
    gets.push_back(Seconds(t0) * 1e3);
    f.get_where_rows = r.ids.size();
  }
  f.get_where_p50_ms = Percentile(gets, 0.5);
  f.get_where_p99_ms = Percentile(gets, 0.99);
  return f;
}

// The read figures, printed the same way by a full run and by --reads-only.
void PrintQueryFigures(const QueryFigures& qf) {
  std::printf("%-44s %12.3f\n", "query p50 (ms), HNSW, k=10", qf.p50_ms);
  std::printf("%-44s %12.3f\n", "query p99 (ms)", qf.p99_ms);
  std::printf("%-44s %12.4f\n", "recall@10", qf.recall);
  std::printf("%-44s %12.3f\n", "filtered query p50 (ms), 10% match", qf.filtered_p50_ms);
  std::printf("%-44s %12.3f\n", "filtered query p99 (ms)", qf.filtered_p99_ms);
  std::printf("%-44s %12.3f\n", "get where p50 (ms), 1% match (docs+metadata)", qf.get_where_p50_ms);
  std::printf("%-44s %12.3f\n", "get where p99 (ms)", qf.get_where_p99_ms);
  std::printf("%-44s %12zu\n", "get where records returned", qf.get_where_rows);
}

}  // namespace
}  // namespace ochre::bench

int main(int argc, char** argv) {
  using namespace ochre;
  using namespace ochre::bench;
  Args a = ParseArgs(argc, argv);
  std::printf("OchreDB engine benchmark: %zu x %u synthetic cosine vectors, %zu queries, 2 cores\n", a.n, a.dim,
              a.queries);
  Dataset d = SyntheticSphere(a.n, a.queries, a.dim, 42);
  auto truth = GroundTruth(d, 10, OCHRE_BENCH_CACHE_DIR);

  Settings settings;
  settings.allow_reset = true;
  const bool reuse = (a.reuse || a.reads_only) && std::filesystem::exists(a.dir);
  if (a.reads_only) {
    // Profiling: only the read figures, on the database an earlier run left.
    auto client = Take(PersistentClient::Open(a.dir, settings), "persistent");
    if (!reuse) Ingest(client.get(), d);
    auto c = Take(client->GetCollection("bench", GetCollectionOptions{std::shared_ptr<EmbeddingFunction>()}), "get");
    QueryOptions warm;
    warm.query_embeddings = FloatMatrix(d.dim, std::vector<float>(d.queries.begin(), d.queries.begin() + d.dim));
    Take(c->Query(warm), "first query");
    Check(client->Checkpoint(), "checkpoint");
    QueryFigures qf = RunQueries(c.get(), d, truth, a.queries);
    std::printf("\n%-44s %12s\n", "figure", "value");
    PrintQueryFigures(qf);
    client.reset();
    IndexFigures mi = MeasureMetadataIndex(a.dir);
    std::printf("%-44s %12.1f\n", "metadata index build (ms)", mi.build_ms);
    std::printf("%-44s %12.2f\n", "metadata index heap (MB)", mi.heap_mb);
    return 0;
  }

  // Exact scan vs memory bandwidth, single thread.
  double bw = MemoryBandwidth();
  auto rows = WrapRows(d.base, d.dim);
  index::FlatIndex flat(Space::kCosine, rows.get(), 1);
  std::vector<uint32_t> all(d.n());
  for (size_t i = 0; i < d.n(); ++i) all[i] = uint32_t(i);
  Check(flat.Insert(all), "flat insert");
  std::vector<double> scan_ms;
  for (size_t q = 0; q < std::min<size_t>(a.queries, 100); ++q) {
    index::SearchParams p;
    p.k = 10;
    auto t0 = Clock::now();
    Take(flat.Search(d.queries.data() + q * d.dim, p), "scan");
    scan_ms.push_back(Seconds(t0) * 1e3);
  }
  double scan_p50 = Percentile(scan_ms, 0.5);
  double scan_gbs = double(d.n()) * d.dim * 4 / (scan_p50 / 1e3) / 1e9;

  // Ephemeral and persistent ingest.
  AddFigures eph, per;
  if (!reuse) {
    auto client = Take(EphemeralClient::Open(settings), "ephemeral");
    Check(client->Reset(), "reset");
    eph = Ingest(client.get(), d);
    Check(client->Reset(), "reset");
    std::filesystem::remove_all(a.dir);
  }
  QueryFigures qf;
  uint64_t disk = 0;
  {
    auto client = Take(PersistentClient::Open(a.dir, settings), "persistent");
    if (!reuse) per = Ingest(client.get(), d);
    auto c = Take(client->GetCollection("bench", GetCollectionOptions{std::shared_ptr<EmbeddingFunction>()}), "get");
    qf = RunQueries(c.get(), d, truth, a.queries);
  }
  disk = DirBytes(a.dir);
  IndexFigures mi = MeasureMetadataIndex(a.dir);
  // Re-open to the first answered query.
  // (Measured before the client closes: closing waits for the background indexer's current step.)
  auto t0 = Clock::now();
  double reopen_ms = 0;
  {
    auto client = Take(PersistentClient::Open(a.dir, settings), "reopen");
    auto c = Take(client->GetCollection("bench", GetCollectionOptions{std::shared_ptr<EmbeddingFunction>()}), "get");
    QueryOptions o;
    o.query_embeddings = FloatMatrix(d.dim, std::vector<float>(d.queries.begin(), d.queries.begin() + d.dim));
    Take(c->Query(o), "first query");
    reopen_ms = Seconds(t0) * 1e3;
  }
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);

  std::printf("\n%-44s %12s\n", "figure", "value");
  std::printf("%-44s %12.0f\n", "add, ephemeral (vectors/s)", eph.add_per_s);
  std::printf("%-44s %12.0f\n", "add, persistent (vectors/s)", per.add_per_s);
  std::printf("%-44s %12.1f\n", "persistent: graph fully built after (s)", per.indexed_after_s);
  PrintQueryFigures(qf);
  std::printf("%-44s %12.1f\n", "metadata index build (ms)", mi.build_ms);
  std::printf("%-44s %12.2f\n", "metadata index heap (MB)", mi.heap_mb);
  std::printf("%-44s %12.3f\n", "exact scan p50 (ms), 1 thread", scan_p50);
  std::printf("%-44s %12.2f\n", "exact scan read rate (GB/s)", scan_gbs);
  std::printf("%-44s %12.2f\n", "memory read bandwidth, 1 thread (GB/s)", bw);
  std::printf("%-44s %11.0f%%\n", "scan share of bandwidth", 100.0 * scan_gbs / bw);
  std::printf("%-44s %12.1f\n", "re-open to first answered query (ms)", reopen_ms);
  std::printf("%-44s %12.1f\n", "on disk (MB)", double(disk) / 1e6);
  std::printf("%-44s %12.1f\n", "peak RSS of this process (MB)", double(ru.ru_maxrss) / 1e3);
  return 0;
}
