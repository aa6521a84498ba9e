// Copyright 2026 The OchreDB Authors.
//
// ochre_index_bench: our HNSW against hnswlib and FAISS IndexHNSWFlat (same M, ef_construction,
// threads) on a synthetic cosine set and on Fashion-MNIST (L2): build rate, recall@10 and queries
// per second on 1 and 2 threads over an ef sweep; then the exact flat scan's latency and its share
// of the single-thread memory bandwidth. Ground truth is exact and cached under the build dir.
//
//   ochre_index_bench [--n 100000] [--nq 1000] [--dim 256] [--m 16] [--efc 100] [--threads 2]
//                     [--efs 10,20,40,80,160,320] [--datasets synthetic,fashion]
//                     [--libs ochre,hnswlib,faiss] [--fashion-dir /usr/share/datasets/fashion-mnist]
//                     [--clock wall|cpu]
//
// --n bounds both data sets (Fashion-MNIST has 60000 rows): --n 10000 finishes in about a minute.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <numeric>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "bench_common.h"
#include "index/flat_index.h"

namespace ochre::bench {
namespace {

struct Options {
  size_t n = 100000;
  size_t nq = 1000;
  uint32_t dim = 256;
  int m = 16;
  int efc = 100;
  int threads = 2;
  std::vector<int> efs = {10, 20, 40, 80, 160, 320};
  std::vector<std::string> datasets = {"synthetic", "fashion"};
  std::vector<std::string> libs = {"ochre", "hnswlib", "faiss"};
  std::string fashion_dir = "/usr/share/datasets/fashion-mnist";
  // "wall" or "cpu": with cpu, qps_1t counts the searching thread's CPU time, which a machine
  // shared with other work disturbs far less than wall time.
  std::string clock = "wall";
};

std::vector<std::string> Split(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream in(s);
  for (std::string item; std::getline(in, item, ',');) {
    if (!item.empty()) out.push_back(item);
  }
  return out;
}

bool Parse(int argc, char** argv, Options* o) {
  for (int i = 1; i < argc; ++i) {
    std::string flag = argv[i];
    if (i + 1 >= argc) {
      std::fprintf(stderr, "missing value after %s\n", flag.c_str());
      return false;
    }
    std::string v = argv[++i];
    if (flag == "--n") {
      o->n = std::strtoull(v.c_str(), nullptr, 10);
    } else if (flag == "--nq") {
      o->nq = std::strtoull(v.c_str(), nullptr, 10);
    } else if (flag == "--dim") {
      o->dim = uint32_t(std::strtoul(v.c_str(), nullptr, 10));
    } else if (flag == "--m") {
      o->m = std::atoi(v.c_str());
    } else if (flag == "--efc") {
      o->efc = std::atoi(v.c_str());
    } else if (flag == "--threads") {
      o->threads = std::atoi(v.c_str());
    } else if (flag == "--efs") {
      o->efs.clear();
      for (const auto& e : Split(v)) o->efs.push_back(std::atoi(e.c_str()));
    } else if (flag == "--datasets") {
      o->datasets = Split(v);
    } else if (flag == "--libs") {
      o->libs = Split(v);
    } else if (flag == "--clock") {
      o->clock = v;
    } else if (flag == "--fashion-dir") {
      o->fashion_dir = v;
    } else {
      std::fprintf(stderr, "unknown flag %s\n", flag.c_str());
      return false;
    }
  }
  return o->n > 0 && o->nq > 0 && o->dim > 0 && o->m >= 2 && o->threads >= 1 &&
         (o->clock == "wall" || o->clock == "cpu");
}

// Single-thread streaming read bandwidth in GB/s: the ceiling for an exact scan.
double StreamReadGBs() {
  const size_t words = size_t{256} << 20 >> 3;  // 256 MiB
  std::vector<uint64_t> buf(words, 1);
  double best = 0;
  volatile uint64_t sink = 0;
  for (int rep = 0; rep < 3; ++rep) {
    auto t0 = std::chrono::steady_clock::now();
    uint64_t a = 0, b = 0, c = 0, d = 0;
    for (size_t i = 0; i + 4 <= words; i += 4) {
      a += buf[i];
      b += buf[i + 1];
      c += buf[i + 2];
      d += buf[i + 3];
    }
    double s = Seconds(t0);
    sink = sink + a + b + c + d;
    best = std::max(best, double(words * 8) / s / 1e9);
  }
  return best;
}

double Recall(const std::vector<uint32_t>& got, const std::vector<std::vector<uint32_t>>& gt, size_t k) {
  size_t hit = 0;
  for (size_t q = 0; q < gt.size(); ++q) {
    for (size_t j = 0; j < k; ++j) {
      const uint32_t* row = got.data() + q * k;
      hit += std::count(row, row + k, gt[q][j]);
    }
  }
  return double(hit) / double(gt.size() * k);
}

double ThreadCpuSeconds() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return double(ts.tv_sec) + double(ts.tv_nsec) * 1e-9;
}

// Queries per second with `threads` threads each taking an equal share of the queries. With
// cpu_clock (one thread only) the time is the thread's CPU time.
double MeasureQps(AnnLibrary* lib, const Dataset& d, size_t k, int threads, bool cpu_clock,
                  std::vector<uint32_t>* out) {
  out->assign(d.nq() * k, 0xFFFFFFFFu);
  if (cpu_clock && threads == 1) {
    double c0 = ThreadCpuSeconds();
    lib->SearchRange(d, 0, d.nq(), k, out->data());
    return double(d.nq()) / (ThreadCpuSeconds() - c0);
  }
  auto t0 = std::chrono::steady_clock::now();
  std::vector<std::thread> pool;
  size_t per = (d.nq() + size_t(threads) - 1) / size_t(threads);
  for (int t = 1; t < threads; ++t) {
    size_t b = std::min(d.nq(), per * size_t(t)), e = std::min(d.nq(), b + per);
    pool.emplace_back([=, &d]() { lib->SearchRange(d, b, e, k, out->data()); });
  }
  lib->SearchRange(d, 0, std::min(d.nq(), per), k, out->data());
  for (auto& th : pool) th.join();
  return double(d.nq()) / Seconds(t0);
}

std::unique_ptr<AnnLibrary> MakeLibrary(const std::string& name) {
  if (name == "ochre") return MakeOchreLibrary();
  if (name == "hnswlib") return MakeHnswlibLibrary();
  if (name == "faiss") return MakeFaissLibrary();
  return nullptr;
}

void FlatScan(const Dataset& d, double stream_gbs) {
  auto rows = WrapRows(d.base, d.dim);
  Space space = d.metric == Metric::kCosine ? Space::kCosine : Space::kL2;
  index::FlatIndex serial(space, rows.get(), 1), parallel(space, rows.get(), 0);
  std::vector<uint32_t> all(d.n());
  std::iota(all.begin(), all.end(), 0u);
  (void)serial.Insert(all);
  (void)parallel.Insert(all);
  const size_t nq = std::min<size_t>(d.nq(), 100);
  const double bytes = double(d.n()) * d.dim * sizeof(float);
  for (auto* idx : {&serial, &parallel}) {
    auto t0 = std::chrono::steady_clock::now();
    for (size_t q = 0; q < nq; ++q) (void)idx->Search(d.queries.data() + q * d.dim, index::SearchParams{.k = 10});
    double ms = Seconds(t0) * 1e3 / double(nq);
    double gbs = bytes / (ms / 1e3) / 1e9;
    std::printf("  flat scan %-10s %8.3f ms/query  %6.2f GB/s  = %5.1f%% of one thread's stream bandwidth\n",
                idx == &serial ? "1 thread" : "all cores", ms, gbs, 100.0 * gbs / stream_gbs);
  }
}

void RunDataset(const Dataset& d, const Options& o, double stream_gbs) {
  const size_t k = 10;
  std::printf("\n== %s: n=%zu dim=%u queries=%zu metric=%s M=%d ef_construction=%d build threads=%d\n", d.name.c_str(),
              d.n(), d.dim, d.nq(), d.metric == Metric::kCosine ? "cosine" : "l2", o.m, o.efc, o.threads);
  auto t0 = std::chrono::steady_clock::now();
  auto gt = GroundTruth(d, k, OCHRE_BENCH_CACHE_DIR);
  std::printf("  ground truth: %.1f s (cached in %s)\n", Seconds(t0), OCHRE_BENCH_CACHE_DIR);
  std::printf("  %-8s %9s %10s %9s %5s %9s %10s %10s\n", "library", "build_s", "vectors/s", "links_MB", "ef",
              "recall@10", o.clock == "cpu" ? "qps_1t_cpu" : "qps_1t", "qps_2t");
  for (const std::string& name : o.libs) {
    auto lib = MakeLibrary(name);
    if (!lib) {
      std::printf("  %-8s (not built in)\n", name.c_str());
      continue;
    }
    auto b0 = std::chrono::steady_clock::now();
    lib->Build(d, o.m, o.efc, o.threads);
    double build_s = Seconds(b0);
    std::vector<uint32_t> out;
    for (int ef : o.efs) {
      lib->SetEf(ef);
      double qps1 = MeasureQps(lib.get(), d, k, 1, o.clock == "cpu", &out);
      double recall = Recall(out, gt, k);
      double qps2 = MeasureQps(lib.get(), d, k, 2, false, &out);
      std::printf("  %-8s %9.2f %10.0f %9.1f %5d %9.4f %10.0f %10.0f\n", name.c_str(), build_s, double(d.n()) / build_s,
                  double(lib->MemoryBytes()) / 1e6, ef, recall, qps1, qps2);
    }
  }
  FlatScan(d, stream_gbs);
}

}  // namespace
}  // namespace ochre::bench

int main(int argc, char** argv) {
  using namespace ochre::bench;
  Options o;
  if (!Parse(argc, argv, &o)) {
    std::fprintf(stderr, "usage: see the comment atop bench/index_bench.cc\n");
    return 2;
  }
  double stream = StreamReadGBs();
  std::printf("single-thread streaming read: %.2f GB/s; cores: %u\n", stream, std::thread::hardware_concurrency());
  for (const std::string& ds : o.datasets) {
    if (ds == "synthetic") {
      RunDataset(SyntheticSphere(o.n, o.nq, o.dim, 42), o, stream);
    } else if (ds == "fashion") {
      std::string error;
      Dataset d = FashionMnist(o.fashion_dir, o.n, o.nq, &error);
      if (d.name.empty()) {
        std::printf("\n== fashion-mnist skipped: %s\n", error.c_str());
        continue;
      }
      RunDataset(d, o, stream);
    } else {
      std::fprintf(stderr, "unknown data set %s\n", ds.c_str());
      return 2;
    }
  }
  return 0;
}
