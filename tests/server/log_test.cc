// Copyright 2026 The OchreDB Authors.
//
// The server log never blocks its callers on stderr: with stderr a pipe nobody reads, Log returns,
// the overflow is counted, and once the pipe is drained the log says how many lines were dropped.
#include "server/log.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>

namespace ochre::server {
namespace {

class StderrPipe {
 public:
  StderrPipe() {
    EXPECT_EQ(::pipe(fds_), 0);
    ::fcntl(fds_[1], F_SETPIPE_SZ, 4096);  // the smallest pipe: full after a few dozen lines
    saved_ = ::dup(STDERR_FILENO);
    ::dup2(fds_[1], STDERR_FILENO);
  }
  ~StderrPipe() {
    ::dup2(saved_, STDERR_FILENO);
    ::close(saved_);
    ::close(fds_[0]);
    ::close(fds_[1]);
  }
  // Everything written so far (non-blocking read until empty).
  std::string Drain() {
    std::string out;
    ::fcntl(fds_[0], F_SETFL, O_NONBLOCK);
    char buf[65536];
    for (;;) {
      ssize_t n = ::read(fds_[0], buf, sizeof(buf));
      if (n <= 0) break;
      out.append(buf, size_t(n));
    }
    return out;
  }

 private:
  int fds_[2] = {-1, -1};
  int saved_ = -1;
};

TEST(ServerLog, AFullStderrPipeDropsLinesInsteadOfBlocking) {
  SetLogLevel(LogLevel::kInfo);
  uint64_t dropped_before = DroppedLogLines();
  StderrPipe pipe;
  // 64 MiB of lines into a pipe of 4 KiB that nobody reads: a blocking write would hang here.
  const std::string message(1000, 'x');
  std::atomic<bool> done{false};
  std::thread writer([&] {
    for (int i = 0; i < 64 * 1024; ++i) Log(LogLevel::kInfo, message);
    done = true;
  });
  writer.join();
  EXPECT_TRUE(done);
  EXPECT_GT(DroppedLogLines(), dropped_before);

  // Drain until the writer catches up; its last line reports the drop.
  std::string seen;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (!FlushLog(std::chrono::milliseconds(1)) && std::chrono::steady_clock::now() < deadline) seen += pipe.Drain();
  seen += pipe.Drain();
  EXPECT_TRUE(FlushLog(std::chrono::milliseconds(1000)));
  seen += pipe.Drain();
  EXPECT_NE(seen.find("log line(s) dropped: stderr was not being read"), std::string::npos);
  EXPECT_NE(seen.find(" INFO xxxx"), std::string::npos);
}

TEST(ServerLog, LinesBelowTheLevelAreNotQueued) {
  StderrPipe pipe;
  SetLogLevel(LogLevel::kWarn);
  Log(LogLevel::kInfo, "not this one");
  Log(LogLevel::kWarn, "this one");
  ASSERT_TRUE(FlushLog(std::chrono::seconds(5)));
  std::string seen = pipe.Drain();
  SetLogLevel(LogLevel::kInfo);
  EXPECT_EQ(seen.find("not this one"), std::string::npos);
  EXPECT_NE(seen.find(" WARN this one\n"), std::string::npos);
}

}  // namespace
}  // namespace ochre::server
