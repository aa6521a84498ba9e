// Copyright 2026 The OchreDB Authors.
//
// How every `ochre` command reports a failure, so that scripts read one shape: with --json a single
// object {"ok": false, "exit_code": N, "error": "..."} on the command's output stream, otherwise
// "ochre <command>: <error>" on its error stream.
#pragma once

#include <cstdio>
#include <string_view>

#include "ochre/status.h"

namespace ochre::cli {

// Prints `error` as above and returns `exit_code`.
int ReportFailure(std::string_view command, const Status& error, int exit_code, bool json, std::FILE* out,
                  std::FILE* err);

}  // namespace ochre::cli
