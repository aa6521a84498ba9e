// Copyright 2026 The OchreDB Authors.
//
// The lazily built FTS index with several processes on one database: a process that has the
// collection open, and has never seen its index built, goes on writing after another process built
// it; none of its documents may be missing from the index (the writers read collections.fts_ready
// inside their own transaction). Then a writer process and a builder process run at the same time.
// Each ends with the documents found by where_document exactly as written and `verify` clean (FTS5's
// own check of the index against the documents).
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <set>
#include <string>
#include <vector>

#include "ochre/ochre.h"
#include "ochre/verify.h"
#include "testutil/temp_dir.h"

namespace ochre {
namespace {

constexpr int kDim = 4;

std::shared_ptr<Collection> OpenOrCreate(Client& client, const std::string& name) {
  CreateCollectionOptions o;
  o.embedding_function = MakeHashingEmbeddingFunction();  // explicit: CI has no model
  o.name = name;
  o.embedding_function = nullptr;
  o.get_or_create = true;
  auto c = client.CreateCollection(o);
  if (!c.ok()) std::fprintf(stderr, "create %s: %s\n", name.c_str(), c.status().ToString().c_str());
  return c.ok() ? *c : nullptr;
}

// Adds records <prefix><first>.. with document "<word> document <i>".
Status AddDocuments(Collection& c, const std::string& prefix, int first, int n, const std::string& word) {
  RecordBatch b;
  b.documents.emplace();
  std::vector<float> data;
  for (int i = first; i < first + n; ++i) {
    b.ids.push_back(prefix + std::to_string(i));
    b.documents->push_back(word + " document " + std::to_string(i));
    for (int d = 0; d < kDim; ++d) data.push_back(float(i % 17 + d));
  }
  b.embeddings = FloatMatrix(kDim, std::move(data));
  return c.Add(b);
}

Result<std::set<std::string>> IdsContaining(Collection& c, const std::string& text) {
  GetOptions g;
  WhereDocumentNode f;
  f.op = DocumentOp::kContains;
  f.pattern = text;
  g.where_document = f;
  g.include = Include{false, false, false, false, false};
  OCHRE_ASSIGN_OR_RETURN(GetResult r, c.Get(g));
  return std::set<std::string>(r.ids.begin(), r.ids.end());
}

std::set<std::string> Ids(const std::string& prefix, int first, int n) {
  std::set<std::string> out;
  for (int i = first; i < first + n; ++i) out.insert(prefix + std::to_string(i));
  return out;
}

// Forks a child that waits for a byte on `go` and then runs `body` (its exit code is body's).
template <typename Body>
pid_t ForkWaiting(int go[2], Body body) {
  const pid_t pid = ::fork();
  if (pid != 0) return pid;
  ::alarm(120);  // a hang guard, not a timing assertion
  ::close(go[1]);
  char b;
  if (::read(go[0], &b, 1) != 1) ::_exit(90);
  ::_exit(body());
}

int Wait(pid_t pid) {
  int status = 0;
  if (::waitpid(pid, &status, 0) != pid) return -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 100 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}

void ExpectVerifyClean(const std::string& path) {
  auto report = VerifyDatabase(path);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  for (const auto& p : report->problems) ADD_FAILURE() << p.check << " " << p.collection << ": " << p.message;
  auto stats = ReadDatabaseStats(path);
  ASSERT_TRUE(stats.ok());
  for (const auto& c : stats->collections) EXPECT_TRUE(c.fts_built) << c.name;
}

TEST(FtsMultiProcessTest, WriterThatNeverSawTheBuildKeepsTheIndexCurrent) {
  testutil::TempDir dir;
  const std::string path = dir.Sub("db");
  int go[2];
  ASSERT_EQ(::pipe(go), 0);
  // The builder is forked before this process opens anything (a child must not use the parent's
  // engine), and waits until the collection has documents.
  const pid_t builder = ForkWaiting(go, [&]() -> int {
    auto client = PersistentClient::Open(path);
    if (!client.ok()) return 2;
    auto c = OpenOrCreate(**client, "mpc");
    if (!c) return 3;
    auto found = IdsContaining(*c, "alpha document");
    if (!found.ok()) return 4;
    return *found == Ids("a", 0, 300) ? 0 : 5;
  });
  ASSERT_GT(builder, 0);
  ::close(go[0]);

  auto client = PersistentClient::Open(path);
  ASSERT_TRUE(client.ok()) << client.status().ToString();
  auto c = OpenOrCreate(**client, "mpc");
  ASSERT_TRUE(c);
  ASSERT_TRUE(AddDocuments(*c, "a", 0, 300, "alpha").ok());
  auto before = ReadDatabaseStats(path);
  ASSERT_TRUE(before.ok());
  ASSERT_FALSE(before->collections[0].fts_built);

  ASSERT_EQ(::write(go[1], "x", 1), 1);
  ::close(go[1]);
  ASSERT_EQ(Wait(builder), 0);
  auto built = ReadDatabaseStats(path);
  ASSERT_TRUE(built.ok());
  ASSERT_TRUE(built->collections[0].fts_built);

  // This process's handle has never seen the index built. Its writes: new documents, a changed
  // document, a delete.
  ASSERT_TRUE(AddDocuments(*c, "b", 0, 200, "beta").ok());
  RecordBatch u;
  u.ids = {"a5"};
  u.documents = std::vector<std::optional<std::string>>{std::string("beta now, document 5")};
  ASSERT_TRUE(c->Update(u).ok());
  DeleteOptions d;
  d.ids = std::vector<std::string>{"a6"};
  ASSERT_TRUE(c->Delete(d).ok());

  auto beta = IdsContaining(*c, "beta");
  ASSERT_TRUE(beta.ok()) << beta.status().ToString();
  std::set<std::string> want = Ids("b", 0, 200);
  want.insert("a5");
  EXPECT_EQ(*beta, want);
  auto alpha = IdsContaining(*c, "alpha document");
  ASSERT_TRUE(alpha.ok());
  want = Ids("a", 0, 300);
  want.erase("a5");
  want.erase("a6");
  EXPECT_EQ(*alpha, want);
  c.reset();
  client->reset();
  ExpectVerifyClean(path);
}

TEST(FtsMultiProcessTest, WriterAndBuilderAtOnceLoseNoDocument) {
  testutil::TempDir dir;
  const std::string path = dir.Sub("db");
  constexpr int kBatches = 30, kBatch = 40;
  for (int round = 0; round < 3; ++round) {
    const std::string name = "mp" + std::to_string(round);
    int go[2];
    ASSERT_EQ(::pipe(go), 0);
    const pid_t writer = ForkWaiting(go, [&]() -> int {
      auto client = PersistentClient::Open(path);
      if (!client.ok()) return 2;
      auto c = OpenOrCreate(**client, name);
      if (!c) return 3;
      for (int k = 0; k < kBatches; ++k) {
        if (!AddDocuments(*c, "w", k * kBatch, kBatch, "written").ok()) return 4;
      }
      return 0;
    });
    const pid_t builder = ForkWaiting(go, [&]() -> int {
      auto client = PersistentClient::Open(path);
      if (!client.ok()) return 2;
      auto c = OpenOrCreate(**client, name);
      if (!c) return 3;
      // Queries until the writer is done: the first one that has a document to find builds.
      for (int k = 0; k < 200; ++k) {
        auto found = IdsContaining(*c, "written document");
        if (!found.ok()) return 4;
        if (found->size() == size_t(kBatches * kBatch)) return 0;
        ::usleep(2000);
      }
      return 0;
    });
    ASSERT_GT(writer, 0);
    ASSERT_GT(builder, 0);
    ::close(go[0]);
    {
      // Created before both start, so that neither's get_or_create races the other's.
      auto client = PersistentClient::Open(path);
      ASSERT_TRUE(client.ok()) << client.status().ToString();
      ASSERT_TRUE(OpenOrCreate(**client, name));
    }
    ASSERT_EQ(::write(go[1], "xx", 2), 2);
    ::close(go[1]);
    EXPECT_EQ(Wait(writer), 0) << "round " << round;
    EXPECT_EQ(Wait(builder), 0) << "round " << round;
    auto client = PersistentClient::Open(path);
    ASSERT_TRUE(client.ok());
    auto c = OpenOrCreate(**client, name);
    ASSERT_TRUE(c);
    auto found = IdsContaining(*c, "written document");
    ASSERT_TRUE(found.ok());
    EXPECT_EQ(*found, Ids("w", 0, kBatches * kBatch)) << "round " << round;
  }
  ExpectVerifyClean(path);
}

}  // namespace
}  // namespace ochre
