// Copyright 2026 The OchreDB Authors.
#include "cli/model_command.h"

namespace ochre::cli {

void AddModelCommand(CLI::App& app, int* exit_code) {
  CLI::App* model = app.add_subcommand("model", "Install the all-MiniLM-L6-v2 model of the default embedding function");
  model->require_subcommand(1);
  AddModelPullCommand(*model, exit_code);
  AddModelImportCommand(*model, exit_code);
}

}  // namespace ochre::cli
