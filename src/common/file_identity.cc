// Copyright 2026 The OchreDB Authors.
#include "common/file_identity.h"

#include <algorithm>
#include <cstring>

#include "common/coding.h"

namespace ochre {

namespace {
constexpr size_t kMaxIdBytes = 64;
}  // namespace

std::string EncodeFileIdentity(const FileIdentity& id) {
  std::string out(kFileIdentitySize, '\0');
  const size_t n = std::min(id.collection_id.size(), kMaxIdBytes);
  EncodeFixed32(out.data(), static_cast<uint32_t>(n));
  std::memcpy(out.data() + 4, id.collection_id.data(), n);
  EncodeFixed64(out.data() + 68, static_cast<uint64_t>(id.generation));
  return out;
}

Result<FileIdentity> DecodeFileIdentity(std::string_view bytes, const std::string& what) {
  if (bytes.size() < kFileIdentitySize) return Status::Corruption(what + ": identity field is truncated");
  const uint32_t n = DecodeFixed32(bytes.data());
  if (n > kMaxIdBytes)
    return Status::Corruption(what + ": identity field has a collection id of " + std::to_string(n) + " bytes");
  FileIdentity id;
  id.collection_id.assign(bytes.data() + 4, n);
  id.generation = static_cast<int64_t>(DecodeFixed64(bytes.data() + 68));
  return id;
}

std::string DescribeFileIdentity(const FileIdentity& id) {
  return "collection " + id.collection_id + " generation " + std::to_string(id.generation);
}

Status CheckFileIdentity(const FileIdentity& stored, const FileIdentity& expected, const std::string& what) {
  if (!stored.known() || !expected.known() || stored == expected) return Status::Ok();
  return Status::Corruption(what + " belongs to " + DescribeFileIdentity(stored) + ", not to " +
                            DescribeFileIdentity(expected) +
                            " (a file of another collection or generation was put in its place)");
}

}  // namespace ochre
