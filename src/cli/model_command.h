// Copyright 2026 The OchreDB Authors.
//
// `ochre model pull [--from URL] [--sha256 HEX]` downloads Chroma's all-MiniLM-L6-v2 archive into
// OchreDB's cache (checked, installed atomically, with a progress bar); `ochre model import FILE
// [--sha256 HEX]` installs an onnx.tar.gz copied from another machine. Without --sha256 the archive
// must be Chroma's (SHA-256 913d7300...). Both print the installed folder.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdio>
#include <string>

namespace ochre::cli {

struct ModelInstallArgs {
  std::string source;  // the URL (pull; empty: Chroma's) or the archive's path (import)
  std::string sha256;  // empty: Chroma's archive
};

// Exit codes: 0 installed, 1 failed (nothing installed).
int RunModelPull(const ModelInstallArgs& args, std::FILE* out, std::FILE* err);
int RunModelImport(const ModelInstallArgs& args, std::FILE* out, std::FILE* err);

// Adds `model` with its `pull` and `import` subcommands to `app`.
void AddModelCommand(CLI::App& app, int* exit_code);
void AddModelPullCommand(CLI::App& model, int* exit_code);
void AddModelImportCommand(CLI::App& model, int* exit_code);

}  // namespace ochre::cli
