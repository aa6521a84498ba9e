// Copyright 2026 The OchreDB Authors.
//
// Embedding functions turn documents and query texts into vectors. A collection records the name
// and configuration of the function it was created with (Chroma's configuration_json
// .embedding_function); opening it later with a different function is refused.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ochre/result.h"
#include "ochre/types.h"

namespace ochre {

// Implementations must be safe to call from several threads at once.
class EmbeddingFunction {
 public:
  virtual ~EmbeddingFunction() = default;

  // One row per text, all of the same dimension.
  virtual Result<FloatMatrix> Embed(const std::vector<std::string>& texts) const = 0;
  // Query texts; the same as Embed unless a model embeds queries differently.
  virtual Result<FloatMatrix> EmbedQuery(const std::vector<std::string>& texts) const { return Embed(texts); }

  // The name recorded with the collection, e.g. "ochre_hashing".
  virtual std::string Name() const = 0;
  // A JSON object with what is needed to build the same function again.
  virtual std::string ConfigJson() const { return "{}"; }
  // The space the function's vectors are meant for, when the caller sets none.
  virtual std::optional<Space> DefaultSpace() const { return std::nullopt; }

  EmbeddingFunctionDescriptor Descriptor() const { return {"known", Name(), ConfigJson()}; }
};

// A deterministic, model-free embedding: character n-grams (1 to 3 characters of each lower-cased
// word, plus word unigrams) hashed into `dim` buckets with signs, then L2-normalised. Similar texts
// get similar vectors; no model, no download. Its name is "ochre_hashing", its config {"dim": N}.
std::shared_ptr<EmbeddingFunction> MakeHashingEmbeddingFunction(int dim = 384);

// The function collections get when the caller names none: Chroma's default, all-MiniLM-L6-v2
// (MakeMiniLmEmbeddingFunction below, recorded as "default" with config {}). Making a collection with
// it needs no model; the first Embed does (and fails with NotFound when it can't be had). Choose
// MakeHashingEmbeddingFunction() explicitly to work without the model.
std::shared_ptr<EmbeddingFunction> DefaultEmbeddingFunction();

// Chroma's default embedding, all-MiniLM-L6-v2 (384 dimensions, recorded as "default" with config
// {}), computed natively from the model's ONNX weights: the same vectors as Chroma's onnxruntime
// recipe. The model is looked up when first needed ($OCHRE_MODEL_DIR, then OchreDB's cache
// ~/.cache/ochredb, then Chroma's ~/.cache/chroma/onnx_models/all-MiniLM-L6-v2), and downloaded
// into OchreDB's cache with a progress bar when absent (not when $OCHRE_OFFLINE is set). When it
// can't be had, Embed fails with NotFound naming the paths searched and `ochre model pull` /
// `ochre model import`; there is no fallback to another function. Thread-safe.
std::shared_ptr<EmbeddingFunction> MakeMiniLmEmbeddingFunction();
// The same over the files of `model_dir` (model.onnx with tokenizer.json or vocab.txt), loaded
// now: InvalidArgument when the files are missing or the model is not all-MiniLM-L6-v2's shape.
Result<std::shared_ptr<EmbeddingFunction>> LoadMiniLmEmbeddingFunction(const std::string& model_dir);

// Chroma's archive of the model and its SHA-256.
inline constexpr char kMiniLmArchiveUrl[] = "https://chroma-onnx-models.s3.amazonaws.com/all-MiniLM-L6-v2/onnx.tar.gz";
inline constexpr char kMiniLmArchiveSha256[] = "913d7300ceae3b2dbc2c50d1de4baacab4be7b9380491c27fab7418616a16ec3";

struct ModelInstallOptions {
  // The archive's expected SHA-256 in hex; empty: kMiniLmArchiveSha256.
  std::string expected_sha256;
  // Called as bytes arrive (total 0 when unknown).
  std::function<void(uint64_t done, uint64_t total)> progress;
};

// Installs all-MiniLM-L6-v2 into OchreDB's cache from an onnx.tar.gz (as Chroma downloads it),
// after checking its SHA-256 and the model; the returned path is the installed model directory.
// InvalidArgument for a checksum mismatch, a missing file or a model of another shape; Corruption for
// a truncated or damaged archive. Nothing is installed on failure.
Result<std::string> ImportDefaultModel(const std::string& archive_path, const ModelInstallOptions& options = {});
// Downloads the archive (from `url`; empty: $OCHRE_MODEL_URL or kMiniLmArchiveUrl) and installs it
// as ImportDefaultModel does. IOError when the download fails.
Result<std::string> PullDefaultModel(const std::string& url = "", const ModelInstallOptions& options = {});
// A progress callback drawing "label [#####     ] 45.0% 35.6/79.3 MB" on stderr.
std::function<void(uint64_t done, uint64_t total)> TerminalProgressBar(std::string label);
// The installed model directory found by the lookup above, or NotFound saying where it looked.
Result<std::string> FindDefaultModel();

// Rebuilds a built-in function from a collection's recorded descriptor; NotFound when the name is
// not a built-in one (the caller must then pass its own function).
Result<std::shared_ptr<EmbeddingFunction>> EmbeddingFunctionFromDescriptor(const EmbeddingFunctionDescriptor& d);

}  // namespace ochre
