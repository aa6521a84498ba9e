// Copyright 2026 The OchreDB Authors.
//
// vectors.f32 (full spec: docs/format/vectors.md; keep both in sync and bump kFormatVersion on any
// change):
//
//   offset  size  field
//   0       8     magic "OCHREVEC"
//   8       4     format version (u32 LE), 2 (1 still read)
//   12      4     CRC32C of the 4096 header bytes with this field zeroed
//   16      4     dim (u32 LE), > 0
//   20      4     dtype (u32 LE), 0 = float32
//   24      4     chunk_shift (u32 LE): the file grows by 2^chunk_shift rows at a time
//   28      76    version 2: FileIdentity (collection id, generation; file_identity.h). Version 1: zero
//   104     3992  reserved, zero
//   4096    ...   row r at 4096 + r * dim * 4: dim float32 LE
//
// Bytes 0-15 keep this layout in every version, so the checksum is verified before the version is
// trusted: a flipped bit in the version field reads as Corruption, not as a newer format.
//
// The file's size is not the row count: space is reserved a chunk at a time, so the end of the file
// is usually zeros past the last row. The row count comes from the catalog.
#include "storage/vector_file.h"

#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cstring>
#include <string>

#include "common/coding.h"
#include "common/crc32c.h"
#include "common/logging.h"

namespace ochre::storage {

std::string VectorFileName(int64_t generation) {
  if (generation == 0) return std::string(VectorFile::kFileName);
  return "vectors." + std::to_string(generation) + ".f32";
}

std::string GraphFileName(int64_t generation) {
  if (generation == 0) return "hnsw.graph";
  return "hnsw." + std::to_string(generation) + ".graph";
}

// Rows are stored and mapped as the machine's floats, which must be the file's little-endian IEEE
// float32.
static_assert(std::endian::native == std::endian::little, "vectors.f32 maps float32 LE rows directly");
static_assert(sizeof(float) == 4);

namespace {

constexpr size_t kCrcOffset = 12;
constexpr uint32_t kMaxChunkShift = 24;
// Rows per file: bounded by RowChunks' chunk table and by uint32_t row numbers.
uint64_t MaxRows(uint32_t chunk_shift) {
  return std::min<uint64_t>(uint64_t{RowChunks::kMaxChunks} << chunk_shift, UINT32_MAX);
}

uint32_t HeaderCrc(std::string header) {
  std::memset(header.data() + kCrcOffset, 0, 4);
  return crc32c::Value(header);
}

// Fields of a header that passed its checks.
struct Header {
  uint32_t version;
  uint32_t dim;
  uint32_t dtype;
  uint32_t chunk_shift;
  FileIdentity identity;
};

constexpr size_t kIdentityOffset = 28;

// expected_dim 0: any.
Result<Header> DecodeHeader(const std::string& path, const std::string& bytes, uint32_t expected_dim) {
  if (bytes.size() < VectorFile::kHeaderSize) {
    return Status::Corruption("vectors file '" + path + "' is shorter than its 4096-byte header (" +
                              std::to_string(bytes.size()) + " bytes)");
  }
  if (std::string_view(bytes.data(), 8) != VectorFile::kMagic) {
    return Status::Corruption("vectors file '" + path + "' has a bad magic number: not an OchreDB vector file");
  }
  const uint32_t stored_crc = DecodeFixed32(bytes.data() + kCrcOffset);
  if (stored_crc != HeaderCrc(bytes.substr(0, VectorFile::kHeaderSize))) {
    return Status::Corruption("vectors file '" + path + "' has a damaged header (checksum mismatch)");
  }
  Header h{DecodeFixed32(bytes.data() + 8),
           DecodeFixed32(bytes.data() + 16),
           DecodeFixed32(bytes.data() + 20),
           DecodeFixed32(bytes.data() + 24),
           {}};
  if (h.version > VectorFile::kFormatVersion) {
    return Status::NotSupported("vectors file '" + path + "' has format version " + std::to_string(h.version) +
                                "; this build of OchreDB reads versions up to " +
                                std::to_string(VectorFile::kFormatVersion) + ": upgrade OchreDB");
  }
  if (h.version == 0) return Status::Corruption("vectors file '" + path + "' has format version 0");
  if (h.dtype != VectorFile::kDtypeFloat32) {
    return Status::NotSupported("vectors file '" + path + "' has element type " + std::to_string(h.dtype) +
                                "; only 0 (float32) is supported");
  }
  if (h.dim == 0 || h.chunk_shift > kMaxChunkShift) {
    return Status::Corruption("vectors file '" + path + "' has invalid header fields (dim " + std::to_string(h.dim) +
                              ", chunk_shift " + std::to_string(h.chunk_shift) + ")");
  }
  if (h.version >= 2) {
    OCHRE_ASSIGN_OR_RETURN(
        h.identity, DecodeFileIdentity(std::string_view(bytes).substr(kIdentityOffset), "vectors file '" + path + "'"));
  }
  if (expected_dim != 0 && h.dim != expected_dim) {
    return Status::Corruption("vectors file '" + path + "' has dimension " + std::to_string(h.dim) +
                              " but its collection has dimension " + std::to_string(expected_dim));
  }
  return h;
}

// True if file bytes [begin, end) are all zero.
Result<bool> RegionIsZero(const File& file, uint64_t begin, uint64_t end) {
  std::string buf(1 << 20, '\0');
  for (uint64_t pos = begin; pos < end;) {
    const size_t want = static_cast<size_t>(std::min<uint64_t>(buf.size(), end - pos));
    OCHRE_ASSIGN_OR_RETURN(size_t got, file.Read(pos, want, buf.data()));
    if (got == 0) break;
    if (std::any_of(buf.data(), buf.data() + got, [](char c) { return c != 0; })) return false;
    pos += got;
  }
  return true;
}

}  // namespace

std::string VectorFile::EncodeHeader(uint32_t dim, uint32_t chunk_shift, uint32_t version, uint32_t dtype,
                                     const FileIdentity& identity) {
  std::string h(kHeaderSize, '\0');
  std::memcpy(h.data(), kMagic.data(), kMagic.size());
  EncodeFixed32(h.data() + 8, version);
  EncodeFixed32(h.data() + 16, dim);
  EncodeFixed32(h.data() + 20, dtype);
  EncodeFixed32(h.data() + 24, chunk_shift);
  if (version >= 2) {
    const std::string id = EncodeFileIdentity(identity);
    std::memcpy(h.data() + kIdentityOffset, id.data(), id.size());
  }
  EncodeFixed32(h.data() + kCrcOffset, HeaderCrc(h));
  return h;
}

VectorFile::VectorFile(File file, uint32_t dim, uint32_t chunk_shift)
    : file_(std::move(file)),
      rows_(dim, chunk_shift),
      stride_(uint64_t{dim} * sizeof(float)),
      chunk_bytes_((uint64_t{1} << chunk_shift) * dim * sizeof(float)),
      page_size_(static_cast<uint64_t>(::sysconf(_SC_PAGESIZE))) {}

Result<VectorFile::HeaderInfo> VectorFile::ReadHeader(const std::string& path) {
  OCHRE_ASSIGN_OR_RETURN(File file, File::Open(path, OpenMode::kReadOnly));
  std::string header(kHeaderSize, '\0');
  OCHRE_ASSIGN_OR_RETURN(size_t got, file.Read(0, header.size(), header.data()));
  header.resize(got);
  OCHRE_ASSIGN_OR_RETURN(Header h, DecodeHeader(path, header, 0));
  return HeaderInfo{h.version, h.dim, h.chunk_shift, h.identity};
}

Result<std::unique_ptr<VectorFile>> VectorFile::Open(const std::string& path, uint32_t dim, uint64_t committed_rows,
                                                     bool create, uint32_t chunk_shift, bool truncate_tail,
                                                     bool read_only, const FileIdentity& identity) {
  if (dim == 0) return Status::InvalidArgument("vectors file '" + path + "': dimension must be positive");
  OCHRE_ASSIGN_OR_RETURN(bool exists, PathExists(path));
  const bool created = !exists;
  if (!exists) {
    if (committed_rows > 0) {
      return Status::Corruption("vectors file '" + path + "' is missing but the catalog records " +
                                std::to_string(committed_rows) + " committed rows");
    }
    if (!create) return Status::NotFound("vectors file '" + path + "' does not exist");
    if (chunk_shift == 0) chunk_shift = RowChunks::ChunkShiftFor(dim);
    if (chunk_shift > kMaxChunkShift) return Status::InvalidArgument("vectors file: chunk_shift too large");
    // Temp + link: after a crash the file either does not exist or has a whole header, and a
    // process creating it at the same time as another never replaces the other's file.
    OCHRE_RETURN_IF_ERROR(
        CreateFileExclusively(path, EncodeHeader(dim, chunk_shift, kFormatVersion, kDtypeFloat32, identity)).status());
  }

  OCHRE_ASSIGN_OR_RETURN(File file, File::Open(path, read_only ? OpenMode::kReadOnly : OpenMode::kReadWrite));
  OCHRE_ASSIGN_OR_RETURN(uint64_t file_size, file.Size());
  if (read_only) truncate_tail = false;
  std::string header(std::min<uint64_t>(file_size, kHeaderSize), '\0');
  OCHRE_ASSIGN_OR_RETURN(size_t got, file.Read(0, header.size(), header.data()));
  header.resize(got);
  OCHRE_ASSIGN_OR_RETURN(Header h, DecodeHeader(path, header, dim));
  OCHRE_RETURN_IF_ERROR(CheckFileIdentity(h.identity, identity, "vectors file '" + path + "'"));

  if (committed_rows > MaxRows(h.chunk_shift)) {
    return Status::Corruption("vectors file '" + path + "': the catalog records " + std::to_string(committed_rows) +
                              " rows, more than a vectors file can hold");
  }
  const uint64_t stride = uint64_t{dim} * sizeof(float);
  const uint64_t rows_in_file = (file_size - kHeaderSize) / stride;
  if (rows_in_file < committed_rows) {
    return Status::Corruption("vectors file '" + path + "' holds " + std::to_string(rows_in_file) +
                              " rows but the catalog records " + std::to_string(committed_rows) + " committed rows");
  }

  // Past the committed rows the file holds either reserved space (zeros) or rows that were
  // appended but never committed. Only the latter need cutting; zeros are left reserved. No
  // mapping exists yet, so shrinking cannot SIGBUS a reader.
  const uint64_t committed_end = kHeaderSize + committed_rows * stride;
  bool tail_is_zero = true;
  if (truncate_tail) {
    OCHRE_ASSIGN_OR_RETURN(tail_is_zero, RegionIsZero(file, committed_end, file_size));
  }
  if (!tail_is_zero) {
    OCHRE_LOG_WARN(
        "vectors file '{}': dropping {} bytes after the {} committed rows (an append that was never "
        "committed, e.g. interrupted by a crash)",
        path, file_size - committed_end, committed_rows);
    OCHRE_RETURN_IF_ERROR(file.Truncate(committed_end));
  }

  // Held while open: nobody removes a generation's file that a process still reads.
  OCHRE_ASSIGN_OR_RETURN(bool shared, file.TryLockShared());
  if (!shared) {
    return Status::NotFound("vectors file '" + path + "' is being removed (its generation was replaced)");
  }
  std::unique_ptr<VectorFile> vf(new VectorFile(std::move(file), dim, h.chunk_shift));
  vf->rows_.SetFile(vf->file_.fd(), kHeaderSize);
  vf->size_ = static_cast<uint32_t>(committed_rows);
  vf->version_ = h.version;
  const uint32_t rpc = vf->rows_.rows_per_chunk();
  OCHRE_RETURN_IF_ERROR(vf->MapChunks(static_cast<uint32_t>((committed_rows + rpc - 1) / rpc)));
  // Before the rows are published: the verifier is installed first.
  OCHRE_RETURN_IF_ERROR(vf->OpenChecksums(created || committed_rows == 0, truncate_tail, read_only, identity));
  vf->rows_.PublishRows(vf->size_);
  if (read_only) vf->poison_ = Status::ReadOnly("vectors file '" + path + "' is open for reading only");
  return vf;
}

Result<uint32_t> VectorFile::FileRowsCrc(uint64_t first, uint64_t n, uint32_t crc) const {
  if (n == 0) return crc;
  std::string buf(static_cast<size_t>(std::min<uint64_t>(n * stride_, uint64_t{1} << 20)), '\0');
  uint64_t pos = RowOffset(first);
  const uint64_t end = RowOffset(first + n);
  while (pos < end) {
    const size_t want = static_cast<size_t>(std::min<uint64_t>(buf.size(), end - pos));
    OCHRE_ASSIGN_OR_RETURN(size_t got, file_.Read(pos, want, buf.data()));
    if (got != want) {
      return Status::Corruption("vectors file '" + path() + "' ended inside its committed rows");
    }
    crc = crc32c::Extend(crc, buf.data(), got);
    pos += got;
  }
  return crc;
}

Status VectorFile::OpenChecksums(bool created_or_empty, bool writable, bool read_only, const FileIdentity& identity) {
  block_rows_ = RowChecksums::BlockRowsFor(stride_, rows_.rows_per_chunk());
  const std::string side = RowChecksumPath(path());
  if (created_or_empty && !read_only) {
    // No committed rows: an old side file covers nothing; one that does not fit (damaged, another
    // block size, another collection's, or of version 1) is replaced.
    auto existing = RowChecksums::OpenExisting(side, block_rows_, false, identity);
    if (existing.ok() && *existing && (*existing)->version() == RowChecksums::kFormatVersion) {
      checksums_.emplace(std::move(**existing));
    } else if (!existing.ok() && (!writable || !existing.status().IsCorruption())) {
      return existing.status();
    } else {
      const bool replace = !existing.ok() || existing->has_value();
      auto rc = replace ? RowChecksums::Replace(side, block_rows_, identity)
                        : RowChecksums::Create(side, block_rows_, identity);
      if (!rc.ok()) return rc.status();
      checksums_.emplace(std::move(*rc));
    }
  } else {
    OCHRE_ASSIGN_OR_RETURN(std::optional<RowChecksums> rc,
                           RowChecksums::OpenExisting(side, block_rows_, read_only, identity));
    if (rc) checksums_.emplace(std::move(*rc));
  }
  if (!checksums_) return Status::Ok();
  const uint64_t full = size_ / block_rows_;
  // Entries past the committed full blocks cover rows that were synced but never committed; the
  // rows there will be written again, so the entries go (a writer only).
  if (writable) OCHRE_RETURN_IF_ERROR(checksums_->Truncate(full));
  // One descriptor for the writer and the readers' checks (pread), never closed before the file:
  // a failed checksum write stops further writes (checksum_writes_) but leaves the reads.
  checksum_writes_ = !read_only;
  if (checksums_) {
    const uint32_t shift = static_cast<uint32_t>(std::countr_zero(block_rows_));
    if (!rows_.SetVerifier(this, shift, MaxRows(rows_.chunk_shift()))) {
      OCHRE_LOG_WARN("vectors file '{}': no memory for the verified-block bitmap; rows are not verified", path());
    }
  }
  if (!read_only) {
    // A later writer appends to the partial block: its running checksum comes from the file, so
    // the rows there are checked against the tail entry first (else a damaged row would be
    // covered by the checksum of the block once it fills).
    const uint64_t first = full * block_rows_;
    const uint64_t n = size_ - first;
    uint32_t crc = 0;
    uint64_t done = 0;
    if (checksums_ && n > 0) {
      OCHRE_ASSIGN_OR_RETURN(std::optional<RowChecksums::Tail> t, checksums_->ReadTail());
      if (t && t->block == full && t->rows <= n) {
        OCHRE_ASSIGN_OR_RETURN(crc, FileRowsCrc(first, t->rows));
        done = t->rows;
        if (crc != t->crc) rows_.ReportDamage(DamageMessage(first, first + t->rows - 1));
        blocks_checked_.fetch_add(1, std::memory_order_relaxed);
      }
      tail_checked_block_.store(static_cast<uint32_t>(full), std::memory_order_relaxed);
    }
    OCHRE_ASSIGN_OR_RETURN(tail_crc_, FileRowsCrc(first + done, n - done, crc));
  }
  return Status::Ok();
}

std::string VectorFile::DamageMessage(uint64_t first, uint64_t last) const {
  return "vectors file '" + path() + "': rows " + std::to_string(first) + " to " + std::to_string(last) +
         " do not match their checksum in '" + RowChecksumPath(path()) +
         "' (the file is damaged, or is not this collection's file)";
}

bool VectorFile::VerifyBlock(uint32_t block) const {
  if (!checksums_) return true;
  const uint64_t published = rows_.rows();
  const uint64_t first = uint64_t{block} * block_rows_;
  const bool partial = first + block_rows_ > published;
  // The partial block this process appends into, or one already checked: no lock, no read (the
  // partial block is called for on every read of its rows, since its bit is never set).
  if (partial && (own_tail_block_.load(std::memory_order_relaxed) == block ||
                  tail_checked_block_.load(std::memory_order_acquire) == block)) {
    return false;
  }
  if (!partial) return VerifyFullBlock(block, nullptr, 0);
  // The partial last block: checked once against the tail entry, for the rows the entry covers
  // (later rows of this block were appended by this process, or after the entry was written).
  if (tail_checked_block_.load(std::memory_order_acquire) == block) return false;
  auto tail = checksums_->ReadTail();
  if (tail.ok() && *tail && (*tail)->block == block && first + (*tail)->rows <= published) {
    auto crc = FileRowsCrc(first, (*tail)->rows);
    if (!crc.ok() || *crc != (*tail)->crc) rows_.ReportDamage(DamageMessage(first, first + (*tail)->rows - 1));
    blocks_checked_.fetch_add(1, std::memory_order_relaxed);
  }
  tail_checked_block_.store(block, std::memory_order_release);
  return false;
}

bool VectorFile::VerifyBlockBytes(uint32_t block, const void* bytes, size_t size) const {
  if (!checksums_) return true;
  const uint64_t first = uint64_t{block} * block_rows_;
  if (first + block_rows_ > rows_.rows() || size != block_rows_ * stride_) return VerifyBlock(block);
  return VerifyFullBlock(block, bytes, size);
}

bool VectorFile::VerifyFullBlock(uint32_t block, const void* bytes, size_t size) const {
  const uint64_t first = uint64_t{block} * block_rows_;
  {
    // Blocks this process appended (Append) are not read back to be checked.
    std::lock_guard<std::mutex> lock(own_mu_);
    if (block < own_blocks_.size() && own_blocks_[block]) return true;
  }
  auto entry = checksums_->ReadEntry(block);
  if (!entry.ok()) {
    OCHRE_LOG_WARN("row checksum file '{}': {}; block {} not verified", checksums_->path(), entry.status().ToString(),
                   block);
    return false;
  }
  if (!*entry) {  // a file from before checksums, or an entry lost in a crash
    blocks_unchecked_.fetch_add(1, std::memory_order_relaxed);
    return true;
  }
  Result<uint32_t> crc =
      bytes != nullptr ? Result<uint32_t>(crc32c::Value(bytes, size)) : FileRowsCrc(first, block_rows_);
  if (!crc.ok()) {
    rows_.ReportDamage("vectors file '" + path() + "': rows " + std::to_string(first) + " to " +
                       std::to_string(first + block_rows_ - 1) + " cannot be read: " + crc.status().ToString());
    return true;
  }
  if (*crc != **entry) rows_.ReportDamage(DamageMessage(first, first + block_rows_ - 1));
  blocks_checked_.fetch_add(1, std::memory_order_relaxed);
  return true;
}

Result<VectorFile::RowCheck> VectorFile::CheckAllRows() const {
  RowCheck out;
  const uint64_t published = rows_.rows();
  const uint64_t full = published / block_rows_;
  const uint64_t tail_rows = published - full * block_rows_;
  out.blocks = full + (tail_rows > 0 ? 1 : 0);
  if (!checksums_) {
    out.without_checksum = out.blocks;
    return out;
  }
  for (uint64_t b = 0; b < full; ++b) {
    OCHRE_ASSIGN_OR_RETURN(std::optional<uint32_t> entry, checksums_->ReadEntry(b));
    if (!entry) {
      ++out.without_checksum;
      continue;
    }
    OCHRE_ASSIGN_OR_RETURN(uint32_t crc, FileRowsCrc(b * block_rows_, block_rows_));
    ++out.checked;
    if (crc != *entry) out.mismatches.emplace_back(b * block_rows_, (b + 1) * block_rows_ - 1);
  }
  if (tail_rows > 0) {
    OCHRE_ASSIGN_OR_RETURN(std::optional<RowChecksums::Tail> t, checksums_->ReadTail());
    if (t && t->block == full && t->rows <= tail_rows) {
      OCHRE_ASSIGN_OR_RETURN(uint32_t crc, FileRowsCrc(full * block_rows_, t->rows));
      ++out.checked;
      if (crc != t->crc) out.mismatches.emplace_back(full * block_rows_, full * block_rows_ + t->rows - 1);
    } else {
      ++out.without_checksum;
    }
  }
  for (const auto& [first, last] : out.mismatches) rows_.ReportDamage(DamageMessage(first, last));
  return out;
}

Status VectorFile::VerifyAll() const {
  OCHRE_ASSIGN_OR_RETURN(RowCheck check, CheckAllRows());
  (void)check;
  return rows_.Intact();
}

Result<VectorFile::UpgradeResult> VectorFile::Upgrade(const std::string& path, uint32_t dim, uint64_t committed_rows,
                                                      const FileIdentity& identity) {
  UpgradeResult out;
  const std::string side = RowChecksumPath(path);
  std::string side_bytes;
  uint32_t chunk_shift = 0;
  uint32_t version = 0;
  {
    // Checked first, with the engine's reader: header, size, identity, every stored checksum.
    OCHRE_ASSIGN_OR_RETURN(std::unique_ptr<VectorFile> vf,
                           Open(path, dim, committed_rows, /*create=*/false, 0, /*truncate_tail=*/false,
                                /*read_only=*/true, identity));
    OCHRE_ASSIGN_OR_RETURN(RowCheck check, vf->CheckAllRows());
    if (!check.mismatches.empty()) {
      return Status::Corruption(vf->DamageMessage(check.mismatches[0].first, check.mismatches[0].second) +
                                "; not repaired (restore the collection from a backup)");
    }
    version = vf->version_;
    chunk_shift = vf->rows_.chunk_shift();
    std::optional<RowChecksums> existing;
    if (vf->checksums_) existing.emplace(std::move(*vf->checksums_));
    const bool complete =
        existing && existing->version() == RowChecksums::kFormatVersion && check.without_checksum == 0;
    if (!complete) {
      // Every block's checksum from the rows, which CheckAllRows found consistent with whatever
      // was stored.
      const uint64_t full = committed_rows / vf->block_rows_;
      side_bytes = RowChecksums::EncodeHeader(vf->block_rows_, identity);
      for (uint64_t b = 0; b < full; ++b) {
        OCHRE_ASSIGN_OR_RETURN(uint32_t crc, vf->FileRowsCrc(b * vf->block_rows_, vf->block_rows_));
        side_bytes += RowChecksums::EncodeEntry(b, crc);
      }
      const uint64_t tail = committed_rows - full * vf->block_rows_;
      if (tail > 0) {
        OCHRE_ASSIGN_OR_RETURN(uint32_t crc, vf->FileRowsCrc(full * vf->block_rows_, tail));
        const std::string t = RowChecksums::EncodeTail({static_cast<uint32_t>(full), static_cast<uint32_t>(tail), crc});
        std::memcpy(side_bytes.data() + RowChecksums::kTailOffset, t.data(), t.size());
      }
    }
  }  // closed: its shared lock and descriptors go before the files are replaced
  if (version < kFormatVersion) {
    OCHRE_ASSIGN_OR_RETURN(File in, File::Open(path, OpenMode::kReadOnly));
    const std::string tmp = path + ".repair.tmp";
    (void)RemoveFile(tmp);
    {
      OCHRE_ASSIGN_OR_RETURN(File outf, File::Open(tmp, OpenMode::kCreateTruncate));
      OCHRE_RETURN_IF_ERROR(outf.Write(0, EncodeHeader(dim, chunk_shift, kFormatVersion, kDtypeFloat32, identity)));
      const uint64_t end = kHeaderSize + committed_rows * uint64_t{dim} * sizeof(float);
      std::string buf(size_t{1} << 20, '\0');
      for (uint64_t pos = kHeaderSize; pos < end;) {
        const size_t want = static_cast<size_t>(std::min<uint64_t>(buf.size(), end - pos));
        OCHRE_ASSIGN_OR_RETURN(size_t got, in.Read(pos, want, buf.data()));
        if (got != want) return Status::Corruption("vectors file '" + path + "' ended inside its committed rows");
        OCHRE_RETURN_IF_ERROR(outf.Write(pos, buf.data(), got));
        pos += got;
      }
      OCHRE_RETURN_IF_ERROR(outf.DataSync());
    }
    OCHRE_RETURN_IF_ERROR(RenameFile(tmp, path));
    OCHRE_RETURN_IF_ERROR(SyncDir(DirName(path)));
    out.header_upgraded = true;
  }
  if (!side_bytes.empty()) {
    OCHRE_RETURN_IF_ERROR(WriteFileAtomically(side, side_bytes));
    out.checksums_written = true;
  }
  return out;
}

Status VectorFile::WriteTailEntry() const {
  if (!checksums_ || !checksum_writes_) return Status::Ok();
  RowChecksums::Tail t;
  t.block = static_cast<uint32_t>(size_ / block_rows_);
  t.rows = size_ % block_rows_;
  t.crc = t.rows == 0 ? 0 : tail_crc_;
  return checksums_->WriteTail(t);
}

Status VectorFile::ResetChecksumTail() {
  if (!checksums_ || !checksum_writes_) return Status::Ok();
  const uint64_t full = size_ / block_rows_;
  std::erase_if(pending_, [&](const auto& e) { return e.first >= full; });
  {
    // Rows past the new end may be rewritten, by this process or another: no longer ours.
    std::lock_guard<std::mutex> lock(own_mu_);
    if (own_blocks_.size() > full) own_blocks_.resize(full);
    own_tail_block_.store(UINT32_MAX, std::memory_order_relaxed);
  }
  Status s = checksums_->Truncate(full);
  if (s.ok()) {
    const uint64_t first = full * block_rows_;
    auto crc = FileRowsCrc(first, size_ - first);
    if (crc.ok()) tail_crc_ = *crc;
    s = crc.status();
  }
  if (s.ok()) s = WriteTailEntry();
  if (!s.ok()) {
    // Rows stay usable; this session writes no further checksums (stale entries past the
    // committed rows are dropped by the next open that may write).
    OCHRE_LOG_WARN("row checksum file '{}': {}; no further row checksums are written until reopened",
                   checksums_->path(), s.ToString());
    (void)checksums_->WriteTail({});  // a stale tail entry would not match rows written later
    checksum_writes_ = false;
    pending_.clear();
  }
  return Status::Ok();
}

Status VectorFile::MapChunks(uint32_t count) {
  std::lock_guard<std::mutex> lock(map_mu_);
  while (maps_.size() < count) {
    const uint32_t index = static_cast<uint32_t>(maps_.size());
    // Chunk offsets are multiples of 4 but need not be page-aligned (4 KiB header, larger pages
    // on some machines): map from the page boundary below and point past the slack.
    const uint64_t offset = kHeaderSize + uint64_t{index} * chunk_bytes_;
    const uint64_t aligned = offset - offset % page_size_;
    const uint64_t slack = offset - aligned;
    OCHRE_ASSIGN_OR_RETURN(MappedRegion map, file_.Map(aligned, static_cast<size_t>(chunk_bytes_ + slack)));
    const auto* base = reinterpret_cast<const float*>(static_cast<const char*>(map.data()) + slack);
    maps_.push_back(std::move(map));
    rows_.SetChunk(index, base);
  }
  return Status::Ok();
}

void VectorFile::ReleaseResident(uint32_t end_row) {
  // Called by the indexer thread while a writer may be appending (and growing maps_): go through
  // the published chunk pointers, never through maps_.
  end_row = std::min(end_row, rows_.rows());
  const uint64_t rpc = rows_.rows_per_chunk();
  for (uint32_t i = 0; uint64_t{i} * rpc < end_row; ++i) {
    const char* base = reinterpret_cast<const char*>(rows_.chunk(i));
    if (base == nullptr) break;
    // From the mapping's start (the page boundary below the chunk: its slack is the header or the
    // previous chunk's last rows, whose pages cost at most a fault to map again) to the page that
    // holds the last row released, which the mapping (whole pages of slack + chunk) contains.
    const uint64_t slack = (kHeaderSize + uint64_t{i} * chunk_bytes_) % page_size_;
    const uint64_t rows_here = std::min<uint64_t>(rpc, end_row - uint64_t{i} * rpc);
    const uint64_t bytes = (slack + rows_here * stride_ + page_size_ - 1) / page_size_ * page_size_;
    // MADV_DONTNEED on a shared file mapping only unmaps: the page cache keeps the data. A failure
    // (none is expected) just leaves the pages resident.
    (void)::madvise(const_cast<char*>(base - slack), size_t(bytes), MADV_DONTNEED);
  }
}

Status VectorFile::GiveBackReservedSpace() {
  OCHRE_RETURN_IF_ERROR(CheckWritable());
  // Rows past size_ are none (or uncommitted, which the next open would cut anyway). Readers only
  // read rows below size_, whose pages stay inside the file. Not synced: after a crash the file
  // is either length, and both open the same.
  const uint64_t end = RowOffset(size_);
  OCHRE_ASSIGN_OR_RETURN(uint64_t file_size, file_.Size());
  if (file_size <= end) return Status::Ok();
  OCHRE_RETURN_IF_ERROR(file_.Truncate(end));
  allocated_bytes_ = std::min<uint64_t>(allocated_bytes_, uint64_t{size_} * stride_);
  return Status::Ok();
}

Status VectorFile::EnsureCapacity(uint64_t rows) {
  const uint64_t rpc = rows_.rows_per_chunk();
  const uint64_t chunks = (rows + rpc - 1) / rpc;
  const uint64_t needed = rows * stride_;
  if (needed > allocated_bytes_) {
    // Reserve geometrically (at least doubling, at most a chunk beyond what is needed, in 64 KiB
    // steps): a small collection stays small on disk, a large one does not fallocate at every
    // batch. A chunk's mapping may reach past the end of the file; only rows below the reserved
    // size are ever touched, so that is never a SIGBUS. posix_fallocate is cheap over space that
    // is already allocated (the reserved zeros found at open).
    constexpr uint64_t kStep = uint64_t{64} << 10;
    uint64_t target = std::max(needed, std::min(allocated_bytes_ * 2, needed + chunk_bytes_));
    target = (target + kStep - 1) / kStep * kStep;
    OCHRE_RETURN_IF_ERROR(file_.Allocate(kHeaderSize + allocated_bytes_, target - allocated_bytes_));
    allocated_bytes_ = target;
  }
  return MapChunks(static_cast<uint32_t>(chunks));
}

Status VectorFile::Reserve(uint32_t rows) {
  OCHRE_RETURN_IF_ERROR(CheckWritable());
  if (rows > MaxRows(rows_.chunk_shift())) {
    return Status::ResourceExhausted("vectors file '" + path() + "' cannot hold " + std::to_string(rows) + " rows");
  }
  return EnsureCapacity(rows);
}

Status VectorFile::CheckWritable() const {
  if (poison_.ok()) return Status::Ok();
  return Status::ReadOnly("vectors file '" + path() + "' is read-only after a failed sync (" + poison_.ToString() +
                          "); reopen the database to recover");
}

Result<uint32_t> VectorFile::Append(const float* data, uint32_t n) {
  OCHRE_RETURN_IF_ERROR(CheckWritable());
  if (n == 0) return size_;
  const uint64_t end = uint64_t{size_} + n;
  if (end > MaxRows(rows_.chunk_shift())) {
    return Status::ResourceExhausted("vectors file '" + path() + "' cannot hold more than " +
                                     std::to_string(MaxRows(rows_.chunk_shift())) + " rows");
  }
  OCHRE_RETURN_IF_ERROR(EnsureCapacity(end));
  // On failure some of the bytes may be on disk past size_: they are overwritten by the next
  // append, or cut on the next open as an uncommitted tail.
  dirty_ = true;
  OCHRE_RETURN_IF_ERROR(file_.Write(RowOffset(size_), data, static_cast<size_t>(n * stride_)));
  if (checksums_ && checksum_writes_) {
    // Extend the running checksum block by block from the caller's rows (still in cache).
    const char* p = reinterpret_cast<const char*>(data);
    for (uint64_t row = size_; row < end;) {
      const uint64_t block_end = (row / block_rows_ + 1) * block_rows_;
      const uint64_t upto = std::min(end, block_end);
      tail_crc_ = crc32c::Extend(tail_crc_, p, static_cast<size_t>((upto - row) * stride_));
      p += (upto - row) * stride_;
      if (upto == block_end) {
        pending_.emplace_back(row / block_rows_, tail_crc_);
        tail_crc_ = 0;
      }
      row = upto;
    }
    // This process's own rows, checksummed from its memory: reading them back need not verify
    // them (a write path reads what it just appended: norms, the graph insert).
    std::lock_guard<std::mutex> lock(own_mu_);
    const uint64_t last_full = end / block_rows_;  // blocks below this are full
    if (own_blocks_.size() < last_full) own_blocks_.resize(last_full, false);
    for (uint64_t b = size_ / block_rows_; b < last_full; ++b) own_blocks_[b] = true;
    own_tail_block_.store(static_cast<uint32_t>(last_full), std::memory_order_relaxed);
  }
  const uint32_t first = size_;
  size_ = static_cast<uint32_t>(end);
  return first;
}

Status VectorFile::Sync() {
  OCHRE_RETURN_IF_ERROR(CheckWritable());
  if (dirty_) {
    Status s = file_.DataSync();
    if (!s.ok()) {
      poison_ = s;
      OCHRE_LOG_ERROR("vectors file '{}': sync failed, no further writes until reopened: {}", path(), s.ToString());
      return s;
    }
    dirty_ = false;
  }
  // After the rows are durable. Not synced (row_checksums.h): a lost entry only leaves its block
  // unverified. A failed write is reported (the rows stay durable; the entries are written again
  // by the next Sync, or dropped by a rollback).
  if (checksums_ && checksum_writes_) {
    size_t done = 0;
    for (; done < pending_.size(); ++done) {
      Status w = checksums_->Write(pending_[done].first, pending_[done].second);
      if (!w.ok()) {
        pending_.erase(pending_.begin(), pending_.begin() + static_cast<ptrdiff_t>(done));
        return w.WithContext("row checksum file '" + checksums_->path() + "'");
      }
    }
    pending_.clear();
    Status t = WriteTailEntry();
    if (!t.ok()) return t.WithContext("row checksum file '" + checksums_->path() + "'");
  }
  return Status::Ok();
}

Status VectorFile::TruncateTo(uint32_t rows) {
  if (rows > size_) {
    return Status::InvalidArgument("vectors file '" + path() + "': cannot truncate to " + std::to_string(rows) +
                                   " rows, it has " + std::to_string(size_));
  }
  size_ = rows;
  {
    std::lock_guard<std::mutex> lock(map_mu_);
    if (rows < rows_.rows()) rows_.PublishRows(rows);
  }
  return ResetChecksumTail();
}

void VectorFile::Publish(uint32_t rows) {
  std::lock_guard<std::mutex> lock(map_mu_);
  rows_.PublishRows(std::min(rows, size_));
}

Status VectorFile::AdoptCommitted(uint32_t rows) {
  if (rows <= rows_.rows()) return Status::Ok();
  OCHRE_ASSIGN_OR_RETURN(uint64_t file_size, file_.Size());
  if (file_size < RowOffset(rows)) {
    return Status::Corruption("vectors file '" + path() + "' holds " +
                              std::to_string((file_size - std::min(file_size, kHeaderSize)) / stride_) +
                              " rows but the catalog records " + std::to_string(rows) + " committed rows");
  }
  const uint32_t rpc = rows_.rows_per_chunk();
  OCHRE_RETURN_IF_ERROR(MapChunks((rows + rpc - 1) / rpc));
  std::lock_guard<std::mutex> lock(map_mu_);
  if (rows > rows_.rows()) rows_.PublishRows(rows);
  return Status::Ok();
}

Status VectorFile::ResetToCommitted(uint32_t rows) {
  OCHRE_RETURN_IF_ERROR(CheckWritable());
  OCHRE_RETURN_IF_ERROR(AdoptCommitted(rows));
  // Another process may have grown the file, or given back its reserve: what is reserved is what
  // the file holds now.
  OCHRE_ASSIGN_OR_RETURN(uint64_t file_size, file_.Size());
  allocated_bytes_ = file_size > kHeaderSize ? file_size - kHeaderSize : 0;
  if (rows < size_) {
    // Only our own append whose commit failed can be past the committed rows here.
    std::lock_guard<std::mutex> lock(map_mu_);
    if (rows < rows_.rows()) rows_.PublishRows(rows);
  }
  size_ = rows;
  // Always: the file may have been written by other processes (or a killed one) since this
  // session's checksum state was computed; entries past the committed full blocks may cover rows
  // that were synced but never committed.
  return ResetChecksumTail();
}

void VectorFile::RetireOnClose(std::vector<std::string> companions) {
  retired_ = true;
  companions_ = std::move(companions);
}

VectorFile::~VectorFile() {
  if (!retired_ || !file_.valid()) return;
  // Our shared lock becomes exclusive only if no other open file description (another process, or
  // another open of it here) holds the file: then nobody reads it and it can go.
  auto taken = file_.TryLockExclusive();
  if (!taken.ok() || !*taken) return;
  OCHRE_LOG_INFO("vectors file '{}' of a replaced generation is no longer used by any process: removed", path());
  (void)RemoveFile(path());
  (void)RemoveFile(RowChecksumPath(path()));
  for (const auto& c : companions_) (void)RemoveFile(c);
  (void)SyncDir(DirName(path()));
}

}  // namespace ochre::storage
