// Copyright 2026 The OchreDB Authors.
//
// The reference evaluation of filters on one record in memory (CHROMA_SPEC §3.5, §3.6). It is the
// oracle the SQL compilation (filter_sql.h) is tested against, and serves records that are not in
// SQLite. It is written for obviousness, not speed.
//
// Semantics, as Chroma's SQLite metadata segment has them:
//   - $eq, $in, $gt, $gte, $lt, $lte, $contains and $regex need the key (or the document) to be
//     present; $ne, $nin, $not_contains and $not_regex are their exact negations, so they also match
//     records without the key or without a document.
//   - Ints and floats compare by numeric value across types (2 == 2.0); bools equal only bools;
//     strings equal only strings, bytewise. Range operators take numbers only and never match a
//     string or a bool.
//   - An array-valued key answers only $contains / $not_contains (array contains the scalar); a
//     scalar-valued key never "contains" anything.
//   - On the key "#document", $contains is a case-sensitive substring test and $regex an RE2
//     search anywhere in the document.
#pragma once

#include <optional>
#include <string>

#include "ochre/types.h"
#include "ochre/where.h"

namespace ochre::query {

// REQUIRES: the filter is valid (parsed, or ValidateWhere / ValidateWhereDocument returned ok).
// A null entry (std::monostate) in `metadata` counts as an absent key.
bool Matches(const WhereNode& where, const std::optional<Metadata>& metadata,
             const std::optional<std::string>& document);
bool Matches(const WhereDocumentNode& where_document, const std::optional<std::string>& document);

// Exact comparison of an int with a double, as SQLite does it (no rounding of the int to a double):
// negative, zero or positive as a < b, a == b, a > b. REQUIRES: b is not NaN.
int CompareIntDouble(int64_t a, double b);

}  // namespace ochre::query
