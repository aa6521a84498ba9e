// Copyright 2026 The OchreDB Authors.
//
// The one small layer all of OchreDB's own file I/O goes through (STYLE.md 3.6.6). It exists so
// that (1) every system call is checked, retried on EINTR and looped over short transfers in one
// place, (2) errno becomes a Status that names the operation and the path, and (3) tests can make
// any call fail through FaultInjector (fault_injection.h). SQLite does its own I/O and is not
// covered here.
//
// errno -> Status: ENOSPC/EDQUOT -> NoSpace, EACCES/EPERM -> PermissionDenied, EROFS -> ReadOnly,
// ENOENT -> NotFound, ENOTDIR/EISDIR/ELOOP -> InvalidArgument, anything else -> IOError.
//
// Files are opened with O_CLOEXEC (no fd leaks into children) and O_NOFOLLOW (the last path
// component must not be a symlink: our files are never links, and following one could make us
// write outside the database directory).
//
// Thread safety: the free functions are thread-safe. A File may be used by several threads at once
// for Read/Write at distinct offsets; its other methods need external synchronization.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "ochre/result.h"
#include "ochre/status.h"

namespace ochre {

// Maps an errno value to a Status whose message reads "<op> <path>: <strerror>".
Status ErrnoStatus(int error, std::string_view op, std::string_view path);

// Owns a file descriptor and closes it on destruction. Move-only.
class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(UniqueFd&& o) noexcept : fd_(o.release()) {}
  UniqueFd& operator=(UniqueFd&& o) noexcept;
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd() { reset(); }

  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  int release() {
    int fd = fd_;
    fd_ = -1;
    return fd;
  }
  // Closes the held fd (if any) and takes `fd`. Errors of close(2) are ignored: durability never
  // depends on close, only on an fsync that was checked before.
  void reset(int fd = -1);

 private:
  int fd_ = -1;
};

// A read-only (or read-write) memory mapping, unmapped on destruction. Move-only.
class MappedRegion {
 public:
  MappedRegion() = default;
  MappedRegion(void* base, size_t length) : base_(base), length_(length) {}
  MappedRegion(MappedRegion&& o) noexcept : base_(o.base_), length_(o.length_) {
    o.base_ = nullptr;
    o.length_ = 0;
  }
  MappedRegion& operator=(MappedRegion&& o) noexcept;
  MappedRegion(const MappedRegion&) = delete;
  MappedRegion& operator=(const MappedRegion&) = delete;
  ~MappedRegion() { reset(); }

  const void* data() const { return base_; }
  void* mutable_data() const { return base_; }
  size_t size() const { return length_; }
  bool valid() const { return base_ != nullptr; }
  void reset();

 private:
  void* base_ = nullptr;
  size_t length_ = 0;
};

enum class OpenMode : uint8_t {
  kReadOnly,         // O_RDONLY; the file must exist
  kReadWrite,        // O_RDWR; the file must exist
  kCreate,           // O_RDWR | O_CREAT: open, creating an empty file if missing
  kCreateExclusive,  // O_RDWR | O_CREAT | O_EXCL: AlreadyExists if the file exists
  kCreateTruncate,   // O_RDWR | O_CREAT | O_TRUNC: only for temporary files, never for live ones
};

// An open file with its path (kept for error messages and fault matching).
class File {
 public:
  File() = default;
  File(File&&) noexcept = default;
  File& operator=(File&&) noexcept = default;
  File(const File&) = delete;
  File& operator=(const File&) = delete;

  // Opens `path`. New files get permission bits `mode` (before the umask).
  static Result<File> Open(const std::string& path, OpenMode open_mode, mode_t mode = 0644);

  const std::string& path() const { return path_; }
  int fd() const { return fd_.get(); }
  bool valid() const { return fd_.valid(); }
  void Close() { fd_.reset(); }

  // Reads up to n bytes at offset into dst, looping over short reads and EINTR. Returns the number
  // of bytes read, which is less than n only at end of file.
  Result<size_t> Read(uint64_t offset, size_t n, void* dst) const;
  // Writes all of `data` at offset, looping over short writes and EINTR. On error some prefix of
  // the bytes may have been written.
  Status Write(uint64_t offset, std::string_view data) const;
  Status Write(uint64_t offset, const void* data, size_t n) const {
    return Write(offset, std::string_view(static_cast<const char*>(data), n));
  }
  // fdatasync(2): the data and the metadata needed to read it (the size) are durable.
  Status DataSync() const;
  // fsync(2): as DataSync plus every other metadata.
  Status Sync() const;
  // posix_fallocate(3): reserves [offset, offset+length) on disk and extends the size to cover it.
  // Fails with NoSpace instead of the SIGBUS a later access to a sparse mapping would raise.
  Status Allocate(uint64_t offset, uint64_t length) const;
  // ftruncate(2). Never shrink a file that is mapped: readers would get SIGBUS.
  Status Truncate(uint64_t size) const;
  // The current size from fstat(2).
  Result<uint64_t> Size() const;
  // mmap(2) of [offset, offset+length) with MAP_SHARED, read-only unless `writable`. offset must be
  // a multiple of the page size. The mapping stays valid after the File is closed.
  Result<MappedRegion> Map(uint64_t offset, size_t length, bool writable = false) const;
  // flock(LOCK_EX | LOCK_NB): true when the lock was taken, false when another open file
  // description holds it. The lock lives as long as this open file description.
  Result<bool> TryLockExclusive() const;
  // flock(LOCK_SH | LOCK_NB): true when taken, false when another open file description holds the
  // lock exclusively.
  Result<bool> TryLockShared() const;
  // flock(LOCK_UN).
  void Unlock() const;

 private:
  File(UniqueFd fd, std::string path) : fd_(std::move(fd)), path_(std::move(path)) {}
  // flock(operation | LOCK_NB), retried on EINTR: true when taken, false on EWOULDBLOCK.
  Result<bool> TryLock(int operation) const;

  UniqueFd fd_;
  std::string path_;
};

// rename(2). Both paths should be in the same directory; call SyncDir afterwards for durability.
Status RenameFile(const std::string& from, const std::string& to);
// unlink(2). NotFound when missing.
Status RemoveFile(const std::string& path);
// Removes a directory and everything in it (files and subdirectories; symlinks are removed, never
// followed). NotFound when missing.
Status RemoveDirRecursively(const std::string& path);
// fsync(2) of a directory, which makes the creation, rename or removal of its entries durable.
Status SyncDir(const std::string& dir);
// mkdir -p: creates `path` and missing parents (mode 0755); fsyncs the parent of each directory it
// creates so the new entries survive a crash. Ok if it already exists as a directory;
// InvalidArgument if it or a parent is a file.
Status CreateDirs(const std::string& path);
// True when something exists at path (without following a final symlink).
Result<bool> PathExists(const std::string& path);
// The directory part of a path ("a/b/c" -> "a/b", "c" -> ".", "/c" -> "/").
std::string DirName(const std::string& path);
// Joins two path parts with one '/'.
std::string JoinPath(std::string_view a, std::string_view b);
// Names of the entries of a directory, without "." and "..", unsorted.
Result<std::vector<std::string>> ListDir(const std::string& dir);

// Replaces the file at `path` with `data` so that after a crash it holds either its old content or
// the new one, never a mix: writes a temporary file (UniqueTempPath), fdatasyncs it, renames it over
// `path` and fsyncs the directory (leveldb's SetCurrentFile). On error the old content is untouched
// and the temporary file is removed.
Status WriteFileAtomically(const std::string& path, std::string_view data);
// `path.<pid>-<n>.tmp`: a temporary name no other process or call uses.
std::string UniqueTempPath(const std::string& path);
// Creates `path` with `data` unless it exists (then leaves it alone and returns false): writes a
// temporary file, fdatasyncs it, links it to `path` (which fails if `path` exists: two processes
// creating one file never replace each other's), removes the temporary name, fsyncs the directory.
Result<bool> CreateFileExclusively(const std::string& path, std::string_view data);
// The whole content of a file.
Result<std::string> ReadFile(const std::string& path);

}  // namespace ochre
