// Copyright 2026 The OchreDB Authors.
//
// ochre_recall_scale_bench: recall@10 and single-thread query latency (p50 / p99) against the
// collection's size, with the default search effort (SearchParams.ef = 0: the adaptive beam of
// index/hnsw/adaptive_ef.h), with a fixed ef sweep (ef 100 is Chroma's and hnswlib's default, the
// old behaviour), and hnswlib at the same ef values (issue 13 §2). Data: the engine bench's
// clustered 384-d cosine set (bench_data.cc SyntheticSphere), where a fixed ef 100 loses recall as
// the graph grows. Ground truth is exact (flat scan, re-ranked in double), cached under the build
// dir; each size's graph is built once and, with --index-cache, kept for the next run.
//
//   ochre_recall_scale_bench [--sizes 10000,100000,1000000] [--nq 300] [--dim 384] [--m 16] [--efc 100]
//                            [--threads 2] [--efs 100,150,200,300,400] [--libs ochre-sq8,hnswlib]
//                            [--index-cache DIR]
//
// ochre-sq8 is the engine's index (SQ8 walk, HnswOptions::kEngineRerank re-ranked exactly);
// ochre-sq8-beam re-ranks the whole beam (to see whether the re-rank pool limits recall).
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <numeric>
#include <sstream>
#include <string>
#include <vector>

#include "bench_common.h"
#include "index/hnsw/adaptive_ef.h"
#include "index/hnsw/hnsw_index.h"

namespace ochre::bench {
namespace {

struct Options {
  std::vector<size_t> sizes = {10000, 100000, 1000000};
  size_t nq = 300;
  uint32_t dim = 384;
  int m = 16;
  int efc = 100;
  int threads = 2;
  std::vector<int> efs = {100, 150, 200, 300, 400};
  std::vector<std::string> libs = {"ochre-sq8", "hnswlib"};
  std::string index_cache;
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
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i], v = argv[i + 1];
    if (flag == "--sizes") {
      o->sizes.clear();
      for (const auto& s : Split(v)) o->sizes.push_back(std::strtoull(s.c_str(), nullptr, 10));
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
    } else if (flag == "--libs") {
      o->libs = Split(v);
    } else if (flag == "--index-cache") {
      o->index_cache = v;
    } else {
      std::fprintf(stderr, "unknown flag %s\n", flag.c_str());
      return false;
    }
  }
  return (argc % 2) == 1 && !o->sizes.empty() && o->nq > 0 && o->dim > 0 && o->m >= 2 && o->threads >= 1;
}

std::unique_ptr<AnnLibrary> MakeLibrary(const std::string& name) {
  if (name == "ochre-sq8") return MakeOchreLibrary(true, index::HnswOptions::kEngineRerank, name);
  if (name == "ochre-sq8-beam") return MakeOchreLibrary(true, 0, name);
  if (name == "ochre") return MakeOchreLibrary(false, 0, name);
#ifdef OCHRE_BENCH_HAVE_HNSWLIB
  if (name == "hnswlib") return MakeHnswlibLibrary();
#endif
  return nullptr;
}

double ThreadCpuSeconds() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return double(ts.tv_sec) + double(ts.tv_nsec) * 1e-9;
}

double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, size_t(p * double(v.size())))];
}

struct Point {
  double recall, p50_ms, p99_ms, cpu_p50_ms, cpu_p99_ms;
};

// One pass over the queries, one at a time on this thread, after one untimed warm-up pass (the
// first touches of a freshly loaded graph are page faults, not search). Each query is timed in wall
// time and in the thread's CPU time (which other work on a shared machine disturbs far less: its
// p99 is the search's own tail, the wall p99 mostly the scheduler's).
Point Measure(AnnLibrary* lib, const Dataset& d, const std::vector<std::vector<uint32_t>>& gt, size_t k) {
  std::vector<uint32_t> out(d.nq() * k, 0xFFFFFFFFu);
  lib->SearchRange(d, 0, d.nq(), k, out.data());
  std::vector<double> lat, cpu;
  for (size_t q = 0; q < d.nq(); ++q) {
    const double c0 = ThreadCpuSeconds();
    const auto t0 = std::chrono::steady_clock::now();
    lib->SearchRange(d, q, q + 1, k, out.data());
    lat.push_back(Seconds(t0));
    cpu.push_back(ThreadCpuSeconds() - c0);
  }
  size_t hit = 0;
  for (size_t q = 0; q < d.nq(); ++q) {
    const uint32_t* row = out.data() + q * k;
    for (size_t j = 0; j < k; ++j) hit += std::count(row, row + k, gt[q][j]);
  }
  return Point{double(hit) / double(d.nq() * k), Percentile(lat, 0.5) * 1e3, Percentile(lat, 0.99) * 1e3,
               Percentile(cpu, 0.5) * 1e3, Percentile(cpu, 0.99) * 1e3};
}

void RunSize(size_t n, const Options& o) {
  const size_t k = 10;
  auto t0 = std::chrono::steady_clock::now();
  const Dataset d = SyntheticSphere(n, o.nq, o.dim, 42);
  std::printf("\n== n=%zu dim=%u queries=%zu cosine M=%d ef_construction=%d (data %.1f s)\n", n, o.dim, o.nq, o.m,
              o.efc, Seconds(t0));
  t0 = std::chrono::steady_clock::now();
  const auto gt = GroundTruth(d, k, OCHRE_BENCH_CACHE_DIR);
  std::printf("  ground truth %.1f s\n", Seconds(t0));
  for (const std::string& name : o.libs) {
    auto lib = MakeLibrary(name);
    if (!lib) {
      std::printf("  %-14s (not built in)\n", name.c_str());
      continue;
    }
    // The ochre variants share one graph file (the quantized copy is rebuilt from the vectors).
    const std::string cache = o.index_cache + "/" + name.substr(0, name.find('-')) + "_" + d.name + "_" +
                              std::to_string(n) + "_" + std::to_string(o.dim) + "_m" + std::to_string(o.m) + "_efc" +
                              std::to_string(o.efc) + ".idx";
    t0 = std::chrono::steady_clock::now();
    const char* how = "loaded";
    if (o.index_cache.empty() || !lib->LoadIndex(d, o.m, o.efc, cache)) {
      lib->Build(d, o.m, o.efc, o.threads);
      how = "built";
      if (!o.index_cache.empty()) lib->SaveIndex(cache);
    }
    std::printf("  %-14s %s in %.1f s\n", name.c_str(), how, Seconds(t0));
    std::printf("  %-14s %-16s %9s %8s %8s %8s %8s\n", "library", "setting", "recall@10", "p50_ms", "p99_ms", "cpu_p50",
                "cpu_p99");
    auto row = [&](const char* setting, const Point& p) {
      std::printf("  %-14s %-16s %9.4f %8.3f %8.3f %8.3f %8.3f\n", name.c_str(), setting, p.recall, p.p50_ms, p.p99_ms,
                  p.cpu_p50_ms, p.cpu_p99_ms);
    };
    const size_t adaptive = index::AdaptiveEf(n, 100);
    char setting[48];
    std::vector<int> efs = o.efs;
    if (name.rfind("ochre", 0) == 0) {
      lib->SetEf(0);  // the index's default: the adaptive beam
      std::snprintf(setting, sizeof(setting), "default(ef=%zu)", adaptive);
      row(setting, Measure(lib.get(), d, gt, k));
    } else if (std::find(efs.begin(), efs.end(), int(adaptive)) == efs.end()) {
      efs.push_back(int(adaptive));  // the reference at our default's beam too
    }
    for (int ef : efs) {
      lib->SetEf(ef);
      std::snprintf(setting, sizeof(setting), "ef=%d", ef);
      row(setting, Measure(lib.get(), d, gt, k));
    }
  }
}

}  // namespace
}  // namespace ochre::bench

int main(int argc, char** argv) {
  using namespace ochre::bench;
  Options o;
  if (!Parse(argc, argv, &o)) {
    std::fprintf(stderr, "usage: see the comment atop bench/recall_scale.cc\n");
    return 2;
  }
  std::setvbuf(stdout, nullptr, _IOLBF, 0);  // progress shows when the output goes to a file
  for (size_t n : o.sizes) RunSize(n, o);
  return 0;
}
