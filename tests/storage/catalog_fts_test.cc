// Copyright 2026 The OchreDB Authors.
//
// The lazily built FTS index (catalog format 4, collections.fts_ready): a new collection's writes
// add no FTS rows; BuildFts indexes its stored documents and sets the flag in the caller's
// transaction (a rollback, or a crash before the commit, leaves it unbuilt with no entry); once
// built, inserts, rewrites and deletes keep it current; a new catalog lays the table out lean; the
// migration from format 3 marks existing collections built and keeps their index as it is.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <map>
#include <string>
#include <vector>

#include "storage/catalog.h"
#include "storage/schema.h"
#include "storage/storage_test_util.h"

namespace ochre::storage {
namespace {

constexpr const char* kDefaultDb = "00000000-0000-0000-0000-000000000000";

class CatalogFtsTest : public ScratchDirTest {
 protected:
  void SetUp() override {
    ScratchDirTest::SetUp();
    path_ = Path(kCatalogFileName);
    Reopen();
  }

  void Reopen() {
    conn_.reset();
    auto conn = CatalogConn::Open(path_, SqliteOpenOptions{}, /*migrate=*/true, nullptr);
    ASSERT_TRUE(conn.ok()) << conn.status().ToString();
    conn_ = std::move(*conn);
  }

  int64_t NewCollection(const std::string& name) {
    CollectionRow c;
    c.id = "uuid-" + name;
    c.name = name;
    c.database_id = kDefaultDb;
    c.config_json = "{}";
    EXPECT_TRUE(conn_->InsertCollection(c).ok());
    auto row = conn_->FindCollectionByName(kDefaultDb, name);
    EXPECT_TRUE(row.ok() && row->has_value());
    return (*row)->cid;
  }

  // Inserts records id0..id<n-1> with document "doc <i> <word>" (none for every seventh).
  std::map<std::string, int64_t> Insert(int64_t cid, int first, int n, const std::string& word) {
    std::map<std::string, int64_t> rids;
    Transaction txn(conn_->db());
    EXPECT_TRUE(txn.Start().ok());
    for (int i = first; i < first + n; ++i) {
      std::optional<std::string> doc;
      if (i % 7 != 0) doc = "doc " + std::to_string(i) + " " + word;
      const std::string id = "id" + std::to_string(i);
      RecordWrite w{.id = id, .row = uint32_t(i), .document = &doc};
      auto rid = conn_->InsertRecord(cid, w);
      EXPECT_TRUE(rid.ok()) << rid.status().ToString();
      rids[id] = *rid;
    }
    EXPECT_TRUE(txn.Commit().ok());
    return rids;
  }

  Status Build(int64_t cid, bool* built = nullptr) {
    Transaction txn(conn_->db());
    OCHRE_RETURN_IF_ERROR(txn.Start());
    OCHRE_ASSIGN_OR_RETURN(bool b, conn_->BuildFts(cid));
    if (built) *built = b;
    return txn.Commit();
  }

  int64_t Scalar(const std::string& sql) {
    auto st = conn_->db()->Prepare(sql);
    EXPECT_TRUE(st.ok()) << sql << ": " << st.status().ToString();
    auto row = st->Step();
    EXPECT_TRUE(row.ok() && *row) << sql;
    return st->ColumnInt(0);
  }

  // The (trigram, document) pairs the index holds: 0 for an empty index.
  int64_t IndexEntries() {
    EXPECT_TRUE(
        conn_->db()
            ->Exec("CREATE VIRTUAL TABLE IF NOT EXISTS temp.fts_vocab USING fts5vocab(main, documents_fts, row)")
            .ok());
    return Scalar("SELECT COALESCE(SUM(doc), 0) FROM temp.fts_vocab");
  }

  // The rids the index finds for a substring (FTS's GLOB, a superset), checked against instr().
  std::vector<int64_t> Search(int64_t cid, const std::string& text) {
    auto st = conn_->db()->Prepare(
        "SELECT rid FROM records WHERE cid = ?1 AND rid IN (SELECT rowid FROM documents_fts WHERE document GLOB ?2) "
        "AND instr(document, ?3) > 0 ORDER BY rid");
    EXPECT_TRUE(st.ok());
    st->Bind(1, cid).Bind(2, "*" + text + "*").Bind(3, text);
    std::vector<int64_t> out;
    while (true) {
      auto row = st->Step();
      EXPECT_TRUE(row.ok());
      if (!row.ok() || !*row) break;
      out.push_back(st->ColumnInt(0));
    }
    return out;
  }

  std::vector<int64_t> Scan(int64_t cid, const std::string& text) {
    auto st = conn_->db()->Prepare("SELECT rid FROM records WHERE cid = ?1 AND instr(document, ?2) > 0 ORDER BY rid");
    EXPECT_TRUE(st.ok());
    st->Bind(1, cid).Bind(2, text);
    std::vector<int64_t> out;
    while (true) {
      auto row = st->Step();
      if (!row.ok() || !*row) break;
      out.push_back(st->ColumnInt(0));
    }
    return out;
  }

  // FTS5's own check of the index against the documents of the built collections (the engine's
  // records of other collections, and records without a document, have no entry by design).
  void ExpectIndexMatchesDocuments() {
    // In a savepoint that is rolled back: the records without an entry leave the content table for
    // the check only.
    ASSERT_TRUE(conn_->db()->Exec("SAVEPOINT check_fts").ok());
    Status removed = conn_->db()->Exec(
        "DELETE FROM records WHERE document IS NULL OR cid NOT IN (SELECT cid FROM collections WHERE fts_ready)");
    Status check = conn_->db()->Exec("INSERT INTO documents_fts(documents_fts, rank) VALUES('integrity-check', 1)");
    ASSERT_TRUE(conn_->db()->Exec("ROLLBACK TO check_fts; RELEASE check_fts").ok());
    EXPECT_TRUE(removed.ok()) << removed.ToString();
    EXPECT_TRUE(check.ok()) << check.ToString();
  }

  std::string path_;
  std::unique_ptr<CatalogConn> conn_;
};

TEST_F(CatalogFtsTest, NewCatalogHasTheLeanLayoutAndTheCurrentFormat) {
  EXPECT_EQ(Scalar("SELECT CAST(value AS INTEGER) FROM ochre_meta WHERE key = 'format_version'"),
            kCatalogFormatVersion);
  auto st = conn_->db()->Prepare("SELECT sql FROM sqlite_master WHERE name = 'documents_fts'");
  ASSERT_TRUE(st.ok());
  ASSERT_TRUE(*st->Step());
  const std::string sql = st->ColumnString(0);
  EXPECT_NE(sql.find("detail=none"), std::string::npos) << sql;
  EXPECT_NE(sql.find("columnsize=0"), std::string::npos) << sql;
}

TEST_F(CatalogFtsTest, WritesOfAnUnbuiltCollectionAddNoEntries) {
  const int64_t cid = NewCollection("a");
  Insert(cid, 0, 50, "apple");
  EXPECT_FALSE(*conn_->FtsReady(cid));
  EXPECT_FALSE((*conn_->FindCollectionById("uuid-a"))->fts_ready);
  EXPECT_EQ(IndexEntries(), 0);
  // Rewrites and deletes of an unbuilt collection must not "delete" entries it never had (FTS5
  // would corrupt its index).
  auto old = conn_->FindRecordsByIds(cid, {"id1", "id2"});
  ASSERT_TRUE(old.ok());
  const std::optional<std::string> doc = "rewritten banana";
  RecordWrite w{.id = "id1", .row = 1, .document = &doc};
  ASSERT_TRUE(conn_->RewriteRecord(cid, (*old)[0], w).ok());
  ASSERT_TRUE(conn_->DeleteRecord(cid, (*old)[1]).ok());
  EXPECT_EQ(IndexEntries(), 0);
  ExpectIndexMatchesDocuments();
}

TEST_F(CatalogFtsTest, BuildIndexesTheStoredDocumentsOnceAndWritesThenKeepItCurrent) {
  const int64_t a = NewCollection("a");
  const int64_t b = NewCollection("b");
  Insert(a, 0, 300, "apple");
  Insert(b, 0, 100, "apple");
  bool built = false;
  ASSERT_TRUE(Build(a, &built).ok());
  EXPECT_TRUE(built);
  EXPECT_TRUE(*conn_->FtsReady(a));
  EXPECT_FALSE(*conn_->FtsReady(b));  // per collection
  ASSERT_TRUE(Build(a, &built).ok());
  EXPECT_FALSE(built);  // already built: nothing indexed twice
  ExpectIndexMatchesDocuments();
  EXPECT_EQ(Search(a, "apple"), Scan(a, "apple"));
  EXPECT_EQ(Search(a, "doc 12"), Scan(a, "doc 12"));
  EXPECT_TRUE(Search(b, "apple").empty());  // b has no entries

  // Writes after the build: inserts, a rewrite that changes the document, deletes.
  Insert(a, 300, 40, "cherry");
  auto old = conn_->FindRecordsByIds(a, {"id5", "id6", "id8"});
  ASSERT_TRUE(old.ok() && old->size() == 3);
  {
    Transaction txn(conn_->db());
    ASSERT_TRUE(txn.Start().ok());
    const std::optional<std::string> doc = "now a cherry";
    RecordWrite w{.id = "id5", .row = 5, .document = &doc};
    ASSERT_TRUE(conn_->RewriteRecord(a, (*old)[0], w).ok());
    ASSERT_TRUE(conn_->DeleteRecord(a, (*old)[1]).ok());
    const std::optional<std::string> none;
    RecordWrite cleared{.id = "id8", .row = 8, .document = &none};
    ASSERT_TRUE(conn_->RewriteRecord(a, (*old)[2], cleared).ok());
    ASSERT_TRUE(txn.Commit().ok());
  }
  ExpectIndexMatchesDocuments();
  for (const char* text : {"apple", "cherry", "doc 5 ", "doc 6 ", "doc 8 ", "now a"}) {
    EXPECT_EQ(Search(a, text), Scan(a, text)) << text;
  }
  EXPECT_EQ(Search(a, "cherry").size(), Scan(a, "cherry").size());
  EXPECT_EQ(Search(a, "now a").size(), 1u);

  // Deleting the collection removes its entries; b, unbuilt, has none to remove.
  {
    Transaction txn(conn_->db());
    ASSERT_TRUE(txn.Start().ok());
    ASSERT_TRUE(conn_->DeleteCollection(a).ok());
    ASSERT_TRUE(conn_->DeleteCollection(b).ok());
    ASSERT_TRUE(txn.Commit().ok());
  }
  EXPECT_EQ(IndexEntries(), 0);
  ExpectIndexMatchesDocuments();
}

TEST_F(CatalogFtsTest, RolledBackBuildLeavesTheCollectionUnbuilt) {
  const int64_t a = NewCollection("a");
  Insert(a, 0, 200, "apple");
  {
    Transaction txn(conn_->db());
    ASSERT_TRUE(txn.Start().ok());
    auto built = conn_->BuildFts(a);
    ASSERT_TRUE(built.ok() && *built);
    // No commit: the transaction rolls back here.
  }
  EXPECT_FALSE(*conn_->FtsReady(a));
  EXPECT_EQ(IndexEntries(), 0);
  // Writes go on without entries, and a later build indexes everything.
  Insert(a, 200, 20, "banana");
  EXPECT_EQ(IndexEntries(), 0);
  ASSERT_TRUE(Build(a).ok());
  ExpectIndexMatchesDocuments();
  EXPECT_EQ(Search(a, "banana"), Scan(a, "banana"));
}

// A process that dies in the middle of a build (its transaction large enough to spill pages into
// the WAL before the commit) leaves the collection unbuilt: no entry, the flag unset.
TEST_F(CatalogFtsTest, CrashDuringTheBuildLeavesTheCollectionUnbuilt) {
  const int64_t a = NewCollection("a");
  for (int k = 0; k < 10; ++k) Insert(a, k * 1000, 1000, "a somewhat longer document text " + std::to_string(k));
  conn_.reset();
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    ::alarm(60);  // a hang guard, not a timing assertion
    auto conn = CatalogConn::Open(path_, SqliteOpenOptions{}, /*migrate=*/true, nullptr);
    if (!conn.ok()) ::_exit(2);
    // A small page cache: the build's pages spill into the WAL before any commit.
    if (!(*conn)->db()->Exec("PRAGMA cache_size = 16").ok()) ::_exit(3);
    Transaction txn((*conn)->db());
    if (!txn.Start().ok()) ::_exit(4);
    auto built = (*conn)->BuildFts(a);
    if (!built.ok() || !*built) ::_exit(5);
    ::_exit(0);  // dies before the commit, without closing anything
  }
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
  Reopen();
  EXPECT_FALSE(*conn_->FtsReady(a));
  EXPECT_EQ(IndexEntries(), 0);
  auto check = conn_->db()->Prepare("PRAGMA integrity_check");
  ASSERT_TRUE(check.ok());
  ASSERT_TRUE(*check->Step());
  EXPECT_EQ(check->ColumnString(0), "ok");
  ASSERT_TRUE(Build(a).ok());
  ExpectIndexMatchesDocuments();
  EXPECT_EQ(Search(a, "text 7"), Scan(a, "text 7"));
}

// A catalog of format 3, as the previous release made it (migrations 1-3), with one collection
// 'uuid-old' (cid 1), then `extra_sql`.
Result<std::unique_ptr<SqliteDb>> FormatThreeCatalog(const std::string& path, const std::string& extra_sql) {
  OCHRE_ASSIGN_OR_RETURN(auto db, SqliteDb::Open(path, SqliteOpenOptions{}));
  for (int v = 1; v <= 3; ++v) OCHRE_RETURN_IF_ERROR(db->Exec(Migrations()[v - 1]));
  OCHRE_RETURN_IF_ERROR(
      db->Exec("INSERT INTO ochre_meta(key, value) VALUES ('format_version', '3');"
               "INSERT INTO collections(id, name, database_id, config_json) VALUES "
               "('uuid-old', 'old', '" +
               std::string(kDefaultDb) + "', '{}');" + extra_sql));
  return db;
}

// A catalog of format 3 (built here with migrations 1-3, as the previous release made it, with the
// FTS rows it wrote eagerly) opens at the current format with its collections marked built, its index kept as
// it was (full layout, no rebuild), and answers as before; new collections start unbuilt.
TEST_F(CatalogFtsTest, MigrationFromFormatThreeMarksExistingCollectionsBuilt) {
  conn_.reset();
  const std::string old_path = Path("old.sqlite3");
  {
    auto db = FormatThreeCatalog(old_path, "");
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    for (int i = 0; i < 100; ++i) {
      auto st = (*db)->Prepare("INSERT INTO records(cid, id, row, document) VALUES (1, ?1, ?2, ?3)");
      ASSERT_TRUE(st.ok());
      st->Bind(1, "id" + std::to_string(i)).Bind(2, int64_t(i)).Bind(3, "old document " + std::to_string(i));
      ASSERT_TRUE(st->Run().ok());
      ASSERT_TRUE((*db)
                      ->Exec("INSERT INTO documents_fts(rowid, document) SELECT rid, document FROM records WHERE "
                             "rid = last_insert_rowid()")
                      .ok());
    }
  }
  path_ = old_path;
  Reopen();
  EXPECT_EQ(Scalar("SELECT CAST(value AS INTEGER) FROM ochre_meta WHERE key = 'format_version'"),
            kCatalogFormatVersion);
  auto row = conn_->FindCollectionById("uuid-old");
  ASSERT_TRUE(row.ok() && row->has_value());
  EXPECT_TRUE((*row)->fts_ready);
  EXPECT_EQ(Scalar("SELECT instr(sql, 'detail=none') FROM sqlite_master WHERE name = 'documents_fts'"), 0);
  ExpectIndexMatchesDocuments();
  EXPECT_EQ(Search(1, "document 4"), Scan(1, "document 4"));
  EXPECT_EQ(Search(1, "document 4").size(), 11u);
  // The old collection's writes go on maintaining the index; a new one starts unbuilt.
  Insert(1, 100, 10, "fresh");
  EXPECT_EQ(Search(1, "fresh"), Scan(1, "fresh"));
  const int64_t b = NewCollection("b");
  EXPECT_FALSE(*conn_->FtsReady(b));
  Insert(b, 0, 10, "fresh");
  ExpectIndexMatchesDocuments();
  ASSERT_TRUE(Build(b).ok());
  EXPECT_EQ(Search(b, "fresh"), Scan(b, "fresh"));
  ExpectIndexMatchesDocuments();
}

// A catalog of format 3 without a single document has nothing in its index: the migration gives
// it the lean layout.
TEST_F(CatalogFtsTest, MigrationOfACatalogWithoutDocumentsGivesTheLeanLayout) {
  conn_.reset();
  const std::string old_path = Path("empty.sqlite3");
  {
    auto db = FormatThreeCatalog(old_path, "INSERT INTO records(cid, id, row) VALUES (1, 'x', 0);");
    ASSERT_TRUE(db.ok()) << db.status().ToString();
  }
  path_ = old_path;
  Reopen();
  EXPECT_GT(Scalar("SELECT instr(sql, 'detail=none') FROM sqlite_master WHERE name = 'documents_fts'"), 0);
  EXPECT_TRUE(*conn_->FtsReady(1));  // nothing to index: built, and kept current from now on
  Insert(1, 1, 20, "kiwi");
  EXPECT_EQ(Search(1, "kiwi"), Scan(1, "kiwi"));
  ExpectIndexMatchesDocuments();
}

}  // namespace
}  // namespace ochre::storage
