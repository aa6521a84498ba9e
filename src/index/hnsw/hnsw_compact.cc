// Copyright 2026 The OchreDB Authors.
#include "index/hnsw/hnsw_compact.h"

#include <algorithm>
#include <atomic>
#include <limits>
#include <string>
#include <thread>
#include <tuple>

#include "index/distance/space.h"
#include "index/exact_scan.h"

namespace ochre::index {

size_t GraphSnapshot::nodes() const {
  return size_t(std::count_if(level.begin(), level.end(), [](int8_t l) { return l >= 0; }));
}

std::span<const uint32_t> GraphSnapshot::Links(uint32_t row, int l) const {
  const uint32_t* p = words.data() + offset[row];
  for (int i = 0; i < l; ++i) p += 1 + p[0];
  return std::span<const uint32_t>(p + 1, p[0]);
}

// The friend of HnswIndex that fills a new index's graph directly (as LoadGraph does).
class HnswCompactor {
 public:
  static GraphSnapshot Snapshot(const HnswIndex& index, uint32_t rows);
  static Result<RemappedGraph> Remap(const GraphSnapshot& old, std::span<const uint32_t> live, const HnswConfig& config,
                                     const RowChunks* rows, HnswOptions options);

 private:
  using Candidate = HnswIndex::Candidate;
  struct Job;
  // A link the repair added from `from` to `to` on `level`, to be mirrored from `to` to `from`.
  struct BackLink {
    int level;
    uint32_t to, from;
    bool operator<(const BackLink& o) const { return std::tie(level, to, from) < std::tie(o.level, o.to, o.from); }
  };
  // Mirrors the repair's new links into the lists that still have room (as an insert links back
  // to its neighbors), in a fixed order: the nodes that lost in-links from dead nodes regain some.
  static void AddBackLinks(HnswIndex* idx, std::vector<BackLink>* back);
  // One repairing thread's buffers. stamp[old row] == epoch marks a row seen for the current list.
  struct Scratch {
    std::vector<uint32_t> stamp;
    uint32_t epoch = 0;
    std::vector<uint32_t> ids, pool, dead2;
    std::vector<Candidate> cands;
    std::vector<char> taken;
    std::vector<BackLink> back;
    size_t repaired = 0;
  };
  // The new lists of one node on every level.
  static void RepairNode(const Job& job, uint32_t node, Scratch* s);
  // Walks level 0 from the entry and links in every node the walk misses. False if some node
  // stays unreachable (never expected; the caller then builds afresh).
  static bool LinkUnreached(HnswIndex* idx, const std::vector<char>& is_node, size_t* relinked);
};

struct HnswCompactor::Job {
  const GraphSnapshot& old;
  const std::vector<uint32_t>& new_of_old;  // kNone: dead (or not a node)
  std::span<const uint32_t> live;           // old row of each new row
  HnswIndex* idx;
};

GraphSnapshot HnswCompactor::Snapshot(const HnswIndex& index, uint32_t rows) {
  const HnswGraph& g = index.graph_;
  GraphSnapshot s;
  s.m = g.m();
  s.rows = uint32_t(std::min<uint64_t>(rows, g.capacity()));
  s.level.assign(s.rows, -1);
  s.offset.assign(s.rows, 0);
  // Levels first, links second: a link to a row whose level was read as absent (a node published
  // meanwhile, possible only without the caller's lock) or past `rows` is left out, so the
  // snapshot is closed under its links.
  for (uint32_t r = 0; r < s.rows; ++r) s.level[r] = int8_t(g.Level(r));
  s.words.reserve(size_t(s.rows) * (1 + g.MaxLinks(0)));
  std::vector<uint32_t> buf(g.MaxLinks(0));
  for (uint32_t r = 0; r < s.rows; ++r) {
    const int level = s.level[r];
    if (level < 0) continue;
    s.offset[r] = s.words.size();
    for (int l = 0; l <= level; ++l) {
      const uint32_t n = g.ReadLinks(r, l, buf.data());
      const size_t count_at = s.words.size();
      s.words.push_back(0);
      for (uint32_t i = 0; i < n; ++i) {
        if (buf[i] < s.rows && s.level[buf[i]] >= l) s.words.push_back(buf[i]);
      }
      s.words[count_at] = uint32_t(s.words.size() - count_at - 1);
    }
  }
  const HnswGraph::Entry e = g.entry();
  if (e.node != HnswGraph::kNone && e.node < s.rows && s.level[e.node] == e.level) {
    s.entry = e.node;
    s.entry_level = e.level;
  }
  return s;
}

void HnswCompactor::RepairNode(const Job& job, uint32_t node, Scratch* s) {
  const GraphSnapshot& old = job.old;
  HnswIndex& idx = *job.idx;
  HnswGraph& g = idx.graph_;
  const uint32_t o = job.live[node];
  auto is_live = [&](uint32_t v) { return job.new_of_old[v] != HnswGraph::kNone; };
  for (int l = 0; l <= old.level[o]; ++l) {
    const std::span<const uint32_t> links = old.Links(o, l);
    const uint32_t max = g.MaxLinks(l);
    s->ids.clear();
    bool lost = false;
    for (uint32_t v : links) {
      if (is_live(v)) {
        s->ids.push_back(job.new_of_old[v]);
      } else {
        lost = true;
      }
    }
    if (lost) {
      ++s->repaired;
      if (++s->epoch == 0) {  // wrapped: forget every mark
        std::fill(s->stamp.begin(), s->stamp.end(), 0);
        s->epoch = 1;
      }
      s->stamp[o] = s->epoch;
      for (uint32_t v : links) s->stamp[v] = s->epoch;
      s->pool.clear();
      s->dead2.clear();
      for (uint32_t v : links) {
        if (is_live(v)) continue;
        for (uint32_t w : old.Links(v, l)) {
          if (s->stamp[w] == s->epoch) continue;
          s->stamp[w] = s->epoch;
          (is_live(w) ? s->pool : s->dead2).push_back(w);
        }
      }
      // Two hops, when one leaves fewer candidates than the list holds.
      if (s->pool.size() < max) {
        for (uint32_t d : s->dead2) {
          for (uint32_t w : old.Links(d, l)) {
            if (s->stamp[w] == s->epoch) continue;
            s->stamp[w] = s->epoch;
            if (is_live(w)) s->pool.push_back(w);
          }
        }
      }
      // The live neighbors stay; the lost links are replaced, up to the list's old length, by the
      // closest new candidates the heuristic keeps (closer to the node than to every neighbor
      // already in the list), then by the closest others.
      s->cands.clear();
      for (uint32_t w : s->pool) {
        const uint32_t nw = job.new_of_old[w];
        s->cands.emplace_back(idx.DistanceBetween(node, nw), nw);
      }
      std::sort(s->cands.begin(), s->cands.end());  // ties by row: deterministic
      if (s->cands.size() > idx.ef_construction_) s->cands.resize(idx.ef_construction_);
      const size_t target = std::min<size_t>(links.size(), max);
      const size_t kept = s->ids.size();
      s->taken.assign(s->cands.size(), 0);
      for (size_t i = 0; i < s->cands.size() && s->ids.size() < target; ++i) {
        const Candidate& c = s->cands[i];
        bool good = true;
        for (uint32_t sel : s->ids) {
          if (idx.DistanceBetween(c.second, sel) < c.first) {
            good = false;
            break;
          }
        }
        if (good) {
          s->ids.push_back(c.second);
          s->taken[i] = 1;
        }
      }
      for (size_t i = 0; i < s->cands.size() && s->ids.size() < target; ++i) {
        if (!s->taken[i]) s->ids.push_back(s->cands[i].second);
      }
      for (size_t i = kept; i < s->ids.size(); ++i) s->back.push_back(BackLink{l, s->ids[i], node});
    }
    g.LockedSet(node, l, s->ids.data(), uint32_t(s->ids.size()));
  }
}

void HnswCompactor::AddBackLinks(HnswIndex* idx, std::vector<BackLink>* back) {
  HnswGraph& g = idx->graph_;
  std::sort(back->begin(), back->end());
  std::vector<uint32_t> list;
  std::vector<Candidate> offers;
  for (size_t b = 0; b < back->size();) {
    const BackLink& first = (*back)[b];
    size_t e = b;
    while (e < back->size() && (*back)[e].level == first.level && (*back)[e].to == first.to) ++e;
    const uint32_t node = first.to;
    const uint32_t count = g.LockedCount(node, first.level);
    const uint32_t room = g.MaxLinks(first.level) - count;
    if (room > 0) {
      list.resize(count);
      for (uint32_t i = 0; i < count; ++i) list[i] = g.LockedLink(node, first.level, i);
      offers.clear();
      for (size_t k = b; k < e; ++k) {
        const uint32_t from = (*back)[k].from;
        if (std::find(list.begin(), list.end(), from) == list.end()) offers.emplace_back(0.0f, from);
      }
      if (offers.size() > room) {
        for (Candidate& c : offers) c.first = idx->DistanceBetween(node, c.second);
        std::sort(offers.begin(), offers.end());
        offers.resize(room);
      }
      for (const Candidate& c : offers) list.push_back(c.second);
      g.LockedSet(node, first.level, list.data(), uint32_t(list.size()));
    }
    b = e;
  }
}

bool HnswCompactor::LinkUnreached(HnswIndex* idx, const std::vector<char>& is_node, size_t* relinked) {
  HnswGraph& g = idx->graph_;
  const uint32_t n = uint32_t(is_node.size());
  const uint32_t max = g.MaxLinks(0);
  std::vector<char> reached(n, 0);
  std::vector<uint32_t> stack;
  auto links0 = [&](uint32_t u, std::vector<uint32_t>* out) {
    out->resize(g.LockedCount(u, 0));
    for (uint32_t i = 0; i < out->size(); ++i) (*out)[i] = g.LockedLink(u, 0, i);
  };
  std::vector<uint32_t> list;
  auto walk_from = [&](uint32_t start) {
    if (reached[start]) return;
    reached[start] = 1;
    stack.push_back(start);
    std::vector<uint32_t> out;
    while (!stack.empty()) {
      const uint32_t u = stack.back();
      stack.pop_back();
      links0(u, &out);
      for (uint32_t v : out) {
        if (!reached[v]) {
          reached[v] = 1;
          stack.push_back(v);
        }
      }
    }
  };
  const uint32_t entry = g.entry().node;
  walk_from(entry);
  std::vector<Candidate> hosts, buf;
  std::vector<uint32_t> ids;
  // A forced link replaces one, which may cut another node off: walk again, a few rounds at most.
  for (int round = 0; round < 4; ++round) {
    bool all = true;
    for (uint32_t u = 0; u < n; ++u) {
      if (!is_node[u] || reached[u]) continue;
      all = false;
      ++*relinked;
      hosts.clear();
      links0(u, &list);
      for (uint32_t v : list) {
        if (reached[v]) hosts.emplace_back(idx->DistanceBetween(u, v), v);
      }
      if (hosts.empty()) {  // no reached neighbor: the nearest reached node, by a scan
        Candidate best{std::numeric_limits<float>::infinity(), HnswGraph::kNone};
        for (uint32_t v = 0; v < n; ++v) {
          if (reached[v]) best = std::min(best, Candidate{idx->DistanceBetween(u, v), v});
        }
        hosts.push_back(best);
      }
      std::sort(hosts.begin(), hosts.end());
      bool linked = false;
      for (const Candidate& h : hosts) {
        idx->LinkBack(h.second, u, h.first, 0, &buf, &ids);
        links0(h.second, &list);
        if (std::find(list.begin(), list.end(), u) != list.end()) {
          linked = true;
          break;
        }
      }
      if (!linked) {  // the heuristic kept no host's link to it: replace the nearest host's farthest
        const uint32_t v = hosts.front().second;
        links0(v, &list);
        size_t far = 0;
        float far_d = -1;
        for (size_t i = 0; i < list.size(); ++i) {
          const float d = idx->DistanceBetween(v, list[i]);
          if (d > far_d) {
            far_d = d;
            far = i;
          }
        }
        if (list.size() < max) {
          list.push_back(u);
        } else {
          list[far] = u;
        }
        g.LockedSet(v, 0, list.data(), uint32_t(list.size()));
      }
      if (g.LockedCount(u, 0) == 0) {  // a node with no live candidate at all: give it a way out
        const uint32_t v = hosts.front().second;
        g.LockedSet(u, 0, &v, 1);
      }
      walk_from(u);
    }
    if (all) return true;
    std::fill(reached.begin(), reached.end(), 0);
    walk_from(entry);
  }
  for (uint32_t u = 0; u < n; ++u) {
    if (is_node[u] && !reached[u]) return false;
  }
  return true;
}

Result<RemappedGraph> HnswCompactor::Remap(const GraphSnapshot& old, std::span<const uint32_t> live,
                                           const HnswConfig& config, const RowChunks* rows, HnswOptions options) {
  RemappedGraph out;
  out.index = MakeHnswIndex(config, rows, options);
  HnswIndex& idx = *out.index;
  HnswGraph& g = idx.graph_;
  if (old.m != g.m()) {
    return Status::NotSupported("hnsw remap: the old graph has M=" + std::to_string(old.m) + ", the configuration " +
                                std::to_string(g.m()));
  }
  const uint32_t n = uint32_t(live.size());
  if (rows->rows() < n) {
    return Status::InvalidArgument("hnsw remap: " + std::to_string(n) + " live rows but only " +
                                   std::to_string(rows->rows()) + " vectors");
  }
  std::vector<uint32_t> new_of_old(old.rows, HnswGraph::kNone);
  std::vector<char> is_node(n, 0);
  std::vector<uint32_t> nodes;
  for (uint32_t i = 0; i < n; ++i) {
    const uint32_t o = live[i];
    if (i > 0 && o <= live[i - 1]) return Status::InvalidArgument("hnsw remap: live rows not ascending");
    if (o < old.rows && old.level[o] >= 0) {
      new_of_old[o] = i;
      is_node[i] = 1;
      nodes.push_back(i);
    } else {
      out.missing.push_back(i);
    }
  }
  if (nodes.empty()) return out;

  g.Reserve(n);
  idx.present_.Reserve(n);
  idx.deleted_.Reserve(n);
  if (idx.space_ == Space::kCosine) {
    idx.inv_norms_.Reserve(n);
    for (uint32_t i : nodes) idx.inv_norms_[i] = InverseNorm(rows->Row(i), rows->dim());
  }
  for (uint32_t i : nodes) g.InitNode(i, old.level[live[i]]);

  // Each node's lists depend only on the snapshot: threads split the nodes without sharing a write.
  const Job job{old, new_of_old, live, &idx};
  int threads = config.num_threads > 0 ? config.num_threads : DefaultScanThreads();
  threads = int(std::min<size_t>(size_t(std::max(threads, 1)), nodes.size() / 1024 + 1));
  constexpr size_t kChunk = 256;
  std::atomic<size_t> next{0};
  std::vector<Scratch> scratch(static_cast<size_t>(threads));
  auto work = [&](Scratch* s) {
    s->stamp.assign(old.rows, 0);
    for (size_t b = next.fetch_add(kChunk); b < nodes.size(); b = next.fetch_add(kChunk)) {
      const size_t e = std::min(nodes.size(), b + kChunk);
      for (size_t k = b; k < e; ++k) RepairNode(job, nodes[k], s);
    }
  };
  {
    std::vector<std::thread> pool;
    for (int t = 1; t < threads; ++t) pool.emplace_back(work, &scratch[size_t(t)]);
    work(&scratch[0]);
    for (auto& th : pool) th.join();
  }
  std::vector<BackLink> back;
  for (Scratch& s : scratch) {
    out.repaired_lists += s.repaired;
    back.insert(back.end(), s.back.begin(), s.back.end());
    s = Scratch();
  }
  AddBackLinks(&idx, &back);

  for (uint32_t i : nodes) {
    g.PublishNode(i, old.level[live[i]]);
    idx.present_.Set(i);
  }
  idx.live_.store(nodes.size(), std::memory_order_relaxed);
  if (old.entry != HnswGraph::kNone && new_of_old[old.entry] != HnswGraph::kNone) {
    g.set_entry(new_of_old[old.entry], old.entry_level);
  } else {
    uint32_t best = nodes.front();
    for (uint32_t i : nodes) {
      if (old.level[live[i]] > old.level[live[best]]) best = i;
    }
    g.set_entry(best, old.level[live[best]]);
  }
  idx.covered_rows_.store(nodes.back() + 1, std::memory_order_release);
  if (!LinkUnreached(&idx, is_node, &out.relinked_nodes)) {
    return Status::Internal("hnsw remap: some nodes stay unreachable after relinking");
  }
  if (options.quantized_search && nodes.size() >= HnswIndex::kQuantizerMinRows) {
    idx.codes_.Reserve(n);
    idx.TrainQuantizer({});
  }
  return out;
}

GraphSnapshot SnapshotGraph(const HnswIndex& index, uint32_t rows) { return HnswCompactor::Snapshot(index, rows); }

Result<RemappedGraph> RemapGraph(const GraphSnapshot& old, std::span<const uint32_t> live, const HnswConfig& config,
                                 const RowChunks* rows, HnswOptions options) {
  return HnswCompactor::Remap(old, live, config, rows, options);
}

}  // namespace ochre::index
