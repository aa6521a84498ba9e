// Copyright 2026 The OchreDB Authors.
//
// FaultInjector: makes the Nth call of one kind of file operation fail, so tests can drive every
// failure path of the storage code (RELIABILITY.md T4: "fail the Nth call, transient and
// persistent"). Every operation in file.h asks the injector first. It is compiled into the product
// on purpose: when nothing is armed the check is one relaxed atomic load, so it costs nothing, and
// tests exercise exactly the code that ships.
//
// Thread safety: all members are static and safe to call from any thread. Faults are process-wide,
// so tests that arm them must not run file I/O on other threads they do not expect to fail.
#pragma once

#include <atomic>
#include <cerrno>
#include <cstdint>
#include <string>
#include <string_view>

namespace ochre {

// The kinds of operation a fault can target. Each file.h function belongs to exactly one.
enum class FileOp : uint8_t {
  kOpen = 0,  // open(2) of a file or directory
  kRead,      // pread(2) / read(2)
  kWrite,     // pwrite(2) / write(2)
  kSync,      // fsync(2) / fdatasync(2), of files and of directories
  kAllocate,  // posix_fallocate(3)
  kTruncate,  // ftruncate(2)
  kRename,    // rename(2)
  kUnlink,    // unlink(2) / rmdir(2)
  kMkdir,     // mkdir(2)
  kMmap,      // mmap(2)
  kLock,      // flock(2)
  kCount,     // number of kinds; not an operation
};

// "write", "sync", ...: used in test names and messages.
std::string_view FileOpName(FileOp op);

struct Fault {
  FileOp op = FileOp::kWrite;
  // Fail the nth matching call from now on (1 = the very next one).
  uint64_t nth = 1;
  // The errno the call fails with (EIO, ENOSPC, EINTR...). Ignored when short_write is set.
  int error = EIO;
  // When true, every matching call after the nth fails too; otherwise only the nth does.
  bool persistent = false;
  // Only calls whose path contains this substring match ("" matches every path).
  std::string path_contains;
  // kWrite only: instead of failing, the call writes half of its bytes (at least one) and reports
  // that short count, as a full disk or a signal can make write(2) do.
  bool short_write = false;
};

class FaultInjector {
 public:
  // Arms one fault (in addition to those already armed). Shorthand for the common case below.
  static void Add(Fault fault);
  static void Set(FileOp op, uint64_t nth, int errno_value, bool persistent = false) {
    Add(Fault{op, nth, errno_value, persistent, {}, false});
  }
  // Disarms every fault and zeroes the counters.
  static void Reset();

  // Counting lets a test learn how many calls of each kind a workload makes, to sweep N = 1..K.
  static void EnableCounting(bool on);
  // Calls of `op` seen since the last Reset while counting was enabled or a fault was armed.
  static uint64_t Calls(FileOp op);

  // What the injector decided for one call.
  struct Decision {
    int error = 0;             // non-zero: fail with this errno
    bool short_write = false;  // kWrite: write a short count instead
  };
  // Called by file.h before each operation. Cheap when nothing is armed.
  static Decision Check(FileOp op, std::string_view path) {
    if (!active_.load(std::memory_order_relaxed)) return Decision{};
    return CheckSlow(op, path);
  }

 private:
  static Decision CheckSlow(FileOp op, std::string_view path);
  static std::atomic<bool> active_;
};

// Arms faults for the lifetime of a scope and resets the injector when it ends, so one test's faults
// cannot leak into the next.
class ScopedFaultReset {
 public:
  ScopedFaultReset() { FaultInjector::Reset(); }
  ~ScopedFaultReset() { FaultInjector::Reset(); }
  ScopedFaultReset(const ScopedFaultReset&) = delete;
  ScopedFaultReset& operator=(const ScopedFaultReset&) = delete;
};

}  // namespace ochre
