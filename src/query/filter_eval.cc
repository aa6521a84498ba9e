// Copyright 2026 The OchreDB Authors.
#include "query/filter_eval.h"

#include <cmath>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <variant>

#include "query/regex_util.h"
#include "query/where_parser.h"

namespace ochre::query {

int CompareIntDouble(int64_t a, double b) {
  // 2^63 as a double; every double at or above it exceeds every int64, every double below -2^63
  // is below every int64. In between, the double's integer part fits an int64 exactly.
  constexpr double kTwo63 = 9223372036854775808.0;
  if (b >= kTwo63) return -1;
  if (b < -kTwo63) return 1;
  double whole = std::trunc(b);
  int64_t w = static_cast<int64_t>(whole);
  if (a < w) return -1;
  if (a > w) return 1;
  double frac = b - whole;  // exact
  if (frac > 0) return -1;
  if (frac < 0) return 1;
  return 0;
}

namespace {

// Three-way numeric comparison of two numbers of either type.
int CompareNumbers(const MetadataValue& a, const MetadataValue& b) {
  if (const int64_t* ai = std::get_if<int64_t>(&a)) {
    if (const int64_t* bi = std::get_if<int64_t>(&b)) return *ai < *bi ? -1 : (*ai > *bi ? 1 : 0);
    return CompareIntDouble(*ai, std::get<double>(b));
  }
  double ad = std::get<double>(a);
  if (const int64_t* bi = std::get_if<int64_t>(&b)) return -CompareIntDouble(*bi, ad);
  double bd = std::get<double>(b);
  return ad < bd ? -1 : (ad > bd ? 1 : 0);
}

bool IsNumber(const MetadataValue& v) {
  return std::holds_alternative<int64_t>(v) || std::holds_alternative<double>(v);
}

// Equality of two scalars under the cross-type rules above.
bool ScalarEquals(const MetadataValue& stored, const MetadataValue& operand) {
  if (IsNumber(stored) && IsNumber(operand)) return CompareNumbers(stored, operand) == 0;
  if (std::holds_alternative<bool>(stored) && std::holds_alternative<bool>(operand)) {
    return std::get<bool>(stored) == std::get<bool>(operand);
  }
  if (std::holds_alternative<std::string>(stored) && std::holds_alternative<std::string>(operand)) {
    return std::get<std::string>(stored) == std::get<std::string>(operand);
  }
  return false;
}

bool IsScalar(const MetadataValue& v) { return v.index() >= 1 && v.index() <= 4; }

// Calls f(element as a MetadataValue) for each element of an array value; returns true as soon as
// f does. Scalars and null have no elements.
template <typename F>
bool AnyElement(const MetadataValue& v, F&& f) {
  return std::visit(
      [&](const auto& x) -> bool {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, std::vector<bool>> || std::is_same_v<T, std::vector<int64_t>> ||
                      std::is_same_v<T, std::vector<double>> || std::is_same_v<T, std::vector<std::string>>) {
          for (const auto& e : x) {
            if (f(MetadataValue(typename T::value_type(e)))) return true;
          }
        }
        return false;
      },
      v);
}

// Compiled patterns, so that evaluating one filter over many records compiles each pattern once.
// Bounded: cleared when it grows past a few hundred patterns.
const RE2* CachedRegex(const std::string& pattern) {
  static std::mutex mu;
  static auto* cache = new std::unordered_map<std::string, std::shared_ptr<const RE2>>();
  std::lock_guard<std::mutex> lock(mu);
  auto it = cache->find(pattern);
  if (it != cache->end()) return it->second.get();
  if (cache->size() >= 512) cache->clear();
  std::string error;
  std::shared_ptr<const RE2> re = CompileRegex(pattern, &error);
  return cache->emplace(pattern, std::move(re)).first->second.get();
}

bool DocumentMatches(DocumentOp op, const std::string& pattern, const std::optional<std::string>& document) {
  switch (op) {
    case DocumentOp::kContains:
      return document.has_value() && document->find(pattern) != std::string::npos;
    case DocumentOp::kNotContains:
      return !DocumentMatches(DocumentOp::kContains, pattern, document);
    case DocumentOp::kRegex: {
      if (!document.has_value()) return false;
      const RE2* re = CachedRegex(pattern);
      return re != nullptr && RegexSearch(*re, *document);
    }
    case DocumentOp::kNotRegex:
      return !DocumentMatches(DocumentOp::kRegex, pattern, document);
  }
  return false;
}

bool CompareMatches(const WhereNode& node, const std::optional<Metadata>& metadata,
                    const std::optional<std::string>& document) {
  if (IsDocumentCompare(node)) {
    const std::string& pattern = std::get<std::string>(node.operand);
    switch (node.op) {
      case WhereOp::kContains:
        return DocumentMatches(DocumentOp::kContains, pattern, document);
      case WhereOp::kNotContains:
        return DocumentMatches(DocumentOp::kNotContains, pattern, document);
      case WhereOp::kRegex:
        return DocumentMatches(DocumentOp::kRegex, pattern, document);
      case WhereOp::kNotRegex:
        return DocumentMatches(DocumentOp::kNotRegex, pattern, document);
      default:
        return false;
    }
  }
  static const MetadataValue kAbsent;
  const MetadataValue* stored = &kAbsent;
  if (metadata.has_value()) {
    auto it = metadata->find(node.key);
    if (it != metadata->end()) stored = &it->second;
  }
  const MetadataValue& operand = node.operand;
  switch (node.op) {
    case WhereOp::kEq:
      return IsScalar(*stored) && ScalarEquals(*stored, operand);
    case WhereOp::kNe:
      return !(IsScalar(*stored) && ScalarEquals(*stored, operand));
    case WhereOp::kGt:
      return IsNumber(*stored) && CompareNumbers(*stored, operand) > 0;
    case WhereOp::kGte:
      return IsNumber(*stored) && CompareNumbers(*stored, operand) >= 0;
    case WhereOp::kLt:
      return IsNumber(*stored) && CompareNumbers(*stored, operand) < 0;
    case WhereOp::kLte:
      return IsNumber(*stored) && CompareNumbers(*stored, operand) <= 0;
    case WhereOp::kIn:
    case WhereOp::kNin: {
      bool in =
          IsScalar(*stored) && AnyElement(operand, [&](const MetadataValue& e) { return ScalarEquals(*stored, e); });
      return node.op == WhereOp::kIn ? in : !in;
    }
    case WhereOp::kContains:
    case WhereOp::kNotContains: {
      bool contains = AnyElement(*stored, [&](const MetadataValue& e) { return ScalarEquals(e, operand); });
      return node.op == WhereOp::kContains ? contains : !contains;
    }
    case WhereOp::kRegex:
    case WhereOp::kNotRegex:
      return false;  // only on #document, which the validator enforces
  }
  return false;
}

}  // namespace

bool Matches(const WhereNode& where, const std::optional<Metadata>& metadata,
             const std::optional<std::string>& document) {
  switch (where.kind) {
    case WhereNode::Kind::kAnd:
      for (const WhereNode& child : where.children) {
        if (!Matches(child, metadata, document)) return false;
      }
      return true;  // an empty $and matches everything
    case WhereNode::Kind::kOr:
      for (const WhereNode& child : where.children) {
        if (Matches(child, metadata, document)) return true;
      }
      return false;  // an empty $or matches nothing
    case WhereNode::Kind::kCompare:
      return CompareMatches(where, metadata, document);
  }
  return false;
}

bool Matches(const WhereDocumentNode& where_document, const std::optional<std::string>& document) {
  switch (where_document.kind) {
    case WhereDocumentNode::Kind::kAnd:
      for (const WhereDocumentNode& child : where_document.children) {
        if (!Matches(child, document)) return false;
      }
      return true;
    case WhereDocumentNode::Kind::kOr:
      for (const WhereDocumentNode& child : where_document.children) {
        if (Matches(child, document)) return true;
      }
      return false;
    case WhereDocumentNode::Kind::kLeaf:
      return DocumentMatches(where_document.op, where_document.pattern, document);
  }
  return false;
}

}  // namespace ochre::query
