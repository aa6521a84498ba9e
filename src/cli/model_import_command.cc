// Copyright 2026 The OchreDB Authors.
#include <memory>

#include "cli/command_output.h"
#include "cli/model_command.h"
#include "ochre/embedding_function.h"

namespace ochre::cli {

int RunModelImport(const ModelInstallArgs& args, std::FILE* out, std::FILE* err) {
  ModelInstallOptions options;
  options.expected_sha256 = args.sha256;
  auto dir = ImportDefaultModel(args.source, options);
  if (!dir.ok()) {
    std::fprintf(err, "ochre model import: %s (nothing was installed)\n", dir.status().ToString().c_str());
    return ExitCodeFor(dir.status());
  }
  std::fprintf(out, "installed all-MiniLM-L6-v2 from %s in %s\n", args.source.c_str(), dir->c_str());
  return 0;
}

void AddModelImportCommand(CLI::App& model, int* exit_code) {
  auto args = std::make_shared<ModelInstallArgs>();
  CLI::App* cmd =
      model.add_subcommand("import", "Install an onnx.tar.gz of all-MiniLM-L6-v2 copied from another machine");
  cmd->add_option("FILE", args->source, "The archive (Chroma's onnx.tar.gz)")->required();
  cmd->add_option("--sha256", args->sha256, "The archive's expected SHA-256 (default: Chroma's archive)");
  cmd->callback([args, exit_code] { *exit_code = RunModelImport(*args, stdout, stderr); });
}

}  // namespace ochre::cli
