#include "event/event.h"

#include <gtest/gtest.h>

namespace unmogrowp {
namespace {

Event FullEvent() {
  Event e;
  e.app_id = "app_1";
  e.event_id = "e1";
  e.event_type = "purchase";
  e.timestamp_ms = 1'717'000'000'000;
  e.received_ms = 1'717'000'000'500;
  e.device_id = "d1";
  e.user_id = "u1";
  e.ip = "203.0.113.7";
  e.user_agent = "ua";
  e.source = "facebook";
  e.medium = "cpc";
  e.campaign = "summer";
  e.currency = "USD";
  e.revenue = 9.99;
  e.properties = R"({"sku":"gold"})";
  return e;
}

TEST(KindOfEventTypeTest, ClassifiesTouchpointsInstallsAndInApp) {
  EXPECT_EQ(KindOfEventType("click"), EventKind::kClick);
  EXPECT_EQ(KindOfEventType("impression"), EventKind::kImpression);
  EXPECT_EQ(KindOfEventType("install"), EventKind::kInstall);
  EXPECT_EQ(KindOfEventType("open"), EventKind::kInApp);
  EXPECT_EQ(KindOfEventType("purchase"), EventKind::kInApp);
  EXPECT_EQ(KindOfEventType("clicks"), EventKind::kInApp);
  EXPECT_EQ(KindOfEventType("click_"), EventKind::kInApp);
  EXPECT_EQ(KindOfEventType("reinstall"), EventKind::kInApp);
  EXPECT_EQ(KindOfEventType(""), EventKind::kInApp);
}

TEST(KindOfEventTypeTest, OnlyClickAndImpressionAreTouchpoints) {
  EXPECT_TRUE(IsTouchpoint(EventKind::kClick));
  EXPECT_TRUE(IsTouchpoint(EventKind::kImpression));
  EXPECT_FALSE(IsTouchpoint(EventKind::kInstall));
  EXPECT_FALSE(IsTouchpoint(EventKind::kInApp));
}

TEST(EventTest, KindFollowsEventType) {
  Event e = FullEvent();
  EXPECT_EQ(e.kind(), EventKind::kInApp);
  e.event_type = "impression";
  EXPECT_EQ(e.kind(), EventKind::kImpression);
}

TEST(EventTest, AsViewThenToOwnedRoundTrips) {
  const Event e = FullEvent();
  const EventView v = AsView(e);
  EXPECT_EQ(v.event_id, "e1");
  EXPECT_EQ(v.properties.data(), e.properties.data());  // a view, not a copy
  const Event copy = ToOwned(v);
  EXPECT_TRUE(copy == e);
  EXPECT_NE(copy.properties.data(), e.properties.data());
}

TEST(EventTest, EqualityComparesEveryField) {
  const Event base = FullEvent();
  std::vector<void (*)(Event&)> changes = {
      [](Event& e) { e.app_id = "x"; },      [](Event& e) { e.event_id = "x"; },
      [](Event& e) { e.event_type = "x"; },  [](Event& e) { e.timestamp_ms += 1; },
      [](Event& e) { e.received_ms += 1; },  [](Event& e) { e.device_id = "x"; },
      [](Event& e) { e.user_id = "x"; },     [](Event& e) { e.ip = "x"; },
      [](Event& e) { e.user_agent = "x"; },  [](Event& e) { e.source = "x"; },
      [](Event& e) { e.medium = "x"; },      [](Event& e) { e.campaign = "x"; },
      [](Event& e) { e.currency = "EUR"; },  [](Event& e) { e.revenue = 1.5; },
      [](Event& e) { e.properties = "{}"; },
  };
  EXPECT_TRUE(base == FullEvent());
  for (size_t i = 0; i < changes.size(); ++i) {
    Event changed = FullEvent();
    changes[i](changed);
    EXPECT_FALSE(changed == base) << "change " << i;
  }
}

}  // namespace
}  // namespace unmogrowp
