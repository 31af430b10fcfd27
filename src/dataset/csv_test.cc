#include "dataset/csv.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace berth::dataset {
namespace {

using engine::DataType;
using engine::Shape;

std::vector<float> Floats(const engine::Tensor& t) {
  return std::vector<float>(t.data<float>(), t.data<float>() + t.num_elements());
}

// The error ParseCsv gives for `text`, which must be refused.
std::string ErrorOf(const std::string& text, const CsvOptions& options = {}) {
  absl::StatusOr<std::vector<NamedTensor>> parsed = ParseCsv(text, options);
  EXPECT_FALSE(parsed.ok()) << text;
  if (parsed.ok()) return "";
  EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument);
  return std::string(parsed.status().message());
}

TEST(CsvTest, DefaultsToOneInputAndAnInt64Label) {
  CsvOptions options;
  options.default_input_name = "x";
  absl::StatusOr<std::vector<NamedTensor>> t =
      ParseCsv("a,label,b\n1.5,2,-3e2\n+4,0,.5\n", options);
  ASSERT_TRUE(t.ok()) << t.status();
  ASSERT_EQ(t->size(), 2u);
  EXPECT_EQ((*t)[0].name, "x");
  EXPECT_EQ((*t)[0].tensor.shape(), (Shape{2, 2}));
  EXPECT_EQ(Floats((*t)[0].tensor), (std::vector<float>{1.5f, -300.0f, 4.0f, 0.5f}));
  EXPECT_EQ((*t)[1].name, "label");
  ASSERT_EQ((*t)[1].tensor.dtype(), DataType::kInt64);
  EXPECT_EQ((*t)[1].tensor.shape(), (Shape{2}));
  EXPECT_EQ((*t)[1].tensor.data<int64_t>()[0], 2);
  EXPECT_EQ((*t)[1].tensor.data<int64_t>()[1], 0);
}

TEST(CsvTest, CrlfLastLineUnendedBomAndQuotedHeader) {
  absl::StatusOr<std::vector<NamedTensor>> t =
      ParseCsv("\xEF\xBB\xBF\"mean, radius\",\"say \"\"hi\"\"\"\r\n1,2\r\n3,4", {});
  ASSERT_TRUE(t.ok()) << t.status();
  ASSERT_EQ(t->size(), 1u);  // no label column: unlabelled
  EXPECT_EQ((*t)[0].name, "input");
  EXPECT_EQ(Floats((*t)[0].tensor), (std::vector<float>{1, 2, 3, 4}));
  CsvOptions options;
  options.inputs = {{"q", {"say \"hi\""}}};
  t = ParseCsv("\"mean, radius\",\"say \"\"hi\"\"\"\r\n1,2\r\n", options);
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(Floats((*t)[0].tensor), (std::vector<float>{2}));
}

TEST(CsvTest, PicksNamedColumnGroupsInTheGivenOrder) {
  CsvOptions options;
  options.inputs = {{"left", {"c", "a"}}, {"right", {"d"}}};
  options.label_column = "y";
  options.label_type = CsvLabelType::kFloat;
  absl::StatusOr<std::vector<NamedTensor>> t =
      ParseCsv("a,b,c,d,y\n1,2,3,4,0.25\n5,6,7,8,-1\n", options);
  ASSERT_TRUE(t.ok()) << t.status();
  ASSERT_EQ(t->size(), 3u);
  EXPECT_EQ((*t)[0].name, "left");
  EXPECT_EQ(Floats((*t)[0].tensor), (std::vector<float>{3, 1, 7, 5}));
  EXPECT_EQ((*t)[1].name, "right");
  EXPECT_EQ(Floats((*t)[1].tensor), (std::vector<float>{4, 8}));
  EXPECT_EQ((*t)[2].name, "y");
  ASSERT_EQ((*t)[2].tensor.dtype(), DataType::kFloat);
  EXPECT_EQ(Floats((*t)[2].tensor), (std::vector<float>{0.25f, -1}));
}

TEST(CsvTest, RefusesBadValuesNamingLineAndColumn) {
  EXPECT_EQ(ErrorOf("a,b\n1,2\n3,\n"), "line 3, column 'b' (2): an empty value");
  EXPECT_EQ(ErrorOf("a,b\n1,\"2\"\n"),
            "line 2, column 'b' (2): a quoted value (data values must be bare numbers)");
  EXPECT_EQ(ErrorOf("a,b\n1,abc\n"),
            "line 2, column 'b' (2): 'abc' is not a finite number in float range");
  for (const char* bad : {"nan", "inf", "-inf", "1e39", "0x10", " 1", "1 ", "1.2.3", "--1", "+"}) {
    EXPECT_NE(ErrorOf(std::string("a\n") + bad + "\n").find("line 2, column 'a' (1)"),
              std::string::npos)
        << bad;
  }
  EXPECT_EQ(ErrorOf("a\n\x1b[2J\n"),  // echoed escaped, never raw to a terminal
            "line 2, column 'a' (1): '\\x1b[2J' is not a finite number in float range");
  EXPECT_EQ(ErrorOf("a,label\n1,0.5\n"),
            "line 2, column 'label' (2): '0.5' is not an integer class label");
  EXPECT_EQ(ErrorOf("a,label\n1,99999999999999999999\n"),
            "line 2, column 'label' (2): '99999999999999999999' is not an integer class label");
}

TEST(CsvTest, RefusesRaggedRowsAndBrokenQuoting) {
  EXPECT_EQ(ErrorOf("a,b\n1,2\n3\n"), "line 3: 1 field but the header has 2 columns");
  EXPECT_EQ(ErrorOf("a,b\n1,2,3\n"), "line 2: 3 fields but the header has 2 columns");
  EXPECT_EQ(ErrorOf("a,b\n1,2\n\n"), "line 3: an empty line");
  CsvOptions text_column;  // a column no input uses may hold any text, quoted lines included
  text_column.inputs = {{"x", {"a"}}};
  EXPECT_TRUE(ParseCsv("a,note\n1,\"two\nlines, \"\"quoted\"\"\"\n", text_column).ok());
  EXPECT_EQ(ErrorOf("a,note\n1,\"two\nlines\"\n2\n", text_column),
            "line 4: 1 field but the header has 2 columns");
  EXPECT_EQ(ErrorOf("a,b\n1,\"2\n"), "line 2: field 2 opens a quote that is never closed");
  EXPECT_EQ(ErrorOf("a,\"b\"x\n1,2\n"), "line 1: field 2: text after the closing quote");
  EXPECT_NE(ErrorOf("a,b\"c\n").find("line 1: field 2: a quote inside an unquoted field"),
            std::string::npos);
  EXPECT_EQ(ErrorOf("a,b\r1,2\n"), "line 1: a carriage return not followed by a line feed");
}

TEST(CsvTest, RefusesBadHeadersAndOptions) {
  EXPECT_EQ(ErrorOf(""), "the CSV file is empty (no header row)");
  EXPECT_EQ(ErrorOf("a,b\n"), "the CSV file has a header but no data rows");
  EXPECT_EQ(ErrorOf("a,,b\n1,2,3\n"), "line 1 (the header), column 2: an empty column name");
  EXPECT_EQ(ErrorOf("a,b,a\n1,2,3\n"),
            "line 1 (the header), column 3: column 'a' is named twice (also column 1)");
  EXPECT_EQ(ErrorOf("\"a\tb\"\n1\n"),
            "line 1 (the header), column 1: a column name with a control character");
  EXPECT_EQ(ErrorOf("label\n1\n"), "the header has no column besides the label column 'label'");
  CsvOptions options;
  options.inputs = {{"x", {"a", "zz"}}};
  EXPECT_EQ(ErrorOf("a,b\n1,2\n", options), "column 'zz' of input 'x' is not in the header");
  options.inputs = {{"x", {"a"}}, {"y", {"a"}}};
  EXPECT_EQ(ErrorOf("a,b\n1,2\n", options), "column 'a' is used by two inputs ('x' and 'y')");
  options.inputs = {{"x", {"b", "b"}}};
  EXPECT_EQ(ErrorOf("a,b\n1,2\n", options), "column 'b' is used by two inputs ('x' and 'x')");
  options.inputs = {{"x", {"label"}}};
  EXPECT_EQ(ErrorOf("a,label\n1,2\n", options),
            "column 'label' is the label column; input 'x' cannot use it");
  options.inputs = {{"label", {"a"}}};
  EXPECT_EQ(ErrorOf("a,label\n1,2\n", options),
            "tensor name 'label' is used twice (inputs and label)");
  options.inputs = {{"x", {}}};
  EXPECT_EQ(ErrorOf("a\n1\n", options), "CSV input 'x' has no columns");
}

TEST(CsvTest, BoundsSizes) {
  CsvOptions options;
  options.limits.max_columns = 2;
  EXPECT_EQ(ErrorOf("a,b,c\n1,2,3\n", options), "line 1: more than 2 fields");
  options = {};
  options.limits.max_rows = 2;
  EXPECT_TRUE(ParseCsv("a\n1\n2\n", options).ok());
  EXPECT_EQ(ErrorOf("a\n1\n2\n3\n", options), "the CSV file has more than 2 data rows");
  options = {};
  options.limits.max_field_bytes = 4;
  EXPECT_EQ(ErrorOf("a\n1.2345\n", options), "line 2: field 1 is longer than 4 bytes");
  options = {};
  options.limits.max_bytes = 5;
  EXPECT_EQ(ErrorOf("a\n1\n2\n", options), "the CSV file is larger than 5 bytes");
}

}  // namespace
}  // namespace berth::dataset
