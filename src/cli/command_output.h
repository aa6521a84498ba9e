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

// The exit code of a command that failed with `error`, the same for every command:
//   1 anything else (I/O, internal)            6 corrupt or unsafe data
//   2 bad arguments or input, or not found     7 permission denied (a token refused, a directory)
//   3 not supported (a newer format, https)    8 interrupted: run the same command again to resume
//   4 already exists (a destination not empty) 9 another server cannot be reached
//   5 locked: another process has the database or directory open
// Commands with findings of their own (verify: 1 problems found) keep those beside this table.
int ExitCodeFor(const Status& error);

// Prints `error` as above and returns `exit_code`.
int ReportFailure(std::string_view command, const Status& error, int exit_code, bool json, std::FILE* out,
                  std::FILE* err);

// The same, with the exit code ExitCodeFor(error).
int ReportFailure(std::string_view command, const Status& error, bool json, std::FILE* out, std::FILE* err);

}  // namespace ochre::cli
