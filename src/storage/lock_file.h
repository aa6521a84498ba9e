// Copyright 2026 The OchreDB Authors.
//
// LockFile: the `LOCK` file of a database directory. Since several processes may work on one
// database (DESIGN.md, "Concurrency"), it is the database's *commit lock*: a writer holds it with
// flock(LOCK_EX) for one commit only (re-read the committed state, append, fdatasync, SQLite
// commit), never for the life of a client. flock, never fcntl locks: a POSIX record lock is silently
// dropped when the process closes *any* descriptor of the file, and flock locks belong to the open
// file description, which the kernel releases when the holder exits or is killed, so a crashed
// writer never leaves the database locked. The holder writes its pid into the file after taking the
// lock so that a writer that waits too long can say who holds it.
//
// flock also conflicts between two open file descriptions in one process, but two threads using
// one LockFile share its open file description: the caller serializes Lock/Unlock within a process
// (the engine holds its own mutex around them).
//
// A build from before several processes were allowed holds the lock for as long as it has the
// database open: processes of this build then wait for it (and time out with Locked naming its pid).
//
// Thread safety: Lock and Unlock must be serialized by the caller; Acquire and ReadHolderPid are
// thread-safe.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <string>

#include "common/file.h"
#include "ochre/result.h"
#include "ochre/status.h"

namespace ochre::storage {

class LockFile {
 public:
  static constexpr const char* kFileName = "LOCK";

  // Opens `dir/LOCK` (creating it if missing) without locking it. NotFound if `dir` does not exist;
  // ReadOnly/PermissionDenied when the file cannot be opened for writing.
  static Result<std::unique_ptr<LockFile>> Open(const std::string& dir);

  // Open + a Lock that does not wait: Locked("database <dir> is in use by another process (pid N)")
  // when another open file description holds it.
  static Result<std::unique_ptr<LockFile>> Acquire(const std::string& dir);

  // Takes the lock, waiting up to `timeout_ms` (0: not at all) while another process holds it.
  // On timeout: Locked naming the directory, the holder's pid and how long we waited.
  Status Lock(int64_t timeout_ms);
  // Releases the lock taken by Lock. The pid is left in the file (the next holder overwrites it).
  void Unlock();
  bool locked() const { return locked_; }

  // Releases the lock (if held).
  ~LockFile();
  LockFile(const LockFile&) = delete;
  LockFile& operator=(const LockFile&) = delete;

  const std::string& path() const { return file_.path(); }

  // The pid recorded in the lock file at `path`, or -1 if none can be read (tests, diagnostics).
  static pid_t ReadHolderPid(const std::string& path);

 private:
  LockFile(File file, std::string dir) : file_(std::move(file)), dir_(std::move(dir)) {}

  File file_;
  std::string dir_;
  bool locked_ = false;
};

}  // namespace ochre::storage
