// Copyright 2026 The OchreDB Authors.
//
// The per-instruction-set kernel tables, defined one per translation unit so that each is compiled
// with its own flags. Only distance.cc (the dispatcher) and tests use this header.
#pragma once

#include "index/distance/distance.h"

namespace ochre::index::internal {

extern const DistanceKernels kScalarKernels;
// Defined only when the compiler targets x86-64; call only if the CPU supports them.
extern const DistanceKernels kAvx2Kernels;
extern const DistanceKernels kAvx512Kernels;

}  // namespace ochre::index::internal
