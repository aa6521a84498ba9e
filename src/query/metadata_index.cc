// Copyright 2026 The OchreDB Authors.
#include "query/metadata_index.h"

#include <algorithm>
#include <iterator>
#include <mutex>
#include <utility>
#include <variant>

#include "query/filter_eval.h"
#include "query/where_parser.h"
#include "storage/metadata_codec.h"
#include "storage/record_checksum.h"

namespace ochre::query {
namespace {

using Rids = std::vector<int64_t>;

Rids Intersect(const Rids& a, const Rids& b) {
  Rids out;
  out.reserve(std::min(a.size(), b.size()));
  std::set_intersection(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(out));
  return out;
}

Rids Union(const Rids& a, const Rids& b) {
  Rids out;
  out.reserve(a.size() + b.size());
  std::set_union(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(out));
  return out;
}

// Several posting lists as one ascending set (they may overlap: an $in list can name one value
// twice, or 2 and 2.0).
Rids Gather(const std::vector<const Rids*>& lists) {
  if (lists.empty()) return {};
  if (lists.size() == 1) return *lists[0];
  // Pairwise merges, as in a merge sort's upper levels: O(N log k) for k ascending lists, where
  // sorting the concatenation cost O(N log N) (a range over a dozen values of a 100k collection
  // spent most of a filtered query sorting).
  std::vector<Rids> runs;
  runs.reserve((lists.size() + 1) / 2);
  for (size_t i = 0; i < lists.size(); i += 2) {
    Rids merged;
    if (i + 1 == lists.size()) {
      merged = *lists[i];
    } else {
      merged.resize(lists[i]->size() + lists[i + 1]->size());
      std::merge(lists[i]->begin(), lists[i]->end(), lists[i + 1]->begin(), lists[i + 1]->end(), merged.begin());
    }
    runs.push_back(std::move(merged));
  }
  while (runs.size() > 1) {
    std::vector<Rids> next;
    next.reserve((runs.size() + 1) / 2);
    for (size_t i = 0; i < runs.size(); i += 2) {
      if (i + 1 == runs.size()) {
        next.push_back(std::move(runs[i]));
        continue;
      }
      Rids merged(runs[i].size() + runs[i + 1].size());
      std::merge(runs[i].begin(), runs[i].end(), runs[i + 1].begin(), runs[i + 1].end(), merged.begin());
      next.push_back(std::move(merged));
    }
    runs = std::move(next);
  }
  Rids out = std::move(runs[0]);
  // Array elements of one record sit in several lists.
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

// Calls f(element) for each element of an array value, as a scalar MetadataValue.
template <typename F>
void ForEachElement(const MetadataValue& v, F&& f) {
  std::visit(
      [&](const auto& x) {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, std::vector<bool>> || std::is_same_v<T, std::vector<int64_t>> ||
                      std::is_same_v<T, std::vector<double>> || std::is_same_v<T, std::vector<std::string>>) {
          for (const auto& e : x) f(MetadataValue(typename T::value_type(e)));
        }
      },
      v);
}

bool IsScalar(const MetadataValue& v) { return v.index() >= 1 && v.index() <= 4; }

}  // namespace

bool MetadataIndex::NumberLess::operator()(const Number& a, const Number& b) const {
  if (a.is_int && b.is_int) return a.i < b.i;
  if (a.is_int) return CompareIntDouble(a.i, b.d) < 0;
  if (b.is_int) return CompareIntDouble(b.i, a.d) > 0;
  return a.d < b.d;
}

std::optional<MetadataIndex::Number> MetadataIndex::NumberOf(const MetadataValue& value) {
  Number n;
  if (const int64_t* i = std::get_if<int64_t>(&value)) {
    n.i = *i;
  } else if (const double* d = std::get_if<double>(&value)) {
    n.is_int = false;
    n.d = *d;
  } else {
    return std::nullopt;
  }
  return n;
}

const MetadataIndex::Rids* MetadataIndex::Find(const Values& values, const MetadataValue& scalar) {
  if (const bool* b = std::get_if<bool>(&scalar)) return &values.bools[*b ? 1 : 0];
  if (const std::string* s = std::get_if<std::string>(&scalar)) {
    auto it = values.strings.find(*s);
    return it == values.strings.end() ? nullptr : &it->second;
  }
  const std::optional<Number> n = NumberOf(scalar);
  if (!n) return nullptr;
  auto it = values.numbers.find(*n);
  return it == values.numbers.end() ? nullptr : &it->second;
}

MetadataIndex::Rids* MetadataIndex::FindOrAdd(Values* values, const MetadataValue& scalar) {
  if (const bool* b = std::get_if<bool>(&scalar)) return &values->bools[*b ? 1 : 0];
  if (const std::string* s = std::get_if<std::string>(&scalar)) return &values->strings[*s];
  const std::optional<Number> n = NumberOf(scalar);
  if (!n) return nullptr;
  return &values->numbers[*n];
}

template <typename F>
void MetadataIndex::ForEachEntry(const Metadata& metadata, F&& f) {
  for (const auto& [key, value] : metadata) {
    if (std::holds_alternative<std::monostate>(value)) continue;  // a null is an absent key
    KeyEntry& entry = keys_[key];
    if (IsScalar(value)) {
      f(&entry.scalars, value);
    } else {
      ForEachElement(value, [&](const MetadataValue& e) { f(&entry.arrays, e); });
    }
  }
}

Result<std::unique_ptr<MetadataIndex>> MetadataIndex::Build(storage::SqliteDb* db, int64_t cid,
                                                            const MetadataDecoder& decode) {
  auto index = std::make_unique<MetadataIndex>();
  // One pass over the records: their metadata JSON is what a get returns and what the reference
  // evaluator sees, and reading it costs a third of reading the metadata rows (each of which
  // needs a lookup for its type code).
  // The document and uri too, only to check the record's checksum (storage/record_checksum.h).
  OCHRE_ASSIGN_OR_RETURN(storage::Statement st,
                         db->Prepare("SELECT rid, metadata_json, document, uri, payload_crc, id FROM records "
                                     "WHERE cid = ?1"));
  st.Bind(1, cid);
  while (true) {
    OCHRE_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    const int64_t rid = st.ColumnInt(0);
    if (!st.ColumnIsNull(4) &&
        uint32_t(st.ColumnInt(4)) != storage::RecordPayloadCrc(st.ColumnOptionalString(2), st.ColumnOptionalString(3),
                                                               st.ColumnOptionalString(1))) {
      return storage::RecordDamaged(cid, rid, st.ColumnText(5));
    }
    index->all_.push_back(rid);
    if (st.ColumnIsNull(1)) continue;
    OCHRE_ASSIGN_OR_RETURN(Metadata metadata, decode(st.ColumnText(1)));
    index->ForEachEntry(metadata, [&](Values* values, const MetadataValue& scalar) {
      Rids* list = FindOrAdd(values, scalar);
      if (list->empty() || list->back() != rid) list->push_back(rid);  // an array may repeat a value
    });
  }
  // Rows come in the order of the index SQLite picks, not by rid.
  auto finish = [](Rids* list) {
    if (!std::is_sorted(list->begin(), list->end())) std::sort(list->begin(), list->end());
    list->erase(std::unique(list->begin(), list->end()), list->end());
    list->shrink_to_fit();
  };
  auto finish_values = [&](Values* v) {
    for (auto& [n, list] : v->numbers) finish(&list);
    for (auto& [s, list] : v->strings) finish(&list);
    finish(&v->bools[0]);
    finish(&v->bools[1]);
  };
  finish(&index->all_);
  for (auto& [key, entry] : index->keys_) {
    finish_values(&entry.scalars);
    finish_values(&entry.arrays);
  }
  return index;
}

MetadataIndex::MetadataDecoder MetadataIndex::DefaultDecoder() {
  return [](std::string_view json) { return storage::DecodeMetadata(json); };
}

void MetadataIndex::Add(int64_t rid, const std::optional<Metadata>& metadata) {
  Change c;
  c.rid = rid;
  c.after = metadata;
  c.exists = true;
  Apply({c});
}

void MetadataIndex::Apply(const std::vector<Change>& changes) {
  std::unique_lock<std::shared_mutex> lock(mu_);
  // Each touched list gets its edits in order (rid, add?); they are merged into it in one pass, so
  // a batch of 1,000 records costs one pass per list it touches, not one per record.
  std::unordered_map<Rids*, std::vector<std::pair<int64_t, bool>>> edits;
  struct Removed {
    Values* values;
    MetadataValue scalar;
  };
  std::vector<Removed> removed;
  for (const Change& c : changes) {
    if (c.existed && c.before) {
      ForEachEntry(*c.before, [&](Values* values, const MetadataValue& scalar) {
        edits[FindOrAdd(values, scalar)].emplace_back(c.rid, false);
        removed.push_back(Removed{values, scalar});
      });
    }
    if (c.existed != c.exists) edits[&all_].emplace_back(c.rid, c.exists);
    if (c.exists && c.after) {
      ForEachEntry(*c.after, [&](Values* values, const MetadataValue& scalar) {
        edits[FindOrAdd(values, scalar)].emplace_back(c.rid, true);
      });
    }
  }
  for (auto& [list, ops] : edits) {
    // The last edit of a rid wins (a rewrite removes the old value, then adds the new one).
    std::stable_sort(ops.begin(), ops.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    size_t w = 0;
    for (size_t i = 0; i < ops.size(); ++i) {
      if (i + 1 < ops.size() && ops[i + 1].first == ops[i].first) continue;
      ops[w++] = ops[i];
    }
    ops.resize(w);
    bool appends = list->empty() || ops.front().first > list->back();
    for (const auto& op : ops) appends = appends && op.second;
    if (appends) {
      for (const auto& op : ops) list->push_back(op.first);
      continue;
    }
    Rids merged;
    merged.reserve(list->size() + ops.size());
    size_t i = 0;
    for (const auto& [rid, add] : ops) {
      while (i < list->size() && (*list)[i] < rid) merged.push_back((*list)[i++]);
      if (i < list->size() && (*list)[i] == rid) ++i;  // replaced by the edit
      if (add) merged.push_back(rid);
    }
    merged.insert(merged.end(), list->begin() + ptrdiff_t(i), list->end());
    *list = std::move(merged);
  }
  // Values no record holds any more leave the maps (a key of unique values would otherwise keep
  // an empty list per value ever written).
  for (const Removed& r : removed) {
    if (const std::string* s = std::get_if<std::string>(&r.scalar)) {
      auto it = r.values->strings.find(*s);
      if (it != r.values->strings.end() && it->second.empty()) r.values->strings.erase(it);
    } else if (!std::holds_alternative<bool>(r.scalar)) {
      auto it = r.values->numbers.find(*NumberOf(r.scalar));
      if (it != r.values->numbers.end() && it->second.empty()) r.values->numbers.erase(it);
    }
  }
}

bool MetadataIndex::Supports(const WhereNode& where) {
  if (where.kind == WhereNode::Kind::kCompare) return !IsDocumentCompare(where);
  for (const WhereNode& child : where.children) {
    if (!Supports(child)) return false;
  }
  return true;
}

std::vector<int64_t> MetadataIndex::Evaluate(const WhereNode& where) const {
  std::shared_lock<std::shared_mutex> lock(mu_);
  return EvaluateLocked(where);
}

size_t MetadataIndex::size() const {
  std::shared_lock<std::shared_mutex> lock(mu_);
  return all_.size();
}

MetadataIndex::Rids MetadataIndex::EvaluateLocked(const WhereNode& where) const {
  switch (where.kind) {
    case WhereNode::Kind::kAnd: {
      if (where.children.empty()) return all_;
      Rids out = EvaluateLocked(where.children[0]);
      for (size_t i = 1; i < where.children.size() && !out.empty(); ++i) {
        out = Intersect(out, EvaluateLocked(where.children[i]));
      }
      return out;
    }
    case WhereNode::Kind::kOr: {
      Rids out;
      for (const WhereNode& child : where.children) out = Union(out, EvaluateLocked(child));
      return out;
    }
    case WhereNode::Kind::kCompare:
      return Compare(where);
  }
  return {};
}

MetadataIndex::Rids MetadataIndex::Compare(const WhereNode& node) const {
  switch (node.op) {
    case WhereOp::kNe:
    case WhereOp::kNin:
    case WhereOp::kNotContains:
      return Complement(Positive(node));
    default:
      return Positive(node);
  }
}

MetadataIndex::Rids MetadataIndex::Complement(const Rids& set) const {
  Rids out;
  out.reserve(all_.size() - std::min(all_.size(), set.size()));
  std::set_difference(all_.begin(), all_.end(), set.begin(), set.end(), std::back_inserter(out));
  return out;
}

MetadataIndex::Rids MetadataIndex::Positive(const WhereNode& node) const {
  auto key = keys_.find(node.key);
  if (key == keys_.end()) return {};
  const KeyEntry& entry = key->second;
  std::vector<const Rids*> lists;
  switch (node.op) {
    case WhereOp::kEq:
    case WhereOp::kNe:
      if (const Rids* l = Find(entry.scalars, node.operand)) lists.push_back(l);
      break;
    case WhereOp::kContains:
    case WhereOp::kNotContains:
      if (const Rids* l = Find(entry.arrays, node.operand)) lists.push_back(l);
      break;
    case WhereOp::kIn:
    case WhereOp::kNin:
      ForEachElement(node.operand, [&](const MetadataValue& e) {
        if (const Rids* l = Find(entry.scalars, e)) lists.push_back(l);
      });
      break;
    case WhereOp::kGt:
    case WhereOp::kGte:
    case WhereOp::kLt:
    case WhereOp::kLte: {
      const std::optional<Number> bound = NumberOf(node.operand);
      if (!bound) break;  // ranges take numbers only (the validator makes sure)
      const Number& n = *bound;
      const auto& numbers = entry.scalars.numbers;
      auto begin = numbers.begin(), end = numbers.end();
      if (node.op == WhereOp::kGt) begin = numbers.upper_bound(n);
      if (node.op == WhereOp::kGte) begin = numbers.lower_bound(n);
      if (node.op == WhereOp::kLt) end = numbers.lower_bound(n);
      if (node.op == WhereOp::kLte) end = numbers.upper_bound(n);
      for (auto it = begin; it != end; ++it) lists.push_back(&it->second);
      break;
    }
    case WhereOp::kRegex:
    case WhereOp::kNotRegex:
      break;  // only on #document, which Supports() sends to SQL
  }
  return Gather(lists);
}

size_t MetadataIndex::MemoryBytes() const {
  std::shared_lock<std::shared_mutex> lock(mu_);
  // Node costs as libstdc++ lays them out: a map node holds three pointers and a color beside its
  // value; an unordered_map node a next pointer and the cached hash; buckets are one pointer each.
  constexpr size_t kMapNode = 32, kHashNode = 16;
  auto rids = [](const Rids& r) { return r.capacity() * sizeof(int64_t); };
  auto values = [&](const Values& v) {
    size_t bytes = rids(v.bools[0]) + rids(v.bools[1]);
    for (const auto& [n, r] : v.numbers) bytes += kMapNode + sizeof(n) + sizeof(r) + rids(r);
    bytes += v.strings.bucket_count() * sizeof(void*);
    for (const auto& [s, r] : v.strings) {
      bytes += kHashNode + sizeof(s) + sizeof(r) + rids(r) + (s.capacity() > 15 ? s.capacity() + 1 : 0);
    }
    return bytes;
  };
  size_t bytes = rids(all_) + keys_.bucket_count() * sizeof(void*);
  for (const auto& [k, e] : keys_) {
    bytes += kHashNode + sizeof(k) + sizeof(e) + (k.capacity() > 15 ? k.capacity() + 1 : 0);
    bytes += values(e.scalars) + values(e.arrays);
  }
  return bytes;
}

}  // namespace ochre::query
