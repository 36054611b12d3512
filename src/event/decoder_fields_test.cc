// One test per rule of API.md's event table (plus the decoder's documented
// choices): the value at the limit is accepted, one past it is rejected with
// the expected code and field.

#include <gtest/gtest.h>

#include "event/decoder.h"
#include "event/decoder_test_util.h"
#include "event/strict_json.h"

namespace unmogrowp {
namespace {

using testing::Body;
using testing::DecodeOneBody;
using testing::ExpectAccepted;
using testing::kNowMs;

// An event with only the given members (no defaults).
std::string Object(std::string_view members) { return "{" + std::string(members) + "}"; }

std::string Quoted(std::string_view s) { return "\"" + std::string(s) + "\""; }

// --- event_type -------------------------------------------------------------

TEST(EventTypeFieldTest, Required) {
  EXPECT_REJECTED(Object(R"("timestamp":1716999999000,"device_id":"d")"), "missing_field",
                  "event_type");
  EXPECT_REJECTED(Object(R"("event_type":null,"timestamp":1716999999000,"device_id":"d")"),
                  "missing_field", "event_type");
}

TEST(EventTypeFieldTest, LengthAndAlphabet) {
  const std::string prefix = R"("timestamp":1716999999000,"device_id":"d","event_type":)";
  EXPECT_EQ(ExpectAccepted(Object(prefix + Quoted(std::string(64, 'a')))).event_type,
            std::string(64, 'a'));
  EXPECT_EQ(ExpectAccepted(Object(prefix + R"("level_2_done")")).event_type, "level_2_done");
  EXPECT_REJECTED(Object(prefix + Quoted(std::string(65, 'a'))), "invalid_value", "event_type");
  EXPECT_REJECTED(Object(prefix + R"("")"), "invalid_value", "event_type");
  EXPECT_REJECTED(Object(prefix + R"("Open")"), "invalid_value", "event_type");
  EXPECT_REJECTED(Object(prefix + R"("add-to-cart")"), "invalid_value", "event_type");
  EXPECT_REJECTED(Object(prefix + R"("a b")"), "invalid_value", "event_type");
  EXPECT_REJECTED(Object(prefix + R"("caf\u00e9")"), "invalid_value", "event_type");
  EXPECT_REJECTED(Object(prefix + "5"), "invalid_type", "event_type");
  EXPECT_REJECTED(Object(prefix + "[\"open\"]"), "invalid_type", "event_type");
}

TEST(EventTypeFieldTest, EscapedTextIsUnescapedFirst) {
  const Event e = ExpectAccepted(
      Object(R"("timestamp":1716999999000,"device_id":"d","event_type":"\u0070urchase")"));
  EXPECT_EQ(e.event_type, "purchase");
}

TEST(EventTypeFieldTest, KindIsStored) {
  EXPECT_EQ(ExpectAccepted(Object(R"("event_type":"install","timestamp":1716999999000,)"
                                  R"("device_id":"d")"))
                .kind(),
            EventKind::kInstall);
  EXPECT_EQ(ExpectAccepted(Object(R"("event_type":"impression","timestamp":1716999999000,)"
                                  R"("device_id":"d","source":"s")"))
                .kind(),
            EventKind::kImpression);
}

// --- timestamp --------------------------------------------------------------

std::string WithTimestamp(std::string_view ts) {
  return Object(R"("event_type":"open","device_id":"d","timestamp":)" + std::string(ts));
}

TEST(TimestampFieldTest, Required) {
  EXPECT_REJECTED(Object(R"("event_type":"open","device_id":"d")"), "missing_field", "timestamp");
  EXPECT_REJECTED(WithTimestamp("null"), "missing_field", "timestamp");
}

TEST(TimestampFieldTest, IntegerMillisecondsWithinRange) {
  EXPECT_EQ(ExpectAccepted(WithTimestamp("946684800000")).timestamp_ms, 946'684'800'000);
  EXPECT_REJECTED(WithTimestamp("946684799999"), "invalid_value", "timestamp");
  // kNowMs + 10 minutes exactly, and one ms more.
  EXPECT_EQ(ExpectAccepted(WithTimestamp("1717000600000")).timestamp_ms, 1'717'000'600'000);
  EXPECT_REJECTED(WithTimestamp("1717000600001"), "invalid_value", "timestamp");
  EXPECT_REJECTED(WithTimestamp("0"), "invalid_value", "timestamp");
  EXPECT_REJECTED(WithTimestamp("-1"), "invalid_value", "timestamp");
  EXPECT_REJECTED(WithTimestamp("-0"), "invalid_value", "timestamp");
}

TEST(TimestampFieldTest, MessagesSayWhatIsWrong) {
  testing::OneResult future = DecodeOneBody(WithTimestamp("1717000600001"));
  EXPECT_EQ(future.status.message(), "timestamp is more than 10 minutes in the future");
  testing::OneResult past = DecodeOneBody(WithTimestamp("946684799999"));
  EXPECT_EQ(past.status.message(), "timestamp is before 2000-01-01T00:00:00Z");
}

TEST(TimestampFieldTest, IntegersBeyondSixtyFourBitsAreOutOfRange) {
  EXPECT_REJECTED(WithTimestamp("9223372036854775807"), "invalid_value", "timestamp");
  EXPECT_REJECTED(WithTimestamp("9223372036854775808"), "invalid_value", "timestamp");
  EXPECT_REJECTED(WithTimestamp("18446744073709551616"), "invalid_value", "timestamp");
  EXPECT_REJECTED(WithTimestamp("123456789012345678901234567890"), "invalid_value", "timestamp");
  EXPECT_REJECTED(WithTimestamp("-9223372036854775809"), "invalid_value", "timestamp");
  EXPECT_EQ(DecodeOneBody(WithTimestamp("-123456789012345678901234567890")).status.message(),
            "timestamp is before 2000-01-01T00:00:00Z");
}

TEST(TimestampFieldTest, FractionOrExponentIsTheWrongType) {
  EXPECT_REJECTED(WithTimestamp("1716999999000.0"), "invalid_type", "timestamp");
  EXPECT_REJECTED(WithTimestamp("1716999999000.5"), "invalid_type", "timestamp");
  EXPECT_REJECTED(WithTimestamp("1.716999999e12"), "invalid_type", "timestamp");
  EXPECT_REJECTED(WithTimestamp("1716999999000E0"), "invalid_type", "timestamp");
}

TEST(TimestampFieldTest, OtherJsonTypesAreTheWrongType) {
  EXPECT_REJECTED(WithTimestamp("true"), "invalid_type", "timestamp");
  EXPECT_REJECTED(WithTimestamp("{}"), "invalid_type", "timestamp");
  EXPECT_REJECTED(WithTimestamp("[1716999999000]"), "invalid_type", "timestamp");
}

TEST(TimestampFieldTest, Rfc3339Strings) {
  EXPECT_EQ(ExpectAccepted(WithTimestamp(R"("2024-05-29T16:00:00Z")")).timestamp_ms,
            1'716'998'400'000);
  EXPECT_EQ(ExpectAccepted(WithTimestamp(R"("2024-05-29t18:00:00.123456789+02:00")")).timestamp_ms,
            1'716'998'400'123);
  EXPECT_EQ(ExpectAccepted(WithTimestamp(R"("2000-01-01T00:00:00Z")")).timestamp_ms,
            946'684'800'000);
  EXPECT_REJECTED(WithTimestamp(R"("1999-12-31T23:59:59.999Z")"), "invalid_value", "timestamp");
  // kNowMs is 2024-05-29T16:26:40Z.
  EXPECT_EQ(ExpectAccepted(WithTimestamp(R"("2024-05-29T16:36:40Z")")).timestamp_ms,
            1'717'000'600'000);
  EXPECT_REJECTED(WithTimestamp(R"("2024-05-29T16:36:40.001Z")"), "invalid_value", "timestamp");
}

TEST(TimestampFieldTest, MalformedStringsAreInvalidValues) {
  for (std::string_view ts :
       {R"("")", R"("2024-05-29")", R"("2024-05-29T16:00:00")", R"("2024-02-30T00:00:00Z")",
        R"("1716999999000")", R"("2024-05-29T16:00:00.1234567890Z")"}) {
    EXPECT_REJECTED(WithTimestamp(ts), "invalid_value", "timestamp");
  }
  EXPECT_EQ(DecodeOneBody(WithTimestamp(R"("2024-02-30T00:00:00Z")")).status.message(),
            "timestamp is not a valid RFC 3339 date-time: day 30 does not exist in 2024-02");
}

// --- event_id, device_id, user_id: strings of 1-128 bytes -------------------

class IdFieldTest : public ::testing::TestWithParam<const char*> {};

TEST_P(IdFieldTest, OneToHundredTwentyEightBytes) {
  const std::string field = GetParam();
  auto with = [&](std::string_view value) {
    return Body("\"" + field + "\":" + std::string(value));
  };
  // Body() already has device_id; a second one would be a duplicate.
  auto body = [&](std::string_view value) {
    if (field != "device_id") return with(value);
    return Object(R"("event_type":"open","timestamp":1716999999000,"device_id":)" +
                  std::string(value));
  };
  ExpectAccepted(body(Quoted("x")));
  const Event at_limit = ExpectAccepted(body(Quoted(std::string(128, 'x'))));
  EXPECT_EQ(field == "event_id"    ? at_limit.event_id
            : field == "device_id" ? at_limit.device_id
                                   : at_limit.user_id,
            std::string(128, 'x'));
  EXPECT_REJECTED(body(Quoted(std::string(129, 'x'))), "invalid_value", field);
  EXPECT_REJECTED(body(R"("")"), "invalid_value", field);
  EXPECT_REJECTED(body("42"), "invalid_type", field);
  EXPECT_REJECTED(body("true"), "invalid_type", field);
  EXPECT_REJECTED(body(R"({"id":"x"})"), "invalid_type", field);
}

TEST_P(IdFieldTest, LengthIsUtf8BytesAfterUnescaping) {
  const std::string field = GetParam();
  auto body = [&](std::string_view value) {
    if (field != "device_id") return Body("\"" + field + "\":" + std::string(value));
    return Object(R"("event_type":"open","timestamp":1716999999000,"device_id":)" +
                  std::string(value));
  };
  std::string e_acute_64, e_acute_65;  // "é" is 2 UTF-8 bytes
  for (int i = 0; i < 64; ++i) e_acute_64 += "\xc3\xa9";
  e_acute_65 = e_acute_64 + "\xc3\xa9";
  ExpectAccepted(body(Quoted(e_acute_64)));
  EXPECT_REJECTED(body(Quoted(e_acute_65)), "invalid_value", field);
  // 128 escaped 'A's are 768 bytes of JSON but 128 bytes of value.
  std::string escaped;
  for (int i = 0; i < 128; ++i) escaped += "\\u0041";
  ExpectAccepted(body(Quoted(escaped)));
  EXPECT_REJECTED(body(Quoted(escaped + "\\u0041")), "invalid_value", field);
}

INSTANTIATE_TEST_SUITE_P(Ids, IdFieldTest, ::testing::Values("event_id", "device_id", "user_id"));

TEST(EventIdFieldTest, NullMeansGenerated) {
  const Event e = ExpectAccepted(Body(R"("event_id":null)"));
  EXPECT_TRUE(LooksLikeUuid(e.event_id)) << e.event_id;
}

TEST(UserIdFieldTest, NullMeansAbsent) {
  EXPECT_EQ(ExpectAccepted(Body(R"("user_id":null)")).user_id, "");
}

TEST(DeviceIdFieldTest, RequiredForEveryEventButTouchpoints) {
  for (std::string_view type : {"install", "open", "purchase", "level_up"}) {
    EXPECT_REJECTED(Object(R"("timestamp":1716999999000,"event_type":)" + Quoted(type)),
                    "missing_field", "device_id");
    EXPECT_REJECTED(
        Object(R"("timestamp":1716999999000,"device_id":null,"event_type":)" + Quoted(type)),
        "missing_field", "device_id");
    // ip + user_agent only stand in for device_id on touchpoints.
    EXPECT_REJECTED(Object(R"("timestamp":1716999999000,"ip":"1.2.3.4","user_agent":"ua",)"
                           R"("source":"s","event_type":)" +
                           Quoted(type)),
                    "missing_field", "device_id");
  }
  EXPECT_EQ(
      DecodeOneBody(Object(R"("timestamp":1716999999000,"event_type":"install")")).status.message(),
      "device_id is required for install events");
}

// --- touchpoints --------------------------------------------------------------

class TouchpointTest : public ::testing::TestWithParam<const char*> {
 protected:
  std::string Touch(std::string_view members) {
    return Object(R"("event_type":")" + std::string(GetParam()) + R"(","timestamp":1716999999000)" +
                  (members.empty() ? "" : "," + std::string(members)));
  }
};

TEST_P(TouchpointTest, DeviceIdAndSource) {
  const Event e = ExpectAccepted(Touch(R"("device_id":"d","source":"facebook")"));
  EXPECT_EQ(e.source, "facebook");
  EXPECT_TRUE(IsTouchpoint(e.kind()));
}

TEST_P(TouchpointTest, IpAndUserAgentStandInForDeviceId) {
  const Event e = ExpectAccepted(Touch(R"("ip":"203.0.113.9","user_agent":"UA","source":"s")"));
  EXPECT_EQ(e.device_id, "");
  EXPECT_EQ(e.ip, "203.0.113.9");
}

TEST_P(TouchpointTest, NeedsDeviceIdOrBothIpAndUserAgent) {
  EXPECT_REJECTED(Touch(R"("source":"s")"), "missing_field", "device_id");
  EXPECT_REJECTED(Touch(R"("source":"s","ip":"203.0.113.9")"), "missing_field", "device_id");
  EXPECT_REJECTED(Touch(R"("source":"s","user_agent":"UA")"), "missing_field", "device_id");
  EXPECT_REJECTED(Touch(R"("source":"s","ip":"203.0.113.9","user_agent":"")"), "missing_field",
                  "device_id");
  EXPECT_REJECTED(Touch(R"("source":"s","ip":null,"user_agent":"UA")"), "missing_field",
                  "device_id");
}

TEST_P(TouchpointTest, NeedsSource) {
  EXPECT_REJECTED(Touch(R"("device_id":"d")"), "missing_field", "source");
  EXPECT_REJECTED(Touch(R"("device_id":"d","source":"")"), "missing_field", "source");
  EXPECT_REJECTED(Touch(R"("device_id":"d","source":null)"), "missing_field", "source");
  EXPECT_REJECTED(Touch(R"("device_id":"d","medium":"m","campaign":"c")"), "missing_field",
                  "source");
}

INSTANTIATE_TEST_SUITE_P(Touchpoints, TouchpointTest, ::testing::Values("click", "impression"));

// --- ip ---------------------------------------------------------------------------

TEST(IpFieldTest, ValidatedIpv4AndIpv6StoredAsSent) {
  EXPECT_EQ(ExpectAccepted(Body(R"("ip":"203.0.113.7")")).ip, "203.0.113.7");
  EXPECT_EQ(ExpectAccepted(Body(R"("ip":"2001:DB8::1")")).ip, "2001:DB8::1");
  EXPECT_EQ(ExpectAccepted(Body(R"("ip":null)")).ip, "");
  EXPECT_REJECTED(Body(R"("ip":"999.1.1.1")"), "invalid_value", "ip");
  EXPECT_REJECTED(Body(R"("ip":"1.2.3")"), "invalid_value", "ip");
  EXPECT_REJECTED(Body(R"("ip":"example.com")"), "invalid_value", "ip");
  EXPECT_REJECTED(Body(R"("ip":"1.2.3.4\u0000")"), "invalid_value", "ip");
  EXPECT_REJECTED(Body(R"("ip":"")"), "invalid_value", "ip");
  EXPECT_REJECTED(Body(R"("ip":16909060)"), "invalid_type", "ip");
}

// --- user_agent, source, medium, campaign: bounded strings ----------------------

struct BoundedCase {
  const char* field;
  size_t max;
};

class BoundedFieldTest : public ::testing::TestWithParam<BoundedCase> {};

TEST_P(BoundedFieldTest, AcceptsAtTheLimitRejectsOnePast) {
  const std::string field = GetParam().field;
  const size_t max = GetParam().max;
  auto body = [&](std::string_view value) {
    return Body("\"" + field + "\":" + std::string(value));
  };
  ExpectAccepted(body(Quoted(std::string(max, 'v'))));
  EXPECT_REJECTED(body(Quoted(std::string(max + 1, 'v'))), "invalid_value", field);
  EXPECT_REJECTED(body("1"), "invalid_type", field);
  EXPECT_REJECTED(body("[]"), "invalid_type", field);
  // Empty and null both mean absent.
  ExpectAccepted(body(R"("")"));
  ExpectAccepted(body("null"));
}

INSTANTIATE_TEST_SUITE_P(Bounded, BoundedFieldTest,
                         ::testing::Values(BoundedCase{"user_agent", 1024},
                                           BoundedCase{"source", 256}, BoundedCase{"medium", 256},
                                           BoundedCase{"campaign", 256}));

TEST(BoundedFieldTest, ValuesAreStored) {
  const Event e =
      ExpectAccepted(Body(R"("user_agent":"UA","source":"s","medium":"m","campaign":"c")"));
  EXPECT_EQ(e.user_agent, "UA");
  EXPECT_EQ(e.source, "s");
  EXPECT_EQ(e.medium, "m");
  EXPECT_EQ(e.campaign, "c");
}

// --- revenue ------------------------------------------------------------------------

TEST(RevenueFieldTest, FiniteNumbersIntegersIncluded) {
  EXPECT_EQ(ExpectAccepted(Body(R"("revenue":9.99)")).revenue, 9.99);
  EXPECT_EQ(ExpectAccepted(Body(R"("revenue":10)")).revenue, 10.0);
  EXPECT_EQ(ExpectAccepted(Body(R"("revenue":-5)")).revenue, -5.0);
  EXPECT_EQ(ExpectAccepted(Body(R"("revenue":0)")).revenue, 0.0);
  EXPECT_EQ(ExpectAccepted(Body(R"("revenue":1.5e3)")).revenue, 1500.0);
  EXPECT_EQ(ExpectAccepted(Body(R"("revenue":100000000000000000000)")).revenue, 1e20);
  EXPECT_EQ(ExpectAccepted(Body(R"("revenue":1.7976931348623157e308)")).revenue,
            1.7976931348623157e308);
  EXPECT_EQ(ExpectAccepted(Body(R"("revenue":null)")).revenue, 0.0);
  // A zero mantissa with an exponent far past a double's range is still 0
  // (found by the fuzzer: simdjson's On-Demand parser alone refuses it).
  EXPECT_EQ(ExpectAccepted(Body(R"("revenue":-0e377777777777777777777777)")).revenue, 0.0);
  EXPECT_EQ(ExpectAccepted(Body(R"("revenue":0.000e-99999999999999999999)")).revenue, 0.0);
}

TEST(StrictJsonTest, NumberTokenFallbackChecksGrammar) {
  double d = 1;
  EXPECT_EQ(event_internal::ParseJsonNumberToken("-0e3777777777777777777 ", &d), simdjson::SUCCESS);
  EXPECT_EQ(d, 0.0);
  for (const char* bad : {"01", "1.", ".5", "-", "1e", "1e+", "+1", "0x10", "1e400", "1 2", ""}) {
    EXPECT_EQ(event_internal::ParseJsonNumberToken(bad, &d), simdjson::NUMBER_ERROR) << bad;
  }
}

TEST(RevenueFieldTest, OtherTypesAreRejected) {
  EXPECT_REJECTED(Body(R"("revenue":"9.99")"), "invalid_type", "revenue");
  EXPECT_REJECTED(Body(R"("revenue":true)"), "invalid_type", "revenue");
  EXPECT_REJECTED(Body(R"("revenue":{"amount":1})"), "invalid_type", "revenue");
}

TEST(RevenueFieldTest, NumbersTooLargeForADoubleAreInvalidJson) {
  EXPECT_REJECTED(Body(R"("revenue":1e400)"), "invalid_json", "");
  EXPECT_REJECTED(Body(R"("revenue":-1.8e308)"), "invalid_json", "");
  EXPECT_REJECTED(Body(R"("revenue":NaN)"), "invalid_json", "");
  EXPECT_REJECTED(Body(R"("revenue":Infinity)"), "invalid_json", "");
  EXPECT_REJECTED(Body(R"("revenue":-Infinity)"), "invalid_json", "");
}

// --- currency -------------------------------------------------------------------------

TEST(CurrencyFieldTest, ThreeUpperCaseLetters) {
  EXPECT_EQ(ExpectAccepted(Body(R"("currency":"EUR")")).currency, "EUR");
  EXPECT_EQ(ExpectAccepted(Body(R"("currency":null)")).currency, "");
  for (std::string_view bad :
       {R"("usd")", R"("US")", R"("USDT")", R"("")", R"("U$D")", R"("\u00c9UR")"}) {
    EXPECT_REJECTED(Body(R"("currency":)" + std::string(bad)), "invalid_value", "currency");
  }
  EXPECT_REJECTED(Body(R"("currency":840)"), "invalid_type", "currency");
}

// --- properties ---------------------------------------------------------------------------

TEST(PropertiesFieldTest, StoredAsTheReceivedTextWithLineBreaksAsSpaces) {
  EXPECT_EQ(ExpectAccepted(Body(R"("properties":{})")).properties, "{}");
  EXPECT_EQ(
      ExpectAccepted(Body("\"properties\" : {\n \"a\" : [1,{\"b\":null}] ,\"c\":\"\\u00e9\"}\n"))
          .properties,
      "{  \"a\" : [1,{\"b\":null}] ,\"c\":\"\\u00e9\"}");
  // CR LF pretty-printing too; an escaped \n inside a string stays.
  EXPECT_EQ(ExpectAccepted(Body("\"properties\":{\r\n  \"p\": \"a\\nb\"\r\n}")).properties,
            "{    \"p\": \"a\\nb\"  }");
  EXPECT_EQ(ExpectAccepted(Body(R"("properties":null)")).properties, "");
  // Last member of the event: the span still ends at the properties' own '}'.
  EXPECT_EQ(ExpectAccepted(Body(R"("properties":{"x":{"y":{}}}   )")).properties,
            R"({"x":{"y":{}}})");
}

TEST(PropertiesFieldTest, MustBeAnObject) {
  EXPECT_REJECTED(Body(R"("properties":[])"), "invalid_type", "properties");
  EXPECT_REJECTED(Body(R"("properties":"{}")"), "invalid_type", "properties");
  EXPECT_REJECTED(Body(R"("properties":1)"), "invalid_type", "properties");
  EXPECT_REJECTED(Body(R"("properties":false)"), "invalid_type", "properties");
}

// {"k":"<pad>"} with a total text length of `size` bytes, `spaces` of them
// whitespace before the closing brace.
std::string PropertiesOfSize(size_t size, size_t spaces = 0) {
  const size_t overhead = std::string_view(R"({"k":""})").size() + spaces;
  return R"({"k":")" + std::string(size - overhead, 'p') + "\"" + std::string(spaces, ' ') + "}";
}

TEST(PropertiesFieldTest, AtMost32KiBAsReceived) {
  ASSERT_EQ(PropertiesOfSize(32768).size(), 32768u);
  EXPECT_EQ(ExpectAccepted(Body(R"("properties":)" + PropertiesOfSize(32768))).properties.size(),
            32768u);
  EXPECT_REJECTED(Body(R"("properties":)" + PropertiesOfSize(32769)), "invalid_value",
                  "properties");
  // Whitespace counts: the minified text would be well under the limit.
  EXPECT_REJECTED(Body(R"("properties":)" + PropertiesOfSize(32769, 20000)), "invalid_value",
                  "properties");
  EXPECT_EQ(
      ExpectAccepted(Body(R"("properties":)" + PropertiesOfSize(32768, 20000))).properties.size(),
      32768u);
}

TEST(PropertiesFieldTest, ContentsMustBeValidJson) {
  EXPECT_REJECTED(Body(R"("properties":{"a":tru})"), "invalid_json", "");
  EXPECT_REJECTED(Body(R"("properties":{"a":[1,]})"), "invalid_json", "");
  EXPECT_REJECTED(Body(R"("properties":{"a":"\q"})"), "invalid_json", "");
}

// --- app_id ---------------------------------------------------------------------------------

TEST(AppIdFieldTest, MustMatchTheKeysApp) {
  EXPECT_EQ(ExpectAccepted(Body(R"("app_id":"app_1")")).app_id, "app_1");
  EXPECT_EQ(ExpectAccepted(Body(R"("app_id":null)")).app_id, "app_1");
  EXPECT_REJECTED(Body(R"("app_id":"app_2")"), "app_mismatch", "app_id");
  EXPECT_REJECTED(Body(R"("app_id":"APP_1")"), "app_mismatch", "app_id");
  EXPECT_REJECTED(Body(R"("app_id":"")"), "app_mismatch", "app_id");
  EXPECT_REJECTED(Body(R"("app_id":1)"), "invalid_type", "app_id");
}

// --- duplicates, unknown fields, precedence ---------------------------------------------------

TEST(DuplicateFieldTest, KnownFieldTwiceIsRejected) {
  EXPECT_REJECTED(Body(R"("device_id":"d2")"), "duplicate_field", "device_id");
  EXPECT_REJECTED(Body(R"("user_id":"u","user_id":"u")"), "duplicate_field", "user_id");
  EXPECT_REJECTED(Body(R"("user_id":null,"user_id":"u")"), "duplicate_field", "user_id");
  EXPECT_REJECTED(Body(R"("revenue":1,"revenue":"x")"), "duplicate_field", "revenue");
  EXPECT_REJECTED(Body(R"("properties":{},"properties":{})"), "duplicate_field", "properties");
  // The same key spelled with an escape is the same key.
  EXPECT_REJECTED(Body(R"("device\u005fid":"d2")"), "duplicate_field", "device_id");
  EXPECT_EQ(DecodeOneBody(Body(R"("device_id":"d2")")).status.message(),
            "device_id is given more than once");
}

TEST(DuplicateFieldTest, UnknownFieldsMayRepeat) { ExpectAccepted(Body(R"("extra":1,"extra":2)")); }

TEST(UnknownFieldTest, AreIgnored) {
  const Event e = ExpectAccepted(
      Body(R"("sdk":{"name":"ios","v":[1,2,{"x":null}]},"flag":true,"n":-1.5e-3,"s":"x",)"
           R"("nil":null,"EVENT_TYPE":5,"device":"not device_id")"));
  EXPECT_EQ(e.event_type, "open");
  EXPECT_EQ(e.device_id, "d1");
}

TEST(PrecedenceTest, FirstFaultInDocumentOrderWins) {
  testing::OneResult r = DecodeOneBody(Body(R"("currency":"usd","ip":"x")"));
  EXPECT_EQ(r.status.field(), "currency");
  r = DecodeOneBody(Body(R"("ip":"x","currency":"usd")"));
  EXPECT_EQ(r.status.field(), "ip");
  // Field faults come before missing-field checks.
  r = DecodeOneBody(Object(R"("ip":"x")"));
  EXPECT_EQ(r.status.field(), "ip");
  EXPECT_EQ(r.status.reason(), "invalid_value");
}

TEST(PrecedenceTest, InvalidJsonAfterAFaultStillWins) {
  EXPECT_REJECTED(Body(R"("currency":"usd","later":[1,,2])"), "invalid_json", "");
  EXPECT_REJECTED(Body(R"("device_id":"dup","later":nul)"), "invalid_json", "");
  EXPECT_REJECTED(Body(R"("user_id":5,"later":"\x")"), "invalid_json", "");
}

TEST(PrecedenceTest, MissingFieldOrder) {
  testing::OneResult r = DecodeOneBody("{}");
  EXPECT_EQ(r.status.field(), "event_type");
  r = DecodeOneBody(Object(R"("event_type":"click")"));
  EXPECT_EQ(r.status.field(), "timestamp");
  r = DecodeOneBody(Object(R"("event_type":"click","timestamp":1716999999000)"));
  EXPECT_EQ(r.status.field(), "device_id");
  EXPECT_EQ(r.status.message(), "a click needs device_id, or both ip and user_agent");
}

TEST(ServerTimeTest, FutureLimitFollowsTheContextClock) {
  const std::string body = WithTimestamp("1717000600001");
  EXPECT_FALSE(DecodeOneBody(body, {}, kNowMs).status.ok());
  EXPECT_TRUE(DecodeOneBody(body, {}, kNowMs + 1).status.ok());
  EXPECT_EQ(DecodeOneBody(body, {}, kNowMs + 1).events[0].received_ms, kNowMs + 1);
}

}  // namespace
}  // namespace unmogrowp
