// Copyright 2026 The OchreDB Authors.
//
// The FTS index behind where_document, built at a collection's first document filter (issue 13,
// section 3): N x DIM records with the server benchmark's documents and metadata
// ("record <i> <word> <word>", category, bucket), then the bytes on disk before the first
// where_document, the first call's latency (it builds the index), the latency after, and the bytes
// on disk after, with the catalog's FTS share (dbstat).
//
//   build/bench/engine/ochre_fts_bench [--n 100000] [--dim 384] [--queries 200] [--dir /tmp/x]
//                                      [--mode lazy|eager|eager-full]
//
// --mode lazy (the default) is this build's behaviour. eager builds the index while the collection
// is empty, so that every add maintains it (format 3's behaviour, with the lean layout); eager-full
// also makes documents_fts again with format 3's layout (detail=full, column sizes) before the
// ingest: the catalog a previous build wrote.
#include <sqlite3.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "bench_common.h"
#include "engine/engine_bench_util.h"
#include "ochre/ochre.h"
#include "storage/sqlite_db.h"

namespace ochre::bench {
namespace {

using Clock = std::chrono::steady_clock;

const char* const kWords[] = {"amber", "basalt", "cobalt", "dune",   "ember",
                              "fjord", "garnet", "heath",  "indigo", "jade"};

struct Args {
  size_t n = 100000;
  uint32_t dim = 384;
  size_t queries = 200;
  std::string dir = "/tmp/ochre-fts-bench";
  std::string mode = "lazy";
};

Args ParseArgs(int argc, char** argv) {
  Args a;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string k = argv[i];
    if (k == "--n") a.n = std::stoul(argv[i + 1]);
    if (k == "--dim") a.dim = uint32_t(std::stoul(argv[i + 1]));
    if (k == "--queries") a.queries = std::stoul(argv[i + 1]);
    if (k == "--dir") a.dir = argv[i + 1];
    if (k == "--mode") a.mode = argv[i + 1];
  }
  return a;
}

double DirMb(const std::string& dir) {
  uint64_t total = 0;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir)) {
    if (e.is_regular_file()) total += e.file_size();
  }
  return double(total) / 1e6;
}

// MB of the catalog's tables by prefix ("documents_fts": the index; "records"), from dbstat.
double TableMb(const std::string& dir, const std::string& prefix) {
  auto db = Take(storage::SqliteDb::Open(dir + "/ochre.sqlite3", {.create = false, .read_only = true}), "catalog");
  auto st = Take(db->Prepare("SELECT COALESCE(SUM(pgsize), 0) FROM dbstat WHERE name LIKE ?1 || '%'"), "dbstat");
  st.Bind(1, prefix);
  Take(st.Step(), "dbstat");
  return double(st.ColumnInt(0)) / 1e6;
}

RecordBatch MakeBatch(const Dataset& d, size_t begin, size_t end) {
  RecordBatch b;
  std::vector<std::optional<std::string>> docs;
  std::vector<std::optional<Metadata>> metas;
  for (size_t i = begin; i < end; ++i) {
    b.ids.push_back("id-" + std::to_string(i));
    docs.push_back("record " + std::to_string(i) + " " + kWords[i % 10] + " " + kWords[(i / 10) % 10]);
    metas.push_back(Metadata{{"category", int64_t(i % 10)}, {"bucket", int64_t((i / 10) % 100)}});
  }
  b.embeddings = FloatMatrix(d.dim, std::vector<float>(d.base.begin() + begin * d.dim, d.base.begin() + end * d.dim));
  b.documents = std::move(docs);
  b.metadatas = std::move(metas);
  return b;
}

WhereDocumentNode Contains(std::string text) {
  WhereDocumentNode f;
  f.op = DocumentOp::kContains;
  f.pattern = std::move(text);
  return f;
}

// A get of the one record "record <i> ..." (documents and metadatas, Chroma's default include).
double GetOneMs(Collection* c, size_t i) {
  GetOptions o;
  o.where_document = Contains("record " + std::to_string(i) + " ");
  auto t0 = Clock::now();
  auto r = Take(c->Get(o), "get where_document");
  const double ms = Seconds(t0) * 1e3;
  if (r.ids.size() != 1) {
    std::fprintf(stderr, "get where_document 'record %zu ': %zu records, expected 1\n", i, r.ids.size());
    std::exit(1);
  }
  return ms;
}

void Run(const Args& a) {
  std::filesystem::remove_all(a.dir);
  const Dataset d = SyntheticSphere(a.n, a.queries, a.dim, 42);
  if (a.mode == "eager-full") {
    // The catalog as format 3 laid it out, made before the engine first opens it.
    { Take(PersistentClient::Open(a.dir), "open"); }
    auto db = Take(storage::SqliteDb::Open(a.dir + "/ochre.sqlite3", {}), "catalog");
    Check(db->Exec("DROP TABLE documents_fts; CREATE VIRTUAL TABLE documents_fts USING fts5(document, "
                   "content='records', content_rowid='rid', tokenize=\"trigram case_sensitive 1\");"),
          "full layout");
  }
  std::unique_ptr<Client> client;
  double add_per_s = 0;
  {
    auto opened = Take(PersistentClient::Open(a.dir), "open");
    CreateCollectionOptions o;
    o.embedding_function = MakeHashingEmbeddingFunction();  // explicit: CI has no model
    o.name = "bench";
    o.embedding_function = nullptr;
    HnswConfigUpdate hnsw;
    hnsw.space = Space::kCosine;
    o.configuration = CollectionConfigurationUpdate{hnsw, std::nullopt};
    auto c = Take(opened->CreateCollection(o), "create");
    if (a.mode != "lazy") {
      GetOptions g;
      g.where_document = Contains("nothing yet");
      Take(c->Get(g), "first where_document (empty)");
    }
    auto t0 = Clock::now();
    for (size_t i = 0; i < d.n(); i += 1000) Check(c->Add(MakeBatch(d, i, std::min(d.n(), i + 1000))), "add");
    add_per_s = double(d.n()) / Seconds(t0);
    Check(opened->Checkpoint(), "checkpoint");
  }
  const double disk_before = DirMb(a.dir), fts_before = TableMb(a.dir, "documents_fts");
  const double records_mb = TableMb(a.dir, "records");

  auto opened = Take(PersistentClient::Open(a.dir), "reopen");
  auto c = Take(opened->GetCollection("bench"), "get collection");
  std::mt19937 rng(7);
  std::uniform_int_distribution<size_t> pick(0, d.n() - 1);
  const double first_ms = GetOneMs(c.get(), pick(rng));
  std::vector<double> one, broad, query;
  for (size_t q = 0; q < a.queries; ++q) one.push_back(GetOneMs(c.get(), pick(rng)));
  // 1% of the records ("<w1> <w2>" for one pair of words), documents and metadatas.
  for (size_t q = 0; q < std::min<size_t>(a.queries, 50); ++q) {
    GetOptions o;
    o.where_document = Contains(std::string(kWords[q % 10]) + " " + kWords[(q / 10) % 10]);
    auto t0 = Clock::now();
    Take(c->Get(o), "get where_document 1%");
    broad.push_back(Seconds(t0) * 1e3);
  }
  // A vector query filtered to ~19% of the records ("ember" is either word of i % 10 == 4 or
  // (i / 10) % 10 == 4).
  for (size_t q = 0; q < a.queries; ++q) {
    QueryOptions o;
    o.query_embeddings =
        FloatMatrix(d.dim, std::vector<float>(d.queries.begin() + q * d.dim, d.queries.begin() + (q + 1) * d.dim));
    o.n_results = 10;
    o.where_document = Contains("ember");
    o.include = Include{false, false, false, true, false};
    auto t0 = Clock::now();
    Take(c->Query(o), "query where_document");
    query.push_back(Seconds(t0) * 1e3);
  }
  c.reset();
  opened.reset();
  const double disk_after = DirMb(a.dir), fts_after = TableMb(a.dir, "documents_fts");

  std::printf("ochre_fts_bench: n=%zu dim=%u mode=%s queries=%zu dir=%s\n", a.n, a.dim, a.mode.c_str(), a.queries,
              a.dir.c_str());
  std::printf("%-56s %10.0f\n", "add (vectors/s)", add_per_s);
  std::printf("%-56s %10.1f\n", "disk before the first where_document (MB)", disk_before);
  std::printf("%-56s %10.1f\n", "  of which the FTS index (MB)", fts_before);
  std::printf("%-56s %10.1f\n", "  of which the records table (MB)", records_mb);
  std::printf("%-56s %10.1f\n", "first where_document get, 1 hit (ms, builds the index)", first_ms);
  std::printf("%-56s %10.3f\n", "where_document get, 1 hit, p50 after (ms)", Percentile(one, 0.5));
  std::printf("%-56s %10.3f\n", "where_document get, 1 hit, p99 after (ms)", Percentile(one, 0.99));
  std::printf("%-56s %10.3f\n", "where_document get, 1% (1,000 records) p50 (ms)", Percentile(broad, 0.5));
  std::printf("%-56s %10.3f\n", "query n=10 where_document 19% p50 (ms)", Percentile(query, 0.5));
  std::printf("%-56s %10.1f\n", "disk after (MB)", disk_after);
  std::printf("%-56s %10.1f\n", "  of which the FTS index (MB)", fts_after);
}

}  // namespace
}  // namespace ochre::bench

int main(int argc, char** argv) {
  ochre::bench::Run(ochre::bench::ParseArgs(argc, argv));
  return 0;
}
