// Copyright 2026 The OchreDB Authors.
//
// CatalogConn::FindRecordsByRows: the query path resolves all of a query's hits with one statement.
// Its three forms (16 and 64 bound rows, a JSON array beyond) must all answer exactly the records
// at the given rows of the given collection, with or without their payload.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "storage/catalog.h"

namespace ochre::storage {
namespace {

class CatalogRecordsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto conn = CatalogConn::Open("", SqliteOpenOptions{.in_memory = true}, /*migrate=*/true, nullptr);
    ASSERT_TRUE(conn.ok()) << conn.status().ToString();
    conn_ = std::move(*conn);
    Transaction txn(conn_->db());
    ASSERT_TRUE(txn.Start().ok());
    for (int64_t cid : {1, 2}) {
      CollectionRow c;
      c.cid = cid;
      c.id = "uuid-" + std::to_string(cid);
      c.name = "c" + std::to_string(cid);
      c.database_id = "00000000-0000-0000-0000-000000000000";
      c.config_json = "{}";
      ASSERT_TRUE(conn_->InsertCollection(c).ok());
    }
    // Collection 1: rows 0..199 (even ones with a document, every third with a uri, every fifth
    // with metadata); row 200 + i of collection 2 has the same rows as collection 1 would not.
    for (uint32_t r = 0; r < 200; ++r) {
      std::optional<std::string> doc, uri;
      if (r % 2 == 0) doc = "doc " + std::to_string(r);
      if (r % 3 == 0) uri = "uri " + std::to_string(r);
      Metadata meta;
      if (r % 5 == 0) meta["k"] = int64_t(r);
      RecordWrite w{.id = "", .row = r, .document = &doc, .uri = &uri, .metadata = &meta};
      const std::string id = "id-" + std::to_string(r);
      w.id = id;
      ASSERT_TRUE(conn_->InsertRecord(1, w).ok());
    }
    for (uint32_t r = 0; r < 10; ++r) {
      const std::string id = "other-" + std::to_string(r);
      RecordWrite w{.id = id, .row = r};
      ASSERT_TRUE(conn_->InsertRecord(2, w).ok());
    }
    ASSERT_TRUE(txn.Commit().ok());
  }

  // The rows' records, by row.
  std::map<uint32_t, RecordRow> Find(int64_t cid, const std::vector<uint32_t>& rows, bool payload) {
    auto got = conn_->FindRecordsByRows(cid, rows, payload);
    EXPECT_TRUE(got.ok()) << got.status().ToString();
    std::map<uint32_t, RecordRow> out;
    if (!got.ok()) return out;
    for (auto& r : *got) {
      EXPECT_TRUE(out.emplace(r.row, r).second) << "row " << r.row << " answered twice";
    }
    return out;
  }

  std::unique_ptr<CatalogConn> conn_;
};

TEST_F(CatalogRecordsTest, EachFormAnswersExactlyTheRowsAsked) {
  // 1, 16 (the small form full), 17 and 64 (the large one), 65 and 200 (the JSON array).
  for (uint32_t n : {1u, 5u, 16u, 17u, 64u, 65u, 200u}) {
    SCOPED_TRACE("rows asked: " + std::to_string(n));
    std::vector<uint32_t> rows;
    for (uint32_t i = 0; i < n; ++i) rows.push_back((i * 37) % 200);  // distinct, out of order
    std::sort(rows.begin(), rows.end());
    ASSERT_EQ(std::unique(rows.begin(), rows.end()), rows.end());
    std::reverse(rows.begin(), rows.end());
    for (bool payload : {false, true}) {
      auto got = Find(1, rows, payload);
      ASSERT_EQ(got.size(), rows.size());
      for (uint32_t r : rows) {
        ASSERT_TRUE(got.count(r)) << "row " << r;
        const RecordRow& rec = got[r];
        EXPECT_EQ(rec.id, "id-" + std::to_string(r));
        EXPECT_GT(rec.rid, 0);
        if (!payload) {
          EXPECT_FALSE(rec.document.has_value());
          EXPECT_FALSE(rec.uri.has_value());
          EXPECT_FALSE(rec.metadata_json.has_value());
          continue;
        }
        EXPECT_EQ(rec.document, r % 2 == 0 ? std::optional<std::string>("doc " + std::to_string(r)) : std::nullopt);
        EXPECT_EQ(rec.uri, r % 3 == 0 ? std::optional<std::string>("uri " + std::to_string(r)) : std::nullopt);
        EXPECT_EQ(rec.metadata_json.has_value(), r % 5 == 0);
      }
    }
  }
}

TEST_F(CatalogRecordsTest, RowsWithoutARecordOfTheCollectionAreSkipped) {
  // Rows past the collection's records, and rows only collection 2 holds a record at, for each form.
  for (uint32_t n : {3u, 20u, 100u}) {
    SCOPED_TRACE("rows asked: " + std::to_string(n));
    std::vector<uint32_t> rows;
    for (uint32_t i = 0; i < n; ++i) rows.push_back(190 + i);  // 190..199 exist in collection 1
    auto got = Find(1, rows, true);
    EXPECT_EQ(got.size(), std::min<size_t>(n, 10));
    for (const auto& [row, rec] : got) EXPECT_EQ(rec.id, "id-" + std::to_string(row));
    auto other = Find(2, rows, false);
    EXPECT_TRUE(other.empty());
  }
  auto other = Find(2, {0, 9, 10, 150}, false);
  ASSERT_EQ(other.size(), 2u);
  EXPECT_EQ(other[0].id, "other-0");
  EXPECT_EQ(other[9].id, "other-9");
  EXPECT_TRUE(Find(1, {}, true).empty());
}

TEST_F(CatalogRecordsTest, AMovedRecordIsFoundAtItsNewRowOnly) {
  // An update rewrites a record at a new row (the old one becomes a tombstone).
  auto before = Find(1, {4}, true);
  ASSERT_EQ(before.size(), 1u);
  const RecordRow old = before[4];
  std::optional<std::string> doc = "moved";
  RecordWrite w{.id = old.id, .row = 500, .document = &doc};
  Transaction txn(conn_->db());
  ASSERT_TRUE(txn.Start().ok());
  ASSERT_TRUE(conn_->RewriteRecord(1, old, w).ok());
  ASSERT_TRUE(txn.Commit().ok());
  auto got = Find(1, {4, 500, 6}, true);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_FALSE(got.count(4));
  EXPECT_EQ(got[500].id, "id-4");
  EXPECT_EQ(got[500].rid, old.rid);
  EXPECT_EQ(got[500].document, std::optional<std::string>("moved"));
  EXPECT_EQ(got[6].id, "id-6");
}

// LiveRidRows maps the records to their vector rows from the (cid, row) index, which no checksum
// covers: a lost entry (their number is not committed_rows - dead_rows) or two records at one row
// is Corruption, never a map that answers with other records' vectors.
TEST_F(CatalogRecordsTest, LiveRidRowsRefusesCountsOrRowsThatDoNotAddUp) {
  ASSERT_TRUE(conn_->SetRowCounts(1, 200, 0).ok());
  ASSERT_TRUE(conn_->SetRowCounts(2, 12, 2).ok());
  auto one = conn_->LiveRidRows(1);
  ASSERT_TRUE(one.ok()) << one.status().ToString();
  EXPECT_EQ(one->size(), 200u);
  auto two = conn_->LiveRidRows(2);
  ASSERT_TRUE(two.ok()) << two.status().ToString();
  EXPECT_EQ(two->size(), 10u);

  ASSERT_TRUE(conn_->SetRowCounts(1, 200, 1).ok());  // one record fewer than there are
  auto fewer = conn_->LiveRidRows(1);
  ASSERT_EQ(fewer.status().code(), StatusCode::kCorruption) << fewer.status().ToString();
  EXPECT_NE(fewer.status().message().find("has 200 live records, but its row counts say 199"), std::string::npos)
      << fewer.status().ToString();

  ASSERT_TRUE(conn_->SetRowCounts(1, 200, 0).ok());
  ASSERT_TRUE(conn_->db()->Exec("UPDATE records SET row = 5 WHERE cid = 1 AND id = 'id-6'").ok());
  auto shared = conn_->LiveRidRows(1);
  ASSERT_EQ(shared.status().code(), StatusCode::kCorruption) << shared.status().ToString();
  EXPECT_NE(shared.status().message().find("two records at vector row 5"), std::string::npos)
      << shared.status().ToString();
  EXPECT_TRUE(conn_->LiveRidRows(2).ok());  // the other collection is unaffected
}

}  // namespace
}  // namespace ochre::storage
