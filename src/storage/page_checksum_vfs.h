// Copyright 2026 The OchreDB Authors.
//
// Page checksums for the catalog (issue 15): an SQLite VFS shim, "ochre-pagecrc", that wraps the
// default VFS and keeps a checksum in the last 8 bytes of every page of a database file and of
// every page in its WAL. A flipped bit in any b-tree page (a records_by_row index entry, a typed
// metadata row, an FTS segment) is then an error instead of another answer.
//
// Page trailer (the page's last 8 bytes, SQLite's "reserved bytes per page" set to 8):
//   bytes 0..3  CRC32C (common/crc32c.h) of the page's first page_size - 8 bytes, little-endian;
//   bytes 4..7  kPageTrailerMagic, little-endian: the trailer was written by this VFS, so that a
//               page written by another SQLite program (no trailer) is told apart from bit rot.
// The trailer is computed on every full-page write to the main database file or to a WAL frame,
// and checked on every full-page read of either; a mismatch fails the read with SQLITE_IOERR_DATA
// (SqliteStatus maps it to Corruption naming the file and the page). Reads of less than a page
// (the 100-byte header, the WAL header and frame headers) are not checked.
//
// As in SQLite's ext/misc/cksumvfs.c the shim is active for a database whose header byte 20
// (reserved bytes per page) is 8, seen on every read or write of the header; other databases (an
// older catalog, Chroma's files) pass through unchecked. A new catalog gets its 8 reserved bytes
// before its first page is written (SqliteOpenOptions::page_checksums); an existing one is
// converted by AddPageChecksums (sqlite_db.h, `ochre verify --repair`), which rewrites every page
// with VACUUM.
//
// The WAL follows its main database file's setting. SQLite's WAL frames carry a cumulative
// checksum over the frame header and the page (sqlite/src/wal.c), computed before the page reaches
// the VFS; since the shim changes the page's last 8 bytes, it also writes the frame header again
// with that checksum computed over the page as written, chained from the previous frame's
// checksum as stored in the file. SQLite's recovery then accepts exactly the frames it would have
// accepted without the shim. A frame whose page is damaged fails its read like a page of the main
// file; at recovery (no -shm, e.g. after a crash) SQLite's own frame checksum drops such a frame
// and every frame after it, as it always does.
//
// Memory mapping is never used (xFetch hands out no page), so that every page goes through xRead.
//
// Thread safety: PageChecksumVfs() is thread-safe. A file of the VFS belongs to one SQLite
// connection, which one thread uses at a time.
#pragma once

#include <sqlite3.h>

#include <cstddef>
#include <cstdint>
#include <string>

namespace ochre::storage {

inline constexpr const char* kPageChecksumVfsName = "ochre-pagecrc";

// Reserved bytes per page that switch the checksums on (database header byte 20).
inline constexpr int kPageTrailerBytes = 8;

// The second half of every page trailer ("OcPg" as little-endian bytes 'O','c','P','g').
inline constexpr uint32_t kPageTrailerMagic = 0x6750634f;

// Registers the VFS with SQLite (once; not as the default VFS) and returns its name for
// sqlite3_open_v2's zVfs argument; nullptr if SQLite has no default VFS to wrap.
const char* PageChecksumVfs();

// File control opcode of the VFS (sqlite3_file_control(db, "main", op, &int)): *arg 1 makes every
// full-page write carry a trailer without checking reads, while VACUUM rewrites an unchecked
// database as a checked one; *arg 0 goes back to the header's setting. SQLITE_NOTFOUND on a file
// of another VFS.
inline constexpr int kPageChecksumFcntlConverting = 0x4f435243;
// File control opcode: sets *arg to the reserved bytes per page of the database header as last
// read or written through the file (page 1 of the main file or of a WAL frame), -1 before any.
inline constexpr int kPageChecksumFcntlReservedBytes = 0x4f435244;

// Writes the trailer of page[0, size) into its last 8 bytes. REQUIRES: size is a page size.
void SetPageTrailer(uint8_t* page, size_t size);

// Whether page[0, size)'s last 8 bytes are its trailer.
bool PageTrailerMatches(const uint8_t* page, size_t size);

// Whether `size` is an SQLite page size (a power of two from 512 to 65536).
inline bool IsPageSize(int64_t size) { return size >= 512 && size <= 65536 && (size & (size - 1)) == 0; }

// What the last checksum mismatch met by `db`'s main database file (or its WAL) was, e.g. "page 17
// of /x/ochre.sqlite3 fails its checksum"; empty when none, or when the file is not of this VFS.
std::string LastPageChecksumFailure(sqlite3* db);

}  // namespace ochre::storage
