#include "core/json_writer.h"

#include <gtest/gtest.h>

#include <limits>

namespace unmogrowp {
namespace {

TEST(JsonWriterTest, NestedObject) {
  std::string out;
  JsonWriter w(&out);
  w.BeginObject().Key("a").Int(-3).Key("b").BeginArray().String("x").Bool(true).Null().EndArray();
  w.Key("c").Double(0.1).Key("d").StringOrNull("").Key("e").Raw("{\"k\":1}").EndObject();
  EXPECT_EQ(out, R"({"a":-3,"b":["x",true,null],"c":0.1,"d":null,"e":{"k":1}})");
}

TEST(JsonWriterTest, EscapesControlAndQuotes) {
  std::string out;
  JsonWriter(&out).String(std::string("q\"b\\n\n\x01\xc3\xa9", 9));
  EXPECT_EQ(out, "\"q\\\"b\\\\n\\n\\u0001\xc3\xa9\"");
}

TEST(JsonWriterTest, NonFiniteIsNull) {
  std::string out;
  JsonWriter(&out)
      .BeginArray()
      .Double(std::numeric_limits<double>::infinity())
      .Double(2.5)
      .EndArray();
  EXPECT_EQ(out, "[null,2.5]");
}

}  // namespace
}  // namespace unmogrowp
