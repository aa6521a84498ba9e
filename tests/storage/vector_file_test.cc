// Copyright 2026 The OchreDB Authors.
#include "storage/vector_file.h"

#include <gtest/gtest.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

#include "common/coding.h"
#include "common/fault_injection.h"
#include "common/file.h"
#include "common/logging.h"
#include "storage/storage_test_util.h"
#include "storage/vector_store.h"
#include "testutil/resident.h"

namespace ochre::storage {
namespace {

constexpr uint32_t kDim = 8;
constexpr uint32_t kSmallShift = 4;  // 16 rows per chunk: tests cross chunk boundaries cheaply

class VectorFileTest : public ScratchDirTest {
 protected:
  std::string FilePath() const { return Path("vectors.f32"); }

  std::unique_ptr<VectorFile> MustOpen(uint64_t committed, bool create = true, uint32_t dim = kDim) {
    auto vf = VectorFile::Open(FilePath(), dim, committed, create, kSmallShift);
    EXPECT_TRUE(vf.ok()) << vf.status().ToString();
    return vf.ok() ? std::move(*vf) : nullptr;
  }

  // Appends rows [first, first + n) with MakeRows values and returns the first row number.
  uint32_t MustAppend(VectorStore* vf, uint32_t n, float salt = 0) {
    std::vector<float> rows = MakeRows(vf->size(), n, vf->dim(), salt);
    auto first = vf->Append(rows.data(), n);
    EXPECT_TRUE(first.ok()) << first.status().ToString();
    return first.ok() ? *first : 0;
  }

  // Overwrites bytes of the file (simulating damage).
  void Poke(uint64_t offset, std::string_view bytes) {
    auto f = File::Open(FilePath(), OpenMode::kReadWrite);
    ASSERT_TRUE(f.ok());
    ASSERT_TRUE(f->Write(offset, bytes).ok());
  }
};

TEST_F(VectorFileTest, CreateAppendSyncReopenKeepsRows) {
  {
    auto vf = MustOpen(0);
    ASSERT_NE(vf, nullptr);
    EXPECT_EQ(vf->size(), 0u);
    EXPECT_EQ(MustAppend(vf.get(), 5), 0u);
    EXPECT_EQ(MustAppend(vf.get(), 30), 5u);  // straddles two chunk boundaries
    ASSERT_TRUE(vf->Sync().ok());
    vf->Publish(vf->size());
    EXPECT_EQ(vf->rows().rows(), 35u);
  }
  auto vf = MustOpen(35, /*create=*/false);
  ASSERT_NE(vf, nullptr);
  EXPECT_EQ(vf->size(), 35u);
  EXPECT_EQ(vf->rows().rows(), 35u) << "committed rows are published on open";
  for (uint32_t r = 0; r < 35; ++r) EXPECT_TRUE(RowMatches(vf->rows(), r)) << r;
  EXPECT_EQ(MustAppend(vf.get(), 1), 35u);
}

TEST_F(VectorFileTest, NewFileHasAHeaderAndNoRows) {
  ASSERT_NE(MustOpen(0), nullptr);
  auto bytes = ReadFile(FilePath());
  ASSERT_TRUE(bytes.ok());
  ASSERT_EQ(bytes->size(), VectorFile::kHeaderSize);
  EXPECT_EQ(bytes->substr(0, 8), "OCHREVEC");
  EXPECT_EQ(DecodeFixed32(bytes->data() + 8), VectorFile::kFormatVersion);
  EXPECT_EQ(DecodeFixed32(bytes->data() + 16), kDim);
  EXPECT_EQ(DecodeFixed32(bytes->data() + 24), kSmallShift);
  EXPECT_FALSE(*PathExists(FilePath() + ".tmp"));
}

TEST_F(VectorFileTest, MissingFileWithoutCreateIsNotFound) {
  auto vf = VectorFile::Open(FilePath(), kDim, 0, /*create=*/false);
  EXPECT_EQ(vf.status().code(), StatusCode::kNotFound);
}

TEST_F(VectorFileTest, MissingFileWithCommittedRowsIsCorruption) {
  auto vf = VectorFile::Open(FilePath(), kDim, 3, /*create=*/true);
  EXPECT_EQ(vf.status().code(), StatusCode::kCorruption);
  EXPECT_FALSE(*PathExists(FilePath())) << "must not create a file the catalog disagrees with";
}

TEST_F(VectorFileTest, AppendedRowsAreInvisibleUntilPublished) {
  auto vf = MustOpen(0);
  MustAppend(vf.get(), 3);
  EXPECT_EQ(vf->size(), 3u);
  EXPECT_EQ(vf->rows().rows(), 0u);
  vf->Publish(2);
  EXPECT_EQ(vf->rows().rows(), 2u);
  vf->Publish(100);  // clamped
  EXPECT_EQ(vf->rows().rows(), 3u);
}

TEST_F(VectorFileTest, UncommittedTailIsTruncatedOnOpenAndLogged) {
  {
    auto vf = MustOpen(0);
    MustAppend(vf.get(), 20);
    ASSERT_TRUE(vf->Sync().ok());
  }  // "crash" before the catalog committed more than 12 rows
  std::vector<std::string> logged;
  SetLogSink([&](LogLevel, std::string_view m) { logged.emplace_back(m); });
  auto vf = MustOpen(12, false);
  SetLogSink(nullptr);
  ASSERT_NE(vf, nullptr);
  EXPECT_EQ(vf->size(), 12u);
  ASSERT_EQ(logged.size(), 1u);
  EXPECT_NE(logged[0].find("12 committed rows"), std::string::npos) << logged[0];
  EXPECT_EQ(*File::Open(FilePath(), OpenMode::kReadOnly)->Size(), VectorFile::kHeaderSize + 12 * kDim * 4);
  // New rows land after the committed ones, and the old tail never reappears.
  EXPECT_EQ(MustAppend(vf.get(), 2, /*salt=*/0.5f), 12u);
  ASSERT_TRUE(vf->Sync().ok());
  vf.reset();
  vf = MustOpen(14, false);
  for (uint32_t r = 0; r < 12; ++r) EXPECT_TRUE(RowMatches(vf->rows(), r));
  EXPECT_TRUE(RowMatches(vf->rows(), 12, 0.5f));
  EXPECT_TRUE(RowMatches(vf->rows(), 13, 0.5f));
}

TEST_F(VectorFileTest, ReservedZeroSpaceIsNotReportedAsATail) {
  {
    auto vf = MustOpen(0);
    MustAppend(vf.get(), 3);  // reserves a whole chunk of 16 rows
    ASSERT_TRUE(vf->Sync().ok());
  }
  std::vector<std::string> logged;
  SetLogSink([&](LogLevel, std::string_view m) { logged.emplace_back(m); });
  auto vf = MustOpen(3, false);
  SetLogSink(nullptr);
  ASSERT_NE(vf, nullptr);
  EXPECT_TRUE(logged.empty()) << logged[0];
}

TEST_F(VectorFileTest, FewerRowsThanCommittedIsCorruption) {
  {
    auto vf = MustOpen(0);
    MustAppend(vf.get(), 4);
    ASSERT_TRUE(vf->Sync().ok());
  }
  ASSERT_TRUE(File::Open(FilePath(), OpenMode::kReadWrite)->Truncate(VectorFile::kHeaderSize + 2 * kDim * 4).ok());
  auto vf = VectorFile::Open(FilePath(), kDim, 4, false);
  ASSERT_EQ(vf.status().code(), StatusCode::kCorruption);
  EXPECT_NE(vf.status().message().find(FilePath()), std::string::npos);
}

TEST_F(VectorFileTest, BadMagicIsCorruptionNamingTheFile) {
  ASSERT_NE(MustOpen(0), nullptr);
  Poke(0, "NOTOCHRE");
  auto vf = VectorFile::Open(FilePath(), kDim, 0, false);
  ASSERT_EQ(vf.status().code(), StatusCode::kCorruption);
  EXPECT_NE(vf.status().message().find(FilePath()), std::string::npos);
  EXPECT_NE(vf.status().message().find("magic"), std::string::npos);
}

TEST_F(VectorFileTest, FlippedHeaderBitIsCorruption) {
  ASSERT_NE(MustOpen(0), nullptr);
  // Every field, including the version and reserved bytes, is covered by the checksum.
  for (uint64_t offset : {8, 16, 20, 24, 100, 4095}) {
    ASSERT_TRUE(WriteFileAtomically(FilePath(), VectorFile::EncodeHeader(kDim, kSmallShift)).ok());
    auto byte = ReadFile(FilePath())->at(offset);
    Poke(offset, std::string(1, static_cast<char>(byte ^ 0x40)));
    auto vf = VectorFile::Open(FilePath(), kDim, 0, false);
    EXPECT_EQ(vf.status().code(), StatusCode::kCorruption) << "offset " << offset;
    EXPECT_NE(vf.status().message().find("checksum"), std::string::npos) << vf.status().ToString();
  }
}

TEST_F(VectorFileTest, TruncatedHeaderIsCorruption) {
  ASSERT_NE(MustOpen(0), nullptr);
  ASSERT_TRUE(File::Open(FilePath(), OpenMode::kReadWrite)->Truncate(100).ok());
  EXPECT_EQ(VectorFile::Open(FilePath(), kDim, 0, false).status().code(), StatusCode::kCorruption);
  ASSERT_TRUE(File::Open(FilePath(), OpenMode::kReadWrite)->Truncate(0).ok());
  EXPECT_EQ(VectorFile::Open(FilePath(), kDim, 0, true).status().code(), StatusCode::kCorruption);
}

TEST_F(VectorFileTest, FutureVersionIsNotSupportedNamingBothVersions) {
  ASSERT_TRUE(WriteFileAtomically(FilePath(), VectorFile::EncodeHeader(kDim, kSmallShift, /*version=*/7)).ok());
  const std::string before = *ReadFile(FilePath());
  auto vf = VectorFile::Open(FilePath(), kDim, 0, true);
  ASSERT_EQ(vf.status().code(), StatusCode::kNotSupported);
  EXPECT_NE(vf.status().message().find("version 7"), std::string::npos) << vf.status().ToString();
  EXPECT_NE(vf.status().message().find("up to 2"), std::string::npos) << vf.status().ToString();
  EXPECT_NE(vf.status().message().find(FilePath()), std::string::npos);
  EXPECT_EQ(*ReadFile(FilePath()), before) << "a newer file must be left untouched";
}

TEST_F(VectorFileTest, UnknownDtypeIsNotSupported) {
  ASSERT_TRUE(WriteFileAtomically(FilePath(), VectorFile::EncodeHeader(kDim, kSmallShift, 1, /*dtype=*/3)).ok());
  EXPECT_EQ(VectorFile::Open(FilePath(), kDim, 0, false).status().code(), StatusCode::kNotSupported);
}

TEST_F(VectorFileTest, DimensionMismatchIsCorruptionNamingBothDimensions) {
  ASSERT_NE(MustOpen(0), nullptr);
  auto vf = VectorFile::Open(FilePath(), 16, 0, false);
  ASSERT_EQ(vf.status().code(), StatusCode::kCorruption);
  EXPECT_NE(vf.status().message().find("dimension 8"), std::string::npos) << vf.status().ToString();
  EXPECT_NE(vf.status().message().find("dimension 16"), std::string::npos) << vf.status().ToString();
}

TEST_F(VectorFileTest, RowPointersStayStableAcrossGrowth) {
  auto vf = MustOpen(0);
  MustAppend(vf.get(), 1);
  vf->Publish(1);
  const float* first = vf->rows().Row(0);
  std::vector<const float*> chunk_starts;
  for (int i = 0; i < 40; ++i) {
    MustAppend(vf.get(), 7);  // grows the file and adds mappings many times
    vf->Publish(vf->size());
  }
  ASSERT_TRUE(vf->Sync().ok());
  EXPECT_EQ(vf->rows().Row(0), first);
  EXPECT_TRUE(RowMatches(vf->rows(), 0));
  for (uint32_t r = 0; r < vf->size(); ++r) ASSERT_TRUE(RowMatches(vf->rows(), r)) << r;
  // Rolling back keeps every mapping: the old pointer still reads the same bytes.
  ASSERT_TRUE(vf->TruncateTo(1).ok());
  EXPECT_EQ(vf->rows().rows(), 1u);
  EXPECT_EQ(vf->rows().Row(0), first);
  EXPECT_TRUE(RowMatches(vf->rows(), 0));
}

TEST_F(VectorFileTest, TruncateToRollsBackAnUnacknowledgedAppend) {
  auto vf = MustOpen(0);
  MustAppend(vf.get(), 10);
  vf->Publish(10);
  MustAppend(vf.get(), 5, /*salt=*/0.25f);  // its commit "fails"
  ASSERT_TRUE(vf->TruncateTo(10).ok());
  EXPECT_EQ(vf->size(), 10u);
  EXPECT_EQ(vf->rows().rows(), 10u);
  EXPECT_EQ(MustAppend(vf.get(), 2), 10u);
  vf->Publish(12);
  EXPECT_TRUE(RowMatches(vf->rows(), 11));
  EXPECT_EQ(vf->TruncateTo(13).code(), StatusCode::kInvalidArgument);
}

TEST_F(VectorFileTest, NoSpaceWhileGrowingIsReportedAndRecoverable) {
  auto vf = MustOpen(0);
  // The file reserves space geometrically; the first append needs a reservation.
  FaultInjector::Set(FileOp::kAllocate, 1, ENOSPC);
  std::vector<float> rows = MakeRows(0, 4, kDim);
  auto r = vf->Append(rows.data(), 4);
  ASSERT_EQ(r.status().code(), StatusCode::kNoSpace) << r.status().ToString();
  EXPECT_NE(r.status().message().find(FilePath()), std::string::npos);
  EXPECT_EQ(vf->size(), 0u) << "a failed append appends nothing";
  // Space came back: the same append now succeeds.
  auto again = vf->Append(rows.data(), 4);
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(*again, 0u);
  ASSERT_TRUE(vf->Sync().ok());
}

TEST_F(VectorFileTest, NoSpaceOnWriteLeavesTheSizeUnchanged) {
  auto vf = MustOpen(0);
  MustAppend(vf.get(), 3);
  FaultInjector::Set(FileOp::kWrite, 1, ENOSPC);
  std::vector<float> rows = MakeRows(3, 2, kDim);
  EXPECT_EQ(vf->Append(rows.data(), 2).status().code(), StatusCode::kNoSpace);
  EXPECT_EQ(vf->size(), 3u);
  EXPECT_EQ(MustAppend(vf.get(), 2), 3u);
}

TEST_F(VectorFileTest, FailedSyncPoisonsTheFileUntilReopened) {
  auto vf = MustOpen(0);
  MustAppend(vf.get(), 3);
  FaultInjector::Set(FileOp::kSync, 1, EIO);
  Status s = vf->Sync();
  EXPECT_EQ(s.code(), StatusCode::kIOError) << s.ToString();
  EXPECT_TRUE(vf->poisoned());
  // No retry may succeed, and no write is accepted: the kernel may have dropped the dirty pages.
  std::vector<float> rows = MakeRows(3, 1, kDim);
  EXPECT_EQ(vf->Append(rows.data(), 1).status().code(), StatusCode::kReadOnly);
  EXPECT_EQ(vf->Sync().code(), StatusCode::kReadOnly);
  EXPECT_NE(vf->Sync().message().find("reopen"), std::string::npos);
  vf.reset();
  // Reopening recovers from the catalog's count (nothing was committed).
  vf = MustOpen(0, false);
  ASSERT_NE(vf, nullptr);
  EXPECT_EQ(MustAppend(vf.get(), 1), 0u);
  EXPECT_TRUE(vf->Sync().ok());
}

TEST_F(VectorFileTest, FailedMappingLeavesTheFileUsable) {
  auto vf = MustOpen(0);
  FaultInjector::Set(FileOp::kMmap, 1, ENOMEM);
  std::vector<float> rows = MakeRows(0, 2, kDim);
  EXPECT_FALSE(vf->Append(rows.data(), 2).ok());
  EXPECT_EQ(vf->size(), 0u);
  EXPECT_EQ(MustAppend(vf.get(), 2), 0u);
  vf->Publish(2);
  EXPECT_TRUE(RowMatches(vf->rows(), 1));
}

TEST_F(VectorFileTest, DefaultChunkShiftComesFromTheDimension) {
  auto vf = VectorFile::Open(Path("big.f32"), 384, 0, true);
  ASSERT_TRUE(vf.ok()) << vf.status().ToString();
  EXPECT_EQ((*vf)->rows().chunk_shift(), RowChunks::ChunkShiftFor(384));
  std::vector<float> rows = MakeRows(0, 3, 384);
  ASSERT_TRUE((*vf)->Append(rows.data(), 3).ok());
  ASSERT_TRUE((*vf)->Sync().ok());
  (*vf)->Publish(3);
  EXPECT_TRUE(RowMatches((*vf)->rows(), 2));
}

// CopyRow reads rows from the file (not the mapping) with the same bytes as Row; ReleaseResident
// drops the mapped pages from resident memory, and the rows read the same afterwards.
TEST_F(VectorFileTest, CopyRowReadsTheFileAndReleasedRowsStayReadable) {
  auto vf = MustOpen(0);
  ASSERT_NE(vf, nullptr);
  const uint32_t n = 2000;  // 125 chunks of 16 rows, ~64 KB: several pages
  MustAppend(vf.get(), n);
  ASSERT_TRUE(vf->Sync().ok());
  vf->Publish(n);
  const RowChunks& rows = vf->rows();
  ASSERT_TRUE(rows.file_backed());
  std::vector<float> copy(kDim);
  double sum = 0;
  for (uint32_t r = 0; r < n; ++r) {
    rows.CopyRow(r, copy.data());
    ASSERT_EQ(std::memcmp(copy.data(), rows.Row(r), kDim * sizeof(float)), 0) << r;
    ASSERT_EQ(copy[3], float(r) * 1000.0f + 3.0f);
    for (uint32_t c = 0; c < kDim; ++c) sum += rows.Row(r)[c];
  }
  EXPECT_GT(sum, 0);
  const int64_t before = testutil::ResidentKbOfFile(FilePath());
  ASSERT_GT(before, 0) << "reading every row should have mapped its pages";
  vf->ReleaseResident(n);
  EXPECT_EQ(testutil::ResidentKbOfFile(FilePath()), 0);
  // CopyRow does not map anything back.
  for (uint32_t r = 0; r < n; ++r) rows.CopyRow(r, copy.data());
  EXPECT_EQ(testutil::ResidentKbOfFile(FilePath()), 0);
  // The mapping still reads every row (faulted in again from the page cache).
  for (uint32_t r = 0; r < n; r += 7) EXPECT_EQ(rows.Row(r)[5], float(r) * 1000.0f + 5.0f) << r;
  // Rows appended after a release are readable both ways too.
  MustAppend(vf.get(), 10);
  vf->Publish(n + 10);
  rows.CopyRow(n + 9, copy.data());
  EXPECT_EQ(copy[0], float(n + 9) * 1000.0f);
}

// Space reserved ahead of the rows is given back on request (the engine asks on close); appends
// afterwards reserve again, and the rows read the same after a reopen.
TEST_F(VectorFileTest, GivesBackReservedSpace) {
  const uint64_t row_bytes = kDim * sizeof(float);
  auto FileSize = [](const std::string& path) -> Result<uint64_t> {
    OCHRE_ASSIGN_OR_RETURN(File f, File::Open(path, OpenMode::kReadOnly));
    return f.Size();
  };
  {
    auto vf = MustOpen(0);
    ASSERT_NE(vf, nullptr);
    MustAppend(vf.get(), 21);
    ASSERT_TRUE(vf->Sync().ok());
    vf->Publish(21);
    auto size = FileSize(FilePath());
    ASSERT_TRUE(size.ok());
    EXPECT_GT(*size, VectorFile::kHeaderSize + 21 * row_bytes) << "space is reserved ahead";
    ASSERT_TRUE(vf->GiveBackReservedSpace().ok());
    size = FileSize(FilePath());
    ASSERT_TRUE(size.ok());
    EXPECT_EQ(*size, VectorFile::kHeaderSize + 21 * row_bytes);
    MustAppend(vf.get(), 40);
    ASSERT_TRUE(vf->Sync().ok());
    vf->Publish(61);
    ASSERT_TRUE(vf->GiveBackReservedSpace().ok());
    size = FileSize(FilePath());
    ASSERT_TRUE(size.ok());
    EXPECT_EQ(*size, VectorFile::kHeaderSize + 61 * row_bytes);
  }
  auto vf = MustOpen(61, /*create=*/false);
  ASSERT_NE(vf, nullptr);
  for (uint32_t r = 0; r < 61; ++r) ASSERT_EQ(vf->rows().Row(r)[1], float(r) * 1000.0f + 1.0f) << r;
}

// The in-memory store has no file: CopyRow copies from memory, ReleaseResident does nothing.
TEST(MemoryVectorStoreCopyTest, CopyRowCopiesFromMemory) {
  MemoryVectorStore store(kDim, kSmallShift);
  std::vector<float> data = MakeRows(0, 40, kDim);
  ASSERT_TRUE(store.Append(data.data(), 40).ok());
  store.Publish(40);
  EXPECT_FALSE(store.rows().file_backed());
  store.ReleaseResident(40);
  std::vector<float> copy(kDim);
  store.rows().CopyRow(37, copy.data());
  EXPECT_EQ(copy[2], 37 * 1000.0f + 2.0f);
}

}  // namespace
}  // namespace ochre::storage
