// Copyright 2026 The OchreDB Authors.
//
// `ochre verify` and `ochre stats` (src/cli/verify_command.cc, stats_command.cc): exit codes 0 on a
// clean database, 1 on damage (a truncated vector file), 3 on warnings only (a missing graph
// checkpoint), 2 on a directory that is not a database; --json carries the same findings; stats
// prints the figures as a table and as JSON.
#include "cli/verify_command.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>

#include "cli/stats_command.h"
#include "ochre/ochre.h"
#include "testutil/captured_output.h"

namespace ochre::cli {
namespace {

namespace fs = std::filesystem;

class VerifyCommandTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = (fs::temp_directory_path() / ("ochre-verify-cli-" + std::to_string(::getpid()))).string();
    fs::remove_all(path_);
    auto client = PersistentClient::Open(path_);
    ASSERT_TRUE(client.ok()) << client.status().ToString();
    CreateCollectionOptions o;
    o.embedding_function = MakeHashingEmbeddingFunction();  // explicit: CI has no model
    o.name = "things";
    o.embedding_function = nullptr;
    auto c = (*client)->CreateCollection(o);
    ASSERT_TRUE(c.ok());
    id_ = (*c)->id();
    RecordBatch b;
    std::vector<float> data;
    for (int i = 0; i < 300; ++i) {
      b.ids.push_back("id" + std::to_string(i));
      for (int d = 0; d < 4; ++d) data.push_back(float(i * 4 + d));
    }
    b.embeddings = FloatMatrix(4, std::move(data));
    ASSERT_TRUE((*c)->Add(b).ok());
    ASSERT_TRUE((*client)->Checkpoint().ok());
  }
  void TearDown() override { fs::remove_all(path_); }

  template <typename Options, typename Fn>
  int Run(Fn fn, const Options& o) {
    auto r = testutil::RunCaptured([&](std::FILE* out, std::FILE* err) { return fn(o, out, err); });
    out_ = std::move(r.out);
    err_ = std::move(r.err);
    return r.code;
  }
  std::string Dir() const { return path_ + "/collections/" + id_; }

  std::string path_, id_, out_, err_;
};

TEST_F(VerifyCommandTest, ExitCodes) {
  VerifyOptions o{.path = path_};
  EXPECT_EQ(Run(RunVerify, o), 0) << out_ << err_;
  EXPECT_NE(out_.find("clean"), std::string::npos) << out_;

  fs::rename(Dir() + "/hnsw.graph", Dir() + "/hnsw.graph.keep");
  EXPECT_EQ(Run(RunVerify, o), 3) << out_ << err_;
  EXPECT_NE(out_.find("warning"), std::string::npos) << out_;
  fs::rename(Dir() + "/hnsw.graph.keep", Dir() + "/hnsw.graph");

  fs::resize_file(Dir() + "/vectors.f32", 4096 + 10 * 16);
  EXPECT_EQ(Run(RunVerify, o), 1) << out_ << err_;
  EXPECT_NE(out_.find("PROBLEM"), std::string::npos) << out_;
  o.json = true;
  EXPECT_EQ(Run(RunVerify, o), 1);
  auto j = nlohmann::json::parse(out_);
  EXPECT_FALSE(j["ok"].get<bool>());
  EXPECT_EQ(j["exit_code"].get<int>(), 1);
  ASSERT_FALSE(j["problems"].empty()) << out_;
  EXPECT_EQ(j["problems"][0]["check"], "vectors");
  EXPECT_EQ(j["problems"][0]["collection"], "default_tenant/default_database/things");

  EXPECT_EQ(Run(RunVerify, VerifyOptions{.path = path_ + "/nope"}), 2);
  EXPECT_NE(err_.find("not an OchreDB directory"), std::string::npos) << err_;
}

TEST_F(VerifyCommandTest, Stats) {
  EXPECT_EQ(Run(RunStats, StatsOptions{.path = path_}), 0) << err_;
  EXPECT_NE(out_.find("default_tenant/default_database/things"), std::string::npos) << out_;
  EXPECT_NE(out_.find("300/300"), std::string::npos) << out_;  // graph rows / committed
  EXPECT_EQ(Run(RunStats, StatsOptions{.path = path_, .json = true}), 0) << err_;
  auto j = nlohmann::json::parse(out_);
  ASSERT_EQ(j["collections"].size(), 1u);
  const auto& c = j["collections"][0];
  EXPECT_EQ(c["records"].get<int>(), 300);
  EXPECT_EQ(c["dead_rows"].get<int>(), 0);
  EXPECT_EQ(c["committed_rows"].get<int>(), 300);
  EXPECT_EQ(c["graph_rows"].get<int>(), 300);
  EXPECT_GE(c["vectors_bytes"].get<int64_t>(), 4096 + 300 * 16);
  EXPECT_GT(c["graph_bytes"].get<int64_t>(), 0);
  EXPECT_GT(j["catalog_bytes"].get<int64_t>(), 0);
  EXPECT_EQ(Run(RunStats, StatsOptions{.path = path_ + "/nope"}), 2);
}

}  // namespace
}  // namespace ochre::cli
