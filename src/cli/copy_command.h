// Copyright 2026 The OchreDB Authors.
//
// `ochre copy --from SRC --to DST [--collection NAME ...] [--token T] [--json]`: collections and
// records from one side to the other, each a local directory or a Chroma API URL (src/interop/copy).
// Re-running an interrupted copy resumes it (state file, see interop/copy/copy.h). Exit codes: 0
// done; 2 bad arguments or a missing source collection; 3 not supported (https); 4 a destination
// collection that this copy did not create; 5 interrupted (resumable); 6 a server that cannot be
// reached; 7 a token refused (HTTP 401/403); 1 any other failure.
#pragma once

#include <CLI/CLI.hpp>

namespace ochre::cli {

void AddCopyCommand(CLI::App& app, int* exit_code);

}  // namespace ochre::cli
