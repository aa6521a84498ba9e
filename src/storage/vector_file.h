// Copyright 2026 The OchreDB Authors.
//
// VectorFile: a collection's `vectors.f32`, the append-only file of its embedding rows
// (docs/format/vectors.md). A 4096-byte header (magic "OCHREVEC", format version, dim, dtype,
// chunk_shift, CRC32C) is followed by rows of `dim` little-endian float32 at a fixed stride.
//
// Rows are written with pwrite and read through read-only MAP_SHARED mappings, one per chunk of
// 2^chunk_shift rows, installed into a RowChunks. The file grows a whole chunk at a time with
// posix_fallocate before anything is written there, so a full disk is a NoSpace error and never a
// SIGBUS, and nothing is ever written through a mapping (RELIABILITY.md decision 4). Mappings are
// kept until destruction, so row pointers handed to readers never dangle.
//
// The number of committed rows lives in the SQLite catalog, not here: Open is told it and drops
// any rows after it (an uncommitted tail left by a crash between fdatasync and the SQLite commit).
//
// Thread safety: as VectorStore (one writer, many readers of rows()).
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/file.h"
#include "common/file_identity.h"
#include "common/row_chunks.h"
#include "ochre/result.h"
#include "ochre/status.h"
#include "storage/row_checksums.h"
#include "storage/vector_store.h"

namespace ochre::storage {

// The vector file's name for a compaction generation (catalog collections.generation):
// "vectors.f32" for generation 0 (the name from before generations, so older databases open
// unchanged), "vectors.<g>.f32" for g > 0.
std::string VectorFileName(int64_t generation);
// The graph checkpoint's name beside it: "hnsw.graph" for generation 0, "hnsw.<g>.graph" for g > 0.
std::string GraphFileName(int64_t generation);

class VectorFile final : public VectorStore, private RowBlockVerifier {
 public:
  // 2: the header carries the collection's identity (file_identity.h). Version 1 files still open.
  static constexpr uint32_t kFormatVersion = 2;
  static constexpr uint64_t kHeaderSize = 4096;
  static constexpr std::string_view kMagic{"OCHREVEC", 8};
  static constexpr uint32_t kDtypeFloat32 = 0;
  static constexpr std::string_view kFileName{"vectors.f32"};

  // Opens the vector file at `path` for a collection of dimension `dim` whose catalog records
  // `committed_rows` committed rows; the result has size() == rows().rows() == committed_rows.
  //  - Missing file: created empty (header only, published atomically with temp + rename + fsync
  //    of the directory) when `create`, else NotFound. A missing file with committed_rows > 0 is
  //    Corruption (the catalog knows rows the disk lost).
  //  - Header: wrong magic, bad checksum, bad fields, or a file shorter than its header ->
  //    Corruption naming the file; a format version above ours -> NotSupported naming both
  //    versions; a dim other than `dim` -> Corruption naming both.
  //  - Identity (version 2): a file of another collection or generation than `identity` (when
  //    known) -> Corruption naming both. Likewise for the row checksum side file.
  //  - Rows: fewer than committed_rows in the file -> Corruption. Bytes after the committed rows
  //    that are not all zero (a tail appended but never committed) are cut off with ftruncate,
  //    and a warning is logged.
  // `chunk_shift` (0 = RowChunks::ChunkShiftFor(dim)) only applies when the file is created; tests
  // use small chunks to cross chunk boundaries cheaply. The directory of `path` must exist.
  // Without `truncate_tail` the bytes past the committed rows are left as they are (they may be
  // another process's append in progress; only a holder of the database's commit lock may cut
  // them, and a writer overwrites them anyway).
  // The open file holds a shared flock for its lifetime: a generation's file is removed only when
  // nobody holds it (RetireOnClose, CollectionState::RemoveOtherGenerations). `read_only` opens the
  // file for reading (a read-only directory): every write then fails with ReadOnly.
  // Rows are not read at open: each block of rows with a stored checksum is verified on its first
  // read (RowChunks::Intact reports a mismatch, naming the file and the rows).
  static Result<std::unique_ptr<VectorFile>> Open(const std::string& path, uint32_t dim, uint64_t committed_rows,
                                                  bool create, uint32_t chunk_shift = 0, bool truncate_tail = true,
                                                  bool read_only = false, const FileIdentity& identity = {});

  // The 4096-byte header for the given fields (exposed for tests and tools).
  static std::string EncodeHeader(uint32_t dim, uint32_t chunk_shift, uint32_t version = kFormatVersion,
                                  uint32_t dtype = kDtypeFloat32, const FileIdentity& identity = {});
  // The fields of a header that passed its checks (exposed for `ochre verify`).
  struct HeaderInfo {
    uint32_t version = 0;
    uint32_t dim = 0;
    uint32_t chunk_shift = 0;
    FileIdentity identity;  // unknown for version 1
  };
  static Result<HeaderInfo> ReadHeader(const std::string& path);

  // `ochre verify --repair`: brings the vectors file at `path` (of a collection of dimension `dim`
  // with `committed_rows` committed rows) and its row checksum file up to this version: a version
  // 1 header is rewritten as version 2 with `identity` (the file copied with the new header to a
  // temporary file, synced and renamed over), and a missing, version 1 or incomplete side file is
  // replaced by one holding every block's checksum and the tail entry (atomically). Only when the
  // rows are otherwise sound: a header, size or identity problem, or a block that does not match a
  // stored checksum, is Corruption with nothing changed. REQUIRES: no process has the file open
  // (the caller holds the database's commit lock and checked).
  struct UpgradeResult {
    bool header_upgraded = false;
    bool checksums_written = false;
  };
  static Result<UpgradeResult> Upgrade(const std::string& path, uint32_t dim, uint64_t committed_rows,
                                       const FileIdentity& identity);

  ~VectorFile() override;
  VectorFile(const VectorFile&) = delete;
  VectorFile& operator=(const VectorFile&) = delete;

  const RowChunks& rows() const override { return rows_; }
  uint32_t size() const override { return size_; }
  bool persistent() const override { return true; }
  Result<uint32_t> Append(const float* data, uint32_t n) override;
  Status Sync() override;
  Status TruncateTo(uint32_t rows) override;
  void Publish(uint32_t rows) override;
  Status Reserve(uint32_t rows) override;
  void ReleaseResident(uint32_t end_row) override;
  Status GiveBackReservedSpace() override;
  Status AdoptCommitted(uint32_t rows) override;
  Status ResetToCommitted(uint32_t rows) override;
  void RetireOnClose(std::vector<std::string> companions) override;

  const std::string& path() const { return file_.path(); }
  // True after a failed Sync: every later write fails until the file is reopened.
  bool poisoned() const { return !poison_.ok(); }
  // True if the rows' blocks carry checksums (a file created by this version).
  bool has_checksums() const { return checksums_.has_value(); }
  uint32_t checksum_block_rows() const { return block_rows_; }
  uint32_t format_version() const { return version_; }
  // Blocks verified so far by reads, and full blocks found without a stored checksum.
  uint64_t blocks_checked() const { return blocks_checked_.load(std::memory_order_relaxed); }
  uint64_t blocks_unchecked() const { return blocks_unchecked_.load(std::memory_order_relaxed); }
  // Verifies every block of the published rows now (`ochre verify`), reporting damage as a read
  // would (RowChunks::Intact).
  struct RowCheck {
    uint64_t blocks = 0;            // full blocks, and the partial last one
    uint64_t checked = 0;           // compared with a stored checksum
    uint64_t without_checksum = 0;  // no checksum stored (a file from before them, or one lost in a crash)
    std::vector<std::pair<uint64_t, uint64_t>> mismatches;  // first and last row of each damaged block
  };
  Result<RowCheck> CheckAllRows() const;
  // CheckAllRows, then Intact(): Ok or the Corruption naming the first damaged rows.
  Status VerifyAll() const;

 private:
  VectorFile(File file, uint32_t dim, uint32_t chunk_shift);

  bool VerifyBlock(uint32_t block) const override;
  bool VerifyBlockBytes(uint32_t block, const void* bytes, size_t size) const override;
  // A full block against its stored checksum: the CRC of `bytes` (`size` of them) when given, else
  // of the block read from the file.
  bool VerifyFullBlock(uint32_t block, const void* bytes, size_t size) const;
  std::string DamageMessage(uint64_t first, uint64_t last) const;

  // Reserves disk space (posix_fallocate) for whole chunks covering `rows` rows and maps chunks
  // up to them.
  Status EnsureCapacity(uint64_t rows);
  Status MapChunks(uint32_t count);
  Status CheckWritable() const;
  // Opens (or, for a file without rows, creates) the row checksum side file and drops entries past
  // the committed rows when `writable`. Rows are not read, except the partial last block's when
  // the file is open for writing (its running checksum; checked against the tail entry then).
  Status OpenChecksums(bool created_or_empty, bool writable, bool read_only, const FileIdentity& identity);
  // After the row count moved other than by Append: drops checksums past the full blocks below
  // size_ and recomputes the running checksum of the partial block from the file.
  Status ResetChecksumTail();
  // CRC32C of file rows [first, first + n), read with pread (not through the mappings, so
  // verifying does not make the rows resident).
  Result<uint32_t> FileRowsCrc(uint64_t first, uint64_t n, uint32_t crc = 0) const;
  // The tail entry for the rows appended so far (after they are synced).
  Status WriteTailEntry() const;
  uint64_t RowOffset(uint64_t row) const { return kHeaderSize + row * stride_; }

  File file_;
  std::mutex map_mu_;  // the writer and other processes' rows (AdoptCommitted) both map and publish
  RowChunks rows_;
  const uint64_t stride_;       // bytes per row
  const uint64_t chunk_bytes_;  // bytes per chunk
  const uint64_t page_size_;
  std::vector<MappedRegion> maps_;  // maps_[i] backs chunk i; never unmapped before destruction
  uint64_t allocated_bytes_ = 0;    // row bytes reserved with posix_fallocate in this session
  uint32_t size_ = 0;
  bool dirty_ = false;  // written since the last successful Sync
  Status poison_;       // the failed Sync's status, once one failed
  bool retired_ = false;
  // Row checksums (row_checksums.h); absent for a file written before them, whose rows are then
  // not verified until compaction or `ochre verify --repair` rewrites it.
  std::optional<RowChecksums> checksums_;
  // False for a read-only file, and after a failed checksum write: no more entries are written
  // (readers still verify through checksums_, whose descriptor stays open).
  bool checksum_writes_ = false;
  // Full blocks whose rows this process appended (their checksum computed from its memory), and
  // the partial block it is appending into: VerifyBlock does not read those back.
  mutable std::mutex own_mu_;
  std::vector<bool> own_blocks_;  // GUARDED_BY(own_mu_)
  std::atomic<uint32_t> own_tail_block_{UINT32_MAX};
  mutable std::atomic<uint32_t> tail_checked_block_{UINT32_MAX};  // the partial block checked once
  mutable std::atomic<uint64_t> blocks_checked_{0};
  mutable std::atomic<uint64_t> blocks_unchecked_{0};
  uint32_t version_ = kFormatVersion;
  uint32_t block_rows_ = 1;
  uint32_t tail_crc_ = 0;                               // CRC32C of rows [size_ - size_ % block_rows_, size_)
  std::vector<std::pair<uint64_t, uint32_t>> pending_;  // full blocks appended, checksum not written yet
  std::vector<std::string> companions_;
};

}  // namespace ochre::storage
