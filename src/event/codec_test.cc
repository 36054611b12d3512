#include "event/codec.h"

#include <gtest/gtest.h>

#include <cstring>
#include <limits>

#include "event/encoded_batch.h"

namespace unmogrowp {
namespace {

Event FullEvent() {
  Event e;
  e.app_id = "app_1";
  e.event_id = "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b";
  e.event_type = "purchase";
  e.timestamp_ms = 1'717'000'000'000;
  e.received_ms = 1'717'000'000'250;
  e.device_id = "6D92078A-8246-4BA4-AE5B-76104861E7DC";
  e.user_id = "user-42";
  e.ip = "2001:db8::1";
  e.user_agent = "Mozilla/5.0 (iPhone)";
  e.source = "facebook";
  e.medium = "cpc";
  e.campaign = "summer_sale";
  e.currency = "USD";
  e.revenue = 9.99;
  e.properties = R"({"sku": "gold", "n": [1, 2]})";
  return e;
}

std::string Encode(const Event& e) {
  std::string out;
  AppendEncoded(AsView(e), &out);
  return out;
}

Event RoundTrip(const Event& e) {
  const std::string bytes = Encode(e);
  EventView view;
  Status s = DecodeEncoded(bytes, &view);
  EXPECT_TRUE(s.ok()) << s.ToString();
  return ToOwned(view);
}

TEST(CodecTest, RoundTripsEveryField) {
  const Event e = FullEvent();
  const Event back = RoundTrip(e);
  EXPECT_TRUE(back == e);
  EXPECT_EQ(back.properties, R"({"sku": "gold", "n": [1, 2]})");
  EXPECT_EQ(back.revenue, 9.99);
}

TEST(CodecTest, DecodedViewsPointIntoTheInput) {
  const std::string bytes = Encode(FullEvent());
  EventView view;
  ASSERT_TRUE(DecodeEncoded(bytes, &view).ok());
  EXPECT_GE(view.device_id.data(), bytes.data());
  EXPECT_LE(view.device_id.data() + view.device_id.size(), bytes.data() + bytes.size());
}

TEST(CodecTest, EachFieldSurvivesAlone) {
  // One field present at a time: catches a bit mapped to the wrong member.
  std::vector<std::string Event::*> fields = {
      &Event::app_id,  &Event::event_id, &Event::event_type, &Event::device_id,
      &Event::user_id, &Event::ip,       &Event::user_agent, &Event::source,
      &Event::medium,  &Event::campaign, &Event::currency,   &Event::properties};
  for (size_t i = 0; i < fields.size(); ++i) {
    Event e;
    e.*fields[i] = "value" + std::to_string(i);
    const Event back = RoundTrip(e);
    EXPECT_TRUE(back == e) << "field " << i;
    EXPECT_EQ(back.*fields[i], "value" + std::to_string(i));
  }
}

TEST(CodecTest, EmptyEventHasTheFixedLayoutOnly) {
  // version 1, kind in-app (4), zigzag(0) twice, revenue 0.0, no fields.
  const std::string expected(
      "\x01\x04\x00\x00"
      "\x00\x00\x00\x00\x00\x00\x00\x00"
      "\x00\x00",
      14);
  EXPECT_EQ(Encode(Event{}), expected);
  EXPECT_TRUE(RoundTrip(Event{}) == Event{});
}

TEST(CodecTest, MatchesHandEncodedBytes) {
  Event e;
  e.event_type = "click";
  e.timestamp_ms = 1;  // zigzag 2
  e.received_ms = -1;  // zigzag 1
  e.revenue = 1.0;     // 0x3FF0000000000000
  e.device_id = "d";
  const std::string expected(
      "\x01\x01\x02\x01"
      "\x00\x00\x00\x00\x00\x00\xF0\x3F"
      "\x0C\x00"
      "\x05"
      "click"
      "\x01"
      "d",
      22);
  EXPECT_EQ(Encode(e), expected);
}

TEST(CodecTest, RoundTripsExtremeTimesAndRevenue) {
  Event e = FullEvent();
  for (int64_t t : {std::numeric_limits<int64_t>::min(), int64_t{-1}, int64_t{0},
                    std::numeric_limits<int64_t>::max()}) {
    e.timestamp_ms = t;
    e.received_ms = -t - 1;
    EXPECT_TRUE(RoundTrip(e) == e) << t;
  }
  for (double r : {-0.0, 1e-300, -1e300, std::numeric_limits<double>::max(),
                   std::numeric_limits<double>::denorm_min()}) {
    e.revenue = r;
    const Event back = RoundTrip(e);
    EXPECT_EQ(std::memcmp(&back.revenue, &r, sizeof r), 0) << r;  // bit-exact, -0.0 included
  }
}

TEST(CodecTest, RoundTripsMaximumAndLongerFields) {
  Event e = FullEvent();
  e.event_type = std::string(64, 'x');
  e.event_id = std::string(128, 'i');
  e.device_id = std::string(128, 'd');
  e.user_id = std::string(128, 'u');
  e.user_agent = std::string(1024, 'a');
  e.source = std::string(256, 's');
  e.medium = std::string(256, 'm');
  e.campaign = std::string(256, 'c');
  e.properties = "{\"k\":\"" + std::string(32 * 1024 - 8, 'p') + "\"}";
  EXPECT_TRUE(RoundTrip(e) == e);
  e.properties = std::string(3 << 20, 'q');  // the codec itself has no limit
  EXPECT_TRUE(RoundTrip(e) == e);
}

TEST(CodecTest, RoundTripsArbitraryBytesInStrings) {
  Event e;
  e.event_type = "open";
  e.user_agent = std::string("a\0b\xff\n", 5);
  EXPECT_TRUE(RoundTrip(e) == e);
}

TEST(CodecTest, EveryTruncationIsCorruption) {
  const std::string bytes = Encode(FullEvent());
  for (size_t n = 0; n < bytes.size(); ++n) {
    EventView view;
    Status s = DecodeEncoded(std::string_view(bytes).substr(0, n), &view);
    EXPECT_EQ(s.code(), StatusCode::kCorruption) << "prefix " << n << ": " << s.ToString();
  }
}

TEST(CodecTest, TrailingBytesAreCorruption) {
  std::string bytes = Encode(FullEvent());
  bytes.push_back('\0');
  EventView view;
  EXPECT_EQ(DecodeEncoded(bytes, &view).code(), StatusCode::kCorruption);
}

Status DecodeMutated(size_t offset, char value) {
  std::string bytes = Encode(FullEvent());
  bytes[offset] = value;
  EventView view;
  return DecodeEncoded(bytes, &view);
}

TEST(CodecTest, RejectsUnknownVersionAndKind) {
  EXPECT_EQ(DecodeMutated(0, 0).code(), StatusCode::kCorruption);
  EXPECT_EQ(DecodeMutated(0, 2).code(), StatusCode::kCorruption);
  EXPECT_EQ(DecodeMutated(1, 0).code(), StatusCode::kCorruption);
  EXPECT_EQ(DecodeMutated(1, 5).code(), StatusCode::kCorruption);
  // A known kind that disagrees with event_type "purchase".
  EXPECT_EQ(DecodeMutated(1, 1).code(), StatusCode::kCorruption);
  EXPECT_TRUE(DecodeMutated(1, 4).ok());
}

TEST(CodecTest, RejectsReservedPresenceBitsAndEmptyPresentStrings) {
  Event e;
  e.event_type = "open";
  std::string bytes = Encode(e);
  // Layout: 1 version, 1 kind, 1 ts, 1 received, 8 revenue, then the bitmask at 12.
  ASSERT_EQ(bytes[12], '\x04');
  bytes[13] = '\x10';  // bit 12: reserved
  EventView view;
  EXPECT_EQ(DecodeEncoded(bytes, &view).code(), StatusCode::kCorruption);

  std::string empty_string(
      "\x01\x04\x00\x00"
      "\x00\x00\x00\x00\x00\x00\x00\x00"
      "\x04\x00"
      "\x00",
      15);
  EXPECT_EQ(DecodeEncoded(empty_string, &view).code(), StatusCode::kCorruption);
}

TEST(CodecTest, RejectsNonMinimalAndOverflowingVarints) {
  EventView view;
  // timestamp 0 written as 0x80 0x00 (two bytes).
  const std::string overlong(
      "\x01\x04\x80\x00\x00"
      "\x00\x00\x00\x00\x00\x00\x00\x00"
      "\x00\x00",
      15);
  EXPECT_EQ(DecodeEncoded(overlong, &view).code(), StatusCode::kCorruption);
  // A tenth byte above 1 overflows 64 bits.
  std::string overflow("\x01\x04", 2);
  overflow += std::string(9, '\xFF') + "\x02";
  overflow += std::string(11, '\0');
  EXPECT_EQ(DecodeEncoded(overflow, &view).code(), StatusCode::kCorruption);
  // Eleven continuation bytes never end.
  std::string endless("\x01\x04", 2);
  endless += std::string(11, '\x80');
  EXPECT_EQ(DecodeEncoded(endless, &view).code(), StatusCode::kCorruption);
}

TEST(CodecTest, RejectsNonFiniteRevenue) {
  Event e;
  e.event_type = "open";
  std::string bytes = Encode(e);
  const uint64_t nan_bits = 0x7FF8000000000000ull;
  for (int i = 0; i < 8; ++i) bytes[4 + i] = static_cast<char>(nan_bits >> (8 * i));
  EventView view;
  EXPECT_EQ(DecodeEncoded(bytes, &view).code(), StatusCode::kCorruption);
}

TEST(CodecTest, RejectsLengthPastTheEnd) {
  Event e;
  e.event_type = "open";
  std::string bytes = Encode(e);
  bytes[14] = '\x05';  // claims 5 bytes, 4 follow
  EventView view;
  EXPECT_EQ(DecodeEncoded(bytes, &view).code(), StatusCode::kCorruption);
}

TEST(CodecTest, EncodedBatchHoldsEventsBackToBack) {
  EncodedBatch batch;
  Event a = FullEvent();
  Event b;
  b.event_type = "click";
  b.source = "s";
  AppendEncoded(AsView(a), &batch.bytes);
  batch.EndEvent();
  AppendEncoded(AsView(b), &batch.bytes);
  batch.EndEvent();
  ASSERT_EQ(batch.size(), 2u);
  EventView v;
  ASSERT_TRUE(DecodeEncoded(batch.at(0), &v).ok());
  EXPECT_TRUE(ToOwned(v) == a);
  ASSERT_TRUE(DecodeEncoded(batch.at(1), &v).ok());
  EXPECT_TRUE(ToOwned(v) == b);
}

}  // namespace
}  // namespace unmogrowp
