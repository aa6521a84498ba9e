// Copyright 2026 The OchreDB Authors.
//
// The encoder on generated random-weight models (never committed): what it computes without a
// reference (unit vectors, batching changes nothing) and what it refuses. Parity with onnxruntime
// is in tests/embed/parity (scripts/tests.d/embed.sh).
#include "embed/minilm_model.h"

#include <gtest/gtest.h>

#include <cmath>

#include "embed/onnx_reader.h"
#include "testutil/minilm_onnx_writer.h"

namespace ochre::embed {
namespace {

using testutil::MakeMiniLmOnnx;
using testutil::MiniLmOnnxOptions;

const std::string& TinyModel() {
  static const std::string bytes = MakeMiniLmOnnx(MiniLmOnnxOptions{});
  return bytes;
}

std::string RefusalOf(const MiniLmOnnxOptions& o) {
  std::string bytes = MakeMiniLmOnnx(o);
  auto m = MiniLmModel::LoadFromBytes(bytes);
  EXPECT_FALSE(m.ok());
  return m.ok() ? "" : m.status().ToString();
}

TEST(MiniLmModelTest, EmbedsUnitVectorsIndependentlyOfTheBatch) {
  auto m = MiniLmModel::LoadFromBytes(TinyModel());
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_EQ((*m)->vocab_size(), 1000);
  std::vector<std::vector<int32_t>> seqs = {{101, 7, 8, 102}, {101, 102}, {}};
  for (int i = 0; i < 300; ++i) seqs[2].push_back(i % 1000);
  seqs[2].resize(256);
  std::vector<float> batch;
  ASSERT_TRUE((*m)->Embed(seqs, &batch).ok());
  ASSERT_EQ(batch.size(), 3u * 384);
  for (size_t s = 0; s < seqs.size(); ++s) {
    double norm = 0;
    for (int i = 0; i < 384; ++i) norm += double(batch[s * 384 + i]) * batch[s * 384 + i];
    EXPECT_NEAR(norm, 1.0, 1e-5);
    std::vector<float> alone;
    ASSERT_TRUE((*m)->Embed({seqs[s]}, &alone).ok());
    for (int i = 0; i < 384; ++i) EXPECT_NEAR(alone[i], batch[s * 384 + i], 1e-6) << "sequence " << s << " dim " << i;
  }
  // Different inputs, different vectors.
  double diff = 0;
  for (int i = 0; i < 384; ++i) diff += std::abs(batch[i] - batch[384 + i]);
  EXPECT_GT(diff, 0.01);
}

// The forward pass splits a call differently by thread count (whole sequences per thread when
// there are many, rows and heads of a block otherwise) and by blocks of up to 512 tokens: none of
// that may change the vectors, nor Forward's hidden states.
TEST(MiniLmModelTest, ThreadsAndBlocksDoNotChangeTheVectors) {
  auto m = MiniLmModel::LoadFromBytes(TinyModel());
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  std::vector<std::vector<int32_t>> seqs;
  for (size_t s = 0; s < 9; ++s) {
    std::vector<int32_t> ids{101};
    const size_t len = s == 4 ? 300 : 3 + s * 17;  // 3 .. 139 tokens and one of 302: several blocks
    for (size_t i = 0; i < len; ++i) ids.push_back(int32_t((s * 131 + i * 7) % 1000));
    ids.push_back(102);
    seqs.push_back(ids);
  }
  std::vector<float> want, want_hidden;
  MiniLmModel::SetThreads(1);
  ASSERT_TRUE((*m)->Embed(seqs, &want).ok());
  ASSERT_TRUE((*m)->Forward(seqs, &want_hidden).ok());
  for (int threads : {2, 3}) {
    MiniLmModel::SetThreads(threads);
    for (size_t count : {size_t(1), size_t(2), seqs.size()}) {
      std::vector<std::vector<int32_t>> part(seqs.begin() + 3, seqs.begin() + 3 + std::min(count, seqs.size() - 3));
      if (count == seqs.size()) part = seqs;
      const size_t first = count == seqs.size() ? 0 : 3;
      std::vector<float> got;
      ASSERT_TRUE((*m)->Embed(part, &got).ok());
      for (size_t i = 0; i < got.size(); ++i) {
        ASSERT_NEAR(got[i], want[first * 384 + i], 1e-6) << threads << " threads, " << part.size() << " sequences";
      }
    }
    std::vector<float> hidden;
    ASSERT_TRUE((*m)->Forward(seqs, &hidden).ok());
    ASSERT_EQ(hidden.size(), want_hidden.size());
    for (size_t i = 0; i < hidden.size(); ++i) ASSERT_NEAR(hidden[i], want_hidden[i], 1e-5) << threads << " threads";
  }
  MiniLmModel::SetThreads(0);
}

TEST(MiniLmModelTest, PyTorchLayoutWeightsAreReadToo) {
  MiniLmOnnxOptions o;
  o.torch_layout = true;
  std::string bytes = MakeMiniLmOnnx(o);
  auto m = MiniLmModel::LoadFromBytes(bytes);
  ASSERT_TRUE(m.ok()) << m.status().ToString();
}

TEST(MiniLmModelTest, BadTokenSequencesAreRefused) {
  auto m = MiniLmModel::LoadFromBytes(TinyModel());
  ASSERT_TRUE(m.ok());
  std::vector<float> out;
  EXPECT_EQ((*m)->Embed({{101, 1000, 102}}, &out).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ((*m)->Embed({{}}, &out).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ((*m)->Embed({std::vector<int32_t>(513, 5)}, &out).code(), StatusCode::kInvalidArgument);
}

TEST(MiniLmModelTest, OtherArchitecturesAreRefusedWithTheReason) {
  MiniLmOnnxOptions o;
  o.layers = 5;
  EXPECT_NE(RefusalOf(o).find("5 attention softmaxes, expected 6"), std::string::npos) << RefusalOf(o);
  o = {};
  o.layers = 7;
  EXPECT_NE(RefusalOf(o).find("expected 6"), std::string::npos);
  o = {};
  o.heads = 6;
  EXPECT_NE(RefusalOf(o).find("12 heads of 32"), std::string::npos) << RefusalOf(o);
  o = {};
  o.hidden = 256;
  o.heads = 8;
  EXPECT_NE(RefusalOf(o).find("does not match all-MiniLM-L6-v2"), std::string::npos) << RefusalOf(o);
  o = {};
  o.drop_weight = "encoder.layer.3.output.LayerNorm.bias";
  EXPECT_NE(RefusalOf(o).find("no weight named 'encoder.layer.3.output.LayerNorm.bias'"), std::string::npos)
      << RefusalOf(o);
}

TEST(MiniLmModelTest, TruncatedOrForeignFilesAreCorrupt) {
  const std::string& bytes = TinyModel();
  for (size_t cut : {size_t(10), bytes.size() / 2, bytes.size() - 3}) {
    auto m = MiniLmModel::LoadFromBytes(std::string_view(bytes).substr(0, cut));
    ASSERT_FALSE(m.ok()) << "cut at " << cut;
    EXPECT_EQ(m.status().code(), StatusCode::kCorruption) << m.status().ToString();
  }
  auto m = MiniLmModel::LoadFromBytes("this is not a protobuf file at all");
  ASSERT_FALSE(m.ok());
  auto missing = MiniLmModel::Load("/nonexistent/model.onnx");
  ASSERT_FALSE(missing.ok());
}

TEST(OnnxReaderTest, ReadsTheGraphOfAGeneratedModel) {
  auto g = ParseOnnxModel(TinyModel());
  ASSERT_TRUE(g.ok()) << g.status().ToString();
  EXPECT_EQ(g->opset, 17);
  EXPECT_EQ(g->inputs, (std::vector<std::string>{"input_ids", "attention_mask", "token_type_ids"}));
  EXPECT_EQ(g->outputs, (std::vector<std::string>{"last_hidden_state"}));
  ASSERT_TRUE(g->tensors.count("embeddings.word_embeddings.weight"));
  EXPECT_EQ(g->tensors.at("embeddings.word_embeddings.weight").dims, (std::vector<int64_t>{1000, 384}));
}

}  // namespace
}  // namespace ochre::embed
