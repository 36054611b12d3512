// GET /v1/apps/{app_id}/live, in-process: events acknowledged over HTTP are
// counted per app in the second they were accepted, and in the total
// (api/live_handlers.h). The per-second bookkeeping itself is tested with a
// manual clock in api/live_counter_test.cc.

#include <gtest/gtest.h>
#include <simdjson.h>

#include <string>

#include "core/clock.h"
#include "report_test_util.h"
#include "server_fixture.h"

namespace unmogrowp {
namespace {

class LiveTest : public ServerTest {
 protected:
  struct Live {
    int64_t now_ms = 0;
    std::vector<std::pair<int64_t, int64_t>> seconds;  // (t, events)
    int64_t per_second = -1;
    int64_t total = -1;
  };

  Live GetLive(const std::string& app_id, const std::string& query = "") {
    ClientResponse r = Admin("GET", "/v1/apps/" + app_id + "/live" + query);
    EXPECT_EQ(r.status, 200) << r.body;
    Live live;
    simdjson::dom::parser parser;
    simdjson::dom::element doc;
    if (parser.parse(r.body).get(doc) != simdjson::SUCCESS) {
      ADD_FAILURE() << r.body;
      return live;
    }
    EXPECT_EQ(doc["app_id"].get_string().value(), app_id);
    live.now_ms = doc["now_ms"].get_int64();
    for (simdjson::dom::element s : doc["seconds"].get_array()) {
      live.seconds.emplace_back(s["t"].get_int64(), s["events"].get_int64());
    }
    live.per_second = doc["events_per_second"].get_int64();
    live.total = doc["events_total"].get_int64();
    return live;
  }
};

TEST_F(LiveTest, CountsAcceptedEventsPerSecondAndInTotal) {
  const int64_t sent_ms = SystemClock::Instance().NowMs();
  const int64_t ts = sent_ms - 60'000;
  std::string batch = "[" + Ev("e1", "open", ts, "d1") + "," + Ev("e2", "open", ts, "d2") + "," +
                      Ev("e3", "open", ts, "d3") + ",{\"event_type\":\"open\"}]";
  ClientResponse r = Ingest("/v1/events/batch", batch);
  ASSERT_EQ(r.status, 202) << r.body;
  r = Ingest("/v1/events", Ev("e4", "open", ts, "d4"));
  ASSERT_EQ(r.status, 202) << r.body;
  // Rejected events count nowhere.
  r = Ingest("/v1/events", Ev("e5", "open", ts, ""));
  ASSERT_EQ(r.status, 400) << r.body;
  const int64_t acked_ms = SystemClock::Instance().NowMs();

  Live live = GetLive(app_id_, "?seconds=300");
  EXPECT_EQ(live.total, 4);
  ASSERT_EQ(live.seconds.size(), 300u);
  const int64_t last = live.now_ms / 1000 - 1;
  for (size_t i = 0; i < live.seconds.size(); ++i) {
    EXPECT_EQ(live.seconds[i].first, last - 299 + static_cast<int64_t>(i));
  }
  EXPECT_EQ(live.per_second, live.seconds.back().second);
  // The four fell in the seconds the requests were acknowledged in; those
  // still in progress are not in the window yet.
  int64_t in_window = 0;
  for (const auto& [t, events] : live.seconds) {
    if (events == 0) continue;
    EXPECT_GE(t, sent_ms / 1000) << t;
    EXPECT_LE(t, acked_ms / 1000) << t;
    in_window += events;
  }
  EXPECT_LE(in_window, 4);
  if (live.now_ms / 1000 > acked_ms / 1000) {
    EXPECT_EQ(in_window, 4);
  }

  // Another app, and the default window.
  auto other = Admin("POST", "/v1/apps", R"({"name":"Other","platform":"web"})");
  ASSERT_EQ(other.status, 201) << other.body;
  Live quiet = GetLive(Field(other.body, "id"));
  EXPECT_EQ(quiet.total, 0);
  EXPECT_EQ(quiet.seconds.size(), 60u);
  EXPECT_EQ(quiet.per_second, 0);
}

TEST_F(LiveTest, ChecksTheAppTheWindowAndTheToken) {
  const std::string live = "/v1/apps/" + app_id_ + "/live";
  for (const char* bad : {"0", "301", "-1", "x", "", "1.5", "60s"}) {
    ExpectBadParameter(live + "?seconds=" + bad, "seconds");
  }
  EXPECT_EQ(GetLive(app_id_, "?seconds=1").seconds.size(), 1u);
  EXPECT_EQ(Admin("GET", "/v1/apps/app_0000000000000000/live").status, 404);
  EXPECT_EQ(Call("GET", live, {}).status, 401);
  EXPECT_EQ(Call("GET", live, {{"Authorization", "Bearer wrong"}}).status, 401);
}

}  // namespace
}  // namespace unmogrowp
