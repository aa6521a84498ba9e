// Copyright 2026 The OchreDB Authors.
//
// The operator/operand rules of Chroma's filters (CHROMA_SPEC §3.5, §3.6) and the limits of
// RELIABILITY.md F17, applied to finished trees: by the parser as it builds them, and by
// ValidateWhere / ValidateWhereDocument for trees built in C++.
#include <cmath>
#include <string>
#include <variant>

#include "query/regex_util.h"
#include "query/where_internal.h"
#include "query/where_parser.h"

namespace ochre::query {

Status ClauseError(bool document, const std::string& path, const std::string& what) {
  std::string msg = document ? "Invalid where document clause" : "Invalid where clause";
  if (!path.empty()) msg += " at " + path;
  msg += ": ";
  msg += what;
  return Status::InvalidArgument(std::move(msg));
}

std::string Shorten(std::string_view text) {
  constexpr size_t kMax = 64;
  if (text.size() <= kMax) return std::string(text);
  size_t cut = kMax;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;  // keep whole UTF-8 chars
  return std::string(text.substr(0, cut)) + "...";
}

std::string JoinPath(const std::string& path, std::string_view key) {
  if (path.empty()) return Shorten(key);
  return path + "." + Shorten(key);
}

std::string_view WhereOpName(WhereOp op) {
  switch (op) {
    case WhereOp::kEq:
      return "$eq";
    case WhereOp::kNe:
      return "$ne";
    case WhereOp::kGt:
      return "$gt";
    case WhereOp::kGte:
      return "$gte";
    case WhereOp::kLt:
      return "$lt";
    case WhereOp::kLte:
      return "$lte";
    case WhereOp::kIn:
      return "$in";
    case WhereOp::kNin:
      return "$nin";
    case WhereOp::kContains:
      return "$contains";
    case WhereOp::kNotContains:
      return "$not_contains";
    case WhereOp::kRegex:
      return "$regex";
    case WhereOp::kNotRegex:
      return "$not_regex";
  }
  return "$unknown";
}

std::string_view DocumentOpName(DocumentOp op) {
  switch (op) {
    case DocumentOp::kContains:
      return "$contains";
    case DocumentOp::kNotContains:
      return "$not_contains";
    case DocumentOp::kRegex:
      return "$regex";
    case DocumentOp::kNotRegex:
      return "$not_regex";
  }
  return "$unknown";
}

std::optional<WhereOp> WhereOpFromName(std::string_view name) {
  for (WhereOp op : {WhereOp::kEq, WhereOp::kNe, WhereOp::kGt, WhereOp::kGte, WhereOp::kLt, WhereOp::kLte, WhereOp::kIn,
                     WhereOp::kNin, WhereOp::kContains, WhereOp::kNotContains, WhereOp::kRegex, WhereOp::kNotRegex}) {
    if (WhereOpName(op) == name) return op;
  }
  return std::nullopt;
}

std::optional<DocumentOp> DocumentOpFromName(std::string_view name) {
  for (DocumentOp op : {DocumentOp::kContains, DocumentOp::kNotContains, DocumentOp::kRegex, DocumentOp::kNotRegex}) {
    if (DocumentOpName(op) == name) return op;
  }
  return std::nullopt;
}

std::string_view ValueTypeName(const MetadataValue& value) {
  switch (value.index()) {
    case 0:
      return "null";
    case 1:
      return "a bool";
    case 2:
      return "an int";
    case 3:
      return "a float";
    case 4:
      return "a string";
    case 9:
      return "a sparse vector";
    default:
      return "a list";
  }
}

namespace {

bool IsScalar(const MetadataValue& v) {
  return std::holds_alternative<bool>(v) || std::holds_alternative<int64_t>(v) || std::holds_alternative<double>(v) ||
         std::holds_alternative<std::string>(v);
}

bool IsNumber(const MetadataValue& v) {
  return std::holds_alternative<int64_t>(v) || std::holds_alternative<double>(v);
}

// JSON has no NaN or infinity; a tree built in C++ might, and SQLite would bind NaN as NULL.
bool HasNonFinite(const MetadataValue& v) {
  if (const double* d = std::get_if<double>(&v)) return !std::isfinite(*d);
  if (const auto* ds = std::get_if<std::vector<double>>(&v)) {
    for (double d : *ds) {
      if (!std::isfinite(d)) return true;
    }
  }
  return false;
}

size_t ListSize(const MetadataValue& v) {
  return std::visit(
      [](const auto& x) -> size_t {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, std::vector<bool>> || std::is_same_v<T, std::vector<int64_t>> ||
                      std::is_same_v<T, std::vector<double>> || std::is_same_v<T, std::vector<std::string>>) {
          return x.size();
        } else {
          return 0;
        }
      },
      v);
}

DocumentOp ToDocumentOp(WhereOp op) {
  switch (op) {
    case WhereOp::kNotContains:
      return DocumentOp::kNotContains;
    case WhereOp::kRegex:
      return DocumentOp::kRegex;
    case WhereOp::kNotRegex:
      return DocumentOp::kNotRegex;
    default:
      return DocumentOp::kContains;
  }
}

}  // namespace

Status CheckDocumentPattern(bool document, const std::string& path, DocumentOp op, const std::string& pattern) {
  if (op != DocumentOp::kRegex && op != DocumentOp::kNotRegex) return Status::Ok();
  std::string name(DocumentOpName(op));
  if (pattern.size() > kMaxRegexPatternBytes) {
    return ClauseError(document, path,
                       name + " pattern is " + std::to_string(pattern.size()) + " bytes; the limit is " +
                           std::to_string(kMaxRegexPatternBytes));
  }
  std::string error;
  if (CompileRegex(pattern, &error) == nullptr) {
    return ClauseError(document, path, name + " pattern does not compile: " + error);
  }
  return Status::Ok();
}

Status CheckCompare(const WhereNode& node, const std::string& path) {
  std::string name(WhereOpName(node.op));
  auto got = [&] { return std::string(ValueTypeName(node.operand)); };
  if (!node.key.empty() && node.key[0] == '$') {
    return ClauseError(false, path,
                       "unknown operator " + Shorten(node.key) + " (expected $and, $or or a metadata key)");
  }
  if (IsDocumentCompare(node)) {
    const std::string* pattern = std::get_if<std::string>(&node.operand);
    if (pattern == nullptr) return ClauseError(false, path, name + " on #document expects a string, got " + got());
    return CheckDocumentPattern(false, path, ToDocumentOp(node.op), *pattern);
  }
  switch (node.op) {
    case WhereOp::kRegex:
    case WhereOp::kNotRegex:
      return ClauseError(false, path, name + " applies only to #document");
    case WhereOp::kEq:
    case WhereOp::kNe:
    case WhereOp::kContains:
    case WhereOp::kNotContains:
      if (!IsScalar(node.operand)) {
        return ClauseError(false, path, name + " expects a string, an int, a float or a bool, got " + got());
      }
      break;
    case WhereOp::kGt:
    case WhereOp::kGte:
    case WhereOp::kLt:
    case WhereOp::kLte:
      if (!IsNumber(node.operand)) return ClauseError(false, path, name + " expects an int or a float, got " + got());
      break;
    case WhereOp::kIn:
    case WhereOp::kNin: {
      size_t n = ListSize(node.operand);
      if (n == 0) {
        return ClauseError(false, path,
                           name + " expects a non-empty list, got " +
                               (IsScalar(node.operand) || node.operand.index() == 0 || node.operand.index() == 9
                                    ? got()
                                    : std::string("an empty list")));
      }
      if (n > kMaxInValues) {
        return ClauseError(
            false, path, name + " has " + std::to_string(n) + " values; the limit is " + std::to_string(kMaxInValues));
      }
      break;
    }
  }
  if (HasNonFinite(node.operand)) return ClauseError(false, path, name + " expects finite numbers");
  return Status::Ok();
}

namespace {

Status ValidateWhereAt(const WhereNode& node, const std::string& path, int depth, size_t* nodes) {
  if (depth > kMaxFilterDepth) {
    return ClauseError(false, path, "the filter nests deeper than " + std::to_string(kMaxFilterDepth) + " levels");
  }
  if (++*nodes > kMaxFilterNodes) {
    return ClauseError(false, "", "the filter has more than " + std::to_string(kMaxFilterNodes) + " nodes");
  }
  if (node.kind == WhereNode::Kind::kCompare) return CheckCompare(node, JoinPath(path, node.key));
  std::string here = JoinPath(path, node.kind == WhereNode::Kind::kAnd ? "$and" : "$or");
  for (size_t i = 0; i < node.children.size(); ++i) {
    OCHRE_RETURN_IF_ERROR(ValidateWhereAt(node.children[i], here + "[" + std::to_string(i) + "]", depth + 1, nodes));
  }
  return Status::Ok();
}

Status ValidateWhereDocumentAt(const WhereDocumentNode& node, const std::string& path, int depth, size_t* nodes) {
  if (depth > kMaxFilterDepth) {
    return ClauseError(true, path, "the filter nests deeper than " + std::to_string(kMaxFilterDepth) + " levels");
  }
  if (++*nodes > kMaxFilterNodes) {
    return ClauseError(true, "", "the filter has more than " + std::to_string(kMaxFilterNodes) + " nodes");
  }
  if (node.kind == WhereDocumentNode::Kind::kLeaf) return CheckDocumentPattern(true, path, node.op, node.pattern);
  std::string here = JoinPath(path, node.kind == WhereDocumentNode::Kind::kAnd ? "$and" : "$or");
  for (size_t i = 0; i < node.children.size(); ++i) {
    OCHRE_RETURN_IF_ERROR(
        ValidateWhereDocumentAt(node.children[i], here + "[" + std::to_string(i) + "]", depth + 1, nodes));
  }
  return Status::Ok();
}

}  // namespace

Status ValidateWhere(const WhereNode& where) {
  size_t nodes = 0;
  return ValidateWhereAt(where, "", 1, &nodes);
}

Status ValidateWhereDocument(const WhereDocumentNode& where_document) {
  size_t nodes = 0;
  return ValidateWhereDocumentAt(where_document, "", 1, &nodes);
}

}  // namespace ochre::query
