// Copyright 2026 The OchreDB Authors.
//
// Record checksums (catalog format version 5, schema.h): SQLite keeps no checksum of its pages, so a
// flipped byte inside a record's document or metadata would be read back as a different value. Each
// records row carries two CRC32C:
//   key_crc      over (cid, id, row): what maps the record to its vector row;
//   payload_crc  over (document, uri, metadata_json): what a read returns besides the vector.
// Every read of a record (storage/catalog.cc ReadRecord, the metadata and sparse indexes' builds)
// checks them: a mismatch is Corruption naming the record. Rows written before version 5 hold NULL
// and are not checked. Encoding: fixed-width little-endian integers; each optional string as a tag
// byte (0 absent, 1 present), then for a present one its length (u64) and bytes.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "ochre/status.h"

namespace ochre::storage {

uint32_t RecordKeyCrc(int64_t cid, std::string_view id, int64_t row);
uint32_t RecordPayloadCrc(const std::optional<std::string_view>& document, const std::optional<std::string_view>& uri,
                          const std::optional<std::string_view>& metadata_json);
inline uint32_t RecordPayloadCrc(const std::optional<std::string>& document, const std::optional<std::string>& uri,
                                 const std::optional<std::string>& metadata_json) {
  auto view = [](const std::optional<std::string>& s) {
    return s ? std::optional<std::string_view>(*s) : std::nullopt;
  };
  return RecordPayloadCrc(view(document), view(uri), view(metadata_json));
}

// The Corruption of a record whose bytes do not match its checksums.
Status RecordDamaged(int64_t cid, int64_t rid, std::string_view id);

// Registers on `db` the SQL function ochre_rekey_crc(key_crc, cid, id, old_row, new_row): NULL for
// a NULL key_crc, an error ("record checksum mismatch") when key_crc is not the checksum of
// (cid, id, old_row), else the checksum of (cid, id, new_row). Used when compaction moves rows.
int RegisterRecordChecksumFunctions(sqlite3* db);

}  // namespace ochre::storage
