// EventDecoder::DecodeBatch: the three request forms, partial acceptance,
// index numbering, whole-request failures and the event-count limit.

#include <gtest/gtest.h>

#include "event/decoder.h"
#include "event/decoder_test_util.h"

namespace unmogrowp {
namespace {

using testing::BatchResult;
using testing::DecodeBatchBody;
using testing::kNowMs;

// A valid event whose event_id is `id`.
std::string Ev(std::string_view id) {
  return R"({"event_type":"open","timestamp":1716999999000,"device_id":"d","event_id":")" +
         std::string(id) + "\"}";
}

std::string BadEv(std::string_view id) {  // rejected: currency
  return R"({"event_type":"open","timestamp":1716999999000,"device_id":"d","currency":"x",)"
         R"("event_id":")" +
         std::string(id) + "\"}";
}

std::vector<std::string> Ids(const BatchResult& r) {
  std::vector<std::string> ids;
  for (const Event& e : r.events) ids.push_back(e.event_id);
  return ids;
}

void ExpectWholeRequestFailure(const BatchResult& r, std::string_view reason) {
  EXPECT_EQ(r.status.code(), StatusCode::kInvalidArgument) << r.status.ToString();
  EXPECT_EQ(r.status.reason(), reason) << r.status.ToString();
  EXPECT_TRUE(r.events.empty());
  EXPECT_TRUE(r.rejected.empty());
  EXPECT_EQ(r.total, 0u);
}

TEST(JsonArrayBatchTest, AcceptsValidEventsInOrderAndRejectsTheRest) {
  BatchResult r = DecodeBatchBody("[" + Ev("a") + "," + BadEv("b") + "," + Ev("c") + "]", false);
  ASSERT_TRUE(r.status.ok()) << r.status.ToString();
  EXPECT_EQ(r.total, 3u);
  EXPECT_EQ(Ids(r), (std::vector<std::string>{"a", "c"}));
  ASSERT_EQ(r.rejected.size(), 1u);
  EXPECT_EQ(r.rejected[0].index, 1u);
  EXPECT_EQ(r.rejected[0].code, "invalid_value");
  EXPECT_EQ(r.rejected[0].field, "currency");
  EXPECT_EQ(r.rejected[0].message, "currency must be a 3-letter upper-case code such as USD");
  for (const Event& e : r.events) {
    EXPECT_EQ(e.app_id, testing::kAppId);
    EXPECT_EQ(e.received_ms, kNowMs);
  }
}

TEST(JsonArrayBatchTest, EmptyArrayIsAnEmptyBatch) {
  BatchResult r = DecodeBatchBody(" [ ] ", false);
  ASSERT_TRUE(r.status.ok());
  EXPECT_EQ(r.total, 0u);
  EXPECT_TRUE(r.events.empty());
  EXPECT_TRUE(r.rejected.empty());
}

TEST(JsonArrayBatchTest, ElementsThatAreNotObjectsAreInvalidEvents) {
  BatchResult r =
      DecodeBatchBody("[1, \"x\", null, [], " + Ev("ok") + ", true, [{\"a\":1}]]", false);
  ASSERT_TRUE(r.status.ok()) << r.status.ToString();
  EXPECT_EQ(r.total, 7u);
  EXPECT_EQ(Ids(r), (std::vector<std::string>{"ok"}));
  ASSERT_EQ(r.rejected.size(), 6u);
  const size_t expected_index[] = {0, 1, 2, 3, 5, 6};
  for (size_t i = 0; i < 6; ++i) {
    EXPECT_EQ(r.rejected[i].index, expected_index[i]);
    EXPECT_EQ(r.rejected[i].code, "invalid_event");
    EXPECT_EQ(r.rejected[i].field, "");
  }
  EXPECT_EQ(r.rejected[0].message, "event 0 is not a JSON object");
}

TEST(JsonArrayBatchTest, EveryRejectionCodeWithItsIndex) {
  const std::string body =
      "[" + Ev("0") + R"(,{"timestamp":1716999999000,"device_id":"d"})" +  // 1 missing
      R"(,{"event_type":5,"timestamp":1716999999000,"device_id":"d"})" +   // 2 type
      R"(,{"event_type":"open","timestamp":1716999999000,"device_id":"d","device_id":"e"})" +  // 3
      R"(,{"event_type":"open","timestamp":1716999999000,"device_id":"d","app_id":"x"})" +     // 4
      ",7," + Ev("6") + "]";
  BatchResult r = DecodeBatchBody(body, false);
  ASSERT_TRUE(r.status.ok()) << r.status.ToString();
  EXPECT_EQ(r.total, 7u);
  EXPECT_EQ(Ids(r), (std::vector<std::string>{"0", "6"}));
  ASSERT_EQ(r.rejected.size(), 5u);
  const std::pair<const char*, const char*> expected[] = {{"missing_field", "event_type"},
                                                          {"invalid_type", "event_type"},
                                                          {"duplicate_field", "device_id"},
                                                          {"app_mismatch", "app_id"},
                                                          {"invalid_event", ""}};
  for (size_t i = 0; i < 5; ++i) {
    EXPECT_EQ(r.rejected[i].index, i + 1);
    EXPECT_EQ(r.rejected[i].code, expected[i].first);
    EXPECT_EQ(r.rejected[i].field, expected[i].second);
    EXPECT_FALSE(r.rejected[i].message.empty());
  }
}

TEST(EventsObjectBatchTest, ReadsTheEventsMember) {
  BatchResult r = DecodeBatchBody(R"({"sent_at":"now","meta":{"x":[1,2]},"events":[)" + Ev("a") +
                                      "," + BadEv("b") + R"(],"trailer":null})",
                                  false);
  ASSERT_TRUE(r.status.ok()) << r.status.ToString();
  EXPECT_EQ(r.total, 2u);
  EXPECT_EQ(Ids(r), (std::vector<std::string>{"a"}));
  ASSERT_EQ(r.rejected.size(), 1u);
  EXPECT_EQ(r.rejected[0].index, 1u);
}

TEST(EventsObjectBatchTest, EventsMustBeOneArray) {
  ExpectWholeRequestFailure(DecodeBatchBody("{}", false), "invalid_json");
  ExpectWholeRequestFailure(DecodeBatchBody(R"({"event":[]})", false), "invalid_json");
  ExpectWholeRequestFailure(DecodeBatchBody(R"({"events":5})", false), "invalid_json");
  ExpectWholeRequestFailure(DecodeBatchBody(R"({"events":null})", false), "invalid_json");
  ExpectWholeRequestFailure(DecodeBatchBody(R"({"events":)" + Ev("a") + "}", false),
                            "invalid_json");
  ExpectWholeRequestFailure(DecodeBatchBody(R"({"events":[],"events":[]})", false), "invalid_json");
}

TEST(JsonBatchTest, BodiesOfOtherShapesAreInvalidJson) {
  for (std::string body :
       {std::string(""), std::string("  "), std::string("5"), std::string("\"events\""),
        std::string("null"), std::string("[] []"), "[" + Ev("a") + "] x", "[" + Ev("a"),
        "[" + Ev("a") + ",]", Ev("a") + "\n" + Ev("b")}) {
    SCOPED_TRACE(body);
    ExpectWholeRequestFailure(DecodeBatchBody(body, false), "invalid_json");
  }
}

TEST(JsonBatchTest, SyntaxErrorAnywhereRejectsTheWholeRequest) {
  const std::string good = Ev("a") + "," + BadEv("b") + "," + Ev("c");
  for (std::string body : {
           "[" + good +
               R"(,{"event_type":"open","timestamp":1716999999000,"device_id":"d",)"
               R"("ignored":{"deep":[1,2,tru]}}])",
           "[" + good +
               R"(,{"event_type":"open","timestamp":1716999999000,"device_id":"d",)"
               R"("properties":{"a":01}}])",
           "[" + good + R"(,{"event_type":"open","bad key":"\u12"}])",
           "[" + good + ",[1 2]]",
           "[" + good + ",nul]",
           R"({"events":[)" + good + R"(],"meta":{"a":}})",
           R"({"meta":[1,],"events":[)" + good + "]}",
           "[" + good + ",\"\xff\"]",
       }) {
    SCOPED_TRACE(body);
    ExpectWholeRequestFailure(DecodeBatchBody(body, false), "invalid_json");
  }
}

TEST(JsonBatchTest, FailureLeavesWhatWasAlreadyInTheOutputs) {
  EventDecoder decoder;
  IdGenerator ids(1);
  EncodedBatch out;
  std::vector<Rejection> rejected;
  size_t total = 0;
  const DecodeContext ctx{testing::kAppId, kNowMs, &ids};
  std::string first = "[" + Ev("a") + "," + BadEv("b") + "]";
  ASSERT_TRUE(decoder.DecodeBatch(first, false, ctx, &out, &rejected, &total).ok());
  const std::string bytes = out.bytes;
  std::string broken = "[" + Ev("c") + "," + BadEv("d") + ",x]";
  EXPECT_EQ(decoder.DecodeBatch(broken, false, ctx, &out, &rejected, &total).reason(),
            "invalid_json");
  EXPECT_EQ(out.bytes, bytes);
  EXPECT_EQ(out.size(), 1u);
  EXPECT_EQ(rejected.size(), 1u);
  EXPECT_EQ(total, 0u);
}

std::string ArrayOf(size_t n, std::string_view element) {
  std::string body = "[";
  for (size_t i = 0; i < n; ++i) {
    if (i > 0) body += ',';
    body += element;
  }
  return body + "]";
}

TEST(EventLimitTest, TenThousandEventsAreAccepted) {
  BatchResult r = DecodeBatchBody(ArrayOf(10000, Ev("same")), false);
  ASSERT_TRUE(r.status.ok()) << r.status.ToString();
  EXPECT_EQ(r.total, 10000u);
  EXPECT_EQ(r.events.size(), 10000u);
}

TEST(EventLimitTest, MoreThanTenThousandIsTooManyEvents) {
  ExpectWholeRequestFailure(DecodeBatchBody(ArrayOf(10001, Ev("same")), false), "too_many_events");
  // Every element counts, objects or not, valid or not.
  ExpectWholeRequestFailure(DecodeBatchBody(ArrayOf(10001, "0"), false), "too_many_events");
  ExpectWholeRequestFailure(
      DecodeBatchBody(R"({"events":)" + ArrayOf(10001, BadEv("x")) + "}", false),
      "too_many_events");
}

TEST(EventLimitTest, LimitComesFromOptions) {
  DecoderOptions options;
  options.max_events = 2;
  EXPECT_TRUE(DecodeBatchBody(ArrayOf(2, Ev("a")), false, options).status.ok());
  ExpectWholeRequestFailure(DecodeBatchBody(ArrayOf(3, Ev("a")), false, options),
                            "too_many_events");
  EXPECT_EQ(DecodeBatchBody(ArrayOf(3, Ev("a")), false, options).status.message(),
            "the request holds more than 2 events");
  ExpectWholeRequestFailure(
      DecodeBatchBody(Ev("a") + "\n\n" + Ev("b") + "\n" + Ev("c"), true, options),
      "too_many_events");
  EXPECT_TRUE(DecodeBatchBody(Ev("a") + "\n\n \n" + Ev("b") + "\n\n", true, options).status.ok());
}

// --- NDJSON -----------------------------------------------------------------------------------

TEST(NdjsonBatchTest, OneEventPerLine) {
  BatchResult r = DecodeBatchBody(Ev("a") + "\n" + BadEv("b") + "\n" + Ev("c") + "\n", true);
  ASSERT_TRUE(r.status.ok()) << r.status.ToString();
  EXPECT_EQ(r.total, 3u);
  EXPECT_EQ(Ids(r), (std::vector<std::string>{"a", "c"}));
  ASSERT_EQ(r.rejected.size(), 1u);
  EXPECT_EQ(r.rejected[0].index, 1u);
  EXPECT_EQ(r.rejected[0].field, "currency");
}

TEST(NdjsonBatchTest, BlankLinesAreSkippedAndNotCounted) {
  const std::string body = "\n  \n" + Ev("a") + "\r\n\t\r\n\n" + "not json\n" + " \r\n" + Ev("c") +
                           "\n   \t  \n" + "[1]" + "\n\n";
  BatchResult r = DecodeBatchBody(body, true);
  ASSERT_TRUE(r.status.ok()) << r.status.ToString();
  EXPECT_EQ(r.total, 4u);
  EXPECT_EQ(Ids(r), (std::vector<std::string>{"a", "c"}));
  ASSERT_EQ(r.rejected.size(), 2u);
  EXPECT_EQ(r.rejected[0].index, 1u);
  EXPECT_EQ(r.rejected[0].code, "invalid_json");
  EXPECT_EQ(r.rejected[0].field, "");
  EXPECT_EQ(r.rejected[1].index, 3u);
  EXPECT_EQ(r.rejected[1].code, "invalid_json");
}

TEST(NdjsonBatchTest, CrlfAndNoFinalNewline) {
  BatchResult r = DecodeBatchBody(Ev("a") + "\r\n" + Ev("b"), true);
  ASSERT_TRUE(r.status.ok());
  EXPECT_EQ(Ids(r), (std::vector<std::string>{"a", "b"}));
  EXPECT_TRUE(r.rejected.empty());
}

TEST(NdjsonBatchTest, EmptyBodyIsAnEmptyBatch) {
  for (std::string body : {"", "\n", "\r\n\r\n", "  \n\t\n"}) {
    BatchResult r = DecodeBatchBody(body, true);
    ASSERT_TRUE(r.status.ok());
    EXPECT_EQ(r.total, 0u);
    EXPECT_TRUE(r.rejected.empty());
  }
}

TEST(NdjsonBatchTest, BadLinesAreRejectedOneByOne) {
  const std::vector<std::pair<std::string, std::string>> lines = {
      {"{", "invalid_json"},
      {"{\"a\":tru}", "invalid_json"},
      {Ev("x") + " {}", "invalid_json"},  // two values on a line
      {Ev("x") + "x", "invalid_json"},
      {"\"\xff\xfe\"", "invalid_json"},  // invalid UTF-8
      {"nul", "invalid_json"},
      {"nullx", "invalid_json"},
      {"tru", "invalid_json"},
      {"1 2", "invalid_json"},
      {"01", "invalid_json"},
      {"[1,]", "invalid_json"},
      {"NaN", "invalid_json"},
      {"1e400", "invalid_json"},
      {"\f", "invalid_json"},  // not JSON whitespace, so not blank
      {"null", "invalid_json"},
      {"true", "invalid_json"},
      {"false", "invalid_json"},
      {"-12.5e3", "invalid_json"},
      {"\"x\"", "invalid_json"},
      {"[{\"event_type\":\"open\"}]", "invalid_json"},
      {"  [ ]  ", "invalid_json"},
      {BadEv("x"), "invalid_value"},
  };
  std::string body;
  for (const auto& [line, code] : lines) body += line + "\n" + Ev("ok") + "\n";
  BatchResult r = DecodeBatchBody(body, true);
  ASSERT_TRUE(r.status.ok()) << r.status.ToString();
  EXPECT_EQ(r.total, 2 * lines.size());
  EXPECT_EQ(r.events.size(), lines.size());
  ASSERT_EQ(r.rejected.size(), lines.size());
  for (size_t i = 0; i < lines.size(); ++i) {
    EXPECT_EQ(r.rejected[i].index, 2 * i) << lines[i].first;
    EXPECT_EQ(r.rejected[i].code, lines[i].second) << lines[i].first;
  }
}

TEST(NdjsonBatchTest, AnObjectSpreadOverLinesIsInvalid) {
  BatchResult r = DecodeBatchBody("{\n\"event_type\":\"open\"\n}\n" + Ev("a"), true);
  ASSERT_TRUE(r.status.ok());
  EXPECT_EQ(r.total, 4u);
  EXPECT_EQ(Ids(r), (std::vector<std::string>{"a"}));
  ASSERT_EQ(r.rejected.size(), 3u);
  for (const Rejection& rej : r.rejected) EXPECT_EQ(rej.code, "invalid_json");
}

TEST(NdjsonBatchTest, TenThousandLinesAndTheLimit) {
  std::string body;
  for (int i = 0; i < 10000; ++i) body += Ev("e") + "\n\n";
  BatchResult r = DecodeBatchBody(body, true);
  ASSERT_TRUE(r.status.ok());
  EXPECT_EQ(r.total, 10000u);
  EXPECT_EQ(r.events.size(), 10000u);
  body += "garbage\n";
  ExpectWholeRequestFailure(DecodeBatchBody(body, true), "too_many_events");
}

TEST(NdjsonBatchTest, LinesOfGrowingSizeReuseTheParser) {
  std::string body;
  for (int i = 0; i < 300; ++i) {
    body += R"({"event_type":"open","timestamp":1716999999000,"device_id":"d",)"
            R"("properties":{"p":")" +
            std::string(static_cast<size_t>(i) * 37, 'x') + "\"}}\n";
  }
  BatchResult r = DecodeBatchBody(body, true);
  ASSERT_TRUE(r.status.ok());
  EXPECT_EQ(r.events.size(), 300u);
  EXPECT_EQ(r.events[299].properties.size(), 8 + 299 * 37u);
}

TEST(NdjsonBatchTest, JsonArrayBodyIsOneInvalidLine) {
  BatchResult r = DecodeBatchBody("[" + Ev("a") + "]", true);
  ASSERT_TRUE(r.status.ok());
  EXPECT_EQ(r.total, 1u);
  ASSERT_EQ(r.rejected.size(), 1u);
  EXPECT_EQ(r.rejected[0].code, "invalid_json");
}

TEST(BatchBodyTest, ContentsAreUnchanged) {
  for (bool ndjson : {false, true}) {
    std::string body = ndjson ? Ev("a") + "\n" + Ev("b") : "[" + Ev("a") + "," + Ev("b") + "]";
    const std::string copy = body;
    EventDecoder decoder;
    EncodedBatch out;
    std::vector<Rejection> rejected;
    size_t total = 0;
    ASSERT_TRUE(decoder
                    .DecodeBatch(body, ndjson, DecodeContext{testing::kAppId, kNowMs, nullptr},
                                 &out, &rejected, &total)
                    .ok());
    EXPECT_EQ(body, copy);
    EXPECT_EQ(total, 2u);
  }
}

}  // namespace
}  // namespace unmogrowp
