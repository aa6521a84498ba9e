// Copyright 2026 The OchreDB Authors.
//
// Runs a CLI command's Run function (int(std::FILE* out, std::FILE* err)) with both streams written to
// temporary files, and returns its exit code and what it wrote.
#pragma once

#include <cstdio>
#include <string>

namespace ochre::testutil {

struct CapturedRun {
  int code = 0;
  std::string out, err;
};

inline std::string ReadAndClose(std::FILE* f) {
  std::string s;
  std::rewind(f);
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) s.append(buf, n);
  std::fclose(f);
  return s;
}

template <typename Fn>
CapturedRun RunCaptured(Fn&& run) {
  std::FILE* out = std::tmpfile();
  std::FILE* err = std::tmpfile();
  CapturedRun r;
  r.code = run(out, err);
  r.out = ReadAndClose(out);
  r.err = ReadAndClose(err);
  return r;
}

}  // namespace ochre::testutil
