// Copyright 2026 The OchreDB Authors.
//
// The database directory changing under an open client: a lost catalog beside collection folders
// (issues 15.2, 16.2), and a directory removed or moved away while open (issue 10).
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <string>

#include "ochre/ochre.h"
#include "testutil/temp_dir.h"

namespace ochre {
namespace {

namespace fs = std::filesystem;

std::map<std::string, std::string> ReadTree(const std::string& root) {
  std::map<std::string, std::string> out;
  for (const auto& e : fs::recursive_directory_iterator(root)) {
    const std::string rel = e.path().string().substr(root.size());
    if (e.is_directory()) {
      out[rel] = "<dir>";
      continue;
    }
    std::ifstream in(e.path(), std::ios::binary);
    out[rel] = std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  }
  return out;
}

std::shared_ptr<Collection> Make(Client& client, const std::string& name) {
  CreateCollectionOptions o;
  o.embedding_function = MakeHashingEmbeddingFunction();  // explicit: CI has no model
  o.name = name;
  o.embedding_function = nullptr;
  auto c = client.GetOrCreateCollection(o);
  EXPECT_TRUE(c.ok()) << c.status().ToString();
  return c.ok() ? *c : nullptr;
}

RecordBatch One(const std::string& id, float x) {
  RecordBatch b;
  b.ids = {id};
  b.embeddings = FloatMatrix(2, {x, 1});
  return b;
}

std::string MakeDatabaseWithOneCollection(const std::string& path) {
  auto client = PersistentClient::Open(path);
  EXPECT_TRUE(client.ok());
  auto c = Make(**client, "kept");
  EXPECT_TRUE(c->Add(One("a", 1)).ok());
  return c->id();
}

// A catalog that is missing, or empty, beside collection folders is refused with Corruption naming
// the folders, and nothing in the directory changes (before, open created a fresh catalog and
// removed every collection's files as orphans).
TEST(LostCatalogTest, MissingOrEmptyCatalogBesideCollectionFoldersIsCorruptionAndTouchesNothing) {
  for (const bool truncate : {false, true}) {
    testutil::TempDir dir;
    const std::string path = dir.Sub("db");
    const std::string uuid = MakeDatabaseWithOneCollection(path);
    for (const char* suffix : {"", "-wal", "-shm"}) fs::remove(path + "/ochre.sqlite3" + suffix);
    if (truncate) std::ofstream(path + "/ochre.sqlite3").close();
    const auto before = ReadTree(path);
    for (int attempt = 0; attempt < 2; ++attempt) {
      auto client = PersistentClient::Open(path);
      ASSERT_FALSE(client.ok()) << (truncate ? "empty" : "missing") << " catalog opened";
      EXPECT_EQ(client.status().code(), StatusCode::kCorruption) << client.status().ToString();
      EXPECT_NE(client.status().message().find(uuid), std::string::npos) << client.status().message();
      EXPECT_NE(client.status().message().find(truncate ? "is empty" : "is missing"), std::string::npos)
          << client.status().message();
    }
    EXPECT_TRUE(ReadTree(path) == before) << "the refused open changed the directory";
    EXPECT_TRUE(fs::exists(path + "/collections/" + uuid + "/vectors.f32"));
  }
}

// An empty collections folder (or none) is not a lost catalog: a fresh database opens.
TEST(LostCatalogTest, NoCollectionFoldersOpensAFreshDatabase) {
  testutil::TempDir dir;
  const std::string path = dir.Sub("db");
  fs::create_directories(path + "/collections");
  auto client = PersistentClient::Open(path);
  ASSERT_TRUE(client.ok()) << client.status().ToString();
  EXPECT_EQ(*(*client)->CountCollections(), 0);
}

// rmtree of an open database, then a client on the same path (the "database cleanup utility"): the
// new client sees an empty database, writes through the stale handle fail and are never
// acknowledged, and what the new client writes is what the directory holds.
TEST(RemovedDirectoryTest, RmtreeWhileOpenGivesAFreshEngineAndTheStaleHandleRefusesWrites) {
  testutil::TempDir dir;
  const std::string path = dir.Sub("db");
  auto old_client = PersistentClient::Open(path);
  ASSERT_TRUE(old_client.ok());
  auto old_coll = Make(**old_client, "notes");
  ASSERT_TRUE(old_coll->Add(One("old", 1)).ok());
  fs::remove_all(path);
  auto fresh = PersistentClient::Open(path);
  ASSERT_TRUE(fresh.ok()) << fresh.status().ToString();
  EXPECT_EQ(*(*fresh)->CountCollections(), 0) << "the new client sees the deleted data";
  Status stale = old_coll->Add(One("lost", 2));
  EXPECT_FALSE(stale.ok()) << "a write into the removed directory was acknowledged";
  EXPECT_NE(stale.message().find("removed, moved or replaced"), std::string::npos) << stale.ToString();
  EXPECT_FALSE((*old_client)->CreateCollection(CreateCollectionOptions{.name = "again"}).ok());
  auto coll = Make(**fresh, "notes");
  ASSERT_TRUE(coll->Add(One("new", 3)).ok());
  old_coll.reset();
  old_client->reset();
  coll.reset();
  fresh->reset();
  auto reopened = PersistentClient::Open(path);
  ASSERT_TRUE(reopened.ok());
  auto c = Make(**reopened, "notes");
  auto got = c->Get(GetOptions{});
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->ids, std::vector<std::string>{"new"});
}

// A database moved away while open: the stale handle refuses writes (they would land in the moved
// directory, not at the path), a client on the path gets a fresh database, and the moved directory
// keeps exactly what was acknowledged before the move.
TEST(RemovedDirectoryTest, MoveWhileOpenRefusesWritesThroughTheStaleHandle) {
  testutil::TempDir dir;
  const std::string path = dir.Sub("db");
  const std::string moved = dir.Sub("moved");
  auto old_client = PersistentClient::Open(path);
  ASSERT_TRUE(old_client.ok());
  auto old_coll = Make(**old_client, "notes");
  ASSERT_TRUE(old_coll->Add(One("before", 1)).ok());
  fs::rename(path, moved);
  EXPECT_FALSE(old_coll->Add(One("after", 2)).ok());
  auto fresh = PersistentClient::Open(path);
  ASSERT_TRUE(fresh.ok()) << fresh.status().ToString();
  EXPECT_EQ(*(*fresh)->CountCollections(), 0);
  old_coll.reset();
  old_client->reset();
  auto at_moved = PersistentClient::Open(moved);
  ASSERT_TRUE(at_moved.ok()) << at_moved.status().ToString();
  auto got = Make(**at_moved, "notes")->Get(GetOptions{});
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->ids, std::vector<std::string>{"before"});
}

}  // namespace
}  // namespace ochre

namespace ochre {
namespace {

// A directory this process cannot write (permissions; a read-only mount acts the same) opens for
// reading: reads answer as before, writes answer ReadOnly and change nothing. As root, permissions
// do not bind, so the reading side runs in a child that gives up root first.
TEST(ReadOnlyDirectoryTest, OpensForReadingAndWritesAreReadOnly) {
  testutil::TempDir dir;
  const std::string path = dir.Sub("db");
  {
    auto client = PersistentClient::Open(path);
    ASSERT_TRUE(client.ok());
    auto c = Make(**client, "kept");
    ASSERT_TRUE(c->Add(One("a", 1)).ok());
    ASSERT_TRUE(c->Add(One("b", 2)).ok());
  }
  const auto before = ReadTree(path);
  // Readable by everyone, writable by nobody but root.
  for (const auto& e : fs::recursive_directory_iterator(path)) {
    fs::permissions(e.path(), e.is_directory() ? fs::perms(0755) : fs::perms(0444));
  }
  fs::permissions(path, fs::perms(0555));
  fs::permissions(fs::path(path).parent_path(), fs::perms(0755));
  int report[2];
  ASSERT_EQ(::pipe(report), 0);
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    ::alarm(60);  // a hang guard, not a timing assertion
    ::close(report[0]);
    if (::geteuid() == 0 && (::setgid(65534) != 0 || ::setuid(65534) != 0)) ::_exit(2);
    std::string msg;
    auto client = PersistentClient::Open(path);
    msg += std::string(client.ok() ? "OK" : client.status().ToString()) + "\n";
    if (client.ok()) {
      GetCollectionOptions go;
      go.embedding_function = nullptr;
      auto c = (*client)->GetCollection("kept", go);
      msg += std::string(c.ok() ? "OK" : c.status().ToString()) + "\n";
      if (c.ok()) {
        auto count = (*c)->Count();
        msg += (count.ok() ? std::to_string(*count) : count.status().ToString()) + "\n";
        QueryOptions q;
        q.query_embeddings = FloatMatrix(2, {2, 1});
        q.n_results = 1;
        auto hits = (*c)->Query(q);
        msg += (hits.ok() && !hits->ids[0].empty() ? hits->ids[0][0] : std::string("no answer")) + "\n";
        Status add = (*c)->Add(One("c", 3));
        msg += std::string(StatusCodeName(add.code())) + "\n";
        Status create = (*client)->CreateCollection(CreateCollectionOptions{.name = "other"}).status();
        msg += std::string(StatusCodeName(create.code())) + "\n";
      }
    }
    if (::write(report[1], msg.data(), msg.size()) < 0) ::_exit(3);
    ::_exit(0);
  }
  ::close(report[1]);
  std::string got;
  char buf[1024];
  ssize_t n;
  while ((n = ::read(report[0], buf, sizeof buf)) > 0) got.append(buf, size_t(n));
  ::close(report[0]);
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  for (const auto& e : fs::recursive_directory_iterator(path)) {
    fs::permissions(e.path(), e.is_directory() ? fs::perms(0755) : fs::perms(0644));
  }
  fs::permissions(path, fs::perms(0755));
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "child status " << status;
  EXPECT_EQ(got, "OK\nOK\n2\nb\nReadOnly\nReadOnly\n");
  EXPECT_TRUE(ReadTree(path) == before) << "reading a read-only directory changed it";
}

}  // namespace
}  // namespace ochre
