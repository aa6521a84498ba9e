// Copyright 2026 The OchreDB Authors.
#include "interop/chroma/pickle_reader.h"

#include <cstring>

namespace ochre::interop::chroma {
namespace {

using Ptr = std::shared_ptr<PickleValue>;

// The only global allowed: the legacy Python segment's PersistentData, read as its state dict.
constexpr std::string_view kPersistentDataModule = "chromadb.segment.impl.vector.local_persistent_hnsw";
constexpr std::string_view kPersistentDataName = "PersistentData";

struct Parser {
  std::string_view in;
  size_t pos = 0;
  std::string what;
  std::vector<Ptr> stack;
  std::vector<size_t> marks;
  std::map<uint32_t, Ptr> memo;

  Status Bad(const std::string& why) const {
    return Status::Corruption(what + ": not the plain pickle Chroma writes (" + why + " at byte " +
                              std::to_string(pos) + "); refusing to read it");
  }
  bool Take(size_t n, const char** out) {
    if (in.size() - pos < n) return false;
    *out = in.data() + pos;
    pos += n;
    return true;
  }
  template <typename T>
  bool Le(T* v) {
    const char* p;
    if (!Take(sizeof(T), &p)) return false;
    std::memcpy(v, p, sizeof(T));
    return true;
  }
  Ptr Make(PickleValue::Kind k) {
    auto v = std::make_shared<PickleValue>();
    v->kind = k;
    return v;
  }
  Status PushStr(size_t n) {
    const char* p;
    if (!Take(n, &p)) return Bad("truncated string");
    auto v = Make(PickleValue::Kind::kStr);
    v->s.assign(p, n);
    stack.push_back(v);
    return Status::Ok();
  }
  Result<std::vector<Ptr>> PopMark() {
    if (marks.empty()) return Bad("no mark");
    size_t m = marks.back();
    marks.pop_back();
    if (m > stack.size()) return Bad("bad mark");
    std::vector<Ptr> items(stack.begin() + m, stack.end());
    stack.resize(m);
    return items;
  }
  Result<Ptr> Pop() {
    if (stack.empty() || (!marks.empty() && marks.back() >= stack.size())) return Bad("stack underflow");
    Ptr v = stack.back();
    stack.pop_back();
    return v;
  }

  Result<Ptr> Run() {
    while (pos < in.size()) {
      uint8_t op = static_cast<uint8_t>(in[pos++]);
      switch (op) {
        case 0x80: {  // PROTO
          uint8_t v;
          if (!Le(&v) || v > 5) return Bad("unknown protocol");
          break;
        }
        case 0x95: {  // FRAME
          uint64_t n;
          if (!Le(&n)) return Bad("truncated frame");
          break;
        }
        case '.': {  // STOP
          if (stack.size() != 1) return Bad("stack not one value at STOP");
          return stack.back();
        }
        case 'N':
          stack.push_back(Make(PickleValue::Kind::kNone));
          break;
        case 0x88:
        case 0x89: {
          auto v = Make(PickleValue::Kind::kBool);
          v->b = op == 0x88;
          stack.push_back(v);
          break;
        }
        case 'J': {
          int32_t x;
          if (!Le(&x)) return Bad("truncated int");
          auto v = Make(PickleValue::Kind::kInt);
          v->i = x;
          stack.push_back(v);
          break;
        }
        case 'K': {
          uint8_t x;
          if (!Le(&x)) return Bad("truncated int");
          auto v = Make(PickleValue::Kind::kInt);
          v->i = x;
          stack.push_back(v);
          break;
        }
        case 'M': {
          uint16_t x;
          if (!Le(&x)) return Bad("truncated int");
          auto v = Make(PickleValue::Kind::kInt);
          v->i = x;
          stack.push_back(v);
          break;
        }
        case 0x8a: {  // LONG1
          uint8_t n;
          const char* p;
          if (!Le(&n) || n > 8 || !Take(n, &p)) return Bad("long too large");
          uint64_t u = 0;
          for (int k = n - 1; k >= 0; --k) u = (u << 8) | static_cast<uint8_t>(p[k]);
          if (n > 0 && n < 8 && (static_cast<uint8_t>(p[n - 1]) & 0x80)) u |= ~uint64_t{0} << (8 * n);
          auto v = Make(PickleValue::Kind::kInt);
          v->i = static_cast<int64_t>(u);
          stack.push_back(v);
          break;
        }
        case 'G': {  // BINFLOAT, big-endian
          const char* p;
          if (!Take(8, &p)) return Bad("truncated float");
          uint64_t u = 0;
          for (int k = 0; k < 8; ++k) u = (u << 8) | static_cast<uint8_t>(p[k]);
          auto v = Make(PickleValue::Kind::kFloat);
          std::memcpy(&v->f, &u, 8);
          stack.push_back(v);
          break;
        }
        case 'X': {
          uint32_t n;
          if (!Le(&n)) return Bad("truncated string");
          OCHRE_RETURN_IF_ERROR(PushStr(n));
          break;
        }
        case 0x8c: {
          uint8_t n;
          if (!Le(&n)) return Bad("truncated string");
          OCHRE_RETURN_IF_ERROR(PushStr(n));
          break;
        }
        case 0x8d: {
          uint64_t n;
          if (!Le(&n)) return Bad("truncated string");
          OCHRE_RETURN_IF_ERROR(PushStr(n));
          break;
        }
        case '}':
          stack.push_back(Make(PickleValue::Kind::kDict));
          break;
        case ']':
          stack.push_back(Make(PickleValue::Kind::kList));
          break;
        case ')':
          stack.push_back(Make(PickleValue::Kind::kList));
          break;
        case '(':
          marks.push_back(stack.size());
          break;
        case 's': {
          OCHRE_ASSIGN_OR_RETURN(Ptr value, Pop());
          OCHRE_ASSIGN_OR_RETURN(Ptr key, Pop());
          if (stack.empty() || stack.back()->kind != PickleValue::Kind::kDict) return Bad("SETITEM on a non-dict");
          stack.back()->dict.emplace_back(key, value);
          break;
        }
        case 'u': {
          OCHRE_ASSIGN_OR_RETURN(auto items, PopMark());
          if (items.size() % 2 || stack.empty() || stack.back()->kind != PickleValue::Kind::kDict)
            return Bad("SETITEMS on a non-dict");
          for (size_t k = 0; k < items.size(); k += 2) stack.back()->dict.emplace_back(items[k], items[k + 1]);
          break;
        }
        case 'a': {
          OCHRE_ASSIGN_OR_RETURN(Ptr value, Pop());
          if (stack.empty() || stack.back()->kind != PickleValue::Kind::kList) return Bad("APPEND on a non-list");
          stack.back()->list.push_back(value);
          break;
        }
        case 'e': {
          OCHRE_ASSIGN_OR_RETURN(auto items, PopMark());
          if (stack.empty() || stack.back()->kind != PickleValue::Kind::kList) return Bad("APPENDS on a non-list");
          for (auto& v : items) stack.back()->list.push_back(v);
          break;
        }
        case 't': {
          OCHRE_ASSIGN_OR_RETURN(auto items, PopMark());
          auto v = Make(PickleValue::Kind::kList);
          v->list = std::move(items);
          stack.push_back(v);
          break;
        }
        case 0x85:
        case 0x86:
        case 0x87: {
          size_t n = op - 0x84;
          if (stack.size() < n) return Bad("stack underflow");
          auto v = Make(PickleValue::Kind::kList);
          v->list.assign(stack.end() - n, stack.end());
          stack.resize(stack.size() - n);
          stack.push_back(v);
          break;
        }
        case 'q':
        case 'r':
        case 0x94: {  // BINPUT, LONG_BINPUT, MEMOIZE
          uint32_t idx;
          if (op == 'q') {
            uint8_t x;
            if (!Le(&x)) return Bad("truncated memo");
            idx = x;
          } else if (op == 'r') {
            if (!Le(&idx)) return Bad("truncated memo");
          } else {
            idx = static_cast<uint32_t>(memo.size());
          }
          if (stack.empty()) return Bad("memo of nothing");
          memo[idx] = stack.back();
          break;
        }
        case 'h':
        case 'j': {
          uint32_t idx;
          if (op == 'h') {
            uint8_t x;
            if (!Le(&x)) return Bad("truncated memo");
            idx = x;
          } else if (!Le(&idx)) {
            return Bad("truncated memo");
          }
          auto it = memo.find(idx);
          if (it == memo.end()) return Bad("unknown memo entry");
          stack.push_back(it->second);
          break;
        }
        case 'c': {  // GLOBAL "module\nname\n"
          size_t a = in.find('\n', pos);
          size_t b = a == std::string_view::npos ? a : in.find('\n', a + 1);
          if (b == std::string_view::npos) return Bad("truncated global");
          std::string_view mod = in.substr(pos, a - pos), name = in.substr(a + 1, b - a - 1);
          pos = b + 1;
          if (mod != kPersistentDataModule || name != kPersistentDataName)
            return Bad("global " + std::string(mod) + "." + std::string(name));
          stack.push_back(Make(PickleValue::Kind::kDict));  // the object, filled by BUILD
          break;
        }
        case 0x93: {  // STACK_GLOBAL
          OCHRE_ASSIGN_OR_RETURN(Ptr name, Pop());
          OCHRE_ASSIGN_OR_RETURN(Ptr mod, Pop());
          if (mod->kind != PickleValue::Kind::kStr || name->kind != PickleValue::Kind::kStr ||
              mod->s != kPersistentDataModule || name->s != kPersistentDataName)
            return Bad("global " + mod->s + "." + name->s);
          stack.push_back(Make(PickleValue::Kind::kDict));
          break;
        }
        case 0x81: {  // NEWOBJ cls args: only on PersistentData (an empty dict placeholder) with no args
          OCHRE_ASSIGN_OR_RETURN(Ptr args, Pop());
          if (args->kind != PickleValue::Kind::kList || !args->list.empty() || stack.empty() ||
              stack.back()->kind != PickleValue::Kind::kDict || !stack.back()->dict.empty())
            return Bad("NEWOBJ");
          break;
        }
        case 'b': {  // BUILD obj state: the state dict becomes the object
          OCHRE_ASSIGN_OR_RETURN(Ptr state, Pop());
          if (state->kind != PickleValue::Kind::kDict || stack.empty() ||
              stack.back()->kind != PickleValue::Kind::kDict)
            return Bad("BUILD");
          stack.back()->dict = state->dict;
          break;
        }
        default: {
          char buf[8];
          std::snprintf(buf, sizeof buf, "0x%02x", op);
          return Bad(std::string("opcode ") + buf);
        }
      }
    }
    return Bad("no STOP");
  }
};

}  // namespace

const PickleValue* PickleValue::Get(std::string_view key) const {
  for (const auto& [k, v] : dict)
    if (k->kind == Kind::kStr && k->s == key) return v.get();
  return nullptr;
}

Result<std::shared_ptr<PickleValue>> ParsePickle(std::string_view bytes, const std::string& what) {
  Parser p;
  p.in = bytes;
  p.what = what;
  return p.Run();
}

}  // namespace ochre::interop::chroma
