// Copyright 2026 The OchreDB Authors.
//
// Whether a collection's ef_search was set (HnswConfig::ef_search_explicit): a default one lets the
// index widen the beam with the collection's size (index/hnsw/adaptive_ef.h), a set one is used as
// given, even when it is 100. Either way the configuration reads back as Chroma's (ef_search 100 by
// default, no field of ours in the "hnsw" object).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "api/collection_config.h"
#include "ochre/ochre.h"
#include "testutil/temp_dir.h"
#include "testutil/test_client.h"

namespace ochre::api {
namespace {

CollectionConfiguration Resolve(std::optional<CollectionConfigurationUpdate> requested,
                                std::optional<Metadata> metadata = std::nullopt) {
  auto c = ResolveConfiguration(requested, metadata, nullptr);
  EXPECT_TRUE(c.ok()) << c.status().ToString();
  return c.ok() ? *c : CollectionConfiguration{};
}

CollectionConfigurationUpdate EfSearch(int ef) {
  CollectionConfigurationUpdate u;
  u.hnsw = HnswConfigUpdate{};
  u.hnsw->ef_search = ef;
  return u;
}

TEST(SearchEfConfigTest, DefaultIsNotFixedAndReportsChromasDefault) {
  const CollectionConfiguration c = Resolve(std::nullopt);
  EXPECT_EQ(c.hnsw.ef_search, 100);
  EXPECT_FALSE(c.hnsw.ef_search_explicit);
  EXPECT_FALSE(c.hnsw.ef_search_fixed());
  // A configuration that names other parameters leaves ef_search the default.
  CollectionConfigurationUpdate u;
  u.hnsw = HnswConfigUpdate{};
  u.hnsw->space = Space::kCosine;
  u.hnsw->max_neighbors = 24;
  EXPECT_FALSE(Resolve(u).hnsw.ef_search_fixed());
}

TEST(SearchEfConfigTest, ExplicitEfSearchIsFixedEvenAtTheDefaultValue) {
  EXPECT_TRUE(Resolve(EfSearch(100)).hnsw.ef_search_fixed());
  EXPECT_TRUE(Resolve(EfSearch(40)).hnsw.ef_search_fixed());
  const CollectionConfiguration legacy = Resolve(std::nullopt, Metadata{{"hnsw:search_ef", int64_t{100}}});
  EXPECT_EQ(legacy.hnsw.ef_search, 100);
  EXPECT_TRUE(legacy.hnsw.ef_search_fixed());
  // A modify sets it too.
  auto modified = ApplyConfigurationUpdate(Resolve(std::nullopt), EfSearch(100));
  ASSERT_TRUE(modified.ok());
  EXPECT_TRUE(modified->hnsw.ef_search_fixed());
}

TEST(SearchEfConfigTest, StoredJsonKeepsTheFlagAndChromasHnswObject) {
  for (bool explicit_ef : {false, true}) {
    CollectionConfiguration c = explicit_ef ? Resolve(EfSearch(100)) : Resolve(std::nullopt);
    const std::string text = ConfigurationToJson(c);
    const auto j = nlohmann::json::parse(text);
    // The "hnsw" object holds Chroma's eight fields only.
    EXPECT_EQ(j["hnsw"].size(), 8u) << text;
    EXPECT_EQ(j["hnsw"]["ef_search"], 100);
    auto back = ConfigurationFromJson(text);
    ASSERT_TRUE(back.ok());
    EXPECT_EQ(back->hnsw.ef_search, 100);
    EXPECT_EQ(back->hnsw.ef_search_explicit, explicit_ef);
  }
}

TEST(SearchEfConfigTest, ConfigurationsStoredBeforeTheFlagReadAsBefore) {
  // A stored default is taken as the default; any other value was set.
  auto old_default = ConfigurationFromJson(R"({"hnsw":{"space":"l2","ef_search":100},"embedding_function":null})");
  ASSERT_TRUE(old_default.ok());
  EXPECT_FALSE(old_default->hnsw.ef_search_fixed());
  auto old_set = ConfigurationFromJson(R"({"hnsw":{"space":"l2","ef_search":64},"embedding_function":null})");
  ASSERT_TRUE(old_set.ok());
  EXPECT_EQ(old_set->hnsw.ef_search, 64);
  EXPECT_TRUE(old_set->hnsw.ef_search_fixed());
}

TEST(SearchEfConfigTest, NonDefaultValueIsFixedWithoutTheFlag) {
  // Configurations filled in field by field (imports, copies) carry no flag.
  HnswConfig h;
  h.ef_search = 50;
  EXPECT_TRUE(h.ef_search_fixed());
  h.ef_search = HnswConfig::kDefaultEfSearch;
  EXPECT_FALSE(h.ef_search_fixed());
}

class SearchEfCollectionTest : public ::testing::TestWithParam<bool> {
 protected:
  void SetUp() override {
    auto client = testutil::OpenTestClient(GetParam(), dir_);
    ASSERT_TRUE(client.ok()) << client.status().ToString();
    client_ = std::move(*client);
    ASSERT_TRUE(client_->Reset().ok());
  }

  std::shared_ptr<Collection> Create(const std::string& name, std::optional<CollectionConfigurationUpdate> config,
                                     std::optional<Metadata> metadata = std::nullopt) {
    CreateCollectionOptions o;
    o.embedding_function = MakeHashingEmbeddingFunction();  // explicit: CI has no model
    o.name = name;
    o.configuration = config;
    o.metadata = metadata;
    auto c = client_->CreateCollection(o);
    EXPECT_TRUE(c.ok()) << c.status().ToString();
    return c.ok() ? *c : nullptr;
  }

  HnswConfig Read(const std::string& name) {
    auto c = client_->GetCollection(name);
    EXPECT_TRUE(c.ok());
    if (!c.ok()) return {};
    auto info = (*c)->Info();
    EXPECT_TRUE(info.ok());
    return info.ok() ? info->configuration.hnsw : HnswConfig{};
  }

  testutil::TempDir dir_;
  std::unique_ptr<Client> client_;
};

TEST_P(SearchEfCollectionTest, FlagSurvivesTheCatalogAndModify) {
  Create("default", std::nullopt);
  Create("config100", EfSearch(100));
  Create("meta100", std::nullopt, Metadata{{"hnsw:search_ef", int64_t{100}}});
  EXPECT_EQ(Read("default").ef_search, 100);
  EXPECT_FALSE(Read("default").ef_search_fixed());
  EXPECT_EQ(Read("config100").ef_search, 100);
  EXPECT_TRUE(Read("config100").ef_search_fixed());
  EXPECT_TRUE(Read("meta100").ef_search_fixed());
  auto c = client_->GetCollection("default");
  ASSERT_TRUE(c.ok());
  ASSERT_TRUE((*c)->Modify(std::nullopt, std::nullopt, EfSearch(100)).ok());
  EXPECT_TRUE(Read("default").ef_search_fixed());
  EXPECT_EQ(Read("default").ef_search, 100);
}

TEST_P(SearchEfCollectionTest, DefaultAndFixedEfAnswerQueries) {
  for (const char* name : {"adaptive", "fixed"}) {
    auto c = Create(name, std::string(name) == "adaptive" ? std::nullopt : std::optional(EfSearch(12)));
    RecordBatch b;
    b.ids = {"x", "y", "z"};
    b.embeddings = FloatMatrix(2, {1, 0, 0, 1, 1, 1});
    ASSERT_TRUE(c->Add(b).ok());
    QueryOptions q;
    q.query_embeddings = FloatMatrix(2, {1, 0.1f});
    q.n_results = 2;
    auto r = c->Query(q);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ(r->ids[0], (std::vector<std::string>{"x", "z"}));
  }
}

INSTANTIATE_TEST_SUITE_P(Clients, SearchEfCollectionTest, ::testing::Values(false, true),
                         [](const auto& info) { return info.param ? "Persistent" : "Ephemeral"; });

}  // namespace
}  // namespace ochre::api
