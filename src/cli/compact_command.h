// Copyright 2026 The OchreDB Authors.
//
// `ochre compact`: gives back the space of deleted and updated records (Collection::Compact) for one
// collection or every collection of a database, printing rows and bytes before and after.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdio>
#include <optional>
#include <string>

namespace ochre::cli {

struct CompactOptions {
  std::string path = "./chroma_db";
  std::optional<std::string> collection;  // none: every collection of the database
  std::string tenant = "default_tenant";
  std::string database = "default_database";
};

// Compacts as `options` say, writing one line per collection to `out` and errors to `err`.
// Returns the exit code: 0, 1 when a compaction failed, 2 when the database or collection cannot
// be opened.
int RunCompact(const CompactOptions& options, std::FILE* out, std::FILE* err);

// Adds the `compact` subcommand to `app`; its callback stores the exit code.
void AddCompactCommand(CLI::App& app, int* exit_code);

}  // namespace ochre::cli
