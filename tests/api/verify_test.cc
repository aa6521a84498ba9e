// Copyright 2026 The OchreDB Authors.
//
// VerifyDatabase and ReadDatabaseStats (include/ochre/verify.h) over a corruption matrix: a clean
// database (with deletes and updates) is clean, and each damage is found under the right check:
// a truncated vector file, a missing one, a flipped byte in the graph, a missing graph (a warning),
// a truncated or overwritten catalog, an FTS index that disagrees with the documents, a record pointing past the
// committed rows, counts that disagree. Verify never changes a byte of the directory.
#include "ochre/verify.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <random>

#include "ochre/ochre.h"
#include "storage/page_checksum_vfs.h"
#include "testutil/temp_dir.h"

namespace ochre {
namespace {

namespace fs = std::filesystem;

constexpr int kDim = 8;

class VerifyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = dir_.Sub("db");
    auto client = PersistentClient::Open(path_);
    ASSERT_TRUE(client.ok()) << client.status().ToString();
    for (const char* name : {"alpha", "beta"}) {
      CreateCollectionOptions o;
      o.embedding_function = MakeHashingEmbeddingFunction();  // explicit: CI has no model
      o.name = name;
      o.embedding_function = nullptr;
      auto c = (*client)->CreateCollection(o);
      ASSERT_TRUE(c.ok()) << c.status().ToString();
      std::mt19937 rng(7);
      RecordBatch b;
      std::vector<float> data;
      b.documents.emplace();
      for (int i = 0; i < 400; ++i) {
        b.ids.push_back("id" + std::to_string(i));
        b.documents->push_back("document number " + std::to_string(i));
        for (int d = 0; d < kDim; ++d) data.push_back(std::normal_distribution<float>()(rng));
      }
      b.embeddings = FloatMatrix(kDim, std::move(data));
      ASSERT_TRUE((*c)->Add(b).ok());
      if (std::string(name) == "alpha") {
        // alpha's FTS index is built at its first document filter, before its deletes and updates
        // (which then maintain it); beta's is never built.
        GetOptions g;
        WhereDocumentNode f;
        f.pattern = "number 12";
        g.where_document = f;
        ASSERT_TRUE((*c)->Get(g).ok());
        DeleteOptions del;
        del.ids.emplace(b.ids.begin(), b.ids.begin() + 50);
        ASSERT_TRUE((*c)->Delete(del).ok());
        RecordBatch u;
        u.ids = {"id100", "id101"};
        u.embeddings = FloatMatrix(kDim, std::vector<float>(2 * kDim, 0.5f));
        ASSERT_TRUE((*c)->Update(u).ok());
      }
    }
    // Writes every graph checkpoint (waiting for the graphs to take every row).
    ASSERT_TRUE((*client)->Checkpoint().ok());
    client->reset();
    auto stats = ReadDatabaseStats(path_);
    ASSERT_TRUE(stats.ok()) << stats.status().ToString();
    ASSERT_EQ(stats->collections.size(), 2u);
    for (const auto& c : stats->collections) coll_[c.name] = c;
  }

  VerifyReport Verify() {
    auto r = VerifyDatabase(path_);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : VerifyReport{};
  }

  // True when some problem (or warning) of `check` names `collection` ("" for any).
  static bool Has(const std::vector<VerifyFinding>& fs, const std::string& check, const std::string& coll = "") {
    for (const auto& f : fs) {
      if (f.check == check && (coll.empty() || f.collection == coll)) return true;
    }
    return false;
  }
  static std::string Dump(const VerifyReport& r) {
    std::string s;
    for (const auto& f : r.problems) s += "PROBLEM " + f.check + " " + f.collection + ": " + f.message + "\n";
    for (const auto& f : r.warnings) s += "warning " + f.check + " " + f.collection + ": " + f.message + "\n";
    return s;
  }

  void FlipByte(const std::string& file, uint64_t offset) {
    std::fstream f(file, std::ios::in | std::ios::out | std::ios::binary);
    ASSERT_TRUE(f.good()) << file;
    f.seekg(std::streamoff(offset));
    char c = 0;
    f.read(&c, 1);
    c ^= 0x10;
    f.seekp(std::streamoff(offset));
    f.write(&c, 1);
  }

  void Sql(const std::string& sql) {
    sqlite3* db = nullptr;
    ASSERT_EQ(
        sqlite3_open_v2((path_ + "/ochre.sqlite3").c_str(), &db, SQLITE_OPEN_READWRITE, storage::PageChecksumVfs()),
        SQLITE_OK);
    char* err = nullptr;
    EXPECT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err), SQLITE_OK) << (err ? err : "");
    sqlite3_free(err);
    sqlite3_close(db);
  }

  // Every file of the directory with its bytes, to show verify wrote nothing.
  std::map<std::string, std::string> Snapshot() {
    std::map<std::string, std::string> out;
    for (const auto& e : fs::recursive_directory_iterator(path_)) {
      if (!e.is_regular_file()) continue;
      std::ifstream f(e.path(), std::ios::binary);
      out[e.path().string()] = std::string(std::istreambuf_iterator<char>(f), {});
    }
    return out;
  }

  testutil::TempDir dir_;
  std::string path_;
  std::map<std::string, CollectionStats> coll_;
  const std::string alpha_ = "default_tenant/default_database/alpha";
  const std::string beta_ = "default_tenant/default_database/beta";
};

TEST_F(VerifyTest, StatsReportRecordsDeadRowsFilesAndGraph) {
  const CollectionStats& a = coll_["alpha"];
  EXPECT_EQ(a.tenant, "default_tenant");
  EXPECT_EQ(a.database, "default_database");
  EXPECT_EQ(a.dimension, kDim);
  EXPECT_EQ(a.records, 350);
  EXPECT_EQ(a.committed_rows, 402);  // 400 added, 2 updated embeddings appended
  EXPECT_TRUE(a.fts_built);
  EXPECT_FALSE(coll_["beta"].fts_built);
  EXPECT_EQ(a.dead_rows, 52);
  EXPECT_GE(a.vectors_bytes, int64_t(4096 + 402 * kDim * 4));
  EXPECT_EQ(coll_["beta"].records, 400);
  EXPECT_EQ(coll_["beta"].dead_rows, 0);
  EXPECT_GT(a.graph_bytes, 0);
  EXPECT_EQ(a.graph_rows, a.committed_rows);
}

TEST_F(VerifyTest, CleanDatabaseIsCleanAndVerifyWritesNothing) {
  const auto before = Snapshot();
  VerifyReport r = Verify();
  EXPECT_TRUE(r.clean()) << Dump(r);
  EXPECT_EQ(r.collections, 2);
  EXPECT_EQ(r.records, 750);
  EXPECT_EQ(Snapshot(), before);
  EXPECT_FALSE(fs::exists(path_ + "/ochre.sqlite3-shm"));
}

TEST_F(VerifyTest, TruncatedVectorFile) {
  fs::resize_file(coll_["alpha"].vectors_file, 4096 + 100 * kDim * 4);
  VerifyReport r = Verify();
  EXPECT_TRUE(Has(r.problems, "vectors", alpha_)) << Dump(r);
  EXPECT_FALSE(Has(r.problems, "vectors", beta_)) << Dump(r);
}

TEST_F(VerifyTest, VectorFileShorterThanItsHeader) {
  fs::resize_file(coll_["beta"].vectors_file, 100);
  EXPECT_TRUE(Has(Verify().problems, "vectors", beta_));
}

TEST_F(VerifyTest, FlippedBitInVectorHeader) {
  FlipByte(coll_["beta"].vectors_file, 17);  // dim
  VerifyReport r = Verify();
  EXPECT_TRUE(Has(r.problems, "vectors", beta_)) << Dump(r);
}

TEST_F(VerifyTest, MissingVectorFile) {
  fs::remove(coll_["alpha"].vectors_file);
  VerifyReport r = Verify();
  EXPECT_TRUE(Has(r.problems, "vectors", alpha_)) << Dump(r);
}

TEST_F(VerifyTest, UncommittedTailIsAWarning) {
  const auto& f = coll_["beta"].vectors_file;
  const uint64_t end = 4096 + 400 * kDim * 4;
  if (uint64_t(fs::file_size(f)) < end + 4) fs::resize_file(f, end + 4 * kDim);
  FlipByte(f, end + 1);
  VerifyReport r = Verify();
  EXPECT_FALSE(Has(r.problems, "vectors")) << Dump(r);
  EXPECT_TRUE(Has(r.warnings, "vectors", beta_)) << Dump(r);
}

class VerifyGraphTest : public VerifyTest {
 protected:
  void SetUp() override {
    VerifyTest::SetUp();
    graph_ = coll_["beta"].graph_file;
    ASSERT_TRUE(fs::exists(graph_)) << "no graph checkpoint was written";
  }
  std::string graph_;
};

TEST_F(VerifyGraphTest, GraphIsCheckedClean) { EXPECT_FALSE(Has(Verify().problems, "graph", beta_)); }

TEST_F(VerifyGraphTest, FlippedBitsInGraphBody) {
  FlipByte(graph_, fs::file_size(graph_) / 2);
  VerifyReport r = Verify();
  EXPECT_TRUE(Has(r.problems, "graph", beta_)) << Dump(r);
}

TEST_F(VerifyGraphTest, FlippedBitInGraphHeader) {
  FlipByte(graph_, 33);  // covered rows
  EXPECT_TRUE(Has(Verify().problems, "graph", beta_));
}

TEST_F(VerifyGraphTest, TruncatedGraph) {
  fs::resize_file(graph_, fs::file_size(graph_) - 10);
  EXPECT_TRUE(Has(Verify().problems, "graph", beta_));
}

TEST_F(VerifyGraphTest, MissingGraphIsAWarning) {
  fs::remove(graph_);
  VerifyReport r = Verify();
  EXPECT_FALSE(Has(r.problems, "graph", beta_)) << Dump(r);
  EXPECT_TRUE(Has(r.warnings, "graph", beta_)) << Dump(r);
}

TEST_F(VerifyTest, RecordPointingPastCommittedRows) {
  Sql("UPDATE records SET row = 5000 WHERE rid = (SELECT MIN(rid) FROM records WHERE cid = "
      "(SELECT cid FROM collections WHERE name = 'beta'))");
  VerifyReport r = Verify();
  EXPECT_TRUE(Has(r.problems, "records", beta_)) << Dump(r);
  EXPECT_FALSE(Has(r.problems, "records", alpha_)) << Dump(r);
}

TEST_F(VerifyTest, TwoRecordsSharingARow) {
  Sql("UPDATE records SET row = 0 WHERE id = 'id7' AND cid = (SELECT cid FROM collections WHERE name = 'beta')");
  VerifyReport r = Verify();
  EXPECT_TRUE(Has(r.problems, "records", beta_)) << Dump(r);
}

TEST_F(VerifyTest, CountsThatDisagree) {
  Sql("UPDATE collections SET dead_rows = dead_rows + 3 WHERE name = 'alpha'");
  VerifyReport r = Verify();
  EXPECT_TRUE(Has(r.problems, "counts", alpha_)) << Dump(r);
}

// A record changed behind its checksum (its document here, as a damaged page would) is a problem
// naming it; the other collection's records all check.
TEST_F(VerifyTest, RecordChangedBehindItsChecksum) {
  VerifyReport clean = Verify();
  EXPECT_EQ(clean.records_checksummed, 750) << Dump(clean);  // alpha 350 + beta 400
  EXPECT_EQ(clean.records_without_checksum, 0);
  Sql("UPDATE records SET document = 'document number 8' WHERE id = 'id7' AND cid = "
      "(SELECT cid FROM collections WHERE name = 'beta')");
  VerifyReport r = Verify();
  EXPECT_TRUE(Has(r.problems, "records", beta_)) << Dump(r);
  EXPECT_FALSE(Has(r.problems, "records", alpha_)) << Dump(r);
  EXPECT_NE(Dump(r).find("1 records do not match their checksums (the first: id 'id7'"), std::string::npos) << Dump(r);
}

// Records from before the record checksums are a warning; --repair gives them theirs, after which
// a change behind them is found.
TEST_F(VerifyTest, RecordsWithoutChecksumsAreAWarningThatRepairMends) {
  Sql("UPDATE records SET key_crc = NULL, payload_crc = NULL WHERE cid = (SELECT cid FROM collections WHERE name = "
      "'beta')");
  VerifyReport before = Verify();
  EXPECT_TRUE(before.problems.empty()) << Dump(before);
  EXPECT_TRUE(Has(before.warnings, "records", beta_)) << Dump(before);
  EXPECT_EQ(before.records_without_checksum, 400);
  EXPECT_EQ(before.records_checksummed, 350);
  auto repaired = RepairDatabase(path_);
  ASSERT_TRUE(repaired.ok()) << repaired.status().ToString();
  EXPECT_EQ(repaired->record_checksums_written, 400);
  VerifyReport after = Verify();
  EXPECT_FALSE(Has(after.warnings, "records")) << Dump(after);
  EXPECT_EQ(after.records_checksummed, 750);
  // The engine reads them as checked now.
  {
    auto client = PersistentClient::Open(path_);
    ASSERT_TRUE(client.ok()) << client.status().ToString();
    auto c = (*client)->GetCollection("beta", GetCollectionOptions{nullptr});
    ASSERT_TRUE(c.ok()) << c.status().ToString();
    auto all = (*c)->Get(GetOptions{});
    ASSERT_TRUE(all.ok()) << all.status().ToString();
    EXPECT_EQ(all->ids.size(), 400u);
  }
  Sql("UPDATE records SET document = 'changed' WHERE id = 'id9' AND cid = (SELECT cid FROM collections WHERE name = "
      "'beta')");
  EXPECT_TRUE(Has(Verify().problems, "records", beta_));
  // A second repair refuses a damaged database and changes nothing.
  auto again = RepairDatabase(path_);
  EXPECT_EQ(again.status().code(), StatusCode::kCorruption) << again.status().ToString();
}

// An index that lost a document of a built collection, or holds one of a collection whose index is
// not built, disagrees with the documents.
TEST_F(VerifyTest, FtsIndexMissingADocumentOrIndexingAnUnbuiltCollection) {
  Sql("INSERT INTO documents_fts(documents_fts, rowid, document) SELECT 'delete', rid, document FROM records "
      "WHERE id = 'id200' AND cid = (SELECT cid FROM collections WHERE name = 'alpha')");
  VerifyReport r = Verify();
  EXPECT_TRUE(Has(r.problems, "fts")) << Dump(r);
  Sql("INSERT INTO documents_fts(rowid, document) SELECT rid, document FROM records WHERE id = 'id200' AND cid = "
      "(SELECT cid FROM collections WHERE name = 'alpha')");
  r = Verify();
  EXPECT_FALSE(Has(r.problems, "fts")) << Dump(r);
  Sql("INSERT INTO documents_fts(rowid, document) SELECT rid, document FROM records WHERE id = 'id7' AND cid = "
      "(SELECT cid FROM collections WHERE name = 'beta')");
  r = Verify();
  EXPECT_TRUE(Has(r.problems, "fts")) << Dump(r);
}

TEST_F(VerifyTest, FtsIndexDisagreeingWithTheDocuments) {
  // An index entry no record holds (the external content has no row 999999).
  Sql("INSERT INTO documents_fts(rowid, document) VALUES (999999, 'a ghost document')");
  VerifyReport r = Verify();
  EXPECT_TRUE(Has(r.problems, "fts")) << Dump(r);
  EXPECT_FALSE(Has(r.problems, "catalog")) << Dump(r);
}

TEST_F(VerifyTest, TruncatedCatalog) {
  const std::string cat = path_ + "/ochre.sqlite3";
  fs::resize_file(cat, fs::file_size(cat) / 2);
  VerifyReport r = Verify();
  EXPECT_TRUE(Has(r.problems, "catalog")) << Dump(r);
}

TEST_F(VerifyTest, OverwrittenCatalogPages) {
  const std::string cat = path_ + "/ochre.sqlite3";
  {
    std::fstream f(cat, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(4096 * 2);
    const std::string junk(4096 * 3, '\x5a');
    f.write(junk.data(), std::streamsize(junk.size()));
  }
  VerifyReport r = Verify();
  EXPECT_FALSE(r.problems.empty()) << Dump(r);
}

TEST_F(VerifyTest, NotADatabase) {
  auto r = VerifyDatabase(dir_.Sub("nothing-here"));
  EXPECT_TRUE(r.status().IsNotFound()) << r.status().ToString();
  EXPECT_TRUE(ReadDatabaseStats(dir_.Sub("nothing-here")).status().IsNotFound());
}

}  // namespace
}  // namespace ochre
