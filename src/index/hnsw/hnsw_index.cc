// Copyright 2026 The OchreDB Authors.
//
// Construction and search of the HNSW graph. Persistence is in hnsw_persist.cc.
#include "index/hnsw/hnsw_index.h"

#include <immintrin.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <queue>
#include <string>
#include <thread>

#include "index/distance/space.h"
#include "index/exact_scan.h"

namespace ochre::index {
namespace {

constexpr float kInfinity = std::numeric_limits<float>::infinity();
// Batches smaller than this per thread are inserted on fewer threads: a thread start and the
// lock traffic of neighbors being linked at once cost more than they save on tiny batches.
constexpr size_t kMinRowsPerThread = 64;

uint64_t SplitMix64(uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

struct MinFirst {
  bool operator()(const std::pair<float, uint32_t>& a, const std::pair<float, uint32_t>& b) const {
    return a.first > b.first;
  }
};

// Prefetches a whole row (rows are read whole by the distance kernels).
inline void PrefetchRow(const float* row, size_t bytes) {
  const char* p = reinterpret_cast<const char*>(row);
  for (size_t off = 0; off < bytes; off += 64) _mm_prefetch(p + off, _MM_HINT_T0);
}

// Rows the quantizer learns its ranges from (evenly spread over the graph and the incoming batch).
constexpr size_t kQuantizerSampleRows = 20000;

// The distances of a walk on the float rows.
struct ExactWalk {
  const QueryDistance& q;
  const RowChunks* rows;
  const StableArray<float>* inv_norms;  // null unless cosine
  size_t row_bytes;

  float InvNorm(uint32_t id) const { return inv_norms != nullptr ? (*inv_norms)[id] : 1.0f; }
  // The first two lines: the hardware prefetcher streams the rest of the row once the kernel
  // starts reading it (fetching whole rows here measured slower).
  void Prefetch(uint32_t id) const { PrefetchRow(rows->RowAddress(id), std::min<size_t>(row_bytes, 128)); }
  float One(uint32_t id) const { return q.To(rows->Row(id), InvNorm(id)); }
  void Four(const uint32_t* ids, float* out) const {
    const float* ptrs[4];
    float inv[4];
    for (int j = 0; j < 4; ++j) {
      ptrs[j] = rows->Row(ids[j]);
      inv[j] = InvNorm(ids[j]);
    }
    q.To4(ptrs, inv, out);
  }
};

// The distances of a walk on the quantized copy.
struct Sq8Walk {
  const Sq8Query& q;
  const ChunkedArray<uint8_t>* codes;
  size_t code_bytes;

  void Prefetch(uint32_t id) const { PrefetchRow(reinterpret_cast<const float*>(codes->At(id)), code_bytes); }
  float One(uint32_t id) const { return q.To(codes->At(id)); }
  void Four(const uint32_t* ids, float* out) const {
    const uint8_t* ptrs[4] = {codes->At(ids[0]), codes->At(ids[1]), codes->At(ids[2]), codes->At(ids[3])};
    q.To4(ptrs, out);
  }
};

}  // namespace

HnswIndex::HnswIndex(const HnswConfig& config, const RowChunks* rows, HnswOptions options)
    : space_(config.space),
      rows_(rows),
      ef_construction_(uint32_t(std::max(config.ef_construction, std::max(config.max_neighbors, 2)))),
      level_mult_(1.0 / std::log(double(std::max(config.max_neighbors, 2)))),
      kernels_(ActiveKernels()),
      options_(options),
      ef_search_(size_t(std::max(config.ef_search, 1))),
      num_threads_(config.num_threads),
      graph_(uint32_t(std::max(config.max_neighbors, 2))),
      sq8_(config.space, rows->dim()),
      codes_(sq8_.code_bytes()) {}

HnswIndex::~HnswIndex() = default;

float HnswIndex::DistanceTo(const QueryDistance& q, uint32_t row) const { return q.To(rows_->Row(row), InvNorm(row)); }

float HnswIndex::DistanceBetween(uint32_t a, uint32_t b) const {
  return RowDistance(space_, kernels_, rows_->Row(a), InvNorm(a), rows_->Row(b), InvNorm(b), rows_->dim());
}

int HnswIndex::RandomLevel(uint32_t row) const {
  // A hash of the row, not a shared generator: levels are reproducible and threads need no lock.
  uint64_t h = SplitMix64(uint64_t(row) ^ 0x6F6368726548ull);
  double u = (double(h >> 11) + 0.5) * (1.0 / 9007199254740992.0);  // (0, 1)
  int level = int(-std::log(u) * level_mult_);
  return std::min(level, HnswGraph::kMaxLevel);
}

template <typename Walk>
HnswIndex::Candidate HnswIndex::GreedyDescend(const Walk& walk, uint32_t entry, int top, int stop,
                                              SearchScratch* s) const {
  Candidate cur{walk.One(entry), entry};
  s->links.resize(graph_.MaxLinks(1));
  for (int level = top; level > stop; --level) {
    bool changed = true;
    while (changed) {
      changed = false;
      uint32_t n = graph_.ReadLinks(cur.second, level, s->links.data());
      for (uint32_t i = 0; i < n; ++i) {
        uint32_t id = s->links[i];
        float d = walk.One(id);
        if (d < cur.first) {
          cur = Candidate{d, id};
          changed = true;
        }
      }
    }
  }
  return cur;
}

template <typename Walk, typename Accept>
void HnswIndex::SearchLayer(const Walk& walk, std::span<const Candidate> entry, int level, size_t ef, Accept accept,
                            SearchScratch* s) const {
  auto& cand = s->candidates;
  auto& res = s->results;
  cand.clear();
  res.clear();
  float bound = kInfinity;  // the worst kept result once ef are kept
  auto keep = [&](float d, uint32_t id) {
    res.emplace_back(d, id);
    std::push_heap(res.begin(), res.end());
    if (res.size() > ef) {
      std::pop_heap(res.begin(), res.end());
      res.pop_back();
    }
    if (res.size() >= ef) bound = res.front().first;
  };
  for (const Candidate& e : entry) {
    if (!s->TryVisit(e.second)) continue;
    cand.push_back(e);
    std::push_heap(cand.begin(), cand.end(), MinFirst());
    if (accept(e.second)) keep(e.first, e.second);
  }
  s->links.resize(graph_.MaxLinks(level));
  auto consider = [&](float d, uint32_t id) {
    if (d < bound) {
      cand.emplace_back(d, id);
      std::push_heap(cand.begin(), cand.end(), MinFirst());
      if (accept(id)) keep(d, id);
    }
  };
  while (!cand.empty()) {
    Candidate c = cand.front();
    // With fewer than ef accepted results the bound is infinite and the search goes on: a filter
    // that rejects most nodes makes it walk further, through the rejected ones.
    if (c.first > bound) break;
    std::pop_heap(cand.begin(), cand.end(), MinFirst());
    cand.pop_back();
    uint32_t n = graph_.ReadLinks(c.second, level, s->links.data());
    // The next node to expand is likely the best one waiting: fetch its links meanwhile.
    if (level == 0 && !cand.empty()) graph_.PrefetchLinks(cand.front().second);
    auto& pending = s->pending;
    pending.clear();
    for (uint32_t i = 0; i < n; ++i) {
      uint32_t id = s->links[i];
      if (s->TryVisit(id)) {
        pending.push_back(id);
        walk.Prefetch(id);
      }
    }
    const size_t np = pending.size();
    size_t i = 0;
    for (; i + 4 <= np; i += 4) {
      float dist[4];
      walk.Four(&pending[i], dist);
      for (int j = 0; j < 4; ++j) consider(dist[j], pending[i + j]);
    }
    for (; i < np; ++i) consider(walk.One(pending[i]), pending[i]);
  }
}

void HnswIndex::SelectNeighbors(std::vector<Candidate>* cands, uint32_t max) const {
  if (cands->size() <= max) return;
  size_t kept = 0;
  for (size_t i = 0; i < cands->size() && kept < max; ++i) {
    const Candidate& c = (*cands)[i];
    bool good = true;
    for (size_t j = 0; j < kept; ++j) {
      if (DistanceBetween(c.second, (*cands)[j].second) < c.first) {
        good = false;
        break;
      }
    }
    if (good) (*cands)[kept++] = c;
  }
  cands->resize(kept);
}

void HnswIndex::LinkBack(uint32_t node, uint32_t neighbor, float distance, int level, std::vector<Candidate>* buf,
                         std::vector<uint32_t>* ids_buf) {
  const uint32_t max = graph_.MaxLinks(level);
  std::vector<uint32_t>& ids = *ids_buf;
  ids.clear();
  graph_.Lock(node);
  uint32_t count = graph_.LockedCount(node, level);
  ids.resize(count);
  for (uint32_t i = 0; i < count; ++i) ids[i] = graph_.LockedLink(node, level, i);
  if (std::find(ids.begin(), ids.end(), neighbor) != ids.end()) {
    graph_.Unlock(node);
    return;
  }
  if (count < max) {
    ids.push_back(neighbor);
  } else {
    buf->clear();
    for (uint32_t id : ids) buf->emplace_back(DistanceBetween(node, id), id);
    buf->emplace_back(distance, neighbor);
    std::sort(buf->begin(), buf->end());
    SelectNeighbors(buf, max);
    ids.clear();
    for (const Candidate& c : *buf) ids.push_back(c.second);
  }
  graph_.LockedSet(node, level, ids.data(), uint32_t(ids.size()));
  graph_.Unlock(node);
}

void HnswIndex::InsertNode(uint32_t row, SearchScratch* s) {
  const int level = RandomLevel(row);
  graph_.InitNode(row, level);
  if (space_ == Space::kCosine) inv_norms_[row] = InverseNorm(rows_->Row(row), rows_->dim());
  if (sq8_ready_.load(std::memory_order_relaxed)) EnsureEncoded(row, InvNorm(row));
  graph_.PublishNode(row, level);
  QueryDistance q(space_, rows_->Row(row), rows_->dim(), kernels_);
  const ExactWalk walk{q, rows_, space_ == Space::kCosine ? &inv_norms_ : nullptr,
                       size_t(rows_->dim()) * sizeof(float)};

  std::unique_lock<std::mutex> top_lock(graph_.entry_mutex(), std::defer_lock);
  HnswGraph::Entry e = graph_.entry();
  if (level > e.level) {
    top_lock.lock();
    e = graph_.entry();  // another thread may have raised it meanwhile
    if (level <= e.level) top_lock.unlock();
  }
  if (e.node != HnswGraph::kNone) {
    Candidate start = GreedyDescend(walk, e.node, e.level, level, s);
    std::vector<Candidate> entry_set = {start};
    std::vector<Candidate> buf;
    std::vector<uint32_t> ids;
    const int top = std::min(level, e.level);
    // First choose the neighbors on every level, then give the node all its own links, and only
    // then link other nodes to it: a concurrent search can reach the node only once every level of
    // its list is in place (linking level by level let a search descend into a node whose lower
    // levels were still empty, and stall there).
    std::vector<std::vector<Candidate>> chosen(size_t(top) + 1);
    for (int lc = top; lc >= 0; --lc) {
      s->Reset(graph_.capacity());
      s->TryVisit(row);  // never link a node to itself
      SearchLayer(
          walk, entry_set, lc, ef_construction_, [](uint32_t) { return true; }, s);
      std::vector<Candidate>& selected = chosen[size_t(lc)];
      selected.assign(s->results.begin(), s->results.end());
      std::sort(selected.begin(), selected.end());
      entry_set = selected;  // the whole beam seeds the next level down (the paper's ep <- W)
      SelectNeighbors(&selected, graph_.m());
    }
    for (int lc = top; lc >= 0; --lc) {
      ids.clear();
      for (const Candidate& c : chosen[size_t(lc)]) ids.push_back(c.second);
      graph_.Lock(row);
      graph_.LockedSet(row, lc, ids.data(), uint32_t(ids.size()));
      graph_.Unlock(row);
    }
    for (int lc = top; lc >= 0; --lc) {
      for (const Candidate& c : chosen[size_t(lc)]) LinkBack(c.second, row, c.first, lc, &buf, &ids);
    }
  }
  present_.Set(row);
  if (!deleted_.Test(row)) live_.fetch_add(1, std::memory_order_relaxed);
  if (level > e.level || e.node == HnswGraph::kNone) graph_.set_entry(row, level);
}

Status HnswIndex::Insert(std::span<const uint32_t> rows) {
  std::lock_guard<std::mutex> lock(write_mutex_);
  const uint32_t readable = rows_->rows();
  uint32_t max_row = 0;
  for (uint32_t r : rows) {
    if (r >= readable) {
      return Status::InvalidArgument("hnsw index: row " + std::to_string(r) + " is not readable (only " +
                                     std::to_string(readable) + " rows)");
    }
    max_row = std::max(max_row, r);
  }
  if (rows.empty()) return Status::Ok();
  const uint64_t n = uint64_t(max_row) + 1;
  graph_.Reserve(n);
  present_.Reserve(n);
  deleted_.Reserve(n);
  if (space_ == Space::kCosine) inv_norms_.Reserve(n);
  if (options_.quantized_search) {
    std::lock_guard<std::mutex> codes_lock(codes_mu_);
    codes_.Reserve(n);
    encoded_.Reserve(n);
  }

  // Drop rows already in the graph and repeats within the batch: two threads inserting the same
  // node would corrupt its lists.
  std::vector<uint32_t> todo;
  todo.reserve(rows.size());
  RowBitmap seen{max_row};
  for (uint32_t r : rows) {
    if (present_.Test(r) || seen.Test(r)) continue;
    seen.Set(r);
    todo.push_back(r);
  }

  if (options_.quantized_search && !sq8_ready_.load(std::memory_order_relaxed) &&
      present_.count() + todo.size() >= kQuantizerMinRows) {
    TrainQuantizer(todo);
  }

  int threads = num_threads_.load(std::memory_order_relaxed);
  if (threads <= 0) threads = DefaultScanThreads();
  threads = int(std::min<size_t>(size_t(threads), todo.size() / kMinRowsPerThread + 1));
  std::atomic<size_t> next{0};
  auto work = [&]() {
    std::unique_ptr<SearchScratch> s = pool_.Acquire(graph_.capacity());
    for (size_t i = next.fetch_add(1); i < todo.size(); i = next.fetch_add(1)) InsertNode(todo[i], s.get());
    pool_.Release(std::move(s));
  };
  if (threads <= 1) {
    work();
  } else {
    std::vector<std::thread> pool;
    for (int t = 1; t < threads; ++t) pool.emplace_back(work);
    work();
    for (auto& th : pool) th.join();
  }
  if (max_row + 1 > covered_rows_.load(std::memory_order_relaxed)) {
    covered_rows_.store(max_row + 1, std::memory_order_release);
  }
  return Status::Ok();
}

void HnswIndex::TrainQuantizer(std::span<const uint32_t> incoming) {
  const uint32_t covered = uint32_t(std::min<uint64_t>(graph_.capacity(), rows_->rows()));
  std::vector<uint32_t> pool;
  for (uint32_t r = 0; r < covered; ++r) {
    if (present_.Test(r)) pool.push_back(r);
  }
  pool.insert(pool.end(), incoming.begin(), incoming.end());
  const size_t step = std::max<size_t>(1, pool.size() / kQuantizerSampleRows);
  std::vector<const float*> sample;
  std::vector<float> scales;
  for (size_t i = 0; i < pool.size(); i += step) {
    const float* row = rows_->Row(pool[i]);
    sample.push_back(row);
    scales.push_back(RowInvNorm(row));
  }
  sq8_.Train(sample, scales);
  // The graph's rows, and the published rows it does not hold yet (the tail the engine scans until
  // they are inserted: ScanQuantized serves it once they have codes).
  std::lock_guard<std::mutex> codes_lock(codes_mu_);
  const uint32_t published = rows_->rows();
  codes_.Reserve(published);
  encoded_.Reserve(published);
  for (uint32_t r = 0; r < published; ++r) {
    EncodeRow(r, StoredOrRowInvNorm(r, rows_->Row(r)));
    encoded_.Set(r);
  }
  // Searches that see the flag see the ranges and every code written above. Sequentially
  // consistent: see Search's count of float searches.
  sq8_ready_.store(true);
}

bool HnswIndex::QuantizerPending() const {
  return options_.quantized_search && !sq8_ready_.load(std::memory_order_acquire) &&
         present_.count() >= kQuantizerMinRows;
}

void HnswIndex::TrainQuantizerIfNeeded() {
  std::lock_guard<std::mutex> lock(write_mutex_);
  if (!QuantizerPending()) return;
  TrainQuantizer({});
}

void HnswIndex::WaitForFloatSearches(int max_ms) const {
  for (int waited = 0; float_searches_.load() > 0 && waited < max_ms; ++waited) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
}

void HnswIndex::EncodeRow(uint32_t row, float inv_norm) { sq8_.Encode(rows_->Row(row), inv_norm, codes_.At(row)); }

float HnswIndex::RowInvNorm(const float* row) const {
  return space_ == Space::kCosine ? InverseNorm(row, rows_->dim()) : 1.0f;
}

float HnswIndex::StoredOrRowInvNorm(uint32_t row, const float* values) const {
  // A graph row's norm is stored before its presence bit is set.
  if (space_ == Space::kCosine && present_.Test(row)) return inv_norms_[row];
  return RowInvNorm(values);
}

void HnswIndex::EnsureEncoded(uint32_t row, float inv_norm) {
  if (encoded_.Test(row)) return;
  std::lock_guard<std::mutex> lock(codes_mu_);
  if (encoded_.Test(row)) return;
  codes_.Reserve(uint64_t(row) + 1);
  EncodeRow(row, inv_norm);
  encoded_.Set(row);
}

void HnswIndex::EncodeRows(std::span<const uint32_t> rows) {
  if (!sq8_ready_.load(std::memory_order_acquire) || rows.empty()) return;
  const uint32_t dim = rows_->dim();
  std::lock_guard<std::mutex> lock(codes_mu_);
  uint32_t max_row = 0;
  for (uint32_t r : rows) max_row = std::max(max_row, r);
  codes_.Reserve(uint64_t(max_row) + 1);
  encoded_.Reserve(uint64_t(max_row) + 1);
  // Read with CopyRows (runs of consecutive rows, as a write appends them), not the mapping.
  constexpr uint32_t kRunRows = 256;
  std::vector<float> buf(size_t(kRunRows) * dim);
  ForEachConsecutiveRun(rows, kRunRows, [&](size_t i, uint32_t n) {
    rows_->CopyRows(rows[i], n, buf.data());
    for (uint32_t j = 0; j < n; ++j) {
      const uint32_t r = rows[i + j];
      if (encoded_.Test(r)) continue;
      const float* v = buf.data() + size_t(j) * dim;
      sq8_.Encode(v, RowInvNorm(v), codes_.At(r));
      encoded_.Set(r);
    }
  });
}

bool HnswIndex::HasCodesFor(const RowBitmap& rows) const {
  if (!sq8_ready_.load(std::memory_order_acquire)) return false;
  const auto& words = rows.words();
  for (size_t w = 0; w < words.size(); ++w) {
    if (words[w] & ~encoded_.Word(uint32_t(w))) return false;
  }
  return true;
}

Result<std::vector<Neighbor>> HnswIndex::ScanQuantized(const float* query, size_t k, const RowBitmap& rows) const {
  if (query == nullptr) return Status::InvalidArgument("hnsw index: null query");
  if (!HasCodesFor(rows)) return Status::InvalidArgument("hnsw index: ScanQuantized over rows without quantized codes");
  QueryDistance q(space_, query, rows_->dim(), kernels_);
  return ScanCopyAndRerank(q, query, ScanOver(q, &encoded_, &rows, rows_->rows(), k), k);
}

ScanInput HnswIndex::ScanOver(const QueryDistance& q, const ConcurrentRowSet* present, const RowBitmap* allow,
                              uint32_t high_water, size_t k) const {
  ScanInput in;
  in.rows = rows_;
  in.query = &q;
  in.inv_norms = &inv_norms_;
  in.present = present;
  in.deleted = &deleted_;
  in.allow = allow;
  in.high_water = high_water;
  in.k = k;
  return in;
}

std::vector<Neighbor> HnswIndex::ScanCopyAndRerank(const QueryDistance& q, const float* query, ScanInput in,
                                                   size_t k) const {
  std::unique_ptr<SearchScratch> s = pool_.Acquire(0);
  s->sq8.Prepare(sq8_, query, kernels_);
  in.k = std::max(k, ef_search());  // a beam's worth of candidates for Rerank to choose from
  std::vector<Neighbor> approx = QuantizedScan(in, s->sq8, codes_, DefaultScanThreads());
  pool_.Release(std::move(s));
  return Rerank(q, std::move(approx), k);
}

void HnswIndex::MarkDeleted(uint32_t row) {
  std::lock_guard<std::mutex> lock(write_mutex_);
  if (deleted_.Test(row)) return;
  deleted_.Set(row);
  if (present_.Test(row)) live_.fetch_sub(1, std::memory_order_relaxed);
}

size_t HnswIndex::MemoryBytes() const {
  return graph_.MemoryBytes() + inv_norms_.capacity() * sizeof(float) + 2 * (graph_.capacity() / 8) +
         codes_.MemoryBytes();
}

std::vector<Neighbor> HnswIndex::ExactSearch(const QueryDistance& q, const float* query, size_t k,
                                             const RowBitmap* allow, bool quantized) const {
  const ScanInput in = ScanOver(q, &present_, allow, uint32_t(std::min<uint64_t>(graph_.capacity(), rows_->rows())), k);
  if (!quantized || !sq8_ready_.load(std::memory_order_acquire)) return ExactScan(in, DefaultScanThreads());
  return ScanCopyAndRerank(q, query, in, k);
}

std::vector<Neighbor> HnswIndex::Rerank(const QueryDistance& q, std::vector<Neighbor> candidates, size_t k) const {
  // The likeliest first: ascending approximate distance.
  std::sort(candidates.begin(), candidates.end());
  const size_t total = candidates.size();
  const size_t min_n = options_.rerank == 0 ? total : std::min(total, std::max(options_.rerank, k));
  // Rows are read with CopyRow: from the file when the store has one (under a microsecond each
  // from the page cache), never through the mapping.
  const size_t dim = rows_->dim();
  std::vector<float> buf(4 * dim);
  float max_error = 0;               // the largest |approximate - exact| seen in this query
  std::priority_queue<float> worst;  // the k smallest exact distances so far, the largest on top
  auto note = [&](size_t i, float exact) {
    max_error = std::max(max_error, std::abs(exact - candidates[i].distance));
    candidates[i].distance = exact;
    if (worst.size() < k) {
      worst.push(exact);
    } else if (exact < worst.top()) {
      worst.pop();
      worst.push(exact);
    }
  };
  size_t i = 0;
  for (; i + 4 <= min_n; i += 4) {
    const float* ptrs[4];
    float inv[4];
    for (size_t j = 0; j < 4; ++j) {
      const uint32_t row = candidates[i + j].row;
      rows_->CopyRow(row, buf.data() + j * dim);
      ptrs[j] = buf.data() + j * dim;
      inv[j] = StoredOrRowInvNorm(row, ptrs[j]);
    }
    float dist[4];
    q.To4(ptrs, inv, dist);
    for (size_t j = 0; j < 4; ++j) note(i + j, dist[j]);
  }
  // Past the minimum, a candidate is re-ranked while it could still be among the k best: its
  // approximate distance, less twice the largest error seen (an estimate of the quantization's
  // error, which depends on the data: on clustered data the first ones settle it, on data whose
  // distances crowd together it reads further), is below the k-th exact distance so far.
  for (; i < total; ++i) {
    if (i >= min_n && worst.size() >= k && candidates[i].distance - 2 * max_error > worst.top()) break;
    rows_->CopyRow(candidates[i].row, buf.data());
    note(i, q.To(buf.data(), StoredOrRowInvNorm(candidates[i].row, buf.data())));
  }
  candidates.resize(i);
  std::sort(candidates.begin(), candidates.end());
  if (candidates.size() > k) candidates.resize(k);
  return candidates;
}

size_t HnswIndex::DefaultEf() const { return AdaptiveEf(node_count(), ef_search()); }

bool HnswIndex::PreferExact(const SearchParams& params, size_t ef) const {
  // Cost in distance computations. A graph search with beam ef touches about ef * M0 / 2 nodes
  // when every node may be a result; when only a fraction f of nodes may (the allowed, live
  // ones), it must walk about 1/f times further to fill its beam. An exact scan computes one
  // distance per allowed row.
  const double nodes = double(std::max<size_t>(node_count(), 1));
  const double live = double(live_count());
  double candidates = live;
  if (params.allow != nullptr) candidates = std::min(double(params.allow->count()) * (live / nodes), live);
  const double fraction = std::max(candidates / nodes, 1e-9);
  const double graph_cost = 0.5 * double(ef) * double(graph_.MaxLinks(0)) / fraction;
  const double exact_cost = params.allow != nullptr ? std::min(double(params.allow->count()), nodes) : nodes;
  return exact_cost <= graph_cost;
}

Result<std::vector<Neighbor>> HnswIndex::Search(const float* query, const SearchParams& params) const {
  return Search(query, params, FilterStrategy::kAuto);
}

Result<std::vector<Neighbor>> HnswIndex::Search(const float* query, const SearchParams& params,
                                                FilterStrategy strategy) const {
  if (query == nullptr) return Status::InvalidArgument("hnsw index: null query");
  const size_t k = params.k;
  if (k == 0 || live_count() == 0) return std::vector<Neighbor>();
  if (params.allow != nullptr && params.allow->empty()) return std::vector<Neighbor>();
  const HnswGraph::Entry e = graph_.entry();
  if (e.node == HnswGraph::kNone) return std::vector<Neighbor>();
  QueryDistance q(space_, query, rows_->dim(), kernels_);
  const size_t ef = std::max(params.ef != 0 ? params.ef : DefaultEf(), k);
  // Counted before the flag is read (both sequentially consistent): WaitForFloatSearches, which
  // reads the count after the flag is set, either sees this search or this search sees the copy.
  float_searches_.fetch_add(1);
  struct Uncount {
    std::atomic<int>* n;
    ~Uncount() {
      if (n != nullptr) n->fetch_sub(1);
    }
  } uncount{&float_searches_};
  if (sq8_ready_.load() && strategy != FilterStrategy::kExact) {
    float_searches_.fetch_sub(1);
    uncount.n = nullptr;
  }

  bool exact = strategy == FilterStrategy::kExact;
  if (strategy == FilterStrategy::kAuto) exact = PreferExact(params, ef);
  if (exact) return ExactSearch(q, query, k, params.allow, strategy == FilterStrategy::kAuto);

  std::unique_ptr<SearchScratch> s = pool_.Acquire(graph_.capacity());
  std::vector<Neighbor> out;
  out.reserve(ef);
  if (sq8_ready_.load(std::memory_order_acquire)) {
    s->sq8.Prepare(sq8_, query, kernels_);
    SearchGraph(Sq8Walk{s->sq8, &codes_, sq8_.code_bytes()}, e, ef, params.allow, s.get());
    // The walk's distances are approximate: re-rank the best of the beam with exact ones.
    for (const Candidate& c : s->results) out.push_back(Neighbor{c.first, c.second});
    pool_.Release(std::move(s));
    out = Rerank(q, std::move(out), k);
  } else {
    const ExactWalk exact_walk{q, rows_, space_ == Space::kCosine ? &inv_norms_ : nullptr,
                               size_t(rows_->dim()) * sizeof(float)};
    SearchGraph(exact_walk, e, ef, params.allow, s.get());
    for (const Candidate& c : s->results) out.push_back(Neighbor{c.first, c.second});
    pool_.Release(std::move(s));
    std::sort(out.begin(), out.end());
    if (out.size() > k) out.resize(k);
  }
  // Fewer than k means the beam ran out of reachable accepted nodes. Pruned links can, rarely,
  // cut a few nodes off, so make sure by scanning: min(k, allowed live rows) is promised.
  if (out.size() < k && strategy == FilterStrategy::kAuto) return ExactSearch(q, query, k, params.allow, true);
  return out;
}

template <typename Walk>
void HnswIndex::SearchGraph(const Walk& walk, HnswGraph::Entry e, size_t ef, const RowBitmap* allow,
                            SearchScratch* s) const {
  Candidate start = GreedyDescend(walk, e.node, e.level, 0, s);
  const ConcurrentRowSet& deleted = deleted_;
  const std::span<const Candidate> entry(&start, 1);
  if (allow == nullptr && deleted.count() == 0) {
    // The common case needs no per-node check (a row deleted while this runs may still come
    // back, as it could had the search started a moment earlier).
    SearchLayer(
        walk, entry, 0, ef, [](uint32_t) { return true; }, s);
  } else {
    auto accept = [allow, &deleted](uint32_t id) { return (allow == nullptr || allow->Test(id)) && !deleted.Test(id); };
    SearchLayer(walk, entry, 0, ef, accept, s);
  }
}

std::unique_ptr<HnswIndex> MakeHnswIndex(const HnswConfig& config, const RowChunks* rows, HnswOptions options) {
  return std::make_unique<HnswIndex>(config, rows, options);
}

}  // namespace ochre::index
