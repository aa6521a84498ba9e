// Copyright 2026 The OchreDB Authors.
//
// The corruption matrix (issue 15): a closed database of three collections (l2, cosine, ip; large
// enough that queries walk the graph), its answers recorded (get with embeddings, documents and
// metadata; queries; filtered queries; a get and a query with a document filter, whose full-text
// index is in the catalog), then, for every file in the database directory and every
// damage class (flipped bit, flipped byte, zeroed 4 KiB page, truncation to 0, to half and by one
// byte, a foreign file of the same kind from another collection, deletion), a copy of the pristine
// directory is damaged, opened and read again. Each case ends as
//   clear error    a typed non-OK Status (or a refused open),
//   correct answer every read answered as before the damage,
//   SILENT WRONG   a read answered Ok with other data than before.
// The counts per file kind and class are printed; any silent wrong answer fails the test.
//
// Queries walk an approximate graph, which a damaged graph file replaces by an exact scan while it
// is rebuilt, and the background indexer may train its quantized copy at a different moment after
// each open: the records a nearest-neighbour query finds may legitimately differ. Such an answer
// counts as correct when it has as many records as before, each a real one with its exact
// distance, document, metadata and embedding, in ascending distance: a wrong value anywhere is
// caught, a different choice among real records is not a wrong answer. Gets (every record, every
// embedding) and filtered queries (an exact scan of the allowed rows) must match exactly, so a
// record or vector changed or lost anywhere is caught by them.
//
// The copies live in /dev/shm when it is writable: the matrix is about bytes, and fsync there costs
// nothing (on a busy disk each case's open and close spent seconds in fsync).
//
// CorruptionMatrix.Default runs in `make test`; CorruptionMatrix.DISABLED_Slow (more damage
// positions per class, CTest label `slow`) runs in `make test-slow`.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <random>
#include <set>
#include <thread>

#include "ochre/ochre.h"
#include "testutil/reference_model.h"
#include "testutil/temp_dir.h"

namespace ochre {
namespace {

namespace fs = std::filesystem;

// live rows x dim past the engine's exact-scan bound (2^21 floats): queries search the graph.
constexpr size_t kDim = 448;
constexpr int kRows = 4800;
constexpr int kQueries = 12;

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}
void WriteAll(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), std::streamsize(bytes.size()));
}

struct CollectionAnswers {
  Space space;
  GetResult all;                           // every record with embeddings, documents, metadatas
  QueryResult nearest;                     // kQueries queries, n_results 10
  QueryResult filtered;                    // the same queries with a where filter
  GetResult by_text;                       // get with a where_document (the FTS index)
  QueryResult text_filtered;               // the queries with a where and a where_document
  std::map<std::string, size_t> index_of;  // id -> position in all
};

const char* kNames[] = {"space_l2", "space_cosine", "space_ip"};
const Space kSpaces[] = {Space::kL2, Space::kCosine, Space::kIp};

std::vector<float> QueryVectors() {
  std::mt19937_64 rng(7);
  std::vector<float> q(size_t(kQueries) * kDim);
  for (auto& x : q) x = std::normal_distribution<float>(0, 1)(rng);
  return q;
}

GetOptions AllRecords() {
  GetOptions o;
  o.include = Include{true, true, true, false, false};
  return o;
}

QueryOptions Nearest(bool filtered) {
  QueryOptions o;
  o.query_embeddings = FloatMatrix(kDim, QueryVectors());
  o.n_results = 10;
  o.include = Include{true, true, true, true, false};
  if (filtered) {
    auto w = ParseWhere(R"({"bucket": 7})");
    EXPECT_TRUE(w.ok());
    o.where = *w;
  }
  return o;
}

// The documents say "about topic <i % 13>": this names every 13th record.
WhereDocumentNode TopicSeven() {
  auto w = ParseWhereDocument(R"({"$contains": "about topic 7"})");
  EXPECT_TRUE(w.ok());
  return *w;
}

GetOptions ByText() {
  GetOptions o = AllRecords();
  o.where_document = TopicSeven();
  return o;
}

QueryOptions TextFiltered() {
  QueryOptions o = Nearest(true);
  o.where_document = TopicSeven();
  return o;
}

// Builds the pristine database in `path` and returns nothing; answers are read after a reopen.
void BuildDatabase(const std::string& path) {
  std::mt19937_64 rng(testutil::TestSeed("CorruptionMatrix", 15));
  auto client = PersistentClient::Open(path);
  ASSERT_TRUE(client.ok()) << client.status().ToString();
  for (int c = 0; c < 3; ++c) {
    CreateCollectionOptions o;
    o.name = kNames[c];
    o.embedding_function = nullptr;
    o.configuration.emplace();
    o.configuration->hnsw.emplace();
    o.configuration->hnsw->space = kSpaces[c];
    auto coll = (*client)->CreateCollection(o);
    ASSERT_TRUE(coll.ok()) << coll.status().ToString();
    // Clustered rows, so that the graph matters.
    std::vector<std::vector<float>> centers(24, std::vector<float>(kDim));
    for (auto& ctr : centers) {
      for (auto& x : ctr) x = std::normal_distribution<float>(0, 1)(rng);
    }
    for (int first = 0; first < kRows; first += 800) {
      RecordBatch b;
      std::vector<float> data;
      b.documents.emplace();
      b.metadatas.emplace();
      for (int i = first; i < first + 800; ++i) {
        const auto& ctr = centers[rng() % centers.size()];
        for (size_t d = 0; d < kDim; ++d) data.push_back(ctr[d] + std::normal_distribution<float>(0, 0.3f)(rng));
        b.ids.push_back(std::string(kNames[c]) + "-" + std::to_string(i));
        b.documents->push_back("document " + std::to_string(i) + " of " + kNames[c] + " about topic " +
                               std::to_string(i % 13));
        Metadata m;
        m["bucket"] = int64_t(i % 50);
        m["label"] = std::string("label-") + std::to_string(i % 7);
        m["score"] = double(i) / 3.0;
        b.metadatas->push_back(std::move(m));
      }
      b.embeddings = FloatMatrix(kDim, std::move(data));
      ASSERT_TRUE((*coll)->Add(b).ok());
    }
    // Every row in the graph before the checkpoint.
    for (int i = 0; i < 6000; ++i) {
      auto st = (*coll)->GetIndexingStatus();
      ASSERT_TRUE(st.ok());
      if (st->num_unindexed_ops == 0) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    // A document filter builds the collection's full-text index, so that its pages are in the file.
    ASSERT_TRUE((*coll)->Get(ByText()).ok());
  }
  ASSERT_TRUE((*client)->Checkpoint().ok());
}

float ExactDistance(Space space, const float* a, const float* b) {
  double dot = 0, na = 0, nb = 0, l2 = 0;
  for (size_t d = 0; d < kDim; ++d) {
    dot += double(a[d]) * b[d];
    na += double(a[d]) * a[d];
    nb += double(b[d]) * b[d];
    l2 += (double(a[d]) - b[d]) * (double(a[d]) - b[d]);
  }
  switch (space) {
    case Space::kL2:
      return float(l2);
    case Space::kCosine:
      return float(1.0 - dot / (std::sqrt(na) * std::sqrt(nb)));
    case Space::kIp:
      return float(1.0 - dot);
  }
  return 0;
}

enum class Outcome { kError, kCorrect, kWrong };
const char* OutcomeName(Outcome o) {
  return o == Outcome::kError ? "clear error" : o == Outcome::kCorrect ? "correct answer" : "SILENT WRONG";
}

// Checks a query answer against the pristine records; empty when it is right.
std::string CheckQuery(const CollectionAnswers& base, const QueryResult& got, const QueryResult& before, bool exact) {
  const std::vector<float> q = QueryVectors();
  if (got.ids.size() != before.ids.size()) return "query count differs";
  for (size_t i = 0; i < got.ids.size(); ++i) {
    if (got.ids[i].size() != before.ids[i].size()) return "query " + std::to_string(i) + ": result count differs";
    size_t found = 0;
    std::set<std::string> was(before.ids[i].begin(), before.ids[i].end());
    for (size_t j = 0; j < got.ids[i].size(); ++j) {
      const std::string& id = got.ids[i][j];
      auto it = base.index_of.find(id);
      if (it == base.index_of.end()) return "query returned unknown id " + id;
      const size_t k = it->second;
      const float* row = base.all.embeddings->row(k);
      const float want = ExactDistance(base.space, q.data() + i * kDim, row);
      const float dist = (*got.distances)[i][j];
      if (std::abs(dist - want) > 1e-3f * std::max(1.0f, std::abs(want))) {
        return "query distance of " + id + " is " + std::to_string(dist) + ", exact " + std::to_string(want);
      }
      if ((*got.documents)[i][j] != (*base.all.documents)[k]) return "query document of " + id + " differs";
      if ((*got.metadatas)[i][j] != (*base.all.metadatas)[k]) return "query metadata of " + id + " differs";
      const FloatMatrix& e = (*got.embeddings)[i];
      if (!std::equal(e.row(j), e.row(j) + kDim, row)) return "query embedding of " + id + " differs";
      if (j > 0 && dist < (*got.distances)[i][j - 1]) return "query distances are not ascending";
      found += was.count(id);
    }
    if (exact && found != before.ids[i].size()) {
      return "filtered query " + std::to_string(i) + " found " + std::to_string(found) + " of the " +
             std::to_string(before.ids[i].size()) + " records found before";
    }
  }
  return "";
}

std::string CheckGet(const CollectionAnswers& base, const GetResult& got) {
  if (got.ids != base.all.ids) return "get: ids differ";
  if (got.embeddings->data() != base.all.embeddings->data()) {
    for (size_t i = 0; i < got.ids.size(); ++i) {
      if (!std::equal(got.embeddings->row(i), got.embeddings->row(i) + kDim, base.all.embeddings->row(i))) {
        return "get: embedding of " + got.ids[i] + " differs";
      }
    }
    return "get: embeddings differ";
  }
  for (size_t i = 0; i < got.ids.size(); ++i) {
    if ((*got.documents)[i] != (*base.all.documents)[i]) return "get: document of " + got.ids[i] + " differs";
    if ((*got.metadatas)[i] != (*base.all.metadatas)[i]) return "get: metadata of " + got.ids[i] + " differs";
  }
  return "";
}

// Checks a filtered get against the one before the damage (the same records, each as it was).
std::string CheckSubset(const CollectionAnswers& base, const GetResult& got, const GetResult& before) {
  if (got.ids != before.ids) {
    return "get with where_document: " + std::to_string(got.ids.size()) + " records, " +
           std::to_string(before.ids.size()) + " before";
  }
  for (size_t i = 0; i < got.ids.size(); ++i) {
    const size_t k = base.index_of.at(got.ids[i]);
    if ((*got.documents)[i] != (*base.all.documents)[k]) return "get with where_document: document differs";
    if ((*got.metadatas)[i] != (*base.all.metadatas)[k]) return "get with where_document: metadata differs";
    if (!std::equal(got.embeddings->row(i), got.embeddings->row(i) + kDim, base.all.embeddings->row(k))) {
      return "get with where_document: embedding of " + got.ids[i] + " differs";
    }
  }
  return "";
}

// Opens `path` and runs every read; *detail gets the first error or wrong answer.
Outcome RunReads(const std::string& path, const std::map<std::string, CollectionAnswers>* base,
                 std::map<std::string, CollectionAnswers>* record, std::string* detail) {
  auto client = PersistentClient::Open(path);
  if (!client.ok()) {
    *detail = "open: " + client.status().ToString();
    return Outcome::kError;
  }
  bool error = false;
  auto note_error = [&](const std::string& what, const Status& s) {
    if (!error) *detail = what + ": " + s.ToString();
    error = true;
  };
  for (int c = 0; c < 3; ++c) {
    const std::string name = kNames[c];
    auto coll = (*client)->GetCollection(name);
    if (!coll.ok()) {
      note_error("get collection " + name, coll.status());
      continue;
    }
    auto all = (*coll)->Get(AllRecords());
    auto nearest = (*coll)->Query(Nearest(false));
    auto filtered = (*coll)->Query(Nearest(true));
    auto by_text = (*coll)->Get(ByText());
    auto text_filtered = (*coll)->Query(TextFiltered());
    if (record != nullptr) {
      EXPECT_TRUE(all.ok() && nearest.ok() && filtered.ok() && by_text.ok() && text_filtered.ok());
      if (!all.ok() || !nearest.ok() || !filtered.ok() || !by_text.ok() || !text_filtered.ok()) return Outcome::kError;
      CollectionAnswers& a = (*record)[name];
      a.space = kSpaces[c];
      a.all = std::move(*all);
      a.nearest = std::move(*nearest);
      a.filtered = std::move(*filtered);
      a.by_text = std::move(*by_text);
      a.text_filtered = std::move(*text_filtered);
      for (size_t i = 0; i < a.all.ids.size(); ++i) a.index_of[a.all.ids[i]] = i;
      continue;
    }
    const CollectionAnswers& b = base->at(name);
    std::string wrong;
    if (!all.ok()) {
      note_error(name + " get", all.status());
    } else {
      wrong = CheckGet(b, *all);
    }
    if (wrong.empty()) {
      if (!nearest.ok()) {
        note_error(name + " query", nearest.status());
      } else {
        wrong = CheckQuery(b, *nearest, b.nearest, /*exact=*/false);
      }
    }
    if (wrong.empty()) {
      if (!filtered.ok()) {
        note_error(name + " filtered query", filtered.status());
      } else {
        wrong = CheckQuery(b, *filtered, b.filtered, /*exact=*/true);
      }
    }
    if (wrong.empty()) {
      if (!by_text.ok()) {
        note_error(name + " get with where_document", by_text.status());
      } else {
        wrong = CheckSubset(b, *by_text, b.by_text);
      }
    }
    if (wrong.empty()) {
      if (!text_filtered.ok()) {
        note_error(name + " query with where and where_document", text_filtered.status());
      } else {
        wrong = CheckQuery(b, *text_filtered, b.text_filtered, /*exact=*/true);
      }
    }
    if (!wrong.empty()) {
      *detail = name + ": " + wrong;
      return Outcome::kWrong;
    }
  }
  return error ? Outcome::kError : Outcome::kCorrect;
}

std::string KindOf(const std::string& rel) {
  const std::string f = fs::path(rel).filename().string();
  if (f == "ochre.sqlite3") return "catalog";
  if (f == "ochre.sqlite3-wal") return "catalog-wal";
  if (f == "ochre.sqlite3-shm") return "catalog-shm";
  if (f.ends_with(".f32")) return "vectors";
  if (f.ends_with(".rowcrc")) return "rowcrc";
  if (f.ends_with(".graph")) return "graph";
  return f;
}

struct Damage {
  std::string cls;
  std::function<void(const std::string& file, const std::string& foreign)> apply;
};

std::vector<Damage> DamageClasses(const std::string& pristine_file, int positions, uint64_t seed) {
  const uint64_t size = fs::file_size(pristine_file);
  std::mt19937_64 rng(seed);
  std::vector<Damage> out;
  auto offsets = [&](int n) {
    std::vector<uint64_t> v;
    if (size == 0) return v;
    for (int i = 0; i < n; ++i) v.push_back(std::uniform_int_distribution<uint64_t>(0, size - 1)(rng));
    return v;
  };
  for (uint64_t off : offsets(positions)) {
    const int bit = int(rng() % 8);
    out.push_back({"flipped bit", [off, bit](const std::string& f, const std::string&) {
                     std::string b = ReadAll(f);
                     b[off] = char(b[off] ^ (1 << bit));
                     WriteAll(f, b);
                   }});
  }
  for (uint64_t off : offsets(positions)) {
    out.push_back({"flipped byte", [off](const std::string& f, const std::string&) {
                     std::string b = ReadAll(f);
                     b[off] = char(~b[off]);
                     WriteAll(f, b);
                   }});
  }
  std::vector<uint64_t> pages{0};
  for (uint64_t off : offsets(std::max(1, positions - 1))) pages.push_back(off / 4096 * 4096);
  for (uint64_t page : pages) {
    if (size == 0) break;
    out.push_back({"zeroed 4 KiB page", [page](const std::string& f, const std::string&) {
                     std::string b = ReadAll(f);
                     const uint64_t end = std::min<uint64_t>(b.size(), page + 4096);
                     std::fill(b.begin() + long(page), b.begin() + long(end), '\0');
                     WriteAll(f, b);
                   }});
  }
  out.push_back({"truncated to 0", [](const std::string& f, const std::string&) { fs::resize_file(f, 0); }});
  out.push_back(
      {"truncated to half", [size](const std::string& f, const std::string&) { fs::resize_file(f, size / 2); }});
  if (size > 0) {
    out.push_back(
        {"truncated by 1 byte", [size](const std::string& f, const std::string&) { fs::resize_file(f, size - 1); }});
  }
  out.push_back({"foreign file", [](const std::string& f, const std::string& foreign) {
                   if (!foreign.empty()) fs::copy_file(foreign, f, fs::copy_options::overwrite_existing);
                 }});
  out.push_back({"deleted", [](const std::string& f, const std::string&) { fs::remove(f); }});
  return out;
}

// A scratch directory in /dev/shm (or the usual temporary directory), removed on destruction.
class ScratchDir {
 public:
  ScratchDir() {
    std::string tmpl = (access("/dev/shm", W_OK) == 0 ? std::string("/dev/shm") : fs::temp_directory_path().string()) +
                       "/ochre-matrix-XXXXXX";
    path_ = mkdtemp(tmpl.data()) != nullptr ? tmpl : fallback_.path();
  }
  ~ScratchDir() {
    std::error_code ec;
    if (path_ != fallback_.path()) fs::remove_all(path_, ec);
  }
  std::string Sub(const std::string& name) const { return path_ + "/" + name; }

 private:
  testutil::TempDir fallback_;
  std::string path_;
};

void RunMatrix(int positions) {
  ScratchDir dir;
  const std::string pristine = dir.Sub("pristine");
  BuildDatabase(pristine);
  if (::testing::Test::HasFatalFailure()) return;
  // The answers of the pristine database after a reopen, from a copy (opening writes files).
  std::map<std::string, CollectionAnswers> base;
  {
    const std::string copy = dir.Sub("baseline");
    fs::copy(pristine, copy, fs::copy_options::recursive);
    std::string detail;
    ASSERT_EQ(RunReads(copy, nullptr, &base, &detail), Outcome::kCorrect) << detail;
    // A second open of the pristine files answers the same (the comparison itself is sound).
    fs::remove_all(copy);
    fs::copy(pristine, copy, fs::copy_options::recursive);
    ASSERT_EQ(RunReads(copy, &base, nullptr, &detail), Outcome::kCorrect) << detail;
    fs::remove_all(copy);
  }

  std::vector<std::string> files;
  for (const auto& e : fs::recursive_directory_iterator(pristine)) {
    if (e.is_regular_file()) files.push_back(fs::relative(e.path(), pristine).string());
  }
  std::sort(files.begin(), files.end());
  // A same-kind file of another collection, for the "foreign file" class.
  auto foreign_of = [&](const std::string& rel) -> std::string {
    const fs::path p(rel);
    if (p.parent_path().parent_path().filename() != "collections") return "";
    for (const auto& other : files) {
      const fs::path o(other);
      if (o.filename() == p.filename() && o.parent_path() != p.parent_path()) return (fs::path(pristine) / o).string();
    }
    return "";
  };

  std::map<std::string, std::map<std::string, std::map<Outcome, int>>> counts;  // kind -> class -> outcome
  std::vector<std::string> silent;
  int cases = 0;
  uint64_t seed = 1500;
  for (const std::string& rel : files) {
    const std::string kind = KindOf(rel);
    const std::string foreign = foreign_of(rel);
    for (const Damage& d : DamageClasses((fs::path(pristine) / rel).string(), positions, ++seed)) {
      if (d.cls == "foreign file" && foreign.empty()) continue;
      const std::string work = dir.Sub("case");
      fs::remove_all(work);
      fs::copy(pristine, work, fs::copy_options::recursive);
      d.apply((fs::path(work) / rel).string(), foreign);
      std::string detail;
      const Outcome o = RunReads(work, &base, nullptr, &detail);
      ++counts[kind][d.cls][o];
      ++cases;
      if (o == Outcome::kWrong) silent.push_back(rel + " / " + d.cls + ": " + detail);
      if (std::getenv("OCHRE_MATRIX_VERBOSE")) {
        std::fprintf(stderr, "%-50s %-20s %-15s %s\n", rel.c_str(), d.cls.c_str(), OutcomeName(o), detail.c_str());
      }
    }
  }
  fs::remove_all(dir.Sub("case"));

  std::printf("\ncorruption matrix: %d cases over %zu files\n", cases, files.size());
  std::printf("%-14s %-20s %12s %15s %13s\n", "file kind", "damage", "clear error", "correct answer", "SILENT WRONG");
  std::map<Outcome, int> total;
  for (const auto& [kind, by_class] : counts) {
    for (const auto& [cls, by_outcome] : by_class) {
      auto get = [&](Outcome o) {
        auto it = by_outcome.find(o);
        return it == by_outcome.end() ? 0 : it->second;
      };
      std::printf("%-14s %-20s %12d %15d %13d\n", kind.c_str(), cls.c_str(), get(Outcome::kError),
                  get(Outcome::kCorrect), get(Outcome::kWrong));
      for (Outcome o : {Outcome::kError, Outcome::kCorrect, Outcome::kWrong}) total[o] += get(o);
    }
  }
  std::printf("%-35s %12d %15d %13d\n", "total", total[Outcome::kError], total[Outcome::kCorrect],
              total[Outcome::kWrong]);
  for (const auto& s : silent) ADD_FAILURE() << "silent wrong answer: " << s;
}

TEST(CorruptionMatrix, Default) { RunMatrix(/*positions=*/1); }

// `make test-slow` (CTest label slow): more positions per class.
TEST(CorruptionMatrix, DISABLED_Slow) { RunMatrix(/*positions=*/12); }

}  // namespace
}  // namespace ochre
