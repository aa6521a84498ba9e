// Copyright 2026 The OchreDB Authors.
//
// Every system call here first asks FaultInjector whether to fail; an injected failure looks to
// the caller exactly like the real errno would.
#include "common/file.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <system_error>
#include <utility>

#include "common/fault_injection.h"

namespace ochre {

namespace {

// Returns the injected errno for this call, or 0 to go ahead with the real call.
int Injected(FileOp op, std::string_view path) { return FaultInjector::Check(op, path).error; }

}  // namespace

Status ErrnoStatus(int error, std::string_view op, std::string_view path) {
  std::string msg(op);
  msg += " '";
  msg += path;
  msg += "': ";
  msg += std::generic_category().message(error);
  switch (error) {
    case ENOSPC:
    case EDQUOT:
      return Status::NoSpace(std::move(msg));
    case EACCES:
    case EPERM:
      return Status::PermissionDenied(std::move(msg));
    case EROFS:
      return Status::ReadOnly(std::move(msg));
    case ENOENT:
      return Status::NotFound(std::move(msg));
    case ENOTDIR:
    case EISDIR:
    case ELOOP:
      return Status::InvalidArgument(std::move(msg));
    case EEXIST:
      return Status::AlreadyExists(std::move(msg));
    default:
      return Status::IOError(std::move(msg));
  }
}

UniqueFd& UniqueFd::operator=(UniqueFd&& o) noexcept {
  if (this != &o) reset(o.release());
  return *this;
}

void UniqueFd::reset(int fd) {
  if (fd_ >= 0) ::close(fd_);
  fd_ = fd;
}

MappedRegion& MappedRegion::operator=(MappedRegion&& o) noexcept {
  if (this != &o) {
    reset();
    base_ = std::exchange(o.base_, nullptr);
    length_ = std::exchange(o.length_, 0);
  }
  return *this;
}

void MappedRegion::reset() {
  if (base_ != nullptr) ::munmap(base_, length_);
  base_ = nullptr;
  length_ = 0;
}

Result<File> File::Open(const std::string& path, OpenMode open_mode, mode_t mode) {
  int flags = O_CLOEXEC | O_NOFOLLOW;
  switch (open_mode) {
    case OpenMode::kReadOnly:
      flags |= O_RDONLY;
      break;
    case OpenMode::kReadWrite:
      flags |= O_RDWR;
      break;
    case OpenMode::kCreate:
      flags |= O_RDWR | O_CREAT;
      break;
    case OpenMode::kCreateExclusive:
      flags |= O_RDWR | O_CREAT | O_EXCL;
      break;
    case OpenMode::kCreateTruncate:
      flags |= O_RDWR | O_CREAT | O_TRUNC;
      break;
  }
  if (int err = Injected(FileOp::kOpen, path)) return ErrnoStatus(err, "open", path);
  int fd;
  do {
    fd = ::open(path.c_str(), flags, mode);
  } while (fd < 0 && errno == EINTR);
  if (fd < 0) return ErrnoStatus(errno, "open", path);
  return File(UniqueFd(fd), path);
}

Result<size_t> File::Read(uint64_t offset, size_t n, void* dst) const {
  char* out = static_cast<char*>(dst);
  size_t done = 0;
  while (done < n) {
    ssize_t r;
    if (int err = Injected(FileOp::kRead, path_)) {
      errno = err;
      r = -1;
    } else {
      r = ::pread(fd_.get(), out + done, n - done, static_cast<off_t>(offset + done));
    }
    if (r < 0) {
      if (errno == EINTR) continue;
      return ErrnoStatus(errno, "read", path_);
    }
    if (r == 0) break;  // end of file
    done += static_cast<size_t>(r);
  }
  return done;
}

Status File::Write(uint64_t offset, std::string_view data) const {
  size_t done = 0;
  while (done < data.size()) {
    const size_t want = data.size() - done;
    ssize_t r;
    FaultInjector::Decision d = FaultInjector::Check(FileOp::kWrite, path_);
    if (d.error != 0) {
      errno = d.error;
      r = -1;
    } else {
      const size_t len = d.short_write ? (want + 1) / 2 : want;
      r = ::pwrite(fd_.get(), data.data() + done, len, static_cast<off_t>(offset + done));
    }
    if (r < 0) {
      if (errno == EINTR) continue;
      return ErrnoStatus(errno, "write", path_);
    }
    // A zero-byte write of a non-empty buffer makes no progress; treat it as an error rather than
    // spin (POSIX allows it only for special files).
    if (r == 0) return Status::IOError("write '" + path_ + "': wrote 0 bytes");
    done += static_cast<size_t>(r);
  }
  return Status::Ok();
}

Status File::DataSync() const {
  // EINTR is retried; any other failure is final. After EIO the kernel may have dropped the dirty
  // pages, so a retry could report success for data that is lost (the PostgreSQL fsync lesson):
  // callers must treat the handle as poisoned.
  for (;;) {
    int err = Injected(FileOp::kSync, path_);
    if (err == 0 && ::fdatasync(fd_.get()) == 0) return Status::Ok();
    if (err == 0) err = errno;
    if (err != EINTR) return ErrnoStatus(err, "fdatasync", path_);
  }
}

Status File::Sync() const {
  for (;;) {
    int err = Injected(FileOp::kSync, path_);
    if (err == 0 && ::fsync(fd_.get()) == 0) return Status::Ok();
    if (err == 0) err = errno;
    if (err != EINTR) return ErrnoStatus(err, "fsync", path_);
  }
}

Status File::Allocate(uint64_t offset, uint64_t length) const {
  for (;;) {
    int err = Injected(FileOp::kAllocate, path_);
    // posix_fallocate returns the error number instead of setting errno.
    if (err == 0) err = ::posix_fallocate(fd_.get(), static_cast<off_t>(offset), static_cast<off_t>(length));
    if (err == 0) return Status::Ok();
    if (err != EINTR) return ErrnoStatus(err, "fallocate", path_);
  }
}

Status File::Truncate(uint64_t size) const {
  for (;;) {
    int err = Injected(FileOp::kTruncate, path_);
    if (err == 0 && ::ftruncate(fd_.get(), static_cast<off_t>(size)) == 0) return Status::Ok();
    if (err == 0) err = errno;
    if (err != EINTR) return ErrnoStatus(err, "ftruncate", path_);
  }
}

Result<uint64_t> File::Size() const {
  struct stat st;
  if (::fstat(fd_.get(), &st) != 0) return ErrnoStatus(errno, "fstat", path_);
  return static_cast<uint64_t>(st.st_size);
}

Result<MappedRegion> File::Map(uint64_t offset, size_t length, bool writable) const {
  if (int err = Injected(FileOp::kMmap, path_)) return ErrnoStatus(err, "mmap", path_);
  const int prot = writable ? (PROT_READ | PROT_WRITE) : PROT_READ;
  void* base = ::mmap(nullptr, length, prot, MAP_SHARED, fd_.get(), static_cast<off_t>(offset));
  if (base == MAP_FAILED) return ErrnoStatus(errno, "mmap", path_);
  return MappedRegion(base, length);
}

Result<bool> File::TryLock(int operation) const {
  for (;;) {
    int err = Injected(FileOp::kLock, path_);
    if (err == 0 && ::flock(fd_.get(), operation | LOCK_NB) == 0) return true;
    if (err == 0) err = errno;
    if (err == EWOULDBLOCK) return false;
    if (err != EINTR) return ErrnoStatus(err, "flock", path_);
  }
}

Result<bool> File::TryLockExclusive() const { return TryLock(LOCK_EX); }

Result<bool> File::TryLockShared() const { return TryLock(LOCK_SH); }

void File::Unlock() const {
  if (fd_.get() >= 0) (void)::flock(fd_.get(), LOCK_UN);
}

Status RenameFile(const std::string& from, const std::string& to) {
  int err = Injected(FileOp::kRename, to);
  if (err == 0 && ::rename(from.c_str(), to.c_str()) == 0) return Status::Ok();
  if (err == 0) err = errno;
  return ErrnoStatus(err, "rename to '" + to + "' of", from);
}

Status RemoveFile(const std::string& path) {
  int err = Injected(FileOp::kUnlink, path);
  if (err == 0 && ::unlink(path.c_str()) == 0) return Status::Ok();
  if (err == 0) err = errno;
  return ErrnoStatus(err, "unlink", path);
}

Status RemoveDirRecursively(const std::string& path) {
  struct stat st;
  if (::lstat(path.c_str(), &st) != 0) return ErrnoStatus(errno, "lstat", path);
  if (!S_ISDIR(st.st_mode)) return RemoveFile(path);
  OCHRE_ASSIGN_OR_RETURN(std::vector<std::string> names, ListDir(path));
  for (const std::string& name : names) OCHRE_RETURN_IF_ERROR(RemoveDirRecursively(JoinPath(path, name)));
  int err = Injected(FileOp::kUnlink, path);
  if (err == 0 && ::rmdir(path.c_str()) == 0) return Status::Ok();
  if (err == 0) err = errno;
  return ErrnoStatus(err, "rmdir", path);
}

Status SyncDir(const std::string& dir) {
  if (int err = Injected(FileOp::kOpen, dir)) return ErrnoStatus(err, "open directory", dir);
  int fd;
  do {
    fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  } while (fd < 0 && errno == EINTR);
  if (fd < 0) return ErrnoStatus(errno, "open directory", dir);
  UniqueFd guard(fd);
  for (;;) {
    int err = Injected(FileOp::kSync, dir);
    if (err == 0 && ::fsync(fd) == 0) return Status::Ok();
    if (err == 0) err = errno;
    if (err != EINTR) return ErrnoStatus(err, "fsync directory", dir);
  }
}

Status CreateDirs(const std::string& path) {
  if (path.empty()) return Status::InvalidArgument("mkdir: empty path");
  // Walk the prefixes "a", "a/b", "a/b/c" and create each missing one.
  size_t pos = 0;
  while (pos != std::string::npos) {
    pos = path.find('/', pos + 1);
    std::string prefix = path.substr(0, pos);
    while (prefix.size() > 1 && prefix.back() == '/') prefix.pop_back();
    if (prefix.empty() || prefix == "/") continue;
    int err = Injected(FileOp::kMkdir, prefix);
    if (err == 0 && ::mkdir(prefix.c_str(), 0755) == 0) {
      OCHRE_RETURN_IF_ERROR(SyncDir(DirName(prefix)));
      continue;
    }
    if (err == 0) err = errno;
    if (err == EEXIST) {
      struct stat st;
      if (::stat(prefix.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) continue;
      return Status::InvalidArgument("mkdir '" + prefix + "': exists and is not a directory");
    }
    return ErrnoStatus(err, "mkdir", prefix);
  }
  return Status::Ok();
}

Result<bool> PathExists(const std::string& path) {
  struct stat st;
  if (::lstat(path.c_str(), &st) == 0) return true;
  if (errno == ENOENT) return false;
  return ErrnoStatus(errno, "lstat", path);
}

std::string DirName(const std::string& path) {
  size_t end = path.size();
  while (end > 1 && path[end - 1] == '/') --end;  // ignore trailing slashes
  size_t slash = path.rfind('/', end - 1);
  if (slash == std::string::npos) return ".";
  while (slash > 0 && path[slash - 1] == '/') --slash;
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

std::string JoinPath(std::string_view a, std::string_view b) {
  std::string out(a);
  if (!out.empty() && out.back() != '/') out += '/';
  out += b;
  return out;
}

Result<std::vector<std::string>> ListDir(const std::string& dir) {
  if (int err = Injected(FileOp::kOpen, dir)) return ErrnoStatus(err, "opendir", dir);
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return ErrnoStatus(errno, "opendir", dir);
  std::vector<std::string> names;
  errno = 0;
  while (struct dirent* e = ::readdir(d)) {
    std::string_view name(e->d_name);
    if (name != "." && name != "..") names.emplace_back(name);
  }
  const int err = errno;
  ::closedir(d);
  if (err != 0) return ErrnoStatus(err, "readdir", dir);
  return names;
}

std::string UniqueTempPath(const std::string& path) {
  // Unique per process and call: several processes (and threads) may write the same file at once.
  static std::atomic<uint64_t> counter{0};
  return path + "." + std::to_string(::getpid()) + "-" + std::to_string(counter.fetch_add(1)) + ".tmp";
}

Status WriteFileAtomically(const std::string& path, std::string_view data) {
  const std::string tmp = UniqueTempPath(path);
  Status s;
  {
    // A temporary file left by a crash is stale by definition: truncating it is safe.
    auto file = File::Open(tmp, OpenMode::kCreateTruncate);
    if (!file.ok()) return file.status();
    s = file->Write(0, data);
    if (s.ok()) s = file->DataSync();
  }
  if (s.ok()) s = RenameFile(tmp, path);
  if (!s.ok()) {
    // Best effort: the error that matters is s; a leftover .tmp is harmless and rewritten next time.
    (void)RemoveFile(tmp);
    return s;
  }
  return SyncDir(DirName(path));
}

Result<bool> CreateFileExclusively(const std::string& path, std::string_view data) {
  const std::string tmp = UniqueTempPath(path);
  Status s;
  {
    auto file = File::Open(tmp, OpenMode::kCreateTruncate);
    if (!file.ok()) return file.status();
    s = file->Write(0, data);
    if (s.ok()) s = file->DataSync();
  }
  bool created = false;
  if (s.ok()) {
    if (::link(tmp.c_str(), path.c_str()) == 0) {
      created = true;
    } else if (errno != EEXIST) {
      s = ErrnoStatus(errno, "link to '" + path + "' of", tmp);
    }
  }
  (void)RemoveFile(tmp);
  if (!s.ok()) return s;
  OCHRE_RETURN_IF_ERROR(SyncDir(DirName(path)));
  return created;
}

Result<std::string> ReadFile(const std::string& path) {
  OCHRE_ASSIGN_OR_RETURN(File file, File::Open(path, OpenMode::kReadOnly));
  OCHRE_ASSIGN_OR_RETURN(uint64_t size, file.Size());
  std::string out;
  // The size is a hint: read until end of file in case the file grew meanwhile.
  out.resize(static_cast<size_t>(size) + 1);
  size_t done = 0;
  for (;;) {
    OCHRE_ASSIGN_OR_RETURN(size_t n, file.Read(done, out.size() - done, out.data() + done));
    done += n;
    if (done < out.size()) break;
    out.resize(out.size() * 2);
  }
  out.resize(done);
  return out;
}

}  // namespace ochre
