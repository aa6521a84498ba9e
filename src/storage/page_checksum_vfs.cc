// Copyright 2026 The OchreDB Authors.
//
// The "ochre-pagecrc" VFS shim (page_checksum_vfs.h). Its own code, written after the behaviour of
// SQLite's ext/misc/cksumvfs.c (which covers the main database file only): the same rule for when
// it is active (header byte 20 == 8), CRC32C instead of cksumvfs's Fletcher sums, and the WAL
// covered as well.
//
// WAL frames (sqlite/src/wal.c): a 32-byte WAL header (magic, whose low bit says whether frame
// checksums read the data as big-endian words; page size; checkpoint sequence; two salts; a
// checksum of the header), then frames of a 24-byte header (page number, database size for a
// commit frame, the two salts, a two-word cumulative checksum) and the page. SQLite writes a frame
// as two writes, the header then the page, with the checksum already computed over the page as it
// was. The shim writes the page with its trailer and, in the same write, the frame header with
// the checksum computed again: seeded from the previous frame's checksum as stored in the WAL (the
// WAL header's for the first frame), over the header's first 8 bytes and the page as written. A
// page written alone over an earlier frame of the same transaction (SQLite then writes headers with
// zero salts and checksums, and rewrites every checksum from the file at commit) gets its trailer
// only. The checksums SQLite keeps in memory then differ from the file's, which is harmless: they
// only seed the next frame's checksum, which the shim computes again from the file, and recovery
// reads the file.
#include "storage/page_checksum_vfs.h"

#include <cstring>
#include <mutex>
#include <new>
#include <string>
#include <vector>

#include "common/coding.h"
#include "common/crc32c.h"

namespace ochre::storage {
namespace {

constexpr int kDbHeaderBytes = 100;
constexpr int kReserveByteOffset = 20;
constexpr int64_t kWalHeaderBytes = 32;
constexpr int64_t kFrameHeaderBytes = 24;
constexpr int64_t kFirstFramePage = kWalHeaderBytes + kFrameHeaderBytes;

uint32_t LoadBE32(const uint8_t* p) {
  return (uint32_t(p[0]) << 24) | (uint32_t(p[1]) << 16) | (uint32_t(p[2]) << 8) | uint32_t(p[3]);
}
void StoreBE32(uint8_t* p, uint32_t v) {
  p[0] = uint8_t(v >> 24);
  p[1] = uint8_t(v >> 16);
  p[2] = uint8_t(v >> 8);
  p[3] = uint8_t(v);
}
uint32_t LoadLE32(const uint8_t* p) { return DecodeFixed32(reinterpret_cast<const char*>(p)); }

bool IsDbHeader(const void* buf, int64_t n) {
  return n >= kDbHeaderBytes && std::memcmp(buf, "SQLite format 3", 16) == 0;
}

// SQLite's WAL checksum (wal.c walChecksumBytes), continuing from s[0], s[1]. REQUIRES: n % 8 == 0.
void WalChecksum(bool big_endian, const uint8_t* data, size_t n, uint32_t s[2]) {
  for (size_t i = 0; i < n; i += 8) {
    const uint32_t x0 = big_endian ? LoadBE32(data + i) : LoadLE32(data + i);
    const uint32_t x1 = big_endian ? LoadBE32(data + i + 4) : LoadLE32(data + i + 4);
    s[0] += x0 + s[1];
    s[1] += x1 + s[0];
  }
}

// Per-file state, kept in the memory SQLite allocates for the file (szOsFile).
struct FileState {
  sqlite3_file* real = nullptr;  // the default VFS's file, after the PageFile
  FileState* partner = nullptr;  // a main file's WAL, a WAL's main file (while both are open)
  bool wal = false;
  const char* name = nullptr;  // valid until xClose (SQLite's guarantee)
  // Main file: header byte 20 as last read or written (-1: not seen), and whether a VACUUM is
  // converting the file (kPageChecksumFcntlConverting).
  int reserve = -1;
  bool converting = false;
  std::string last_failure;
  // WAL: the last 24-byte write (a frame header) and where it went (-1: the last write was another).
  int64_t header_offset = -1;
  uint8_t header[kFrameHeaderBytes] = {};
  // WAL: the byte order of frame checksums, from the WAL header whose salts are `salt`.
  bool salt_known = false;
  uint8_t salt[8] = {};
  bool big_endian = false;
  std::vector<uint8_t> scratch;  // a page (and frame header) with its trailer, as written
};

struct PageFile {
  sqlite3_file base;  // first: SQLite handles a PageFile as an sqlite3_file
  alignas(FileState) unsigned char state[sizeof(FileState)];
};
constexpr size_t kRealFileOffset = (sizeof(PageFile) + 15) & ~size_t{15};

FileState& State(sqlite3_file* f) {
  return *std::launder(reinterpret_cast<FileState*>(reinterpret_cast<PageFile*>(f)->state));
}
sqlite3_file* Real(sqlite3_file* f) { return State(f).real; }

// A main file's checksum settings (a WAL has its main file's).
bool Compute(const FileState& main) { return main.converting || main.reserve == kPageTrailerBytes; }
bool Verify(const FileState& main) { return !main.converting && main.reserve == kPageTrailerBytes; }

// Page 1 whose byte 20 is not 8 but whose trailer matches with byte 20 read as 8: a checked
// database whose header byte was damaged (read unchecked, it would switch the checks off).
bool DamagedReserveByte(const uint8_t* page, size_t n) {
  if (page[kReserveByteOffset] == kPageTrailerBytes || LoadLE32(page + n - 4) != kPageTrailerMagic) return false;
  const uint8_t eight = kPageTrailerBytes;
  uint32_t crc = crc32c::Extend(0, page, kReserveByteOffset);
  crc = crc32c::Extend(crc, &eight, 1);
  crc = crc32c::Extend(crc, page + kReserveByteOffset + 1, n - kPageTrailerBytes - kReserveByteOffset - 1);
  return crc == LoadLE32(page + n - kPageTrailerBytes);
}

std::string Mismatch(const uint8_t* page, size_t n) {
  return LoadLE32(page + n - 4) == kPageTrailerMagic
             ? " fails its checksum"
             : " carries no page checksum (zeroed, or written by a program without OchreDB's checksum VFS)";
}

int Fail(FileState* main, std::string what) {
  sqlite3_log(SQLITE_IOERR_DATA, "%s", what.c_str());
  if (main) main->last_failure = std::move(what);
  return SQLITE_IOERR_DATA;
}

int RealRead(FileState& s, void* buf, int n, sqlite3_int64 off) { return s.real->pMethods->xRead(s.real, buf, n, off); }
int RealWrite(FileState& s, const void* buf, int n, sqlite3_int64 off) {
  return s.real->pMethods->xWrite(s.real, buf, n, off);
}

// The page number in the header of the WAL frame whose page starts at `page_off`; 0 if unreadable.
uint32_t FramePage(FileState& s, sqlite3_int64 page_off) {
  uint8_t b[4];
  if (RealRead(s, b, 4, page_off - kFrameHeaderBytes) != SQLITE_OK) return 0;
  return LoadBE32(b);
}

// --- Main database file ---------------------------------------------------------------------------

int MainRead(FileState& s, void* buf, int n, sqlite3_int64 off) {
  const int rc = RealRead(s, buf, n, off);
  if (rc != SQLITE_OK) return rc;  // a short read is zero-filled past the end: nothing to check
  const uint8_t* page = static_cast<const uint8_t*>(buf);
  if (off == 0 && IsDbHeader(page, n)) s.reserve = page[kReserveByteOffset];
  if (!IsPageSize(n) || off % n != 0) return SQLITE_OK;
  const int64_t pgno = off / n + 1;
  if (Verify(s)) {
    if (!PageTrailerMatches(page, size_t(n))) {
      return Fail(&s, "page " + std::to_string(pgno) + " of " + s.name + Mismatch(page, size_t(n)));
    }
  } else if (off == 0 && !s.converting && IsDbHeader(page, n) && DamagedReserveByte(page, size_t(n))) {
    return Fail(&s, "page 1 of " + std::string(s.name) + " fails its checksum (its reserved-bytes header byte)");
  }
  return SQLITE_OK;
}

int MainWrite(FileState& s, const void* buf, int n, sqlite3_int64 off) {
  if (off == 0 && IsDbHeader(buf, n)) s.reserve = static_cast<const uint8_t*>(buf)[kReserveByteOffset];
  if (!Compute(s) || !IsPageSize(n) || off % n != 0) return RealWrite(s, buf, n, off);
  s.scratch.resize(size_t(n));
  std::memcpy(s.scratch.data(), buf, size_t(n));
  SetPageTrailer(s.scratch.data(), size_t(n));
  return RealWrite(s, s.scratch.data(), n, off);
}

// --- WAL ------------------------------------------------------------------------------------------

// Where a WAL page of `n` bytes at `off` is a frame's page.
bool IsFramePage(int n, sqlite3_int64 off) {
  return IsPageSize(n) && off >= kFirstFramePage && (off - kFirstFramePage) % (n + kFrameHeaderBytes) == 0;
}

// The checksum that seeds the frame whose header is at `frame_off`: the previous frame's as stored,
// or the WAL header's for the first frame; and the byte order of the frame checksums.
int ChainSeed(FileState& s, sqlite3_int64 frame_off, int page_size, const uint8_t* frame_salt, uint32_t seed[2],
              bool* big_endian) {
  uint8_t h[kWalHeaderBytes];
  if (frame_off == kWalHeaderBytes || !s.salt_known || std::memcmp(s.salt, frame_salt, 8) != 0) {
    const int rc = RealRead(s, h, int(kWalHeaderBytes), 0);
    if (rc != SQLITE_OK) return SQLITE_IOERR_WRITE;
    s.big_endian = (h[3] & 1) != 0;
    std::memcpy(s.salt, h + 16, 8);
    s.salt_known = true;
  }
  *big_endian = s.big_endian;
  if (frame_off == kWalHeaderBytes) {
    seed[0] = LoadBE32(h + 24);
    seed[1] = LoadBE32(h + 28);
    return SQLITE_OK;
  }
  uint8_t c[8];
  const int rc = RealRead(s, c, 8, frame_off - (page_size + kFrameHeaderBytes) + 16);
  if (rc != SQLITE_OK) return SQLITE_IOERR_WRITE;
  seed[0] = LoadBE32(c);
  seed[1] = LoadBE32(c + 4);
  return SQLITE_OK;
}

int WalRead(FileState& s, void* buf, int n, sqlite3_int64 off) {
  const int rc = RealRead(s, buf, n, off);
  if (rc != SQLITE_OK || s.partner == nullptr || !IsFramePage(n, off)) return rc;
  FileState& main = *s.partner;
  const uint8_t* page = static_cast<const uint8_t*>(buf);
  // Page 1 read from the WAL (a new database's first pages may exist only there) sets the database's
  // checksum setting like a read of the main file's header.
  const bool page_one = IsDbHeader(page, n) && FramePage(s, off) == 1;
  if (page_one) main.reserve = page[kReserveByteOffset];
  const bool bad = Verify(main) ? !PageTrailerMatches(page, size_t(n))
                                : page_one && !main.converting && DamagedReserveByte(page, size_t(n));
  if (!bad) return SQLITE_OK;
  const int64_t frame = (off - kFirstFramePage) / (n + kFrameHeaderBytes) + 1;
  return Fail(&main, "page " + std::to_string(FramePage(s, off)) + " in frame " + std::to_string(frame) + " of " +
                         s.name + Mismatch(page, size_t(n)));
}

int WalWrite(FileState& s, const void* buf, int n, sqlite3_int64 off) {
  const uint8_t* data = static_cast<const uint8_t*>(buf);
  if (off == 0 && n >= kWalHeaderBytes) {  // the WAL header
    s.header_offset = -1;
    s.big_endian = (data[3] & 1) != 0;
    std::memcpy(s.salt, data + 16, 8);
    s.salt_known = true;
    return RealWrite(s, buf, n, off);
  }
  if (n == kFrameHeaderBytes) {
    s.header_offset = off;
    std::memcpy(s.header, data, kFrameHeaderBytes);
    return RealWrite(s, buf, n, off);
  }
  // A page reaches the VFS in one write: SQLite splits a frame's write only at a sync point, which
  // it sets for padding to sector boundaries, and not on a device with SQLITE_IOCAP_POWERSAFE_OVERWRITE
  // (the unix VFS's default).
  const bool framed = s.header_offset >= 0 && s.header_offset == off - kFrameHeaderBytes;
  s.header_offset = -1;
  if (s.partner == nullptr || !IsFramePage(n, off)) return RealWrite(s, buf, n, off);
  FileState& main = *s.partner;
  if (framed && LoadBE32(s.header) == 1 && IsDbHeader(data, n)) main.reserve = data[kReserveByteOffset];
  if (!Compute(main)) return RealWrite(s, buf, n, off);
  if (!framed) {
    // A page written again over its frame: SQLite computes the frame checksums again at commit.
    s.scratch.resize(size_t(n));
    std::memcpy(s.scratch.data(), buf, size_t(n));
    SetPageTrailer(s.scratch.data(), size_t(n));
    return RealWrite(s, s.scratch.data(), n, off);
  }
  const size_t total = size_t(kFrameHeaderBytes) + size_t(n);
  s.scratch.resize(total);
  uint8_t* frame = s.scratch.data();
  std::memcpy(frame, s.header, kFrameHeaderBytes);
  std::memcpy(frame + kFrameHeaderBytes, buf, size_t(n));
  SetPageTrailer(frame + kFrameHeaderBytes, size_t(n));
  static constexpr uint8_t kZero[16] = {};
  if (std::memcmp(frame + 8, kZero, 16) != 0) {  // zero salts: SQLite rewrites the checksums at commit
    uint32_t sum[2];
    bool big_endian = false;
    const int rc = ChainSeed(s, off - kFrameHeaderBytes, n, frame + 8, sum, &big_endian);
    if (rc != SQLITE_OK) return rc;
    WalChecksum(big_endian, frame, 8, sum);
    WalChecksum(big_endian, frame + kFrameHeaderBytes, size_t(n), sum);
    StoreBE32(frame + 16, sum[0]);
    StoreBE32(frame + 20, sum[1]);
  }
  return RealWrite(s, frame, int(total), off - kFrameHeaderBytes);
}

// --- sqlite3_io_methods ---------------------------------------------------------------------------

int Close(sqlite3_file* f) {
  FileState& s = State(f);
  if (s.partner != nullptr) s.partner->partner = nullptr;
  s.partner = nullptr;
  const int rc = s.real->pMethods != nullptr ? s.real->pMethods->xClose(s.real) : SQLITE_OK;
  s.~FileState();
  f->pMethods = nullptr;
  return rc;
}
int Read(sqlite3_file* f, void* buf, int n, sqlite3_int64 off) {
  FileState& s = State(f);
  return s.wal ? WalRead(s, buf, n, off) : MainRead(s, buf, n, off);
}
int Write(sqlite3_file* f, const void* buf, int n, sqlite3_int64 off) {
  FileState& s = State(f);
  return s.wal ? WalWrite(s, buf, n, off) : MainWrite(s, buf, n, off);
}
int Truncate(sqlite3_file* f, sqlite3_int64 size) {
  FileState& s = State(f);
  s.header_offset = -1;
  s.salt_known = false;
  return s.real->pMethods->xTruncate(s.real, size);
}
int Sync(sqlite3_file* f, int flags) { return Real(f)->pMethods->xSync(Real(f), flags); }
int FileSize(sqlite3_file* f, sqlite3_int64* size) { return Real(f)->pMethods->xFileSize(Real(f), size); }
int Lock(sqlite3_file* f, int level) { return Real(f)->pMethods->xLock(Real(f), level); }
int Unlock(sqlite3_file* f, int level) { return Real(f)->pMethods->xUnlock(Real(f), level); }
int CheckReservedLock(sqlite3_file* f, int* out) { return Real(f)->pMethods->xCheckReservedLock(Real(f), out); }
int FileControl(sqlite3_file* f, int op, void* arg) {
  FileState& s = State(f);
  if (op == kPageChecksumFcntlConverting && !s.wal) {
    s.converting = *static_cast<int*>(arg) != 0;
    return SQLITE_OK;
  }
  if (op == kPageChecksumFcntlReservedBytes && !s.wal) {
    *static_cast<int*>(arg) = s.reserve;
    return SQLITE_OK;
  }
  const int rc = s.real->pMethods->xFileControl(s.real, op, arg);
  if (rc == SQLITE_OK && op == SQLITE_FCNTL_VFSNAME) {
    *static_cast<char**>(arg) = sqlite3_mprintf("%s/%z", kPageChecksumVfsName, *static_cast<char**>(arg));
  }
  return rc;
}
int SectorSize(sqlite3_file* f) { return Real(f)->pMethods->xSectorSize(Real(f)); }
int DeviceCharacteristics(sqlite3_file* f) {
  int caps = Real(f)->pMethods->xDeviceCharacteristics(Real(f));
#ifdef SQLITE_IOCAP_SUBPAGE_READ
  caps &= ~SQLITE_IOCAP_SUBPAGE_READ;  // every page is read whole, so that it can be checked
#endif
  return caps;
}
int ShmMap(sqlite3_file* f, int region, int size, int extend, void volatile** out) {
  return Real(f)->pMethods->xShmMap(Real(f), region, size, extend, out);
}
int ShmLock(sqlite3_file* f, int offset, int n, int flags) {
  return Real(f)->pMethods->xShmLock(Real(f), offset, n, flags);
}
void ShmBarrier(sqlite3_file* f) { Real(f)->pMethods->xShmBarrier(Real(f)); }
int ShmUnmap(sqlite3_file* f, int delete_flag) { return Real(f)->pMethods->xShmUnmap(Real(f), delete_flag); }
// No memory-mapped pages: every page is read (and checked) through xRead.
int Fetch(sqlite3_file*, sqlite3_int64, int, void** out) {
  *out = nullptr;
  return SQLITE_OK;
}
int Unfetch(sqlite3_file* f, sqlite3_int64 off, void* page) {
  sqlite3_file* real = Real(f);
  if (real->pMethods->iVersion >= 3 && real->pMethods->xUnfetch != nullptr) {
    return real->pMethods->xUnfetch(real, off, page);
  }
  return SQLITE_OK;
}

const sqlite3_io_methods kMethods = {
    3,  // iVersion
    Close,       Read,       Write,
    Truncate,    Sync,       FileSize,
    Lock,        Unlock,     CheckReservedLock,
    FileControl, SectorSize, DeviceCharacteristics,
    ShmMap,      ShmLock,    ShmBarrier,
    ShmUnmap,    Fetch,      Unfetch,
};

// --- sqlite3_vfs ----------------------------------------------------------------------------------

sqlite3_vfs* Orig(sqlite3_vfs* vfs) { return static_cast<sqlite3_vfs*>(vfs->pAppData); }

int Open(sqlite3_vfs* vfs, const char* name, sqlite3_file* file, int flags, int* out_flags) {
  sqlite3_vfs* orig = Orig(vfs);
  if ((flags & (SQLITE_OPEN_MAIN_DB | SQLITE_OPEN_WAL)) == 0) return orig->xOpen(orig, name, file, flags, out_flags);
  file->pMethods = nullptr;
  auto* s = new (reinterpret_cast<PageFile*>(file)->state) FileState();
  s->real = reinterpret_cast<sqlite3_file*>(reinterpret_cast<char*>(file) + kRealFileOffset);
  s->real->pMethods = nullptr;
  const int rc = orig->xOpen(orig, name, s->real, flags, out_flags);
  if (rc != SQLITE_OK) {
    if (s->real->pMethods != nullptr) s->real->pMethods->xClose(s->real);
    s->~FileState();
    return rc;
  }
  s->wal = (flags & SQLITE_OPEN_WAL) != 0;
  s->name = name != nullptr ? name : "(temporary file)";
  if (s->wal && name != nullptr) {
    sqlite3_file* db = sqlite3_database_file_object(name);
    if (db != nullptr && db->pMethods == &kMethods) {
      s->partner = &State(db);
      s->partner->partner = s;
    }
  }
  file->pMethods = &kMethods;
  return SQLITE_OK;
}

int Delete(sqlite3_vfs* vfs, const char* name, int sync_dir) { return Orig(vfs)->xDelete(Orig(vfs), name, sync_dir); }
int Access(sqlite3_vfs* vfs, const char* name, int flags, int* out) {
  return Orig(vfs)->xAccess(Orig(vfs), name, flags, out);
}
int FullPathname(sqlite3_vfs* vfs, const char* name, int n, char* out) {
  return Orig(vfs)->xFullPathname(Orig(vfs), name, n, out);
}
void* DlOpen(sqlite3_vfs* vfs, const char* name) { return Orig(vfs)->xDlOpen(Orig(vfs), name); }
void DlError(sqlite3_vfs* vfs, int n, char* out) { Orig(vfs)->xDlError(Orig(vfs), n, out); }
void (*DlSym(sqlite3_vfs* vfs, void* handle, const char* sym))(void) {
  return Orig(vfs)->xDlSym(Orig(vfs), handle, sym);
}
void DlClose(sqlite3_vfs* vfs, void* handle) { Orig(vfs)->xDlClose(Orig(vfs), handle); }
int Randomness(sqlite3_vfs* vfs, int n, char* out) { return Orig(vfs)->xRandomness(Orig(vfs), n, out); }
int Sleep(sqlite3_vfs* vfs, int us) { return Orig(vfs)->xSleep(Orig(vfs), us); }
int CurrentTime(sqlite3_vfs* vfs, double* out) { return Orig(vfs)->xCurrentTime(Orig(vfs), out); }
int GetLastError(sqlite3_vfs* vfs, int n, char* out) { return Orig(vfs)->xGetLastError(Orig(vfs), n, out); }
int CurrentTimeInt64(sqlite3_vfs* vfs, sqlite3_int64* out) { return Orig(vfs)->xCurrentTimeInt64(Orig(vfs), out); }
int SetSystemCall(sqlite3_vfs* vfs, const char* name, sqlite3_syscall_ptr call) {
  return Orig(vfs)->xSetSystemCall(Orig(vfs), name, call);
}
sqlite3_syscall_ptr GetSystemCall(sqlite3_vfs* vfs, const char* name) {
  return Orig(vfs)->xGetSystemCall(Orig(vfs), name);
}
const char* NextSystemCall(sqlite3_vfs* vfs, const char* name) { return Orig(vfs)->xNextSystemCall(Orig(vfs), name); }

}  // namespace

void SetPageTrailer(uint8_t* page, size_t size) {
  const size_t body = size - kPageTrailerBytes;
  EncodeFixed32(reinterpret_cast<char*>(page + body), crc32c::Value(page, body));
  EncodeFixed32(reinterpret_cast<char*>(page + body + 4), kPageTrailerMagic);
}

bool PageTrailerMatches(const uint8_t* page, size_t size) {
  const size_t body = size - kPageTrailerBytes;
  return LoadLE32(page + body + 4) == kPageTrailerMagic && LoadLE32(page + body) == crc32c::Value(page, body);
}

const char* PageChecksumVfs() {
  static std::once_flag once;
  static sqlite3_vfs vfs;
  static bool registered = false;
  std::call_once(once, [] {
    sqlite3_vfs* orig = sqlite3_vfs_find(nullptr);
    if (orig == nullptr) return;
    vfs = sqlite3_vfs{};
    vfs.iVersion = orig->iVersion < 3 ? orig->iVersion : 3;
    vfs.szOsFile = int(kRealFileOffset) + orig->szOsFile;
    vfs.mxPathname = orig->mxPathname;
    vfs.zName = kPageChecksumVfsName;
    vfs.pAppData = orig;
    vfs.xOpen = Open;
    vfs.xDelete = Delete;
    vfs.xAccess = Access;
    vfs.xFullPathname = FullPathname;
    vfs.xDlOpen = orig->xDlOpen ? DlOpen : nullptr;
    vfs.xDlError = orig->xDlError ? DlError : nullptr;
    vfs.xDlSym = orig->xDlSym ? DlSym : nullptr;
    vfs.xDlClose = orig->xDlClose ? DlClose : nullptr;
    vfs.xRandomness = Randomness;
    vfs.xSleep = Sleep;
    vfs.xCurrentTime = CurrentTime;
    vfs.xGetLastError = GetLastError;
    if (vfs.iVersion >= 2) vfs.xCurrentTimeInt64 = orig->xCurrentTimeInt64 ? CurrentTimeInt64 : nullptr;
    if (vfs.iVersion >= 3) {
      vfs.xSetSystemCall = orig->xSetSystemCall ? SetSystemCall : nullptr;
      vfs.xGetSystemCall = orig->xGetSystemCall ? GetSystemCall : nullptr;
      vfs.xNextSystemCall = orig->xNextSystemCall ? NextSystemCall : nullptr;
    }
    registered = sqlite3_vfs_register(&vfs, /*makeDflt=*/0) == SQLITE_OK;
  });
  return registered ? kPageChecksumVfsName : nullptr;
}

std::string LastPageChecksumFailure(sqlite3* db) {
  sqlite3_file* f = nullptr;
  if (db == nullptr || sqlite3_file_control(db, "main", SQLITE_FCNTL_FILE_POINTER, &f) != SQLITE_OK || f == nullptr ||
      f->pMethods != &kMethods) {
    return "";
  }
  return State(f).last_failure;
}

}  // namespace ochre::storage
