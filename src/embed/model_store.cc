// Copyright 2026 The OchreDB Authors.
#include "embed/model_store.h"

#include <archive.h>
#include <archive_entry.h>
#include <httplib.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <set>

#include "common/file.h"
#include "embed/minilm_model.h"
#include "embed/sha256.h"

namespace ochre::embed {

namespace {

// The files of Chroma's archive (all under onnx/); the first one and a vocabulary are required.
const std::set<std::string> kArchiveFiles = {"model.onnx",  "tokenizer.json",          "vocab.txt",
                                             "config.json", "special_tokens_map.json", "tokenizer_config.json"};

std::string Env(const char* name) {
  const char* v = std::getenv(name);
  return v ? std::string(v) : std::string();
}

bool IsFile(const std::string& p) {
  struct stat st;
  return ::stat(p.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}
bool IsDir(const std::string& p) {
  struct stat st;
  return ::stat(p.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

std::string ChromaModelHome() {
  std::string home = Env("HOME");
  return JoinPath(home.empty() ? "/" : home, ".cache/chroma/onnx_models/all-MiniLM-L6-v2");
}

// What a model directory lacks; empty when complete.
std::string MissingFiles(const std::string& dir) {
  std::string missing;
  if (!IsFile(JoinPath(dir, "model.onnx"))) missing = "model.onnx";
  if (!IsFile(JoinPath(dir, "tokenizer.json")) && !IsFile(JoinPath(dir, "vocab.txt"))) {
    missing += std::string(missing.empty() ? "" : " and ") + "tokenizer.json or vocab.txt";
  }
  return missing;
}

std::string Tail(const std::string& expected) { return expected.empty() ? kMiniLmArchiveSha256 : expected; }

// Removes temporaries of installs or downloads whose process is gone.
void RemoveStaleTemporaries(const std::string& home) {
  auto names = ListDir(home);
  if (!names.ok()) return;
  for (const auto& n : names.value()) {
    if (n.rfind(".install-", 0) != 0 && n.rfind(".download-", 0) != 0) continue;
    long pid = std::atol(n.c_str() + n.find('-') + 1);
    if (pid > 0 && pid != long(::getpid()) && ::kill(pid_t(pid), 0) == 0) continue;
    if (pid == long(::getpid())) continue;
    (void)RemoveDirRecursively(JoinPath(home, n));
    (void)RemoveFile(JoinPath(home, n));
  }
}

Status ExtractArchive(const std::string& archive_path, const std::string& out_dir) {
  struct archive* a = archive_read_new();
  archive_read_support_filter_gzip(a);
  archive_read_support_format_all(a);
  auto close = [&] { archive_read_free(a); };
  if (archive_read_open_filename(a, archive_path.c_str(), 1 << 16) != ARCHIVE_OK) {
    Status s = Status::Corruption(archive_path + " is not a readable tar.gz: " + archive_error_string(a));
    close();
    return s;
  }
  struct archive_entry* entry;
  int rc;
  while ((rc = archive_read_next_header(a, &entry)) == ARCHIVE_OK) {
    std::string name = archive_entry_pathname(entry);
    if (name.rfind("./", 0) == 0) name = name.substr(2);
    if (archive_entry_filetype(entry) != AE_IFREG || name.rfind("onnx/", 0) != 0 ||
        !kArchiveFiles.count(name.substr(5))) {
      continue;  // folders and anything else (macOS metadata, other files) are not extracted
    }
    std::string path = JoinPath(out_dir, name.substr(5));
    FILE* f = std::fopen(path.c_str(), "wb");
    if (f == nullptr) {
      close();
      return ErrnoStatus(errno, "create", path);
    }
    const void* buf;
    size_t size;
    la_int64_t offset;
    int r;
    bool write_failed = false;
    while ((r = archive_read_data_block(a, &buf, &size, &offset)) == ARCHIVE_OK) {
      if (std::fwrite(buf, 1, size, f) != size) write_failed = true;
    }
    write_failed |= std::fflush(f) != 0 || ::fsync(fileno(f)) != 0;
    std::fclose(f);
    if (r != ARCHIVE_EOF) {
      Status s = Status::Corruption(archive_path + " is truncated or damaged (in " + name +
                                    "): " + (archive_error_string(a) ? archive_error_string(a) : "read error"));
      close();
      return s;
    }
    if (write_failed) {
      close();
      return Status::IOError("writing " + path + " failed");
    }
  }
  if (rc != ARCHIVE_EOF) {
    Status s = Status::Corruption(archive_path + " is truncated or damaged: " +
                                  (archive_error_string(a) ? archive_error_string(a) : "read error"));
    close();
    return s;
  }
  close();
  return Status::Ok();
}

Status CheckModelDir(const std::string& dir, const std::string& what) {
  std::string missing = MissingFiles(dir);
  if (!missing.empty()) return Status::InvalidArgument(what + " lacks onnx/" + missing);
  auto model = MiniLmModel::Load(JoinPath(dir, "model.onnx"));
  if (!model.ok()) return model.status();
  return Status::Ok();
}

}  // namespace

std::string OchreCacheDir() {
  std::string dir = Env("OCHRE_CACHE_DIR");
  if (!dir.empty()) return dir;
  std::string xdg = Env("XDG_CACHE_HOME");
  if (!xdg.empty()) return JoinPath(xdg, "ochredb");
  std::string home = Env("HOME");
  return JoinPath(home.empty() ? "/" : home, ".cache/ochredb");
}

std::string OchreModelHome() { return JoinPath(OchreCacheDir(), "onnx_models/all-MiniLM-L6-v2"); }

Result<std::string> ImportMiniLmArchive(const std::string& archive_path, const ModelInstallOptions& options) {
  if (!IsFile(archive_path)) return Status::NotFound("no archive at " + archive_path);
  OCHRE_ASSIGN_OR_RETURN(std::string sha, Sha256OfFile(archive_path));
  const std::string expected = Tail(options.expected_sha256);
  if (sha != expected) {
    return Status::InvalidArgument(archive_path + " fails its check: SHA-256 " + sha + ", expected " + expected +
                                   " (a damaged or different file); nothing was installed");
  }
  const std::string home = OchreModelHome();
  OCHRE_RETURN_IF_ERROR(CreateDirs(home));
  RemoveStaleTemporaries(home);
  const std::string tmp = JoinPath(home, ".install-" + std::to_string(::getpid()));
  (void)RemoveDirRecursively(tmp);
  OCHRE_RETURN_IF_ERROR(CreateDirs(tmp));
  auto fail = [&](Status s) {
    (void)RemoveDirRecursively(tmp);
    return s;
  };
  Status s = ExtractArchive(archive_path, tmp);
  if (!s.ok()) return fail(s);
  s = CheckModelDir(tmp, archive_path);
  if (!s.ok()) return fail(s);
  s = SyncDir(tmp);
  if (!s.ok()) return fail(s);
  const std::string final_dir = JoinPath(home, "onnx");
  if (IsDir(final_dir)) {
    const std::string old = JoinPath(home, ".install-" + std::to_string(::getpid()) + "-old");
    s = RenameFile(final_dir, old);
    if (!s.ok()) return fail(s);
    s = RenameFile(tmp, final_dir);
    if (!s.ok()) {
      (void)RenameFile(old, final_dir);
      return fail(s);
    }
    (void)RemoveDirRecursively(old);
  } else {
    s = RenameFile(tmp, final_dir);
    if (!s.ok()) return fail(s);
  }
  OCHRE_RETURN_IF_ERROR(SyncDir(home));
  return final_dir;
}

Result<std::string> PullMiniLm(const std::string& url_arg, const ModelInstallOptions& options) {
  std::string url = url_arg.empty() ? Env("OCHRE_MODEL_URL") : url_arg;
  if (url.empty()) url = kMiniLmArchiveUrl;
  size_t scheme_end = url.find("://");
  size_t path_start = scheme_end == std::string::npos ? std::string::npos : url.find('/', scheme_end + 3);
  if (scheme_end == std::string::npos || path_start == std::string::npos ||
      (url.rfind("http://", 0) != 0 && url.rfind("https://", 0) != 0)) {
    return Status::InvalidArgument("not an http(s) URL: " + url);
  }
  const std::string home = OchreModelHome();
  OCHRE_RETURN_IF_ERROR(CreateDirs(home));
  RemoveStaleTemporaries(home);
  const std::string part = JoinPath(home, ".download-" + std::to_string(::getpid()) + ".tar.gz");
  FILE* f = std::fopen(part.c_str(), "wb");
  if (f == nullptr) return ErrnoStatus(errno, "create", part);
  httplib::Client client(url.substr(0, path_start));
  client.set_follow_location(true);
  client.set_connection_timeout(15);
  client.set_read_timeout(60);
  bool write_failed = false;
  auto res = client.Get(
      url.substr(path_start),
      [&](const char* data, size_t n) {
        if (std::fwrite(data, 1, n, f) != n) write_failed = true;
        return !write_failed;
      },
      [&](uint64_t done, uint64_t total) {
        if (options.progress) options.progress(done, total);
        return true;
      });
  write_failed |= std::fflush(f) != 0 || ::fsync(fileno(f)) != 0;
  std::fclose(f);
  auto fail = [&](Status s) {
    (void)RemoveFile(part);
    return s;
  };
  if (!res) return fail(Status::Unavailable("download of " + url + " failed: " + httplib::to_string(res.error())));
  if (res->status != 200) {
    return fail(Status::IOError("download of " + url + " failed: HTTP " + std::to_string(res->status)));
  }
  if (write_failed) return fail(Status::IOError("writing " + part + " failed"));
  auto installed = ImportMiniLmArchive(part, options);
  (void)RemoveFile(part);
  return installed;
}

Result<FoundModel> FindMiniLm() {
  FoundModel found;
  auto complete_or_error = [&](const std::string& dir) -> Result<bool> {
    found.searched.push_back(dir);
    if (!IsDir(dir)) return false;
    std::string missing = MissingFiles(dir);
    if (!missing.empty())
      return Status::InvalidArgument("the model folder " + dir + " is incomplete: it lacks " + missing);
    found.dir = dir;
    return true;
  };
  const std::string env_dir = Env("OCHRE_MODEL_DIR");
  if (!env_dir.empty()) {
    if (IsFile(JoinPath(env_dir, "model.onnx"))) {
      OCHRE_ASSIGN_OR_RETURN(bool ok, complete_or_error(env_dir));
      if (ok) return found;
    }
    OCHRE_ASSIGN_OR_RETURN(bool ok, complete_or_error(JoinPath(env_dir, "onnx")));
    if (ok) return found;
    const std::string archive = JoinPath(env_dir, "onnx.tar.gz");
    found.searched.push_back(archive);
    if (IsFile(archive)) {
      OCHRE_ASSIGN_OR_RETURN(found.dir, ImportMiniLmArchive(archive, {}));
      return found;
    }
  }
  {
    OCHRE_ASSIGN_OR_RETURN(bool ok, complete_or_error(JoinPath(OchreModelHome(), "onnx")));
    if (ok) return found;
  }
  {
    OCHRE_ASSIGN_OR_RETURN(bool ok, complete_or_error(JoinPath(ChromaModelHome(), "onnx")));
    if (ok) return found;
    const std::string archive = JoinPath(ChromaModelHome(), "onnx.tar.gz");
    found.searched.push_back(archive);
    if (IsFile(archive)) {
      OCHRE_ASSIGN_OR_RETURN(found.dir, ImportMiniLmArchive(archive, {}));
      return found;
    }
  }
  std::string msg = "the all-MiniLM-L6-v2 model (Chroma's default embedding function) is not installed. Searched: ";
  if (env_dir.empty()) msg += "$OCHRE_MODEL_DIR (not set), ";
  for (size_t i = 0; i < found.searched.size(); ++i) msg += (i ? ", " : "") + found.searched[i];
  msg +=
      ". Install it with `ochre model pull` (downloads it), or `ochre model import onnx.tar.gz` (an archive copied "
      "from another machine), or set OCHRE_MODEL_DIR to a folder holding it; or choose the hashing embedding "
      "function (\"ochre_hashing\") explicitly";
  return Status::NotFound(msg);
}

}  // namespace ochre::embed

namespace ochre {

Result<std::string> ImportDefaultModel(const std::string& archive_path, const ModelInstallOptions& options) {
  return embed::ImportMiniLmArchive(archive_path, options);
}

Result<std::string> PullDefaultModel(const std::string& url, const ModelInstallOptions& options) {
  return embed::PullMiniLm(url, options);
}

Result<std::string> FindDefaultModel() {
  OCHRE_ASSIGN_OR_RETURN(embed::FoundModel found, embed::FindMiniLm());
  return found.dir;
}

}  // namespace ochre
