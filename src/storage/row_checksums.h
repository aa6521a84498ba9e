// Copyright 2026 The OchreDB Authors.
//
// RowChecksums: the side file beside a vectors file ("vectors.f32" -> "vectors.rowcrc",
// "vectors.<g>.f32" -> "vectors.<g>.rowcrc") holding a CRC32C per full block of rows
// (docs/format/vectors.md). A block is `block_rows` consecutive rows (a power of two, about 64 KiB
// of row bytes, never more than a chunk). Version 2 also ties the file to its collection and
// generation and holds a checksum of the partial last block (the tail entry, rewritten at each
// sync).
//
// Version 2 (E = 112):
//   offset      size  field
//   0           8     magic "OCHRECR2"
//   8           4     block_rows (u32 LE)
//   12          4     CRC32C of bytes 0-95 with this field zeroed
//   16          76    FileIdentity (file_identity.h): collection id and generation
//   92          4     reserved, zero
//   96          4     tail entry: block number b (u32 LE)
//   100         4     tail entry: rows n of block b covered, 0 < n < block_rows
//   104         4     tail entry: CRC32C of those n rows' bytes
//   108         4     tail entry: CRC32C of bytes 96-107 xor 0x5A5A5A5A
//   E + 8*i     4     CRC32C of block i's row bytes
//   E + 4 + 8*i 4     CRC32C of (i as u64 LE, the checksum above) xor 0xA5A5A5A5
// Version 1 (E = 16): magic "OCHRECRC", block_rows, CRC32C of bytes 0-11, then the entries; no
// identity and no tail entry. Still read; files are rewritten as version 2 by compaction.
//
// Entries are written after the rows they cover are synced, and the side file itself is not
// synced: an entry lost or torn by a crash (zeros, or a half-written page) fails its own check and
// is read as "no checksum" for that block, never as a mismatch. A valid entry whose rows differ is
// damage of the rows. The tail entry is only trusted for rows that are committed (n no more than
// the committed rows of block b): rows past them may have been rewritten since.
//
// Thread safety: one writer; Verify is const and may run from any thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/file.h"
#include "common/file_identity.h"
#include "ochre/result.h"
#include "ochre/status.h"

namespace ochre::storage {

// The side file's path for a vectors file path (".f32" replaced by ".rowcrc").
std::string RowChecksumPath(const std::string& vectors_path);

class RowChecksums {
 public:
  static constexpr uint32_t kFormatVersion = 2;
  static constexpr uint64_t kHeaderSize = 112;   // version 2: entries start here
  static constexpr uint64_t kHeaderSizeV1 = 16;  // version 1
  static constexpr uint64_t kTailOffset = 96;
  static constexpr uint64_t kEntrySize = 8;
  static constexpr uint64_t kTargetBlockBytes = 64 << 10;

  // Rows per block for rows of `stride` bytes in chunks of `rows_per_chunk` rows.
  static uint32_t BlockRowsFor(uint64_t stride, uint32_t rows_per_chunk);

  // Creates the side file (atomically, header only) if it is missing, then opens it. Used for a
  // vectors file that has no rows yet, so every later block is covered.
  static Result<RowChecksums> Create(const std::string& path, uint32_t block_rows, const FileIdentity& identity = {});
  // Replaces the side file by an empty one (temp + rename): for a vectors file with no committed
  // rows, whose old side file (damaged, or of another block size) covers nothing.
  static Result<RowChecksums> Replace(const std::string& path, uint32_t block_rows, const FileIdentity& identity = {});
  // Opens an existing side file; std::nullopt when there is none (a file from before checksums:
  // its rows are not verified). A damaged header, a block size other than `block_rows`, or (version
  // 2) the identity of another collection or generation than `expected` is Corruption naming the
  // file.
  static Result<std::optional<RowChecksums>> OpenExisting(const std::string& path, uint32_t block_rows, bool read_only,
                                                          const FileIdentity& expected = {});
  // The version 2 header (exposed for tests and tools).
  static std::string EncodeHeader(uint32_t block_rows, const FileIdentity& identity);

  uint32_t block_rows() const { return block_rows_; }
  uint32_t version() const { return version_; }
  const std::string& path() const { return file_.path(); }

  // The stored checksum of block `i` (nullopt if none is stored, or its entry is torn).
  struct Entries {
    std::vector<std::optional<uint32_t>> crc;
  };
  // Reads the entries of blocks [0, blocks).
  Result<Entries> Read(uint64_t blocks) const;
  // The entry of one block (nullopt if none or torn). Thread-safe (pread).
  Result<std::optional<uint32_t>> ReadEntry(uint64_t block) const;
  // Writes the entry of block `i`.
  Status Write(uint64_t block, uint32_t crc) const;
  // Drops the entries of blocks >= `blocks` (rows rewound below them).
  Status Truncate(uint64_t blocks) const;

  // The partial last block's checksum (version 2; nullopt for version 1, or none, or torn).
  struct Tail {
    uint32_t block = 0;
    uint32_t rows = 0;
    uint32_t crc = 0;
  };
  Result<std::optional<Tail>> ReadTail() const;
  // Rewrites the tail entry (a no-op for version 1). rows == 0 clears it.
  Status WriteTail(const Tail& tail) const;

  static std::string EncodeEntry(uint64_t block, uint32_t crc);
  static std::string EncodeTail(const Tail& tail);

 private:
  RowChecksums(File file, uint32_t block_rows, uint32_t version)
      : file_(std::move(file)), block_rows_(block_rows), version_(version) {}
  uint64_t entries_at() const { return version_ == 1 ? kHeaderSizeV1 : kHeaderSize; }
  File file_;
  uint32_t block_rows_;
  uint32_t version_;
};

}  // namespace ochre::storage
