// Copyright 2026 The OchreDB Authors.
//
// Finding and installing the model: the lookup order, the archive's checks (SHA-256, truncation,
// missing files, a model of another shape), `ochre model pull --from URL` against a local server
// serving a generated archive, and a download killed halfway. Every test runs with HOME,
// OCHRE_CACHE_DIR and OCHRE_MODEL_DIR pointing into its own temporary folder.
#include "embed/model_store.h"

#include <archive.h>
#include <archive_entry.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <thread>

#include "common/file.h"
#include "embed/sha256.h"
#include "ochre/embedding_function.h"
#include "testutil/minilm_onnx_writer.h"
#include "testutil/temp_dir.h"

namespace ochre::embed {
namespace {

const std::string& TinyModel() {
  static const std::string bytes = testutil::MakeMiniLmOnnx({});
  return bytes;
}

std::string TinyVocab() {
  std::string v = "[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\n";
  for (int i = 5; i < 1000; ++i) v += "w" + std::to_string(i) + "\n";
  return v;
}

void Write(const std::string& path, const std::string& data) { std::ofstream(path, std::ios::binary) << data; }

// A Chroma-style onnx.tar.gz holding `files` (name under onnx/ -> contents).
std::string MakeArchive(const std::string& path, const std::vector<std::pair<std::string, std::string>>& files) {
  struct archive* a = archive_write_new();
  archive_write_add_filter_gzip(a);
  archive_write_set_filter_option(a, "gzip", "compression-level", "1");  // random weights don't compress
  archive_write_set_format_pax_restricted(a);
  EXPECT_EQ(archive_write_open_filename(a, path.c_str()), ARCHIVE_OK);
  for (const auto& [name, data] : files) {
    struct archive_entry* e = archive_entry_new();
    archive_entry_set_pathname(e, ("onnx/" + name).c_str());
    archive_entry_set_size(e, la_int64_t(data.size()));
    archive_entry_set_filetype(e, AE_IFREG);
    archive_entry_set_perm(e, 0644);
    archive_write_header(a, e);
    archive_write_data(a, data.data(), data.size());
    archive_entry_free(e);
  }
  archive_write_close(a);
  archive_write_free(a);
  return Sha256OfFile(path).value();
}

std::vector<std::pair<std::string, std::string>> GoodFiles() {
  return {{"model.onnx", TinyModel()}, {"vocab.txt", TinyVocab()}, {"config.json", "{}"}};
}

class ModelStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* v : {"HOME", "OCHRE_CACHE_DIR", "OCHRE_MODEL_DIR", "XDG_CACHE_HOME", "OCHRE_OFFLINE"}) {
      const char* old = std::getenv(v);
      saved_.emplace_back(v, old ? std::optional<std::string>(old) : std::nullopt);
    }
    ::setenv("HOME", dir_.Sub("home").c_str(), 1);
    ::setenv("OCHRE_CACHE_DIR", dir_.Sub("cache").c_str(), 1);
    ::unsetenv("OCHRE_MODEL_DIR");
    ::unsetenv("XDG_CACHE_HOME");
    ::setenv("OCHRE_OFFLINE", "1", 1);
  }
  void TearDown() override {
    for (auto& [k, v] : saved_) v ? (void)::setenv(k.c_str(), v->c_str(), 1) : (void)::unsetenv(k.c_str());
  }
  std::string Installed() const { return dir_.Sub("cache") + "/onnx_models/all-MiniLM-L6-v2/onnx"; }
  std::string ChromaDir() const { return dir_.Sub("home") + "/.cache/chroma/onnx_models/all-MiniLM-L6-v2"; }
  void MakeModelDir(const std::string& d) {
    ASSERT_TRUE(CreateDirs(d).ok());
    Write(d + "/model.onnx", TinyModel());
    Write(d + "/vocab.txt", TinyVocab());
  }

  testutil::TempDir dir_;
  std::vector<std::pair<std::string, std::optional<std::string>>> saved_;
};

TEST_F(ModelStoreTest, AbsentModelNamesThePathsSearchedAndTheCommands) {
  auto found = FindMiniLm();
  ASSERT_FALSE(found.ok());
  const std::string& m = found.status().message();
  EXPECT_EQ(found.status().code(), StatusCode::kNotFound);
  EXPECT_NE(m.find("$OCHRE_MODEL_DIR (not set)"), std::string::npos) << m;
  EXPECT_NE(m.find(Installed()), std::string::npos) << m;
  EXPECT_NE(m.find(ChromaDir() + "/onnx"), std::string::npos) << m;
  EXPECT_NE(m.find("ochre model pull"), std::string::npos) << m;
  EXPECT_NE(m.find("ochre model import"), std::string::npos) << m;
  // The function fails the same way on first use, and never falls back to another one.
  auto ef = MakeMiniLmEmbeddingFunction();
  EXPECT_EQ(ef->Name(), "default");
  auto r = ef->Embed({"hello"});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("ochre model pull"), std::string::npos);
}

TEST_F(ModelStoreTest, LookupOrderIsModelDirThenOurCacheThenChromas) {
  MakeModelDir(ChromaDir() + "/onnx");
  EXPECT_EQ(FindMiniLm().value().dir, ChromaDir() + "/onnx");
  MakeModelDir(Installed());
  EXPECT_EQ(FindMiniLm().value().dir, Installed());
  MakeModelDir(dir_.Sub("mine/onnx"));
  ::setenv("OCHRE_MODEL_DIR", dir_.Sub("mine").c_str(), 1);
  EXPECT_EQ(FindMiniLm().value().dir, dir_.Sub("mine/onnx"));
  // A folder holding model.onnx itself is taken too.
  MakeModelDir(dir_.Sub("flat"));
  ::setenv("OCHRE_MODEL_DIR", dir_.Sub("flat").c_str(), 1);
  EXPECT_EQ(FindMiniLm().value().dir, dir_.Sub("flat"));
  // The model found works.
  auto ef = LoadMiniLmEmbeddingFunction(FindMiniLm().value().dir);
  ASSERT_TRUE(ef.ok()) << ef.status().ToString();
  auto v = (*ef)->Embed({"w5 w6", ""});
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  EXPECT_EQ(v->dim(), 384u);
  EXPECT_EQ(v->rows(), 2u);
}

TEST_F(ModelStoreTest, AnIncompleteFolderIsAnErrorNotSkipped) {
  MakeModelDir(ChromaDir() + "/onnx");
  ASSERT_TRUE(CreateDirs(Installed()).ok());
  Write(Installed() + "/model.onnx", TinyModel());
  auto found = FindMiniLm();
  ASSERT_FALSE(found.ok());
  EXPECT_NE(found.status().message().find("incomplete: it lacks tokenizer.json or vocab.txt"), std::string::npos)
      << found.status().ToString();
}

TEST_F(ModelStoreTest, ArchivesAreCheckedBeforeAnythingIsInstalled) {
  std::string good = dir_.Sub("good.tar.gz");
  std::string sha = MakeArchive(good, GoodFiles());
  // Not Chroma's archive: refused by default.
  auto r = ImportMiniLmArchive(good, {});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("SHA-256 " + sha + ", expected " + kMiniLmArchiveSha256), std::string::npos)
      << r.status().ToString();
  EXPECT_FALSE(PathExists(Installed()).value());

  // Truncated: the checksum catches it first; with its own checksum, the reader does.
  std::string whole = ReadFile(good).value();
  std::string cut = dir_.Sub("cut.tar.gz");
  Write(cut, whole.substr(0, whole.size() / 2));
  ModelInstallOptions o;
  o.expected_sha256 = Sha256OfFile(cut).value();
  r = ImportMiniLmArchive(cut, o);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kCorruption) << r.status().ToString();
  EXPECT_NE(r.status().message().find("truncated or damaged"), std::string::npos) << r.status().ToString();

  // Missing files.
  std::string no_vocab = dir_.Sub("novocab.tar.gz");
  o.expected_sha256 = MakeArchive(no_vocab, {{"model.onnx", TinyModel()}});
  r = ImportMiniLmArchive(no_vocab, o);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("lacks onnx/tokenizer.json or vocab.txt"), std::string::npos)
      << r.status().ToString();
  std::string no_model = dir_.Sub("nomodel.tar.gz");
  o.expected_sha256 = MakeArchive(no_model, {{"vocab.txt", TinyVocab()}});
  r = ImportMiniLmArchive(no_model, o);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("lacks onnx/model.onnx"), std::string::npos) << r.status().ToString();

  // A model of another shape.
  testutil::MiniLmOnnxOptions five;
  five.layers = 5;
  std::string other = dir_.Sub("other.tar.gz");
  o.expected_sha256 = MakeArchive(other, {{"model.onnx", testutil::MakeMiniLmOnnx(five)}, {"vocab.txt", TinyVocab()}});
  r = ImportMiniLmArchive(other, o);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("does not match all-MiniLM-L6-v2"), std::string::npos) << r.status().ToString();
  EXPECT_FALSE(PathExists(Installed()).value());
  // Nothing half-installed is left in the cache.
  auto names = ListDir(OchreModelHome());
  ASSERT_TRUE(names.ok());
  EXPECT_TRUE(names->empty()) << names->front();

  // The good one with its checksum installs.
  o.expected_sha256 = sha;
  r = ImportMiniLmArchive(good, o);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(*r, Installed());
  EXPECT_EQ(ReadFile(Installed() + "/model.onnx").value(), TinyModel());
  EXPECT_EQ(FindMiniLm().value().dir, Installed());
}

TEST_F(ModelStoreTest, AnArchiveInModelDirOrChromasCacheIsCheckedAndInstalled) {
  ASSERT_TRUE(CreateDirs(ChromaDir()).ok());
  MakeArchive(ChromaDir() + "/onnx.tar.gz", GoodFiles());
  // Not Chroma's SHA-256: refused with the reason, not skipped.
  auto found = FindMiniLm();
  ASSERT_FALSE(found.ok());
  EXPECT_NE(found.status().message().find("fails its check"), std::string::npos) << found.status().ToString();
}

// A loopback server for the archive; `stall_after` > 0 sends that many bytes and then waits.
class ArchiveServer {
 public:
  ArchiveServer(std::string body, size_t stall_after = 0) : body_(std::move(body)) {
    server_.Get("/onnx.tar.gz", [this, stall_after](const httplib::Request&, httplib::Response& res) {
      res.set_content_provider(body_.size(), "application/gzip",
                               [this, stall_after](size_t offset, size_t length, httplib::DataSink& sink) {
                                 if (stall_after > 0 && offset >= stall_after) {
                                   while (!stop_) std::this_thread::sleep_for(std::chrono::milliseconds(20));
                                   return false;
                                 }
                                 size_t n = std::min<size_t>(length, 1 << 16);
                                 if (stall_after > 0) n = std::min(n, stall_after - offset);
                                 sink.write(body_.data() + offset, n);
                                 return true;
                               });
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ~ArchiveServer() {
    stop_ = true;
    server_.stop();
    thread_.join();
  }
  std::string Url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/onnx.tar.gz"; }

 private:
  std::string body_;
  httplib::Server server_;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

TEST_F(ModelStoreTest, PullDownloadsChecksAndInstallsWithProgress) {
  std::string archive = dir_.Sub("a.tar.gz");
  std::string sha = MakeArchive(archive, GoodFiles());
  ArchiveServer server(ReadFile(archive).value());
  ModelInstallOptions o;
  o.expected_sha256 = std::string(64, '0');
  auto r = PullMiniLm(server.Url(), o);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("fails its check"), std::string::npos) << r.status().ToString();
  EXPECT_FALSE(PathExists(Installed()).value());

  uint64_t last = 0, total = 0;
  o.expected_sha256 = sha;
  o.progress = [&](uint64_t done, uint64_t t) {
    last = done;
    total = t;
  };
  r = PullMiniLm(server.Url(), o);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(*r, Installed());
  EXPECT_EQ(last, ReadFile(archive).value().size());
  EXPECT_EQ(total, last);
  auto names = ListDir(OchreModelHome());
  EXPECT_EQ(*names, std::vector<std::string>{"onnx"});  // no download left behind

  // A server that is not there: Unavailable, nothing changed.
  r = PullMiniLm("http://127.0.0.1:1/onnx.tar.gz", o);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable) << r.status().ToString();  // nothing listens: unreachable
  EXPECT_TRUE(PathExists(Installed()).value());
}

TEST_F(ModelStoreTest, ADownloadKilledHalfwayLeavesNothingHalfInstalled) {
  std::string archive = dir_.Sub("a.tar.gz");
  std::string sha = MakeArchive(archive, GoodFiles());
  std::string body = ReadFile(archive).value();
  ArchiveServer server(body, body.size() / 2);
  pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    ModelInstallOptions o;
    o.expected_sha256 = sha;
    auto r = PullMiniLm(server.Url(), o);
    ::_exit(r.ok() ? 0 : 1);
  }
  // Wait until a good part of the first half (the server sends no more) has arrived, then kill the download.
  const std::string part = OchreModelHome() + "/.download-" + std::to_string(child) + ".tar.gz";
  for (int i = 0; i < 500; ++i) {
    std::ifstream f(part, std::ios::binary | std::ios::ate);
    if (f && size_t(f.tellg()) >= body.size() / 4) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ::kill(child, SIGKILL);
  int status = 0;
  ::waitpid(child, &status, 0);
  EXPECT_TRUE(WIFSIGNALED(status));
  EXPECT_FALSE(PathExists(Installed()).value());
  EXPECT_EQ(FindMiniLm().status().code(), StatusCode::kNotFound);
  // The next install removes the dead download and succeeds.
  ModelInstallOptions o;
  o.expected_sha256 = sha;
  auto r = ImportMiniLmArchive(archive, o);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(*ListDir(OchreModelHome()), std::vector<std::string>{"onnx"});
}

#ifdef OCHRE_CLI_BINARY
// Runs the `ochre` command with `args`; its stdout and stderr together.
int RunOchre(const std::string& args, std::string* output) {
  FILE* p = ::popen((std::string(OCHRE_CLI_BINARY) + " " + args + " 2>&1").c_str(), "r");
  if (p == nullptr) return -1;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) output->append(buf, n);
  int status = ::pclose(p);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

TEST_F(ModelStoreTest, ModelPullAndImportCommands) {
  std::string archive = dir_.Sub("a.tar.gz");
  std::string sha = MakeArchive(archive, GoodFiles());
  ArchiveServer server(ReadFile(archive).value());
  std::string out;
  EXPECT_EQ(RunOchre("model pull --from " + server.Url(), &out), 2);  // ExitCodeFor: a failed check is bad input
  EXPECT_NE(out.find("fails its check"), std::string::npos) << out;
  EXPECT_NE(out.find("nothing was installed"), std::string::npos) << out;
  EXPECT_FALSE(PathExists(Installed()).value());
  out.clear();
  EXPECT_EQ(RunOchre("model pull --from " + server.Url() + " --sha256 " + sha, &out), 0) << out;
  EXPECT_NE(out.find("100.0%"), std::string::npos) << out;  // the progress bar
  EXPECT_NE(out.find("installed all-MiniLM-L6-v2 in " + Installed()), std::string::npos) << out;
  out.clear();
  EXPECT_EQ(RunOchre("model import " + dir_.Sub("missing.tar.gz"), &out), 2);  // not found
  EXPECT_NE(out.find("no archive at"), std::string::npos) << out;
  out.clear();
  EXPECT_EQ(RunOchre("model import " + archive + " --sha256 " + sha, &out), 0) << out;
  EXPECT_NE(out.find("installed all-MiniLM-L6-v2 from " + archive), std::string::npos) << out;
  EXPECT_EQ(ReadFile(Installed() + "/model.onnx").value(), TinyModel());
}
#endif

}  // namespace
}  // namespace ochre::embed
