// Copyright 2026 The OchreDB Authors.
//
// Collection schemas (api/collection_schema.h) through the public API: the schema a creation
// implies and stores, the configuration a schema sets, keys added as records are written (only
// those of records actually written), and malformed schemas refused with nothing created.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "ochre/ochre.h"
#include "testutil/temp_dir.h"
#include "testutil/test_client.h"

namespace ochre {
namespace {

using nlohmann::json;

class CollectionSchemaTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto c = testutil::OpenTestClient(/*persistent=*/true, dir_);
    ASSERT_TRUE(c.ok()) << c.status().ToString();
    client_ = std::move(*c);
  }
  Result<std::shared_ptr<Collection>> Create(const std::string& name, std::optional<std::string> schema) {
    CreateCollectionOptions o;
    o.embedding_function = MakeHashingEmbeddingFunction();  // explicit: CI has no model
    o.name = name;
    o.embedding_function = nullptr;
    o.schema_json = std::move(schema);
    return client_->CreateCollection(o);
  }
  json SchemaOf(const std::shared_ptr<Collection>& c) {
    auto info = c->Info();
    EXPECT_TRUE(info.ok());
    return json::parse(info->configuration.schema_json);
  }
  testutil::TempDir dir_;
  std::unique_ptr<Client> client_;
};

TEST_F(CollectionSchemaTest, SchemaSetsSpaceHnswAndEmbeddingFunction) {
  auto c = Create("from_schema", R"({"defaults":{},"keys":{"#embedding":{"float_list":{"vector_index":{
      "enabled":true,"config":{"space":"ip","hnsw":{"ef_search":50},
      "embedding_function":{"type":"known","name":"my_ef","config":{"dim":3}}}}}}}})");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  auto info = (*c)->Info();
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->configuration.hnsw.space, Space::kIp);
  EXPECT_EQ(info->configuration.hnsw.ef_search, 50);
  ASSERT_TRUE(info->configuration.embedding_function.has_value());
  EXPECT_EQ(info->configuration.embedding_function->name, "my_ef");
  json s = SchemaOf(*c);
  const json& vc = s["keys"]["#embedding"]["float_list"]["vector_index"]["config"];
  EXPECT_EQ(vc["space"], "ip");
  EXPECT_EQ(vc["hnsw"]["ef_search"], 50);
  EXPECT_EQ(vc["hnsw"]["ef_construction"], 100);
  EXPECT_EQ(vc["source_key"], "#document");
  EXPECT_EQ(vc["embedding_function"]["config"]["dim"], 3);
  EXPECT_EQ(s["defaults"]["float_list"]["vector_index"]["config"]["space"], "ip");
}

TEST_F(CollectionSchemaTest, KeysOfWrittenRecordsAreAddedOnceWithTheirTypes) {
  auto c = Create("seen", std::nullopt);
  ASSERT_TRUE(c.ok());
  RecordBatch b;
  b.ids = {"a", "b"};
  b.embeddings = FloatMatrix(2, {1, 2, 3, 4});
  b.metadatas = std::vector<std::optional<Metadata>>{Metadata{{"color", std::string("red")}, {"n", int64_t(1)}},
                                                     Metadata{{"n", 2.5}, {"tags", std::vector<std::string>{"x"}}}};
  ASSERT_TRUE((*c)->Add(b).ok());
  // An update of a missing id writes nothing, so its keys are not added.
  RecordBatch u;
  u.ids = {"ghost"};
  u.metadatas = std::vector<std::optional<Metadata>>{Metadata{{"never", true}}};
  ASSERT_TRUE((*c)->Update(u).ok());
  json keys = SchemaOf(*c)["keys"];
  EXPECT_TRUE(keys["color"].contains("string"));
  EXPECT_TRUE(keys["n"].contains("int"));
  EXPECT_TRUE(keys["n"].contains("float"));
  EXPECT_TRUE(keys["tags"].contains("string"));
  EXPECT_FALSE(keys.contains("never"));
  EXPECT_EQ(keys["color"]["string"]["string_inverted_index"]["enabled"], true);
  EXPECT_EQ(keys["color"]["string"]["fts_index"]["enabled"], false);
}

TEST_F(CollectionSchemaTest, MalformedSchemasAreRefusedAndCreateNothing) {
  const char* bad[] = {
      R"({"keys":{}})",
      R"({"defaults":[],"keys":{}})",
      R"({"defaults":{"strung":{}},"keys":{}})",
      R"({"defaults":{},"keys":{"x":{"int":{"fts_index":{"enabled":true,"config":{}}}}}})",
      R"({"defaults":{},"keys":{"x":{"string":{"fts_index":{"enabled":true,"config":{}}}}}})",
      R"({"defaults":{},"keys":{"#embedding":{"float_list":{"vector_index":{"enabled":true,"config":{"space":"l1"}}}}}})",
      R"({"defaults":{},"keys":{"#embedding":{"float_list":{"vector_index":{"enabled":true,"config":{"hnsw":{"ef_search":0}}}}}}})",
      R"({"defaults":{},"keys":{"#embedding":{"float_list":{"vector_index":{"enabled":true,"config":{"hnsw":{"m":3}}}}}}})",
      "not json",
  };
  for (const char* s : bad) {
    auto c = Create("bad", std::string(s));
    EXPECT_FALSE(c.ok()) << s;
    if (!c.ok()) EXPECT_EQ(c.status().code(), StatusCode::kInvalidArgument) << s;
  }
  auto n = client_->CountCollections();
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 0);
}

TEST_F(CollectionSchemaTest, ConfigurationAndSchemaSettingTheVectorIndexConflict) {
  CreateCollectionOptions o;
  o.embedding_function = MakeHashingEmbeddingFunction();  // explicit: CI has no model
  o.name = "both";
  o.embedding_function = nullptr;
  o.configuration = CollectionConfigurationUpdate{};
  o.configuration->hnsw = HnswConfigUpdate{};
  o.configuration->hnsw->space = Space::kCosine;
  o.schema_json =
      R"({"defaults":{},"keys":{"#embedding":{"float_list":{"vector_index":{"enabled":true,"config":{"space":"ip"}}}}}})";
  auto c = client_->CreateCollection(o);
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("Cannot set both"), std::string::npos);
  // An empty schema does not conflict: the configuration applies.
  o.schema_json = R"({"defaults":{},"keys":{}})";
  c = client_->CreateCollection(o);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(SchemaOf(*c)["keys"]["#embedding"]["float_list"]["vector_index"]["config"]["space"], "cosine");
}

}  // namespace
}  // namespace ochre
