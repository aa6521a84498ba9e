// Copyright 2026 The OchreDB Authors.
//
// The forward pass of all-MiniLM-L6-v2 and Chroma's pooling (see minilm_model.h for the plan).
// Buffers are kept between calls (calls are serialised), so a call allocates nothing once warm.
#include <cblas.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <mutex>
#include <thread>

#include "embed/minilm_kernels.h"
#include "embed/minilm_model.h"

namespace ochre::embed {

namespace {

constexpr size_t H = MiniLmShape::kHidden;
constexpr size_t kHeads = MiniLmShape::kHeads;
constexpr size_t kHeadDim = MiniLmShape::kHeadDim;
constexpr size_t I = MiniLmShape::kIntermediate;
// Token rows per pass through the layers: a block's buffers (Q|K|V, context, feed-forward) stay
// within a few MB. A longer sequence is a block of its own.
constexpr size_t kBlockTokens = 512;
// Rows of the feed-forward run at a time by one thread: fewer would repack the weights for OpenBLAS
// more often, more would take the 1536-wide activations out of cache.
constexpr size_t kFfnRows = 256;
// Fewer rows than this in a block: one thread does it all (threads would cost more than they save).
constexpr size_t kMinRowsPerThread = 32;

std::atomic<int> g_threads{0};
std::mutex g_forward_mu;  // one forward pass at a time: each uses every core already
std::once_flag g_blas_once;

int Threads() {
  int t = g_threads.load();
  if (t <= 0) t = int(std::max(1u, std::thread::hardware_concurrency()));
  return t;
}

// Runs fn(thread, begin, end) over [0, n) in `threads` contiguous parts, in parallel.
template <typename Fn>
void ParallelRanges(int threads, size_t n, Fn fn) {
  threads = int(std::min<size_t>(size_t(std::max(threads, 1)), std::max<size_t>(n, 1)));
  if (threads <= 1) {
    fn(0, size_t(0), n);
    return;
  }
  std::vector<std::thread> workers;
  const size_t per = (n + size_t(threads) - 1) / size_t(threads);
  for (int t = 1; t < threads; ++t) {
    size_t b = size_t(t) * per, e = std::min(n, b + per);
    if (b < e) workers.emplace_back([&fn, t, b, e] { fn(t, b, e); });
  }
  fn(0, size_t(0), std::min(n, per));
  for (auto& w : workers) w.join();
}

// Runs fn(thread, task) for every task in [0, n), the threads taking the next task as they finish.
template <typename Fn>
void ParallelTasks(int threads, size_t n, Fn fn) {
  threads = int(std::min<size_t>(size_t(std::max(threads, 1)), std::max<size_t>(n, 1)));
  std::atomic<size_t> next{0};
  auto work = [&](int t) {
    for (size_t task; (task = next.fetch_add(1)) < n;) fn(t, task);
  };
  std::vector<std::thread> workers;
  for (int t = 1; t < threads; ++t) workers.emplace_back(work, t);
  work(0);
  for (auto& w : workers) w.join();
}

void Grow(std::vector<float>* v, size_t n) {
  if (v->size() < n) v->resize(n);
}

// out[rows x n] = a[rows x k] * w[k x n] + bias.
void Linear(const float* a, size_t rows, size_t k, const std::vector<float>& w, const std::vector<float>& bias,
            size_t n, float* out) {
  if (rows == 0) return;
  for (size_t r = 0; r < rows; ++r) std::copy(bias.begin(), bias.end(), out + r * n);
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, int(rows), int(n), int(k), 1.0f, a, int(k), w.data(), int(n),
              1.0f, out, int(n));
}

// Chroma pools in float64 (numpy promotes float32 x int64 mask), then normalises and casts.
void MeanPoolNormalise(const float* rows, size_t len, float* out) {
  double sum[H] = {};
  for (size_t p = 0; p < len; ++p) {
    const float* row = rows + p * H;
    for (size_t i = 0; i < H; ++i) sum[i] += row[i];
  }
  double norm = 0;
  for (size_t i = 0; i < H; ++i) {
    sum[i] /= double(len);
    norm += sum[i] * sum[i];
  }
  norm = std::sqrt(norm);
  if (norm == 0) norm = 1e-12;
  for (size_t i = 0; i < H; ++i) out[i] = float(sum[i] / norm);
}

}  // namespace

struct MiniLmModel::Workspace {
  std::vector<float> x, qkv, ctx;  // the block's rows (ws[0]'s are shared by a block's threads)
  std::vector<float> tmp, ff;      // one thread's feed-forward rows
  std::vector<float> scratch;      // one thread's attention scratch
};

void MiniLmModel::SetThreads(int threads) { g_threads.store(threads); }

void MiniLmModel::EncodeBlock(const std::vector<std::vector<int32_t>>& sequences, size_t first, size_t last,
                              size_t rows, int threads, Workspace* ws) const {
  const MiniLmKernels& k = ActiveMiniLmKernels();
  if (rows < 2 * kMinRowsPerThread) threads = 1;
  size_t max_len = 0;
  for (size_t s = first; s < last; ++s) max_len = std::max(max_len, sequences[s].size());
  for (int t = 0; t < threads; ++t) {
    Grow(&ws[t].scratch, AttendScratchFloats(max_len));
    Grow(&ws[t].tmp, kFfnRows * H);
    Grow(&ws[t].ff, kFfnRows * I);
  }
  float* x = ws[0].x.data();
  float* qkv = ws[0].qkv.data();
  float* ctx = ws[0].ctx.data();
  std::vector<size_t> starts;  // each sequence's first row in the block
  size_t row = 0;
  for (size_t s = first; s < last; ++s) {
    starts.push_back(row);
    for (size_t p = 0; p < sequences[s].size(); ++p, ++row) {
      float* out = x + row * H;
      const float* w = word_.data() + size_t(sequences[s][p]) * H;
      const float* pos = position_.data() + p * H;
      for (size_t i = 0; i < H; ++i) out[i] = w[i] + pos[i] + token_type_[i];
    }
  }
  k.add_layer_norm(x, nullptr, rows, emb_ln_g_.data(), emb_ln_b_.data());

  const size_t n_seq = last - first;
  for (const Layer& L : layers_) {
    ParallelRanges(threads, rows, [&](int, size_t b, size_t e) {
      Linear(x + b * H, e - b, H, L.w_qkv, L.b_qkv, 3 * H, qkv + b * 3 * H);
    });
    ParallelTasks(threads, n_seq * kHeads, [&](int t, size_t task) {
      const size_t s = task / kHeads, h = task % kHeads;
      const float* base = qkv + starts[s] * 3 * H + h * kHeadDim;
      k.attend_head(base, base + H, base + 2 * H, 3 * H, sequences[first + s].size(),
                    ctx + starts[s] * H + h * kHeadDim, H, ws[t].scratch.data());
    });
    // Everything after attention is row by row: out projection, residual + norm, feed-forward,
    // residual + norm, kFfnRows rows at a time.
    ParallelRanges(threads, rows, [&](int t, size_t b, size_t e) {
      float* tmp = ws[t].tmp.data();
      float* ff = ws[t].ff.data();
      for (size_t r = b; r < e; r += kFfnRows) {
        const size_t n = std::min(kFfnRows, e - r);
        Linear(ctx + r * H, n, H, L.w_out, L.b_out, H, tmp);
        k.add_layer_norm(x + r * H, tmp, n, L.ln1_g.data(), L.ln1_b.data());
        Linear(x + r * H, n, H, L.w_ff1, L.b_ff1, I, ff);
        k.gelu(ff, n * I);
        Linear(ff, n, I, L.w_ff2, L.b_ff2, H, tmp);
        k.add_layer_norm(x + r * H, tmp, n, L.ln2_g.data(), L.ln2_b.data());
      }
    });
  }
}

void MiniLmModel::RunRange(const std::vector<std::vector<int32_t>>& sequences, const std::vector<size_t>& offsets,
                           size_t first, size_t last, int threads, Workspace* ws, float* hidden, float* pooled) const {
  for (size_t begin = first; begin < last;) {
    size_t end = begin + 1;
    while (end < last && offsets[end + 1] - offsets[begin] <= kBlockTokens) ++end;
    const size_t rows = offsets[end] - offsets[begin];
    Grow(&ws[0].x, rows * H);
    Grow(&ws[0].qkv, rows * 3 * H);
    Grow(&ws[0].ctx, rows * H);
    EncodeBlock(sequences, begin, end, rows, threads, ws);
    const float* x = ws[0].x.data();
    if (hidden != nullptr) std::copy(x, x + rows * H, hidden + offsets[begin] * H);
    if (pooled != nullptr) {
      for (size_t s = begin; s < end; ++s) {
        MeanPoolNormalise(x + (offsets[s] - offsets[begin]) * H, sequences[s].size(), pooled + s * H);
      }
    }
    begin = end;
  }
}

Status MiniLmModel::Run(const std::vector<std::vector<int32_t>>& sequences, float* hidden, float* pooled) const {
  std::vector<size_t> offsets{0};
  for (auto& s : sequences) {
    if (s.empty() || s.size() > size_t(MiniLmShape::kMaxPositions)) {
      return Status::InvalidArgument("a token sequence has " + std::to_string(s.size()) + " tokens (1 to 512 allowed)");
    }
    for (int32_t id : s) {
      if (id < 0 || id >= vocab_size_)
        return Status::InvalidArgument("token id " + std::to_string(id) + " is outside the vocabulary");
    }
    offsets.push_back(offsets.back() + s.size());
  }
  std::lock_guard<std::mutex> lock(g_forward_mu);
  std::call_once(g_blas_once, [] { openblas_set_num_threads(1); });
  static std::vector<Workspace> workspaces;  // guarded by g_forward_mu
  const int threads = Threads();
  if (workspaces.size() < size_t(threads)) workspaces.resize(size_t(threads));
  const size_t n = sequences.size();
  if (threads > 1 && n >= 2 * size_t(threads)) {
    // Each thread its share of whole sequences, balanced by tokens, each with its own buffers.
    std::vector<size_t> cut{0};
    for (int t = 1; t < threads; ++t) {
      const size_t target = offsets[n] * size_t(t) / size_t(threads);
      size_t s = cut.back();
      while (s < n && offsets[s] < target) ++s;
      cut.push_back(std::max(s, cut.back()));
    }
    cut.push_back(n);
    ParallelRanges(threads, size_t(threads), [&](int, size_t b, size_t e) {
      for (size_t t = b; t < e; ++t) {
        RunRange(sequences, offsets, cut[t], cut[t + 1], 1, &workspaces[t], hidden, pooled);
      }
    });
  } else {
    RunRange(sequences, offsets, 0, n, threads, workspaces.data(), hidden, pooled);
  }
  return Status::Ok();
}

Status MiniLmModel::Forward(const std::vector<std::vector<int32_t>>& sequences, std::vector<float>* hidden) const {
  size_t total = 0;
  for (auto& s : sequences) total += s.size();
  hidden->assign(total * H, 0.0f);
  return Run(sequences, hidden->data(), nullptr);
}

Status MiniLmModel::Embed(const std::vector<std::vector<int32_t>>& sequences, std::vector<float>* out) const {
  out->assign(sequences.size() * H, 0.0f);
  return Run(sequences, nullptr, out->data());
}

}  // namespace ochre::embed
