// Copyright 2026 The OchreDB Authors.
//
// A crash can leave the catalog's main file unreadable on its own while its WAL holds the truth
// (killed in the middle of a checkpoint, or copied while another process wrote). Opening such a
// database must read it through the WAL and find every committed record, never report Corruption.
// (Found by the kill -9 tests: the format-version check before the LOCK read the main file alone.)
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "ochre/ochre.h"
#include "storage/page_checksum_vfs.h"
#include "testutil/temp_dir.h"

namespace ochre {
namespace {

namespace fs = std::filesystem;

TEST(CatalogWalTest, MainFileUnreadableAloneButWalCompleteOpensWithEveryRecord) {
  testutil::TempDir dir;
  const std::string live = dir.Sub("live"), crashed = dir.Sub("crashed");
  {
    auto client = PersistentClient::Open(live);
    ASSERT_TRUE(client.ok()) << client.status().ToString();
    CreateCollectionOptions o;
    o.embedding_function = MakeHashingEmbeddingFunction();  // explicit: CI has no model
    o.name = "wal-test";
    o.embedding_function = nullptr;
    auto c = (*client)->CreateCollection(o);
    ASSERT_TRUE(c.ok()) << c.status().ToString();
    RecordBatch b;
    std::vector<float> data;
    for (int i = 0; i < 10; ++i) {
      b.ids.push_back("r" + std::to_string(i));
      data.insert(data.end(), {float(i), 1.0f});
    }
    b.embeddings = FloatMatrix(2, std::move(data));
    ASSERT_TRUE((*c)->Add(b).ok());
  }
  // A second writer (here raw SQLite) commits more into the WAL and never checkpoints; the files are
  // copied while it is open, as a crash would leave them (no -shm: SQLite rebuilds it from the WAL).
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open_v2((live + "/ochre.sqlite3").c_str(), &db, SQLITE_OPEN_READWRITE, storage::PageChecksumVfs()),
            SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db,
                         "PRAGMA journal_mode=WAL; PRAGMA wal_autocheckpoint=0;"
                         "CREATE TABLE filler(x); WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n "
                         "WHERE i < 2000) INSERT INTO filler SELECT randomblob(200) FROM n;",
                         nullptr, nullptr, nullptr),
            SQLITE_OK)
      << sqlite3_errmsg(db);
  fs::create_directories(crashed);
  fs::copy(live, crashed, fs::copy_options::recursive | fs::copy_options::overwrite_existing);
  sqlite3_close(db);
  fs::remove(crashed + "/ochre.sqlite3-shm");
  ASSERT_GT(fs::file_size(crashed + "/ochre.sqlite3-wal"), 0u);
  // Page 1 (the schema's root) was rewritten in the WAL: garble its stale copy in the main file.
  {
    std::fstream f(crashed + "/ochre.sqlite3", std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(100);
    std::string junk(3900, '\x5a');
    f.write(junk.data(), std::streamsize(junk.size()));
  }
  auto client = PersistentClient::Open(crashed);
  ASSERT_TRUE(client.ok()) << client.status().ToString();
  auto c = (*client)->GetCollection("wal-test");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  auto n = (*c)->Count();
  ASSERT_TRUE(n.ok()) << n.status().ToString();
  EXPECT_EQ(*n, 10u);
}

}  // namespace
}  // namespace ochre
