// Copyright 2026 The OchreDB Authors.
//
// `ochre verify --json`'s report, in one place for the command and for Python's `ochredb.verify`
// (both return the same object, so a field added here reaches both).
#pragma once

#include <nlohmann/json.hpp>

#include "ochre/verify.h"

namespace ochre::interop {

// 0 clean, 1 problems, 3 warnings only.
inline int VerifyExitCode(const VerifyReport& r) { return !r.problems.empty() ? 1 : !r.warnings.empty() ? 3 : 0; }

inline nlohmann::json VerifyFindingsJson(const std::vector<VerifyFinding>& fs) {
  nlohmann::json a = nlohmann::json::array();
  for (const auto& f : fs) a.push_back({{"check", f.check}, {"collection", f.collection}, {"message", f.message}});
  return a;
}

// Per collection: the vectors file's format version, whether it has a row checksum file (and its
// version), the blocks of rows, how many were compared with a checksum, how many have none, and
// the row ranges that did not match.
inline nlohmann::json RowChecksumsJson(const std::vector<RowChecksumState>& cs) {
  nlohmann::json a = nlohmann::json::array();
  for (const auto& c : cs) {
    nlohmann::json mism = nlohmann::json::array();
    for (const auto& [first, last] : c.mismatches) mism.push_back({{"first_row", first}, {"last_row", last}});
    a.push_back({{"collection", c.collection},
                 {"vectors_file", c.vectors_file},
                 {"vectors_version", c.vectors_version},
                 {"checksum_file", c.side_file},
                 {"checksum_version", c.side_version},
                 {"blocks", c.blocks},
                 {"blocks_checked", c.checked},
                 {"blocks_without_checksum", c.without_checksum},
                 {"mismatches", mism}});
  }
  return a;
}

// The catalog's page checksums: whether its pages carry them, the reserved bytes and page size of
// its header, the pages compared and the page numbers that did not match.
inline nlohmann::json CatalogChecksumsJson(const CatalogChecksumState& c) {
  return {{"page_checksums", c.page_checksums},
          {"reserved_bytes", c.reserved_bytes},
          {"page_size", c.page_size},
          {"pages_checked", c.pages_checked},
          {"damaged_pages", c.damaged_pages}};
}

inline nlohmann::json VerifyReportJson(const VerifyReport& r) {
  const int code = VerifyExitCode(r);
  return {{"ok", code == 0},
          {"exit_code", code},
          {"path", r.path},
          {"collections", r.collections},
          {"records", r.records},
          {"records_checksummed", r.records_checksummed},
          {"records_without_checksum", r.records_without_checksum},
          {"checksums", RowChecksumsJson(r.checksums)},
          {"catalog_checksums", CatalogChecksumsJson(r.catalog_checksums)},
          {"problems", VerifyFindingsJson(r.problems)},
          {"warnings", VerifyFindingsJson(r.warnings)}};
}

inline nlohmann::json RepairReportJson(const RepairReport& r) {
  return {{"collections", r.collections},
          {"headers_upgraded", r.headers_upgraded},
          {"checksums_written", r.checksums_written},
          {"record_checksums_written", r.record_checksums_written},
          {"catalog_page_checksums_added", r.catalog_page_checksums_added}};
}

}  // namespace ochre::interop
