#include "event/json.h"

#include <gtest/gtest.h>

namespace unmogrowp {
namespace {

TEST(EventJsonTest, WritesEveryPresentField) {
  Event e;
  e.app_id = "app_1";
  e.event_id = "e1";
  e.event_type = "purchase";
  e.timestamp_ms = 1'717'000'000'000;
  e.received_ms = 1'717'000'000'250;
  e.device_id = "d1";
  e.user_id = "u1";
  e.ip = "203.0.113.7";
  e.user_agent = "UA \"quoted\"\n";
  e.source = "facebook";
  e.medium = "cpc";
  e.campaign = "summer";
  e.currency = "USD";
  e.revenue = 9.99;
  e.properties = R"({"sku": "gold", "n": [1, 2]})";
  std::string out;
  AppendEventJson(AsView(e), &out);
  EXPECT_EQ(out, R"({"event_id":"e1","app_id":"app_1","event_type":"purchase",)"
                 R"("timestamp":1717000000000,"received_ms":1717000000250,"device_id":"d1",)"
                 R"("user_id":"u1","ip":"203.0.113.7","user_agent":"UA \"quoted\"\n",)"
                 R"("source":"facebook","medium":"cpc","campaign":"summer","revenue":9.99,)"
                 R"("currency":"USD","properties":{"sku": "gold", "n": [1, 2]}})");
}

TEST(EventJsonTest, OmitsAbsentFieldsButAlwaysHasRevenue) {
  Event e;
  e.app_id = "a";
  e.event_id = "e";
  e.event_type = "click";
  e.timestamp_ms = 946'684'800'000;
  e.received_ms = 946'684'800'001;
  e.source = "s";
  std::string out = "[";
  AppendEventJson(AsView(e), &out);
  EXPECT_EQ(out, R"([{"event_id":"e","app_id":"a","event_type":"click","timestamp":946684800000,)"
                 R"("received_ms":946684800001,"source":"s","revenue":0})");
}

TEST(EventJsonTest, IntegerRevenueAndNegativeTimes) {
  Event e;
  e.event_type = "open";
  e.timestamp_ms = -5;
  e.revenue = 10;
  std::string out;
  AppendEventJson(AsView(e), &out);
  EXPECT_EQ(out, R"({"event_type":"open","timestamp":-5,"received_ms":0,"revenue":10})");
}

}  // namespace
}  // namespace unmogrowp
