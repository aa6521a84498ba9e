// Copyright 2026 The OchreDB Authors.
//
// Loading (the forward pass is in minilm_forward.cc): the weights are found by their Hugging Face names, which exports
// of sentence-transformers/all-MiniLM-L6-v2 keep for embeddings, biases and layer norms. The linear layers' matrices
// are usually anonymous ("onnx::MatMul_123", stored [in x out]): each is the constant input of the MatMul whose output
// the layer's bias is added to. A "<layer>.weight" in PyTorch's [out x in] layout is taken (transposed) when present
// instead.
#include "embed/minilm_model.h"

#include <algorithm>

#include "common/file.h"
#include "embed/onnx_reader.h"

namespace ochre::embed {

namespace {

constexpr int H = MiniLmShape::kHidden;
constexpr int kHeads = MiniLmShape::kHeads;
constexpr int kHeadDim = MiniLmShape::kHeadDim;
constexpr int I = MiniLmShape::kIntermediate;

class WeightFinder {
 public:
  explicit WeightFinder(const OnnxGraph& g) : g_(g) {
    for (auto& [name, t] : g.tensors) names_.push_back(name);
  }

  // The tensor whose name is `suffix` or ends with "." + suffix; nullptr if none.
  const OnnxTensor* Find(const std::string& suffix) const {
    const OnnxTensor* found = nullptr;
    for (auto& n : names_) {
      if (n == suffix || (n.size() > suffix.size() && n.compare(n.size() - suffix.size(), suffix.size(), suffix) == 0 &&
                          n[n.size() - suffix.size() - 1] == '.')) {
        if (found == nullptr || n.size() < found->name.size()) found = &g_.tensors.at(n);
      }
    }
    return found;
  }

  Status Vector(const std::string& name, size_t size, std::vector<float>* out) const {
    const OnnxTensor* t = Find(name);
    if (t == nullptr) return Missing(name);
    OCHRE_RETURN_IF_ERROR(CheckShape(*t, {int64_t(size)}));
    OCHRE_ASSIGN_OR_RETURN(*out, t->Floats());
    return Status::Ok();
  }

  Status Matrix(const std::string& name, int64_t rows, int64_t cols, std::vector<float>* out) const {
    const OnnxTensor* t = Find(name);
    if (t == nullptr) return Missing(name);
    OCHRE_RETURN_IF_ERROR(CheckShape(*t, {rows, cols}));
    OCHRE_ASSIGN_OR_RETURN(*out, t->Floats());
    return Status::Ok();
  }

  // The [in x out] matrix of the linear layer `prefix` (e.g. "encoder.layer.0.attention.self.query").
  Status Linear(const std::string& prefix, int64_t in, int64_t out, std::vector<float>* w) const {
    if (const OnnxTensor* t = Find(prefix + ".weight")) {
      OCHRE_RETURN_IF_ERROR(CheckShape(*t, {out, in}));
      OCHRE_ASSIGN_OR_RETURN(std::vector<float> torch, t->Floats());
      w->assign(size_t(in * out), 0.0f);
      for (int64_t o = 0; o < out; ++o)
        for (int64_t i = 0; i < in; ++i) (*w)[size_t(i * out + o)] = torch[size_t(o * in + i)];
      return Status::Ok();
    }
    const OnnxTensor* bias = Find(prefix + ".bias");
    if (bias == nullptr) return Missing(prefix + ".bias");
    for (const OnnxNode& add : g_.nodes) {
      if (add.op_type != "Add" || add.inputs.size() != 2) continue;
      int which = add.inputs[0] == bias->name ? 1 : add.inputs[1] == bias->name ? 0 : -1;
      if (which < 0) continue;
      for (const OnnxNode& mm : g_.nodes) {
        if (mm.op_type != "MatMul" || mm.outputs.size() != 1 || mm.outputs[0] != add.inputs[size_t(which)]) continue;
        auto it = mm.inputs.size() == 2 ? g_.tensors.find(mm.inputs[1]) : g_.tensors.end();
        if (it == g_.tensors.end()) break;
        OCHRE_RETURN_IF_ERROR(CheckShape(it->second, {in, out}));
        OCHRE_ASSIGN_OR_RETURN(*w, it->second.Floats());
        return Status::Ok();
      }
    }
    return Status::InvalidArgument(
        "model.onnx does not match all-MiniLM-L6-v2: no MatMul with a constant weight feeds the "
        "bias '" +
        bias->name + "'");
  }

 private:
  static Status Missing(const std::string& name) {
    return Status::InvalidArgument("model.onnx does not match all-MiniLM-L6-v2: it has no weight named '" + name + "'");
  }
  static std::string ShapeText(const std::vector<int64_t>& dims) {
    std::string s = "[";
    for (size_t i = 0; i < dims.size(); ++i) s += (i ? "," : "") + std::to_string(dims[i]);
    return s + "]";
  }
  static Status CheckShape(const OnnxTensor& t, const std::vector<int64_t>& want) {
    if (t.dims != want) {
      return Status::InvalidArgument("model.onnx does not match all-MiniLM-L6-v2: '" + t.name + "' has shape " +
                                     ShapeText(t.dims) + ", expected " + ShapeText(want));
    }
    return Status::Ok();
  }

  const OnnxGraph& g_;
  std::vector<std::string> names_;
};

Status CheckGraph(const OnnxGraph& g) {
  auto mismatch = [](const std::string& what) {
    return Status::InvalidArgument("model.onnx does not match all-MiniLM-L6-v2: " + what);
  };
  for (const char* in : {"input_ids", "attention_mask", "token_type_ids"}) {
    if (std::find(g.inputs.begin(), g.inputs.end(), in) == g.inputs.end()) {
      return mismatch(std::string("the graph has no input '") + in + "'");
    }
  }
  if (g.inputs.size() != 3) return mismatch("the graph has " + std::to_string(g.inputs.size()) + " inputs, expected 3");
  if (std::find(g.outputs.begin(), g.outputs.end(), "last_hidden_state") == g.outputs.end()) {
    return mismatch("the graph has no output 'last_hidden_state'");
  }
  size_t softmax = 0, erf = 0;
  for (auto& n : g.nodes) {
    softmax += n.op_type == "Softmax";
    erf += n.op_type == "Erf" || n.op_type == "Gelu";
  }
  if (softmax != size_t(MiniLmShape::kLayers)) {
    return mismatch("it has " + std::to_string(softmax) + " attention softmaxes, expected " +
                    std::to_string(MiniLmShape::kLayers));
  }
  if (erf != size_t(MiniLmShape::kLayers)) {
    return mismatch("it has " + std::to_string(erf) + " exact GELU activations (Erf), expected " +
                    std::to_string(MiniLmShape::kLayers));
  }
  for (auto& [name, t] : g.tensors) {
    if (name.find("layer." + std::to_string(MiniLmShape::kLayers) + ".") != std::string::npos) {
      return mismatch("it has more than " + std::to_string(MiniLmShape::kLayers) + " layers ('" + name + "')");
    }
  }
  // The heads: the attention reshapes split 384 into 12 x 32; those constants must be there.
  bool has_heads = false, has_head_dim = false;
  for (auto& [name, t] : g.tensors) {
    if (t.data_type != kOnnxInt64 || t.NumElements() > 8) continue;
    auto values = t.Int64s();
    if (!values.ok()) continue;
    for (int64_t v : values.value()) {
      has_heads |= v == kHeads;
      has_head_dim |= v == kHeadDim;
    }
  }
  if (!has_heads || !has_head_dim) return mismatch("its attention is not split into 12 heads of 32");
  return Status::Ok();
}

}  // namespace

Result<std::unique_ptr<MiniLmModel>> MiniLmModel::Load(const std::string& onnx_path) {
  OCHRE_ASSIGN_OR_RETURN(std::string bytes, ReadFile(onnx_path));
  auto model = LoadFromBytes(bytes);
  if (!model.ok()) {
    const Status& s = model.status();
    return Status(s.code(), onnx_path + ": " + s.message());
  }
  return model;
}

Result<std::unique_ptr<MiniLmModel>> MiniLmModel::LoadFromBytes(std::string_view bytes) {
  OCHRE_ASSIGN_OR_RETURN(OnnxGraph g, ParseOnnxModel(bytes));
  OCHRE_RETURN_IF_ERROR(CheckGraph(g));
  WeightFinder f(g);
  std::unique_ptr<MiniLmModel> m(new MiniLmModel());
  const OnnxTensor* word = f.Find("embeddings.word_embeddings.weight");
  if (word == nullptr || word->dims.size() != 2 || word->dims[1] != H || word->dims[0] < 200 ||
      word->dims[0] > 1000000) {
    return Status::InvalidArgument(
        "model.onnx does not match all-MiniLM-L6-v2: no word embeddings 'embeddings.word_embeddings.weight' of shape "
        "[vocab,384]");
  }
  m->vocab_size_ = int(word->dims[0]);
  OCHRE_RETURN_IF_ERROR(f.Matrix("embeddings.word_embeddings.weight", m->vocab_size_, H, &m->word_));
  OCHRE_RETURN_IF_ERROR(
      f.Matrix("embeddings.position_embeddings.weight", MiniLmShape::kMaxPositions, H, &m->position_));
  OCHRE_RETURN_IF_ERROR(f.Matrix("embeddings.token_type_embeddings.weight", 2, H, &m->token_type_));
  OCHRE_RETURN_IF_ERROR(f.Vector("embeddings.LayerNorm.weight", H, &m->emb_ln_g_));
  OCHRE_RETURN_IF_ERROR(f.Vector("embeddings.LayerNorm.bias", H, &m->emb_ln_b_));
  m->layers_.resize(MiniLmShape::kLayers);
  for (int l = 0; l < MiniLmShape::kLayers; ++l) {
    Layer& L = m->layers_[size_t(l)];
    const std::string p = "encoder.layer." + std::to_string(l) + ".";
    std::vector<float> w[3], b[3];
    const char* qkv[3] = {"query", "key", "value"};
    for (int j = 0; j < 3; ++j) {
      OCHRE_RETURN_IF_ERROR(f.Linear(p + "attention.self." + qkv[j], H, H, &w[j]));
      OCHRE_RETURN_IF_ERROR(f.Vector(p + "attention.self." + qkv[j] + ".bias", H, &b[j]));
    }
    L.w_qkv.resize(size_t(H) * 3 * H);
    for (int r = 0; r < H; ++r)
      for (int j = 0; j < 3; ++j)
        std::copy(w[j].begin() + r * H, w[j].begin() + (r + 1) * H, L.w_qkv.begin() + size_t(r) * 3 * H + j * H);
    for (int j = 0; j < 3; ++j) L.b_qkv.insert(L.b_qkv.end(), b[j].begin(), b[j].end());
    OCHRE_RETURN_IF_ERROR(f.Linear(p + "attention.output.dense", H, H, &L.w_out));
    OCHRE_RETURN_IF_ERROR(f.Vector(p + "attention.output.dense.bias", H, &L.b_out));
    OCHRE_RETURN_IF_ERROR(f.Vector(p + "attention.output.LayerNorm.weight", H, &L.ln1_g));
    OCHRE_RETURN_IF_ERROR(f.Vector(p + "attention.output.LayerNorm.bias", H, &L.ln1_b));
    OCHRE_RETURN_IF_ERROR(f.Linear(p + "intermediate.dense", H, I, &L.w_ff1));
    OCHRE_RETURN_IF_ERROR(f.Vector(p + "intermediate.dense.bias", I, &L.b_ff1));
    OCHRE_RETURN_IF_ERROR(f.Linear(p + "output.dense", I, H, &L.w_ff2));
    OCHRE_RETURN_IF_ERROR(f.Vector(p + "output.dense.bias", H, &L.b_ff2));
    OCHRE_RETURN_IF_ERROR(f.Vector(p + "output.LayerNorm.weight", H, &L.ln2_g));
    OCHRE_RETURN_IF_ERROR(f.Vector(p + "output.LayerNorm.bias", H, &L.ln2_b));
  }
  return m;
}

}  // namespace ochre::embed
