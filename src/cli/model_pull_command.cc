// Copyright 2026 The OchreDB Authors.
#include <memory>

#include "cli/command_output.h"
#include "cli/model_command.h"
#include "ochre/embedding_function.h"

namespace ochre::cli {

int RunModelPull(const ModelInstallArgs& args, std::FILE* out, std::FILE* err) {
  ModelInstallOptions options;
  options.expected_sha256 = args.sha256;
  options.progress = TerminalProgressBar("all-MiniLM-L6-v2");
  std::fprintf(out, "downloading %s\n", args.source.empty() ? kMiniLmArchiveUrl : args.source.c_str());
  std::fflush(out);
  auto dir = PullDefaultModel(args.source, options);
  if (!dir.ok()) {
    std::fprintf(err, "\nochre model pull: %s (nothing was installed)\n", dir.status().ToString().c_str());
    return ExitCodeFor(dir.status());
  }
  std::fprintf(out, "installed all-MiniLM-L6-v2 in %s\n", dir->c_str());
  return 0;
}

void AddModelPullCommand(CLI::App& model, int* exit_code) {
  auto args = std::make_shared<ModelInstallArgs>();
  CLI::App* cmd = model.add_subcommand("pull", "Download Chroma's all-MiniLM-L6-v2 archive into OchreDB's cache");
  cmd->add_option("--from", args->source, "The archive's URL (default: Chroma's, or $OCHRE_MODEL_URL)");
  cmd->add_option("--sha256", args->sha256, "The archive's expected SHA-256 (default: Chroma's archive)");
  cmd->callback([args, exit_code] { *exit_code = RunModelPull(*args, stdout, stderr); });
}

}  // namespace ochre::cli
