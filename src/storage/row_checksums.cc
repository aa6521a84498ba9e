// Copyright 2026 The OchreDB Authors.
#include "storage/row_checksums.h"

#include <bit>
#include <cstring>

#include "common/coding.h"
#include "common/crc32c.h"

namespace ochre::storage {

namespace {

constexpr std::string_view kMagicV1{"OCHRECRC", 8};
constexpr std::string_view kMagic{"OCHRECR2", 8};
constexpr uint32_t kEntryMask = 0xA5A5A5A5u;
constexpr uint32_t kTailMask = 0x5A5A5A5Au;

uint32_t HeaderCrc(std::string header) {
  std::memset(header.data() + 12, 0, 4);
  return crc32c::Value(header.data(), RowChecksums::kTailOffset);
}

uint32_t EntryCheck(uint64_t block, uint32_t crc) {
  char buf[12];
  EncodeFixed32(buf, static_cast<uint32_t>(block));
  EncodeFixed32(buf + 4, static_cast<uint32_t>(block >> 32));
  EncodeFixed32(buf + 8, crc);
  return crc32c::Value(buf, sizeof(buf)) ^ kEntryMask;
}

}  // namespace

std::string RowChecksums::EncodeHeader(uint32_t block_rows, const FileIdentity& identity) {
  std::string h(kHeaderSize, '\0');
  std::memcpy(h.data(), kMagic.data(), kMagic.size());
  EncodeFixed32(h.data() + 8, block_rows);
  const std::string id = EncodeFileIdentity(identity);
  std::memcpy(h.data() + 16, id.data(), id.size());
  EncodeFixed32(h.data() + 12, HeaderCrc(h));
  return h;
}

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

Result<RowChecksums> RowChecksums::Create(const std::string& path, uint32_t block_rows, const FileIdentity& identity) {
  OCHRE_ASSIGN_OR_RETURN(bool exists, PathExists(path));
  if (!exists) {
    // Temp + link: a crash leaves no side file or one with a whole header; two processes
    // creating it at once agree on one.
    OCHRE_RETURN_IF_ERROR(CreateFileExclusively(path, EncodeHeader(block_rows, identity)).status());
  }
  OCHRE_ASSIGN_OR_RETURN(std::optional<RowChecksums> rc, OpenExisting(path, block_rows, false, identity));
  if (!rc) return Status::Corruption("row checksum file '" + path + "' vanished while it was opened");
  return std::move(*rc);
}

Result<RowChecksums> RowChecksums::Replace(const std::string& path, uint32_t block_rows, const FileIdentity& identity) {
  OCHRE_RETURN_IF_ERROR(WriteFileAtomically(path, EncodeHeader(block_rows, identity)));
  OCHRE_ASSIGN_OR_RETURN(std::optional<RowChecksums> rc, OpenExisting(path, block_rows, false, identity));
  if (!rc) return Status::Corruption("row checksum file '" + path + "' vanished while it was opened");
  return std::move(*rc);
}

Result<std::optional<RowChecksums>> RowChecksums::OpenExisting(const std::string& path, uint32_t block_rows,
                                                               bool read_only, const FileIdentity& expected) {
  OCHRE_ASSIGN_OR_RETURN(bool exists, PathExists(path));
  if (!exists) return std::optional<RowChecksums>();
  OCHRE_ASSIGN_OR_RETURN(File file, File::Open(path, read_only ? OpenMode::kReadOnly : OpenMode::kReadWrite));
  std::string h(kHeaderSize, '\0');
  OCHRE_ASSIGN_OR_RETURN(size_t got, file.Read(0, h.size(), h.data()));
  uint32_t version = 0;
  if (got >= kHeaderSizeV1 && std::string_view(h.data(), 8) == kMagicV1 &&
      DecodeFixed32(h.data() + 12) == crc32c::Value(h.data(), 12)) {
    version = 1;
  } else if (got >= kHeaderSize && std::string_view(h.data(), 8) == kMagic &&
             DecodeFixed32(h.data() + 12) == HeaderCrc(h)) {
    version = 2;
  } else {
    return Status::Corruption("row checksum file '" + path + "' has a damaged header");
  }
  if (version == 2) {
    const std::string what = "row checksum file '" + path + "'";
    OCHRE_ASSIGN_OR_RETURN(FileIdentity stored, DecodeFileIdentity(std::string_view(h).substr(16), what));
    OCHRE_RETURN_IF_ERROR(CheckFileIdentity(stored, expected, what));
  }
  const uint32_t stored = DecodeFixed32(h.data() + 8);
  if (stored != block_rows) {
    return Status::Corruption("row checksum file '" + path + "' has blocks of " + std::to_string(stored) +
                              " rows; its vectors file needs " + std::to_string(block_rows));
  }
  return std::optional<RowChecksums>(RowChecksums(std::move(file), block_rows, version));
}

Result<RowChecksums::Entries> RowChecksums::Read(uint64_t blocks) const {
  Entries out;
  out.crc.resize(blocks);
  std::string buf(blocks * kEntrySize, '\0');
  OCHRE_ASSIGN_OR_RETURN(size_t got, file_.Read(entries_at(), buf.size(), buf.data()));
  for (uint64_t i = 0; i < blocks && (i + 1) * kEntrySize <= got; ++i) {
    const uint32_t crc = DecodeFixed32(buf.data() + i * kEntrySize);
    if (DecodeFixed32(buf.data() + i * kEntrySize + 4) == EntryCheck(i, crc)) out.crc[i] = crc;
  }
  return out;
}

Result<std::optional<uint32_t>> RowChecksums::ReadEntry(uint64_t block) const {
  char buf[kEntrySize];
  OCHRE_ASSIGN_OR_RETURN(size_t got, file_.Read(entries_at() + block * kEntrySize, kEntrySize, buf));
  if (got < kEntrySize) return std::optional<uint32_t>();
  const uint32_t crc = DecodeFixed32(buf);
  if (DecodeFixed32(buf + 4) != EntryCheck(block, crc)) return std::optional<uint32_t>();
  return std::optional<uint32_t>(crc);
}

Status RowChecksums::Write(uint64_t block, uint32_t crc) const {
  return file_.Write(entries_at() + block * kEntrySize, EncodeEntry(block, crc));
}

Result<std::optional<RowChecksums::Tail>> RowChecksums::ReadTail() const {
  if (version_ == 1) return std::optional<Tail>();
  char buf[16];
  OCHRE_ASSIGN_OR_RETURN(size_t got, file_.Read(kTailOffset, sizeof(buf), buf));
  if (got < sizeof(buf) || DecodeFixed32(buf + 12) != (crc32c::Value(buf, 12) ^ kTailMask)) {
    return std::optional<Tail>();
  }
  Tail t{DecodeFixed32(buf), DecodeFixed32(buf + 4), DecodeFixed32(buf + 8)};
  if (t.rows == 0 || t.rows >= block_rows_) return std::optional<Tail>();
  return std::optional<Tail>(t);
}

std::string RowChecksums::EncodeTail(const Tail& tail) {
  std::string buf(16, '\0');
  EncodeFixed32(buf.data(), tail.block);
  EncodeFixed32(buf.data() + 4, tail.rows);
  EncodeFixed32(buf.data() + 8, tail.crc);
  EncodeFixed32(buf.data() + 12, crc32c::Value(buf.data(), 12) ^ kTailMask);
  return buf;
}

Status RowChecksums::WriteTail(const Tail& tail) const {
  if (version_ == 1) return Status::Ok();
  return file_.Write(kTailOffset, EncodeTail(tail));
}

Status RowChecksums::Truncate(uint64_t blocks) const {
  OCHRE_ASSIGN_OR_RETURN(uint64_t size, file_.Size());
  const uint64_t end = entries_at() + blocks * kEntrySize;
  if (size <= end) return Status::Ok();
  return file_.Truncate(end);
}

}  // namespace ochre::storage
