// Copyright 2026 The OchreDB Authors.
//
// Run-time dispatch among the kernel versions. The choice is made once (a function-local static)
// so that every distance in a process comes from the same code and results are reproducible.
#include "index/distance/distance.h"

#include "index/distance/distance_internal.h"

namespace ochre::index {
namespace {

bool CpuHasAvx2() {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
}

bool CpuHasAvx512() {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
         __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl");
}

const DistanceKernels* Choose() {
  if (CpuHasAvx512()) return &internal::kAvx512Kernels;
  if (CpuHasAvx2()) return &internal::kAvx2Kernels;
  return &internal::kScalarKernels;
}

}  // namespace

const DistanceKernels& ActiveKernels() {
  static const DistanceKernels* const kActive = Choose();
  return *kActive;
}

std::vector<const DistanceKernels*> AvailableKernels() {
  std::vector<const DistanceKernels*> out = {&internal::kScalarKernels};
  if (CpuHasAvx2()) out.push_back(&internal::kAvx2Kernels);
  if (CpuHasAvx512()) out.push_back(&internal::kAvx512Kernels);
  return out;
}

}  // namespace ochre::index
