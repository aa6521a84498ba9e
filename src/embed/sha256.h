// Copyright 2026 The OchreDB Authors.
//
// SHA-256 (FIPS 180-4), to check the model archive as Chroma does.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "ochre/result.h"

namespace ochre::embed {

class Sha256 {
 public:
  Sha256();
  void Update(std::string_view data);
  // The lower-case hex digest; the object must not be updated afterwards.
  std::string HexDigest();

 private:
  void Block(const uint8_t* p);
  uint32_t h_[8];
  uint8_t buf_[64];
  size_t buffered_ = 0;
  uint64_t length_ = 0;
};

// The hex SHA-256 of a file's contents; IOError when it can't be read.
Result<std::string> Sha256OfFile(const std::string& path);

}  // namespace ochre::embed
