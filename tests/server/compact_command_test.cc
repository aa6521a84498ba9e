// Copyright 2026 The OchreDB Authors.
//
// `ochre compact` (src/cli/compact_command.cc): compacts one or every collection of a database and
// reports rows and bytes before and after; a missing collection is a clear error and exit code 2.
#include "cli/compact_command.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <string>
#include <utility>

#include "ochre/ochre.h"
#include "testutil/captured_output.h"

namespace ochre::cli {
namespace {

class CompactCommandTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = (std::filesystem::temp_directory_path() / ("ochre-compact-cli-" + std::to_string(::getpid()))).string();
    std::filesystem::remove_all(path_);
    auto client = PersistentClient::Open(path_);
    ASSERT_TRUE(client.ok()) << client.status().ToString();
    for (const char* name : {"alpha", "beta"}) {
      CreateCollectionOptions o;
      o.embedding_function = MakeHashingEmbeddingFunction();  // explicit: CI has no model
      o.name = name;
      o.embedding_function = nullptr;
      auto c = (*client)->CreateCollection(o);
      ASSERT_TRUE(c.ok());
      RecordBatch b;
      std::vector<float> data;
      for (int i = 0; i < 500; ++i) {
        b.ids.push_back("id" + std::to_string(i));
        for (int d = 0; d < 4; ++d) data.push_back(float(i * 4 + d));
      }
      b.embeddings = FloatMatrix(4, std::move(data));
      ASSERT_TRUE((*c)->Add(b).ok());
      if (std::string(name) == "alpha") {
        DeleteOptions del;
        del.ids.emplace(b.ids.begin(), b.ids.begin() + 200);
        ASSERT_TRUE((*c)->Delete(del).ok());
      }
    }
  }
  void TearDown() override { std::filesystem::remove_all(path_); }

  // Runs the command; returns its exit code and leaves its output in out_ / err_.
  int Run(const CompactOptions& o) {
    auto r = testutil::RunCaptured([&](std::FILE* out, std::FILE* err) { return RunCompact(o, out, err); });
    out_ = std::move(r.out);
    err_ = std::move(r.err);
    return r.code;
  }

  std::string path_, out_, err_;
};

TEST_F(CompactCommandTest, CompactsEveryCollectionAndReportsRowsAndBytes) {
  CompactOptions o;
  o.path = path_;
  ASSERT_EQ(Run(o), 0) << err_;
  EXPECT_NE(out_.find("alpha: rows 500 -> 300 (300 live)"), std::string::npos) << out_;
  EXPECT_NE(out_.find("beta: 500 rows, no dead rows"), std::string::npos) << out_;
  EXPECT_NE(out_.find("2 collections"), std::string::npos) << out_;
  auto client = PersistentClient::Open(path_);
  ASSERT_TRUE(client.ok());
  auto alpha = (*client)->GetCollection("alpha");
  ASSERT_TRUE(alpha.ok());
  auto n = (*alpha)->Count();
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 300);
  EXPECT_TRUE(std::filesystem::exists(path_ + "/collections/" + (*alpha)->id() + "/vectors.1.f32"));
}

TEST_F(CompactCommandTest, NamedCollectionOnlyAndMissingOnesFail) {
  CompactOptions o;
  o.path = path_;
  o.collection = "alpha";
  ASSERT_EQ(Run(o), 0) << err_;
  EXPECT_NE(out_.find("alpha: rows 500 -> 300"), std::string::npos) << out_;
  EXPECT_EQ(out_.find("beta"), std::string::npos) << out_;
  o.collection = "gamma";
  EXPECT_EQ(Run(o), 2);
  EXPECT_NE(err_.find("gamma"), std::string::npos) << err_;
  o.collection.reset();
  o.database = "no_such_database";
  EXPECT_EQ(Run(o), 2);
  EXPECT_FALSE(err_.empty());
}

}  // namespace
}  // namespace ochre::cli
