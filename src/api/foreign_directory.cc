// Copyright 2026 The OchreDB Authors.
#include "api/foreign_directory.h"

#include <sys/stat.h>

namespace ochre::api {

Status RefuseForeignDirectory(const std::string& dir) {
  struct stat sb;
  if (::stat((dir + "/chroma.sqlite3").c_str(), &sb) != 0) return Status::Ok();
  if (::stat((dir + "/ochre.sqlite3").c_str(), &sb) == 0) return Status::Ok();
  return Status::InvalidArgument(dir +
                                 " is a Chroma persist directory (it holds chroma.sqlite3); OchreDB does not "
                                 "open Chroma's files in place. Import it into a new directory with: ochre "
                                 "import-chroma --from " +
                                 dir + " --path NEW_DIR");
}

}  // namespace ochre::api
