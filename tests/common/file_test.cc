// Copyright 2026 The OchreDB Authors.
#include "common/file.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string>

#include "common/fault_injection.h"

namespace ochre {
namespace {

// A fresh scratch directory per test, removed afterwards; faults are reset around every test.
class FileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/ochre_file_test_XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override {
    FaultInjector::Reset();
    (void)RemoveDirRecursively(dir_);
  }
  std::string Path(const std::string& name) const { return JoinPath(dir_, name); }

  ScopedFaultReset faults_;
  std::string dir_;
};

TEST_F(FileTest, WriteThenReadRoundTrips) {
  auto file = File::Open(Path("a"), OpenMode::kCreate);
  ASSERT_TRUE(file.ok()) << file.status().ToString();
  ASSERT_TRUE(file->Write(0, "hello world").ok());
  ASSERT_TRUE(file->Write(6, "WORLD").ok());
  ASSERT_TRUE(file->DataSync().ok());
  char buf[32];
  auto n = file->Read(0, sizeof(buf), buf);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(std::string(buf, *n), "hello WORLD");  // a short read only at end of file
  EXPECT_EQ(*file->Size(), 11u);
  EXPECT_EQ(*ReadFile(Path("a")), "hello WORLD");
}

TEST_F(FileTest, ErrnoIsMappedToCodesNamingTheOperationAndPath) {
  EXPECT_EQ(ErrnoStatus(ENOSPC, "write", "/x").code(), StatusCode::kNoSpace);
  EXPECT_EQ(ErrnoStatus(EDQUOT, "write", "/x").code(), StatusCode::kNoSpace);
  EXPECT_EQ(ErrnoStatus(EACCES, "open", "/x").code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(ErrnoStatus(EPERM, "open", "/x").code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(ErrnoStatus(EROFS, "open", "/x").code(), StatusCode::kReadOnly);
  EXPECT_EQ(ErrnoStatus(ENOENT, "open", "/x").code(), StatusCode::kNotFound);
  EXPECT_EQ(ErrnoStatus(ENOTDIR, "open", "/x").code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ErrnoStatus(EISDIR, "open", "/x").code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ErrnoStatus(EIO, "fsync", "/x").code(), StatusCode::kIOError);
  Status s = ErrnoStatus(ENOSPC, "write", "/db/vectors.f32");
  EXPECT_NE(s.message().find("write"), std::string::npos);
  EXPECT_NE(s.message().find("/db/vectors.f32"), std::string::npos);
}

TEST_F(FileTest, OpeningAMissingFileIsNotFoundAndAFileAsDirectoryIsInvalid) {
  auto missing = File::Open(Path("missing"), OpenMode::kReadOnly);
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  EXPECT_NE(missing.status().message().find(Path("missing")), std::string::npos);
  ASSERT_TRUE(WriteFileAtomically(Path("plain"), "x").ok());
  EXPECT_EQ(File::Open(Path("plain") + "/child", OpenMode::kCreate).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(CreateDirs(Path("plain") + "/sub").code(), StatusCode::kInvalidArgument);
}

TEST_F(FileTest, SymlinkIsNotFollowed) {
  ASSERT_TRUE(WriteFileAtomically(Path("target"), "secret").ok());
  ASSERT_EQ(::symlink(Path("target").c_str(), Path("link").c_str()), 0);
  EXPECT_EQ(File::Open(Path("link"), OpenMode::kReadWrite).status().code(), StatusCode::kInvalidArgument);
}

TEST_F(FileTest, CreateExclusiveRefusesAnExistingFile) {
  ASSERT_TRUE(File::Open(Path("a"), OpenMode::kCreateExclusive).ok());
  EXPECT_EQ(File::Open(Path("a"), OpenMode::kCreateExclusive).status().code(), StatusCode::kAlreadyExists);
}

TEST_F(FileTest, InjectedWriteFailureSurfacesAsItsStatus) {
  auto file = File::Open(Path("a"), OpenMode::kCreate);
  ASSERT_TRUE(file.ok());
  FaultInjector::Set(FileOp::kWrite, 2, ENOSPC);
  EXPECT_TRUE(file->Write(0, "one").ok());
  Status s = file->Write(3, "two");
  EXPECT_EQ(s.code(), StatusCode::kNoSpace) << s.ToString();
  EXPECT_TRUE(file->Write(3, "three").ok()) << "a transient fault fails one call only";
}

TEST_F(FileTest, PersistentFaultFailsEveryLaterCall) {
  auto file = File::Open(Path("a"), OpenMode::kCreate);
  ASSERT_TRUE(file.ok());
  FaultInjector::Set(FileOp::kSync, 1, EIO, /*persistent=*/true);
  EXPECT_EQ(file->DataSync().code(), StatusCode::kIOError);
  EXPECT_EQ(file->Sync().code(), StatusCode::kIOError);
  EXPECT_EQ(SyncDir(dir_).code(), StatusCode::kIOError);
  FaultInjector::Reset();
  EXPECT_TRUE(file->DataSync().ok());
}

TEST_F(FileTest, FaultCanTargetOnePath) {
  auto a = File::Open(Path("a"), OpenMode::kCreate);
  auto b = File::Open(Path("b"), OpenMode::kCreate);
  ASSERT_TRUE(a.ok() && b.ok());
  Fault f;
  f.op = FileOp::kWrite;
  f.error = EIO;
  f.persistent = true;
  f.path_contains = "/b";
  FaultInjector::Add(f);
  EXPECT_TRUE(a->Write(0, "x").ok());
  EXPECT_EQ(b->Write(0, "x").code(), StatusCode::kIOError);
}

TEST_F(FileTest, WriteLoopsOverShortWritesAndEintr) {
  auto file = File::Open(Path("a"), OpenMode::kCreate);
  ASSERT_TRUE(file.ok());
  Fault shorty;
  shorty.op = FileOp::kWrite;
  shorty.short_write = true;
  shorty.persistent = true;  // every call writes only half: the loop must still finish
  FaultInjector::Add(shorty);
  FaultInjector::Set(FileOp::kWrite, 3, EINTR);
  const std::string data(1000, 'z');
  ASSERT_TRUE(file->Write(0, data).ok());
  EXPECT_GT(FaultInjector::Calls(FileOp::kWrite), 5u);
  FaultInjector::Reset();
  EXPECT_EQ(*ReadFile(Path("a")), data);
}

TEST_F(FileTest, CountingReportsCallsWithoutFailingThem) {
  FaultInjector::EnableCounting(true);
  ASSERT_TRUE(WriteFileAtomically(Path("a"), "data").ok());
  EXPECT_EQ(FaultInjector::Calls(FileOp::kRename), 1u);
  EXPECT_EQ(FaultInjector::Calls(FileOp::kSync), 2u);  // the temp file, then the directory
  EXPECT_GE(FaultInjector::Calls(FileOp::kWrite), 1u);
}

TEST_F(FileTest, AllocateFailureIsNoSpaceAndLeavesTheFileUnchanged) {
  auto file = File::Open(Path("a"), OpenMode::kCreate);
  ASSERT_TRUE(file.ok());
  FaultInjector::Set(FileOp::kAllocate, 1, ENOSPC);
  EXPECT_EQ(file->Allocate(0, 1 << 20).code(), StatusCode::kNoSpace);
  EXPECT_EQ(*file->Size(), 0u);
  ASSERT_TRUE(file->Allocate(0, 1 << 20).ok());
  EXPECT_EQ(*file->Size(), 1u << 20);
  ASSERT_TRUE(file->Truncate(100).ok());
  EXPECT_EQ(*file->Size(), 100u);
}

TEST_F(FileTest, MappingSeesBytesWrittenWithPwrite) {
  auto file = File::Open(Path("a"), OpenMode::kCreate);
  ASSERT_TRUE(file.ok());
  ASSERT_TRUE(file->Allocate(0, 8192).ok());
  auto map = file->Map(4096, 4096);
  ASSERT_TRUE(map.ok()) << map.status().ToString();
  ASSERT_TRUE(file->Write(4096, "mapped").ok());
  EXPECT_EQ(std::memcmp(map->data(), "mapped", 6), 0);
  file->Close();  // the mapping outlives the descriptor
  EXPECT_EQ(std::memcmp(map->data(), "mapped", 6), 0);
  FaultInjector::Set(FileOp::kMmap, 1, ENOMEM);
  auto reopened = File::Open(Path("a"), OpenMode::kReadOnly);
  EXPECT_EQ(reopened->Map(0, 4096).status().code(), StatusCode::kIOError);
}

TEST_F(FileTest, WriteFileAtomicallyLeavesOldContentWhenAnyStepFails) {
  ASSERT_TRUE(WriteFileAtomically(Path("CURRENT"), "old").ok());
  for (FileOp op : {FileOp::kOpen, FileOp::kWrite, FileOp::kSync, FileOp::kRename}) {
    FaultInjector::Set(op, 1, EIO);
    Status s = WriteFileAtomically(Path("CURRENT"), "new content");
    EXPECT_FALSE(s.ok()) << FileOpName(op);
    FaultInjector::Reset();
    EXPECT_EQ(*ReadFile(Path("CURRENT")), "old") << FileOpName(op);
    EXPECT_FALSE(*PathExists(Path("CURRENT.tmp"))) << "temporary file left after failed " << FileOpName(op);
  }
  ASSERT_TRUE(WriteFileAtomically(Path("CURRENT"), "new content").ok());
  EXPECT_EQ(*ReadFile(Path("CURRENT")), "new content");
  EXPECT_FALSE(*PathExists(Path("CURRENT.tmp")));
}

TEST_F(FileTest, WriteFileAtomicallyReportsAFailedDirectorySyncAfterTheRename) {
  ASSERT_TRUE(WriteFileAtomically(Path("CURRENT"), "old").ok());
  FaultInjector::Set(FileOp::kSync, 2, EIO);  // 1: the temp file; 2: the directory
  EXPECT_EQ(WriteFileAtomically(Path("CURRENT"), "new").code(), StatusCode::kIOError);
  FaultInjector::Reset();
  // The rename happened; durability is what the caller was told is in doubt.
  EXPECT_EQ(*ReadFile(Path("CURRENT")), "new");
}

TEST_F(FileTest, CreateDirsMakesParentsAndIsIdempotent) {
  const std::string deep = Path("a/b/c");
  ASSERT_TRUE(CreateDirs(deep).ok());
  ASSERT_TRUE(CreateDirs(deep + "/").ok());
  struct stat st;
  ASSERT_EQ(::stat(deep.c_str(), &st), 0);
  EXPECT_TRUE(S_ISDIR(st.st_mode));
  FaultInjector::Set(FileOp::kMkdir, 1, EACCES);
  EXPECT_EQ(CreateDirs(Path("x/y")).code(), StatusCode::kPermissionDenied);
}

TEST_F(FileTest, RemoveDirRecursivelyRemovesTreesButNotLinkTargets) {
  ASSERT_TRUE(CreateDirs(Path("tree/sub")).ok());
  ASSERT_TRUE(WriteFileAtomically(Path("tree/sub/f"), "1").ok());
  ASSERT_TRUE(CreateDirs(Path("outside")).ok());
  ASSERT_TRUE(WriteFileAtomically(Path("outside/keep"), "1").ok());
  ASSERT_EQ(::symlink(Path("outside").c_str(), Path("tree/link").c_str()), 0);
  ASSERT_TRUE(RemoveDirRecursively(Path("tree")).ok());
  EXPECT_FALSE(*PathExists(Path("tree")));
  EXPECT_TRUE(*PathExists(Path("outside/keep")));
  EXPECT_EQ(RemoveDirRecursively(Path("tree")).code(), StatusCode::kNotFound);
}

TEST_F(FileTest, ListDirAndPathHelpers) {
  ASSERT_TRUE(WriteFileAtomically(Path("one"), "1").ok());
  ASSERT_TRUE(CreateDirs(Path("two")).ok());
  auto names = ListDir(dir_);
  ASSERT_TRUE(names.ok());
  EXPECT_EQ(names->size(), 2u);
  EXPECT_EQ(DirName("a/b/c"), "a/b");
  EXPECT_EQ(DirName("c"), ".");
  EXPECT_EQ(DirName("/c"), "/");
  EXPECT_EQ(DirName("/a/b/"), "/a");
  EXPECT_EQ(JoinPath("a/", "b"), "a/b");
  EXPECT_EQ(JoinPath("a", "b"), "a/b");
}

TEST_F(FileTest, DescriptorsAreCloseOnExec) {
  auto file = File::Open(Path("a"), OpenMode::kCreate);
  ASSERT_TRUE(file.ok());
  EXPECT_TRUE(::fcntl(file->fd(), F_GETFD) & FD_CLOEXEC);
}

}  // namespace
}  // namespace ochre
