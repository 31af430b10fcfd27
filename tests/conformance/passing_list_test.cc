#include "passing_list.h"

#include <unistd.h>

#include <cstdio>
#include <filesystem>

#include "common/file_util.h"
#include "gtest/gtest.h"

namespace berth::conformance {
namespace {

TEST(PassingListTest, RoundTripsAndSkipsCommentsAndBlanks) {
  std::string path = (std::filesystem::path(testing::TempDir()) / ("passing_" + std::to_string(::getpid()) + ".txt")).string();
  ASSERT_TRUE(WriteStringToFile(path, "# header\n\nnode/test_b\n  node/test_a  \n").ok());
  auto read = ReadPassingList(path);
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(*read, (std::set<std::string>{"node/test_a", "node/test_b"}));

  ASSERT_TRUE(WritePassingList(path, {"simple/z", "node/a"}).ok());
  auto again = ReadPassingList(path);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, (std::set<std::string>{"node/a", "simple/z"}));
  auto text = ReadFileToString(path);
  ASSERT_TRUE(text.ok());
  EXPECT_LT(text->find("node/a"), text->find("simple/z"));  // sorted
  std::remove(path.c_str());
}

TEST(PassingListTest, MissingFileFails) {
  EXPECT_FALSE(ReadPassingList("/nonexistent/passing.txt").ok());
}

TEST(CheckPassingListTest, FindsRegressionsMissingAndNewPasses) {
  std::set<std::string> listed = {"node/a", "node/b", "node/gone", "other/x", "node/skipped"};
  std::map<std::string, Outcome> outcomes = {
      {"node/a", Outcome::kPass}, {"node/b", Outcome::kCrash}, {"node/new", Outcome::kPass}};
  ListCheck check = CheckPassingList(listed, outcomes, {"node"}, "");
  EXPECT_EQ(check.regressions, std::vector<std::string>{"node/b: crash"});
  EXPECT_EQ(check.missing, (std::vector<std::string>{"node/gone", "node/skipped"}));
  EXPECT_EQ(check.new_passes, std::vector<std::string>{"node/new"});

  // With a filter, listed cases the filter excludes are not "missing".
  ListCheck filtered = CheckPassingList(listed, outcomes, {"node"}, "gone");
  EXPECT_EQ(filtered.missing, std::vector<std::string>{"node/gone"});
}

}  // namespace
}  // namespace berth::conformance
