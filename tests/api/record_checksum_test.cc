// Copyright 2026 The OchreDB Authors.
//
// Record checksums (storage/record_checksum.h, catalog format version 4): a record whose bytes in
// the catalog changed after it was written (a document, metadata, id or row edited behind the
// engine's back, as a damaged disk would) is Corruption naming it on read, never a changed answer;
// records written before version 4 (NULL checksums) are read unchecked; compaction keeps the
// checksums valid.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <string>

#include "ochre/ochre.h"
#include "storage/page_checksum_vfs.h"
#include "testutil/temp_dir.h"

namespace ochre {
namespace {

constexpr size_t kDim = 4;

void Exec(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open_v2((path + "/ochre.sqlite3").c_str(), &db, SQLITE_OPEN_READWRITE, storage::PageChecksumVfs()),
            SQLITE_OK);
  char* err = nullptr;
  EXPECT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err), SQLITE_OK) << (err ? err : "");
  sqlite3_free(err);
  ASSERT_EQ(sqlite3_close(db), SQLITE_OK);
}

class RecordChecksumTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto client = PersistentClient::Open(path());
    ASSERT_TRUE(client.ok()) << client.status().ToString();
    CreateCollectionOptions o;
    o.name = "coll";
    o.embedding_function = nullptr;
    auto c = (*client)->CreateCollection(o);
    ASSERT_TRUE(c.ok());
    RecordBatch b;
    std::vector<float> data;
    b.documents.emplace();
    b.metadatas.emplace();
    for (int i = 0; i < 20; ++i) {
      b.ids.push_back("id" + std::to_string(i));
      for (size_t d = 0; d < kDim; ++d) data.push_back(float(i * 10 + int(d)));
      b.documents->push_back("document number " + std::to_string(i));
      b.metadatas->push_back(Metadata{{"k", int64_t(i)}});
    }
    b.embeddings = FloatMatrix(kDim, std::move(data));
    ASSERT_TRUE((*c)->Add(b).ok());
  }
  const std::string& path() const { return dir_.path(); }

  Status GetAll() {
    auto client = PersistentClient::Open(path());
    if (!client.ok()) return client.status();
    auto c = (*client)->GetCollection("coll");
    if (!c.ok()) return c.status();
    GetOptions o;
    o.include = Include{true, true, true, false, false};
    auto r = (*c)->Get(o);
    return r.status();
  }
  Status QueryWhere() {
    auto client = PersistentClient::Open(path());
    if (!client.ok()) return client.status();
    auto c = (*client)->GetCollection("coll");
    if (!c.ok()) return c.status();
    QueryOptions q;
    q.query_embeddings = FloatMatrix(kDim, std::vector<float>(kDim, 1.0f));
    q.n_results = 20;  // every record, the damaged one too
    auto w = ParseWhere(R"({"k": {"$gte": 0}})");
    if (!w.ok()) return w.status();
    q.where = *w;
    return (*c)->Query(q).status();
  }

  testutil::TempDir dir_;
};

TEST_F(RecordChecksumTest, IntactRecordsRead) {
  EXPECT_TRUE(GetAll().ok());
  EXPECT_TRUE(QueryWhere().ok());
}

TEST_F(RecordChecksumTest, ChangedDocumentIsCorruptionNamingTheRecord) {
  Exec(path(), "UPDATE records SET document = 'document numbex 7' WHERE id = 'id7'");
  Status s = GetAll();
  ASSERT_TRUE(s.IsCorruption()) << s.ToString();
  EXPECT_NE(s.message().find("id7"), std::string::npos) << s.ToString();
}

TEST_F(RecordChecksumTest, ChangedMetadataIsCorruption) {
  Exec(path(), "UPDATE records SET metadata_json = replace(metadata_json, '5', '6') WHERE id = 'id5'");
  EXPECT_TRUE(GetAll().IsCorruption());
  EXPECT_TRUE(QueryWhere().IsCorruption()) << "a query reading the record checks it too";
}

TEST_F(RecordChecksumTest, ChangedRowIsCorruption) {
  Exec(path(), "UPDATE records SET row = 3 WHERE id = 'id4'");
  EXPECT_FALSE(GetAll().ok());
}

TEST_F(RecordChecksumTest, RecordsWithoutChecksumsReadUnchecked) {
  Exec(path(),
       "UPDATE records SET key_crc = NULL, payload_crc = NULL; "
       "UPDATE records SET document = 'edited' WHERE id = 'id7'");
  EXPECT_TRUE(GetAll().ok());
}

TEST_F(RecordChecksumTest, CompactionKeepsChecksumsValid) {
  {
    auto client = PersistentClient::Open(path());
    ASSERT_TRUE(client.ok());
    auto c = (*client)->GetCollection("coll");
    ASSERT_TRUE(c.ok());
    DeleteOptions d;
    d.ids = std::vector<std::string>{"id0", "id1", "id2"};
    ASSERT_TRUE((*c)->Delete(d).ok());
    auto stats = (*c)->Compact();
    ASSERT_TRUE(stats.ok()) << stats.status().ToString();
  }
  EXPECT_TRUE(GetAll().ok());
  Exec(path(), "UPDATE records SET document = 'x' WHERE id = 'id9'");
  EXPECT_TRUE(GetAll().IsCorruption());
}

}  // namespace
}  // namespace ochre
