// Copyright 2026 The OchreDB Authors.
//
// all-MiniLM-L6-v2 is the default embedding function: collections made without one record Chroma's
// "default" with config {}, need no model until something is embedded, fail offline with the paths
// searched and the install commands, and rebuild "default" / "onnx_mini_lm_l6_v2" records as MiniLM.
// The hashing function stays available by name. Models here are generated (random weights).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <optional>

#include "common/file.h"
#include "ochre/ochre.h"
#include "testutil/minilm_onnx_writer.h"
#include "testutil/temp_dir.h"

namespace ochre {
namespace {

class DefaultEmbeddingTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* v : {"HOME", "OCHRE_CACHE_DIR", "OCHRE_MODEL_DIR", "XDG_CACHE_HOME", "OCHRE_OFFLINE"}) {
      const char* old = std::getenv(v);
      saved_.emplace_back(v, old ? std::optional<std::string>(old) : std::nullopt);
    }
    ::setenv("HOME", dir_.Sub("home").c_str(), 1);
    ::setenv("OCHRE_CACHE_DIR", dir_.Sub("cache").c_str(), 1);
    ::setenv("OCHRE_MODEL_DIR", dir_.Sub("models").c_str(), 1);
    ::unsetenv("XDG_CACHE_HOME");
    ::setenv("OCHRE_OFFLINE", "1", 1);  // never download from a test
  }
  void TearDown() override {
    for (auto& [k, v] : saved_) v ? (void)::setenv(k.c_str(), v->c_str(), 1) : (void)::unsetenv(k.c_str());
  }
  // A random-weight MiniLM-L6 with a 1,000-token vocabulary in $OCHRE_MODEL_DIR.
  void InstallGeneratedModel() {
    ASSERT_TRUE(CreateDirs(dir_.Sub("models")).ok());
    std::ofstream(dir_.Sub("models/model.onnx"), std::ios::binary) << testutil::MakeMiniLmOnnx({});
    std::string v = "[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\n";
    for (int i = 5; i < 1000; ++i) v += "w" + std::to_string(i) + "\n";
    std::ofstream(dir_.Sub("models/vocab.txt"), std::ios::binary) << v;
  }
  std::unique_ptr<Client> Open() {
    auto c = PersistentClient::Open(dir_.Sub("db"));
    EXPECT_TRUE(c.ok()) << c.status().ToString();
    return c.ok() ? std::move(*c) : nullptr;
  }
  static RecordBatch Docs() {
    RecordBatch b;
    b.ids = {"a", "b"};
    b.documents = std::vector<std::optional<std::string>>{"w10 w11 w12", "w500 w600"};
    return b;
  }

  testutil::TempDir dir_;
  std::vector<std::pair<std::string, std::optional<std::string>>> saved_;
};

// First in the file: the process's MiniLM instance must not have loaded a model yet.
TEST_F(DefaultEmbeddingTest, WithoutTheModelCollectionsAreMadeButEmbeddingFailsNamingPathsAndCommands) {
  auto client = Open();
  ASSERT_TRUE(client);
  CreateCollectionOptions o;
  o.name = "implicit";
  auto c = client->CreateCollection(o);  // no model needed to create
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  auto info = (*c)->Info();
  ASSERT_TRUE(info.ok());
  const auto& ef = info->configuration.embedding_function;
  ASSERT_TRUE(ef.has_value());
  EXPECT_EQ(ef->name, "default");
  EXPECT_EQ(ef->config_json, "{}");
  // Explicit embeddings need no model.
  RecordBatch e;
  e.ids = {"e"};
  e.embeddings = FloatMatrix(384, std::vector<float>(384, 0.5f));
  ASSERT_TRUE((*c)->Add(e).ok());
  Status s = (*c)->Add(Docs());
  ASSERT_FALSE(s.ok());
  EXPECT_TRUE(s.IsNotFound()) << s.ToString();
  EXPECT_NE(s.message().find(dir_.Sub("models")), std::string::npos) << s.message();
  EXPECT_NE(s.message().find(dir_.Sub("cache")), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("ochre model pull"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("ochre model import"), std::string::npos) << s.message();
  auto count = (*c)->Count();
  ASSERT_TRUE(count.ok());
  EXPECT_EQ(*count, 1);  // the failed add changed nothing
  QueryOptions q;
  q.query_texts = std::vector<std::string>{"w10"};
  EXPECT_TRUE((*c)->Query(q).status().IsNotFound());
}

TEST_F(DefaultEmbeddingTest, TheDefaultIsMiniLmUnderChromasNames) {
  auto d = DefaultEmbeddingFunction();
  EXPECT_EQ(d->Name(), "default");
  EXPECT_EQ(d->ConfigJson(), "{}");
  for (const char* name : {"default", "onnx_mini_lm_l6_v2"}) {
    auto built = EmbeddingFunctionFromDescriptor({"known", name, "{}"});
    ASSERT_TRUE(built.ok()) << name;
    EXPECT_EQ((*built)->Name(), "default") << name;
  }
  auto hashing = EmbeddingFunctionFromDescriptor({"known", "ochre_hashing", "{\"dim\":16}"});
  ASSERT_TRUE(hashing.ok());
  EXPECT_EQ((*hashing)->Name(), "ochre_hashing");
  EXPECT_TRUE(EmbeddingFunctionFromDescriptor({"known", "openai", "{}"}).status().IsNotFound());
}

TEST_F(DefaultEmbeddingTest, HashingCollectionsKeepWorkingWithoutAModel) {
  auto client = Open();
  ASSERT_TRUE(client);
  CreateCollectionOptions o;
  o.name = "hashing";
  o.embedding_function = MakeHashingEmbeddingFunction();
  ASSERT_TRUE(client->CreateCollection(o).ok());
  client.reset();
  client = Open();
  auto c = client->GetCollection("hashing");  // rebuilt from the record
  ASSERT_TRUE(c.ok());
  ASSERT_TRUE((*c)->Add(Docs()).ok());
  QueryOptions q;
  q.query_texts = std::vector<std::string>{"w10 w11"};
  q.n_results = 1;
  auto r = (*c)->Query(q);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->ids[0][0], "a");
}

// Run in a child process: it loads the process's MiniLM instance (with the generated model), which
// must stay unloaded for the other tests of this binary when they run in one process.
TEST_F(DefaultEmbeddingTest, ACollectionRecordedAsDefaultEmbedsWithTheModelOnceInstalled) {
  ASSERT_NO_FATAL_FAILURE(InstallGeneratedModel());
  {
    auto client = Open();
    ASSERT_TRUE(client);
    CreateCollectionOptions o;
    o.name = "implicit";
    ASSERT_TRUE(client->CreateCollection(o).ok());
  }
  auto direct = LoadMiniLmEmbeddingFunction(dir_.Sub("models"));
  ASSERT_TRUE(direct.ok()) << direct.status().ToString();
  auto want = (*direct)->Embed({"w10 w11 w12", "w500 w600"});
  ASSERT_TRUE(want.ok());
  EXPECT_EXIT(
      {
        auto client = PersistentClient::Open(dir_.Sub("db"));
        if (!client.ok()) std::_Exit(2);
        auto c = (*client)->GetCollection("implicit");  // "default" rebuilt as MiniLM
        if (!c.ok() || !(*c)->Add(Docs()).ok()) std::_Exit(3);
        GetOptions g;
        g.include.embeddings = true;
        auto got = (*c)->Get(g);
        if (!got.ok() || !got->embeddings || got->embeddings->rows() != 2) std::_Exit(4);
        for (size_t i = 0; i < 2; ++i)
          for (size_t d = 0; d < 384; ++d)
            if (std::abs(got->embeddings->row(i)[d] - want->row(i)[d]) > 1e-6f) std::_Exit(5);
        std::_Exit(0);
      },
      ::testing::ExitedWithCode(0), "");
}

}  // namespace
}  // namespace ochre
