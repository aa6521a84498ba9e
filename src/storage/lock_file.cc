// Copyright 2026 The OchreDB Authors.
#include "storage/lock_file.h"

#include <time.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <string>
#include <thread>

#include "common/logging.h"

namespace ochre::storage {

pid_t LockFile::ReadHolderPid(const std::string& path) {
  auto content = ReadFile(path);
  if (!content.ok() || content->empty()) return -1;
  char* end = nullptr;
  const long pid = std::strtol(content->c_str(), &end, 10);
  if (end == content->c_str() || pid <= 0) return -1;
  return static_cast<pid_t>(pid);
}

Result<std::unique_ptr<LockFile>> LockFile::Open(const std::string& dir) {
  const std::string path = JoinPath(dir, kFileName);
  // Never truncate on open: the file may belong to a running holder whose pid we want to report.
  OCHRE_ASSIGN_OR_RETURN(File file, File::Open(path, OpenMode::kCreate, 0644));
  return std::unique_ptr<LockFile>(new LockFile(std::move(file), dir));
}

Result<std::unique_ptr<LockFile>> LockFile::Acquire(const std::string& dir) {
  OCHRE_ASSIGN_OR_RETURN(auto lock, Open(dir));
  OCHRE_RETURN_IF_ERROR(lock->Lock(0));
  return lock;
}

Status LockFile::Lock(int64_t timeout_ms) {
  if (locked_) return Status::Ok();
  const auto start = std::chrono::steady_clock::now();
  auto sleep_us = std::chrono::microseconds(50);
  while (true) {
    OCHRE_ASSIGN_OR_RETURN(bool taken, file_.TryLockExclusive());
    if (taken) break;
    const auto waited = std::chrono::steady_clock::now() - start;
    if (waited >= std::chrono::milliseconds(timeout_ms)) {
      // The holder writes its pid just after taking the lock; in that short window the pid is not
      // known yet (or is the previous holder's), hence "unknown" when it cannot be read.
      const pid_t holder = ReadHolderPid(path());
      const std::string who = holder > 0 ? "pid " + std::to_string(holder) : "pid unknown";
      std::string msg = "database " + dir_ + " is in use by another process (" + who + ")";
      if (timeout_ms > 0) {
        msg += ", which has held its write lock for more than " + std::to_string(timeout_ms) +
               " ms; try again, raise Settings::lock_timeout_ms, or stop that process";
      } else {
        msg += "; close it there, or serve the database with `ochre run` to share it";
      }
      return Status::Locked(msg);
    }
    // Commits are short: poll often at first, then back off to 10 ms.
    std::this_thread::sleep_for(sleep_us);
    sleep_us = std::min(sleep_us * 2, std::chrono::microseconds(10000));
  }
  locked_ = true;
  // The pid is only a diagnostic: failing to record it (e.g. a full disk) must not stop the commit.
  // Fixed width, so that one pwrite replaces the previous holder's pid whole.
  char pid[16];
  const int n = std::snprintf(pid, sizeof pid, "%-10d\n", int(::getpid()));
  Status s = file_.Write(0, std::string_view(pid, size_t(n)));
  if (!s.ok()) OCHRE_LOG_WARN("could not record the pid in '{}': {}", path(), s.ToString());
  return Status::Ok();
}

void LockFile::Unlock() {
  if (!locked_) return;
  locked_ = false;
  file_.Unlock();
}

LockFile::~LockFile() { Unlock(); }

}  // namespace ochre::storage
