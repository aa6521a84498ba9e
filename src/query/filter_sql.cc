// Copyright 2026 The OchreDB Authors.
#include "query/filter_sql.h"

#include <algorithm>
#include <iterator>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <variant>

#include "query/where_parser.h"
#include "storage/schema.h"

namespace ochre::query {
namespace {

// Lists up to this size bind one host parameter per value; longer ones bind a single JSON array
// read with json_each, so a 10,000-value $in costs one parameter (RELIABILITY.md F17).
constexpr size_t kMaxInlineInValues = 16;

// SQLite 3.40 allows 32766 parameters per statement; leave the caller room for its own.
constexpr size_t kMaxSqlParams = 32000;

// Probes hung on one driving predicate: each is an AND in one expression tree, which SQLite limits to
// a depth of 1000; the rest stay members of the INTERSECT / EXCEPT chain.
constexpr size_t kMaxProbes = 64;

// Terms per compound SELECT, well below SQLite's SQLITE_MAX_COMPOUND_SELECT (500).
constexpr size_t kMaxChainTerms = 100;

// A set of rids as SQL. `compound` marks an INTERSECT/UNION/EXCEPT chain, which must be wrapped
// before it can be a member of another chain: SQLite's compound operators share one precedence and
// associate to the left, and members cannot be parenthesized. Wrapped chains become named common
// table expressions (WITH f0 AS (...), f1 AS (...)) rather than nested subqueries, because SQLite
// 3.40's parser stack (100 entries) overflows on a filter nested 32 levels deep.
struct RidSet {
  std::string sql;
  std::vector<SqlParam> params;
  bool compound = false;
  // For a metadata predicate, sql is "SELECT rid FROM <table> WHERE <cond>". Inside an $and such a
  // predicate can instead be probed per candidate row (EXISTS on the table's (rid, key) key), and
  // `rank` orders the predicates by how few rows they are likely to select (1: $eq, 2: $in,
  // 3: $contains, 4: a range). 0: not a metadata predicate.
  std::string table;
  std::string cond;
  int rank = 0;
};

// A leaf condition ("cid = 1 AND key = ? AND v > ? AND ...") for a per-row probe. The unary + keeps
// cid and v from being used for index lookups, so the probe can only use the (rid, key) index and
// never scans a value range once per driver row, whatever the planner's statistics say.
std::string ProbeCondition(const std::string& cond) {
  std::string out = "+" + cond;
  for (size_t at = out.find("AND v "); at != std::string::npos; at = out.find("AND v ", at + 7)) {
    out.insert(at + 4, "+");
  }
  return out;
}

RidSet MetadataLeaf(const char* table, std::string cond, std::vector<SqlParam> params, int rank) {
  RidSet out;
  out.sql = std::string("SELECT rid FROM ") + table + " WHERE " + cond;
  out.params = std::move(params);
  out.table = table;
  out.cond = std::move(cond);
  out.rank = rank;
  return out;
}

// The t codes of storage/schema.h that a scalar operand can be equal to.
std::string TypeCondition(const MetadataValue& operand) {
  if (std::holds_alternative<bool>(operand)) return "t = " + std::to_string(storage::kTypeBool);
  if (std::holds_alternative<std::string>(operand)) return "t = " + std::to_string(storage::kTypeString);
  return "t IN (" + std::to_string(storage::kTypeInt) + ", " + std::to_string(storage::kTypeFloat) + ")";
}

SqlParam ScalarParam(const MetadataValue& v) {
  if (const bool* b = std::get_if<bool>(&v)) return int64_t{*b ? 1 : 0};  // bools are stored as 0/1
  if (const int64_t* i = std::get_if<int64_t>(&v)) return *i;
  if (const double* d = std::get_if<double>(&v)) return *d;
  return std::get<std::string>(v);
}

// The longest run of the pattern free of GLOB metacharacters, as whole UTF-8 characters, and its
// length in characters.
std::pair<std::string, size_t> LongestLiteralRun(const std::string& pattern) {
  std::string best, run;
  size_t best_chars = 0, run_chars = 0;
  for (char c : pattern) {
    if (c == '*' || c == '?' || c == '[' || c == ']') {
      run.clear();
      run_chars = 0;
      continue;
    }
    run += c;
    run_chars += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
    if (run_chars > best_chars || (run_chars == best_chars && run.size() > best.size())) {
      best = run;
      best_chars = run_chars;
    }
  }
  return {best, best_chars};
}

// The FTS5 trigram index can narrow a substring test whose pattern has a run of three characters.
bool IndexCanNarrow(const std::string& pattern) { return LongestLiteralRun(pattern).second >= 3; }

bool UsesIndex(const WhereDocumentNode& node) {
  if (node.kind != WhereDocumentNode::Kind::kLeaf) {
    return std::any_of(node.children.begin(), node.children.end(), [](const auto& c) { return UsesIndex(c); });
  }
  return (node.op == DocumentOp::kContains || node.op == DocumentOp::kNotContains) && IndexCanNarrow(node.pattern);
}

bool UsesIndex(const WhereNode& node) {
  if (node.kind != WhereNode::Kind::kCompare) {
    return std::any_of(node.children.begin(), node.children.end(), [](const auto& c) { return UsesIndex(c); });
  }
  if (!IsDocumentCompare(node) || (node.op != WhereOp::kContains && node.op != WhereOp::kNotContains)) return false;
  const std::string* pattern = std::get_if<std::string>(&node.operand);
  return pattern != nullptr && IndexCanNarrow(*pattern);
}

class Compiler {
 public:
  Compiler(int64_t cid, bool document_index)
      : cid_(std::to_string(cid)),
        records_("SELECT rid FROM records WHERE cid = " + cid_),
        document_index_(document_index) {}

  RidSet All() const { return RidSet{records_, {}, false, {}, {}, 0}; }
  static RidSet None() { return RidSet{"SELECT rid FROM records WHERE 0", {}, false, {}, {}, 0}; }

  RidSet Where(const WhereNode& node) {
    switch (node.kind) {
      case WhereNode::Kind::kAnd: {
        std::vector<RidSet> positive, negative;
        for (const WhereNode& child : node.children) {
          if (IsNegation(child)) {
            negative.push_back(PositiveCompare(child));
          } else {
            positive.push_back(Where(child));
          }
        }
        return And(std::move(positive), std::move(negative));
      }
      case WhereNode::Kind::kOr: {
        std::vector<RidSet> members;
        for (const WhereNode& child : node.children) members.push_back(Where(child));
        return Or(std::move(members));
      }
      case WhereNode::Kind::kCompare:
        if (IsNegation(node)) return And({}, {PositiveCompare(node)});
        return PositiveCompare(node);
    }
    return None();
  }

  RidSet Document(const WhereDocumentNode& node) {
    switch (node.kind) {
      case WhereDocumentNode::Kind::kAnd: {
        std::vector<RidSet> positive, negative;
        for (const WhereDocumentNode& child : node.children) {
          if (child.kind == WhereDocumentNode::Kind::kLeaf && IsNegation(child.op)) {
            negative.push_back(DocumentLeaf(Positive(child.op), child.pattern));
          } else {
            positive.push_back(Document(child));
          }
        }
        return And(std::move(positive), std::move(negative));
      }
      case WhereDocumentNode::Kind::kOr: {
        std::vector<RidSet> members;
        for (const WhereDocumentNode& child : node.children) members.push_back(Document(child));
        return Or(std::move(members));
      }
      case WhereDocumentNode::Kind::kLeaf:
        if (IsNegation(node.op)) return And({}, {DocumentLeaf(Positive(node.op), node.pattern)});
        return DocumentLeaf(node.op, node.pattern);
    }
    return None();
  }

  // (p1 ∩ p2 ∩ ...) − n1 − n2 ..., where no positive member means the whole collection.
  //
  // When some positive members are metadata predicates, the likeliest-selective one drives: its
  // rows are read from the value index and the other metadata predicates, positive or negated, are
  // checked per row with EXISTS / NOT EXISTS on (rid, key), instead of each being materialized in
  // full for an INTERSECT or EXCEPT. {"$and": [{"tag": "x"}, {"price": {"$gte": 10}}]} then costs
  // one lookup per "x" row whatever the number of prices.
  RidSet And(std::vector<RidSet> positive, std::vector<RidSet> negative) {
    ProbeFromDriver(&positive, &negative);
    RidSet base = positive.empty() ? All() : Chain(std::move(positive), " INTERSECT ");
    if (negative.empty()) return base;
    std::vector<RidSet> members;
    members.push_back(std::move(base));
    if (negative.size() < kMaxChainTerms) {
      for (RidSet& n : negative) members.push_back(std::move(n));
    } else {
      members.push_back(Or(std::move(negative)));  // a − n1 − n2 ... == a − (n1 ∪ n2 ...)
    }
    return Chain(std::move(members), " EXCEPT ");
  }

  RidSet Or(std::vector<RidSet> members) {
    if (members.empty()) return None();
    return Chain(std::move(members), " UNION ");
  }

  // The final statement: the rids of the collection that are in `set`, each once.
  RidQuery Finish(RidSet set) {
    if (set.sql == records_) return RidQuery{records_, {}};
    RidQuery out;
    std::string text;
    for (size_t i = 0; i < ctes_.size(); ++i) {
      text += (i == 0 ? "WITH " : ", ") + ctes_[i].sql;
      for (SqlParam& p : ctes_[i].params) out.params.push_back(std::move(p));
    }
    if (!ctes_.empty()) text += " ";
    // Every set already holds rids of this collection only (each leaf restricts cid; negations
    // subtract from the collection's rids), so no join with records is needed: DISTINCT alone
    // makes each rid appear once (an array can match one record twice). Wrapping the set in
    // "records WHERE cid = .. AND rid IN (..)" cost three times as much on a 10k-rid set.
    text += "SELECT DISTINCT rid FROM (" + set.sql + ")";
    for (SqlParam& p : set.params) out.params.push_back(std::move(p));
    // Numbered placeholders, so that the query keeps its numbering when a caller embeds it after
    // placeholders of its own ("... cid = ?7 AND rid IN (<sql>)"); a plain `?` would take the
    // number after the largest one seen before it. The text holds no literal `?`: every value from
    // the filter is a parameter.
    out.sql.reserve(text.size() + 4 * out.params.size());
    size_t n = 0;
    for (char c : text) {
      out.sql += c;
      if (c == '?') out.sql += std::to_string(++n);
    }
    return out;
  }

 private:
  void ProbeFromDriver(std::vector<RidSet>* positive, std::vector<RidSet>* negative) {
    size_t driver = positive->size();
    for (size_t i = 0; i < positive->size(); ++i) {
      int rank = (*positive)[i].rank;
      if (rank > 0 && (driver == positive->size() || rank < (*positive)[driver].rank)) driver = i;
    }
    if (driver == positive->size()) return;
    RidSet& d = (*positive)[driver];
    RidSet out;
    out.sql = "SELECT d.rid FROM " + d.table + " AS d WHERE " + d.cond;
    out.params = std::move(d.params);
    // Unqualified columns inside EXISTS name the inner table; d.rid is the driver's row.
    auto probe = [&](RidSet& p, const char* exists) {
      out.sql += std::string(" AND ") + exists + " (SELECT 1 FROM " + p.table + " WHERE rid = d.rid AND " +
                 ProbeCondition(p.cond) + ")";
      for (SqlParam& param : p.params) out.params.push_back(std::move(param));
    };
    std::vector<RidSet> rest_positive, rest_negative;
    size_t probes = 0;
    for (size_t i = 0; i < positive->size(); ++i) {
      if (i == driver) continue;
      if ((*positive)[i].rank > 0 && probes < kMaxProbes) {
        probe((*positive)[i], "EXISTS");
        ++probes;
      } else {
        rest_positive.push_back(std::move((*positive)[i]));
      }
    }
    for (RidSet& n : *negative) {
      if (n.rank > 0 && probes < kMaxProbes) {
        probe(n, "NOT EXISTS");
        ++probes;
      } else {
        rest_negative.push_back(std::move(n));
      }
    }
    rest_positive.insert(rest_positive.begin(), std::move(out));
    *positive = std::move(rest_positive);
    *negative = std::move(rest_negative);
  }

  // m1 op m2 op ... . SQLite refuses compound SELECTs of more than 500 terms, so long chains of an
  // associative op (INTERSECT, UNION) are built as chains of wrapped chains; callers keep EXCEPT
  // chains short.
  RidSet Chain(std::vector<RidSet> members, const char* op) {
    if (members.size() == 1) return std::move(members[0]);
    if (members.size() > kMaxChainTerms) {
      std::vector<RidSet> groups;
      for (size_t i = 0; i < members.size(); i += kMaxChainTerms) {
        size_t end = std::min(members.size(), i + kMaxChainTerms);
        std::vector<RidSet> group(std::make_move_iterator(members.begin() + i),
                                  std::make_move_iterator(members.begin() + end));
        groups.push_back(Chain(std::move(group), op));
      }
      return Chain(std::move(groups), op);
    }
    RidSet out;
    out.compound = true;
    for (size_t i = 0; i < members.size(); ++i) Append(&out, std::move(members[i]), i == 0 ? "" : op);
    return out;
  }

  void Append(RidSet* out, RidSet member, const char* op) {
    out->sql += op;
    if (member.compound) member = Wrap(std::move(member));
    out->sql += member.sql;
    for (SqlParam& p : member.params) out->params.push_back(std::move(p));
  }

  // Moves a chain into a new common table expression and returns a simple SELECT of it. Chains are
  // wrapped after their own members, so every expression refers only to earlier ones, and the
  // parameters of the WITH clause stay in text order.
  RidSet Wrap(RidSet chain) {
    std::string name = "f" + std::to_string(ctes_.size());
    ctes_.push_back(RidSet{name + " AS (" + chain.sql + ")", std::move(chain.params), false, {}, {}, 0});
    return RidSet{"SELECT rid FROM " + name, {}, false, {}, {}, 0};
  }

  static bool IsNegation(DocumentOp op) { return op == DocumentOp::kNotContains || op == DocumentOp::kNotRegex; }
  static DocumentOp Positive(DocumentOp op) {
    if (op == DocumentOp::kNotContains) return DocumentOp::kContains;
    if (op == DocumentOp::kNotRegex) return DocumentOp::kRegex;
    return op;
  }

  static bool IsNegation(const WhereNode& node) {
    return node.kind == WhereNode::Kind::kCompare &&
           (node.op == WhereOp::kNe || node.op == WhereOp::kNin || node.op == WhereOp::kNotContains ||
            node.op == WhereOp::kNotRegex);
  }

  // The set of a comparison with negations turned positive: $ne -> $eq, $nin -> $in, ...
  RidSet PositiveCompare(const WhereNode& node) {
    if (IsDocumentCompare(node)) {
      const std::string& pattern = std::get<std::string>(node.operand);
      bool regex = node.op == WhereOp::kRegex || node.op == WhereOp::kNotRegex;
      return DocumentLeaf(regex ? DocumentOp::kRegex : DocumentOp::kContains, pattern);
    }
    const std::string cid_key = "cid = " + cid_ + " AND key = ?";
    std::vector<SqlParam> params = {node.key};
    switch (node.op) {
      case WhereOp::kEq:
      case WhereOp::kNe:
      case WhereOp::kContains:
      case WhereOp::kNotContains: {
        bool contains = node.op == WhereOp::kContains || node.op == WhereOp::kNotContains;
        std::string cond = cid_key + " AND v = ?";
        // Strings need no type test: only TEXT values equal a TEXT parameter.
        if (!std::holds_alternative<std::string>(node.operand)) cond += " AND " + TypeCondition(node.operand);
        params.push_back(ScalarParam(node.operand));
        return MetadataLeaf(contains ? "metadata_array" : "metadata", std::move(cond), std::move(params),
                            contains ? 3 : 1);
      }
      case WhereOp::kGt:
      case WhereOp::kGte:
      case WhereOp::kLt:
      case WhereOp::kLte: {
        const char* cmp = node.op == WhereOp::kGt    ? ">"
                          : node.op == WhereOp::kGte ? ">="
                          : node.op == WhereOp::kLt  ? "<"
                                                     : "<=";
        // SQLite orders numbers before all text, so `v < ''` bounds the index range to numbers;
        // the type test then drops bools, which are stored as the integers 0 and 1.
        params.push_back(ScalarParam(node.operand));
        return MetadataLeaf("metadata", cid_key + " AND v " + cmp + " ? AND v < '' AND " + TypeCondition(node.operand),
                            std::move(params), 4);
      }
      case WhereOp::kIn:
      case WhereOp::kNin:
        return InList(node, cid_key);
      case WhereOp::kRegex:
      case WhereOp::kNotRegex:
        break;  // only on #document
    }
    return None();
  }

  RidSet InList(const WhereNode& node, const std::string& cid_key) {
    std::vector<SqlParam> params = {node.key};
    std::vector<SqlParam> values;
    std::string type;
    std::visit(
        [&](const auto& list) {
          using T = std::decay_t<decltype(list)>;
          if constexpr (std::is_same_v<T, std::vector<bool>> || std::is_same_v<T, std::vector<int64_t>> ||
                        std::is_same_v<T, std::vector<double>> || std::is_same_v<T, std::vector<std::string>>) {
            for (const auto& e : list) values.push_back(ScalarParam(MetadataValue(typename T::value_type(e))));
            if (!list.empty()) type = TypeCondition(MetadataValue(typename T::value_type(list[0])));
          }
        },
        node.operand);
    std::string cond = cid_key + " AND " + type + " AND v IN (";
    std::string json_text;
    if (values.size() > kMaxInlineInValues && ToJsonArray(values, &json_text)) {
      cond += "SELECT value FROM json_each(?))";
      params.push_back(std::move(json_text));
    } else {
      for (size_t i = 0; i < values.size(); ++i) cond += i ? ", ?" : "?";
      cond += ")";
      for (SqlParam& v : values) params.push_back(std::move(v));
    }
    return MetadataLeaf("metadata", std::move(cond), std::move(params), 2);
  }

  // False when a string is not valid UTF-8 (JSON cannot carry it); the caller binds the values
  // one by one instead.
  static bool ToJsonArray(const std::vector<SqlParam>& values, std::string* out) {
    nlohmann::json array = nlohmann::json::array();
    for (const SqlParam& v : values) {
      std::visit([&](const auto& x) { array.push_back(x); }, v);
    }
    try {
      *out = array.dump();
    } catch (const nlohmann::json::exception&) {
      return false;
    }
    return true;
  }

  RidSet DocumentLeaf(DocumentOp op, const std::string& pattern) {
    RidSet out;
    if (op == DocumentOp::kRegex) {
      out.sql = records_ + " AND ochre_regexp(?, document)";
      out.params.push_back(pattern);
      return out;
    }
    // instr() is the exact, case-sensitive substring test (NULL for a NULL document). The FTS5
    // trigram index narrows the candidates first when the pattern has a run of three or more
    // characters without GLOB metacharacters: FTS5 (3.40) drops matches of bracket-escaped
    // metacharacters such as "[?]", so only plain runs are handed to it, and its answer is a
    // superset that instr() then checks. Without the index (not built yet), instr() alone answers.
    auto [run, run_chars] = LongestLiteralRun(pattern);
    if (run_chars >= 3 && document_index_) {
      // The unary + keeps SQLite from scanning the collection through its cid index and testing
      // each rid against the index's answer (23 ms instead of 1 at 100k records for one match):
      // the candidates drive, each looked up by rid.
      out.sql = "SELECT rid FROM records WHERE +cid = " + cid_ +
                " AND rid IN (SELECT rowid FROM documents_fts WHERE document GLOB ?)";
      out.params.push_back("*" + run + "*");
    } else {
      out.sql = records_;
    }
    out.sql += " AND instr(document, ?) > 0";
    out.params.push_back(pattern);
    return out;
  }

  const std::string cid_;      // the collection's cid, a decimal literal (ours, not user input)
  const std::string records_;  // SELECT rid FROM records WHERE cid = <cid>
  const bool document_index_;  // documents_fts holds the collection's documents
  std::vector<RidSet> ctes_;   // "fN AS (...)", in definition order
};

}  // namespace

bool UsesDocumentIndex(const WhereNode* where, const WhereDocumentNode* where_document) {
  return (where != nullptr && UsesIndex(*where)) || (where_document != nullptr && UsesIndex(*where_document));
}

Result<RidQuery> CompileFilter(int64_t cid, const WhereNode* where, const WhereDocumentNode* where_document,
                               bool document_index) {
  if (where != nullptr) OCHRE_RETURN_IF_ERROR(ValidateWhere(*where));
  if (where_document != nullptr) OCHRE_RETURN_IF_ERROR(ValidateWhereDocument(*where_document));
  Compiler compiler(cid, document_index);
  std::vector<RidSet> parts;
  if (where != nullptr) parts.push_back(compiler.Where(*where));
  if (where_document != nullptr) parts.push_back(compiler.Document(*where_document));
  RidQuery query = compiler.Finish(parts.empty() ? compiler.All() : compiler.And(std::move(parts), {}));
  if (query.params.size() > kMaxSqlParams) {
    // Only trees built in C++ get here: strings that are not UTF-8 in long $in lists bind one
    // parameter each (see InList).
    return Status::InvalidArgument("the filter needs " + std::to_string(query.params.size()) +
                                   " SQL parameters; the limit is " + std::to_string(kMaxSqlParams));
  }
  return query;
}

}  // namespace ochre::query
