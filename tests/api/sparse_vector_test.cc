// Copyright 2026 The OchreDB Authors.
//
// Sparse vectors as metadata values (Chroma 1.x) and Collection::QuerySparse: round trips through
// the store (and a reopen), Chroma's validation rules with nothing changed by a bad batch, the
// schema learning sparse keys, where clauses on a sparse key, and a model-based test of QuerySparse
// against a brute-force reference under random adds, upserts, updates, deletes, filters and a
// compaction, with and without BM25 weighting.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "ochre/ochre.h"
#include "testutil/temp_dir.h"
#include "testutil/test_client.h"

namespace ochre {
namespace {

SparseVector Sv(std::vector<uint32_t> i, std::vector<float> v) {
  SparseVector s;
  s.indices = std::move(i);
  s.values = std::move(v);
  return s;
}

RecordBatch OneRecord(const std::string& id, Metadata m) {
  RecordBatch b;
  b.ids = {id};
  b.embeddings = FloatMatrix(2, {1.0f, 2.0f});
  b.metadatas = std::vector<std::optional<Metadata>>{std::move(m)};
  return b;
}

class SparseVectorTest : public ::testing::TestWithParam<bool> {
 protected:
  void SetUp() override { Open(); }

  void Open(std::optional<std::string> schema = std::nullopt) {
    coll_.reset();
    client_.reset();
    auto client = testutil::OpenTestClient(GetParam(), dir_);
    ASSERT_TRUE(client.ok()) << client.status().ToString();
    client_ = std::move(*client);
    CreateCollectionOptions o;
    o.name = "sparse";
    o.embedding_function = nullptr;  // explicit embeddings only (CI has no model)
    o.get_or_create = true;
    o.schema_json = std::move(schema);
    auto c = client_->CreateCollection(o);
    ASSERT_TRUE(c.ok()) << c.status().ToString();
    coll_ = *c;
  }

  Metadata MetaOf(const std::string& id) {
    GetOptions g;
    g.ids = std::vector<std::string>{id};
    auto r = coll_->Get(g);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    if (!r.ok() || r->ids.empty() || !(*r->metadatas)[0]) return {};
    return *(*r->metadatas)[0];
  }

  testutil::TempDir dir_;
  std::unique_ptr<Client> client_;
  std::shared_ptr<Collection> coll_;
};

TEST_P(SparseVectorTest, RoundTripsThroughTheStoreAndAReopen) {
  SparseVector a = Sv({1, 7, 4000000000u}, {0.5f, -1.25f, 0.1f});
  SparseVector b = Sv({3}, {2.0f});
  b.tokens = std::vector<std::string>{"héllo"};
  ASSERT_TRUE(coll_->Add(OneRecord("a", {{"sv", a}, {"n", int64_t{3}}})).ok());
  ASSERT_TRUE(coll_->Add(OneRecord("b", {{"sv", b}})).ok());
  Metadata ma = MetaOf("a");
  ASSERT_TRUE(ma.count("sv"));
  EXPECT_EQ(std::get<SparseVector>(ma["sv"]), a);  // float32 values bit for bit
  EXPECT_EQ(std::get<int64_t>(ma["n"]), 3);
  EXPECT_EQ(std::get<SparseVector>(MetaOf("b")["sv"]), b);
  // An empty sparse vector is valid (Chroma's BM25 gives one for a text of stopwords).
  ASSERT_TRUE(coll_->Add(OneRecord("e", {{"sv", Sv({}, {})}})).ok());
  EXPECT_EQ(std::get<SparseVector>(MetaOf("e")["sv"]), Sv({}, {}));
  if (GetParam()) {
    Open();
    EXPECT_EQ(std::get<SparseVector>(MetaOf("a")["sv"]), a);
    EXPECT_EQ(std::get<SparseVector>(MetaOf("b")["sv"]), b);
  }
  // An update replaces it; null deletes the key.
  RecordBatch u = OneRecord("a", {{"sv", b}});
  u.embeddings.reset();
  ASSERT_TRUE(coll_->Update(u).ok());
  EXPECT_EQ(std::get<SparseVector>(MetaOf("a")["sv"]), b);
  u.metadatas = std::vector<std::optional<Metadata>>{Metadata{{"sv", std::monostate{}}}};
  ASSERT_TRUE(coll_->Update(u).ok());
  EXPECT_FALSE(MetaOf("a").count("sv"));
}

TEST_P(SparseVectorTest, ChromasRulesRejectTheWholeBatch) {
  struct Case {
    SparseVector v;
    std::string message;
  };
  SparseVector tokens_short = Sv({1, 2}, {1, 2});
  tokens_short.tokens = std::vector<std::string>{"x"};
  std::vector<Case> cases = {
      {Sv({3, 1}, {1, 1}), "Sparse vector indices must be sorted in strictly ascending order (no duplicates)"},
      {Sv({1, 1}, {1, 1}), "Sparse vector indices must be sorted in strictly ascending order (no duplicates)"},
      {Sv({1, 2}, {1}), "Sparse vector indices, values, and tokens (when present) must have the same length"},
      {tokens_short, "Sparse vector indices, values, and tokens (when present) must have the same length"},
      {Sv({1}, {NAN}), "Sparse vector values must be finite"},
      {Sv({1}, {INFINITY}), "Sparse vector values must be finite"},
  };
  for (const auto& c : cases) {
    RecordBatch b;
    b.ids = {"ok", "bad"};
    b.embeddings = FloatMatrix(2, {1, 2, 3, 4});
    b.metadatas = std::vector<std::optional<Metadata>>{Metadata{{"sv", Sv({1}, {1})}}, Metadata{{"sv", c.v}}};
    Status s = coll_->Add(b);
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << s.ToString();
    EXPECT_NE(s.message().find(c.message), std::string::npos) << s.message();
    EXPECT_NE(s.message().find("Invalid sparse vector"), std::string::npos) << s.message();
    EXPECT_EQ(*coll_->Count(), 0);  // nothing of the batch was written
  }
}

TEST_P(SparseVectorTest, SchemaLearnsSparseKeysAndWhereRefusesThem) {
  ASSERT_TRUE(coll_->Add(OneRecord("a", {{"sv", Sv({1}, {1})}, {"tag", std::string("x")}})).ok());
  auto info = coll_->Info();
  ASSERT_TRUE(info.ok());
  const std::string& schema = info->configuration.schema_json;
  auto parsed = nlohmann::json::parse(schema);
  EXPECT_TRUE(parsed["keys"]["sv"]["sparse_vector"].contains("sparse_vector_index")) << schema;
  EXPECT_TRUE(parsed["keys"]["tag"].contains("string")) << schema;
  SparseQueryOptions q;
  q.key = "sv";
  q.query = Sv({1}, {1});
  q.where = *ParseWhere(R"({"sv": {"$eq": 1}})");
  auto r = coll_->QuerySparse(q);
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("sparse vector key 'sv'"), std::string::npos) << r.status().ToString();
  // A get with the same filter matches nothing (sparse values are no scalars), as in Chroma.
  GetOptions g;
  g.where = q.where;
  auto got = coll_->Get(g);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_TRUE(got->ids.empty());
}

TEST_P(SparseVectorTest, QuerySparseScoresAsChroma) {
  ASSERT_TRUE(coll_->Add(OneRecord("a", {{"sv", Sv({1, 2}, {1.0f, 2.0f})}})).ok());
  ASSERT_TRUE(coll_->Add(OneRecord("b", {{"sv", Sv({2, 3}, {0.5f, 4.0f})}})).ok());
  ASSERT_TRUE(coll_->Add(OneRecord("c", {{"sv", Sv({9}, {1.0f})}})).ok());
  ASSERT_TRUE(coll_->Add(OneRecord("d", {{"other", int64_t{1}}})).ok());
  SparseQueryOptions q;
  q.key = "sv";
  q.query = Sv({2, 3}, {1.0f, 0.25f});
  auto r = coll_->QuerySparse(q);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  // a: 1 - 2 = -1; b: 1 - (0.5 + 1) = -0.5; c shares no dimension; d has no vector.
  ASSERT_EQ(r->ids, (std::vector<std::string>{"a", "b"}));
  EXPECT_FLOAT_EQ(r->scores[0], -1.0f);
  EXPECT_FLOAT_EQ(r->scores[1], -0.5f);
  q.n_results = 1;
  EXPECT_EQ(coll_->QuerySparse(q)->ids, (std::vector<std::string>{"a"}));
  q.n_results = 0;
  EXPECT_EQ(coll_->QuerySparse(q).status().code(), StatusCode::kInvalidArgument);
  q.n_results = 5;
  q.query = Sv({3, 2}, {1, 1});
  EXPECT_EQ(coll_->QuerySparse(q).status().code(), StatusCode::kInvalidArgument);
  q.query = Sv({2}, {1});
  q.key = "missing";  // no record holds one and the schema declares none: a clear error
  auto none = coll_->QuerySparse(q);
  EXPECT_EQ(none.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(none.status().message().find("no sparse vectors under that key"), std::string::npos);
  q.key = "other";  // an int key
  EXPECT_EQ(coll_->QuerySparse(q).status().code(), StatusCode::kInvalidArgument);
}

// The reference: the records' sparse vectors as a plain map, scored by brute force.
struct Model {
  std::map<std::string, std::optional<SparseVector>> records;  // id -> its "sv" (none: no key)
  std::map<std::string, int64_t> group;                        // id -> its "g"
};

std::vector<std::pair<float, std::string>> Reference(const Model& m, const SparseVector& query, size_t n,
                                                     const std::optional<int64_t>& group, bool bm25,
                                                     const std::vector<std::string>& order) {
  SparseVector q = query;
  if (bm25) {
    const float total = float(m.records.size());
    for (size_t i = 0; i < q.indices.size(); ++i) {
      float nt = 0;
      for (const auto& [id, sv] : m.records) {
        if (sv && std::binary_search(sv->indices.begin(), sv->indices.end(), q.indices[i])) nt += 1;
      }
      q.values[i] = std::log1p((total - nt + 0.5f) / (nt + 0.5f)) * q.values[i];
    }
  }
  std::vector<std::pair<float, std::string>> out;
  std::vector<std::tuple<float, size_t, std::string>> scored;
  for (size_t pos = 0; pos < order.size(); ++pos) {
    const std::string& id = order[pos];
    const auto& sv = m.records.at(id);
    if (!sv) continue;
    if (group && m.group.at(id) != *group) continue;
    float dot = 0;
    bool shared = false;
    // Query dimensions ascending, float32 sums: the engine's order of operations.
    for (size_t i = 0; i < q.indices.size(); ++i) {
      auto it = std::lower_bound(sv->indices.begin(), sv->indices.end(), q.indices[i]);
      if (it == sv->indices.end() || *it != q.indices[i]) continue;
      dot += q.values[i] * sv->values[size_t(it - sv->indices.begin())];
      shared = true;
    }
    if (shared) scored.emplace_back(1.0f - dot, pos, id);
  }
  std::sort(scored.begin(), scored.end());
  for (size_t i = 0; i < scored.size() && i < n; ++i) out.emplace_back(std::get<0>(scored[i]), std::get<2>(scored[i]));
  return out;
}

class SparseModelTest : public ::testing::TestWithParam<std::tuple<bool, bool>> {};

TEST_P(SparseModelTest, QuerySparseMatchesBruteForceUnderRandomWrites) {
  const bool persistent = std::get<0>(GetParam());
  const bool bm25 = std::get<1>(GetParam());
  testutil::TempDir dir;
  auto client = testutil::OpenTestClient(persistent, dir);
  ASSERT_TRUE(client.ok());
  CreateCollectionOptions o;
  o.name = "model";
  o.embedding_function = nullptr;
  if (bm25) {
    o.schema_json =
        R"({"defaults": {}, "keys": {"sv": {"sparse_vector": {"sparse_vector_index": {"enabled": true, "config": {"bm25": true}}}}}})";
  }
  auto created = (*client)->CreateCollection(o);
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  std::shared_ptr<Collection> coll = *created;

  std::mt19937 rng(bm25 ? 7 : 11);
  auto random_sv = [&]() {
    std::set<uint32_t> dims;
    const int nnz = int(rng() % 6);
    while (int(dims.size()) < nnz) dims.insert(rng() % 40);
    SparseVector sv;
    for (uint32_t d : dims) {
      sv.indices.push_back(d);
      sv.values.push_back(float(int(rng() % 200) - 50) / 16.0f);
    }
    return sv;
  };
  Model model;
  std::vector<std::string> order;  // insertion order of the live ids
  int next_id = 0;
  for (int step = 0; step < 160; ++step) {
    const int op = int(rng() % 10);
    if (op < 5 || model.records.empty()) {  // add a batch
      RecordBatch b;
      std::vector<float> emb;
      std::vector<std::optional<Metadata>> metas;
      for (int i = 0; i < 1 + int(rng() % 6); ++i) {
        std::string id = "r" + std::to_string(next_id++);
        Metadata m{{"g", int64_t(rng() % 3)}};
        std::optional<SparseVector> sv;
        if (rng() % 5 != 0) {
          sv = random_sv();
          m["sv"] = *sv;
        }
        b.ids.push_back(id);
        emb.push_back(float(i));
        emb.push_back(1.0f);
        model.records[id] = sv;
        model.group[id] = std::get<int64_t>(m["g"]);
        order.push_back(id);
        metas.push_back(m);
      }
      b.embeddings = FloatMatrix(2, std::move(emb));
      b.metadatas = metas;
      ASSERT_TRUE(coll->Add(b).ok());
    } else if (op < 7) {  // update or upsert one: a new vector, or the key removed
      const std::string id = order[rng() % order.size()];
      RecordBatch b;
      b.ids = {id};
      Metadata m;
      if (rng() % 4 == 0) {
        m["sv"] = std::monostate{};
        model.records[id].reset();
      } else {
        SparseVector sv = random_sv();
        m["sv"] = sv;
        model.records[id] = sv;
      }
      b.metadatas = std::vector<std::optional<Metadata>>{m};
      const bool upsert = rng() % 2;
      if (upsert) b.embeddings = FloatMatrix(2, {0.5f, 0.5f});  // an upsert brings its embedding
      Status s = upsert ? coll->Upsert(b) : coll->Update(b);
      ASSERT_TRUE(s.ok()) << s.ToString();
    } else if (op < 9) {  // delete one, by id or by filter
      const std::string id = order[rng() % order.size()];
      DeleteOptions d;
      d.ids = std::vector<std::string>{id};
      ASSERT_TRUE(coll->Delete(d).ok());
      model.records.erase(id);
      model.group.erase(id);
      order.erase(std::find(order.begin(), order.end(), id));
    } else {
      ASSERT_TRUE(coll->Compact().ok());
    }
    if (step % 8 != 7) continue;
    for (int probe = 0; probe < 6; ++probe) {
      SparseQueryOptions q;
      q.key = "sv";
      q.query = random_sv();
      q.n_results = 1 + int64_t(rng() % 12);
      std::optional<int64_t> group;
      if (probe % 2 == 1) {
        group = int64_t(rng() % 3);
        q.where = *ParseWhere("{\"g\": " + std::to_string(*group) + "}");
      }
      auto got = coll->QuerySparse(q);
      ASSERT_TRUE(got.ok()) << got.status().ToString();
      auto want = Reference(model, q.query, size_t(q.n_results), group, bm25, order);
      ASSERT_EQ(got->ids.size(), want.size()) << "step " << step;
      for (size_t i = 0; i < want.size(); ++i) {
        EXPECT_EQ(got->ids[i], want[i].second) << "step " << step << " rank " << i;
        EXPECT_EQ(got->scores[i], want[i].first) << "step " << step << " rank " << i;
      }
    }
  }
  // A second handle of a fresh client (persistent: another engine would be another process's
  // view; here the same engine) answers the same.
  if (persistent) {
    coll.reset();
    client->reset();
    auto reopened = testutil::OpenTestClient(true, dir);
    ASSERT_TRUE(reopened.ok());
    auto c = (*reopened)->GetCollection("model");
    ASSERT_TRUE(c.ok());
    SparseQueryOptions q;
    q.key = "sv";
    q.query = Sv({1, 5, 9, 20}, {1, 1, 1, 1});
    q.n_results = 8;
    auto got = (*c)->QuerySparse(q);
    ASSERT_TRUE(got.ok());
    auto want = Reference(model, q.query, 8, std::nullopt, bm25, order);
    ASSERT_EQ(got->ids.size(), want.size());
    for (size_t i = 0; i < want.size(); ++i) EXPECT_EQ(got->ids[i], want[i].second);
  }
}

INSTANTIATE_TEST_SUITE_P(Clients, SparseVectorTest, ::testing::Bool(),
                         [](const auto& info) { return info.param ? "Persistent" : "Ephemeral"; });
INSTANTIATE_TEST_SUITE_P(Clients, SparseModelTest, ::testing::Combine(::testing::Bool(), ::testing::Bool()),
                         [](const auto& info) {
                           return std::string(std::get<0>(info.param) ? "Persistent" : "Ephemeral") +
                                  (std::get<1>(info.param) ? "Bm25" : "Plain");
                         });

}  // namespace
}  // namespace ochre

namespace ochre {
namespace {

// The sparse index is derived state kept per engine (process): another process's writes must make
// this process's next sparse query see them (the write_seq check in the slot), never a stale list.
// The child is forked before this process opens anything (no engine threads to fork), waits for
// the parent's index to be built, writes, and exits.
TEST(SparseIndexCrossProcessTest, AnotherProcesssWritesShowInTheNextSparseQuery) {
  testutil::TempDir dir;
  const std::string path = dir.Sub("db");
  int go[2], done[2];
  ASSERT_EQ(::pipe(go), 0);
  ASSERT_EQ(::pipe(done), 0);
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    ::alarm(120);  // a hang guard
    char c;
    if (::read(go[0], &c, 1) != 1) ::_exit(9);
    int code = 0;
    {
      auto client = PersistentClient::Open(path);
      if (!client.ok()) ::_exit(10);
      auto coll = (*client)->GetCollection("xproc");
      if (!coll.ok()) ::_exit(11);
      // A new record, a changed vector, a removed one, a deleted record.
      code |= (*coll)->Add(OneRecord("new", Metadata{{"sv", Sv({1, 2}, {5, 5})}})).ok() ? 0 : 1;
      RecordBatch u;
      u.ids = {"b"};
      u.metadatas = std::vector<std::optional<Metadata>>{Metadata{{"sv", Sv({1}, {0.25f})}}};
      code |= (*coll)->Update(u).ok() ? 0 : 2;
      RecordBatch r;
      r.ids = {"c"};
      r.metadatas = std::vector<std::optional<Metadata>>{Metadata{{"sv", std::monostate{}}}};
      code |= (*coll)->Update(r).ok() ? 0 : 4;
      DeleteOptions d;
      d.ids = std::vector<std::string>{"d"};
      code |= (*coll)->Delete(d).ok() ? 0 : 8;
    }
    char ok = char(code);
    ::_exit(::write(done[1], &ok, 1) == 1 ? code : 12);
  }
  auto client = PersistentClient::Open(path);
  ASSERT_TRUE(client.ok()) << client.status().ToString();
  CreateCollectionOptions o;
  o.name = "xproc";
  o.embedding_function = nullptr;
  auto coll = (*client)->CreateCollection(o);
  ASSERT_TRUE(coll.ok()) << coll.status().ToString();
  for (const char* id : {"a", "b", "c", "d"}) {
    const float w = float(id[0] - 'a' + 1);
    ASSERT_TRUE((*coll)->Add(OneRecord(id, Metadata{{"sv", Sv({1, 2}, {w, 1})}})).ok());
  }
  SparseQueryOptions q;
  q.key = "sv";
  q.query = Sv({1}, {1});
  q.n_results = 10;
  auto before = (*coll)->QuerySparse(q);  // builds this process's index
  ASSERT_TRUE(before.ok()) << before.status().ToString();
  EXPECT_EQ(before->ids, (std::vector<std::string>{"d", "c", "b", "a"}));

  ASSERT_EQ(::write(go[1], "g", 1), 1);
  char result = 0;
  ASSERT_EQ(::read(done[0], &result, 1), 1);
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status));
  ASSERT_EQ(WEXITSTATUS(status), 0) << "child step failed: " << int(result);

  auto after = (*coll)->QuerySparse(q);
  ASSERT_TRUE(after.ok()) << after.status().ToString();
  // new: 1 - 5; a: 1 - 1; b: 1 - 0.25; c has no vector any more, d is gone.
  EXPECT_EQ(after->ids, (std::vector<std::string>{"new", "a", "b"}));
  ASSERT_EQ(after->scores.size(), 3u);
  EXPECT_EQ(after->scores[0], -4.0f);
  EXPECT_EQ(after->scores[2], 0.75f);
  for (int fd : {go[0], go[1], done[0], done[1]}) ::close(fd);
}

}  // namespace
}  // namespace ochre
