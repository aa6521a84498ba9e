// Copyright 2026 The OchreDB Authors.
//
// Internals of the filter parsers whose public entry points are in include/ochre/where.h
// (ParseWhere, ParseWhereDocument, WhereToJson, WhereDocumentToJson): the limits that keep a hostile
// filter cheap (RELIABILITY.md F17), operator names, and validation of trees that were built in C++
// rather than parsed, so that every tree reaching the evaluator or the SQL compiler obeys the same
// rules as a parsed one.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "ochre/status.h"
#include "ochre/where.h"

namespace ochre::query {

// RELIABILITY.md F17. A filter deeper, larger or with longer lists than this is refused with
// InvalidArgument before any work is done on it.
inline constexpr int kMaxFilterDepth = 32;       // nesting levels of objects, the top one is 1
inline constexpr size_t kMaxFilterNodes = 1000;  // WhereNode / WhereDocumentNode count
inline constexpr size_t kMaxInValues = 10000;    // elements of one $in / $nin list
inline constexpr size_t kMaxRegexPatternBytes = 4096;

// "$eq", "$not_contains", ...
std::string_view WhereOpName(WhereOp op);
std::string_view DocumentOpName(DocumentOp op);

// True for a comparison that tests the document: $contains, $not_contains, $regex or $not_regex on
// the key "#document". Any other operator on "#document" is, as in Chroma, an ordinary metadata
// comparison on a key of that name (which metadata cannot have, as keys may not start with '#').
inline bool IsDocumentCompare(const WhereNode& node) {
  return node.kind == WhereNode::Kind::kCompare && node.key == kDocumentKey &&
         (node.op == WhereOp::kContains || node.op == WhereOp::kNotContains || node.op == WhereOp::kRegex ||
          node.op == WhereOp::kNotRegex);
}

// Checks a tree against the grammar and the limits: the rules ParseWhere applies, for trees built
// in C++. Returns InvalidArgument with the same messages as the parser ("Invalid where clause at
// $and[1].price: ...").
Status ValidateWhere(const WhereNode& where);
Status ValidateWhereDocument(const WhereDocumentNode& where_document);

}  // namespace ochre::query
