// Copyright 2026 The OchreDB Authors.
//
// Collection::Search: the Search API evaluated by composing the collection's own reads. A dense
// Knn on "#embedding" is a Query (n_results = the Knn's limit, the search's filter) whose hits are
// the Knn's candidates; the rank expression is then evaluated over them with Chroma's rules
// (rust/worker/src/execution/operators/rank.rs: a "domain" of scores per record plus a default for
// the others, None when the others are left out), sorted ascending (ties by id), grouped
// (ranked_group_by.rs), paged, and the selected columns are read with one Get. Without a rank a
// search is a filtered Get with offset and limit (insertion order, no scores).
//
// Each read is its own snapshot: a write that commits between the Knn queries and the final Get
// can show in the columns (a record deleted meanwhile is left out).
#include <algorithm>
#include <cmath>
#include <cstring>
#include <set>
#include <string>
#include <unordered_map>
#include <unordered_set>

#include "ochre/collection.h"
#include "ochre/search.h"

namespace ochre {
namespace {

// The ids a search may return, after its "#id" clauses are taken out of the where.
struct ResolvedFilter {
  std::optional<std::vector<std::string>> ids;  // an allow-list (possibly empty: nothing matches)
  std::optional<WhereNode> where;
};

bool MentionsId(const WhereNode& n) {
  if (n.kind == WhereNode::Kind::kCompare) return n.key == kIdKey;
  for (const WhereNode& c : n.children) {
    if (MentionsId(c)) return true;
  }
  return false;
}

void Conjuncts(const WhereNode& n, std::vector<const WhereNode*>* out) {
  if (n.kind == WhereNode::Kind::kAnd) {
    for (const WhereNode& c : n.children) Conjuncts(c, out);
  } else {
    out->push_back(&n);
  }
}

Result<std::vector<std::string>> IdOperand(const WhereNode& n) {
  if (const auto* s = std::get_if<std::string>(&n.operand)) return std::vector<std::string>{*s};
  if (const auto* v = std::get_if<std::vector<std::string>>(&n.operand)) return *v;
  return Status::InvalidArgument("Invalid where clause at #id: #id is compared with strings (ids)");
}

// The general case (#id inside $or): the set of matching ids, by set algebra over Gets of the
// subtrees without #id. Slower (a Get per subtree), and only needed for such filters.
class IdSets {
 public:
  explicit IdSets(const Collection& c) : c_(c) {}

  Result<std::unordered_set<std::string>> Eval(const WhereNode& n) {
    if (!MentionsId(n)) return Matching(n);
    if (n.kind == WhereNode::Kind::kCompare) {
      OCHRE_ASSIGN_OR_RETURN(std::vector<std::string> ids, IdOperand(n));
      std::unordered_set<std::string> named(ids.begin(), ids.end());
      if (n.op == WhereOp::kEq || n.op == WhereOp::kIn) return named;
      if (n.op != WhereOp::kNe && n.op != WhereOp::kNin) {
        return Status::InvalidArgument("Invalid where clause at #id: #id supports only $eq, $ne, $in and $nin");
      }
      OCHRE_ASSIGN_OR_RETURN(const std::vector<std::string>* all, All());
      std::unordered_set<std::string> out;
      for (const std::string& id : *all) {
        if (!named.count(id)) out.insert(id);
      }
      return out;
    }
    std::optional<std::unordered_set<std::string>> acc;
    for (const WhereNode& child : n.children) {
      OCHRE_ASSIGN_OR_RETURN(std::unordered_set<std::string> s, Eval(child));
      if (!acc) {
        acc = std::move(s);
      } else if (n.kind == WhereNode::Kind::kOr) {
        acc->insert(s.begin(), s.end());
      } else {
        std::erase_if(*acc, [&](const std::string& id) { return !s.count(id); });
      }
    }
    return acc ? std::move(*acc) : std::unordered_set<std::string>{};
  }

  // Every id, in insertion order.
  Result<const std::vector<std::string>*> All() {
    if (!all_) {
      GetOptions g;
      g.include = Include{false, false, false, false, false};
      OCHRE_ASSIGN_OR_RETURN(GetResult r, c_.Get(g));
      all_ = std::move(r.ids);
    }
    return &*all_;
  }

 private:
  Result<std::unordered_set<std::string>> Matching(const WhereNode& n) {
    GetOptions g;
    g.where = n;
    g.include = Include{false, false, false, false, false};
    OCHRE_ASSIGN_OR_RETURN(GetResult r, c_.Get(g));
    return std::unordered_set<std::string>(r.ids.begin(), r.ids.end());
  }

  const Collection& c_;
  std::optional<std::vector<std::string>> all_;
};

Result<ResolvedFilter> ResolveBySets(const Collection& c, const WhereNode& where) {
  IdSets sets(c);
  OCHRE_ASSIGN_OR_RETURN(std::unordered_set<std::string> match, sets.Eval(where));
  OCHRE_ASSIGN_OR_RETURN(const std::vector<std::string>* all, sets.All());
  ResolvedFilter out;
  out.ids.emplace();
  for (const std::string& id : *all) {
    if (match.count(id)) out.ids->push_back(id);
  }
  return out;
}

Result<ResolvedFilter> ResolveFilter(const Collection& c, const std::optional<WhereNode>& where) {
  ResolvedFilter out;
  if (!where) return out;
  if (!MentionsId(*where)) {
    out.where = *where;
    return out;
  }
  std::vector<const WhereNode*> parts;
  Conjuncts(*where, &parts);
  std::vector<WhereNode> rest;
  std::optional<std::vector<std::string>> allow;  // intersection of the $eq/$in clauses, in order
  std::unordered_set<std::string> deny;
  for (const WhereNode* p : parts) {
    if (p->kind != WhereNode::Kind::kCompare || p->key != kIdKey) {
      if (MentionsId(*p)) return ResolveBySets(c, *where);
      rest.push_back(*p);
      continue;
    }
    OCHRE_ASSIGN_OR_RETURN(std::vector<std::string> ids, IdOperand(*p));
    switch (p->op) {
      case WhereOp::kEq:
      case WhereOp::kIn: {
        if (!allow) {
          std::vector<std::string> unique;
          std::unordered_set<std::string> seen;
          for (std::string& id : ids) {
            if (seen.insert(id).second) unique.push_back(std::move(id));
          }
          allow = std::move(unique);
        } else {
          std::unordered_set<std::string> keep(ids.begin(), ids.end());
          std::erase_if(*allow, [&](const std::string& id) { return !keep.count(id); });
        }
        break;
      }
      case WhereOp::kNe:
      case WhereOp::kNin:
        deny.insert(ids.begin(), ids.end());
        break;
      default:
        return Status::InvalidArgument("Invalid where clause at #id: #id supports only $eq, $ne, $in and $nin");
    }
  }
  if (rest.size() == 1) {
    out.where = std::move(rest[0]);
  } else if (rest.size() > 1) {
    WhereNode conj;
    conj.kind = WhereNode::Kind::kAnd;
    conj.children = std::move(rest);
    out.where = std::move(conj);
  }
  if (!deny.empty() && !allow) {
    // Exclusions become an allow-list of every other matching record.
    GetOptions g;
    g.where = out.where;
    g.include = Include{false, false, false, false, false};
    OCHRE_ASSIGN_OR_RETURN(GetResult all, c.Get(g));
    allow = std::move(all.ids);
  }
  if (allow && !deny.empty()) {
    std::erase_if(*allow, [&](const std::string& id) { return deny.count(id) > 0; });
  }
  if (allow && !allow->empty()) {
    // Only ids that exist: a Query fails on an ids filter that names a missing record (Chroma's
    // query rule), while a search's #id clause just matches nothing for it.
    GetOptions g;
    g.ids = std::move(allow);
    g.include = Include{false, false, false, false, false};
    OCHRE_ASSIGN_OR_RETURN(GetResult existing, c.Get(g));
    allow = std::move(existing.ids);
  }
  out.ids = std::move(allow);
  return out;
}

// One Knn's candidates, best first, with their measure (a distance: lower is better).
struct Candidate {
  std::string id;
  float measure;
};

// The candidates of a sparse Knn: the records whose metadata `knn.key` holds a sparse vector
// nearest to the query (Collection::QuerySparse: Chroma's 1 - dot, IDF-weighted under bm25).
Result<std::vector<Candidate>> SparseCandidates(const Collection& c, const KnnRank& knn, const ResolvedFilter& filter) {
  std::vector<Candidate> out;
  if (knn.limit == 0 || (filter.ids && filter.ids->empty())) return out;
  SparseQueryOptions q;
  q.key = knn.key;
  q.query = std::get<SparseVector>(knn.query);
  q.n_results = knn.limit;
  q.ids = filter.ids;
  q.where = filter.where;
  OCHRE_ASSIGN_OR_RETURN(SparseQueryResult r, c.QuerySparse(q));
  out.reserve(r.ids.size());
  for (size_t i = 0; i < r.ids.size(); ++i) out.push_back(Candidate{std::move(r.ids[i]), r.scores[i]});
  return out;
}

Result<std::vector<Candidate>> KnnCandidates(const Collection& c, const KnnRank& knn, const ResolvedFilter& filter) {
  if (std::holds_alternative<SparseVector>(knn.query)) return SparseCandidates(c, knn, filter);
  if (knn.key != kEmbeddingKey) {
    return Status::InvalidArgument("Knn with a dense query searches only \"#embedding\", got key '" + knn.key +
                                   "' (a metadata key is searched with a sparse vector query)");
  }
  std::vector<Candidate> out;
  if (knn.limit == 0) return out;
  if (filter.ids && filter.ids->empty()) return out;
  const auto& dense = std::get<std::vector<float>>(knn.query);
  QueryOptions q;
  q.query_embeddings = FloatMatrix(dense.size(), dense);
  q.n_results = knn.limit;
  q.ids = filter.ids;
  q.where = filter.where;
  q.include = Include{false, false, false, true, false};
  OCHRE_ASSIGN_OR_RETURN(QueryResult r, c.Query(q));
  if (r.ids.empty()) return out;
  out.reserve(r.ids[0].size());
  for (size_t i = 0; i < r.ids[0].size(); ++i) {
    out.push_back(Candidate{r.ids[0][i], r.distances ? (*r.distances)[0][i] : 0.0f});
  }
  return out;
}

void CollectKnns(const RankExpr& e, std::vector<const KnnRank*>* out) {
  if (e.kind == RankExpr::Kind::kKnn) out->push_back(&e.knn);
  for (const RankExpr& c : e.children) CollectKnns(c, out);
}

// Chroma's RankDomain: scores of specific records, and the score of every other record (none: the
// others are not considered).
struct Domain {
  std::unordered_map<std::string, float> support;
  std::optional<float> fallback;

  static Domain Flat(float v) { return Domain{{}, v}; }
};

template <typename Op>
Domain Merge(Domain l, Domain r, Op op) {
  Domain out;
  if (l.fallback && r.fallback) {
    for (const auto& [id, v] : l.support) {
      auto it = r.support.find(id);
      out.support[id] = op(v, it == r.support.end() ? *r.fallback : it->second);
    }
    for (const auto& [id, v] : r.support) {
      if (!l.support.count(id)) out.support[id] = op(*l.fallback, v);
    }
    out.fallback = op(*l.fallback, *r.fallback);
  } else if (l.fallback) {
    for (const auto& [id, v] : r.support) {
      auto it = l.support.find(id);
      out.support[id] = op(it == l.support.end() ? *l.fallback : it->second, v);
    }
  } else if (r.fallback) {
    for (const auto& [id, v] : l.support) {
      auto it = r.support.find(id);
      out.support[id] = op(v, it == r.support.end() ? *r.fallback : it->second);
    }
  } else {
    for (const auto& [id, v] : l.support) {
      auto it = r.support.find(id);
      if (it != r.support.end()) out.support[id] = op(v, it->second);
    }
  }
  return out;
}

template <typename Op>
Domain Map(Domain d, Op op) {
  for (auto& [id, v] : d.support) v = op(v);
  if (d.fallback) d.fallback = op(*d.fallback);
  return d;
}

Domain Eval(const RankExpr& e, const std::vector<std::vector<Candidate>>& knns, size_t* next_knn) {
  auto fold = [&](float init, auto op) {
    Domain acc = Domain::Flat(init);
    for (const RankExpr& c : e.children) acc = Merge(std::move(acc), Eval(c, knns, next_knn), op);
    return acc;
  };
  switch (e.kind) {
    case RankExpr::Kind::kKnn: {
      Domain d;
      d.fallback = e.knn.default_score;
      const std::vector<Candidate>& cands = knns[(*next_knn)++];
      for (size_t i = 0; i < cands.size(); ++i) {
        d.support[cands[i].id] = e.knn.return_rank ? float(i) : cands[i].measure;
      }
      return d;
    }
    case RankExpr::Kind::kVal:
      return Domain::Flat(e.value);
    case RankExpr::Kind::kSum:
      return fold(0.0f, [](float a, float b) { return a + b; });
    case RankExpr::Kind::kMul:
      return fold(1.0f, [](float a, float b) { return a * b; });
    case RankExpr::Kind::kMax:
      return fold(std::numeric_limits<float>::lowest(), [](float a, float b) { return std::fmax(a, b); });
    case RankExpr::Kind::kMin:
      return fold(std::numeric_limits<float>::max(), [](float a, float b) { return std::fmin(a, b); });
    case RankExpr::Kind::kSub: {
      Domain l = Eval(e.children[0], knns, next_knn);
      Domain r = Eval(e.children[1], knns, next_knn);
      return Merge(std::move(l), std::move(r), [](float a, float b) { return a - b; });
    }
    case RankExpr::Kind::kDiv: {
      Domain l = Eval(e.children[0], knns, next_knn);
      Domain r = Eval(e.children[1], knns, next_knn);
      return Merge(std::move(l), std::move(r), [](float a, float b) { return a / b; });
    }
    case RankExpr::Kind::kAbs:
      return Map(Eval(e.children[0], knns, next_knn), [](float v) { return std::fabs(v); });
    case RankExpr::Kind::kExp:
      return Map(Eval(e.children[0], knns, next_knn), [](float v) { return std::exp(v); });
    case RankExpr::Kind::kLog:
      return Map(Eval(e.children[0], knns, next_knn), [](float v) { return std::log(v); });
  }
  return Domain{};
}

// Rust's f32::total_cmp as a sortable integer (-NaN < -inf < ... < -0 < +0 < ... < inf < NaN).
int32_t TotalOrderKey(float f) {
  int32_t bits;
  std::memcpy(&bits, &f, sizeof(bits));
  bits ^= int32_t(uint32_t(bits >> 31) >> 1);
  return bits;
}

struct Ranked {
  std::string id;
  float score;
};

bool ScoreLess(const Ranked& a, const Ranked& b) {
  int32_t ka = TotalOrderKey(a.score), kb = TotalOrderKey(b.score);
  if (ka != kb) return ka < kb;
  return a.id < b.id;
}

using GroupKey = std::vector<std::optional<MetadataValue>>;

GroupKey ExtractKey(const std::vector<SearchKey>& keys, const std::optional<Metadata>& md, float score) {
  GroupKey out;
  out.reserve(keys.size());
  for (const SearchKey& k : keys) {
    if (k.kind == SearchKey::Kind::kScore) {
      out.emplace_back(MetadataValue(double(score)));
    } else if (k.kind == SearchKey::Kind::kField && md) {
      auto it = md->find(k.field);
      out.push_back(it == md->end() ? std::nullopt : std::optional<MetadataValue>(it->second));
    } else {
      out.emplace_back(std::nullopt);
    }
  }
  return out;
}

Result<std::vector<Ranked>> GroupBy(const Collection& c, const SearchGroupBy& g, std::vector<Ranked> ranked) {
  if (ranked.empty()) return ranked;
  GetOptions get;
  get.ids.emplace();
  for (const Ranked& r : ranked) get.ids->push_back(r.id);
  get.include = Include{false, false, true, false, false};
  OCHRE_ASSIGN_OR_RETURN(GetResult got, c.Get(get));
  std::unordered_map<std::string, std::optional<Metadata>> md;
  for (size_t i = 0; i < got.ids.size(); ++i) md[got.ids[i]] = (*got.metadatas)[i];
  std::vector<SearchKey> group_keys;
  for (const std::string& k : g.keys) group_keys.push_back(SearchKey{SearchKey::Kind::kField, k});

  struct Enriched {
    Ranked r;
    GroupKey group;
    GroupKey agg;
  };
  std::vector<Enriched> all;
  for (Ranked& r : ranked) {
    auto it = md.find(r.id);
    if (it == md.end()) continue;  // deleted since the Knn ran
    GroupKey group = ExtractKey(group_keys, it->second, r.score);
    GroupKey agg = ExtractKey(g.aggregate_keys, it->second, r.score);
    all.push_back(Enriched{std::move(r), std::move(group), std::move(agg)});
  }
  std::stable_sort(all.begin(), all.end(), [](const Enriched& a, const Enriched& b) { return a.group < b.group; });
  std::vector<Ranked> out;
  for (size_t begin = 0; begin < all.size();) {
    size_t end = begin + 1;
    while (end < all.size() && all[end].group == all[begin].group) ++end;
    if (g.aggregate == SearchGroupBy::Aggregate::kMinK) {
      std::stable_sort(all.begin() + begin, all.begin() + end,
                       [](const Enriched& a, const Enriched& b) { return a.agg < b.agg; });
    } else {
      std::stable_sort(all.begin() + begin, all.begin() + end,
                       [](const Enriched& a, const Enriched& b) { return b.agg < a.agg; });
    }
    for (size_t i = begin; i < end && int64_t(i - begin) < g.k; ++i) out.push_back(std::move(all[i].r));
    begin = end;
  }
  std::sort(out.begin(), out.end(), ScoreLess);
  return out;
}

bool Selected(const std::vector<SearchKey>& select, SearchKey::Kind kind) {
  return std::any_of(select.begin(), select.end(), [&](const SearchKey& k) { return k.kind == kind; });
}

// Reads the selected columns of `ranked` (already paged) into a result.
Result<SearchResult> Project(const Collection& c, const SearchRequest& req, const std::vector<Ranked>& ranked,
                             bool scored) {
  SearchResult out;
  for (const SearchKey& k : req.select) out.select.push_back(k.Name());
  const bool want_doc = Selected(req.select, SearchKey::Kind::kDocument);
  const bool want_emb = Selected(req.select, SearchKey::Kind::kEmbedding);
  const bool all_md = Selected(req.select, SearchKey::Kind::kMetadata);
  std::set<std::string> fields;
  for (const SearchKey& k : req.select) {
    if (k.kind == SearchKey::Kind::kField) fields.insert(k.field);
  }
  const bool want_md = all_md || !fields.empty();
  const bool want_score = Selected(req.select, SearchKey::Kind::kScore);

  std::unordered_map<std::string, size_t> row_of;
  GetResult got;
  if ((want_doc || want_emb || want_md) && !ranked.empty()) {
    GetOptions get;
    get.ids.emplace();
    for (const Ranked& r : ranked) get.ids->push_back(r.id);
    get.include = Include{want_doc, want_emb, want_md, false, false};
    OCHRE_ASSIGN_OR_RETURN(got, c.Get(get));
    for (size_t i = 0; i < got.ids.size(); ++i) row_of[got.ids[i]] = i;
  }
  if (want_doc) out.documents.emplace();
  if (want_emb) out.embeddings.emplace();
  if (want_md) out.metadatas.emplace();
  if (want_score) out.scores.emplace();
  for (const Ranked& r : ranked) {
    std::optional<size_t> row;
    if (want_doc || want_emb || want_md) {
      auto it = row_of.find(r.id);
      if (it == row_of.end()) continue;  // deleted since it was ranked
      row = it->second;
    }
    out.ids.push_back(r.id);
    if (want_doc) out.documents->push_back((*got.documents)[*row]);
    if (want_emb) {
      if (got.embeddings && *row < got.embeddings->rows()) {
        out.embeddings->push_back(got.embeddings->RowVector(*row));
      } else {
        out.embeddings->push_back(std::nullopt);
      }
    }
    if (want_md) {
      std::optional<Metadata> md = (*got.metadatas)[*row];
      if (md && !all_md) std::erase_if(*md, [&](const auto& kv) { return !fields.count(kv.first); });
      if (md && md->empty()) md.reset();
      out.metadatas->push_back(std::move(md));
    }
    if (want_score) out.scores->push_back(scored ? std::optional<float>(r.score) : std::nullopt);
  }
  return out;
}

Result<SearchResult> SearchOne(const Collection& c, const SearchRequest& req) {
  OCHRE_RETURN_IF_ERROR(ValidateSearchRequest(req));
  OCHRE_ASSIGN_OR_RETURN(ResolvedFilter filter, ResolveFilter(c, req.where));

  if (!req.rank) {
    std::vector<Ranked> page;
    if (!(filter.ids && filter.ids->empty()) && !(req.limit && *req.limit == 0)) {
      GetOptions get;
      get.ids = filter.ids;
      get.where = filter.where;
      get.offset = req.offset;
      get.limit = req.limit;
      get.include = Include{false, false, false, false, false};
      OCHRE_ASSIGN_OR_RETURN(GetResult got, c.Get(get));
      for (std::string& id : got.ids) page.push_back(Ranked{std::move(id), 0});
    }
    return Project(c, req, page, /*scored=*/false);
  }

  std::vector<const KnnRank*> knn_specs;
  CollectKnns(*req.rank, &knn_specs);
  std::vector<std::vector<Candidate>> knns;
  for (const KnnRank* k : knn_specs) {
    OCHRE_ASSIGN_OR_RETURN(std::vector<Candidate> cands, KnnCandidates(c, *k, filter));
    knns.push_back(std::move(cands));
  }
  size_t next = 0;
  Domain d = Eval(*req.rank, knns, &next);
  std::vector<Ranked> ranked;
  ranked.reserve(d.support.size());
  for (auto& [id, score] : d.support) ranked.push_back(Ranked{id, score});
  std::sort(ranked.begin(), ranked.end(), ScoreLess);
  if (req.group_by) {
    OCHRE_ASSIGN_OR_RETURN(ranked, GroupBy(c, *req.group_by, std::move(ranked)));
  }
  const size_t begin = std::min<size_t>(size_t(req.offset), ranked.size());
  size_t end = ranked.size();
  if (req.limit) end = std::min<size_t>(end, begin + size_t(*req.limit));
  std::vector<Ranked> page(std::make_move_iterator(ranked.begin() + begin),
                           std::make_move_iterator(ranked.begin() + end));
  return Project(c, req, page, /*scored=*/true);
}

}  // namespace

Result<std::vector<SearchResult>> Collection::Search(const std::vector<SearchRequest>& searches) const {
  if (searches.empty()) return Status::InvalidArgument("At least one search payload must be provided.");
  // Validate every search before running any, so that a bad one fails the batch up front.
  for (size_t i = 0; i < searches.size(); ++i) {
    Status s = ValidateSearchRequest(searches[i]);
    if (!s.ok())
      return Status::InvalidArgument("Invalid search at searches[" + std::to_string(i) + "]: " + s.message());
  }
  std::vector<SearchResult> out;
  out.reserve(searches.size());
  for (const SearchRequest& req : searches) {
    OCHRE_ASSIGN_OR_RETURN(SearchResult r, SearchOne(*this, req));
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace ochre
