// Copyright 2026 The OchreDB Authors.
#include "testutil/minilm_onnx_writer.h"

#include <cmath>
#include <cstring>
#include <vector>

namespace ochre::testutil {

namespace {

void Varint(std::string* out, uint64_t v) {
  while (v >= 0x80) {
    out->push_back(char(v | 0x80));
    v >>= 7;
  }
  out->push_back(char(v));
}
void Key(std::string* out, int field, int wire) { Varint(out, uint64_t(field) << 3 | uint64_t(wire)); }
void Bytes(std::string* out, int field, const std::string& s) {
  Key(out, field, 2);
  Varint(out, s.size());
  out->append(s);
}
void Int(std::string* out, int field, int64_t v) {
  Key(out, field, 0);
  Varint(out, uint64_t(v));
}

class Rng {
 public:
  explicit Rng(uint64_t seed) : s_(seed * 0x9E3779B97F4A7C15ull + 1) {}
  uint64_t Next() {
    uint64_t z = (s_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  double Uniform() { return double(Next() >> 11) / double(1ull << 53); }
  float Normal(float stddev) {
    double u = std::max(Uniform(), 1e-300), v = Uniform();
    return float(std::sqrt(-2 * std::log(u)) * std::cos(2 * M_PI * v) * stddev);
  }

 private:
  uint64_t s_;
};

class GraphBuilder {
 public:
  explicit GraphBuilder(const MiniLmOnnxOptions& o) : o_(o), rng_(o.seed) {}

  std::string FloatTensor(const std::string& name, std::vector<int64_t> dims, float mean, float stddev) {
    size_t n = 1;
    for (auto d : dims) n *= size_t(d);
    std::vector<float> v(n);
    for (auto& x : v) x = mean + rng_.Normal(stddev);
    AddTensor(name, dims, 1, std::string(reinterpret_cast<const char*>(v.data()), n * 4));
    return name;
  }
  std::string Int64Tensor(const std::string& name, std::vector<int64_t> dims, const std::vector<int64_t>& v) {
    AddTensor(name, dims, 7, std::string(reinterpret_cast<const char*>(v.data()), v.size() * 8));
    return name;
  }
  std::string Scalar(float value) {
    std::string name = "const_" + std::to_string(counter_++);
    AddTensor(name, {}, 1, std::string(reinterpret_cast<const char*>(&value), 4));
    return name;
  }

  // Adds a node; returns its (first) output's name.
  std::string Node(const std::string& op, const std::vector<std::string>& inputs, std::string attrs = "") {
    std::string out = op + "_" + std::to_string(counter_++);
    std::string n;
    for (auto& i : inputs) Bytes(&n, 1, i);
    Bytes(&n, 2, out);
    Bytes(&n, 3, out);
    Bytes(&n, 4, op);
    n += attrs;
    Bytes(&nodes_, 1, n);
    return out;
  }
  static std::string IntAttr(const std::string& name, int64_t v) {
    std::string a;
    Bytes(&a, 1, name);
    Int(&a, 3, v);
    Int(&a, 20, 2);  // INT
    std::string out;
    Bytes(&out, 5, a);
    return out;
  }
  static std::string FloatAttr(const std::string& name, float v) {
    std::string a;
    Bytes(&a, 1, name);
    Key(&a, 2, 5);
    a.append(reinterpret_cast<const char*>(&v), 4);
    Int(&a, 20, 1);  // FLOAT
    std::string out;
    Bytes(&out, 5, a);
    return out;
  }
  static std::string IntsAttr(const std::string& name, const std::vector<int64_t>& v) {
    std::string a;
    Bytes(&a, 1, name);
    for (auto x : v) Int(&a, 8, x);
    Int(&a, 20, 7);  // INTS
    std::string out;
    Bytes(&out, 5, a);
    return out;
  }

  std::string Linear(const std::string& x, const std::string& prefix, int in, int out) {
    std::string w;
    if (o_.torch_layout) {
      std::string wt = FloatTensor(prefix + ".weight", {out, in}, 0, 0.05f);
      w = Node("Transpose", {wt}, IntsAttr("perm", {1, 0}));
    } else {
      w = FloatTensor("onnx::MatMul_" + std::to_string(counter_++), {in, out}, 0, 0.05f);
    }
    std::string b = FloatTensor(prefix + ".bias", {out}, 0, 0.02f);
    return Node("Add", {b, Node("MatMul", {x, w})});
  }

  std::string LayerNorm(const std::string& x, const std::string& prefix) {
    std::string g = FloatTensor(prefix + ".weight", {o_.hidden}, 1, 0.1f);
    std::string b = FloatTensor(prefix + ".bias", {o_.hidden}, 0, 0.05f);
    return Node("LayerNormalization", {x, g, b}, IntAttr("axis", -1) + FloatAttr("epsilon", 1e-12f));
  }

  std::string Build() {
    const int H = o_.hidden, heads = o_.heads, hd = H / heads;
    std::string word = FloatTensor("embeddings.word_embeddings.weight", {o_.vocab, H}, 0, 0.3f);
    std::string pos = FloatTensor("embeddings.position_embeddings.weight", {512, H}, 0, 0.1f);
    std::string type = FloatTensor("embeddings.token_type_embeddings.weight", {2, H}, 0, 0.1f);
    std::string shape = Node("Shape", {"input_ids"});
    std::string len = Node("Slice", {shape, Int64Tensor("c_one", {1}, {1}), Int64Tensor("c_two", {1}, {2})});
    std::string pe = Node("Slice", {pos, Int64Tensor("c_zero", {1}, {0}), len, Int64Tensor("c_axis0", {1}, {0})});
    std::string e =
        Node("Add", {Node("Add", {Node("Gather", {word, "input_ids"}), pe}), Node("Gather", {type, "token_type_ids"})});
    std::string x = LayerNorm(e, "embeddings.LayerNorm");
    std::string m = Node("Cast", {"attention_mask"}, IntAttr("to", 1));
    m = Node("Unsqueeze", {m, Int64Tensor("c_axes12", {2}, {1, 2})});
    std::string mask_bias = Node("Mul", {Node("Sub", {Scalar(1.0f), m}), Scalar(-3.4028234663852886e38f)});
    std::string split = Int64Tensor("c_split_heads", {4}, {0, 0, heads, hd});
    std::string merge = Int64Tensor("c_merge_heads", {3}, {0, 0, H});
    for (int l = 0; l < o_.layers; ++l) {
      std::string p = "encoder.layer." + std::to_string(l) + ".";
      auto heads_of = [&](const std::string& t, std::vector<int64_t> perm) {
        return Node("Transpose", {Node("Reshape", {t, split})}, IntsAttr("perm", perm));
      };
      std::string q = heads_of(Linear(x, p + "attention.self.query", H, H), {0, 2, 1, 3});
      std::string k = heads_of(Linear(x, p + "attention.self.key", H, H), {0, 2, 3, 1});
      std::string v = heads_of(Linear(x, p + "attention.self.value", H, H), {0, 2, 1, 3});
      std::string scores =
          Node("Add", {Node("Div", {Node("MatMul", {q, k}), Scalar(std::sqrt(float(hd)))}), mask_bias});
      std::string probs = Node("Softmax", {scores}, IntAttr("axis", -1));
      std::string ctx =
          Node("Reshape", {Node("Transpose", {Node("MatMul", {probs, v})}, IntsAttr("perm", {0, 2, 1, 3})), merge});
      std::string a = Linear(ctx, p + "attention.output.dense", H, H);
      std::string x1 = LayerNorm(Node("Add", {a, x}), p + "attention.output.LayerNorm");
      std::string f = Linear(x1, p + "intermediate.dense", H, 4 * H);
      std::string erf = Node("Erf", {Node("Div", {f, Scalar(float(M_SQRT2))})});
      std::string g = Node("Mul", {Node("Mul", {f, Node("Add", {erf, Scalar(1.0f)})}), Scalar(0.5f)});
      std::string o = Linear(g, p + "output.dense", 4 * H, H);
      x = LayerNorm(Node("Add", {o, x1}), p + "output.LayerNorm");
    }
    // The graph's output.
    std::string n;
    Bytes(&n, 1, x);
    Bytes(&n, 2, "last_hidden_state");
    Bytes(&n, 4, "Identity");
    Bytes(&nodes_, 1, n);

    std::string graph = nodes_;
    Bytes(&graph, 2, "main_graph");
    graph += initializers_;
    for (const char* in : {"input_ids", "attention_mask", "token_type_ids"}) Bytes(&graph, 11, ValueInfo(in, 7, 2));
    Bytes(&graph, 12, ValueInfo("last_hidden_state", 1, 3));
    std::string model;
    Int(&model, 1, 8);  // ir_version
    Bytes(&model, 2, "ochre-test");
    std::string opset;
    Bytes(&opset, 1, "");
    Int(&opset, 2, 17);
    Bytes(&model, 8, opset);
    Bytes(&model, 7, graph);
    return model;
  }

 private:
  void AddTensor(const std::string& name, const std::vector<int64_t>& dims, int type, const std::string& raw) {
    if (name == o_.drop_weight) return;
    std::string t;
    for (auto d : dims) Int(&t, 1, d);
    Int(&t, 2, type);
    Bytes(&t, 8, name);
    Bytes(&t, 9, raw);
    Bytes(&initializers_, 5, t);
  }
  // ValueInfoProto with a tensor type of `rank` symbolic dimensions.
  static std::string ValueInfo(const std::string& name, int elem_type, int rank) {
    std::string shape;
    for (int i = 0; i < rank; ++i) {
      std::string dim;
      Bytes(&dim, 2, "d" + std::to_string(i));
      Bytes(&shape, 1, dim);
    }
    std::string tensor;
    Int(&tensor, 1, elem_type);
    Bytes(&tensor, 2, shape);
    std::string type;
    Bytes(&type, 1, tensor);
    std::string vi;
    Bytes(&vi, 1, name);
    Bytes(&vi, 2, type);
    return vi;
  }

  MiniLmOnnxOptions o_;
  Rng rng_;
  std::string nodes_, initializers_;
  int counter_ = 0;
};

}  // namespace

std::string MakeMiniLmOnnx(const MiniLmOnnxOptions& options) { return GraphBuilder(options).Build(); }

}  // namespace ochre::testutil
