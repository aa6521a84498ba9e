// Copyright 2026 The OchreDB Authors.
//
// `ochre export --path DIR [--collection NAME] --out FILE` and `ochre import --path DIR --in FILE`:
// OchreDB's JSON Lines export (docs/format/export.md). Exit codes: 0 done; 2 bad arguments, a file
// that is not an export, or a missing collection; 3 an export of a newer format version; 4 a
// collection that already exists; 1 any other failure (I/O).
#pragma once

#include <CLI/CLI.hpp>

namespace ochre::cli {

void AddExportCommands(CLI::App& app, int* exit_code);

}  // namespace ochre::cli
