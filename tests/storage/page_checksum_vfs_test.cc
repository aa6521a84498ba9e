// Copyright 2026 The OchreDB Authors.
//
// Page checksums of SQLite databases opened with SqliteOpenOptions::page_checksums (the catalog;
// storage/page_checksum_vfs.h): a new database reserves 8 bytes per page and every page carries its
// checksum; a damaged page of the main file or of the WAL is Corruption naming the file and the
// page; SQLite's WAL recovery accepts every frame the VFS wrote (their frame checksums are computed
// again over the pages as written) and, as without the VFS, drops a damaged frame and the frames
// after it; a database without reserved bytes works unchecked and AddPageChecksums converts it;
// and a workload of two connections (inserts, deletes, VACUUM, checkpoints, spills) never reports
// a mismatch.
#include "storage/page_checksum_vfs.h"

#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "storage/sqlite_db.h"
#include "storage/storage_test_util.h"

namespace ochre::storage {
namespace {

namespace fs = std::filesystem;

constexpr int64_t kPage = 4096;
constexpr int64_t kFrame = kPage + 24;

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

void FlipBit(const std::string& path, int64_t offset, int bit = 3) {
  std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
  ASSERT_TRUE(f.good()) << path;
  f.seekg(offset);
  char c = 0;
  f.read(&c, 1);
  c = char(c ^ (1 << bit));
  f.seekp(offset);
  f.write(&c, 1);
}

int ReservedBytes(const std::string& path) {
  const std::string bytes = ReadAll(path);
  return bytes.size() >= 100 ? static_cast<unsigned char>(bytes[20]) : -1;
}

// The page numbers of `path` (a closed database) whose trailer does not match.
std::vector<int64_t> BadPages(const std::string& path) {
  const std::string bytes = ReadAll(path);
  std::vector<int64_t> bad;
  for (size_t off = 0; off + kPage <= bytes.size(); off += kPage) {
    if (!PageTrailerMatches(reinterpret_cast<const uint8_t*>(bytes.data()) + off, kPage)) {
      bad.push_back(int64_t(off / kPage) + 1);
    }
  }
  return bad;
}

Result<int64_t> Scalar(SqliteDb& db, const std::string& sql) {
  OCHRE_ASSIGN_OR_RETURN(Statement st, db.Prepare(sql));
  OCHRE_ASSIGN_OR_RETURN(bool row, st.Step());
  if (!row) return Status::NotFound("no row: " + sql);
  return st.ColumnInt(0);
}

// Reads every page of the test schema: the table, its index, and integrity_check over the rest.
Status ReadEverything(SqliteDb& db) {
  OCHRE_RETURN_IF_ERROR(Scalar(db, "SELECT sum(length(b)) + count(*) FROM t").status());
  OCHRE_RETURN_IF_ERROR(Scalar(db, "SELECT count(*) FROM t INDEXED BY t_k WHERE k >= 0").status());
  OCHRE_ASSIGN_OR_RETURN(Statement st, db.Prepare("PRAGMA integrity_check"));
  OCHRE_ASSIGN_OR_RETURN(bool row, st.Step());
  if (!row || st.ColumnString(0) != "ok") return Status::Corruption("integrity_check: " + st.ColumnString(0));
  return Status::Ok();
}

class PageChecksumVfsTest : public ScratchDirTest {
 protected:
  std::string Db() const { return Path("test.sqlite3"); }

  std::unique_ptr<SqliteDb> Open(const std::string& path, bool checksums = true) {
    auto db = SqliteDb::Open(path, SqliteOpenOptions{.page_checksums = checksums});
    EXPECT_TRUE(db.ok()) << db.status().ToString();
    return db.ok() ? std::move(*db) : nullptr;
  }

  // Rows [first, first + n) in one transaction: k = id * 7 % 1000, b = 200 bytes.
  static void Insert(SqliteDb& db, int first, int n) {
    ASSERT_TRUE(db.Exec("CREATE TABLE IF NOT EXISTS t(id INTEGER PRIMARY KEY, k INTEGER, b BLOB);"
                        "CREATE INDEX IF NOT EXISTS t_k ON t(k)")
                    .ok());
    ASSERT_TRUE(db.Begin().ok());
    auto st = db.Prepare("INSERT INTO t(id, k, b) VALUES (?1, ?1 * 7 % 1000, randomblob(200))");
    ASSERT_TRUE(st.ok());
    for (int i = first; i < first + n; ++i) {
      st->Reset();
      st->Bind(1, int64_t(i));
      ASSERT_TRUE(st->Run().ok());
    }
    ASSERT_TRUE(db.Commit().ok());
  }

  int64_t Count(SqliteDb& db) {
    auto n = Scalar(db, "SELECT count(*) FROM t");
    EXPECT_TRUE(n.ok()) << n.status().ToString();
    return n.ok() ? *n : -1;
  }

  // Copies the database and its WAL (not the -shm: the next open recovers from the WAL) while a
  // connection has them open, as a crash would leave them.
  std::string CopyOpen(const std::string& name) {
    const std::string copy = Path(name);
    fs::copy_file(Db(), copy);
    fs::copy_file(Db() + "-wal", copy + "-wal");
    return copy;
  }
};

TEST_F(PageChecksumVfsTest, NewDatabaseReservesEightBytesAndEveryPageCarriesItsChecksum) {
  {
    auto db = Open(Db());
    Insert(*db, 0, 3000);
  }
  EXPECT_EQ(ReservedBytes(Db()), kPageTrailerBytes);
  EXPECT_GT(fs::file_size(Db()), uint64_t(20 * kPage));
  EXPECT_TRUE(BadPages(Db()).empty());
  auto db = Open(Db());
  EXPECT_TRUE(ReadEverything(*db).ok());
  EXPECT_EQ(Count(*db), 3000);
}

TEST_F(PageChecksumVfsTest, FlippedBitInAnyPageIsCorruptionNamingThePage) {
  {
    auto db = Open(Db());
    Insert(*db, 0, 3000);
  }
  const std::string pristine = ReadAll(Db());
  const int64_t pages = int64_t(pristine.size()) / kPage;
  // Page 1 past the 100-byte header, and a spread of the other pages at several positions.
  for (int64_t pgno : {int64_t(1), int64_t(2), int64_t(3), pages / 2, pages - 1, pages}) {
    for (int64_t at : {int64_t(150), kPage / 2, kPage - 9, kPage - 3}) {
      if (pgno == 1 && at < 100) continue;
      std::ofstream(Db(), std::ios::binary | std::ios::trunc) << pristine;
      FlipBit(Db(), (pgno - 1) * kPage + at);
      auto db = SqliteDb::Open(Db(), SqliteOpenOptions{.page_checksums = true});
      Status s = db.ok() ? ReadEverything(**db) : db.status();
      EXPECT_TRUE(s.IsCorruption()) << "page " << pgno << " byte " << at << ": " << s.ToString();
      EXPECT_NE(s.ToString().find("catalog page " + std::to_string(pgno) + " of " + Db()), std::string::npos)
          << s.ToString();
    }
  }
}

TEST_F(PageChecksumVfsTest, DamagedReservedBytesHeaderByteIsCorruption) {
  {
    auto db = Open(Db());
    Insert(*db, 0, 500);
  }
  FlipBit(Db(), 20, 0);  // 8 -> 9: read unchecked, it would switch the checks off
  auto db = SqliteDb::Open(Db(), SqliteOpenOptions{.page_checksums = true});
  Status s = db.ok() ? ReadEverything(**db) : db.status();
  EXPECT_TRUE(s.IsCorruption()) << s.ToString();
}

TEST_F(PageChecksumVfsTest, DamagedWalFrameFailsItsRead) {
  auto live = Open(Db());
  ASSERT_TRUE(live->Exec("PRAGMA wal_autocheckpoint=0").ok());
  for (int i = 0; i < 10; ++i) Insert(*live, i * 100, 100);
  const int64_t frames = (int64_t(fs::file_size(Db() + "-wal")) - 32) / kFrame;
  ASSERT_GT(frames, 10);
  // The last frame holds the newest copy of its page, which any full read reads. The live
  // connection's -shm stays valid, so a new connection reads the frames without recovery.
  FlipBit(Db() + "-wal", 32 + (frames - 1) * kFrame + 24 + 2000);
  auto reader = SqliteDb::Open(Db(), SqliteOpenOptions{.create = false, .page_checksums = true});
  Status s = reader.ok() ? ReadEverything(**reader) : reader.status();
  EXPECT_TRUE(s.IsCorruption()) << s.ToString();
  EXPECT_NE(s.ToString().find("in frame " + std::to_string(frames) + " of " + Db() + "-wal fails its checksum"),
            std::string::npos)
      << s.ToString();
}

TEST_F(PageChecksumVfsTest, WalRecoveryKeepsEveryCommittedFrame) {
  // Every commit's frame checksums, computed again by the VFS, must satisfy SQLite's recovery: the
  // copy (no -shm) recovers every transaction. A small cache makes a long transaction spill pages
  // into the WAL and write some again over their frames (SQLite then rewrites the checksums at
  // commit, reading them from the file).
  auto live = Open(Db());
  ASSERT_TRUE(live->Exec("PRAGMA wal_autocheckpoint=0; PRAGMA cache_size=8").ok());
  for (int i = 0; i < 40; ++i) Insert(*live, i * 50, 50);
  ASSERT_TRUE(live->Exec("BEGIN; UPDATE t SET b = randomblob(300) WHERE id % 3 = 0; "
                         "UPDATE t SET k = k + 1 WHERE id % 2 = 0; DELETE FROM t WHERE id % 11 = 0; COMMIT")
                  .ok());
  Insert(*live, 5000, 10);
  const int64_t want = Count(*live);
  auto sum = Scalar(*live, "SELECT sum(k) + sum(length(b)) FROM t");
  ASSERT_TRUE(sum.ok());
  const std::string copy = CopyOpen("copy.sqlite3");
  live.reset();
  auto db = Open(copy);
  ASSERT_NE(db, nullptr);
  EXPECT_EQ(Count(*db), want);
  auto got = Scalar(*db, "SELECT sum(k) + sum(length(b)) FROM t");
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(*got, *sum);
  EXPECT_TRUE(ReadEverything(*db).ok());
}

TEST_F(PageChecksumVfsTest, WalRecoveryDropsADamagedFrameAndTheFramesAfterIt) {
  // What SQLite does at recovery with a damaged frame (its frame checksum no longer matches): it
  // keeps the transactions committed before it and drops it and everything after. The VFS does not
  // change that; a read of a damaged frame SQLite keeps (no recovery) fails instead (above).
  auto live = Open(Db());
  ASSERT_TRUE(live->Exec("PRAGMA wal_autocheckpoint=0").ok());
  std::vector<std::pair<int64_t, int64_t>> commits;  // (frames in the WAL, rows) after each commit
  for (int i = 0; i < 12; ++i) {
    Insert(*live, i * 100, 100);
    commits.emplace_back((int64_t(fs::file_size(Db() + "-wal")) - 32) / kFrame, Count(*live));
  }
  const std::string copy = CopyOpen("copy.sqlite3");
  live.reset();
  const int64_t damaged = commits[5].first + 2;  // a frame of the 7th transaction
  FlipBit(copy + "-wal", 32 + (damaged - 1) * kFrame + 24 + 1000);
  int64_t expected = 0;
  for (const auto& [frames, rows] : commits) {
    if (frames < damaged) expected = rows;
  }
  auto db = SqliteDb::Open(copy, SqliteOpenOptions{.page_checksums = true});
  ASSERT_TRUE(db.ok()) << db.status().ToString();
  EXPECT_EQ(Count(**db), expected);
  EXPECT_EQ(expected, 600);
  EXPECT_TRUE(ReadEverything(**db).ok());
}

TEST_F(PageChecksumVfsTest, DatabaseWithoutReservedBytesWorksUncheckedAndConverts) {
  {
    auto db = Open(Db(), /*checksums=*/false);
    Insert(*db, 0, 2000);
  }
  ASSERT_EQ(ReservedBytes(Db()), 0);
  {
    auto db = Open(Db());
    Insert(*db, 2000, 500);
    EXPECT_TRUE(ReadEverything(*db).ok());
    auto reserve = ReservedBytesPerPage(db.get());
    ASSERT_TRUE(reserve.ok());
    EXPECT_EQ(*reserve, 0);
  }
  EXPECT_EQ(ReservedBytes(Db()), 0);
  {
    // Another connection open: AddPageChecksums refuses and changes nothing.
    auto other = Open(Db());
    ASSERT_TRUE(Scalar(*other, "SELECT count(*) FROM t").ok());
    auto db = Open(Db());
    auto added = AddPageChecksums(db.get());
    EXPECT_EQ(added.status().code(), StatusCode::kLocked) << added.status().ToString();
    EXPECT_EQ(Count(*db), 2500);
  }
  EXPECT_EQ(ReservedBytes(Db()), 0);
  {
    auto db = Open(Db());
    auto added = AddPageChecksums(db.get());
    ASSERT_TRUE(added.ok()) << added.status().ToString();
    EXPECT_TRUE(*added);
    EXPECT_EQ(Count(*db), 2500);
    Insert(*db, 2500, 100);
    added = AddPageChecksums(db.get());
    ASSERT_TRUE(added.ok());
    EXPECT_FALSE(*added);
  }
  EXPECT_EQ(ReservedBytes(Db()), kPageTrailerBytes);
  EXPECT_TRUE(BadPages(Db()).empty());
  {
    auto db = Open(Db());
    EXPECT_TRUE(ReadEverything(*db).ok());
    EXPECT_EQ(Count(*db), 2600);
  }
  FlipBit(Db(), 3 * kPage + 700);
  auto db = SqliteDb::Open(Db(), SqliteOpenOptions{.page_checksums = true});
  Status s = db.ok() ? ReadEverything(**db) : db.status();
  EXPECT_TRUE(s.IsCorruption()) << s.ToString();
}

TEST_F(PageChecksumVfsTest, WorkloadOfTwoConnectionsNeverReportsAMismatch) {
  auto a = Open(Db());
  auto b = Open(Db());
  ASSERT_TRUE(a->Exec("PRAGMA cache_size=20").ok());
  std::mt19937 rng(15);
  int next = 0;
  for (int round = 0; round < 60; ++round) {
    SqliteDb& w = (round % 2) ? *a : *b;
    SqliteDb& r = (round % 2) ? *b : *a;
    Insert(w, next, 100);
    next += 100;
    const int64_t cut = int64_t(rng() % uint32_t(next));
    ASSERT_TRUE(
        r.Exec("DELETE FROM t WHERE id % 5 = " + std::to_string(round % 5) + " AND id < " + std::to_string(cut)).ok());
    ASSERT_TRUE(w.Exec("UPDATE t SET b = randomblob(" + std::to_string(50 + round * 7) +
                       ") WHERE id % 13 = " + std::to_string(round % 13))
                    .ok());
    const int64_t na = Count(*a), nb = Count(*b);
    ASSERT_EQ(na, nb);
    ASSERT_GE(na, 0);
    if (round % 10 == 3) ASSERT_TRUE(w.Exec("VACUUM").ok()) << round;
    if (round % 7 == 2) ASSERT_TRUE(r.Exec("PRAGMA wal_checkpoint(PASSIVE)").ok());
    if (round % 9 == 4) ASSERT_TRUE(w.Exec("PRAGMA wal_checkpoint(TRUNCATE)").ok());
    if (round % 11 == 5) ASSERT_TRUE(r.Exec("PRAGMA wal_checkpoint(RESTART)").ok());
  }
  Status sa = ReadEverything(*a), sb = ReadEverything(*b);
  EXPECT_TRUE(sa.ok()) << sa.ToString();
  EXPECT_TRUE(sb.ok()) << sb.ToString();
  a.reset();
  b.reset();
  EXPECT_TRUE(BadPages(Db()).empty());
  EXPECT_EQ(ReservedBytes(Db()), kPageTrailerBytes);
}

TEST_F(PageChecksumVfsTest, TrailerLayout) {
  std::vector<uint8_t> page(kPage, 0x11);
  SetPageTrailer(page.data(), page.size());
  EXPECT_TRUE(PageTrailerMatches(page.data(), page.size()));
  // Bytes 4..7: the magic, "OcPg" as bytes.
  EXPECT_EQ(std::memcmp(page.data() + kPage - 4, "OcPg", 4), 0);
  page[17] ^= 1;
  EXPECT_FALSE(PageTrailerMatches(page.data(), page.size()));
  page[17] ^= 1;
  page[kPage - 8] ^= 0x80;
  EXPECT_FALSE(PageTrailerMatches(page.data(), page.size()));
}

}  // namespace
}  // namespace ochre::storage
