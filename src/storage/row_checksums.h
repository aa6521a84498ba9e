// Copyright 2026 The OchreDB Authors.
//
// RowChecksums: the side file beside a vectors file ("vectors.f32" -> "vectors.rowcrc",
// "vectors.<g>.f32" -> "vectors.<g>.rowcrc") holding a CRC32C per full block of rows
// (docs/format/vectors.md). A block is `block_rows` consecutive rows (a power of two, about 64 KiB
// of row bytes, never more than a chunk); the last, partial block of a file has no checksum.
//
//   offset      size  field
//   0           8     magic "OCHRECRC"
//   8           4     block_rows (u32 LE)
//   12          4     CRC32C of bytes 0-11
//   16 + 8*i    4     CRC32C of block i's row bytes
//   20 + 8*i    4     CRC32C of (i as u64 LE, the checksum above) xor 0xA5A5A5A5
//
// Entries are written after the rows they cover are synced, and the side file itself is not
// synced: an entry lost or torn by a crash (zeros, or a half-written page) fails its own check and
// is read as "no checksum" for that block, never as a mismatch. A valid entry whose rows differ is
// damage of the rows.
//
// Thread safety: one writer; Verify is const and may run from any thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/file.h"
#include "ochre/result.h"
#include "ochre/status.h"

namespace ochre::storage {

// The side file's path for a vectors file path (".f32" replaced by ".rowcrc").
std::string RowChecksumPath(const std::string& vectors_path);

class RowChecksums {
 public:
  static constexpr uint64_t kHeaderSize = 16;
  static constexpr uint64_t kEntrySize = 8;
  static constexpr uint64_t kTargetBlockBytes = 64 << 10;

  // Rows per block for rows of `stride` bytes in chunks of `rows_per_chunk` rows.
  static uint32_t BlockRowsFor(uint64_t stride, uint32_t rows_per_chunk);

  // Creates the side file (atomically, header only) if it is missing, then opens it. Used for a
  // vectors file that has no rows yet, so every later block is covered.
  static Result<RowChecksums> Create(const std::string& path, uint32_t block_rows);
  // Replaces the side file by an empty one (temp + rename): for a vectors file with no committed
  // rows, whose old side file (damaged, or of another block size) covers nothing.
  static Result<RowChecksums> Replace(const std::string& path, uint32_t block_rows);
  // Opens an existing side file; std::nullopt when there is none (a file from before checksums:
  // its rows are not verified). A damaged header, or a block size other than `block_rows`, is
  // Corruption naming the file.
  static Result<std::optional<RowChecksums>> OpenExisting(const std::string& path, uint32_t block_rows, bool read_only);

  uint32_t block_rows() const { return block_rows_; }
  const std::string& path() const { return file_.path(); }

  // The stored checksum of block `i` (nullopt if none is stored, or its entry is torn).
  struct Entries {
    std::vector<std::optional<uint32_t>> crc;
  };
  // Reads the entries of blocks [0, blocks).
  Result<Entries> Read(uint64_t blocks) const;
  // Writes the entry of block `i`.
  Status Write(uint64_t block, uint32_t crc) const;
  // Drops the entries of blocks >= `blocks` (rows rewound below them).
  Status Truncate(uint64_t blocks) const;

  static std::string EncodeEntry(uint64_t block, uint32_t crc);

 private:
  RowChecksums(File file, uint32_t block_rows) : file_(std::move(file)), block_rows_(block_rows) {}
  File file_;
  uint32_t block_rows_;
};

}  // namespace ochre::storage
