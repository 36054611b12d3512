// EventDecoder::DecodeOne: the single-event path, its outputs and the body
// contract. Field rules are in decoder_fields_test.cc, batch forms in
// decoder_batch_test.cc, JSON strictness in decoder_json_test.cc.

#include "event/decoder.h"

#include <gtest/gtest.h>

#include "event/codec.h"
#include "event/decoder_test_util.h"

namespace unmogrowp {
namespace {

using testing::Body;
using testing::DecodeOneBody;
using testing::ExpectAccepted;
using testing::kAppId;
using testing::kNowMs;

TEST(DecodeOneTest, DecodesEveryField) {
  const std::string body = R"json({
    "event_type": "purchase",
    "timestamp": 1716999999000,
    "event_id": "evt-1",
    "device_id": "6D92078A-8246-4BA4-AE5B-76104861E7DC",
    "user_id": "user-42",
    "ip": "2001:db8::1",
    "user_agent": "Mozilla/5.0 (iPhone)",
    "source": "facebook",
    "medium": "cpc",
    "campaign": "summer_sale",
    "revenue": 9.99,
    "currency": "USD",
    "properties": { "sku" : "gold",  "n": [1, 2.50, null] },
    "app_id": "app_1"
  })json";
  testing::OneResult r = DecodeOneBody(body);
  ASSERT_TRUE(r.status.ok()) << r.status.ToString();
  ASSERT_EQ(r.events.size(), 1u);
  const Event& e = r.events[0];
  EXPECT_EQ(e.app_id, "app_1");
  EXPECT_EQ(e.event_type, "purchase");
  EXPECT_EQ(e.kind(), EventKind::kInApp);
  EXPECT_EQ(e.timestamp_ms, 1'716'999'999'000);
  EXPECT_EQ(e.received_ms, kNowMs);
  EXPECT_EQ(e.event_id, "evt-1");
  EXPECT_EQ(r.event_id, "evt-1");
  EXPECT_EQ(e.device_id, "6D92078A-8246-4BA4-AE5B-76104861E7DC");
  EXPECT_EQ(e.user_id, "user-42");
  EXPECT_EQ(e.ip, "2001:db8::1");
  EXPECT_EQ(e.user_agent, "Mozilla/5.0 (iPhone)");
  EXPECT_EQ(e.source, "facebook");
  EXPECT_EQ(e.medium, "cpc");
  EXPECT_EQ(e.campaign, "summer_sale");
  EXPECT_EQ(e.revenue, 9.99);
  EXPECT_EQ(e.currency, "USD");
  // Exactly the received text, inner whitespace included.
  EXPECT_EQ(e.properties, R"({ "sku" : "gold",  "n": [1, 2.50, null] })");
}

TEST(DecodeOneTest, MinimalEventHasDefaults) {
  const Event e = ExpectAccepted(Body());
  EXPECT_EQ(e.app_id, kAppId);
  EXPECT_EQ(e.event_type, "open");
  EXPECT_EQ(e.device_id, "d1");
  EXPECT_EQ(e.revenue, 0);
  EXPECT_TRUE(e.user_id.empty());
  EXPECT_TRUE(e.ip.empty());
  EXPECT_TRUE(e.user_agent.empty());
  EXPECT_TRUE(e.source.empty());
  EXPECT_TRUE(e.medium.empty());
  EXPECT_TRUE(e.campaign.empty());
  EXPECT_TRUE(e.currency.empty());
  EXPECT_TRUE(e.properties.empty());
}

TEST(DecodeOneTest, GeneratesAUuidV7EventIdAtServerTime) {
  testing::OneResult r = DecodeOneBody(Body());
  ASSERT_TRUE(r.status.ok());
  const std::string& id = r.events[0].event_id;
  EXPECT_TRUE(LooksLikeUuid(id)) << id;
  EXPECT_EQ(r.event_id, id);
  // kNowMs = 0x18fc52cd200: the first 48 bits, then version 7.
  EXPECT_EQ(id.substr(0, 8) + id.substr(9, 4), "018fc52cd200");
  EXPECT_EQ(id[14], '7');
  EXPECT_NE(std::string("89ab").find(id[19]), std::string::npos);  // RFC 4122 variant
}

TEST(DecodeOneTest, GeneratedIdsDifferAndUseTheThreadGeneratorWhenNoneIsGiven) {
  EventDecoder decoder;
  EncodedBatch out;
  std::string a, b;
  std::string body = Body();
  ASSERT_TRUE(decoder.DecodeOne(body, DecodeContext{kAppId, kNowMs, nullptr}, &out, &a).ok());
  ASSERT_TRUE(decoder.DecodeOne(body, DecodeContext{kAppId, kNowMs, nullptr}, &out, &b).ok());
  EXPECT_TRUE(LooksLikeUuid(a));
  EXPECT_TRUE(LooksLikeUuid(b));
  EXPECT_NE(a, b);
  EXPECT_EQ(out.size(), 2u);
}

TEST(DecodeOneTest, AppendsToWhatIsAlreadyInTheBatch) {
  EventDecoder decoder;
  IdGenerator ids(1);
  EncodedBatch out;
  std::string id;
  std::string first = Body(R"("event_id":"first")");
  std::string second = Body(R"("event_id":"second")");
  const DecodeContext ctx{kAppId, kNowMs, &ids};
  ASSERT_TRUE(decoder.DecodeOne(first, ctx, &out, &id).ok());
  ASSERT_TRUE(decoder.DecodeOne(second, ctx, &out, &id).ok());
  const std::vector<Event> events = testing::DecodeAll(out);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].event_id, "first");
  EXPECT_EQ(events[1].event_id, "second");
}

TEST(DecodeOneTest, FailureAppendsNothing) {
  EventDecoder decoder;
  IdGenerator ids(1);
  EncodedBatch out;
  std::string id = "unchanged";
  std::string good = Body();
  const DecodeContext ctx{kAppId, kNowMs, &ids};
  ASSERT_TRUE(decoder.DecodeOne(good, ctx, &out, &id).ok());
  const std::string bytes = out.bytes;
  id = "unchanged";
  for (std::string bad : {Body(R"("user_id":"")"), std::string(R"({"event_type":"open")"),
                          Body() + "x", Body(R"("ip":"nope")")}) {
    EXPECT_FALSE(decoder.DecodeOne(bad, ctx, &out, &id).ok()) << bad;
    EXPECT_EQ(out.bytes, bytes);
    EXPECT_EQ(out.size(), 1u);
    EXPECT_EQ(id, "unchanged");
  }
}

TEST(DecodeOneTest, BodyContentsAreUnchangedAndPadded) {
  std::string body = Body(R"("user_id":"u")");
  const std::string copy = body;
  EventDecoder decoder;
  EncodedBatch out;
  std::string id;
  ASSERT_TRUE(decoder.DecodeOne(body, DecodeContext{kAppId, kNowMs, nullptr}, &out, &id).ok());
  EXPECT_EQ(body, copy);
  EXPECT_GE(body.capacity(), body.size() + 64);
}

TEST(DecodeOneTest, RejectionCarriesCodeFieldAndSentence) {
  testing::OneResult r = DecodeOneBody(Body(R"("currency":"usd")"));
  EXPECT_EQ(r.status.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(r.status.reason(), "invalid_value");
  EXPECT_EQ(r.status.field(), "currency");
  EXPECT_EQ(r.status.message(), "currency must be a 3-letter upper-case code such as USD");
}

TEST(DecodeOneTest, BodyThatIsNotOneObjectIsInvalidJson) {
  for (std::string body :
       {std::string(""), std::string("   "), std::string("[]"), "[" + Body() + "]",
        std::string("5"), std::string("\"x\""), std::string("null"), Body() + Body(), Body() + " 1",
        Body() + "]", Body() + "}", "{" + Body(), std::string("{")}) {
    testing::OneResult r = DecodeOneBody(body);
    EXPECT_EQ(r.status.reason(), "invalid_json") << body;
    EXPECT_EQ(r.status.field(), "") << body;
    EXPECT_TRUE(r.events.empty());
  }
}

TEST(DecodeOneTest, SurroundingWhitespaceIsFine) { ExpectAccepted(" \r\n\t" + Body() + "\n\n "); }

TEST(DecodeOneTest, ReusesOneDecoderAcrossManyBodies) {
  EventDecoder decoder;
  IdGenerator ids(3);
  EncodedBatch out;
  std::string id;
  const DecodeContext ctx{kAppId, kNowMs, &ids};
  for (int i = 0; i < 200; ++i) {
    // Growing bodies exercise the parser's reallocation.
    std::string body = Body(R"("user_id":")" + std::string(i % 120 + 1, 'u') +
                            R"(","properties":{"pad":")" + std::string(i * 50, 'p') + "\"}");
    if (i % 3 == 0) body = Body(R"("revenue":"bad")");
    const Status s = decoder.DecodeOne(body, ctx, &out, &id);
    EXPECT_EQ(s.ok(), i % 3 != 0) << i << " " << s.ToString();
  }
  EXPECT_EQ(out.size(), 133u);
}

}  // namespace
}  // namespace unmogrowp
