// Copyright 2026 The OchreDB Authors.
//
// The Chroma reader's pieces that the end-to-end test (scripts/tests.d/chroma_import.sh, real Chroma
// directories) cannot reach cheaply: the pickle reader's refusals, bad directories, and the engine's
// refusal of a Chroma directory.
#include "interop/chroma/chroma_reader.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <fstream>
#include <string>

#include "interop/chroma/import_chroma.h"
#include "interop/chroma/pickle_reader.h"
#include "ochre/client.h"

namespace ochre::interop::chroma {
namespace {

std::string TempDir() {
  char tmpl[] = "/tmp/ochre_interop_XXXXXX";
  return ::mkdtemp(tmpl);
}

// {"dimensionality": None, "total_elements_added": 2, "id_to_label": {"a": 1, "b": 300}} as
// serde_pickle (protocol 3) writes it.
std::string PlainPickle() {
  std::string p = "\x80\x03}(";
  auto str = [&](const std::string& s) {
    p += 'X';
    uint32_t n = s.size();
    p.append(reinterpret_cast<const char*>(&n), 4);
    p += s;
  };
  str("dimensionality");
  p += 'N';
  str("total_elements_added");
  p += "K\x02";
  str("id_to_label");
  p += "}(";
  str("a");
  p += "K\x01";
  str("b");
  p += "M";
  p += char(300 & 0xff);
  p += char(300 >> 8);
  p += "uu.";
  return p;
}

TEST(PickleReaderTest, ReadsThePlainDictChromaWrites) {
  auto v = ParsePickle(PlainPickle(), "test.pickle");
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  const PickleValue* m = (*v)->Get("id_to_label");
  ASSERT_NE(m, nullptr);
  ASSERT_EQ(m->dict.size(), 2u);
  EXPECT_EQ(m->dict[0].first->s, "a");
  EXPECT_EQ(m->dict[0].second->i, 1);
  EXPECT_EQ(m->dict[1].second->i, 300);
  EXPECT_EQ((*v)->Get("dimensionality")->kind, PickleValue::Kind::kNone);
}

TEST(PickleReaderTest, ReadsLegacyPersistentDataAsItsState) {
  std::string p = "\x80\x04\x95";
  p.append(8, '\0');  // FRAME length
  p += "cchromadb.segment.impl.vector.local_persistent_hnsw\nPersistentData\n";
  p += ")\x81}(\x8c\x0amax_seq_idJ";
  int32_t seq = 77;
  p.append(reinterpret_cast<const char*>(&seq), 4);
  p += "ub.";
  auto v = ParsePickle(p, "legacy.pickle");
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  ASSERT_NE((*v)->Get("max_seq_id"), nullptr);
  EXPECT_EQ((*v)->Get("max_seq_id")->i, 77);
}

TEST(PickleReaderTest, RefusesAnythingThatWouldRunCode) {
  for (std::string bad : {std::string("\x80\x03"
                                      "cos\nsystem\n(S\"true\"\ntR."),  // GLOBAL os.system + REDUCE
                          std::string("\x80\x03}R."),                   // REDUCE
                          std::string("\x80\x03}"),                     // no STOP
                          std::string("\x80\x03\x8c\x02osQ.")}) {       // BINPERSID
    auto v = ParsePickle(bad, "bad.pickle");
    ASSERT_FALSE(v.ok());
    EXPECT_TRUE(v.status().IsCorruption()) << v.status().ToString();
    EXPECT_NE(v.status().message().find("bad.pickle"), std::string::npos);
  }
}

TEST(ChromaReaderTest, NotAChromaDirectory) {
  std::string dir = TempDir();
  auto r = ReadChromaDirectory(dir);
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(r.status().IsInvalidArgument());
  EXPECT_NE(r.status().message().find("no chroma.sqlite3"), std::string::npos);
  std::ofstream(dir + "/chroma.sqlite3") << "";  // an empty file: SQLite with no tables
  r = ReadChromaDirectory(dir);
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(r.status().IsInvalidArgument()) << r.status().ToString();
  EXPECT_NE(r.status().message().find("no table"), std::string::npos) << r.status().ToString();
}

TEST(ChromaReaderTest, HotJournalMeansChromaIsWriting) {
  std::string dir = TempDir();
  std::ofstream(dir + "/chroma.sqlite3") << "";
  std::ofstream(dir + "/chroma.sqlite3-journal") << "x";
  Status s = CheckNotOpenByChroma(dir);
  EXPECT_EQ(s.code(), StatusCode::kLocked) << s.ToString();
}

TEST(ImportChromaTest, DestinationMustBeEmpty) {
  std::string src = TempDir(), dst = TempDir();
  std::ofstream(dst + "/something") << "x";
  ImportOptions o;
  o.from = src;
  o.path = dst;
  auto r = ImportChroma(o);
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(r.status().IsAlreadyExists()) << r.status().ToString();
}

TEST(ImportChromaTest, PersistentClientRefusesAChromaDirectoryNamingTheCommand) {
  std::string dir = TempDir();
  std::ofstream(dir + "/chroma.sqlite3") << "";
  auto c = PersistentClient::Open(dir);
  ASSERT_FALSE(c.ok());
  EXPECT_TRUE(c.status().IsInvalidArgument());
  EXPECT_NE(c.status().message().find("ochre import-chroma"), std::string::npos) << c.status().ToString();
  struct stat sb;
  EXPECT_NE(::stat((dir + "/ochre.sqlite3").c_str(), &sb), 0) << "nothing may be written";
}

}  // namespace
}  // namespace ochre::interop::chroma
