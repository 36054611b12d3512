// End to end, in-process: an app with a 30-day retention, events from 40 days
// ago and from yesterday, and POST /v1/maintenance. Raw events, device
// timelines and device state past the retention go; the daily stats and the
// installs report keep counting them (docs/reports.md, "Retention and
// maintenance"). Every expected number is worked out by hand next to it.

#include <gtest/gtest.h>
#include <simdjson.h>

#include <chrono>
#include <ctime>
#include <map>
#include <string>
#include <vector>

#include "api/report_params.h"
#include "core/clock.h"
#include "report_test_util.h"
#include "server_fixture.h"

namespace unmogrowp {
namespace {

constexpr int64_t kHour = 3'600'000;
constexpr int64_t kDay = 86'400'000;

struct Counts {
  int64_t events = 0;
  int64_t unique = 0;
  int64_t installs = 0;
  double revenue = 0;
};

class RetentionE2eTest : public ServerTest {
 protected:
  void SetUp() override {
    ServerTest::SetUp();
    if (HasFatalFailure()) return;
    auto r = Admin("PATCH", App(), R"({"settings":{"retention_days":30}})");
    ASSERT_EQ(r.status, 200) << r.body;
    today_ = SystemClock::Instance().NowMs() / kDay;
    old_day_ = today_ - 40;
    new_day_ = today_ - 1;
  }

  std::string App() const { return "/v1/apps/" + app_id_; }
  int64_t Old(int64_t hours) const { return old_day_ * kDay + hours * kHour; }
  int64_t New(int64_t hours) const { return new_day_ * kDay + hours * kHour; }
  std::string Range(int64_t from_day, int64_t to_day) const {
    return "from=" + api::FormatDay(from_day) + "&to=" + api::FormatDay(to_day);
  }

  void Post(const std::vector<std::string>& events) {
    std::string batch = "[";
    for (size_t i = 0; i < events.size(); ++i) batch += (i ? "," : "") + events[i];
    batch += "]";
    auto r = Ingest("/v1/events/batch", batch);
    ASSERT_EQ(r.status, 202) << r.body;
    EXPECT_NE(r.body.find("\"accepted\":" + std::to_string(events.size()) + ",\"rejected\":[]"),
              std::string::npos)
        << r.body;
    WaitForPipeline();
  }

  // Old day (today - 40), before the 30-day cutoff:
  //   oo1  c-oo1 google/g1 (12h), i-oo1 (13h, google), p-oo1 5 (14h)
  //   oo2  i-oo2 organic (15h), o-oo2 (16h)
  //   mo   c-mo google/g2 (17h), i-mo (18h, google)
  //   mn   o-mn (19h, before its install: organic, moved to meta later)
  // New day (yesterday):
  //   mn   c-mn meta/m1 (12h), i-mn (13h, meta), p-mn 3 (14h)
  //   on   i-on organic (15h), p-on 1 (16h)
  //   mo   p-mo 7 (17h)
  void PostAll() {
    Post({
        Ev("c-oo1", "click", Old(12), "oo1", R"("source":"google","campaign":"g1")"),
        Ev("i-oo1", "install", Old(13), "oo1"),
        Ev("p-oo1", "purchase", Old(14), "oo1", R"("revenue":5)"),
        Ev("i-oo2", "install", Old(15), "oo2"),
        Ev("o-oo2", "open", Old(16), "oo2"),
        Ev("c-mo", "click", Old(17), "mo", R"("source":"google","campaign":"g2")"),
        Ev("i-mo", "install", Old(18), "mo"),
        Ev("o-mn", "open", Old(19), "mn"),
    });
    Post({
        Ev("c-mn", "click", New(12), "mn", R"("source":"meta","campaign":"m1")"),
        Ev("i-mn", "install", New(13), "mn"),
        Ev("p-mn", "purchase", New(14), "mn", R"("revenue":3)"),
        Ev("i-on", "install", New(15), "on"),
        Ev("p-on", "purchase", New(16), "on", R"("revenue":1)"),
        Ev("p-mo", "purchase", New(17), "mo", R"("revenue":7)"),
    });
  }

  std::vector<std::string> ExportIds(int64_t from_day, int64_t to_day) {
    ClientResponse r = Admin("GET", App() + "/events/export?" + Range(from_day, to_day));
    EXPECT_EQ(r.status, 200) << r.body;
    std::vector<std::string> ids;
    simdjson::dom::parser parser;
    size_t pos = 0;
    while (pos < r.body.size()) {
      size_t end = r.body.find('\n', pos);
      if (end == std::string::npos) {
        ADD_FAILURE() << "the last line has no line end";
        break;
      }
      simdjson::dom::element doc;
      std::string line = r.body.substr(pos, end - pos);
      if (parser.parse(line).get(doc) != simdjson::SUCCESS) {
        ADD_FAILURE() << "not JSON: " << line;
      } else {
        ids.emplace_back(doc["event_id"].get_string().value());
      }
      pos = end + 1;
    }
    return ids;
  }

  Counts DayStats(int64_t day) {
    ClientResponse r = Admin("GET", App() + "/stats?" + Range(day, day));
    EXPECT_EQ(r.status, 200) << r.body;
    if (r.status != 200) return {};
    simdjson::dom::parser parser;
    simdjson::dom::element t = parser.parse(r.body)["totals"];
    return Counts{t["events"].get_int64(), t["unique_devices"].get_int64(),
                  t["installs"].get_int64(), t["revenue"].get_double()};
  }
  void ExpectDayStats(int64_t day, const Counts& want, const std::string& what) {
    Counts got = DayStats(day);
    EXPECT_EQ(got.events, want.events) << what << " events";
    EXPECT_EQ(got.unique, want.unique) << what << " unique_devices";
    EXPECT_EQ(got.installs, want.installs) << what << " installs";
    EXPECT_NEAR(got.revenue, want.revenue, 1e-9) << what << " revenue";
  }

  void ExpectInstalls(int64_t day, const std::map<std::string, InstallRow>& want, int64_t organic,
                      double organic_revenue, const std::string& what) {
    ClientResponse r = Admin("GET", App() + "/attribution/installs?" + Range(day, day));
    ASSERT_EQ(r.status, 200) << r.body;
    InstallsReport report = ParseInstalls(r.body);
    const std::map<std::string, InstallRow>& got = report.rows;
    ASSERT_EQ(got.size(), want.size()) << what << ": " << r.body;
    for (const auto& [channel, w] : want) {
      auto it = got.find(channel);
      ASSERT_NE(it, got.end()) << what << ": no " << channel << " in " << r.body;
      EXPECT_EQ(it->second.installs, w.installs) << what << " " << channel;
      EXPECT_EQ(it->second.deterministic, w.deterministic) << what << " " << channel;
      EXPECT_EQ(it->second.probabilistic, w.probabilistic) << what << " " << channel;
      EXPECT_NEAR(it->second.revenue, w.revenue, 1e-9) << what << " " << channel;
    }
    EXPECT_EQ(report.organic, organic) << what;
    EXPECT_NEAR(report.organic_revenue, organic_revenue, 1e-9) << what;
  }

  struct DeviceView {
    int status = 0;
    std::string install_source;  // "" when no install
    int64_t install_ts = 0;
    std::vector<std::string> events;
  };
  DeviceView Device(const std::string& device) {
    ClientResponse r = Admin("GET", App() + "/devices/" + device);
    DeviceView view;
    view.status = r.status;
    if (r.status != 200) return view;
    simdjson::dom::parser parser;
    simdjson::dom::element doc = parser.parse(r.body);
    simdjson::dom::element install = doc["install"];
    if (!install.is_null()) {
      simdjson::dom::element source = install["source"];
      if (!source.is_null()) view.install_source = std::string(source.get_string().value());
      view.install_ts = install["timestamp"].get_int64();
    }
    for (simdjson::dom::element e : doc["events"].get_array()) {
      view.events.emplace_back(e["event_id"].get_string().value());
    }
    return view;
  }

  // The reports that retention must not change: per-day stats and installs.
  //   old day: 8 events (oo1 3, oo2 2, mo 2, mn 1), devices oo1 oo2 mo mn,
  //            installs i-oo1 i-oo2 i-mo, revenue 5
  //   new day: 6 events (mn 3, on 2, mo 1), devices mn on mo, installs i-mn
  //            i-on, revenue 3 + 1 + 7 = 11
  //   installs, old day: google i-oo1 i-mo (deterministic) with p-oo1's 5;
  //            organic i-oo2
  //   installs, new day: meta i-mn with p-mn's 3; google no install but
  //            mo's 7; organic i-on with p-on's 1
  void ExpectRollups(const std::string& what) {
    ExpectDayStats(old_day_, {8, 4, 3, 5}, what + ": old day");
    ExpectDayStats(new_day_, {6, 3, 2, 11}, what + ": new day");
    ExpectInstalls(old_day_, {{"google", {2, 2, 0, 5}}}, 1, 0, what + ": old day installs");
    ExpectInstalls(new_day_, {{"meta", {1, 1, 0, 3}}, {"google", {0, 0, 0, 7}}}, 1, 1,
                   what + ": new day installs");
  }

  const std::vector<std::string> kNewIds = {"c-mn", "i-mn", "p-mn", "i-on", "p-on", "p-mo"};

  // What retention leaves: the new events; oo1 and oo2 gone; mo and mn
  // keep their state (they had events since the cutoff), hence their
  // install attribution, old or new, with only their new events.
  void ExpectRetained(const std::string& what) {
    EXPECT_EQ(ExportIds(old_day_ - 1, today_), kNewIds) << what;
    EXPECT_TRUE(ExportIds(old_day_, old_day_).empty()) << what;
    EXPECT_EQ(Device("oo1").status, 404) << what;
    EXPECT_EQ(Device("oo2").status, 404) << what;
    DeviceView mo = Device("mo");
    EXPECT_EQ(mo.status, 200) << what;
    EXPECT_EQ(mo.events, std::vector<std::string>{"p-mo"}) << what;
    EXPECT_EQ(mo.install_source, "google") << what;
    EXPECT_EQ(mo.install_ts, Old(18)) << what;
    DeviceView mn = Device("mn");
    EXPECT_EQ(mn.status, 200) << what;
    EXPECT_EQ(mn.events, (std::vector<std::string>{"c-mn", "i-mn", "p-mn"})) << what;
    EXPECT_EQ(mn.install_source, "meta") << what;
    EXPECT_EQ(mn.install_ts, New(13)) << what;
    DeviceView on = Device("on");
    EXPECT_EQ(on.events, (std::vector<std::string>{"i-on", "p-on"})) << what;
    EXPECT_EQ(on.install_source, "") << what;  // organic: source null
    ExpectRollups(what);
  }

  int64_t today_ = 0, old_day_ = 0, new_day_ = 0;
};

TEST_F(RetentionE2eTest, MaintenanceExpiresRawDataAndKeepsRollups) {
  PostAll();
  // Before: everything, in timestamp order.
  EXPECT_EQ(ExportIds(old_day_ - 1, today_),
            (std::vector<std::string>{"c-oo1", "i-oo1", "p-oo1", "i-oo2", "o-oo2", "c-mo", "i-mo",
                                      "o-mn", "c-mn", "i-mn", "p-mn", "i-on", "p-on", "p-mo"}));
  EXPECT_EQ(Device("oo1").events, (std::vector<std::string>{"c-oo1", "i-oo1", "p-oo1"}));
  EXPECT_EQ(Device("mo").events, (std::vector<std::string>{"c-mo", "i-mo", "p-mo"}));
  ExpectRollups("before");

  EXPECT_EQ(Call("POST", "/v1/maintenance", {}).status, 401);
  EXPECT_EQ(Call("POST", "/v1/maintenance", {{"Authorization", "Bearer wrong"}}).status, 401);

  const int64_t asked = SystemClock::Instance().NowMs();
  ClientResponse r = Admin("POST", "/v1/maintenance");
  ASSERT_EQ(r.status, 200) << r.body;
  simdjson::dom::parser parser;
  simdjson::dom::element report = parser.parse(r.body);
  // Index entries of every old event: oo1 3, oo2 2, mo 2, mn 1; the state
  // of oo1 and oo2.
  EXPECT_EQ(report["events_expired"].get_int64().value(), 8) << r.body;
  EXPECT_EQ(report["devices_expired"].get_int64().value(), 2) << r.body;
  EXPECT_EQ(report["erasures_completed"].get_int64().value(), 0) << r.body;
  EXPECT_GE(report["finished_at"].get_int64().value(), asked) << r.body;
  EXPECT_LE(report["finished_at"].get_int64().value(), SystemClock::Instance().NowMs()) << r.body;
  EXPECT_EQ(report["log_records_redacted"].get_int64().error(), simdjson::SUCCESS) << r.body;

  ExpectRetained("after maintenance");

  // A second run finds nothing more.
  r = Admin("POST", "/v1/maintenance");
  ASSERT_EQ(r.status, 200) << r.body;
  report = parser.parse(r.body);
  EXPECT_EQ(report["events_expired"].get_int64().value(), 0) << r.body;
  EXPECT_EQ(report["devices_expired"].get_int64().value(), 0) << r.body;

  // A longer retention later brings nothing back, across a restart too.
  auto patched = Admin("PATCH", App(), R"({"settings":{"retention_days":3650}})");
  ASSERT_EQ(patched.status, 200) << patched.body;
  r = Admin("POST", "/v1/maintenance");
  ASSERT_EQ(r.status, 200) << r.body;
  ExpectRetained("after retention_days 3650");
  RestartServer();
  WaitForPipeline();
  ExpectRetained("after a restart");
}

// An expired device that comes back is new data: its old events stay gone
// and the re-sent copies of them are still duplicates.
TEST_F(RetentionE2eTest, AnExpiredDeviceThatComesBackStartsAfresh) {
  PostAll();
  ClientResponse r = Admin("POST", "/v1/maintenance");
  ASSERT_EQ(r.status, 200) << r.body;
  Post({
      Ev("o2-oo1", "open", New(18), "oo1"),
      Ev("p-oo1", "purchase", Old(14), "oo1", R"("revenue":5)"),  // a copy: ignored
  });
  DeviceView oo1 = Device("oo1");
  EXPECT_EQ(oo1.status, 200);
  EXPECT_EQ(oo1.events, std::vector<std::string>{"o2-oo1"});
  // New day: one more event and device, nothing else; old day unchanged.
  ExpectDayStats(new_day_, {7, 4, 2, 11}, "new day");
  ExpectDayStats(old_day_, {8, 4, 3, 5}, "old day");
  EXPECT_TRUE(ExportIds(old_day_, old_day_).empty());
}

}  // namespace
}  // namespace unmogrowp
