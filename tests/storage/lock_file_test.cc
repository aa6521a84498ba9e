// Copyright 2026 The OchreDB Authors.
#include "storage/lock_file.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>

#include "storage/storage_test_util.h"

namespace ochre::storage {
namespace {

class LockFileTest : public ScratchDirTest {
 protected:
  // Forks a child that takes the lock, reports on a pipe, and waits to be killed. Returns its pid
  // once it holds the lock, or -1.
  pid_t ForkHolder() {
    int fds[2];
    if (::pipe(fds) != 0) return -1;
    const pid_t pid = ::fork();
    if (pid == 0) {
      ::close(fds[0]);
      auto lock = LockFile::Acquire(dir_);
      const char status = lock.ok() ? 'y' : 'n';
      (void)!::write(fds[1], &status, 1);
      if (!lock.ok()) ::_exit(1);
      for (;;) ::pause();  // held until SIGKILL: the kernel must release it
    }
    ::close(fds[1]);
    char status = 0;
    const bool ready = pid > 0 && ::read(fds[0], &status, 1) == 1 && status == 'y';
    ::close(fds[0]);
    if (!ready && pid > 0) KillAndReap(pid);
    return ready ? pid : -1;
  }

  static void KillAndReap(pid_t pid) {
    ::kill(pid, SIGKILL);
    int wstatus = 0;
    ::waitpid(pid, &wstatus, 0);
  }
};

TEST_F(LockFileTest, AcquireRecordsOurPid) {
  auto lock = LockFile::Acquire(dir_);
  ASSERT_TRUE(lock.ok()) << lock.status().ToString();
  EXPECT_EQ((*lock)->path(), Path("LOCK"));
  EXPECT_EQ(LockFile::ReadHolderPid(Path("LOCK")), ::getpid());
}

TEST_F(LockFileTest, LockHeldByAnotherProcessIsLockedWithItsPid) {
  const pid_t child = ForkHolder();
  ASSERT_GT(child, 0);
  auto lock = LockFile::Acquire(dir_);
  KillAndReap(child);
  ASSERT_EQ(lock.status().code(), StatusCode::kLocked) << lock.status().ToString();
  EXPECT_NE(lock.status().message().find("pid " + std::to_string(child)), std::string::npos)
      << lock.status().ToString();
  EXPECT_NE(lock.status().message().find(dir_), std::string::npos);
}

TEST_F(LockFileTest, LockIsReleasedWhenTheHolderIsKilled) {
  const pid_t child = ForkHolder();
  ASSERT_GT(child, 0);
  ASSERT_EQ(LockFile::Acquire(dir_).status().code(), StatusCode::kLocked);
  KillAndReap(child);
  auto lock = LockFile::Acquire(dir_);
  ASSERT_TRUE(lock.ok()) << lock.status().ToString();
  EXPECT_EQ(LockFile::ReadHolderPid(Path("LOCK")), ::getpid()) << "the dead holder's pid is replaced";
}

TEST_F(LockFileTest, ReleasedOnDestructionAndReacquirable) {
  {
    auto lock = LockFile::Acquire(dir_);
    ASSERT_TRUE(lock.ok());
    // flock conflicts between open file descriptions even within one process.
    EXPECT_EQ(LockFile::Acquire(dir_).status().code(), StatusCode::kLocked);
  }
  EXPECT_TRUE(LockFile::Acquire(dir_).ok());
}

// The commit lock: Lock waits for another process's commit, up to the timeout, then names it.
TEST_F(LockFileTest, LockWaitsUpToTheTimeoutAndNamesTheHolder) {
  const pid_t child = ForkHolder();
  ASSERT_GT(child, 0);
  auto lock = LockFile::Open(dir_);
  ASSERT_TRUE(lock.ok()) << lock.status().ToString();
  Status s = (*lock)->Lock(50);
  EXPECT_EQ(s.code(), StatusCode::kLocked) << s.ToString();
  EXPECT_NE(s.message().find("pid " + std::to_string(child)), std::string::npos) << s.ToString();
  EXPECT_NE(s.message().find("50 ms"), std::string::npos) << s.ToString();
  EXPECT_FALSE((*lock)->locked());
  KillAndReap(child);
  // Released by the kernel when the holder died: taken now, and again after Unlock.
  ASSERT_TRUE((*lock)->Lock(1000).ok());
  EXPECT_EQ(LockFile::ReadHolderPid(Path("LOCK")), ::getpid());
  (*lock)->Unlock();
  EXPECT_TRUE(LockFile::Acquire(dir_).ok()) << "Unlock released it";
  ASSERT_TRUE((*lock)->Lock(0).ok());
}

TEST_F(LockFileTest, MissingDirectoryIsNotFound) {
  EXPECT_EQ(LockFile::Acquire(Path("nope")).status().code(), StatusCode::kNotFound);
}

TEST_F(LockFileTest, InjectedLockFailureIsAnIOError) {
  FaultInjector::Set(FileOp::kLock, 1, ENOLCK);
  EXPECT_EQ(LockFile::Acquire(dir_).status().code(), StatusCode::kIOError);
}

}  // namespace
}  // namespace ochre::storage
