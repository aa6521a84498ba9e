// Copyright 2026 The OchreDB Authors.
#include "storage/record_checksum.h"

#include "common/coding.h"
#include "common/crc32c.h"

namespace ochre::storage {

namespace {

uint32_t ExtendOptional(uint32_t crc, const std::optional<std::string_view>& s) {
  char tag = s ? 1 : 0;
  crc = crc32c::Extend(crc, &tag, 1);
  if (!s) return crc;
  char len[8];
  EncodeFixed64(len, s->size());
  crc = crc32c::Extend(crc, len, sizeof(len));
  return crc32c::Extend(crc, s->data(), s->size());
}

void RekeyCrc(sqlite3_context* ctx, int argc, sqlite3_value** argv) {
  if (argc != 5 || sqlite3_value_type(argv[0]) == SQLITE_NULL) {
    sqlite3_result_null(ctx);
    return;
  }
  const int64_t cid = sqlite3_value_int64(argv[1]);
  const auto* id = reinterpret_cast<const char*>(sqlite3_value_text(argv[2]));
  const std::string_view id_view(id != nullptr ? id : "", size_t(sqlite3_value_bytes(argv[2])));
  if (uint32_t(sqlite3_value_int64(argv[0])) != RecordKeyCrc(cid, id_view, sqlite3_value_int64(argv[3]))) {
    const std::string msg = RecordDamaged(cid, 0, id_view).message();
    sqlite3_result_error(ctx, msg.c_str(), int(msg.size()));
    return;
  }
  sqlite3_result_int64(ctx, int64_t{RecordKeyCrc(cid, id_view, sqlite3_value_int64(argv[4]))});
}

}  // namespace

uint32_t RecordKeyCrc(int64_t cid, std::string_view id, int64_t row) {
  char buf[16];
  EncodeFixed64(buf, uint64_t(cid));
  EncodeFixed64(buf + 8, uint64_t(row));
  return ExtendOptional(crc32c::Value(buf, sizeof(buf)), id);
}

uint32_t RecordPayloadCrc(const std::optional<std::string_view>& document, const std::optional<std::string_view>& uri,
                          const std::optional<std::string_view>& metadata_json) {
  uint32_t crc = ExtendOptional(0, document);
  crc = ExtendOptional(crc, uri);
  return ExtendOptional(crc, metadata_json);
}

Status RecordDamaged(int64_t cid, int64_t rid, std::string_view id) {
  return Status::Corruption("catalog: record '" + std::string(id) + "'" +
                            (rid != 0 ? " (rid " + std::to_string(rid) + ")" : std::string()) + " of collection cid " +
                            std::to_string(cid) +
                            " does not match its checksum (the catalog file is damaged; restore it from a backup)");
}

int RegisterRecordChecksumFunctions(sqlite3* db) {
  return sqlite3_create_function(db, "ochre_rekey_crc", 5, SQLITE_UTF8 | SQLITE_DETERMINISTIC, nullptr, RekeyCrc,
                                 nullptr, nullptr);
}

}  // namespace ochre::storage
