// Copyright 2026 The OchreDB Authors.
//
// Small helpers shared by the engine benchmarks (ochre_engine_bench, ochre_compaction_bench): a
// benchmark stops at the first failed call, with what failed, since a figure measured past an
// error would mean nothing.
#pragma once

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <utility>
#include <vector>

#include "ochre/result.h"
#include "ochre/status.h"

namespace ochre::bench {

inline void Check(const Status& s, const char* what) {
  if (!s.ok()) {
    std::fprintf(stderr, "%s: %s\n", what, s.ToString().c_str());
    std::exit(1);
  }
}

template <typename T>
T Take(Result<T> r, const char* what) {
  Check(r.status(), what);
  return std::move(*r);
}

// The p-th fraction (0..1) of `v`, by rank.
inline double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, size_t(p * double(v.size())))];
}

}  // namespace ochre::bench
