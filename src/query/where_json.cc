// Copyright 2026 The OchreDB Authors.
//
// WhereToJson / WhereDocumentToJson: trees back to Chroma's JSON. Every comparison is written in
// the explicit operator form ({"price": {"$gt": 1}}), never the literal shorthand, and floats keep a
// fraction or exponent ("1.0"), so ParseWhere(WhereToJson(w)) gives back w.
#include <nlohmann/json.hpp>
#include <string>
#include <variant>

#include "ochre/where.h"
#include "query/where_parser.h"

namespace ochre {
namespace {

using nlohmann::json;

json ValueToJson(const MetadataValue& value) {
  return std::visit(
      [](const auto& v) -> json {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, std::monostate>) {
          return json(nullptr);
        } else if constexpr (std::is_same_v<T, SparseVector>) {
          json out = {{"#type", "sparse_vector"}, {"indices", v.indices}, {"values", v.values}};
          if (v.tokens) out["tokens"] = *v.tokens;
          return out;
        } else if constexpr (std::is_same_v<T, std::vector<bool>>) {
          json out = json::array();
          for (bool b : v) out.push_back(b);
          return out;
        } else {
          return json(v);
        }
      },
      value);
}

json WhereNodeToJson(const WhereNode& node) {
  if (node.kind == WhereNode::Kind::kCompare) {
    json op = json::object();
    op[std::string(query::WhereOpName(node.op))] = ValueToJson(node.operand);
    json out = json::object();
    out[node.key] = std::move(op);
    return out;
  }
  json children = json::array();
  for (const WhereNode& child : node.children) children.push_back(WhereNodeToJson(child));
  json out = json::object();
  out[node.kind == WhereNode::Kind::kAnd ? "$and" : "$or"] = std::move(children);
  return out;
}

json WhereDocumentNodeToJson(const WhereDocumentNode& node) {
  json out = json::object();
  if (node.kind == WhereDocumentNode::Kind::kLeaf) {
    out[std::string(query::DocumentOpName(node.op))] = node.pattern;
    return out;
  }
  json children = json::array();
  for (const WhereDocumentNode& child : node.children) children.push_back(WhereDocumentNodeToJson(child));
  out[node.kind == WhereDocumentNode::Kind::kAnd ? "$and" : "$or"] = std::move(children);
  return out;
}

// Strings that are not valid UTF-8 cannot be written as JSON; they come out with U+FFFD in their
// place rather than failing, since this output is for messages and front ends.
std::string Dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

}  // namespace

std::string WhereToJson(const WhereNode& where) { return Dump(WhereNodeToJson(where)); }

std::string WhereDocumentToJson(const WhereDocumentNode& where_document) {
  return Dump(WhereDocumentNodeToJson(where_document));
}

}  // namespace ochre
