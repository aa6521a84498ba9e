// Copyright 2026 The OchreDB Authors.
//
// A reader for the one kind of Python pickle Chroma writes: index_metadata.pickle, a dict of str keys
// and None/bool/int/float/str/dict/list values (Rust's serde_pickle in 1.x; Python's pickle of a
// PersistentData object in 0.5/0.6). It builds a value tree and executes nothing: any opcode outside
// that plain structure (other globals, REDUCE, persistent ids, ...) is refused with Corruption.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "ochre/result.h"

namespace ochre::interop::chroma {

struct PickleValue {
  enum class Kind { kNone, kBool, kInt, kFloat, kStr, kList, kDict };
  Kind kind = Kind::kNone;
  bool b = false;
  int64_t i = 0;
  double f = 0;
  std::string s;
  std::vector<std::shared_ptr<PickleValue>> list;
  // Dict entries in pickle order (keys may be str or int).
  std::vector<std::pair<std::shared_ptr<PickleValue>, std::shared_ptr<PickleValue>>> dict;

  // The value under str key `key` of a dict, or null.
  const PickleValue* Get(std::string_view key) const;
};

// Parses `bytes`; `what` names the file in errors.
Result<std::shared_ptr<PickleValue>> ParsePickle(std::string_view bytes, const std::string& what);

}  // namespace ochre::interop::chroma
