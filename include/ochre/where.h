// Copyright 2026 The OchreDB Authors.
//
// Filters: Chroma's `where` (metadata) and `where_document` grammars as a syntax tree, and parsers
// from their JSON text (CHROMA_SPEC §3.5, §3.6). Parse errors name the operator and the path in the
// filter, e.g. `Invalid where clause at $and[1].price: operator $gt expects an int or a float, got a
// string`.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "ochre/result.h"
#include "ochre/types.h"

namespace ochre {

enum class WhereOp : uint8_t {
  kEq,
  kNe,
  kGt,
  kGte,
  kLt,
  kLte,
  kIn,           // operand: a non-empty homogeneous array
  kNin,          // operand: a non-empty homogeneous array
  kContains,     // metadata array contains the scalar; on key "#document": substring
  kNotContains,  // negation of kContains; also matches records without the key / document
  kRegex,        // only on key "#document"
  kNotRegex,     // only on key "#document"
};

// The special key under which a `where` filters the document instead of metadata.
inline constexpr std::string_view kDocumentKey = "#document";

struct WhereNode {
  enum class Kind : uint8_t { kAnd, kOr, kCompare };
  Kind kind = Kind::kCompare;
  std::vector<WhereNode> children;  // kAnd, kOr
  std::string key;                  // kCompare
  WhereOp op = WhereOp::kEq;        // kCompare
  MetadataValue operand;            // kCompare: a scalar, or an array for $in/$nin
};

enum class DocumentOp : uint8_t { kContains, kNotContains, kRegex, kNotRegex };

struct WhereDocumentNode {
  enum class Kind : uint8_t { kAnd, kOr, kLeaf };
  Kind kind = Kind::kLeaf;
  std::vector<WhereDocumentNode> children;  // kAnd, kOr
  DocumentOp op = DocumentOp::kContains;    // kLeaf
  std::string pattern;                      // kLeaf
};

// Parse Chroma's JSON filters. Fail with InvalidArgument saying what is wrong and where.
Result<WhereNode> ParseWhere(std::string_view json);
Result<WhereDocumentNode> ParseWhereDocument(std::string_view json);

// Render back to Chroma's JSON (used by front ends and in messages).
std::string WhereToJson(const WhereNode& where);
std::string WhereDocumentToJson(const WhereDocumentNode& where_document);

}  // namespace ochre
