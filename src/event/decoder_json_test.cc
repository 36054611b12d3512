// JSON strictness of the decoder. simdjson On-Demand only validates what a
// program reads, so every value the decoder does not need (unknown fields,
// properties, non-object elements) must still be read in full; these tests
// put malformed JSON in each such place and expect invalid_json, and compare
// the decoder's verdict with simdjson's fully validating DOM parser.

#include <gtest/gtest.h>
#include <simdjson.h>

#include "event/decoder.h"
#include "event/decoder_test_util.h"

namespace unmogrowp {
namespace {

using testing::Body;
using testing::DecodeBatchBody;
using testing::DecodeOneBody;

// Values that are not valid JSON.
const std::vector<std::string>& InvalidValues() {
  static const std::vector<std::string> kValues = {
      "tru",
      "truee",
      "True",
      "nul",
      "nulll",
      "NULL",
      "fals",
      "falsey",
      "[1,]",
      "[,1]",
      "[1,,2]",
      "[1 2]",
      "[",
      "]",
      "{",
      "}",
      "{\"a\":1,}",
      "{\"a\" 1}",
      "{\"a\":}",
      "{a:1}",
      "{1:1}",
      "{\"a\"}",
      "{,}",
      "[}",
      "{]",
      "01",
      "-01",
      "1.",
      ".5",
      "+1",
      "-",
      "1e",
      "1e+",
      "--1",
      "0x10",
      "1.5.3",
      "NaN",
      "-NaN",
      "Infinity",
      "-Infinity",
      "1e400",
      "-1e400",
      "\"\\x\"",
      "\"\\u12\"",
      "\"\\u12g4\"",
      "\"\\ud800\"",
      "\"\\udc00\"",
      "\"\\ud800x\"",
      "'single'",
      "\"tab\there\"",
      "\"nl\nhere\"",
      "\"\x01\"",
      "\"\xff\"",
      "\"\xc0\xaf\"",
      "\"\xe2\x82\"",
      "\"\xed\xa0\x80\"",
      "[\"a\" \"b\"]",
      "{\"a\":1 \"b\":2}",
      "undefined",
      "()",
  };
  return kValues;
}

// Values that are valid JSON (and fit a double).
const std::vector<std::string>& ValidValues() {
  static const std::vector<std::string> kValues = {
      "true",
      "false",
      "null",
      "0",
      "-0",
      "0.5e-3",
      "1E+2",
      "-1.25e-10",
      "100000000000000000000",
      "1e-400",
      "1.7976931348623157e308",
      "\"\"",
      "\"\\u0000\"",
      "\"\\ud83d\\ude00\"",
      "\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"",
      "\"\xf0\x9f\x98\x80\"",
      "[]",
      "{}",
      "[1,[2,{\"a\":[null]}]]",
      "{\"\":{\"\":[]}}",
      " [ 1 , 2 ] ",
      "{\"k\\u00e9y\":1}",
  };
  return kValues;
}

// The places a value can sit without being interpreted by the decoder.
std::vector<std::string> OneBodies(const std::string& value) {
  return {
      Body("\"unknown\":" + value),
      Body("\"properties\":{\"k\":" + value + "}"),
      Body("\"properties\":{\"k\":[" + value + "]}"),
      "{\"unknown\":" + value + "," + std::string(testing::kBaseFields) + "}",
  };
}

std::vector<std::pair<std::string, bool>> BatchBodies(const std::string& value) {
  // {body, ndjson}
  return {
      {"[" + Body("\"unknown\":" + value) + "]", false},
      {"[" + Body() + "," + value + "]", false},
      {"{\"meta\":" + value + ",\"events\":[" + Body() + "]}", false},
      {"{\"events\":[" + Body() + "],\"meta\":[" + value + "]}", false},
  };
}

bool DomAccepts(const std::string& json) {
  simdjson::dom::parser parser;
  simdjson::dom::element element;
  return parser.parse(json).get(element) == simdjson::SUCCESS;
}

TEST(StrictJsonTest, TheValueListsAgreeWithTheDomParser) {
  for (const std::string& v : InvalidValues()) EXPECT_FALSE(DomAccepts("[" + v + "]")) << v;
  for (const std::string& v : ValidValues()) {
    // simdjson's DOM parser refuses integers beyond 64 bits; JSON does not.
    if (v == "100000000000000000000") continue;
    EXPECT_TRUE(DomAccepts("[" + v + "]")) << v;
  }
}

TEST(StrictJsonTest, InvalidValueAnywhereInASingleEventIsInvalidJson) {
  for (const std::string& v : InvalidValues()) {
    for (const std::string& body : OneBodies(v)) {
      EXPECT_REJECTED(body, "invalid_json", "");
    }
  }
}

TEST(StrictJsonTest, ValidValueAnywhereInASingleEventIsAccepted) {
  for (const std::string& v : ValidValues()) {
    for (const std::string& body : OneBodies(v)) testing::ExpectAccepted(body);
  }
}

TEST(StrictJsonTest, InvalidValueAnywhereInABatchFailsTheWholeRequest) {
  for (const std::string& v : InvalidValues()) {
    for (const auto& [body, ndjson] : BatchBodies(v)) {
      testing::BatchResult r = DecodeBatchBody(body, ndjson);
      EXPECT_EQ(r.status.reason(), "invalid_json") << body;
      EXPECT_TRUE(r.events.empty()) << body;
      EXPECT_TRUE(r.rejected.empty()) << body;
    }
  }
}

TEST(StrictJsonTest, ValidValueAnywhereInABatchIsFine) {
  for (const std::string& v : ValidValues()) {
    for (const auto& [body, ndjson] : BatchBodies(v)) {
      testing::BatchResult r = DecodeBatchBody(body, ndjson);
      EXPECT_TRUE(r.status.ok()) << r.status.ToString() << "\n" << body;
      EXPECT_EQ(r.events.size(), 1u) << body;
    }
  }
}

TEST(StrictJsonTest, InvalidValueOnAnNdjsonLineRejectsOnlyThatLine) {
  for (const std::string& v : InvalidValues()) {
    if (v.find('\n') != std::string::npos) continue;  // would split the line
    const std::string body = Body() + "\n" + Body("\"unknown\":" + v) + "\n" + v + "\n" + Body();
    testing::BatchResult r = DecodeBatchBody(body, true);
    ASSERT_TRUE(r.status.ok()) << body;
    EXPECT_EQ(r.total, 4u) << body;
    EXPECT_EQ(r.events.size(), 2u) << body;
    ASSERT_EQ(r.rejected.size(), 2u) << body;
    EXPECT_EQ(r.rejected[0].index, 1u);
    EXPECT_EQ(r.rejected[0].code, "invalid_json") << body;
    EXPECT_EQ(r.rejected[1].index, 2u);
    // A bare "{" or "}" line may parse as a broken object: still invalid_json.
    EXPECT_EQ(r.rejected[1].code, "invalid_json") << body;
  }
}

TEST(StrictJsonTest, InvalidUtf8InKeysAndValues) {
  EXPECT_REJECTED(Body("\"k\xff\":1"), "invalid_json", "");
  EXPECT_REJECTED(Body("\"source\":\"caf\xe9\""), "invalid_json", "");  // Latin-1 é
  EXPECT_REJECTED(Body("\"properties\":{\"\xc3\":1}"), "invalid_json", "");
  EXPECT_EQ(testing::ExpectAccepted(Body("\"source\":\"caf\xc3\xa9\"")).source, "caf\xc3\xa9");
}

TEST(StrictJsonTest, EscapedKeysAreInvalidWhenTheEscapeIs) {
  EXPECT_REJECTED(Body("\"k\\q\":1"), "invalid_json", "");
  EXPECT_REJECTED(Body("\"k\\ud800\":1"), "invalid_json", "");
}

// `n` nested arrays around a 0: "[[[0]]]" for n = 3.
std::string Nested(size_t n) { return std::string(n, '[') + "0" + std::string(n, ']'); }

TEST(NestingTest, SingleEventCountsFromTheRoot) {
  // The event object is level 1, so 63 nested arrays reach level 64.
  testing::ExpectAccepted(Body("\"unknown\":" + Nested(63)));
  EXPECT_REJECTED(Body("\"unknown\":" + Nested(64)), "invalid_json", "");
  // properties is level 2.
  testing::ExpectAccepted(Body("\"properties\":{\"a\":" + Nested(62) + "}"));
  EXPECT_REJECTED(Body("\"properties\":{\"a\":" + Nested(63) + "}"), "invalid_json", "");
  // A field of the wrong type is still depth-checked.
  EXPECT_REJECTED(Body("\"user_id\":" + Nested(64)), "invalid_json", "");
  EXPECT_EQ(DecodeOneBody(Body("\"unknown\":" + Nested(64))).status.message(),
            "the body is not valid JSON: arrays and objects nest more than 64 levels deep");
}

TEST(NestingTest, BatchFormsCountTheirWrappers) {
  EXPECT_TRUE(DecodeBatchBody("[" + Body("\"u\":" + Nested(62)) + "]", false).status.ok());
  EXPECT_EQ(DecodeBatchBody("[" + Body("\"u\":" + Nested(63)) + "]", false).status.reason(),
            "invalid_json");
  EXPECT_TRUE(
      DecodeBatchBody("{\"events\":[" + Body("\"u\":" + Nested(61)) + "]}", false).status.ok());
  EXPECT_EQ(
      DecodeBatchBody("{\"events\":[" + Body("\"u\":" + Nested(62)) + "]}", false).status.reason(),
      "invalid_json");
  // A non-object element is depth-checked too.
  EXPECT_TRUE(DecodeBatchBody("[" + Nested(63) + "]", false).status.ok());
  EXPECT_EQ(DecodeBatchBody("[" + Nested(64) + "]", false).status.reason(), "invalid_json");
  // An unknown member of the wrapper object.
  EXPECT_TRUE(DecodeBatchBody("{\"m\":" + Nested(63) + ",\"events\":[]}", false).status.ok());
  EXPECT_EQ(DecodeBatchBody("{\"m\":" + Nested(64) + ",\"events\":[]}", false).status.reason(),
            "invalid_json");
}

TEST(NestingTest, NdjsonLinesCountFromTheirOwnRoot) {
  testing::BatchResult r =
      DecodeBatchBody(Body("\"u\":" + Nested(63)) + "\n" + Body("\"u\":" + Nested(64)) + "\n" +
                          Nested(64) + "\n" + Nested(65),
                      true);
  ASSERT_TRUE(r.status.ok());
  EXPECT_EQ(r.events.size(), 1u);
  ASSERT_EQ(r.rejected.size(), 3u);
  EXPECT_EQ(r.rejected[0].code, "invalid_json");
  EXPECT_EQ(r.rejected[1].code, "invalid_json");  // a line that is not an object
  EXPECT_EQ(r.rejected[2].code, "invalid_json");
}

TEST(NestingTest, LimitComesFromOptions) {
  DecoderOptions options;
  options.max_depth = 3;
  EXPECT_TRUE(DecodeOneBody(Body("\"properties\":{\"a\":[0]}"), options).status.ok());
  EXPECT_EQ(DecodeOneBody(Body("\"properties\":{\"a\":[[0]]}"), options).status.reason(),
            "invalid_json");
  options.max_depth = 1;
  EXPECT_TRUE(DecodeOneBody(Body(), options).status.ok());
  EXPECT_EQ(DecodeOneBody(Body("\"properties\":{}"), options).status.reason(), "invalid_json");
  EXPECT_EQ(DecodeBatchBody("[" + Body() + "]", false, options).status.reason(), "invalid_json");
}

TEST(NestingTest, LimitsAboveSimdjsonsDefaultDepthWork) {
  DecoderOptions options;
  options.max_depth = 1500;  // simdjson's own default is 1024
  EXPECT_TRUE(DecodeOneBody(Body("\"u\":" + Nested(1499)), options).status.ok());
  EXPECT_EQ(DecodeOneBody(Body("\"u\":" + Nested(1500)), options).status.reason(), "invalid_json");
}

TEST(NestingTest, VeryDeepInputDoesNotOverflowTheStack) {
  const std::string deep = std::string(1'000'000, '[') + std::string(1'000'000, ']');
  EXPECT_REJECTED(Body("\"u\":" + deep), "invalid_json", "");
  EXPECT_EQ(DecodeBatchBody(deep, false).status.reason(), "invalid_json");
  testing::BatchResult r = DecodeBatchBody(deep, true);
  ASSERT_EQ(r.rejected.size(), 1u);
  EXPECT_EQ(r.rejected[0].code, "invalid_json");
  const std::string deep_objects = [] {
    std::string s;
    for (int i = 0; i < 100'000; ++i) s += "{\"a\":";
    return s + "0" + std::string(100'000, '}');
  }();
  EXPECT_REJECTED(deep_objects, "invalid_json", "");
}

TEST(NumberTest, NaNAndHugeNumbersAreInvalidJsonEvenWhereIgnored) {
  EXPECT_REJECTED(Body("\"x\":NaN"), "invalid_json", "");
  EXPECT_REJECTED(Body("\"x\":1e309"), "invalid_json", "");
  EXPECT_REJECTED(Body("\"properties\":{\"x\":-1e309}"), "invalid_json", "");
  // Large but finite, and integers beyond 64 bits, are fine.
  testing::ExpectAccepted(Body("\"x\":1e308"));
  testing::ExpectAccepted(Body("\"x\":-123456789012345678901234567890"));
}

}  // namespace
}  // namespace unmogrowp
