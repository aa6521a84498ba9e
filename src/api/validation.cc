// Copyright 2026 The OchreDB Authors.
#include "api/validation.h"

#include <cmath>
#include <set>
#include <string>
#include <unordered_set>

namespace ochre::api {

namespace {

bool IsAlnum(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); }

bool LooksLikeIpv4(std::string_view s) {
  int parts = 0;
  size_t i = 0;
  while (i <= s.size()) {
    size_t j = i;
    int value = 0;
    while (j < s.size() && s[j] >= '0' && s[j] <= '9') {
      value = value * 10 + (s[j] - '0');
      if (value > 255) return false;
      ++j;
    }
    if (j == i || j - i > 3) return false;
    ++parts;
    if (j == s.size()) break;
    if (s[j] != '.') return false;
    i = j + 1;
  }
  return parts == 4;
}

std::string Quoted(std::string_view s) { return std::string(s); }

}  // namespace

Status ValidateName(std::string_view name) {
  bool ok = name.size() >= 3 && name.size() <= 512 && IsAlnum(name.front()) && IsAlnum(name.back());
  for (char c : name) ok = ok && (IsAlnum(c) || c == '.' || c == '_' || c == '-');
  ok = ok && name.find("..") == std::string_view::npos && !LooksLikeIpv4(name);
  if (ok) return Status::Ok();
  return Status::InvalidArgument(
      "Expected a name containing 3-512 characters from [a-zA-Z0-9._-], starting and ending with a character in "
      "[a-zA-Z0-9]. Got: " +
      Quoted(name));
}

Status ValidateTenantName(std::string_view name) {
  if (name.size() < 3) {
    return Status::InvalidArgument("Tenant name must be at least 3 characters long. Got: " + std::string(name));
  }
  return ValidateUtf8(name, "tenant name");
}

const char* WriteKindName(WriteKind kind) {
  switch (kind) {
    case WriteKind::kAdd:
      return "add";
    case WriteKind::kUpsert:
      return "upsert";
    case WriteKind::kUpdate:
      return "update";
  }
  return "write";
}

Status ValidateUtf8(std::string_view s, std::string_view what) {
  size_t i = 0;
  while (i < s.size()) {
    unsigned char c = s[i];
    size_t n;
    uint32_t cp;
    if (c < 0x80) {
      ++i;
      continue;
    } else if ((c & 0xe0) == 0xc0) {
      n = 1;
      cp = c & 0x1f;
    } else if ((c & 0xf0) == 0xe0) {
      n = 2;
      cp = c & 0x0f;
    } else if ((c & 0xf8) == 0xf0) {
      n = 3;
      cp = c & 0x07;
    } else {
      return Status::InvalidArgument(std::string(what) + " is not valid UTF-8 (bad byte at offset " +
                                     std::to_string(i) + ")");
    }
    if (i + n >= s.size()) {
      return Status::InvalidArgument(std::string(what) + " is not valid UTF-8 (truncated sequence at offset " +
                                     std::to_string(i) + ")");
    }
    for (size_t k = 1; k <= n; ++k) {
      unsigned char cc = s[i + k];
      if ((cc & 0xc0) != 0x80) {
        return Status::InvalidArgument(std::string(what) + " is not valid UTF-8 (bad continuation at offset " +
                                       std::to_string(i + k) + ")");
      }
      cp = (cp << 6) | (cc & 0x3f);
    }
    bool overlong = (n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000);
    if (overlong || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
      return Status::InvalidArgument(std::string(what) + " is not valid UTF-8 (invalid code point at offset " +
                                     std::to_string(i) + ")");
    }
    i += n + 1;
  }
  return Status::Ok();
}

Status ValidateMetadata(const Metadata& metadata, bool allow_null, bool is_collection) {
  if (metadata.empty()) {
    return Status::InvalidArgument(is_collection ? "Expected metadata to be a non-empty dict, got an empty dict"
                                                 : "Expected metadata to be a non-empty dict, got 0 metadata "
                                                   "attributes");
  }
  for (const auto& [key, value] : metadata) {
    if (key.empty()) return Status::InvalidArgument("Expected metadata key to be a non-empty string");
    if (key[0] == '#' || key[0] == '$') {
      return Status::InvalidArgument("Metadata key cannot start with '#' or '$': " + key);
    }
    if (!is_collection && key == "chroma:document") {
      return Status::InvalidArgument("Expected metadata to not contain the reserved key chroma:document");
    }
    OCHRE_RETURN_IF_ERROR(ValidateUtf8(key, "metadata key"));
    Status s = std::visit(
        [&](const auto& v) -> Status {
          using T = std::decay_t<decltype(v)>;
          if constexpr (std::is_same_v<T, std::monostate>) {
            if (!allow_null) {
              return Status::InvalidArgument("Expected metadata value for key '" + key +
                                             "' to be a str, int, float, bool or a list of them, got None");
            }
            return Status::Ok();
          } else if constexpr (std::is_same_v<T, double>) {
            if (!std::isfinite(v)) {
              return Status::InvalidArgument("Expected metadata value for key '" + key + "' to be a finite float");
            }
            return Status::Ok();
          } else if constexpr (std::is_same_v<T, std::string>) {
            return ValidateUtf8(v, "metadata value for key '" + key + "'");
          } else if constexpr (std::is_same_v<T, bool> || std::is_same_v<T, int64_t>) {
            return Status::Ok();
          } else if constexpr (std::is_same_v<T, SparseVector>) {
            OCHRE_RETURN_IF_ERROR(ValidateSparseVector(v));
            if (v.tokens) {
              for (const auto& t : *v.tokens)
                OCHRE_RETURN_IF_ERROR(ValidateUtf8(t, "sparse vector token for key '" + key + "'"));
            }
            return Status::Ok();
          } else {
            if (v.empty()) {
              return Status::InvalidArgument("Expected metadata list for key '" + key + "' to be non-empty");
            }
            if constexpr (std::is_same_v<T, std::vector<double>>) {
              for (double d : v) {
                if (!std::isfinite(d)) {
                  return Status::InvalidArgument("Expected metadata list for key '" + key + "' to hold finite floats");
                }
              }
            }
            if constexpr (std::is_same_v<T, std::vector<std::string>>) {
              for (const auto& e : v)
                OCHRE_RETURN_IF_ERROR(ValidateUtf8(e, "metadata list value for key '" + key + "'"));
            }
            return Status::Ok();
          }
        },
        value);
    OCHRE_RETURN_IF_ERROR(s);
  }
  return Status::Ok();
}

Status ValidateBatch(const RecordBatch& b, WriteKind kind, int64_t max_batch) {
  const size_t n = b.ids.size();
  if (n == 0) return Status::InvalidArgument("Expected IDs to be a non-empty list, got 0 IDs");
  if (int64_t(n) > max_batch) {
    return Status::InvalidArgument("Batch size of " + std::to_string(n) + " is greater than max batch size of " +
                                   std::to_string(max_batch));
  }
  // Column lengths.
  std::string unequal;
  auto check_len = [&](const char* name, size_t len) {
    if (len != n) unequal += std::string(", ") + name + ": " + std::to_string(len);
  };
  if (b.embeddings) check_len("embeddings", b.embeddings->rows());
  if (b.documents) check_len("documents", b.documents->size());
  if (b.metadatas) check_len("metadatas", b.metadatas->size());
  if (b.uris) check_len("uris", b.uris->size());
  if (!b.keep_embedding.empty()) {
    if (kind != WriteKind::kUpdate || !b.embeddings) {
      return Status::InvalidArgument("Only an update with embeddings can leave some records' embeddings unchanged");
    }
    check_len("keep_embedding", b.keep_embedding.size());
  }
  if (!unequal.empty()) {
    return Status::InvalidArgument("Unequal lengths for fields: ids: " + std::to_string(n) + unequal);
  }
  // Ids: non-empty, valid UTF-8, unique within the batch.
  std::unordered_set<std::string_view> seen;
  seen.reserve(n * 2);
  std::set<std::string> dups;
  for (const auto& id : b.ids) {
    if (id.empty()) return Status::InvalidArgument("Empty ID, ID must have at least one character");
    OCHRE_RETURN_IF_ERROR(ValidateUtf8(id, "ID"));
    if (!seen.insert(id).second) dups.insert(id);
  }
  if (!dups.empty()) {
    std::string list;
    for (const auto& d : dups) list += (list.empty() ? "" : ", ") + d;
    return Status::DuplicateId("Expected IDs to be unique, found duplicates of: " + list + " in " +
                               WriteKindName(kind));
  }
  // Embeddings: at least one dimension, finite.
  if (b.embeddings) {
    if (b.embeddings->dim() == 0) return Status::InvalidArgument("Each embedding must have at least 1 dimension");
    for (float f : b.embeddings->data()) {
      if (!std::isfinite(f)) return Status::InvalidArgument("Embeddings must not contain NaN or Infinity values");
    }
  } else if (kind != WriteKind::kUpdate) {
    if (!b.documents) {
      return Status::InvalidArgument("You must provide embeddings, or documents to embed, in " +
                                     std::string(WriteKindName(kind)));
    }
    for (size_t i = 0; i < n; ++i) {
      if (!(*b.documents)[i]) {
        return Status::InvalidArgument("Record '" + b.ids[i] +
                                       "' has neither an embedding nor a document to compute one from");
      }
    }
  }
  if (b.documents) {
    for (const auto& d : *b.documents) {
      if (d) OCHRE_RETURN_IF_ERROR(ValidateUtf8(*d, "document"));
    }
  }
  if (b.uris) {
    for (const auto& u : *b.uris) {
      if (u) OCHRE_RETURN_IF_ERROR(ValidateUtf8(*u, "uri"));
    }
  }
  if (b.metadatas) {
    for (const auto& m : *b.metadatas) {
      if (m) OCHRE_RETURN_IF_ERROR(ValidateMetadata(*m, kind != WriteKind::kAdd, false));
    }
  }
  return Status::Ok();
}

}  // namespace ochre::api
