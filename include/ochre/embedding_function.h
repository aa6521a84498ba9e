// Copyright 2026 The OchreDB Authors.
//
// Embedding functions turn documents and query texts into vectors. A collection records the name
// and configuration of the function it was created with (Chroma's configuration_json
// .embedding_function); opening it later with a different function is refused.
#pragma once

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

// The function collections get when the caller names none: the hashing function, 384 dimensions.
std::shared_ptr<EmbeddingFunction> DefaultEmbeddingFunction();

// Rebuilds a built-in function from a collection's recorded descriptor; NotFound when the name is
// not a built-in one (the caller must then pass its own function).
Result<std::shared_ptr<EmbeddingFunction>> EmbeddingFunctionFromDescriptor(const EmbeddingFunctionDescriptor& d);

}  // namespace ochre
