// End to end, in-process: events posted over HTTP go through the log and the
// pipeline into the attribution reports and the device endpoint. Every
// expected number below is worked out by hand from ATTRIBUTION.md next to the
// events that produce it.

#include <gtest/gtest.h>
#include <simdjson.h>

#include <cmath>
#include <map>

#include "report_test_util.h"
#include "server_fixture.h"

namespace unmogrowp {
namespace {

constexpr int64_t kHour = 3'600'000;
constexpr int64_t kT0 = 1'768'003'200'000;  // 2026-01-10T00:00:00Z

class AttributionE2eTest : public ServerTest {
 protected:
  void PostAll() {
    const std::string ua_a = R"("ip":"203.0.113.1","user_agent":"UA-A")";
    const std::string ua_b = R"("ip":"203.0.113.2","user_agent":"UA-B")";
    std::vector<std::string> events = {
        // d1: a google click 1 h before its install: deterministic google/c1.
        Ev("c-d1", "click", kT0 + kHour, "d1", R"("source":"google","campaign":"c1",)" + ua_a),
        Ev("i-d1", "install", kT0 + 2 * kHour, "d1", ua_a),
        Ev("p-d1", "purchase", kT0 + 3 * kHour, "d1", R"("revenue":9.99)"),
        // A reinstall: neither counted nor re-attributed.
        Ev("r-d1", "install", kT0 + 10 * kHour, "d1"),
        // d2: only a device-less meta click with the same ip + UA, 4 h
        // before: probabilistic meta/c2.
        Ev("c-x", "click", kT0 + kHour, "", R"("source":"meta","campaign":"c2",)" + ua_b),
        Ev("i-d2", "install", kT0 + 5 * kHour, "d2", ua_b),
        // d3: no touchpoint: organic, and its 5.00 is organic revenue.
        Ev("i-d3", "install", kT0 + 6 * kHour, "d3"),
        Ev("p-d3", "purchase", kT0 + 7 * kHour, "d3", R"("revenue":5)"),
        // d4 never installs: its 2.50 is organic revenue too.
        Ev("p-d4", "purchase", kT0 + 8 * kHour, "d4", R"("revenue":2.5)"),
        // d5: an impression 25 h old (window 24 h): organic.
        Ev("m-d5", "impression", kT0, "d5", R"("source":"unity")"),
        Ev("i-d5", "install", kT0 + 25 * kHour, "d5"),
        // d6: an impression exactly 24 h old: deterministic tiktok, no
        // campaign; the install falls on 2026-01-11.
        Ev("m-d6", "impression", kT0 + kHour, "d6", R"("source":"tiktok")"),
        Ev("i-d6", "install", kT0 + 25 * kHour, "d6"),
    };
    std::string batch = "[";
    for (size_t i = 0; i < events.size(); ++i) batch += (i ? "," : "") + events[i];
    batch += "]";
    auto r = Ingest("/v1/events/batch", batch);
    ASSERT_EQ(r.status, 202) << r.body;
    ASSERT_NE(r.body.find("\"accepted\":13"), std::string::npos) << r.body;
    // The same install again, alone: counted once.
    ASSERT_EQ(Ingest("/v1/events", events[1]).status, 202);
    WaitForPipeline();
  }

  InstallsReport Installs(std::string query) {
    auto r = Admin("GET", "/v1/apps/" + app_id_ + "/attribution/installs?" + query);
    EXPECT_EQ(r.status, 200) << r.body;
    return r.status == 200 ? ParseInstalls(r.body) : InstallsReport{};
  }

  void ExpectBySource(const InstallsReport& report) {
    ASSERT_EQ(report.rows.size(), 3u);
    const InstallRow& google = report.rows.at("google");
    EXPECT_EQ(google.installs, 1);
    EXPECT_EQ(google.deterministic, 1);
    EXPECT_EQ(google.probabilistic, 0);
    EXPECT_DOUBLE_EQ(google.revenue, 9.99);
    const InstallRow& meta = report.rows.at("meta");
    EXPECT_EQ(meta.installs, 1);
    EXPECT_EQ(meta.probabilistic, 1);
    EXPECT_EQ(meta.revenue, 0);
    EXPECT_EQ(report.rows.at("tiktok").deterministic, 1);
    EXPECT_EQ(report.organic, 2);  // d3, d5
    EXPECT_DOUBLE_EQ(report.organic_revenue, 7.5);
    EXPECT_EQ(report.rejected_fraud, 0);
  }
};

TEST_F(AttributionE2eTest, InstallsReportBySourceAndCampaign) {
  PostAll();
  ExpectBySource(Installs("from=2026-01-10&to=2026-01-11"));

  InstallsReport by_campaign = Installs("from=2026-01-10&to=2026-01-11&group_by=campaign");
  ASSERT_EQ(by_campaign.rows.size(), 3u);
  EXPECT_EQ(by_campaign.rows.at("c1").installs, 1);
  EXPECT_EQ(by_campaign.rows.at("c2").installs, 1);
  EXPECT_EQ(by_campaign.rows.at("(none)").installs, 1);  // tiktok had no campaign

  // Only 2026-01-10: d6 (and d5) installed on the 11th.
  InstallsReport first_day = Installs("from=2026-01-10&to=2026-01-10");
  EXPECT_EQ(first_day.rows.count("tiktok"), 0u);
  EXPECT_EQ(first_day.organic, 1);
  InstallsReport none = Installs("from=2025-01-01&to=2025-01-31");
  EXPECT_TRUE(none.rows.empty());
  EXPECT_EQ(none.organic, 0);
}

TEST_F(AttributionE2eTest, StateSurvivesARestartAndResentEventsCountOnce) {
  PostAll();
  RestartServer();
  PostAll();  // every event again: all duplicates
  ExpectBySource(Installs("from=2026-01-10&to=2026-01-11"));
}

TEST_F(AttributionE2eTest, DeviceShowsItsInstallAndEventsInTimeOrder) {
  PostAll();
  auto r = Admin("GET", "/v1/apps/" + app_id_ + "/devices/d1");
  ASSERT_EQ(r.status, 200) << r.body;
  simdjson::dom::parser parser;
  simdjson::dom::element doc = parser.parse(r.body);
  EXPECT_EQ(doc["device_id"].get_string().value(), "d1");
  simdjson::dom::element install = doc["install"];
  EXPECT_EQ(install["timestamp"].get_int64().value(), kT0 + 2 * kHour);
  EXPECT_EQ(install["channel"].get_string().value(), "google");
  EXPECT_EQ(install["source"].get_string().value(), "google");
  EXPECT_EQ(install["campaign"].get_string().value(), "c1");
  EXPECT_EQ(install["match"].get_string().value(), "deterministic");
  EXPECT_EQ(install["touchpoint_event_id"].get_string().value(), "c-d1");
  std::vector<std::string> ids;
  for (simdjson::dom::element e : doc["events"].get_array()) {
    ids.emplace_back(e["event_id"].get_string().value());
  }
  EXPECT_EQ(ids, (std::vector<std::string>{"c-d1", "i-d1", "p-d1", "r-d1"}));

  auto organic = Admin("GET", "/v1/apps/" + app_id_ + "/devices/d3");
  simdjson::dom::element d3 = parser.parse(organic.body);
  EXPECT_EQ(d3["install"]["channel"].get_string().value(), "(organic)");
  EXPECT_TRUE(d3["install"]["source"].is_null());
  auto no_install = Admin("GET", "/v1/apps/" + app_id_ + "/devices/d4");
  EXPECT_TRUE(parser.parse(no_install.body)["install"].is_null());

  EXPECT_EQ(Admin("GET", "/v1/apps/" + app_id_ + "/devices/nobody").status, 404);
  EXPECT_EQ(Admin("GET", "/v1/apps/app_nope/devices/d1").status, 404);
}

TEST_F(AttributionE2eTest, BadParametersAre400sNamingTheParameter) {
  auto path = "/v1/apps/" + app_id_ + "/attribution/installs?";
  ExpectBadParameter(path + "group_by=medium", "group_by");
  ExpectBadParameter(path + "from=2026-02-01&to=2026-01-01", "from");
  ExpectBadParameter(path + "to=2026-02-30", "to");
  EXPECT_EQ(Call("GET", path, {}).status, 401);
}

// Multi-touch: four installs and one device that never converts, on
// 2026-01-10, group_by=source:
//   m1: click A (T0), click B (T0+1h), install (T0+2h)        path [A, B]
//   m2: click B (T0), install (T0+1h)                          path [B]
//   m3: install (T0+1h), no touchpoint                         organic
//   m4: click A (T0), never installs                           non-converting [A]
//   m5: click A (T0), A (T0+1h), C (T0+2h), install (T0+3h)
//       with revenue 10                                        path [A, A, C]
class MtaE2eTest : public ServerTest {
 protected:
  void SetUp() override {
    ServerTest::SetUp();
    auto click = [](std::string id, int64_t ts, std::string device, std::string source) {
      return Ev(id, "click", ts, device, R"("source":")" + source + "\"");
    };
    std::vector<std::string> events = {
        click("m1a", kT0, "m1", "A"),
        click("m1b", kT0 + kHour, "m1", "B"),
        Ev("m1i", "install", kT0 + 2 * kHour, "m1"),
        click("m2b", kT0, "m2", "B"),
        Ev("m2i", "install", kT0 + kHour, "m2"),
        Ev("m3i", "install", kT0 + kHour, "m3"),
        click("m4a", kT0, "m4", "A"),
        click("m5a", kT0, "m5", "A"),
        click("m5a2", kT0 + kHour, "m5", "A"),
        click("m5c", kT0 + 2 * kHour, "m5", "C"),
        Ev("m5i", "install", kT0 + 3 * kHour, "m5", R"("revenue":10)"),
    };
    std::string batch;
    for (const std::string& e : events) batch += e + "\n";
    auto r = Ingest("/v1/events/batch", batch, "application/x-ndjson");
    ASSERT_EQ(r.status, 202) << r.body;
    WaitForPipeline();
  }

  // channel -> {conversions, revenue}; checks the totals and that rows sum
  // to them.
  std::map<std::string, std::pair<double, double>> Mta(const std::string& model) {
    auto r = Admin("GET", "/v1/apps/" + app_id_ + "/attribution/mta?model=" + model +
                              "&from=2026-01-10&to=2026-01-10");
    EXPECT_EQ(r.status, 200) << r.body;
    simdjson::dom::parser parser;
    simdjson::dom::element doc = parser.parse(r.body);
    EXPECT_EQ(doc["model"].get_string().value(), model);
    EXPECT_EQ(doc["conversion"].get_string().value(), "install");
    EXPECT_EQ(doc["total_conversions"].get_int64().value(), 4);
    EXPECT_DOUBLE_EQ(doc["total_revenue"].get_double().value(), 10);
    std::map<std::string, std::pair<double, double>> rows;
    double conversions = 0, revenue = 0;
    for (simdjson::dom::element row : doc["rows"].get_array()) {
      double c = row["conversions"].get_double();
      double v = row["revenue"].get_double();
      rows[std::string(row["channel"].get_string().value())] = {c, v};
      conversions += c;
      revenue += v;
    }
    EXPECT_NEAR(conversions, 4, 1e-9) << model;
    EXPECT_NEAR(revenue, 10, 1e-9) << model;
    EXPECT_EQ(rows["(organic)"].first, 1) << model;  // m3, in every model
    return rows;
  }
};

void ExpectRow(const std::map<std::string, std::pair<double, double>>& rows,
               const std::string& channel, double conversions, double revenue) {
  auto it = rows.find(channel);
  ASSERT_NE(it, rows.end()) << channel;
  EXPECT_NEAR(it->second.first, conversions, 1e-9) << channel;
  EXPECT_NEAR(it->second.second, revenue, 1e-9) << channel;
}

TEST_F(MtaE2eTest, HeuristicModels) {
  auto first = Mta("first");  // m1 A, m2 B, m5 A (10)
  ExpectRow(first, "A", 2, 10);
  ExpectRow(first, "B", 1, 0);
  EXPECT_EQ(first.count("C"), 0u);

  auto last = Mta("last");  // m1 B, m2 B, m5 C (10)
  ExpectRow(last, "B", 2, 0);
  ExpectRow(last, "C", 1, 10);

  auto linear = Mta("linear");  // m1 A/B halves; m2 B; m5 A 2/3, C 1/3
  ExpectRow(linear, "A", 0.5 + 2.0 / 3, 20.0 / 3);
  ExpectRow(linear, "B", 1.5, 0);
  ExpectRow(linear, "C", 1.0 / 3, 10.0 / 3);

  auto position = Mta("position_based");  // m5 (n=3): A .4 + .2, C .4
  ExpectRow(position, "A", 0.5 + 0.6, 6);
  ExpectRow(position, "B", 1.5, 0);
  ExpectRow(position, "C", 0.4, 4);

  // Half-life 168 h. m1: A is 2 h old, B 1 h: A = 2^(-2/168) / (2^(-2/168)
  // + 2^(-1/168)). m5: A 3 h and 2 h old, C 1 h old.
  auto w = [](double hours) { return std::pow(2.0, -hours / 168); };
  double m1_a = w(2) / (w(2) + w(1));
  double m5_a = (w(3) + w(2)) / (w(3) + w(2) + w(1));
  auto decay = Mta("time_decay");
  ExpectRow(decay, "A", m1_a + m5_a, 10 * m5_a);
  ExpectRow(decay, "B", (1 - m1_a) + 1, 0);
  ExpectRow(decay, "C", 1 - m5_a, 10 * (1 - m5_a));
}

TEST_F(MtaE2eTest, MarkovSolvedOnPaper) {
  // Transitions: start->A 3 (m1, m5, m4), start->B 1; A->B, A->A, A->C,
  // A->null 1 each; B->conv 2; C->conv 1. x_A = (x_B + x_A + x_C)/4 with
  // x_B = x_C = 1, so x_A = 2/3 and P = 3/4 x_A + 1/4 = 3/4.
  // Without A: P = 1/4 -> RE 2/3. Without B: x_A = 1/3, P = 1/4 -> RE 2/3.
  // Without C: x_A = 1/3, P = 1/2 -> RE 1/3. Sum 5/3; 3 converting paths,
  // revenue 10: A = B = 3 * 2/5 = 1.2 (revenue 4), C = 0.6 (revenue 2).
  auto markov = Mta("markov");
  ExpectRow(markov, "A", 1.2, 4);
  ExpectRow(markov, "B", 1.2, 4);
  ExpectRow(markov, "C", 0.6, 2);
}

TEST_F(MtaE2eTest, ShapleySolvedOnPaper) {
  // Path sets: {A,B} conv, {B} conv, {A,C} conv, {A} not. v(A)=0, v(B)=1,
  // v(C)=0, v(AB)=2/3, v(AC)=1/2, v(BC)=1, v(ABC)=3/4.
  // phi_A = 1/3*0 + 1/6*(2/3-1) + 1/6*(1/2-0) + 1/3*(3/4-1) = -1/18
  // phi_B = 1/3*1 + 1/6*(2/3-0) + 1/6*(1-0) + 1/3*(3/4-1/2) = 25/36
  // phi_C = 1/3*0 + 1/6*(1/2-0) + 1/6*(1-1) + 1/3*(3/4-2/3) = 1/9
  // Sum 3/4 over 3 converting paths with revenue 10: credit = 3 * phi / (3/4),
  // revenue = 10 * phi / (3/4).
  auto shapley = Mta("shapley");
  ExpectRow(shapley, "A", -2.0 / 9, -20.0 / 27);
  ExpectRow(shapley, "B", 25.0 / 9, 250.0 / 27);
  ExpectRow(shapley, "C", 4.0 / 9, 40.0 / 27);
}

TEST_F(MtaE2eTest, BadModelOrConversionIs400) {
  auto path = "/v1/apps/" + app_id_ + "/attribution/mta?";
  ExpectBadParameter(path + "model=u_shaped", "model");
  ExpectBadParameter(path + "conversion=click", "conversion");
  ExpectBadParameter(path + "conversion=Purchase!", "conversion");
  ExpectBadParameter(path + "group_by=x", "group_by");
}

TEST_F(AttributionE2eTest, MtaOverAnInAppConversionType) {
  // p1: click D, purchase 3 (path [D]), purchase 2 (no touch since: organic).
  std::string batch = Ev("d-click", "click", kT0, "p1", R"("source":"D")") + "\n" +
                      Ev("buy-1", "purchase", kT0 + kHour, "p1", R"("revenue":3)") + "\n" +
                      Ev("buy-2", "purchase", kT0 + 2 * kHour, "p1", R"("revenue":2)") + "\n";
  ASSERT_EQ(Ingest("/v1/events/batch", batch, "application/x-ndjson").status, 202);
  WaitForPipeline();
  auto r = Admin("GET", "/v1/apps/" + app_id_ +
                            "/attribution/mta?model=last&conversion=purchase&from=2026-01-10");
  ASSERT_EQ(r.status, 200) << r.body;
  simdjson::dom::parser parser;
  simdjson::dom::element doc = parser.parse(r.body);
  EXPECT_EQ(doc["total_conversions"].get_int64().value(), 2);
  EXPECT_DOUBLE_EQ(doc["total_revenue"].get_double().value(), 5);
  std::map<std::string, double> revenue;
  for (simdjson::dom::element row : doc["rows"].get_array()) {
    revenue[std::string(row["channel"].get_string().value())] = row["revenue"].get_double();
  }
  EXPECT_DOUBLE_EQ(revenue["D"], 3);
  EXPECT_DOUBLE_EQ(revenue["(organic)"], 2);
}

}  // namespace
}  // namespace unmogrowp
