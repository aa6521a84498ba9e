// Copyright 2026 The OchreDB Authors.
//
// Helpers shared by the filter parser, the validator and the JSON writer (src/query only).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "ochre/status.h"
#include "ochre/where.h"

namespace ochre::query {

// InvalidArgument "Invalid where clause at <path>: <what>" (or "Invalid where document clause ...";
// Chroma's texts up to the colon). An empty path names the whole filter: "Invalid where clause: ...".
Status ClauseError(bool document, const std::string& path, const std::string& what);

// Keys and operators come from the user and may be long; messages show at most 64 bytes of each.
std::string Shorten(std::string_view text);

// "a.b" style paths: JoinPath("$and[1]", "price") == "$and[1].price"; JoinPath("", "x") == "x".
// Long keys are shortened.
std::string JoinPath(const std::string& path, std::string_view key);

std::optional<WhereOp> WhereOpFromName(std::string_view name);
std::optional<DocumentOp> DocumentOpFromName(std::string_view name);

// "a string", "an int", "a float", "a bool", "a list", "null".
std::string_view ValueTypeName(const MetadataValue& value);

// Operator/operand rules of one comparison (CHROMA_SPEC §3.5); `path` names the field.
Status CheckCompare(const WhereNode& node, const std::string& path);

// Rules of a document pattern: a $regex / $not_regex pattern must compile with RE2 and be at most
// kMaxRegexPatternBytes long.
Status CheckDocumentPattern(bool document, const std::string& path, DocumentOp op, const std::string& pattern);

}  // namespace ochre::query
