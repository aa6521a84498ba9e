// Copyright 2026 The OchreDB Authors.
//
// ParseWhere / ParseWhereDocument: Chroma's filter grammars (CHROMA_SPEC §3.5, §3.6, after
// rust/types/src/where_parsing.rs) from JSON text into the trees of include/ochre/where.h.
//
// The parser checks the shape (one key per level, lists under $and/$or, JSON types of operands) and
// converts operands; the operator/operand rules and the limits live in where_validate.cc and run on
// the finished tree, so trees built in C++ get exactly the same checks and messages.
#include "query/where_parser.h"

#include <cstdint>
#include <limits>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "ochre/where.h"
#include "query/where_internal.h"

namespace ochre {
namespace {

using nlohmann::json;
using query::ClauseError;
using query::JoinPath;

std::string_view JsonTypeName(const json& j) {
  switch (j.type()) {
    case json::value_t::null:
      return "null";
    case json::value_t::boolean:
      return "a bool";
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
      return "an int";
    case json::value_t::number_float:
      return "a float";
    case json::value_t::string:
      return "a string";
    case json::value_t::array:
      return j.empty() ? "an empty list" : "a list";
    case json::value_t::object:
      return j.empty() ? "an empty object" : "an object";
    default:
      return "an unsupported value";
  }
}

// A user's key or operator as a JSON string for a message, shortened.
std::string Quote(const std::string& text) {
  return json(query::Shorten(text)).dump(-1, ' ', false, json::error_handler_t::replace);
}

// nlohmann's parser is iterative, but the trees it builds are walked recursively here and a
// 100,000-deep input is cheap to send, so nesting is bounded on the raw text first. Brackets inside
// strings do not count. A filter within kMaxFilterDepth levels needs at most two brackets per level
// plus an operator object and a list.
Status CheckTextNesting(std::string_view text, bool document) {
  const int limit = 2 * query::kMaxFilterDepth + 4;
  int depth = 0;
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      if (++depth > limit) {
        return ClauseError(document, "",
                           "the filter nests deeper than " + std::to_string(query::kMaxFilterDepth) + " levels");
      }
    } else if (c == '}' || c == ']') {
      --depth;
    }
  }
  return Status::Ok();
}

Result<json> ParseJsonText(std::string_view text, bool document) {
  OCHRE_RETURN_IF_ERROR(CheckTextNesting(text, document));
  try {
    return json::parse(text.begin(), text.end());
  } catch (const json::exception& e) {
    return ClauseError(document, "", std::string("not valid JSON: ") + e.what());
  }
}

// Checks that `j` is an object with exactly one key.
Status CheckOneKey(const json& j, bool document, const std::string& path) {
  if (!j.is_object()) {
    return ClauseError(document, path, std::string("expected an object, got ") + std::string(JsonTypeName(j)));
  }
  if (j.size() != 1) {
    if (j.empty()) return ClauseError(document, path, "expected an object with exactly one key, got an empty object");
    std::string keys;
    int shown = 0;
    for (auto it = j.begin(); it != j.end(); ++it) {
      if (!keys.empty()) keys += ", ";
      if (++shown > 4) {
        keys += "...";
        break;
      }
      keys += Quote(it.key());
    }
    return ClauseError(document, path,
                       "expected an object with exactly one key, got " + std::to_string(j.size()) + " (" + keys + ")");
  }
  return Status::Ok();
}

// A JSON scalar as a MetadataValue. Integers are int64 (JSON `1`), anything with a fraction or an
// exponent is a double (`1.0`, `1e3`), as serde_json classifies them. Lists and objects are left to
// the caller.
Result<MetadataValue> ScalarFromJson(const json& j, bool document, const std::string& path, std::string_view op) {
  switch (j.type()) {
    case json::value_t::null:
      return MetadataValue(std::monostate{});
    case json::value_t::boolean:
      return MetadataValue(j.get<bool>());
    case json::value_t::number_integer:
      return MetadataValue(j.get<int64_t>());
    case json::value_t::number_unsigned: {
      uint64_t u = j.get<uint64_t>();
      if (u > uint64_t(std::numeric_limits<int64_t>::max())) {
        return ClauseError(document, path,
                           std::string(op) + " operand " + std::to_string(u) + " is outside the int64 range");
      }
      return MetadataValue(int64_t(u));
    }
    case json::value_t::number_float:
      return MetadataValue(j.get<double>());
    case json::value_t::string:
      return MetadataValue(j.get<std::string>());
    default: {
      bool range = op == "$gt" || op == "$gte" || op == "$lt" || op == "$lte";
      return ClauseError(document, path,
                         std::string(op) +
                             (range ? " expects an int or a float" : " expects a string, an int, a float or a bool") +
                             ", got " + std::string(JsonTypeName(j)));
    }
  }
}

// The operand of $in / $nin: a non-empty list whose elements all have the first one's JSON type.
// As in Chroma (serde_json's as_f64), a list that starts with a float may also hold ints.
Result<MetadataValue> ListFromJson(const json& j, const std::string& path, std::string_view op) {
  if (!j.is_array() || j.empty()) {
    return ClauseError(false, path, std::string(op) + " expects a non-empty list, got " + std::string(JsonTypeName(j)));
  }
  if (j.size() > query::kMaxInValues) {
    return ClauseError(false, path,
                       std::string(op) + " has " + std::to_string(j.size()) + " values; the limit is " +
                           std::to_string(query::kMaxInValues));
  }
  const json& first = j[0];
  auto mismatch = [&](size_t i, std::string_view want) {
    return ClauseError(false, path,
                       std::string(op) + " expects every element to be " + std::string(want) + " like the first, got " +
                           std::string(JsonTypeName(j[i])) + " at index " + std::to_string(i));
  };
  if (first.is_string()) {
    std::vector<std::string> out;
    out.reserve(j.size());
    for (size_t i = 0; i < j.size(); ++i) {
      if (!j[i].is_string()) return mismatch(i, "a string");
      out.push_back(j[i].get<std::string>());
    }
    return MetadataValue(std::move(out));
  }
  if (first.is_boolean()) {
    std::vector<bool> out;
    out.reserve(j.size());
    for (size_t i = 0; i < j.size(); ++i) {
      if (!j[i].is_boolean()) return mismatch(i, "a bool");
      out.push_back(j[i].get<bool>());
    }
    return MetadataValue(std::move(out));
  }
  if (first.is_number_float()) {
    std::vector<double> out;
    out.reserve(j.size());
    for (size_t i = 0; i < j.size(); ++i) {
      if (!j[i].is_number()) return mismatch(i, "a number");
      out.push_back(j[i].get<double>());
    }
    return MetadataValue(std::move(out));
  }
  if (first.is_number_integer()) {  // true for number_unsigned too
    std::vector<int64_t> out;
    out.reserve(j.size());
    for (size_t i = 0; i < j.size(); ++i) {
      if (!j[i].is_number_integer()) return mismatch(i, "an int");
      OCHRE_ASSIGN_OR_RETURN(MetadataValue v, ScalarFromJson(j[i], false, path, op));
      out.push_back(std::get<int64_t>(v));
    }
    return MetadataValue(std::move(out));
  }
  return ClauseError(false, path,
                     std::string(op) + " expects a list of strings, ints, floats or bools, got a list starting with " +
                         std::string(JsonTypeName(first)));
}

class WhereParser {
 public:
  Result<WhereNode> Parse(const json& j, const std::string& path, int depth) {
    if (depth > query::kMaxFilterDepth) {
      return ClauseError(false, path,
                         "the filter nests deeper than " + std::to_string(query::kMaxFilterDepth) + " levels");
    }
    if (++nodes_ > query::kMaxFilterNodes) {
      return ClauseError(false, "", "the filter has more than " + std::to_string(query::kMaxFilterNodes) + " nodes");
    }
    OCHRE_RETURN_IF_ERROR(CheckOneKey(j, false, path));
    const std::string& key = j.begin().key();
    const json& value = j.begin().value();
    WhereNode node;
    if (key == "$and" || key == "$or") {
      node.kind = key == "$and" ? WhereNode::Kind::kAnd : WhereNode::Kind::kOr;
      std::string here = JoinPath(path, key);
      if (!value.is_array()) {
        return ClauseError(false, here, key + " expects a list of filters, got " + std::string(JsonTypeName(value)));
      }
      node.children.reserve(value.size());
      for (size_t i = 0; i < value.size(); ++i) {
        OCHRE_ASSIGN_OR_RETURN(WhereNode child, Parse(value[i], here + "[" + std::to_string(i) + "]", depth + 1));
        node.children.push_back(std::move(child));
      }
      return node;
    }
    std::string here = JoinPath(path, key);
    if (!key.empty() && key[0] == '$') {
      return ClauseError(false, here,
                         "unknown operator " + query::Shorten(key) + " (expected $and, $or or a metadata key)");
    }
    node.kind = WhereNode::Kind::kCompare;
    node.key = key;
    if (!value.is_object()) {
      // A bare literal is short for $eq.
      if (value.is_array() || value.is_null()) {
        return ClauseError(false, here,
                           "expected a string, an int, a float, a bool or an operator object, got " +
                               std::string(JsonTypeName(value)));
      }
      node.op = WhereOp::kEq;
      OCHRE_ASSIGN_OR_RETURN(node.operand, ScalarFromJson(value, false, here, "$eq"));
      OCHRE_RETURN_IF_ERROR(query::CheckCompare(node, here));
      return node;
    }
    if (value.size() != 1) {
      return ClauseError(false, here,
                         "an operator object must have exactly one key, got " +
                             (value.empty() ? std::string("an empty object") : std::to_string(value.size())));
    }
    const std::string& op_name = value.begin().key();
    const json& operand = value.begin().value();
    std::optional<WhereOp> op = query::WhereOpFromName(op_name);
    if (!op) {
      return ClauseError(false, here, "unknown operator " + Quote(op_name));
    }
    node.op = *op;
    if (node.op == WhereOp::kIn || node.op == WhereOp::kNin) {
      OCHRE_ASSIGN_OR_RETURN(node.operand, ListFromJson(operand, here, op_name));
    } else {
      OCHRE_ASSIGN_OR_RETURN(node.operand, ScalarFromJson(operand, false, here, op_name));
    }
    OCHRE_RETURN_IF_ERROR(query::CheckCompare(node, here));
    return node;
  }

 private:
  size_t nodes_ = 0;
};

class WhereDocumentParser {
 public:
  Result<WhereDocumentNode> Parse(const json& j, const std::string& path, int depth) {
    if (depth > query::kMaxFilterDepth) {
      return ClauseError(true, path,
                         "the filter nests deeper than " + std::to_string(query::kMaxFilterDepth) + " levels");
    }
    if (++nodes_ > query::kMaxFilterNodes) {
      return ClauseError(true, "", "the filter has more than " + std::to_string(query::kMaxFilterNodes) + " nodes");
    }
    OCHRE_RETURN_IF_ERROR(CheckOneKey(j, true, path));
    const std::string& key = j.begin().key();
    const json& value = j.begin().value();
    WhereDocumentNode node;
    if (key == "$and" || key == "$or") {
      node.kind = key == "$and" ? WhereDocumentNode::Kind::kAnd : WhereDocumentNode::Kind::kOr;
      std::string here = JoinPath(path, key);
      if (!value.is_array()) {
        return ClauseError(true, here, key + " expects a list of filters, got " + std::string(JsonTypeName(value)));
      }
      node.children.reserve(value.size());
      for (size_t i = 0; i < value.size(); ++i) {
        OCHRE_ASSIGN_OR_RETURN(WhereDocumentNode child,
                               Parse(value[i], here + "[" + std::to_string(i) + "]", depth + 1));
        node.children.push_back(std::move(child));
      }
      return node;
    }
    std::optional<DocumentOp> op = query::DocumentOpFromName(key);
    if (!op) {
      return ClauseError(
          true, path,
          "unknown operator " + Quote(key) + " (expected $contains, $not_contains, $regex, $not_regex, $and or $or)");
    }
    if (!value.is_string()) {
      return ClauseError(true, path, key + " expects a string, got " + std::string(JsonTypeName(value)));
    }
    node.kind = WhereDocumentNode::Kind::kLeaf;
    node.op = *op;
    node.pattern = value.get<std::string>();
    OCHRE_RETURN_IF_ERROR(query::CheckDocumentPattern(true, path, node.op, node.pattern));
    return node;
  }

 private:
  size_t nodes_ = 0;
};

}  // namespace

Result<WhereNode> ParseWhere(std::string_view text) {
  OCHRE_ASSIGN_OR_RETURN(json j, ParseJsonText(text, false));
  return WhereParser().Parse(j, "", 1);
}

Result<WhereDocumentNode> ParseWhereDocument(std::string_view text) {
  OCHRE_ASSIGN_OR_RETURN(json j, ParseJsonText(text, true));
  return WhereDocumentParser().Parse(j, "", 1);
}

}  // namespace ochre
