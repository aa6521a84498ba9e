// Copyright 2026 The OchreDB Authors.
//
// Crash and I/O-error behaviour of VectorFile: a process killed between fdatasync and commit, and a
// sweep that fails each file operation of a workload in turn (RELIABILITY.md T1/T4, in miniature).
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <string>
#include <vector>

#include "common/fault_injection.h"
#include "common/logging.h"
#include "storage/storage_test_util.h"
#include "storage/vector_file.h"

namespace ochre::storage {
namespace {

constexpr uint32_t kDim = 4;
constexpr uint32_t kShift = 3;  // 8 rows per chunk

class VectorFileCrashTest : public ScratchDirTest {
 protected:
  void SetUp() override {
    ScratchDirTest::SetUp();
    SetLogSink([](LogLevel, std::string_view) {});  // recovery warnings are expected here
  }
  void TearDown() override {
    SetLogSink(nullptr);
    ScratchDirTest::TearDown();
  }
  std::string FilePath() const { return Path("vectors.f32"); }
};

// The child commits `committed` rows (append + sync), then appends and syncs `uncommitted` more
// that it never commits, and is killed. The parent must see exactly the committed rows.
TEST_F(VectorFileCrashTest, KilledBeforeCommitLeavesOnlyCommittedRows) {
  for (uint32_t uncommitted : {1u, 7u, 8u, 30u}) {
    (void)RemoveFile(FilePath());
    constexpr uint32_t kCommitted = 11;
    int fds[2];
    ASSERT_EQ(::pipe(fds), 0);
    const pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      ::close(fds[0]);
      auto vf = VectorFile::Open(FilePath(), kDim, 0, true, kShift);
      if (!vf.ok()) ::_exit(1);
      std::vector<float> rows = MakeRows(0, kCommitted, kDim);
      if (!(*vf)->Append(rows.data(), kCommitted).ok() || !(*vf)->Sync().ok()) ::_exit(2);
      std::vector<float> tail = MakeRows(kCommitted, uncommitted, kDim, 0.5f);
      if (!(*vf)->Append(tail.data(), uncommitted).ok() || !(*vf)->Sync().ok()) ::_exit(3);
      (void)!::write(fds[1], "k", 1);
      for (;;) ::pause();
    }
    ::close(fds[1]);
    char c = 0;
    ASSERT_EQ(::read(fds[0], &c, 1), 1);
    ::close(fds[0]);
    ::kill(pid, SIGKILL);
    int wstatus = 0;
    ::waitpid(pid, &wstatus, 0);

    auto vf = VectorFile::Open(FilePath(), kDim, kCommitted, false);
    ASSERT_TRUE(vf.ok()) << vf.status().ToString();
    EXPECT_EQ((*vf)->size(), kCommitted);
    for (uint32_t r = 0; r < kCommitted; ++r) ASSERT_TRUE(RowMatches((*vf)->rows(), r)) << r;
    std::vector<float> next = MakeRows(kCommitted, 1, kDim);
    EXPECT_EQ(*(*vf)->Append(next.data(), 1), kCommitted);
  }
}

// Runs one workload: open (create), append 3 batches crossing chunk boundaries, syncing after each
// and "committing" (counting) only batches whose append and sync both succeeded. Returns the count
// of committed rows; stops at the first error, as the API layer would fail the write.
uint32_t RunWorkload(const std::string& path, Status* first_error) {
  auto vf = VectorFile::Open(path, kDim, 0, true, kShift);
  if (!vf.ok()) {
    *first_error = vf.status();
    return 0;
  }
  uint32_t committed = 0;
  for (uint32_t batch : {5u, 9u, 13u}) {
    std::vector<float> rows = MakeRows(committed, batch, kDim);
    auto first = (*vf)->Append(rows.data(), batch);
    Status s = first.ok() ? (*vf)->Sync() : first.status();
    if (!s.ok()) {
      *first_error = s;
      return committed;
    }
    committed += batch;
  }
  return committed;
}

TEST_F(VectorFileCrashTest, EveryFailedOperationIsReportedAndLeavesCommittedRowsIntact) {
  // Learn how many calls of each kind the workload makes.
  FaultInjector::EnableCounting(true);
  Status ignored;
  ASSERT_EQ(RunWorkload(FilePath(), &ignored), 27u);
  std::vector<std::pair<FileOp, uint64_t>> ops;
  for (FileOp op : {FileOp::kOpen, FileOp::kRead, FileOp::kWrite, FileOp::kSync, FileOp::kAllocate, FileOp::kRename,
                    FileOp::kMmap}) {
    ops.emplace_back(op, FaultInjector::Calls(op));
  }
  FaultInjector::Reset();

  int runs = 0;
  for (auto [op, calls] : ops) {
    for (uint64_t nth = 1; nth <= calls; ++nth) {
      for (int err : {EIO, ENOSPC}) {
        SCOPED_TRACE(std::string(FileOpName(op)) + " #" + std::to_string(nth) + " errno " + std::to_string(err));
        (void)RemoveFile(FilePath());
        (void)RemoveFile(RowChecksumPath(FilePath()));  // a fresh start: the same calls each run
        FaultInjector::Set(op, nth, err);
        Status error;
        const uint32_t committed = RunWorkload(FilePath(), &error);
        FaultInjector::Reset();
        ++runs;
        ASSERT_FALSE(error.ok()) << "an injected failure must surface";
        EXPECT_EQ(error.code(), err == ENOSPC ? StatusCode::kNoSpace : StatusCode::kIOError) << error.ToString();
        // "Reopen": the committed rows are all there, and appending works again.
        auto vf = VectorFile::Open(FilePath(), kDim, committed, true);
        ASSERT_TRUE(vf.ok()) << vf.status().ToString();
        ASSERT_EQ((*vf)->size(), committed);
        for (uint32_t r = 0; r < committed; ++r) ASSERT_TRUE(RowMatches((*vf)->rows(), r)) << r;
        std::vector<float> one = MakeRows(committed, 1, kDim);
        ASSERT_TRUE((*vf)->Append(one.data(), 1).ok());
        ASSERT_TRUE((*vf)->Sync().ok());
      }
    }
  }
  EXPECT_GT(runs, 20);
}

}  // namespace
}  // namespace ochre::storage
