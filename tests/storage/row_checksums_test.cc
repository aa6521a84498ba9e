// Copyright 2026 The OchreDB Authors.
//
// Row checksums of vectors files (storage/row_checksums.h): damage to committed rows is found on
// the first read of their block (RowChunks::Intact is Corruption naming the file and the rows; open
// reads no rows); crashes and rollbacks never produce a false mismatch; files from before checksums
// still open; a side file of another collection is refused.
#include "storage/row_checksums.h"

#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "common/coding.h"
#include "common/crc32c.h"
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

  // Reads row `row` (checking its block) and returns what the rows' check says.
  static Status ReadRow(const VectorFile& vf, uint32_t row) {
    std::vector<float> v(kDim);
    vf.rows().CopyRow(row, v.data());
    return vf.rows().Intact();
  }
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

TEST_F(RowChecksumsTest, FlippedByteInARowIsCorruptionOnFirstReadNamingFileAndRows) {
  Fill(40);
  Poke(FilePath(), RowOffset(20) + 5, std::string(1, '\x5a'));
  auto vf = OpenFile(40);
  ASSERT_TRUE(vf.ok()) << "open reads no rows: " << vf.status().ToString();
  EXPECT_TRUE(ReadRow(**vf, 3).ok()) << "block 0 is intact";
  Status s = ReadRow(**vf, 17);
  ASSERT_FALSE(s.ok());
  EXPECT_TRUE(s.IsCorruption()) << s.ToString();
  EXPECT_NE(s.message().find(FilePath()), std::string::npos) << s.ToString();
  EXPECT_NE(s.message().find("rows 16 to 31"), std::string::npos) << s.ToString();
  // Latched: later reads of any block report it.
  EXPECT_TRUE(ReadRow(**vf, 3).IsCorruption());
}

// A run of rows holding whole blocks (a collection's open reads every row so, for its norms) checks
// them from the bytes it read; the blocks it holds only in part are checked from the file first.
TEST_F(RowChecksumsTest, RunOfWholeBlocksIsCheckedFromTheRowsItRead) {
  Fill(70);  // blocks 0..3 full, block 4 partial (rows 64..69)
  for (uint32_t damaged_row : {5u, 20u, 40u, 60u}) {
    SCOPED_TRACE("damaged row " + std::to_string(damaged_row));
    Fill(70);
    Poke(FilePath(), RowOffset(damaged_row) + 3, std::string(1, '\x33'));
    auto vf = OpenFile(70);
    ASSERT_TRUE(vf.ok()) << vf.status().ToString();
    std::vector<float> buf(size_t(70) * kDim);
    // Rows 3..69: block 0 in part (checked before the read), 1..3 whole (after it), 4 partial.
    (*vf)->rows().CopyRows(3, 67, buf.data());
    Status s = (*vf)->rows().Intact();
    ASSERT_TRUE(s.IsCorruption()) << s.ToString();
    const uint32_t block_first = damaged_row / 16 * 16;
    EXPECT_NE(s.message().find("rows " + std::to_string(block_first) + " to " + std::to_string(block_first + 15)),
              std::string::npos)
        << s.ToString();
  }
  // Intact: the run reads right and every whole block it held is marked checked.
  Fill(70);
  auto vf = OpenFile(70);
  ASSERT_TRUE(vf.ok()) << vf.status().ToString();
  std::vector<float> buf(size_t(70) * kDim);
  (*vf)->rows().CopyRows(0, 70, buf.data());
  EXPECT_TRUE((*vf)->rows().Intact().ok());
  EXPECT_EQ(buf, MakeRows(0, 70, kDim, 0));
  for (uint32_t b = 0; b < 4; ++b) EXPECT_TRUE((*vf)->rows().BlockVerified(b)) << "block " << b;
}

TEST_F(RowChecksumsTest, RowReadThroughTheMappingIsCheckedToo) {
  Fill(40);
  Poke(FilePath(), RowOffset(20) + 5, std::string(1, '\x5a'));
  auto vf = OpenFile(40);
  ASSERT_TRUE(vf.ok());
  (void)(*vf)->rows().Row(21);
  EXPECT_TRUE((*vf)->rows().Intact().IsCorruption());
}

TEST_F(RowChecksumsTest, ZeroedPageIsCorruption) {
  Fill(200);
  Poke(FilePath(), 8192, std::string(4096, '\0'));
  auto vf = OpenFile(200);
  ASSERT_TRUE(vf.ok());
  Status s = (*vf)->VerifyAll();
  EXPECT_TRUE(s.IsCorruption()) << s.ToString();
  EXPECT_GE((*vf)->blocks_checked(), 1u);
}

TEST_F(RowChecksumsTest, AnotherCollectionsFileOfTheSameShapeIsCorruption) {
  Fill(64, 0, "vectors.f32");
  Fill(64, 1000, "other.f32");
  ASSERT_TRUE(RenameFile(FilePath("other.f32"), FilePath("vectors.f32")).ok());
  auto vf = OpenFile(64);
  ASSERT_TRUE(vf.ok());
  EXPECT_TRUE((*vf)->VerifyAll().IsCorruption());
}

TEST_F(RowChecksumsTest, FilesOfAnotherCollectionOrGenerationAreRefusedAtOpen) {
  const FileIdentity mine{"coll-a", 0};
  {
    auto vf = VectorFile::Open(FilePath(), kDim, 0, true, kSmallShift, true, false, mine);
    ASSERT_TRUE(vf.ok()) << vf.status().ToString();
    std::vector<float> rows = MakeRows(0, 20, kDim);
    ASSERT_TRUE((*vf)->Append(rows.data(), 20).ok());
    ASSERT_TRUE((*vf)->Sync().ok());
  }
  EXPECT_TRUE(VectorFile::Open(FilePath(), kDim, 20, false, 0, true, false, mine).ok());
  for (const FileIdentity& other : {FileIdentity{"coll-b", 0}, FileIdentity{"coll-a", 1}}) {
    auto vf = VectorFile::Open(FilePath(), kDim, 20, false, 0, true, false, other);
    ASSERT_FALSE(vf.ok());
    EXPECT_TRUE(vf.status().IsCorruption());
    EXPECT_NE(vf.status().message().find("coll-a"), std::string::npos) << vf.status().ToString();
  }
  // The side file alone swapped in from another collection: refused by its own header.
  ASSERT_TRUE(WriteFileAtomically(RowChecksumPath(FilePath()), RowChecksums::EncodeHeader(16, {"coll-b", 0})).ok());
  auto vf = VectorFile::Open(FilePath(), kDim, 20, false, 0, true, false, mine);
  ASSERT_FALSE(vf.ok());
  EXPECT_NE(vf.status().message().find("row checksum file"), std::string::npos) << vf.status().ToString();
}

TEST_F(RowChecksumsTest, VersionOneFilesStillOpenAndVerify) {
  // A version 1 vectors header and a version 1 side file (16-byte header, no tail entry).
  ASSERT_TRUE(WriteFileAtomically(FilePath(), VectorFile::EncodeHeader(kDim, kSmallShift, /*version=*/1)).ok());
  std::string side(16, '\0');
  std::memcpy(side.data(), "OCHRECRC", 8);
  EncodeFixed32(side.data() + 8, 16);
  EncodeFixed32(side.data() + 12, crc32c::Value(side.data(), 12));
  ASSERT_TRUE(WriteFileAtomically(RowChecksumPath(FilePath()), side).ok());
  {
    auto vf = VectorFile::Open(FilePath(), kDim, 0, false, 0, true, false, FileIdentity{"x", 0});
    ASSERT_TRUE(vf.ok()) << vf.status().ToString();
    EXPECT_EQ((*vf)->format_version(), 1u);
    std::vector<float> rows = MakeRows(0, 40, kDim);
    ASSERT_TRUE((*vf)->Append(rows.data(), 40).ok());
    ASSERT_TRUE((*vf)->Sync().ok());
  }
  Poke(FilePath(), RowOffset(20) + 1, "\x01");
  auto vf = VectorFile::Open(FilePath(), kDim, 40, false, 0, true, false, FileIdentity{"x", 0});
  ASSERT_TRUE(vf.ok()) << vf.status().ToString();
  EXPECT_TRUE((*vf)->VerifyAll().IsCorruption());
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
  {
    auto vf = OpenFile(100);
    ASSERT_TRUE(vf.ok());
    EXPECT_TRUE((*vf)->VerifyAll().ok());
  }
  Poke(FilePath(), RowOffset(90) + 1, "\x01");  // block 80..95
  {
    auto vf = OpenFile(100);
    ASSERT_TRUE(vf.ok());
    Status s = (*vf)->VerifyAll();
    EXPECT_NE(s.message().find("rows 80 to 95"), std::string::npos) << s.ToString();
  }
}

// The partial last block is covered by the tail entry, rewritten at each sync: a flip in the last
// rows is found, by a reader and by a writer's open (which extends the block's checksum).
TEST_F(RowChecksumsTest, PartialLastBlockIsCoveredByTheTailEntry) {
  Fill(40);  // blocks 0..15, 16..31 and the partial 32..39
  {
    auto ro = VectorFile::Open(FilePath(), kDim, 40, false, 0, false, /*read_only=*/true);
    ASSERT_TRUE(ro.ok());
    EXPECT_TRUE(ReadRow(**ro, 39).ok());
  }
  Poke(FilePath(), RowOffset(37) + 2, "\x7f");
  auto ro = VectorFile::Open(FilePath(), kDim, 40, false, 0, false, /*read_only=*/true);
  ASSERT_TRUE(ro.ok());
  Status s = ReadRow(**ro, 33);
  EXPECT_TRUE(s.IsCorruption()) << s.ToString();
  EXPECT_NE(s.message().find("rows 32 to 39"), std::string::npos) << s.ToString();
  auto rw = OpenFile(40);
  ASSERT_TRUE(rw.ok());
  EXPECT_TRUE((*rw)->rows().Intact().IsCorruption()) << "the writer's open checks the partial block it extends";
}

// Rows appended after the tail entry was written (another process's, or a crash before the next
// entry) are not compared with it; a tail entry covering rows not committed is ignored.
TEST_F(RowChecksumsTest, TailEntryOfUncommittedRowsIsIgnored) {
  Fill(36);
  {
    auto vf = OpenFile(36);
    ASSERT_TRUE(vf.ok());
    std::vector<float> rows = MakeRows(36, 3, kDim, 9);
    ASSERT_TRUE((*vf)->Append(rows.data(), 3).ok());
    ASSERT_TRUE((*vf)->Sync().ok());  // tail entry for 32..38; never committed
  }
  auto vf = OpenFile(36);
  ASSERT_TRUE(vf.ok()) << vf.status().ToString();
  EXPECT_TRUE((*vf)->VerifyAll().ok());
  EXPECT_TRUE(RowMatches((*vf)->rows(), 35));
}

}  // namespace
}  // namespace ochre::storage
