// Copyright 2026 The OchreDB Authors.
//
// Where the all-MiniLM-L6-v2 files are found and how they get there. A model directory holds
// model.onnx plus tokenizer.json and/or vocab.txt (the "onnx" folder of Chroma's archive). Looked
// up in this order:
//   1. $OCHRE_MODEL_DIR: its onnx/ folder (Chroma's cache layout), or the folder itself when it
//      holds model.onnx, or an onnx.tar.gz in it (checked, then installed into our cache);
//   2. our cache: $OCHRE_CACHE_DIR, else $XDG_CACHE_HOME/ochredb, else ~/.cache/ochredb, under
//      onnx_models/all-MiniLM-L6-v2/onnx;
//   3. Chroma's cache, read only: ~/.cache/chroma/onnx_models/all-MiniLM-L6-v2/onnx (or the
//      onnx.tar.gz beside it, checked and installed into our cache).
// Installing (import of an archive, or a download) extracts into a temporary folder of the cache,
// checks every file and that the model loads, then renames it into place: a crash or a killed
// download leaves the old state (and a temporary that the next install removes).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "ochre/embedding_function.h"
#include "ochre/result.h"

namespace ochre::embed {

inline constexpr char kMiniLmName[] = "all-MiniLM-L6-v2";

// The cache folder of OchreDB (see above).
std::string OchreCacheDir();
// <cache>/onnx_models/all-MiniLM-L6-v2: the archive's "onnx" folder goes in it.
std::string OchreModelHome();

struct FoundModel {
  std::string dir;                    // holds model.onnx
  std::vector<std::string> searched;  // what was looked at, in order (for messages)
};

// Finds an installed model (installing an archive met on the way). NotFound, naming every path
// searched and the commands that install the model, when there is none; InvalidArgument when a
// location is there but incomplete or its archive fails its check.
Result<FoundModel> FindMiniLm();

// Extracts a Chroma onnx.tar.gz into our cache after checking its SHA-256 (`expected_sha256`,
// empty: Chroma's) and the model. Returns the installed model directory.
Result<std::string> ImportMiniLmArchive(const std::string& archive_path, const ModelInstallOptions& options);

// Downloads the archive from `url` (empty: $OCHRE_MODEL_URL or Chroma's address) into the cache,
// then imports it as above. The download goes to a temporary file that only a complete, checked
// archive leaves.
Result<std::string> PullMiniLm(const std::string& url, const ModelInstallOptions& options);

}  // namespace ochre::embed
