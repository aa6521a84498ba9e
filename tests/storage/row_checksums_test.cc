// Copyright 2026 The OchreDB Authors.
//
// Row checksums of vectors files (storage/row_checksums.h): damage to committed rows is Corruption
// at open naming the file and the rows; crashes and rollbacks never produce a false mismatch; files
// from before checksums still open.
#include "storage/row_checksums.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "common/file.h"
#include "storage/storage_test_util.h"
#include "storage/vector_file.h"

namespace ochre::storage {
namespace {

constexpr uint32_t kDim = 8;
constexpr uint32_t kSmallShift = 4;  // 16 rows per chunk, so 16 rows per checksum block

class RowChecksumsTest : public ScratchDirTest {
 protected:
  std::string FilePath(const std::string& name = "vectors.f32") const { return Path(name); }

  Result<std::unique_ptr<VectorFile>> OpenFile(uint64_t committed, const std::string& name = "vectors.f32") {
    return VectorFile::Open(FilePath(name), kDim, committed, true, kSmallShift);
  }

  // Creates a file of `n` committed rows (MakeRows values offset by `salt`).
  void Fill(uint32_t n, float salt = 0, const std::string& name = "vectors.f32") {
    auto vf = OpenFile(0, name);
    ASSERT_TRUE(vf.ok()) << vf.status().ToString();
    std::vector<float> rows = MakeRows(0, n, kDim, salt);
    ASSERT_TRUE((*vf)->Append(rows.data(), n).ok());
    ASSERT_TRUE((*vf)->Sync().ok());
    EXPECT_TRUE((*vf)->has_checksums());
    EXPECT_EQ((*vf)->checksum_block_rows(), 16u);
  }

  void Poke(const std::string& path, uint64_t offset, std::string_view bytes) {
    auto f = File::Open(path, OpenMode::kReadWrite);
    ASSERT_TRUE(f.ok());
    ASSERT_TRUE(f->Write(offset, bytes).ok());
  }

  static uint64_t RowOffset(uint64_t row) { return VectorFile::kHeaderSize + row * kDim * 4; }
};

TEST_F(RowChecksumsTest, SidePathReplacesTheExtension) {
  EXPECT_EQ(RowChecksumPath("/d/vectors.f32"), "/d/vectors.rowcrc");
  EXPECT_EQ(RowChecksumPath("/d/vectors.7.f32"), "/d/vectors.7.rowcrc");
}

TEST_F(RowChecksumsTest, BlockRowsAreAboutSixtyFourKiBAndWithinAChunk) {
  EXPECT_EQ(RowChecksums::BlockRowsFor(4 * 384, 1u << 16), 32u);  // 64 KiB / 1536 B -> 42 -> 32
  EXPECT_EQ(RowChecksums::BlockRowsFor(4 * 8, 1u << 16), 2048u);
  EXPECT_EQ(RowChecksums::BlockRowsFor(4 * 8, 16), 16u);
  EXPECT_EQ(RowChecksums::BlockRowsFor(4 * 1000000, 1u << 10), 1u);
}

TEST_F(RowChecksumsTest, IntactFileReopens) {
  Fill(40);
  auto vf = OpenFile(40);
  ASSERT_TRUE(vf.ok()) << vf.status().ToString();
  EXPECT_TRUE((*vf)->has_checksums());
  EXPECT_TRUE(RowMatches((*vf)->rows(), 39));
}

TEST_F(RowChecksumsTest, FlippedByteInARowIsCorruptionNamingFileAndRows) {
  Fill(40);
  Poke(FilePath(), RowOffset(20) + 5, std::string(1, '\x5a'));
  auto vf = OpenFile(40);
  ASSERT_FALSE(vf.ok());
  EXPECT_TRUE(vf.status().IsCorruption()) << vf.status().ToString();
  EXPECT_NE(vf.status().message().find(FilePath()), std::string::npos) << vf.status().ToString();
  EXPECT_NE(vf.status().message().find("rows 16 to 31"), std::string::npos) << vf.status().ToString();
}

TEST_F(RowChecksumsTest, ZeroedPageIsCorruption) {
  Fill(200);
  Poke(FilePath(), 8192, std::string(4096, '\0'));
  auto vf = OpenFile(200);
  ASSERT_FALSE(vf.ok());
  EXPECT_TRUE(vf.status().IsCorruption()) << vf.status().ToString();
}

TEST_F(RowChecksumsTest, AnotherCollectionsFileOfTheSameShapeIsCorruption) {
  Fill(64, 0, "vectors.f32");
  Fill(64, 1000, "other.f32");
  ASSERT_TRUE(RenameFile(FilePath("other.f32"), FilePath("vectors.f32")).ok());
  auto vf = OpenFile(64);
  ASSERT_FALSE(vf.ok());
  EXPECT_TRUE(vf.status().IsCorruption()) << vf.status().ToString();
}

TEST_F(RowChecksumsTest, FileWithoutChecksumsStillOpensUnverified) {
  Fill(40);
  ASSERT_TRUE(RemoveFile(RowChecksumPath(FilePath())).ok());
  auto vf = OpenFile(40);
  ASSERT_TRUE(vf.ok()) << vf.status().ToString();
  EXPECT_FALSE((*vf)->has_checksums());
  EXPECT_TRUE(RowMatches((*vf)->rows(), 39));
}

TEST_F(RowChecksumsTest, ZeroedOrTruncatedEntriesLeaveBlocksUnverifiedNotCorrupt) {
  Fill(64);
  const std::string side = RowChecksumPath(FilePath());
  Poke(side, RowChecksums::kHeaderSize + RowChecksums::kEntrySize, std::string(RowChecksums::kEntrySize, '\0'));
  {
    auto vf = OpenFile(64);
    ASSERT_TRUE(vf.ok()) << vf.status().ToString();
  }
  auto f = File::Open(side, OpenMode::kReadWrite);
  ASSERT_TRUE(f.ok());
  ASSERT_TRUE(f->Truncate(RowChecksums::kHeaderSize + 3).ok());
  auto vf = OpenFile(64);
  ASSERT_TRUE(vf.ok()) << vf.status().ToString();
  EXPECT_TRUE(RowMatches((*vf)->rows(), 63));
}

TEST_F(RowChecksumsTest, DamagedSideHeaderIsCorruption) {
  Fill(40);
  Poke(RowChecksumPath(FilePath()), 2, "X");
  auto vf = OpenFile(40);
  ASSERT_FALSE(vf.ok());
  EXPECT_TRUE(vf.status().IsCorruption()) << vf.status().ToString();
}

// Rows synced but never committed (a crash before the catalog commit) are rewritten with other
// values: their old checksums must not be taken for the new rows'.
TEST_F(RowChecksumsTest, UncommittedSyncedRowsRewrittenDoNotMismatch) {
  Fill(16);
  {
    auto vf = OpenFile(16);
    ASSERT_TRUE(vf.ok());
    std::vector<float> rows = MakeRows(16, 32, kDim, 7);
    ASSERT_TRUE((*vf)->Append(rows.data(), 32).ok());
    ASSERT_TRUE((*vf)->Sync().ok());  // checksums of blocks 1 and 2 written; the commit never happens
  }
  {
    auto vf = OpenFile(16);  // drops the uncommitted rows and their checksums
    ASSERT_TRUE(vf.ok()) << vf.status().ToString();
    std::vector<float> rows = MakeRows(16, 32, kDim);
    ASSERT_TRUE((*vf)->Append(rows.data(), 32).ok());
    ASSERT_TRUE((*vf)->Sync().ok());
  }
  auto vf = OpenFile(48);
  ASSERT_TRUE(vf.ok()) << vf.status().ToString();
  EXPECT_TRUE(RowMatches((*vf)->rows(), 47));
}

// A rollback in the same session (TruncateTo, ResetToCommitted) followed by different rows.
TEST_F(RowChecksumsTest, RollbackThenDifferentRowsDoNotMismatch) {
  {
    auto vf = OpenFile(0);
    ASSERT_TRUE(vf.ok());
    std::vector<float> a = MakeRows(0, 40, kDim, 3);
    ASSERT_TRUE((*vf)->Append(a.data(), 40).ok());
    ASSERT_TRUE((*vf)->Sync().ok());
    ASSERT_TRUE((*vf)->TruncateTo(10).ok());
    std::vector<float> b = MakeRows(0, 40, kDim);
    ASSERT_TRUE((*vf)->TruncateTo(0).ok());
    ASSERT_TRUE((*vf)->Append(b.data(), 25).ok());
    ASSERT_TRUE((*vf)->Sync().ok());
    ASSERT_TRUE((*vf)->ResetToCommitted(20).ok());
    ASSERT_TRUE((*vf)->Append(b.data() + 20 * kDim, 20).ok());
    ASSERT_TRUE((*vf)->Sync().ok());
  }
  auto vf = OpenFile(40);
  ASSERT_TRUE(vf.ok()) << vf.status().ToString();
  EXPECT_TRUE(RowMatches((*vf)->rows(), 39));
  EXPECT_TRUE(RowMatches((*vf)->rows(), 0));
}

// Appends of odd sizes straddling block boundaries give the same checksums as one append.
TEST_F(RowChecksumsTest, ManySmallAppendsAreCoveredAndDamageIsFound) {
  {
    auto vf = OpenFile(0);
    ASSERT_TRUE(vf.ok());
    std::vector<float> rows = MakeRows(0, 100, kDim);
    uint32_t done = 0;
    for (uint32_t n : {1u, 5u, 17u, 3u, 30u, 44u}) {
      ASSERT_TRUE((*vf)->Append(rows.data() + done * kDim, n).ok());
      done += n;
      ASSERT_TRUE((*vf)->Sync().ok());
    }
    ASSERT_EQ(done, 100u);
  }
  ASSERT_TRUE(OpenFile(100).ok());
  Poke(FilePath(), RowOffset(97) + 1, "\x01");  // the partial last block (96..99) is not covered...
  EXPECT_TRUE(OpenFile(100).ok());
  Poke(FilePath(), RowOffset(90) + 1, "\x01");  // ...but block 80..95 is
  auto vf = OpenFile(100);
  ASSERT_FALSE(vf.ok());
  EXPECT_NE(vf.status().message().find("rows 80 to 95"), std::string::npos) << vf.status().ToString();
}

}  // namespace
}  // namespace ochre::storage
