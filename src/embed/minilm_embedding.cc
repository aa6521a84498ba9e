// Copyright 2026 The OchreDB Authors.
//
// Chroma's default embedding function: all-MiniLM-L6-v2 over our tokenizer and encoder. Recorded as
// "default" with config {} (what Chroma's Python and JS clients record), so collections made by
// either side are recognised by the other.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <mutex>

#include "common/file.h"
#include "embed/minilm_model.h"
#include "embed/model_store.h"
#include "embed/wordpiece_tokenizer.h"
#include "ochre/embedding_function.h"

namespace ochre {

namespace {

constexpr size_t kMaxTokens = 256;  // Chroma's truncation
constexpr size_t kChunk = 64;       // texts per forward pass

struct LoadedMiniLm {
  std::unique_ptr<embed::WordPieceTokenizer> tokenizer;
  std::unique_ptr<embed::MiniLmModel> model;
};

Result<std::shared_ptr<const LoadedMiniLm>> LoadFrom(const std::string& dir) {
  auto loaded = std::make_shared<LoadedMiniLm>();
  std::string vocab = JoinPath(dir, "vocab.txt"), tok_json = JoinPath(dir, "tokenizer.json");
  auto exists = [](const std::string& p) {
    auto r = PathExists(p);
    return r.ok() && r.value();
  };
  if (exists(tok_json)) {
    OCHRE_ASSIGN_OR_RETURN(loaded->tokenizer, embed::WordPieceTokenizer::FromTokenizerJson(tok_json));
  } else if (exists(vocab)) {
    OCHRE_ASSIGN_OR_RETURN(loaded->tokenizer, embed::WordPieceTokenizer::FromVocabFile(vocab));
  } else {
    return Status::InvalidArgument("the model folder " + dir + " has neither tokenizer.json nor vocab.txt");
  }
  if (!exists(JoinPath(dir, "model.onnx")))
    return Status::InvalidArgument("the model folder " + dir + " has no model.onnx");
  OCHRE_ASSIGN_OR_RETURN(loaded->model, embed::MiniLmModel::Load(JoinPath(dir, "model.onnx")));
  if (loaded->tokenizer->vocab_size() != size_t(loaded->model->vocab_size())) {
    return Status::InvalidArgument("the model folder " + dir + ": the vocabulary has " +
                                   std::to_string(loaded->tokenizer->vocab_size()) + " tokens, the model " +
                                   std::to_string(loaded->model->vocab_size()));
  }
  return std::shared_ptr<const LoadedMiniLm>(std::move(loaded));
}

class MiniLmEmbeddingFunction final : public EmbeddingFunction {
 public:
  MiniLmEmbeddingFunction() = default;
  explicit MiniLmEmbeddingFunction(std::shared_ptr<const LoadedMiniLm> loaded) : loaded_(std::move(loaded)) {}

  Result<FloatMatrix> Embed(const std::vector<std::string>& texts) const override {
    OCHRE_ASSIGN_OR_RETURN(std::shared_ptr<const LoadedMiniLm> m, Loaded());
    const size_t dim = embed::MiniLmShape::kHidden;
    std::vector<float> data(texts.size() * dim);
    std::vector<float> chunk_out;
    for (size_t begin = 0; begin < texts.size(); begin += kChunk) {
      size_t end = std::min(texts.size(), begin + kChunk);
      std::vector<std::vector<int32_t>> ids;
      ids.reserve(end - begin);
      for (size_t i = begin; i < end; ++i) ids.push_back(m->tokenizer->Encode(texts[i], kMaxTokens));
      OCHRE_RETURN_IF_ERROR(m->model->Embed(ids, &chunk_out));
      std::copy(chunk_out.begin(), chunk_out.end(), data.begin() + begin * dim);
    }
    return FloatMatrix(dim, std::move(data));
  }

  std::string Name() const override { return "default"; }
  std::string ConfigJson() const override { return "{}"; }

 private:
  // The model, found (and downloaded when absent and allowed) on first use. A failure is not
  // remembered: the next call looks again (the user may have installed it meanwhile).
  Result<std::shared_ptr<const LoadedMiniLm>> Loaded() const {
    std::lock_guard<std::mutex> lock(mu_);
    if (loaded_) return loaded_;
    auto found = embed::FindMiniLm();
    std::string dir;
    if (found.ok()) {
      dir = found.value().dir;
    } else if (found.status().IsNotFound() && std::getenv("OCHRE_OFFLINE") == nullptr) {
      std::fprintf(stderr, "[ochre] all-MiniLM-L6-v2 is not installed; downloading it into %s\n",
                   embed::OchreModelHome().c_str());
      ModelInstallOptions options;
      if (::isatty(2)) options.progress = TerminalProgressBar("all-MiniLM-L6-v2");
      auto pulled = embed::PullMiniLm("", options);
      if (!pulled.ok()) {
        return Status::NotFound(found.status().message() + ". Downloading it failed: " + pulled.status().message());
      }
      dir = pulled.value();
    } else {
      return found.status();
    }
    OCHRE_ASSIGN_OR_RETURN(loaded_, LoadFrom(dir));
    return loaded_;
  }

  mutable std::mutex mu_;
  mutable std::shared_ptr<const LoadedMiniLm> loaded_;
};

}  // namespace

std::shared_ptr<EmbeddingFunction> MakeMiniLmEmbeddingFunction() {
  // One instance per process: the model (90 MB of weights) is loaded once.
  static const std::shared_ptr<EmbeddingFunction> ef = std::make_shared<MiniLmEmbeddingFunction>();
  return ef;
}

Result<std::shared_ptr<EmbeddingFunction>> LoadMiniLmEmbeddingFunction(const std::string& model_dir) {
  OCHRE_ASSIGN_OR_RETURN(auto loaded, LoadFrom(model_dir));
  return std::shared_ptr<EmbeddingFunction>(std::make_shared<MiniLmEmbeddingFunction>(std::move(loaded)));
}

std::function<void(uint64_t, uint64_t)> TerminalProgressBar(std::string label) {
  auto last = std::make_shared<int>(-1);
  return [label, last](uint64_t done, uint64_t total) {
    int permille = total ? int(done * 1000 / total) : -1;
    if (total && permille == *last && done != total) return;
    *last = permille;
    const int width = 30;
    if (total) {
      int filled = int(done * width / total);
      std::fprintf(stderr, "\r%s [%.*s%*s] %5.1f%% %.1f/%.1f MB", label.c_str(), filled,
                   "##############################", width - filled, "", permille / 10.0, done / 1e6, total / 1e6);
    } else {
      std::fprintf(stderr, "\r%s %.1f MB", label.c_str(), done / 1e6);
    }
    if (total && done >= total) std::fprintf(stderr, "\n");
    std::fflush(stderr);
  };
}

}  // namespace ochre
