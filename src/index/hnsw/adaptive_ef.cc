// Copyright 2026 The OchreDB Authors.
#include "index/hnsw/adaptive_ef.h"

#include <algorithm>
#include <cmath>

namespace ochre::index {

// PLACEHOLDER: to be fitted from bench/recall_scale.cc measurements.
size_t AdaptiveEf(size_t nodes, size_t base) {
  constexpr double kFlatUpTo = 100000;
  if (double(nodes) <= kFlatUpTo) return base;
  const double grow = 1.0 + 0.5 * std::log2(double(nodes) / kFlatUpTo);
  return std::max(base, size_t(std::lround(double(base) * grow)));
}

}  // namespace ochre::index
