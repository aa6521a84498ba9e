// Copyright 2026 The OchreDB Authors.
//
// ResidentKbOfFile: how much of a file this process holds in resident memory through its mappings
// (/proc/self/smaps), for tests of what stays resident.
#pragma once

#include <cstdint>
#include <string>

namespace ochre::testutil {

// Resident kilobytes of every mapping of this process whose file path ends with `path_suffix`; 0
// when none is resident, -1 when /proc/self/smaps cannot be read.
int64_t ResidentKbOfFile(const std::string& path_suffix);

}  // namespace ochre::testutil
