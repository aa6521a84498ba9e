// Copyright 2026 The OchreDB Authors.
//
// custom_embedding_function: plugging in your own embedding function by subclassing
// ochre::EmbeddingFunction. Here it is a bag-of-words over a fixed vocabulary. The collection
// records the function's name and configuration; after a restart, getting the collection with a
// different function is refused, getting it with no function leaves it unable to embed texts, and
// getting it with the same function works as before.
// Usage: custom_embedding_function [db_dir] (default: a fresh directory in /tmp).
#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "ochre/ochre.h"

namespace {

int g_failures = 0;

std::string DatabaseDir(int argc, char** argv) {
  if (argc > 1) return argv[1];
  char tmpl[] = "/tmp/ochre-custom_embedding_function-XXXXXX";
  const char* dir = mkdtemp(tmpl);
  return dir ? dir : "/tmp/ochre-custom_embedding_function";
}

bool Check(bool ok, const std::string& what) {
  std::printf("  %-4s %s\n", ok ? "ok" : "FAIL", what.c_str());
  if (!ok) ++g_failures;
  return ok;
}

// One dimension per vocabulary word, counting its occurrences, plus one for every other word, so
// that no text gets the zero vector (which has no cosine distance). Rows are L2-normalised.
// Stateless after construction, hence safe to call from several threads as the interface requires.
class BagOfWordsEmbedding : public ochre::EmbeddingFunction {
 public:
  explicit BagOfWordsEmbedding(std::vector<std::string> vocabulary) : vocabulary_(std::move(vocabulary)) {}

  ochre::Result<ochre::FloatMatrix> Embed(const std::vector<std::string>& texts) const override {
    const size_t dim = vocabulary_.size() + 1;
    std::vector<float> data(texts.size() * dim, 0.0f);
    for (size_t t = 0; t < texts.size(); ++t) {
      float* row = data.data() + t * dim;
      std::string word;
      for (size_t i = 0; i <= texts[t].size(); ++i) {
        const char ch = i < texts[t].size() ? texts[t][i] : ' ';
        if (std::isalnum(static_cast<unsigned char>(ch))) {
          word += static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
        } else if (!word.empty()) {
          row[Bucket(word)] += 1.0f;
          word.clear();
        }
      }
      float norm = 0;
      for (size_t d = 0; d < dim; ++d) norm += row[d] * row[d];
      if (norm == 0) row[dim - 1] = norm = 1;  // an empty text
      for (size_t d = 0; d < dim; ++d) row[d] /= std::sqrt(norm);
    }
    return ochre::FloatMatrix(dim, std::move(data));
  }

  // Recorded with the collection: a later open must bring a function of this name.
  std::string Name() const override { return "bag_of_words"; }
  std::string ConfigJson() const override {
    std::string json = R"({"vocabulary": [)";
    for (size_t i = 0; i < vocabulary_.size(); ++i) json += (i ? ", \"" : "\"") + vocabulary_[i] + "\"";
    return json + "]}";
  }
  // Word counts: their direction matters, not their length.
  std::optional<ochre::Space> DefaultSpace() const override { return ochre::Space::kCosine; }

 private:
  size_t Bucket(const std::string& word) const {
    for (size_t i = 0; i < vocabulary_.size(); ++i) {
      if (vocabulary_[i] == word) return i;
    }
    return vocabulary_.size();
  }

  std::vector<std::string> vocabulary_;
};

std::shared_ptr<ochre::EmbeddingFunction> MakeFunction() {
  return std::make_shared<BagOfWordsEmbedding>(std::vector<std::string>{
      "pasta", "tomato", "basil", "cheese", "chocolate", "sugar", "flour", "rice", "curry", "spicy", "sweet", "bake"});
}

ochre::Result<std::vector<std::string>> Ask(const ochre::Collection& c, const std::string& text) {
  ochre::QueryOptions q;
  q.query_texts = std::vector<std::string>{text};
  q.n_results = 2;
  auto r = c.Query(q);
  if (!r.ok()) return r.status();
  return r->ids[0];
}

}  // namespace

int main(int argc, char** argv) {
  const std::string path = DatabaseDir(argc, argv);
  std::printf("database: %s\n", path.c_str());
  {
    auto client = ochre::PersistentClient::Open(path);
    ochre::CreateCollectionOptions options;
    options.embedding_function = ochre::MakeHashingEmbeddingFunction();  // explicit: CI has no model
    options.name = "recipes";
    options.embedding_function = MakeFunction();
    auto created = client.ok() ? (*client)->CreateCollection(options) : client.status();
    if (!Check(created.ok(), "create 'recipes' with the bag_of_words function")) return 1;
    ochre::Collection& c = **created;
    ochre::RecordBatch batch;
    batch.ids = {"margherita", "brownies", "curry", "risotto"};
    batch.documents = std::vector<std::optional<std::string>>{"Pasta with tomato, basil and cheese",
                                                              "Bake chocolate, sugar and flour into sweet brownies",
                                                              "A spicy curry with rice", "Creamy rice with cheese"};
    if (!Check(c.Add(batch).ok(), "add 4 recipes, embedded by the custom function")) return 1;

    auto info = c.Info();
    const auto& ef = info.ok() ? info->configuration.embedding_function : std::nullopt;
    Check(ef && ef->name == "bag_of_words" && info->dimension == 13,
          "the collection records " + (ef ? ef->name + " " + ef->config_json : std::string("no function")) +
              ", dimension " + std::to_string(info.ok() && info->dimension ? *info->dimension : 0));
    Check(info.ok() && info->configuration.hnsw.space == ochre::Space::kCosine,
          "the space is the function's default: " +
              std::string(info.ok() ? ochre::SpaceName(info->configuration.hnsw.space) : "?"));
    auto top = Ask(c, "something sweet with chocolate");
    Check(top.ok() && (*top)[0] == "brownies",
          "query \"something sweet with chocolate\" -> " + (top.ok() ? (*top)[0] : top.status().ToString()));
  }

  std::printf("after a restart\n");
  auto client = ochre::PersistentClient::Open(path);
  if (!Check(client.ok(), "reopen")) return 1;

  ochre::GetCollectionOptions different;
  different.embedding_function = ochre::DefaultEmbeddingFunction();
  auto refused = (*client)->GetCollection("recipes", different);
  std::printf("  get 'recipes' with the default hashing function -> %s\n", refused.status().ToString().c_str());
  Check(refused.status().IsInvalidArgument(), "a different function is refused");

  // Without a function the recorded one is rebuilt only when it is built in; ours is not, so the
  // handle has none: stored embeddings can be read and queried, texts cannot be embedded.
  auto bare = (*client)->GetCollection("recipes");
  if (Check(bare.ok() && (*bare)->embedding_function() == nullptr, "get 'recipes' with no function: no function")) {
    auto no_text = Ask(**bare, "pasta");
    std::printf("  query by text on it -> %s\n", no_text.status().ToString().c_str());
    Check(!no_text.ok(), "query by text needs the function");
  }

  ochre::GetCollectionOptions same;
  same.embedding_function = MakeFunction();
  auto recipes = (*client)->GetCollection("recipes", same);
  if (Check(recipes.ok(), "get 'recipes' with a bag_of_words function")) {
    auto top = Ask(**recipes, "rice and curry, spicy please");
    Check(top.ok() && (*top)[0] == "curry",
          "query \"rice and curry, spicy please\" -> " + (top.ok() ? (*top)[0] : top.status().ToString()));
  }

  if (g_failures != 0) {
    std::fprintf(stderr, "custom_embedding_function: FAILED: %d check(s)\n", g_failures);
    return 1;
  }
  std::printf("custom_embedding_function: OK\n");
  return 0;
}
