// Copyright 2026 The OchreDB Authors.
//
// ochre_search_bench: dense Search API latency beside plain Query on the same collection, in the
// same run: after a warm-up pass, one pass over the query vectors per kind, in one order and then in
// the reverse order (the figures merge both), so that both see the same cache and machine load.
//   build/bench/engine/ochre_search_bench [--n 100000] [--dim 128] [--queries 500] [--dir /tmp/x]
// The collection (synthetic cosine vectors with a document and a "cat" metadata each) is ingested,
// the graph is left to finish, then per query vector:
//   query        Query n_results=10, distances only
//   query+cols   Query n_results=10 with documents and metadatas
//   search       Search Knn(limit 10), select #score
//   search+cols  Search Knn(limit 100), limit 10, select #document #metadata #score
//   search rrf   Search Rrf(Knn(q, 100), Knn(q', 100)) (two dense Knns: the shape of hybrid search
//                until the sparse Knn lands), limit 10, select #score
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "bench_common.h"
#include "engine/engine_bench_util.h"
#include "ochre/ochre.h"
#include "ochre/search.h"

namespace {

using Clock = std::chrono::steady_clock;
double Ms(Clock::time_point t0) { return std::chrono::duration<double, std::milli>(Clock::now() - t0).count(); }

ochre::RankExpr Knn(const float* q, uint32_t dim, int64_t limit, bool rank) {
  ochre::RankExpr e;
  e.kind = ochre::RankExpr::Kind::kKnn;
  e.knn.query = std::vector<float>(q, q + dim);
  e.knn.limit = limit;
  e.knn.return_rank = rank;
  if (rank) e.knn.default_score = float(limit);
  return e;
}

ochre::RankExpr Val(float v) {
  ochre::RankExpr e;
  e.kind = ochre::RankExpr::Kind::kVal;
  e.value = v;
  return e;
}

ochre::RankExpr Op(ochre::RankExpr::Kind kind, std::vector<ochre::RankExpr> children) {
  ochre::RankExpr e;
  e.kind = kind;
  e.children = std::move(children);
  return e;
}

// -(1/(60 + rank1) + 1/(60 + rank2)), as the clients expand Rrf.
ochre::RankExpr Rrf(const float* q1, const float* q2, uint32_t dim) {
  using K = ochre::RankExpr::Kind;
  std::vector<ochre::RankExpr> terms;
  for (const float* q : {q1, q2}) {
    terms.push_back(Op(K::kDiv, {Val(1), Op(K::kSum, {Val(60), Knn(q, dim, 100, true)})}));
  }
  return Op(K::kMul, {Val(-1), Op(K::kSum, std::move(terms))});
}

}  // namespace

int main(int argc, char** argv) {
  using namespace ochre;
  using namespace ochre::bench;
  size_t n = 100000, nq = 500;
  uint32_t dim = 128;
  std::string dir = "/tmp/ochre_search_bench";
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string k = argv[i];
    if (k == "--n") n = std::stoul(argv[i + 1]);
    if (k == "--dim") dim = uint32_t(std::stoul(argv[i + 1]));
    if (k == "--queries") nq = std::stoul(argv[i + 1]);
    if (k == "--dir") dir = argv[i + 1];
  }
  std::printf("OchreDB search benchmark: %zu x %u synthetic cosine vectors, %zu queries\n", n, dim, nq);
  Dataset d = SyntheticSphere(n, nq + 1, dim, 42);
  std::filesystem::remove_all(dir);
  Settings settings;
  auto client = Take(PersistentClient::Open(dir, settings), "open");
  CreateCollectionOptions o;
  o.name = "bench";
  o.embedding_function = nullptr;
  HnswConfigUpdate h;
  h.space = Space::kCosine;
  o.configuration = CollectionConfigurationUpdate{h, std::nullopt};
  auto c = Take(client->CreateCollection(o), "create");
  auto t0 = Clock::now();
  const size_t batch = 5000;
  for (size_t b = 0; b < n; b += batch) {
    const size_t e = std::min(n, b + batch);
    RecordBatch r;
    std::vector<std::optional<std::string>> docs;
    std::vector<std::optional<Metadata>> mds;
    for (size_t i = b; i < e; ++i) {
      r.ids.push_back("id-" + std::to_string(i));
      docs.push_back("document number " + std::to_string(i));
      mds.push_back(Metadata{{"cat", std::string(1, char('a' + i % 8))}});
    }
    r.embeddings = FloatMatrix(dim, std::vector<float>(d.base.begin() + b * dim, d.base.begin() + e * dim));
    r.documents = std::move(docs);
    r.metadatas = std::move(mds);
    Check(c->Add(r), "add");
  }
  std::printf("%-44s %12.1f\n", "ingest (s)", Ms(t0) / 1e3);
  for (;;) {
    auto s = Take(c->GetIndexingStatus(), "indexing status");
    if (s.num_unindexed_ops == 0) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  std::printf("%-44s %12.1f\n", "ingest + graph complete (s)", Ms(t0) / 1e3);

  auto row = [&](size_t q) { return d.queries.data() + q * dim; };
  auto query_pass = [&](Include include) {
    std::vector<double> lat;
    for (size_t q = 0; q < nq; ++q) {
      QueryOptions qo;
      qo.query_embeddings = FloatMatrix(dim, std::vector<float>(row(q), row(q) + dim));
      qo.n_results = 10;
      qo.include = include;
      auto t = Clock::now();
      Take(c->Query(qo), "query");
      lat.push_back(Ms(t));
    }
    return lat;
  };
  auto search_pass = [&](auto make) {
    std::vector<double> lat;
    for (size_t q = 0; q < nq; ++q) {
      SearchRequest s = make(q);
      auto t = Clock::now();
      Take(c->Search({s}), "search");
      lat.push_back(Ms(t));
    }
    return lat;
  };
  query_pass(Include{false, false, false, true, false});  // warm-up: pages and caches
  // One pass over every query vector per kind, each kind once before and once after the others'
  // first passes (the two halves merged), so that no kind always runs on a colder cache.
  std::vector<double> query, query_cols, search, search_cols, search_rrf;
  auto knn10 = [&](size_t q) {
    SearchRequest s;
    s.rank = Knn(row(q), dim, 10, false);
    s.select = {SearchKey::FromName("#score")};
    return s;
  };
  auto knn100_cols = [&](size_t q) {
    SearchRequest s;
    s.rank = Knn(row(q), dim, 100, false);
    s.limit = 10;
    s.select = {SearchKey::FromName("#document"), SearchKey::FromName("#metadata"), SearchKey::FromName("#score")};
    return s;
  };
  auto rrf = [&](size_t q) {
    SearchRequest s;
    s.rank = Rrf(row(q), row(q + 1), dim);
    s.limit = 10;
    s.select = {SearchKey::FromName("#score")};
    return s;
  };
  auto append = [](std::vector<double>* to, std::vector<double> v) { to->insert(to->end(), v.begin(), v.end()); };
  for (int round = 0; round < 2; ++round) {
    const bool forward = round == 0;
    std::vector<std::function<void()>> passes = {
        [&] {
          append(&query, query_pass(Include{false, false, false, true, false}));
        },
        [&] {
          append(&query_cols, query_pass(Include{true, false, true, true, false}));
        },
        [&] { append(&search, search_pass(knn10)); },
        [&] { append(&search_cols, search_pass(knn100_cols)); },
        [&] { append(&search_rrf, search_pass(rrf)); },
    };
    if (!forward) std::reverse(passes.begin(), passes.end());
    for (auto& p : passes) p();
  }
  std::printf("\n%-44s %12s %12s\n", "latency (ms)", "p50", "p99");
  auto line = [](const char* name, const std::vector<double>& v) {
    std::printf("%-44s %12.3f %12.3f\n", name, Percentile(v, 0.5), Percentile(v, 0.99));
  };
  line("query n_results=10", query);
  line("query n_results=10 + documents, metadatas", query_cols);
  line("search Knn(limit 10), #score", search);
  line("search Knn(limit 100), limit 10, doc/meta/score", search_cols);
  line("search Rrf(2 dense Knn, limit 100), limit 10", search_rrf);
  c.reset();
  client.reset();
  std::filesystem::remove_all(dir);
  return 0;
}
