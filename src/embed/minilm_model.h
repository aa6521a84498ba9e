// Copyright 2026 The OchreDB Authors.
//
// The encoder of all-MiniLM-L6-v2 (BERT: 6 layers, hidden size 384, 12 heads of 32, feed-forward
// 1536, GELU, post-layer-norm with epsilon 1e-12), its weights read from the model's ONNX file, and
// Chroma's pooling: the mean of the last hidden states over the tokens, L2-normalised.
//
// Sequences are not padded: each one attends over its own tokens only, which under Chroma's
// attention mask gives the same result as its padding to 256, for far less work on short texts.
// The forward pass (minilm_forward.cc) runs over blocks of whole sequences of up to ~512 tokens, so
// that its buffers stay in cache: per layer one matrix product (OpenBLAS, single-threaded) for the
// fused Q|K|V projection of all the block's tokens, one per dense layer, and SIMD kernels
// (minilm_kernels.h) for attention, GELU and layer norm. The cores are used by our own threads: a
// call with many sequences gives each thread its share of whole sequences; a call with few splits
// each block's rows and attention heads among the threads.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "ochre/result.h"

namespace ochre::embed {

struct MiniLmShape {
  static constexpr int kLayers = 6;
  static constexpr int kHidden = 384;
  static constexpr int kHeads = 12;
  static constexpr int kHeadDim = 32;
  static constexpr int kIntermediate = 1536;
  static constexpr int kMaxPositions = 512;
};

class MiniLmModel {
 public:
  // Reads and checks the weights of an ONNX file. Fails with InvalidArgument (naming what differs)
  // when the graph's inputs/outputs or the weights' names, count or shapes are not MiniLM-L6's, with
  // Corruption when the file is not ONNX, and IOError when it can't be read.
  static Result<std::unique_ptr<MiniLmModel>> Load(const std::string& onnx_path);
  // The same over the bytes of a file.
  static Result<std::unique_ptr<MiniLmModel>> LoadFromBytes(std::string_view bytes);

  int vocab_size() const { return vocab_size_; }

  // Embeds token id sequences (each [CLS] ... [SEP], at most kMaxPositions long): one row of
  // kHidden floats per sequence in `out`, mean-pooled and L2-normalised. InvalidArgument for an id
  // outside the vocabulary or an empty or too long sequence. Thread-safe (calls are serialised; one
  // call uses SetThreads' threads).
  Status Embed(const std::vector<std::vector<int32_t>>& sequences, std::vector<float>* out) const;

  // The last hidden states of the sequences, one after the other: [total length x kHidden].
  Status Forward(const std::vector<std::vector<int32_t>>& sequences, std::vector<float>* hidden) const;

  // Threads one call uses (0 means the cores). OpenBLAS is kept single-threaded: its own workers
  // would compete with ours for the cores.
  static void SetThreads(int threads);

  struct Layer {
    std::vector<float> w_qkv, b_qkv;  // [hidden x 3*hidden] (q | k | v), [3*hidden]
    std::vector<float> w_out, b_out;  // [hidden x hidden]
    std::vector<float> ln1_g, ln1_b;
    std::vector<float> w_ff1, b_ff1;  // [hidden x intermediate]
    std::vector<float> w_ff2, b_ff2;  // [intermediate x hidden]
    std::vector<float> ln2_g, ln2_b;
  };

 private:
  struct Workspace;
  MiniLmModel() = default;

  // Forward over every sequence, writing the hidden states (when `hidden`) and/or the pooled rows
  // (when `pooled`, kHidden floats per sequence).
  Status Run(const std::vector<std::vector<int32_t>>& sequences, float* hidden, float* pooled) const;
  // Sequences [first, last) in blocks, with `threads` threads per block (ws: one per thread).
  void RunRange(const std::vector<std::vector<int32_t>>& sequences, const std::vector<size_t>& offsets, size_t first,
                size_t last, int threads, Workspace* ws, float* hidden, float* pooled) const;
  // The encoder over sequences [first, last), whose `rows` tokens end up in ws[0].x.
  void EncodeBlock(const std::vector<std::vector<int32_t>>& sequences, size_t first, size_t last, size_t rows,
                   int threads, Workspace* ws) const;

  int vocab_size_ = 0;
  std::vector<float> word_, position_, token_type_;  // token_type_ row 0 is all Chroma uses
  std::vector<float> emb_ln_g_, emb_ln_b_;
  std::vector<Layer> layers_;
};

}  // namespace ochre::embed
