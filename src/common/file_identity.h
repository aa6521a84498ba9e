// Copyright 2026 The OchreDB Authors.
//
// FileIdentity: the collection and compaction generation a collection file belongs to, written
// into the headers of its vectors file, row checksum side file and graph checkpoint (format
// version 2 of each), so that a file of another collection or generation put in its place, even of
// the same shape, is refused instead of being served (docs/format/vectors.md).
//
//   offset  size  field
//   0       4     id length n (u32 LE), <= 64
//   4       64    collection id (n bytes, the rest zero)
//   68      8     generation (u64 LE)
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "ochre/result.h"

namespace ochre {

struct FileIdentity {
  std::string collection_id;  // "" when unknown: written as such, and not checked
  int64_t generation = 0;

  bool known() const { return !collection_id.empty(); }
  bool operator==(const FileIdentity&) const = default;
};

inline constexpr size_t kFileIdentitySize = 76;

// The 76 bytes above. A longer id is cut to 64 bytes (collection ids are 36-byte uuids).
std::string EncodeFileIdentity(const FileIdentity& id);
// Corruption (naming `what`, e.g. "vectors file '<path>'") for a bad length.
Result<FileIdentity> DecodeFileIdentity(std::string_view bytes, const std::string& what);
// Ok when `stored` is unknown (a file written without one), `expected` is unknown, or both agree;
// else Corruption naming the file (`what`) and both identities.
Status CheckFileIdentity(const FileIdentity& stored, const FileIdentity& expected, const std::string& what);
std::string DescribeFileIdentity(const FileIdentity& id);

}  // namespace ochre
