// Copyright 2026 The OchreDB Authors.
//
// Helpers shared by the storage tests: a scratch directory per test and deterministic rows.
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>

#include <string>
#include <vector>

#include "common/fault_injection.h"
#include "common/file.h"

namespace ochre::storage {

class ScratchDirTest : public ::testing::Test {
 protected:
  void SetUp() override {
    FaultInjector::Reset();
    char tmpl[] = "/tmp/ochre_storage_test_XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override {
    FaultInjector::Reset();
    (void)RemoveDirRecursively(dir_);
  }
  std::string Path(const std::string& name) const { return JoinPath(dir_, name); }

  std::string dir_;
};

// n rows of dim floats; row r holds r * 1000 + column (+ salt), so any row can be checked by value.
inline std::vector<float> MakeRows(uint32_t first, uint32_t n, uint32_t dim, float salt = 0) {
  std::vector<float> out(size_t{n} * dim);
  for (uint32_t r = 0; r < n; ++r) {
    for (uint32_t c = 0; c < dim; ++c) out[size_t{r} * dim + c] = float(first + r) * 1000.0f + float(c) + salt;
  }
  return out;
}

// True if row `row` of `rows` holds the values MakeRows gives it (offset by `salt`).
template <typename Chunks>
bool RowMatches(const Chunks& rows, uint32_t row, float salt = 0) {
  const float* p = rows.Row(row);
  for (uint32_t c = 0; c < rows.dim(); ++c) {
    if (p[c] != float(row) * 1000.0f + float(c) + salt) return false;
  }
  return true;
}

}  // namespace ochre::storage
