// Copyright 2026 The OchreDB Authors.
#include "storage/row_checksums.h"

#include <bit>
#include <cstring>

#include "common/coding.h"
#include "common/crc32c.h"

namespace ochre::storage {

namespace {

constexpr std::string_view kMagic{"OCHRECRC", 8};
constexpr uint32_t kEntryMask = 0xA5A5A5A5u;

uint32_t EntryCheck(uint64_t block, uint32_t crc) {
  char buf[12];
  EncodeFixed32(buf, static_cast<uint32_t>(block));
  EncodeFixed32(buf + 4, static_cast<uint32_t>(block >> 32));
  EncodeFixed32(buf + 8, crc);
  return crc32c::Value(buf, sizeof(buf)) ^ kEntryMask;
}

std::string EncodeHeader(uint32_t block_rows) {
  std::string h(RowChecksums::kHeaderSize, '\0');
  std::memcpy(h.data(), kMagic.data(), kMagic.size());
  EncodeFixed32(h.data() + 8, block_rows);
  EncodeFixed32(h.data() + 12, crc32c::Value(h.data(), 12));
  return h;
}

}  // namespace

std::string RowChecksumPath(const std::string& vectors_path) {
  std::string p = vectors_path;
  if (p.size() >= 4 && p.compare(p.size() - 4, 4, ".f32") == 0) p.resize(p.size() - 4);
  return p + ".rowcrc";
}

uint32_t RowChecksums::BlockRowsFor(uint64_t stride, uint32_t rows_per_chunk) {
  uint64_t rows = stride == 0 ? 1 : kTargetBlockBytes / stride;
  if (rows == 0) rows = 1;
  uint32_t b = std::bit_floor(static_cast<uint32_t>(std::min<uint64_t>(rows, UINT32_MAX)));
  return std::min(b, rows_per_chunk);
}

std::string RowChecksums::EncodeEntry(uint64_t block, uint32_t crc) {
  std::string e(kEntrySize, '\0');
  EncodeFixed32(e.data(), crc);
  EncodeFixed32(e.data() + 4, EntryCheck(block, crc));
  return e;
}

Result<RowChecksums> RowChecksums::Create(const std::string& path, uint32_t block_rows) {
  OCHRE_ASSIGN_OR_RETURN(bool exists, PathExists(path));
  if (!exists) {
    // Temp + link: a crash leaves no side file or one with a whole header; two processes
    // creating it at once agree on one.
    OCHRE_RETURN_IF_ERROR(CreateFileExclusively(path, EncodeHeader(block_rows)).status());
  }
  OCHRE_ASSIGN_OR_RETURN(std::optional<RowChecksums> rc, OpenExisting(path, block_rows, false));
  if (!rc) return Status::Corruption("row checksum file '" + path + "' vanished while it was opened");
  return std::move(*rc);
}

Result<RowChecksums> RowChecksums::Replace(const std::string& path, uint32_t block_rows) {
  OCHRE_RETURN_IF_ERROR(WriteFileAtomically(path, EncodeHeader(block_rows)));
  OCHRE_ASSIGN_OR_RETURN(std::optional<RowChecksums> rc, OpenExisting(path, block_rows, false));
  if (!rc) return Status::Corruption("row checksum file '" + path + "' vanished while it was opened");
  return std::move(*rc);
}

Result<std::optional<RowChecksums>> RowChecksums::OpenExisting(const std::string& path, uint32_t block_rows,
                                                               bool read_only) {
  OCHRE_ASSIGN_OR_RETURN(bool exists, PathExists(path));
  if (!exists) return std::optional<RowChecksums>();
  OCHRE_ASSIGN_OR_RETURN(File file, File::Open(path, read_only ? OpenMode::kReadOnly : OpenMode::kReadWrite));
  std::string h(kHeaderSize, '\0');
  OCHRE_ASSIGN_OR_RETURN(size_t got, file.Read(0, h.size(), h.data()));
  if (got < kHeaderSize || std::string_view(h.data(), 8) != kMagic ||
      DecodeFixed32(h.data() + 12) != crc32c::Value(h.data(), 12)) {
    return Status::Corruption("row checksum file '" + path + "' has a damaged header");
  }
  const uint32_t stored = DecodeFixed32(h.data() + 8);
  if (stored != block_rows) {
    return Status::Corruption("row checksum file '" + path + "' has blocks of " + std::to_string(stored) +
                              " rows; its vectors file needs " + std::to_string(block_rows));
  }
  return std::optional<RowChecksums>(RowChecksums(std::move(file), block_rows));
}

Result<RowChecksums::Entries> RowChecksums::Read(uint64_t blocks) const {
  Entries out;
  out.crc.resize(blocks);
  std::string buf(blocks * kEntrySize, '\0');
  OCHRE_ASSIGN_OR_RETURN(size_t got, file_.Read(kHeaderSize, buf.size(), buf.data()));
  for (uint64_t i = 0; i < blocks && (i + 1) * kEntrySize <= got; ++i) {
    const uint32_t crc = DecodeFixed32(buf.data() + i * kEntrySize);
    if (DecodeFixed32(buf.data() + i * kEntrySize + 4) == EntryCheck(i, crc)) out.crc[i] = crc;
  }
  return out;
}

Status RowChecksums::Write(uint64_t block, uint32_t crc) const {
  return file_.Write(kHeaderSize + block * kEntrySize, EncodeEntry(block, crc));
}

Status RowChecksums::Truncate(uint64_t blocks) const {
  OCHRE_ASSIGN_OR_RETURN(uint64_t size, file_.Size());
  const uint64_t end = kHeaderSize + blocks * kEntrySize;
  if (size <= end) return Status::Ok();
  return file_.Truncate(end);
}

}  // namespace ochre::storage
