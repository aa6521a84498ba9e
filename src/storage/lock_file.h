// Copyright 2026 The OchreDB Authors.
//
// LockFile: the `LOCK` file of a database directory, held with flock(LOCK_EX | LOCK_NB) by the
// process that writes the database (DESIGN.md, "Concurrency"). flock, never fcntl locks: a POSIX
// record lock is silently dropped when the process closes *any* descriptor of the file, and flock
// locks belong to the open file description, which the kernel releases when the holder exits or is
// killed, so a crashed holder never leaves the database locked. The holder's pid is written into
// the file so that the next process can say who holds it.
//
// flock also conflicts between two open file descriptions in one process: a second Acquire of the
// same directory in the same process fails with Locked (the API layer keeps one engine per path
// per process). A child created by fork() shares the parent's descriptor and thus its lock.
//
// Thread safety: Acquire is thread-safe; a LockFile is immutable after creation.
#pragma once

#include <sys/types.h>

#include <memory>
#include <string>

#include "common/file.h"
#include "ochre/result.h"
#include "ochre/status.h"

namespace ochre::storage {

class LockFile {
 public:
  static constexpr const char* kFileName = "LOCK";

  // Takes the lock of the database directory `dir` (creating `dir/LOCK` if missing), at once or not
  // at all. Errors: Locked("database <dir> is in use by another process (pid N)") when another
  // open file description holds it; NotFound if `dir` does not exist; the mapped errno otherwise.
  static Result<std::unique_ptr<LockFile>> Acquire(const std::string& dir);

  // Releases the lock (clearing the pid first, so no stale pid is reported later).
  ~LockFile();
  LockFile(const LockFile&) = delete;
  LockFile& operator=(const LockFile&) = delete;

  const std::string& path() const { return file_.path(); }

  // The pid recorded in the lock file at `path`, or -1 if none can be read (tests, diagnostics).
  static pid_t ReadHolderPid(const std::string& path);

 private:
  explicit LockFile(File file) : file_(std::move(file)) {}

  File file_;
};

}  // namespace ochre::storage
