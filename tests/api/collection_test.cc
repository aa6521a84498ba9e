// Copyright 2026 The OchreDB Authors.
//
// Collection semantics through the public API, checked against Chroma's documented behaviour
// (CHROMA_SPEC §3). Runs on both clients: the ephemeral one and a persistent one in a temp dir.
#include <gtest/gtest.h>

#include <cmath>

#include "ochre/ochre.h"
#include "testutil/temp_dir.h"
#include "testutil/test_client.h"

namespace ochre {
namespace {

class CollectionTest : public ::testing::TestWithParam<bool> {
 protected:
  void SetUp() override {
    auto client = testutil::OpenTestClient(GetParam(), dir_);
    ASSERT_TRUE(client.ok()) << client.status().ToString();
    client_ = std::move(*client);
    ASSERT_TRUE(client_->Reset().ok());
  }

  std::shared_ptr<Collection> Create(const std::string& name, Space space = Space::kL2) {
    CreateCollectionOptions o;
    o.embedding_function = MakeHashingEmbeddingFunction();  // explicit: CI has no model
    o.name = name;
    o.configuration = CollectionConfigurationUpdate{};
    o.configuration->hnsw = HnswConfigUpdate{};
    o.configuration->hnsw->space = space;
    auto c = client_->CreateCollection(o);
    EXPECT_TRUE(c.ok()) << c.status().ToString();
    return c.ok() ? *c : nullptr;
  }

  static RecordBatch Batch(std::vector<std::string> ids, std::vector<std::vector<float>> vecs,
                           std::vector<std::optional<std::string>> docs = {},
                           std::vector<std::optional<Metadata>> metas = {}) {
    RecordBatch b;
    b.ids = std::move(ids);
    if (!vecs.empty()) b.embeddings = *FloatMatrix::FromRows(vecs);
    if (!docs.empty()) b.documents = std::move(docs);
    if (!metas.empty()) b.metadatas = std::move(metas);
    return b;
  }

  testutil::TempDir dir_;
  std::unique_ptr<Client> client_;
};

TEST_P(CollectionTest, AddThenGetReturnsRecordsInInsertionOrder) {
  auto c = Create("things");
  ASSERT_TRUE(c->Add(Batch({"b", "a", "c"}, {{1, 0}, {0, 1}, {1, 1}}, {"doc b", "doc a", std::nullopt},
                           {Metadata{{"k", int64_t{1}}}, std::nullopt, Metadata{{"s", std::string("x")}}}))
                  .ok());
  GetOptions o;
  o.ids = std::vector<std::string>{"c", "b"};
  o.include = Include::All();
  o.include.distances = false;
  auto r = c->Get(o);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->ids, (std::vector<std::string>{"b", "c"}));  // insertion order, not request order
  EXPECT_EQ((*r->documents)[0], "doc b");
  EXPECT_EQ((*r->documents)[1], std::nullopt);
  EXPECT_EQ(std::get<int64_t>((*(*r->metadatas)[0]).at("k")), 1);
  EXPECT_EQ(r->embeddings->RowVector(1), (std::vector<float>{1, 1}));
  EXPECT_EQ(*c->Count(), 3);
}

TEST_P(CollectionTest, AddOfAnExistingIdIsIgnored) {
  auto c = Create("things");
  ASSERT_TRUE(c->Add(Batch({"a"}, {{1, 2}}, {"first"})).ok());
  ASSERT_TRUE(c->Add(Batch({"a", "b"}, {{9, 9}, {3, 4}}, {"second", "b"})).ok());
  GetOptions o;
  o.include = Include::All();
  o.include.distances = false;
  auto r = c->Get(o);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->ids, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ((*r->documents)[0], "first");
  EXPECT_EQ(r->embeddings->RowVector(0), (std::vector<float>{1, 2}));
}

TEST_P(CollectionTest, UpdateMergesMetadataAndNullDeletesAKey) {
  auto c = Create("things");
  ASSERT_TRUE(c->Add(Batch({"a"}, {{1, 2}}, {"doc"}, {Metadata{{"x", int64_t{1}}, {"y", std::string("keep")}}})).ok());
  RecordBatch u;
  u.ids = {"a", "missing"};
  u.metadatas =
      std::vector<std::optional<Metadata>>{Metadata{{"x", std::monostate{}}, {"z", true}}, Metadata{{"q", int64_t{1}}}};
  ASSERT_TRUE(c->Update(u).ok());
  auto r = c->Get({});
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->ids.size(), 1u);  // update of a missing id is ignored
  Metadata expected{{"y", std::string("keep")}, {"z", true}};
  EXPECT_EQ(*(*r->metadatas)[0], expected);
  EXPECT_EQ((*r->documents)[0], "doc");
}

TEST_P(CollectionTest, UpsertInsertsNewIdsAndUpdatesExistingOnesInPlace) {
  auto c = Create("things");
  ASSERT_TRUE(c->Add(Batch({"a", "b"}, {{1, 0}, {0, 1}})).ok());
  ASSERT_TRUE(c->Upsert(Batch({"a", "c"}, {{5, 5}, {2, 2}}, {"A", "C"})).ok());
  GetOptions o;
  o.include = Include{true, true, false, false, false};
  auto r = c->Get(o);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->ids, (std::vector<std::string>{"a", "b", "c"}));  // a keeps its place
  EXPECT_EQ(r->embeddings->RowVector(0), (std::vector<float>{5, 5}));
  EXPECT_EQ((*r->documents)[0], "A");
  // The old vector of "a" is gone from queries.
  QueryOptions q;
  q.query_embeddings = *FloatMatrix::FromRows({{1, 0}});
  q.n_results = 3;
  auto qr = c->Query(q);
  ASSERT_TRUE(qr.ok());
  EXPECT_EQ(qr->ids[0], (std::vector<std::string>{"b", "c", "a"}));
}

TEST_P(CollectionTest, QueryReturnsChromaDistancesForEachSpace) {
  for (Space space : {Space::kL2, Space::kIp, Space::kCosine}) {
    auto c = Create(std::string("space-") + SpaceName(space), space);
    ASSERT_TRUE(c->Add(Batch({"x", "y"}, {{3, 4}, {1, 0}})).ok());
    QueryOptions q;
    q.query_embeddings = *FloatMatrix::FromRows({{1, 0}});
    q.n_results = 2;
    auto r = c->Query(q);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    const auto& d = (*r->distances)[0];
    ASSERT_EQ(d.size(), 2u);
    if (space == Space::kL2) {
      EXPECT_EQ(r->ids[0], (std::vector<std::string>{"y", "x"}));
      EXPECT_NEAR(d[0], 0.0, 1e-6);
      EXPECT_NEAR(d[1], 4.0 + 16.0, 1e-5);  // squared, no sqrt
    } else if (space == Space::kIp) {
      EXPECT_EQ(r->ids[0], (std::vector<std::string>{"x", "y"}));
      EXPECT_NEAR(d[0], 1.0 - 3.0, 1e-5);
      EXPECT_NEAR(d[1], 0.0, 1e-6);
    } else {
      EXPECT_EQ(r->ids[0], (std::vector<std::string>{"y", "x"}));
      EXPECT_NEAR(d[0], 0.0, 1e-6);
      EXPECT_NEAR(d[1], 1.0 - 0.6, 1e-5);
      // get returns the original, unnormalized vector.
      GetOptions g;
      g.ids = std::vector<std::string>{"x"};
      g.include = Include{false, true, false, false, false};
      EXPECT_EQ(c->Get(g)->embeddings->RowVector(0), (std::vector<float>{3, 4}));
    }
  }
}

TEST_P(CollectionTest, QueryWithMoreResultsThanRecordsReturnsAllAndEmptyCollectionReturnsEmpty) {
  auto c = Create("things");
  QueryOptions q;
  q.query_embeddings = *FloatMatrix::FromRows({{1, 0, 0}, {0, 1, 0}});
  auto empty = c->Query(q);
  ASSERT_TRUE(empty.ok());
  ASSERT_EQ(empty->ids.size(), 2u);
  EXPECT_TRUE(empty->ids[0].empty());
  ASSERT_TRUE(c->Add(Batch({"a", "b"}, {{1, 0, 0}, {0, 1, 0}})).ok());
  q.n_results = 1000000000;
  auto r = c->Query(q);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->ids[0], (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(r->ids[1], (std::vector<std::string>{"b", "a"}));
}

TEST_P(CollectionTest, WhereAndWhereDocumentFilterGetQueryAndDelete) {
  auto c = Create("things");
  ASSERT_TRUE(
      c->Add(Batch({"a", "b", "c", "d"}, {{1, 0}, {2, 0}, {3, 0}, {4, 0}},
                   {"red apple", "green apple", "red car", std::nullopt},
                   {Metadata{{"n", int64_t{1}}}, Metadata{{"n", 2.0}}, Metadata{{"n", int64_t{3}}}, std::nullopt}))
          .ok());
  auto where = ParseWhere(R"({"n": {"$gte": 2}})");
  ASSERT_TRUE(where.ok()) << where.status().ToString();
  GetOptions g;
  g.where = *where;
  EXPECT_EQ(c->Get(g)->ids, (std::vector<std::string>{"b", "c"}));  // int and float compare across types

  auto ne = ParseWhere(R"({"n": {"$ne": 1}})");
  g.where = *ne;
  EXPECT_EQ(c->Get(g)->ids, (std::vector<std::string>{"b", "c", "d"}));  // $ne matches a missing key

  auto doc = ParseWhereDocument(R"({"$contains": "red"})");
  ASSERT_TRUE(doc.ok());
  GetOptions gd;
  gd.where_document = *doc;
  EXPECT_EQ(c->Get(gd)->ids, (std::vector<std::string>{"a", "c"}));

  QueryOptions q;
  q.query_embeddings = *FloatMatrix::FromRows({{0, 0}});
  q.where_document = *doc;
  auto qr = c->Query(q);
  ASSERT_TRUE(qr.ok());
  EXPECT_EQ(qr->ids[0], (std::vector<std::string>{"a", "c"}));

  DeleteOptions del;
  del.where = *where;
  EXPECT_EQ(*c->Delete(del), 2);
  EXPECT_EQ(*c->Count(), 2);
  EXPECT_EQ(c->Get({})->ids, (std::vector<std::string>{"a", "d"}));
}

TEST_P(CollectionTest, DeleteByIdsReportsTheNumberOfIdsGiven) {
  auto c = Create("things");
  ASSERT_TRUE(c->Add(Batch({"a", "b"}, {{1}, {2}})).ok());
  DeleteOptions d;
  d.ids = std::vector<std::string>{"a", "nope"};
  EXPECT_EQ(*c->Delete(d), 2);
  EXPECT_EQ(c->Get({})->ids, (std::vector<std::string>{"b"}));
  QueryOptions q;
  q.query_embeddings = *FloatMatrix::FromRows({{1}});
  EXPECT_EQ(c->Query(q)->ids[0], (std::vector<std::string>{"b"}));
}

TEST_P(CollectionTest, DocumentsWithoutEmbeddingsAreEmbeddedByTheCollectionsFunction) {
  CreateCollectionOptions o;
  o.embedding_function = MakeHashingEmbeddingFunction();  // explicit: CI has no model
  o.name = "texts";
  auto c = client_->CreateCollection(o);
  ASSERT_TRUE(c.ok());
  RecordBatch b;
  b.ids = {"cat", "car"};
  b.documents = std::vector<std::optional<std::string>>{"the cat sat on the mat", "a fast red car"};
  ASSERT_TRUE((*c)->Add(b).ok());
  QueryOptions q;
  q.query_texts = std::vector<std::string>{"a cat on a mat"};
  q.n_results = 1;
  auto r = (*c)->Query(q);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->ids[0], (std::vector<std::string>{"cat"}));
  auto info = (*c)->Info();
  ASSERT_TRUE(info->configuration.embedding_function.has_value());
  EXPECT_EQ(info->configuration.embedding_function->name, "ochre_hashing");
  EXPECT_EQ(info->dimension, 384);
}

TEST_P(CollectionTest, DimensionIsFixedByTheFirstWriteWithEmbeddings) {
  auto c = Create("things");
  EXPECT_FALSE((*c->Info()).dimension.has_value());
  ASSERT_TRUE(c->Add(Batch({"a"}, {{1, 2, 3}})).ok());
  EXPECT_EQ((*c->Info()).dimension, 3);
  Status s = c->Add(Batch({"b"}, {{1, 2}}));
  EXPECT_EQ(s.invalid_kind(), InvalidKind::kDimensionMismatch);
  EXPECT_EQ(s.message(), "Collection expecting embedding with dimension of 3, got 2");
  QueryOptions q;
  q.query_embeddings = *FloatMatrix::FromRows({{1, 2}});
  EXPECT_EQ(c->Query(q).status().invalid_kind(), InvalidKind::kDimensionMismatch);
}

TEST_P(CollectionTest, ADeletedCollectionsHandleAnswersNotFound) {
  auto c = Create("doomed");
  ASSERT_TRUE(c->Add(Batch({"a"}, {{1}})).ok());
  ASSERT_TRUE(client_->DeleteCollection("doomed").ok());
  Status s = c->Add(Batch({"b"}, {{1}}));
  EXPECT_TRUE(s.IsNotFound());
  EXPECT_EQ(s.message(), "Collection [" + c->id() + "] does not exist.");
  EXPECT_TRUE(c->Count().status().IsNotFound());
  EXPECT_TRUE(client_->GetCollection("doomed").status().IsNotFound());
}

TEST_P(CollectionTest, QueryByIdsRestrictsResultsAndAnUnknownIdFails) {
  auto c = Create("things");
  ASSERT_TRUE(c->Add(Batch({"a", "b", "c"}, {{1}, {2}, {3}})).ok());
  QueryOptions q;
  q.query_embeddings = *FloatMatrix::FromRows({{3}});
  q.ids = std::vector<std::string>{"a", "b"};
  EXPECT_EQ(c->Query(q)->ids[0], (std::vector<std::string>{"b", "a"}));
  q.ids = std::vector<std::string>{"a", "zzz"};
  EXPECT_FALSE(c->Query(q).ok());
}

TEST_P(CollectionTest, ModifyRenamesReplacesMetadataAndChangesEfSearch) {
  auto c = Create("before");
  Create("taken");
  EXPECT_TRUE(c->Modify(std::string("taken"), std::nullopt, std::nullopt).IsAlreadyExists());
  ASSERT_TRUE(c->Modify(std::string("after"), Metadata{{"a", int64_t{1}}}, std::nullopt).ok());
  CollectionConfigurationUpdate u;
  u.hnsw = HnswConfigUpdate{};
  u.hnsw->ef_search = 42;
  ASSERT_TRUE(c->Modify(std::nullopt, std::nullopt, u).ok());
  auto got = client_->GetCollection("after");
  ASSERT_TRUE(got.ok());
  auto info = (*got)->Info();
  EXPECT_EQ(info->metadata, (Metadata{{"a", int64_t{1}}}));
  EXPECT_EQ(info->configuration.hnsw.ef_search, 42);
  u.hnsw->space = Space::kIp;
  EXPECT_TRUE(c->Modify(std::nullopt, std::nullopt, u).IsInvalidArgument());
  EXPECT_TRUE(c->Modify(std::nullopt, Metadata{{"hnsw:space", std::string("ip")}}, std::nullopt).IsInvalidArgument());
}

INSTANTIATE_TEST_SUITE_P(Clients, CollectionTest, ::testing::Values(false, true),
                         [](const auto& info) { return info.param ? "Persistent" : "Ephemeral"; });

}  // namespace
}  // namespace ochre
