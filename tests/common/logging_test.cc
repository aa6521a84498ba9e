// Copyright 2026 The OchreDB Authors.
#include "common/logging.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace ochre {
namespace {

class LoggingTest : public ::testing::Test {
 protected:
  void SetUp() override {
    saved_ = GetLogLevel();
    SetLogSink([this](LogLevel level, std::string_view msg) { lines_.emplace_back(msg); });
  }
  void TearDown() override {
    SetLogSink(nullptr);
    SetLogLevel(saved_);
  }
  LogLevel saved_;
  std::vector<std::string> lines_;
};

TEST_F(LoggingTest, MessagesBelowTheLevelAreDropped) {
  SetLogLevel(LogLevel::kWarning);
  OCHRE_LOG_INFO("not shown {}", 1);
  OCHRE_LOG_WARN("shown {}", 2);
  OCHRE_LOG_ERROR("shown {}", 3);
  ASSERT_EQ(lines_.size(), 2u);
  EXPECT_EQ(lines_[0], "shown 2");
  EXPECT_EQ(lines_[1], "shown 3");
}

TEST_F(LoggingTest, OffDropsEverything) {
  SetLogLevel(LogLevel::kOff);
  OCHRE_LOG_ERROR("nothing");
  EXPECT_TRUE(lines_.empty());
}

TEST(LogLevelTest, ParsesNamesAndDigits) {
  LogLevel level;
  ASSERT_TRUE(ParseLogLevel("DEBUG", &level));
  EXPECT_EQ(level, LogLevel::kDebug);
  ASSERT_TRUE(ParseLogLevel("warn", &level));
  EXPECT_EQ(level, LogLevel::kWarning);
  ASSERT_TRUE(ParseLogLevel("3", &level));
  EXPECT_EQ(level, LogLevel::kError);
  EXPECT_FALSE(ParseLogLevel("loud", &level));
}

TEST(LogLevelTest, StderrLineIsWrittenWithoutASink) {
  SetLogLevel(LogLevel::kInfo);
  ::testing::internal::CaptureStderr();
  OCHRE_LOG_INFO("hello {}", "stderr");
  std::string out = ::testing::internal::GetCapturedStderr();
  EXPECT_NE(out.find(" I logging_test.cc:"), std::string::npos) << out;
  EXPECT_NE(out.find("] hello stderr\n"), std::string::npos) << out;
}

}  // namespace
}  // namespace ochre
