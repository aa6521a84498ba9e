// Copyright 2026 The OchreDB Authors.
#include "testutil/resident.h"

#include <cctype>
#include <fstream>

namespace ochre::testutil {

int64_t ResidentKbOfFile(const std::string& path_suffix) {
  std::ifstream in("/proc/self/smaps");
  if (!in) return -1;
  int64_t kb = 0;
  bool ours = false;
  for (std::string line; std::getline(in, line);) {
    // A mapping's header: "start-end perms offset dev inode [path]"; its fields follow, one a line.
    const size_t dash = line.find('-'), space = line.find(' ');
    const bool header = !line.empty() && std::isxdigit(static_cast<unsigned char>(line[0])) &&
                        dash != std::string::npos && dash < space;
    if (header) {
      ours = line.size() >= path_suffix.size() &&
             line.compare(line.size() - path_suffix.size(), path_suffix.size(), path_suffix) == 0;
    } else if (ours && line.rfind("Rss:", 0) == 0) {
      kb += std::stoll(line.substr(4));
    }
  }
  return kb;
}

}  // namespace ochre::testutil
