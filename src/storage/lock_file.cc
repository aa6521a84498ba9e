// Copyright 2026 The OchreDB Authors.
#include "storage/lock_file.h"

#include <unistd.h>

#include <cstdlib>
#include <string>

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

Result<std::unique_ptr<LockFile>> LockFile::Acquire(const std::string& dir) {
  const std::string path = JoinPath(dir, kFileName);
  // Never truncate on open: the file may belong to a running holder whose pid we want to report.
  OCHRE_ASSIGN_OR_RETURN(File file, File::Open(path, OpenMode::kCreate, 0644));
  OCHRE_ASSIGN_OR_RETURN(bool locked, file.TryLockExclusive());
  if (!locked) {
    // The holder writes its pid just after taking the lock; in that short window the pid is not
    // known yet, hence "unknown" rather than a guess.
    const pid_t holder = ReadHolderPid(path);
    const std::string who = holder > 0 ? "pid " + std::to_string(holder) : "pid unknown";
    return Status::Locked("database " + dir + " is in use by another process (" + who +
                          "); close it there, or serve the database with `ochre run` to share it");
  }
  // The pid is only a diagnostic: failing to record it (e.g. a full disk) must not stop the open.
  const std::string pid = std::to_string(::getpid()) + "\n";
  Status s = file.Truncate(0);
  if (s.ok()) s = file.Write(0, pid);
  if (!s.ok()) OCHRE_LOG_WARN("could not record the pid in '{}': {}", path, s.ToString());
  return std::unique_ptr<LockFile>(new LockFile(std::move(file)));
}

LockFile::~LockFile() {
  // Best effort, and done while the lock is still held so no new holder's pid can be erased.
  if (file_.valid()) (void)file_.Truncate(0);
}

}  // namespace ochre::storage
