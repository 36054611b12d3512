// End to end, in-process: events posted over HTTP go through the log and the
// pipeline into the daily stats, the cohorts, the raw export, and out of all
// of them again when a device is erased. Every expected number is worked out
// by hand from the events next to the assertion (API.md: "Reports" and
// "Privacy"; ATTRIBUTION.md for the channels).

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <simdjson.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

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

constexpr int64_t kMinute = 60'000;
constexpr int64_t kHour = 3'600'000;
constexpr int64_t kDay = 86'400'000;
constexpr int64_t kMar1 = 1'740'787'200'000;  // 2025-03-01T00:00:00Z

// March `day`, 2025 at hh:mm UTC.
constexpr int64_t At(int64_t day, int64_t hour, int64_t minute = 0) {
  return kMar1 + (day - 1) * kDay + hour * kHour + minute * kMinute;
}

constexpr int64_t kAny = -1;  // a unique_devices value not compared

struct Counts {
  int64_t events = 0;
  int64_t unique = 0;
  int64_t installs = 0;
  double revenue = 0;
};
constexpr Counts kZero{0, 0, 0, 0};

struct Series {
  std::vector<std::string> dates;
  std::vector<Counts> days;
  Counts totals;
};

struct Stats {
  Series all;
  bool exact = true;
  std::string group_by;
  std::vector<std::string> order;  // group keys as listed
  std::map<std::string, Series> groups;
};

Counts ParseCounts(simdjson::dom::element e) {
  return Counts{e["events"].get_int64(), e["unique_devices"].get_int64(), e["installs"].get_int64(),
                e["revenue"].get_double()};
}

Series ParseSeries(simdjson::dom::element e) {
  Series s;
  for (simdjson::dom::element day : e["days"].get_array()) {
    s.dates.emplace_back(day["date"].get_string().value());
    s.days.push_back(ParseCounts(day));
  }
  s.totals = ParseCounts(e["totals"]);
  return s;
}

Stats ParseStats(const std::string& body) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc = parser.parse(body);
  Stats stats;
  stats.all = ParseSeries(doc);
  stats.exact = doc["unique_devices_exact"].get_bool();
  simdjson::dom::element groups;
  if (doc["groups"].get(groups) == simdjson::SUCCESS) {
    stats.group_by = std::string(doc["group_by"].get_string().value());
    for (simdjson::dom::element g : groups.get_array()) {
      std::string key(g["key"].get_string().value());
      stats.order.push_back(key);
      stats.groups[key] = ParseSeries(g);
    }
  }
  return stats;
}

void ExpectCounts(const Counts& got, const Counts& want, const std::string& what) {
  EXPECT_EQ(got.events, want.events) << what << " events";
  if (want.unique != kAny) {
    EXPECT_EQ(got.unique, want.unique) << what << " unique_devices";
  }
  EXPECT_EQ(got.installs, want.installs) << what << " installs";
  EXPECT_NEAR(got.revenue, want.revenue, 1e-9) << what << " revenue";
}

void ExpectSeries(const Series& got, const std::vector<Counts>& days, const Counts& totals,
                  const std::string& what) {
  ASSERT_EQ(got.days.size(), days.size()) << what;
  for (size_t i = 0; i < days.size(); ++i)
    ExpectCounts(got.days[i], days[i], what + " " + got.dates[i]);
  ExpectCounts(got.totals, totals, what + " totals");
}

struct GroupWant {
  std::vector<Counts> days;
  Counts totals;
};

// Exactly the groups in `want`, each over the same dates as the whole-app
// series, listed with the most events first.
void ExpectGroups(const Stats& got, const std::string& group_by,
                  const std::map<std::string, GroupWant>& want) {
  EXPECT_EQ(got.group_by, group_by);
  std::vector<std::string> keys;
  for (const auto& [key, series] : got.groups) keys.push_back(key);
  std::vector<std::string> want_keys;
  for (const auto& [key, series] : want) want_keys.push_back(key);
  EXPECT_EQ(keys, want_keys) << group_by;
  EXPECT_EQ(got.order.size(), got.groups.size()) << group_by << ": a key listed twice";
  for (size_t i = 1; i < got.order.size(); ++i) {
    EXPECT_GE(got.groups.at(got.order[i - 1]).totals.events,
              got.groups.at(got.order[i]).totals.events)
        << group_by << ": " << got.order[i - 1] << " before " << got.order[i];
  }
  for (const auto& [key, w] : want) {
    auto it = got.groups.find(key);
    if (it == got.groups.end()) continue;
    EXPECT_EQ(it->second.dates, got.all.dates) << group_by << "=" << key;
    ExpectSeries(it->second, w.days, w.totals, group_by + "=" + key);
  }
}

constexpr int64_t kNull = -2;   // active, share and revenue are all null
constexpr int64_t kMixed = -3;  // some of them null, some not: always wrong

struct Cell {
  int64_t day = 0;
  int64_t active = 0;
  double share = 0;
  double revenue = 0;
};
Cell Null(int64_t day) { return Cell{day, kNull, 0, 0}; }

struct CohortRow {
  std::string install_date;
  std::string channel;
  int64_t installs = 0;
  std::vector<Cell> cells;
};

struct Cohorts {
  std::string group_by;
  std::vector<int64_t> days;
  std::vector<CohortRow> rows;
};

Cohorts ParseCohorts(const std::string& body) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc = parser.parse(body);
  Cohorts c;
  c.group_by = std::string(doc["group_by"].get_string().value());
  for (simdjson::dom::element d : doc["days"].get_array()) c.days.push_back(d.get_int64());
  for (simdjson::dom::element r : doc["rows"].get_array()) {
    CohortRow row;
    row.install_date = std::string(r["install_date"].get_string().value());
    row.channel = std::string(r["channel"].get_string().value());
    row.installs = r["installs"].get_int64();
    for (simdjson::dom::element cell : r["retention"].get_array()) {
      Cell c2;
      c2.day = cell["day"].get_int64();
      int nulls = cell["active"].is_null() + cell["share"].is_null() + cell["revenue"].is_null();
      if (nulls == 3) {
        c2.active = kNull;
      } else if (nulls != 0) {
        c2.active = kMixed;
      } else {
        c2.active = cell["active"].get_int64();
        c2.share = cell["share"].get_double();
        c2.revenue = cell["revenue"].get_double();
      }
      row.cells.push_back(c2);
    }
    c.rows.push_back(row);
  }
  return c;
}

void ExpectCohortRows(const std::vector<CohortRow>& got, const std::vector<CohortRow>& want,
                      const std::string& what) {
  ASSERT_EQ(got.size(), want.size()) << what;
  for (size_t i = 0; i < want.size(); ++i) {
    const CohortRow& g = got[i];
    const CohortRow& w = want[i];
    std::string row =
        what + " row " + std::to_string(i) + " (" + w.install_date + " " + w.channel + ")";
    EXPECT_EQ(g.install_date, w.install_date) << row;
    EXPECT_EQ(g.channel, w.channel) << row;
    EXPECT_EQ(g.installs, w.installs) << row;
    ASSERT_EQ(g.cells.size(), w.cells.size()) << row;
    for (size_t j = 0; j < w.cells.size(); ++j) {
      std::string cell = row + " day " + std::to_string(w.cells[j].day);
      EXPECT_EQ(g.cells[j].day, w.cells[j].day) << cell;
      EXPECT_EQ(g.cells[j].active, w.cells[j].active) << cell;
      if (w.cells[j].active == kNull) continue;
      EXPECT_NEAR(g.cells[j].share, w.cells[j].share, 1e-12) << cell;
      EXPECT_NEAR(g.cells[j].revenue, w.cells[j].revenue, 1e-9) << cell;
    }
  }
}

void ExpectInstalls(const InstallsReport& got, const std::map<std::string, InstallRow>& rows,
                    int64_t organic, double organic_revenue, const std::string& what) {
  std::vector<std::string> keys, want_keys;
  for (const auto& [k, r] : got.rows) keys.push_back(k);
  for (const auto& [k, r] : rows) want_keys.push_back(k);
  EXPECT_EQ(keys, want_keys) << what;
  for (const auto& [k, w] : rows) {
    auto it = got.rows.find(k);
    if (it == got.rows.end()) continue;
    EXPECT_EQ(it->second.installs, w.installs) << what << " " << k;
    EXPECT_EQ(it->second.deterministic, w.deterministic) << what << " " << k;
    EXPECT_EQ(it->second.probabilistic, w.probabilistic) << what << " " << k;
    EXPECT_NEAR(it->second.revenue, w.revenue, 1e-9) << what << " " << k;
  }
  EXPECT_EQ(got.organic, organic) << what;
  EXPECT_NEAR(got.organic_revenue, organic_revenue, 1e-9) << what;
}

struct Mta {
  int64_t total_conversions = -1;
  double total_revenue = -1;
  std::map<std::string, std::pair<double, double>> rows;  // channel -> conversions, revenue
};

Mta ParseMta(const std::string& body) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc = parser.parse(body);
  Mta m;
  m.total_conversions = doc["total_conversions"].get_int64();
  m.total_revenue = doc["total_revenue"].get_double();
  for (simdjson::dom::element row : doc["rows"].get_array()) {
    m.rows[std::string(row["channel"].get_string().value())] = {row["conversions"].get_double(),
                                                                row["revenue"].get_double()};
  }
  return m;
}

void ExpectMta(const Mta& got, int64_t total, double revenue,
               const std::map<std::string, std::pair<double, double>>& rows,
               const std::string& what) {
  EXPECT_EQ(got.total_conversions, total) << what;
  EXPECT_NEAR(got.total_revenue, revenue, 1e-9) << what;
  std::vector<std::string> keys, want_keys;
  for (const auto& [k, r] : got.rows) keys.push_back(k);
  for (const auto& [k, r] : rows) want_keys.push_back(k);
  EXPECT_EQ(keys, want_keys) << what;
  for (const auto& [k, w] : rows) {
    auto it = got.rows.find(k);
    if (it == got.rows.end()) continue;
    EXPECT_NEAR(it->second.first, w.first, 1e-9) << what << " " << k;
    EXPECT_NEAR(it->second.second, w.second, 1e-9) << what << " " << k;
  }
}

std::vector<std::string> Lines(const std::string& body, std::string_view end = "\n") {
  std::vector<std::string> lines;
  size_t pos = 0;
  while (pos < body.size()) {
    size_t e = body.find(end, pos);
    if (e == std::string::npos) {
      ADD_FAILURE() << "the last line has no line end: " << body.substr(pos);
      lines.push_back(body.substr(pos));
      break;
    }
    lines.push_back(body.substr(pos, e - pos));
    pos = e + end.size();
  }
  return lines;
}

std::vector<std::string> EventIds(const std::string& ndjson) {
  std::vector<std::string> ids;
  simdjson::dom::parser parser;
  for (const std::string& line : Lines(ndjson)) {
    ids.emplace_back(parser.parse(line)["event_id"].get_string().value());
  }
  return ids;
}

std::string CsvRow(const std::vector<std::string>& fields) {
  std::string row;
  for (size_t i = 0; i < fields.size(); ++i) row += (i ? "," : "") + fields[i];
  return row + "\r\n";
}

// A response read off its own socket, with the body's chunks as framed on the
// wire (SimpleHttpClient joins them).
struct WireResponse {
  std::string head;
  std::vector<size_t> chunk_sizes;
  std::string body;
  bool complete = false;
};

WireResponse ParseChunked(const std::string& bytes) {
  WireResponse r;
  size_t head_end = bytes.find("\r\n\r\n");
  if (head_end == std::string::npos) return r;
  r.head = bytes.substr(0, head_end + 2);
  size_t pos = head_end + 4;
  while (true) {
    size_t eol = bytes.find("\r\n", pos);
    if (eol == std::string::npos) return r;
    size_t size = std::stoul(bytes.substr(pos, eol - pos), nullptr, 16);
    if (size == 0) {
      r.complete = bytes.size() >= eol + 4;  // no trailers: the last chunk's CRLF CRLF
      return r;
    }
    if (bytes.size() < eol + 2 + size + 2) return r;
    r.chunk_sizes.push_back(size);
    r.body.append(bytes, eol + 2, size);
    pos = eol + 2 + size + 2;
  }
}

WireResponse WireGet(uint16_t port, const std::string& target) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  EXPECT_GE(fd, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
  EXPECT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  timeval timeout{30, 0};  // a hung stream fails the test instead of blocking it
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
  std::string request = "GET " + target +
                        " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer "
                        "test-admin-token\r\n\r\n";
  EXPECT_EQ(send(fd, request.data(), request.size(), MSG_NOSIGNAL),
            static_cast<ssize_t>(request.size()));
  std::string bytes;
  WireResponse r;
  char buffer[65536];
  while (!r.complete) {
    ssize_t n = recv(fd, buffer, sizeof(buffer), 0);
    if (n <= 0) break;
    bytes.append(buffer, static_cast<size_t>(n));
    r = ParseChunked(bytes);
  }
  close(fd);
  return r;
}

class ReportsE2eTest : public ServerTest {
 protected:
  void SetUp() override {
    ServerTest::SetUp();
    if (HasFatalFailure()) return;
    // The dataset lies in March 2025, past the default 400-day retention:
    // keep it through any maintenance run (one is due a minute after a start).
    auto r = Admin("PATCH", "/v1/apps/" + app_id_, R"({"settings":{"retention_days":3650}})");
    ASSERT_EQ(r.status, 200) << r.body;
  }

  // Posts `events` as one JSON-array batch (received in array order), all
  // accepted, and waits until the reports reflect them.
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

  std::string App() const { return "/v1/apps/" + app_id_; }

  ClientResponse Get(const std::string& path) {
    ClientResponse r = Admin("GET", App() + path);
    EXPECT_EQ(r.status, 200) << path << ": " << r.body;
    return r;
  }
  Stats GetStats(const std::string& query) {
    auto r = Get("/stats?" + query);
    return r.status == 200 ? ParseStats(r.body) : Stats{};
  }
  Cohorts GetCohorts(const std::string& query) {
    auto r = Get("/cohorts?" + query);
    return r.status == 200 ? ParseCohorts(r.body) : Cohorts{};
  }
  InstallsReport GetInstalls(const std::string& query) {
    auto r = Get("/attribution/installs?" + query);
    return r.status == 200 ? ParseInstalls(r.body) : InstallsReport{};
  }
  Mta GetMta(const std::string& query) {
    auto r = Get("/attribution/mta?" + query);
    return r.status == 200 ? ParseMta(r.body) : Mta{};
  }
  std::string Export(const std::string& query) { return Get("/events/export?" + query).body; }
};

// The stats dataset:
//
// a1: click google/camp_g, install (deterministic), purchase 10, refund -4,
//     a reinstall.
// a2: installs with the ip + user agent of a device-less web click meta/camp_m
//     an hour earlier (probabilistic), purchase 5.5 (sent twice in one batch).
// a3: organic install, purchase 2 (re-sent twice in a later request), an open
//     on 03-08, outside the range.
// a4: click tiktok (no campaign), open, purchase 3 on 03-04 -- its install on
//     03-05 comes in a later request, so these start as "(organic)" and move.
// a5: an impression unity/camp_u and a purchase 1.25, never installs:
//     "(organic)".
//
// Per day (events / unique devices / installs / revenue), 03-01..03-07:
//   03-01  c-a1 i-a1                 2 / 1 (a1)      / 1 / 0
//   03-02  p-a1 w-click i-a2 p-a2    4 / 2 (a1 a2)   / 1 / 10 + 5.5 = 15.5
//   03-03  r-a1 i-a3 p-a3            3 / 2 (a1 a3)   / 1 / -4 + 2 = -2
//   03-04  c-a4 o-a4 p-a4 ri-a1      4 / 2 (a4 a1)   / 0 / 3 (reinstall: no install)
//   03-05  i-a4 m-a5 p-a5            3 / 2 (a4 a5)   / 1 / 1.25
//   03-06, 03-07                     0
//   totals 16 / 5 (a1..a5) / 4 / 15.5 - 2 + 3 + 1.25 = 17.75

class StatsE2eTest : public ReportsE2eTest {
 protected:
  void PostAll() {
    const std::string web = R"("ip":"203.0.113.7","user_agent":"Web UA")";
    Post({
        Ev("c-a1", "click", At(1, 10), "a1", R"("source":"google","campaign":"camp_g")"),
        Ev("i-a1", "install", At(1, 12), "a1"),
        Ev("p-a1", "purchase", At(2, 8), "a1", R"("revenue":10)"),
        Ev("w-click", "click", At(2, 9), "", R"("source":"meta","campaign":"camp_m",)" + web),
        Ev("i-a2", "install", At(2, 10), "a2", web),
        Ev("p-a2", "purchase", At(2, 11), "a2", R"("revenue":5.5)"),
        Ev("p-a2", "purchase", At(2, 11), "a2", R"("revenue":5.5)"),
        Ev("r-a1", "refund", At(3, 9), "a1", R"("revenue":-4)"),
        Ev("i-a3", "install", At(3, 8), "a3"),
        Ev("p-a3", "purchase", At(3, 12), "a3", R"("revenue":2)"),
        Ev("c-a4", "click", At(4, 6), "a4", R"("source":"tiktok")"),
        Ev("o-a4", "open", At(4, 7), "a4"),
        Ev("p-a4", "purchase", At(4, 8), "a4", R"("revenue":3)"),
        Ev("ri-a1", "install", At(4, 15), "a1"),
        Ev("m-a5", "impression", At(5, 10), "a5", R"("source":"unity","campaign":"camp_u")"),
        Ev("p-a5", "purchase", At(5, 11), "a5", R"("revenue":1.25)"),
        Ev("o-a3", "open", At(8, 0), "a3"),
    });
  }
  void PostA4Install() {
    Post({
        Ev("i-a4", "install", At(5, 9), "a4"),  // c-a4 is 27 h old: deterministic tiktok
        Ev("p-a3", "purchase", At(3, 12), "a3", R"("revenue":2)"),
        Ev("p-a3", "purchase", At(3, 12), "a3", R"("revenue":2)"),
    });
  }
};

const std::vector<std::string> kMar1To7 = {"2025-03-01", "2025-03-02", "2025-03-03", "2025-03-04",
                                           "2025-03-05", "2025-03-06", "2025-03-07"};

TEST_F(StatsE2eTest, DaysAndTotals) {
  PostAll();
  PostA4Install();
  Stats stats = GetStats("from=2025-03-01&to=2025-03-07");
  EXPECT_EQ(stats.all.dates, kMar1To7);
  EXPECT_FALSE(stats.exact);
  EXPECT_TRUE(stats.groups.empty());
  ExpectSeries(
      stats.all,
      {{2, 1, 1, 0}, {4, 2, 1, 15.5}, {3, 2, 1, -2}, {4, 2, 0, 3}, {3, 2, 1, 1.25}, kZero, kZero},
      {16, 5, 4, 17.75}, "all");

  // o-a3 alone, at 03-08 00:00: 1 event, 1 device, no install, no revenue.
  Stats next = GetStats("from=2025-03-08&to=2025-03-08");
  EXPECT_EQ(next.all.dates, std::vector<std::string>{"2025-03-08"});
  ExpectSeries(next.all, {{1, 1, 0, 0}}, {1, 1, 0, 0}, "03-08");
  // Nothing before March: one zero row per day.
  Stats before = GetStats("from=2025-02-27&to=2025-02-28");
  EXPECT_EQ(before.all.dates, (std::vector<std::string>{"2025-02-27", "2025-02-28"}));
  ExpectSeries(before.all, {kZero, kZero}, kZero, "february");
}

TEST_F(StatsE2eTest, EventsBeforeAnInstallMoveFromOrganicToItsChannel) {
  PostAll();
  // 03-03..03-04 before i-a4: a4 has no install, so its 3 events of 03-04
  // (revenue 3) are "(organic)", with i-a3 and p-a3 (2) of 03-03; r-a1 (-4)
  // and ri-a1 are google's (a1 installed from c-a1).
  const std::string range = "from=2025-03-03&to=2025-03-04&group_by=source";
  const GroupWant google{{{1, 1, 0, -4}, {1, 1, 0, 0}}, {2, 1, 0, -4}};
  ExpectGroups(GetStats(range), "source",
               {{"(organic)", {{{2, 1, 1, 2}, {3, 1, 0, 3}}, {5, 2, 1, 5}}}, {"google", google}});

  PostA4Install();
  // Now they are tiktok's; "(organic)" keeps a4 in its device count of 03-04
  // only: 0 events there, devices a3 + a4 over the range.
  Stats late = GetStats(range);
  ExpectGroups(late, "source",
               {{"(organic)", {{{2, 1, 1, 2}, {0, 1, 0, 0}}, {2, 2, 1, 2}}},
                {"google", google},
                {"tiktok", {{kZero, {3, 1, 0, 3}}, {3, 1, 0, 3}}}});
  ExpectSeries(late.all, {{3, 2, 1, -2}, {4, 2, 0, 3}}, {7, 3, 1, 1}, "03-03..03-04");
  // On 03-04 alone "(organic)" has no events left: no group.
  ExpectGroups(
      GetStats("from=2025-03-04&to=2025-03-04&group_by=source"), "source",
      {{"google", {{{1, 1, 0, 0}}, {1, 1, 0, 0}}}, {"tiktok", {{{3, 1, 0, 3}}, {3, 1, 0, 3}}}});
}

// The channel of every event, by its device's first install:
//   google (camp_g):  c-a1 i-a1 (03-01), p-a1 (03-02), r-a1 (03-03), ri-a1 (03-04)
//   meta (camp_m):    i-a2 p-a2 (03-02)
//   tiktok ((none)):  c-a4 o-a4 p-a4 (03-04, moved), i-a4 (03-05)
//   (organic):        w-click (no device, 03-02), i-a3 p-a3 (03-03), m-a5 p-a5
//                     (03-05, a5 never installs); its device counts also keep
//                     a1 on 03-01 (c-a1 came before i-a1) and a4 on 03-04.
TEST_F(StatsE2eTest, GroupedBySourceCampaignAndEventType) {
  PostAll();
  PostA4Install();
  const std::string range = "from=2025-03-01&to=2025-03-07&group_by=";
  const GroupWant google{
      {{2, 1, 1, 0}, {1, 1, 0, 10}, {1, 1, 0, -4}, {1, 1, 0, 0}, kZero, kZero, kZero},
      {5, 1, 1, 6}};  // 10 - 4
  const GroupWant meta{{kZero, {2, 1, 1, 5.5}, kZero, kZero, kZero, kZero, kZero}, {2, 1, 1, 5.5}};
  const GroupWant tiktok{{kZero, kZero, kZero, {3, 1, 0, 3}, {1, 1, 1, 0}, kZero, kZero},
                         {4, 1, 1, 3}};
  const GroupWant organic{
      {{0, 1, 0, 0}, {1, 0, 0, 0}, {2, 1, 1, 2}, {0, 1, 0, 0}, {2, 1, 0, 1.25}, kZero, kZero},
      {5, 4, 1, 3.25}};  // devices a1 a3 a4 a5; revenue 2 + 1.25

  Stats by_source = GetStats(range + "source");
  ExpectSeries(
      by_source.all,
      {{2, 1, 1, 0}, {4, 2, 1, 15.5}, {3, 2, 1, -2}, {4, 2, 0, 3}, {3, 2, 1, 1.25}, kZero, kZero},
      {16, 5, 4, 17.75}, "all with group_by");
  ExpectGroups(by_source, "source",
               {{"google", google}, {"meta", meta}, {"tiktok", tiktok}, {"(organic)", organic}});

  ExpectGroups(GetStats(range + "campaign"), "campaign",
               {{"camp_g", google}, {"camp_m", meta}, {"(none)", tiktok}, {"(organic)", organic}});

  // click: c-a1 (03-01), w-click (03-02, no device), c-a4 (03-04)
  // install: i-a1, i-a2, i-a3, ri-a1 (a reinstall: an event, not an install), i-a4
  // purchase: p-a1 + p-a2 = 15.5 (03-02), p-a3 2, p-a4 3, p-a5 1.25 -> 21.75
  ExpectGroups(
      GetStats(range + "event_type"), "event_type",
      {{"click",
        {{{1, 1, 0, 0}, {1, 0, 0, 0}, kZero, {1, 1, 0, 0}, kZero, kZero, kZero}, {3, 2, 0, 0}}},
       {"install",
        {{{1, 1, 1, 0}, {1, 1, 1, 0}, {1, 1, 1, 0}, {1, 1, 0, 0}, {1, 1, 1, 0}, kZero, kZero},
         {5, 4, 4, 0}}},
       {"purchase",
        {{kZero, {2, 2, 0, 15.5}, {1, 1, 0, 2}, {1, 1, 0, 3}, {1, 1, 0, 1.25}, kZero, kZero},
         {5, 5, 0, 21.75}}},
       {"refund", {{kZero, kZero, {1, 1, 0, -4}, kZero, kZero, kZero, kZero}, {1, 1, 0, -4}}},
       {"open", {{kZero, kZero, kZero, {1, 1, 0, 0}, kZero, kZero, kZero}, {1, 1, 0, 0}}},
       {"impression", {{kZero, kZero, kZero, kZero, {1, 1, 0, 0}, kZero, kZero}, {1, 1, 0, 0}}}});

  // A range with no events has no groups.
  Stats empty = GetStats("from=2025-03-06&to=2025-03-07&group_by=source");
  EXPECT_EQ(empty.group_by, "source");
  EXPECT_TRUE(empty.groups.empty());
}

TEST_F(StatsE2eTest, BadParametersAre400sNamingTheParameter) {
  const std::string path = "/v1/apps/" + app_id_ + "/stats?";
  ExpectBadParameter(path + "group_by=medium", "group_by");
  ExpectBadParameter(path + "group_by=", "group_by");
  ExpectBadParameter(path + "from=2025-03-10&to=2025-03-01", "from");
  ExpectBadParameter(path + "from=2025-3-01", "from");
  ExpectBadParameter(path + "to=2025-02-29", "to");  // 2025 is not a leap year
  EXPECT_EQ(Call("GET", path, {}).status, 401);
  EXPECT_EQ(Admin("GET", "/v1/apps/app_nope/stats").status, 404);
}

// The cohort dataset:
//
// b1: click google/camp_g1 and a purchase of 100 on 02-28 (earlier request);
//     install 03-01 10:00 (deterministic google/camp_g1), purchase 1 (day 0),
//     open 03-02 (day 1), purchase 2 03-04 (day 3). The 100 is before its
//     install day: not in the cohort.
// b2: click google/camp_g2, install 03-01 12:00. Nothing else.
// b3: organic install 03-01 13:00, purchase 4 on 03-02 (day 1), open 03-03
//     (day 2).
// b4: click meta/camp_m 03-02 08:00 (earlier request), install 03-02 09:00,
//     purchase 0.5 (day 0), purchase 1.5 on 03-05 (day 3).
// b5: organic install 03-02 10:00.
// b6: purchase 0.25 03-02 08:30 and click google/camp_g1 10:00 (earlier
//     request), install 03-02 11:00, open 03-03 (day 1).
// b7: click unity (no campaign) 03-02 12:00, install 13:00. Nothing else.

class CohortE2eTest : public ReportsE2eTest {
 protected:
  void SetUp() override {
    ReportsE2eTest::SetUp();
    Post({
        Ev("b1-click", "click", At(0, 20) /* 02-28 */, "b1",
           R"("source":"google","campaign":"camp_g1")"),
        Ev("b1-early", "purchase", At(0, 21), "b1", R"("revenue":100)"),
        Ev("b4-click", "click", At(2, 8), "b4", R"("source":"meta","campaign":"camp_m")"),
        Ev("b6-early", "purchase", At(2, 8, 30), "b6", R"("revenue":0.25)"),
        Ev("b6-click", "click", At(2, 10), "b6", R"("source":"google","campaign":"camp_g1")"),
    });
    Post({
        Ev("b1-install", "install", At(1, 10), "b1"),
        Ev("b1-buy", "purchase", At(1, 11), "b1", R"("revenue":1)"),
        Ev("b2-click", "click", At(1, 11), "b2", R"("source":"google","campaign":"camp_g2")"),
        Ev("b2-install", "install", At(1, 12), "b2"),
        Ev("b3-install", "install", At(1, 13), "b3"),
        Ev("b1-open", "open", At(2, 7), "b1"),
        Ev("b3-buy", "purchase", At(2, 8), "b3", R"("revenue":4)"),
        Ev("b4-install", "install", At(2, 9), "b4"),
        Ev("b4-buy", "purchase", At(2, 9, 30), "b4", R"("revenue":0.5)"),
        Ev("b5-install", "install", At(2, 10), "b5"),
        Ev("b6-install", "install", At(2, 11), "b6"),
        Ev("b7-click", "click", At(2, 12), "b7", R"("source":"unity")"),
        Ev("b7-install", "install", At(2, 13), "b7"),
        Ev("b3-open", "open", At(3, 6), "b3"),
        Ev("b6-open", "open", At(3, 7), "b6"),
        Ev("b1-buy2", "purchase", At(4, 12), "b1", R"("revenue":2)"),
        Ev("b4-buy2", "purchase", At(5, 12), "b4", R"("revenue":1.5)"),
    });
  }
};

// Rows by (install day, channel); cells {day, active, share, revenue} for
// days 0,1,2,3,30 (revenue cumulative).
// 03-01 (organic) b3:        d0 1; d1 1 (4); d2 1 (4); d3 0 (4); d30 0 (4)
// 03-01 google b1 b2:        d0 2 (1); d1 b1 (1); d2 0 (1); d3 b1 (1 + 2 = 3); d30 0 (3)
// 03-02 (organic) b5:        d0 1; then 0, revenue 0
// 03-02 google b6:           d0 1 (0.25, its early purchase); d1 1 (0.25); then 0 (0.25)
// 03-02 meta b4:             d0 1 (0.5; its click and install are one active device);
//                            d1 0 (0.5); d2 0 (0.5); d3 1 (0.5 + 1.5 = 2); d30 0 (2)
// 03-02 unity b7:            d0 1; then 0, revenue 0 (campaign "(none)")
const std::vector<CohortRow> kOrganicRows = {
    {"2025-03-01",
     "(organic)",
     1,
     {{0, 1, 1, 0}, {1, 1, 1, 4}, {2, 1, 1, 4}, {3, 0, 0, 4}, {30, 0, 0, 4}}},
    {"2025-03-02",
     "(organic)",
     1,
     {{0, 1, 1, 0}, {1, 0, 0, 0}, {2, 0, 0, 0}, {3, 0, 0, 0}, {30, 0, 0, 0}}},
};
const CohortRow kGoogle0301 = {
    "2025-03-01",
    "google",
    2,
    {{0, 2, 1, 1}, {1, 1, 0.5, 1}, {2, 0, 0, 1}, {3, 1, 0.5, 3}, {30, 0, 0, 3}}};
const std::vector<Cell> kB6Cells = {
    {0, 1, 1, 0.25}, {1, 1, 1, 0.25}, {2, 0, 0, 0.25}, {3, 0, 0, 0.25}, {30, 0, 0, 0.25}};
const std::vector<Cell> kB7Cells = {
    {0, 1, 1, 0}, {1, 0, 0, 0}, {2, 0, 0, 0}, {3, 0, 0, 0}, {30, 0, 0, 0}};
const std::vector<Cell> kB4Cells = {
    {0, 1, 1, 0.5}, {1, 0, 0, 0.5}, {2, 0, 0, 0.5}, {3, 1, 1, 2}, {30, 0, 0, 2}};

TEST_F(CohortE2eTest, BySource) {
  Cohorts c = GetCohorts("from=2025-03-01&to=2025-03-02&group_by=source&days=0,1,2,3,30");
  EXPECT_EQ(c.group_by, "source");
  EXPECT_EQ(c.days, (std::vector<int64_t>{0, 1, 2, 3, 30}));
  ExpectCohortRows(c.rows,
                   {kOrganicRows[0],
                    kGoogle0301,
                    kOrganicRows[1],
                    {"2025-03-02", "google", 1, kB6Cells},
                    {"2025-03-02", "meta", 1, kB4Cells},
                    {"2025-03-02", "unity", 1, kB7Cells}},
                   "by source");
}

TEST_F(CohortE2eTest, ByCampaign) {
  // camp_g1 on 03-01 is b1 alone: d0 1 (1), d1 1 (1), d2 0 (1), d3 1 (3);
  // camp_g2 is b2: active on day 0 only, no revenue.
  Cohorts c = GetCohorts("from=2025-03-01&to=2025-03-02&group_by=campaign&days=0,1,2,3,30");
  EXPECT_EQ(c.group_by, "campaign");
  ExpectCohortRows(c.rows,
                   {kOrganicRows[0],
                    {"2025-03-01",
                     "camp_g1",
                     1,
                     {{0, 1, 1, 1}, {1, 1, 1, 1}, {2, 0, 0, 1}, {3, 1, 1, 3}, {30, 0, 0, 3}}},
                    {"2025-03-01",
                     "camp_g2",
                     1,
                     {{0, 1, 1, 0}, {1, 0, 0, 0}, {2, 0, 0, 0}, {3, 0, 0, 0}, {30, 0, 0, 0}}},
                    {"2025-03-02", "(none)", 1, kB7Cells},  // "(n" sorts before "(o"
                    kOrganicRows[1],
                    {"2025-03-02", "camp_g1", 1, kB6Cells},
                    {"2025-03-02", "camp_m", 1, kB4Cells}},
                   "by campaign");
}

TEST_F(CohortE2eTest, RangeDaysListAndDefaults) {
  // Only install day 03-02; days=2,0,2,1 is [0, 1, 2].
  Cohorts c = GetCohorts("from=2025-03-02&to=2025-03-02&days=2,0,2,1");
  EXPECT_EQ(c.group_by, "source");  // the default
  EXPECT_EQ(c.days, (std::vector<int64_t>{0, 1, 2}));
  ExpectCohortRows(c.rows,
                   {{"2025-03-02", "(organic)", 1, {{0, 1, 1, 0}, {1, 0, 0, 0}, {2, 0, 0, 0}}},
                    {"2025-03-02", "google", 1, {kB6Cells[0], kB6Cells[1], kB6Cells[2]}},
                    {"2025-03-02", "meta", 1, {kB4Cells[0], kB4Cells[1], kB4Cells[2]}},
                    {"2025-03-02", "unity", 1, {kB7Cells[0], kB7Cells[1], kB7Cells[2]}}},
                   "03-02");

  // Default days 0,1,3,7,14,30; b1 bought on day 3 only after day 1.
  Cohorts d = GetCohorts("from=2025-03-01&to=2025-03-01");
  EXPECT_EQ(d.days, (std::vector<int64_t>{0, 1, 3, 7, 14, 30}));
  ExpectCohortRows(
      d.rows,
      {{"2025-03-01",
        "(organic)",
        1,
        {{0, 1, 1, 0}, {1, 1, 1, 4}, {3, 0, 0, 4}, {7, 0, 0, 4}, {14, 0, 0, 4}, {30, 0, 0, 4}}},
       {"2025-03-01",
        "google",
        2,
        {{0, 2, 1, 1},
         {1, 1, 0.5, 1},
         {3, 1, 0.5, 3},
         {7, 0, 0, 3},
         {14, 0, 0, 3},
         {30, 0, 0, 3}}}},
      "03-01 default days");

  // Day 365 is allowed, and no install day before March has a row (b1's
  // 02-28 events are not an install).
  Cohorts e = GetCohorts("from=2025-02-01&to=2025-02-28&days=365");
  EXPECT_EQ(e.days, std::vector<int64_t>{365});
  EXPECT_TRUE(e.rows.empty());
}

TEST_F(CohortE2eTest, BadParametersAre400sNamingTheParameter) {
  const std::string path = "/v1/apps/" + app_id_ + "/cohorts?";
  for (const char* days : {"366", "-1", "a", "", "1,,2", "1,", "2.5", "0x1"}) {
    ExpectBadParameter(path + "days=" + days, "days");
  }
  std::string thirty_one, thirty_with_repeats;
  for (int n = 0; n <= 30; ++n) thirty_one += (n ? "," : "") + std::to_string(n);
  for (int n = 0; n < 30; ++n) thirty_with_repeats += std::to_string(n) + ",";
  thirty_with_repeats += "0";  // 31 items, 30 distinct
  ExpectBadParameter(path + "days=" + thirty_one, "days");
  EXPECT_EQ(Admin("GET", path + "days=" + thirty_with_repeats).status, 200);
  ExpectBadParameter(path + "group_by=event_type", "group_by");
  ExpectBadParameter(path + "from=2025-03-02&to=2025-03-01", "from");
  ExpectBadParameter(path + "to=2025-13-01", "to");
  EXPECT_EQ(Call("GET", path, {}).status, 401);
  EXPECT_EQ(Admin("GET", "/v1/apps/app_nope/cohorts").status, 404);
}

// Cohorts of yesterday and today (UTC, from the clock the server reads too):
//   f1: organic install yesterday 12:00, purchase 2.5 today 00:00 (day 1)
//   g1: click google yesterday 11:00, install yesterday 11:30
//   t1: organic install today 00:00
// Yesterday + 1 is today: observable; yesterday + 2 is not yet: null. For
// today's row, day 1 is tomorrow: null.
TEST_F(ReportsE2eTest, CohortDaysAfterTodayAreNull) {
  const int64_t today = SystemClock::Instance().NowMs() / kDay;
  const int64_t yesterday_ms = (today - 1) * kDay;
  const int64_t today_ms = today * kDay;
  Post({
      Ev("g1-click", "click", yesterday_ms + 11 * kHour, "g1", R"("source":"google")"),
      Ev("f1-install", "install", yesterday_ms + 12 * kHour, "f1"),
      Ev("g1-install", "install", yesterday_ms + 11 * kHour + 30 * kMinute, "g1"),
      Ev("f1-buy", "purchase", today_ms, "f1", R"("revenue":2.5)"),
      Ev("t1-install", "install", today_ms, "t1"),
  });
  const std::string y = api::FormatDay(today - 1), t = api::FormatDay(today);
  Cohorts c = GetCohorts("from=" + y + "&to=" + t + "&days=0,1,2,7");
  Cohorts by_default = GetCohorts("days=0,1,2,7");  // the 30 days ending today
  if (SystemClock::Instance().NowMs() / kDay != today)
    GTEST_SKIP() << "the UTC day changed during the test";
  const std::vector<CohortRow> want = {
      {y, "(organic)", 1, {{0, 1, 1, 0}, {1, 1, 1, 2.5}, Null(2), Null(7)}},
      {y, "google", 1, {{0, 1, 1, 0}, {1, 0, 0, 0}, Null(2), Null(7)}},
      {t, "(organic)", 1, {{0, 1, 1, 0}, Null(1), Null(2), Null(7)}},
  };
  ExpectCohortRows(c.rows, want, "yesterday and today");
  ExpectCohortRows(by_default.rows, want, "default range");
}

// The export dataset:
//
// Request A: x-late (03-03 23:59:59.999), x-next (03-04 00:00), x-before
// (02-28 23:59:59.999), x-first (03-01 00:00, a web click whose user agent and
// campaign hold a comma and quotes), x-full (03-03 12:00, every field),
// x-tie-a (03-02 06:00).
// Request B: x-tie-b (03-02 06:00, same time as x-tie-a, received later),
// x-early (03-02 01:00), x-full again, x-neg (03-03 12:00, same time as
// x-full, received later).
// 03-01..03-03 in (timestamp, arrival) order: x-first, x-early, x-tie-a,
// x-tie-b, x-full, x-neg, x-late -- 7 events; x-before and x-next are out.

constexpr int64_t kLate = kMar1 + 3 * kDay - 1;  // 2025-03-03T23:59:59.999Z
constexpr int64_t kNext = kMar1 + 3 * kDay;      // 2025-03-04T00:00:00Z
constexpr int64_t kBefore = kMar1 - 1;           // 2025-02-28T23:59:59.999Z
constexpr int64_t kFull = At(3, 12);             // 2025-03-03T12:00:00Z
constexpr int64_t kTie = At(2, 6);
constexpr int64_t kEarly = At(2, 1);
const std::string kFullEvent = Ev(
    "x-full", "purchase", kFull, "dx2",
    R"("user_id":"user-7","ip":"198.51.100.4","user_agent":"UA-2","source":"s","medium":"m",)"
    R"("campaign":"c","revenue":9.99,"currency":"USD","properties":{"plan":"gold","tags":["a","b"],"n":2})");

class ExportE2eTest : public ReportsE2eTest {
 protected:
  void SetUp() override {
    ReportsE2eTest::SetUp();
    sent_from_ = SystemClock::Instance().NowMs();
    Post({
        Ev("x-late", "open", kLate, "dx1"),
        Ev("x-next", "open", kNext, "dx1"),
        Ev("x-before", "open", kBefore, "dx1"),
        Ev("x-first", "click", kMar1, "",
           R"j("ip":"203.0.113.9","user_agent":"Mozilla/5.0 (Windows, \"NT\")","source":"google",)j"
           R"("medium":"cpc","campaign":"spring, \"sale\"")"),
        kFullEvent,
        Ev("x-tie-a", "open", kTie, "dx2"),
    });
    Post({
        Ev("x-tie-b", "open", kTie, "dx3"),
        Ev("x-early", "install", kEarly, "dx3"),
        kFullEvent,
        Ev("x-neg", "refund", kFull, "dx2", R"("revenue":-2.5,"currency":"EUR")"),
    });
    sent_to_ = SystemClock::Instance().NowMs();
  }
  int64_t sent_from_ = 0, sent_to_ = 0;
};

TEST_F(ExportE2eTest, NdjsonInTimeThenArrivalOrder) {
  ClientResponse r = Get("/events/export?from=2025-03-01&to=2025-03-03&format=ndjson");
  EXPECT_EQ(r.Header("Transfer-Encoding"), "chunked");
  std::vector<std::string> lines = Lines(r.body);
  ASSERT_EQ(lines.size(), 7u) << r.body;
  EXPECT_EQ(EventIds(r.body), (std::vector<std::string>{"x-first", "x-early", "x-tie-a", "x-tie-b",
                                                        "x-full", "x-neg", "x-late"}));

  // Each line is the stored event; only received_ms is the server's (checked
  // against the wall clock around the requests).
  simdjson::dom::parser parser;
  auto expect_line = [&](const std::string& line, const std::string& before_received,
                         const std::string& after_received) {
    int64_t received = parser.parse(line)["received_ms"].get_int64();
    EXPECT_GE(received, sent_from_);
    EXPECT_LE(received, sent_to_);
    EXPECT_EQ(line, before_received + std::to_string(received) + after_received);
  };
  const std::string app = "\"app_id\":\"" + app_id_ + "\"";
  expect_line(lines[0],
              "{\"event_id\":\"x-first\"," + app +
                  ",\"event_type\":\"click\",\"timestamp\":1740787200000,\"received_ms\":",
              R"j(,"ip":"203.0.113.9","user_agent":"Mozilla/5.0 (Windows, \"NT\")",)j"
              R"("source":"google","medium":"cpc","campaign":"spring, \"sale\"","revenue":0})");
  expect_line(lines[4],
              "{\"event_id\":\"x-full\"," + app + ",\"event_type\":\"purchase\",\"timestamp\":" +
                  std::to_string(kFull) + ",\"received_ms\":",
              R"(,"device_id":"dx2","user_id":"user-7","ip":"198.51.100.4","user_agent":"UA-2",)"
              R"("source":"s","medium":"m","campaign":"c","revenue":9.99,"currency":"USD",)"
              R"("properties":{"plan":"gold","tags":["a","b"],"n":2}})");
  expect_line(lines[5],
              "{\"event_id\":\"x-neg\"," + app + ",\"event_type\":\"refund\",\"timestamp\":" +
                  std::to_string(kFull) + ",\"received_ms\":",
              R"(,"device_id":"dx2","revenue":-2.5,"currency":"EUR"})");
  expect_line(lines[6],
              "{\"event_id\":\"x-late\"," + app + ",\"event_type\":\"open\",\"timestamp\":" +
                  std::to_string(kLate) + ",\"received_ms\":",
              R"(,"device_id":"dx1","revenue":0})");

  // The same objects as the device endpoint shows.
  auto device = Get("/devices/dx2");
  simdjson::dom::parser device_parser;
  simdjson::dom::element doc = device_parser.parse(device.body);
  std::vector<std::string> shown;
  for (simdjson::dom::element e : doc["events"].get_array()) shown.push_back(simdjson::minify(e));
  EXPECT_EQ(shown, (std::vector<std::string>{lines[2], lines[4], lines[5]}));

  // One day either side: x-before first, x-next last.
  EXPECT_EQ(EventIds(Export("from=2025-02-28&to=2025-03-04")),
            (std::vector<std::string>{"x-before", "x-first", "x-early", "x-tie-a", "x-tie-b",
                                      "x-full", "x-neg", "x-late", "x-next"}));
  EXPECT_EQ(EventIds(Export("from=2025-03-04&to=2025-03-04")), std::vector<std::string>{"x-next"});
  EXPECT_EQ(EventIds(Export("from=2025-02-28&to=2025-02-28")),
            std::vector<std::string>{"x-before"});
  EXPECT_EQ(Export("from=2025-03-05&to=2025-03-09"), "");
}

TEST_F(ExportE2eTest, CsvQuotesFieldsAndKeepsTheOrder) {
  ClientResponse r = Get("/events/export?from=2025-03-01&to=2025-03-03&format=csv");
  EXPECT_EQ(r.Header("Content-Type"), "text/csv; charset=utf-8");
  EXPECT_EQ(r.Header("Transfer-Encoding"), "chunked");
  const std::string& a = app_id_;
  const std::string early = std::to_string(kEarly), tie = std::to_string(kTie),
                    full = std::to_string(kFull);
  // app_id,event_id,event_type,timestamp,device_id,user_id,ip,user_agent,
  // source,medium,campaign,revenue,currency,properties
  std::string want =
      "app_id,event_id,event_type,timestamp,device_id,user_id,ip,user_agent,source,medium,"
      "campaign,revenue,currency,properties\r\n" +
      CsvRow({a, "x-first", "click", "1740787200000", "", "", "203.0.113.9",
              R"j("Mozilla/5.0 (Windows, ""NT"")")j", "google", "cpc", R"("spring, ""sale""")", "0",
              "", ""}) +
      CsvRow({a, "x-early", "install", early, "dx3", "", "", "", "", "", "", "0", "", ""}) +
      CsvRow({a, "x-tie-a", "open", tie, "dx2", "", "", "", "", "", "", "0", "", ""}) +
      CsvRow({a, "x-tie-b", "open", tie, "dx3", "", "", "", "", "", "", "0", "", ""}) +
      CsvRow({a, "x-full", "purchase", full, "dx2", "user-7", "198.51.100.4", "UA-2", "s", "m", "c",
              "9.99", "USD", R"("{""plan"":""gold"",""tags"":[""a"",""b""],""n"":2}")"}) +
      CsvRow({a, "x-neg", "refund", full, "dx2", "", "", "", "", "", "", "-2.5", "EUR", ""}) +
      CsvRow(
          {a, "x-late", "open", std::to_string(kLate), "dx1", "", "", "", "", "", "", "0", "", ""});
  EXPECT_EQ(r.body, want);

  // Only the header when nothing is in range.
  EXPECT_EQ(Export("from=2025-03-05&to=2025-03-05&format=csv"),
            "app_id,event_id,event_type,timestamp,device_id,user_id,ip,user_agent,source,medium,"
            "campaign,revenue,currency,properties\r\n");
}

// Properties sent pretty-printed (JSON whitespace, newlines included, inside
// the object) still make one NDJSON line per event.
TEST_F(ReportsE2eTest, PrettyPrintedPropertiesStayOnOneNdjsonLine) {
  std::string event = Ev("x-pretty", "purchase", At(5, 12), "dp",
                         "\"properties\": {\n  \"plan\": \"gold\",\n  \"n\": 2\n}");
  ASSERT_EQ(Ingest("/v1/events", event).status, 202);
  WaitForPipeline();
  std::string ndjson = Export("from=2025-03-05&to=2025-03-05");
  std::vector<std::string> lines = Lines(ndjson);
  ASSERT_EQ(lines.size(), 1u) << ndjson;
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  ASSERT_EQ(parser.parse(lines[0]).get(doc), simdjson::SUCCESS) << lines[0];
  EXPECT_EQ(doc["properties"]["plan"].get_string().value(), "gold");
  EXPECT_EQ(doc["properties"]["n"].get_int64().value(), 2);
}

TEST_F(ExportE2eTest, BadParametersAre400sNamingTheParameter) {
  const std::string path = "/v1/apps/" + app_id_ + "/events/export?";
  ExpectBadParameter(path + "format=xml", "format");
  ExpectBadParameter(path + "format=", "format");
  ExpectBadParameter(path + "format=json", "format");
  ExpectBadParameter(path + "from=2025-03-03&to=2025-03-01", "from");
  ExpectBadParameter(path + "to=yesterday", "to");
  EXPECT_EQ(Call("GET", path, {}).status, 401);
  EXPECT_EQ(Admin("GET", "/v1/apps/app_nope/events/export").status, 404);
}

// 20,000 opens in two requests of 10,000: the first has the even i, the
// second the odd i; i = 2k and 2k+1 share the timestamp 03-01 00:00 + k s, so
// (timestamp, arrival) order is i = 0, 1, 2, ... The export is ~3 MB: many
// chunks on the wire.
TEST_F(ReportsE2eTest, BigExportArrivesCompleteInManyChunks) {
  constexpr int kEvents = 20'000;
  auto id = [](int i) { return "big-" + std::to_string(i); };
  for (int parity = 0; parity < 2; ++parity) {
    std::vector<std::string> events;
    for (int i = parity; i < kEvents; i += 2) {
      events.push_back(Ev(id(i), "open", kMar1 + (i / 2) * 1000, "bd-" + std::to_string(i % 100)));
    }
    Post(events);
  }

  const std::string target = App() + "/events/export?from=2025-03-01&to=2025-03-01";
  WireResponse wire = WireGet(service_->port(), target);
  ASSERT_TRUE(wire.complete) << wire.head;
  EXPECT_NE(wire.head.find("Transfer-Encoding: chunked\r\n"), std::string::npos) << wire.head;
  EXPECT_NE(wire.head.find("HTTP/1.1 200"), std::string::npos) << wire.head;
  EXPECT_GT(wire.body.size(), 20u * 64 * 1024);
  EXPECT_GE(wire.chunk_sizes.size(), wire.body.size() / (128 * 1024)) << "not streamed in pieces";
  std::vector<std::string> ids = EventIds(wire.body);
  ASSERT_EQ(ids.size(), static_cast<size_t>(kEvents));
  for (int i = 0; i < kEvents; ++i) {
    ASSERT_EQ(ids[i], id(i)) << "line " << i;
  }
  // The client joins the same chunks into the same body.
  EXPECT_EQ(Get("/events/export?from=2025-03-01&to=2025-03-01").body, wire.body);

  std::string csv = Export("from=2025-03-01&to=2025-03-01&format=csv");
  std::vector<std::string> rows = Lines(csv, "\r\n");
  ASSERT_EQ(rows.size(), static_cast<size_t>(kEvents) + 1);  // and the header
  EXPECT_EQ(rows[1], app_id_ + ",big-0,open,1740787200000,bd-0,,,,,,,0,,");
  EXPECT_EQ(rows[kEvents],
            app_id_ + ",big-19999,open," + std::to_string(kMar1 + 9'999'000) + ",bd-99,,,,,,,0,,");
}

// The erasure dataset:
//
// kErased ("erase-me-1", "E" below): an open on 03-01 08:00 sent before the
// rest (so it starts "(organic)" and moves), click google/camp_e 09:00,
// install 10:00 (deterministic google/camp_e), purchase 7 at 11:00 (day 0),
// purchase 3 on 03-02 10:00 (day 1).
// e2: click google/camp_g 11:00, install 12:00, purchase 5 at 15:00.
// e3: organic install 03-01 13:00, purchase 1 on 03-02 11:00.
// e4: click meta/camp_m 03-02 08:00, install 09:00.
// Range 03-01..03-02 throughout.

constexpr std::string_view kErased = "erase-me-1";
// printf %s erase-me-1 | sha256sum
constexpr std::string_view kErasedTarget =
    "device_sha256:f8fcba25107ecac60d5a0d455b8839a924900311a78ae15bd9ab7d93f4de5817";
const std::string kRange = "from=2025-03-01&to=2025-03-02";

class ErasureE2eTest : public ReportsE2eTest {
 protected:
  void SetUp() override {
    ReportsE2eTest::SetUp();
    const std::string e(kErased);
    Post({Ev("o-e", "open", At(1, 8), e)});
    Post({
        Ev("c-e", "click", At(1, 9), e, R"("source":"google","campaign":"camp_e")"),
        Ev("i-e", "install", At(1, 10), e),
        Ev("p1-e", "purchase", At(1, 11), e, R"("revenue":7)"),
        Ev("c-e2", "click", At(1, 11), "e2", R"("source":"google","campaign":"camp_g")"),
        Ev("i-e2", "install", At(1, 12), "e2"),
        Ev("i-e3", "install", At(1, 13), "e3"),
        Ev("p-e2", "purchase", At(1, 15), "e2", R"("revenue":5)"),
        Ev("c-e4", "click", At(2, 8), "e4", R"("source":"meta","campaign":"camp_m")"),
        Ev("i-e4", "install", At(2, 9), "e4"),
        Ev("p2-e", "purchase", At(2, 10), e, R"("revenue":3)"),
        Ev("p-e3", "purchase", At(2, 11), "e3", R"("revenue":1)"),
    });
  }

  // Stops the server, moves the state store away and starts again: the
  // pipeline rebuilds it from the event log.
  void RebuildStateFromLog() {
    client_.reset();
    service_.reset();
    fs::rename(dir_ / "state", dir_ / "state.old");
    StartServer();
    WaitForPipeline();
  }

  ClientResponse Erase(std::string_view device, std::string_view app = {}) {
    return Admin("DELETE", "/v1/apps/" + std::string(app.empty() ? app_id_ : app) + "/devices/" +
                               std::string(device));
  }

  // Before the erasure (and after erasing a device that does not exist):
  //   03-01: o-e c-e i-e p1-e c-e2 i-e2 i-e3 p-e2  8 events, E e2 e3, 3 installs, 7 + 5 = 12
  //   03-02: c-e4 i-e4 p2-e p-e3                   4 events, e4 E e3, 1 install, 3 + 1 = 4
  void ExpectBefore() {
    Stats all = GetStats(kRange);
    ExpectSeries(all.all, {{8, 3, 3, 12}, {4, 3, 1, 4}}, {12, 4, 4, 16}, "all before");
    // google: E's 5 events (03-01: 4 + e2's 3) and e2's. "(organic)": i-e3,
    // p-e3, and in its device counts every device whose first event came
    // before its install: E (o-e) and e2 (c-e2) on 03-01, e4 (c-e4) on 03-02.
    const GroupWant organic{{{1, 3, 1, 0}, {1, 2, 0, 1}}, {2, 4, 1, 1}};
    const GroupWant meta{{kZero, {2, 1, 1, 0}}, {2, 1, 1, 0}};
    ExpectGroups(GetStats(kRange + "&group_by=source"), "source",
                 {{"google", {{{7, 2, 2, 12}, {1, 1, 0, 3}}, {8, 2, 2, 15}}},
                  {"(organic)", organic},
                  {"meta", meta}});
    ExpectGroups(GetStats(kRange + "&group_by=campaign"), "campaign",
                 {{"camp_e", {{{4, 1, 1, 7}, {1, 1, 0, 3}}, {5, 1, 1, 10}}},
                  {"camp_g", {{{3, 1, 1, 5}, kZero}, {3, 1, 1, 5}}},
                  {"(organic)", organic},
                  {"camp_m", meta}});
    ExpectGroups(GetStats(kRange + "&group_by=event_type"), "event_type",
                 {{"open", {{{1, 1, 0, 0}, kZero}, {1, 1, 0, 0}}},
                  {"click", {{{2, 2, 0, 0}, {1, 1, 0, 0}}, {3, 3, 0, 0}}},
                  {"install", {{{3, 3, 3, 0}, {1, 1, 1, 0}}, {4, 4, 4, 0}}},
                  {"purchase", {{{2, 2, 0, 12}, {2, 2, 0, 4}}, {4, 3, 0, 16}}}});

    // google 03-01 = E + e2: d0 both (7 + 5 = 12), d1 E (12 + 3 = 15).
    ExpectCohortRows(GetCohorts(kRange + "&days=0,1").rows,
                     {{"2025-03-01", "(organic)", 1, {{0, 1, 1, 0}, {1, 1, 1, 1}}},
                      {"2025-03-01", "google", 2, {{0, 2, 1, 12}, {1, 1, 0.5, 15}}},
                      {"2025-03-02", "meta", 1, {{0, 1, 1, 0}, {1, 0, 0, 0}}}},
                     "cohorts before");
    ExpectCohortRows(GetCohorts(kRange + "&days=0,1&group_by=campaign").rows,
                     {{"2025-03-01", "(organic)", 1, {{0, 1, 1, 0}, {1, 1, 1, 1}}},
                      {"2025-03-01", "camp_e", 1, {{0, 1, 1, 7}, {1, 1, 1, 10}}},
                      {"2025-03-01", "camp_g", 1, {{0, 1, 1, 5}, {1, 0, 0, 5}}},
                      {"2025-03-02", "camp_m", 1, {{0, 1, 1, 0}, {1, 0, 0, 0}}}},
                     "cohorts by campaign before");

    // In-app revenue: google 7 + 3 + 5; organic e3's 1.
    ExpectInstalls(GetInstalls(kRange), {{"google", {2, 2, 0, 15}}, {"meta", {1, 1, 0, 0}}}, 1, 1,
                   "installs before");
    ExpectInstalls(GetInstalls(kRange + "&group_by=campaign"),
                   {{"camp_e", {1, 1, 0, 10}}, {"camp_g", {1, 1, 0, 5}}, {"camp_m", {1, 1, 0, 0}}},
                   1, 1, "installs by campaign before");

    // Installs: E [google], e2 [google], e4 [meta], e3 organic.
    ExpectMta(GetMta(kRange + "&model=last"), 4, 0,
              {{"google", {2, 0}}, {"meta", {1, 0}}, {"(organic)", {1, 0}}}, "mta last before");
    // Purchases: p1-e [google] 7, p-e2 [google] 5; p2-e's path is cut by
    // p1-e (c-e is older than it): organic 3; p-e3 organic 1.
    ExpectMta(GetMta(kRange + "&model=last&conversion=purchase"), 4, 16,
              {{"google", {2, 12}}, {"(organic)", {2, 4}}}, "mta purchase before");
    EXPECT_EQ(Lines(Export(kRange)).size(), 12u);
    EXPECT_EQ(Get("/devices/" + std::string(kErased)).status, 200);
  }

  // Without E (its device count may stay: unique_devices is not compared):
  //   03-01: c-e2 i-e2 i-e3 p-e2  4 events, 2 installs, 5
  //   03-02: c-e4 i-e4 p-e3       3 events, 1 install, 1
  // `extra_revenue_0302` is an organic purchase of E's sent after the erasure.
  void ExpectErased(double extra_revenue_0302 = 0, const std::string& what = "erased") {
    const int64_t extra = extra_revenue_0302 != 0 ? 1 : 0;
    const double x = extra_revenue_0302;
    Stats all = GetStats(kRange);
    ExpectSeries(all.all, {{4, kAny, 2, 5}, {3 + extra, kAny, 1, 1 + x}},
                 {7 + extra, kAny, 3, 6 + x}, what + ": all");
    const GroupWant organic{{{1, kAny, 1, 0}, {1 + extra, kAny, 0, 1 + x}},
                            {2 + extra, kAny, 1, 1 + x}};
    const GroupWant google{{{3, kAny, 1, 5}, {0, kAny, 0, 0}}, {3, kAny, 1, 5}};
    const GroupWant meta{{{0, kAny, 0, 0}, {2, kAny, 1, 0}}, {2, kAny, 1, 0}};
    ExpectGroups(GetStats(kRange + "&group_by=source"), "source",
                 {{"google", google}, {"(organic)", organic}, {"meta", meta}});
    ExpectGroups(GetStats(kRange + "&group_by=campaign"), "campaign",
                 {{"camp_g", google}, {"(organic)", organic}, {"camp_m", meta}});
    // "open" had only o-e: its group goes.
    ExpectGroups(GetStats(kRange + "&group_by=event_type"), "event_type",
                 {{"click", {{{1, kAny, 0, 0}, {1, kAny, 0, 0}}, {2, kAny, 0, 0}}},
                  {"install", {{{2, kAny, 2, 0}, {1, kAny, 1, 0}}, {3, kAny, 3, 0}}},
                  {"purchase",
                   {{{1, kAny, 0, 5}, {1 + extra, kAny, 0, 1 + x}}, {2 + extra, kAny, 0, 6 + x}}}});

    // google 03-01 is e2 alone: d0 1 (5), d1 0 (5); camp_e's row goes.
    ExpectCohortRows(GetCohorts(kRange + "&days=0,1").rows,
                     {{"2025-03-01", "(organic)", 1, {{0, 1, 1, 0}, {1, 1, 1, 1}}},
                      {"2025-03-01", "google", 1, {{0, 1, 1, 5}, {1, 0, 0, 5}}},
                      {"2025-03-02", "meta", 1, {{0, 1, 1, 0}, {1, 0, 0, 0}}}},
                     what + ": cohorts");
    ExpectCohortRows(GetCohorts(kRange + "&days=0,1&group_by=campaign").rows,
                     {{"2025-03-01", "(organic)", 1, {{0, 1, 1, 0}, {1, 1, 1, 1}}},
                      {"2025-03-01", "camp_g", 1, {{0, 1, 1, 5}, {1, 0, 0, 5}}},
                      {"2025-03-02", "camp_m", 1, {{0, 1, 1, 0}, {1, 0, 0, 0}}}},
                     what + ": cohorts by campaign");

    ExpectInstalls(GetInstalls(kRange), {{"google", {1, 1, 0, 5}}, {"meta", {1, 1, 0, 0}}}, 1,
                   1 + x, what + ": installs");
    ExpectInstalls(GetInstalls(kRange + "&group_by=campaign"),
                   {{"camp_g", {1, 1, 0, 5}}, {"camp_m", {1, 1, 0, 0}}}, 1, 1 + x,
                   what + ": installs by campaign");

    ExpectMta(GetMta(kRange + "&model=last"), 3, 0,
              {{"google", {1, 0}}, {"meta", {1, 0}}, {"(organic)", {1, 0}}}, what + ": mta last");
    ExpectMta(GetMta(kRange + "&model=linear&group_by=campaign"), 3, 0,
              {{"camp_g", {1, 0}}, {"camp_m", {1, 0}}, {"(organic)", {1, 0}}},
              what + ": mta linear");
    // p-e2 [google] 5, p-e3 organic 1 (and E's new purchase: no touches, organic).
    ExpectMta(GetMta(kRange + "&model=last&conversion=purchase"), 2 + extra, 6 + x,
              {{"google", {1, 5}}, {"(organic)", {1 + extra, 1 + x}}}, what + ": mta purchase");

    std::string ndjson = Export(kRange);
    std::vector<std::string> ids = EventIds(ndjson);
    std::vector<std::string> want = {"c-e2", "i-e2", "i-e3", "p-e2", "c-e4", "i-e4", "p-e3"};
    if (extra) want.insert(want.end() - 1, "p3-e");  // 03-02 10:30, before p-e3 at 11:00
    EXPECT_EQ(ids, want) << what;
    if (!extra) {
      EXPECT_EQ(ndjson.find(kErased), std::string::npos) << what;
      EXPECT_EQ(Export(kRange + "&format=csv").find(kErased), std::string::npos) << what;
      EXPECT_EQ(Admin("GET", App() + "/devices/" + std::string(kErased)).status, 404) << what;
    }
    EXPECT_EQ(Get("/devices/e2").status, 200) << what;
  }
};

TEST_F(ErasureE2eTest, TheErasedDeviceLeavesEveryReport) {
  ExpectBefore();
  EXPECT_EQ(Call("DELETE", App() + "/devices/" + std::string(kErased), {}).status, 401);
  EXPECT_EQ(Erase(kErased, "app_nope").status, 404);
  // An unknown device: 202, and nothing changes.
  EXPECT_EQ(Erase("nobody-here").status, 202);
  ExpectBefore();

  const int64_t asked = SystemClock::Instance().NowMs();
  ClientResponse erased = Erase(kErased);
  ASSERT_EQ(erased.status, 202) << erased.body;
  simdjson::dom::parser parser;
  simdjson::dom::element doc = parser.parse(erased.body);
  EXPECT_EQ(doc["device_id"].get_string().value(), kErased);
  EXPECT_GE(doc["requested_at"].get_int64().value(), asked);
  EXPECT_LE(doc["requested_at"].get_int64().value(), SystemClock::Instance().NowMs());
  ExpectErased();

  ClientResponse audit = Admin("GET", "/v1/audit");
  ASSERT_EQ(audit.status, 200) << audit.body;
  EXPECT_EQ(audit.body.find(kErased), std::string::npos) << audit.body;
  EXPECT_EQ(audit.body.find("nobody-here"), std::string::npos) << audit.body;
  int found = 0;
  for (simdjson::dom::element entry : parser.parse(audit.body)["entries"].get_array()) {
    if (entry["target"].get_string().value() != kErasedTarget) continue;
    ++found;
    EXPECT_EQ(entry["action"].get_string().value(), "device.erase");
    EXPECT_EQ(entry["actor"].get_string().value(), "admin");
    EXPECT_EQ(entry["app_id"].get_string().value(), app_id_);
  }
  EXPECT_EQ(found, 1) << audit.body;

  RestartServer();
  ExpectErased(0, "after a restart");
}

// The state store rebuilt from the log (moved away, then a start): the
// erasure record replays after the device's events.
TEST_F(ErasureE2eTest, AReplayOfTheLogStillExcludesTheDevice) {
  ASSERT_EQ(Erase(kErased).status, 202);
  RebuildStateFromLog();
  ExpectErased(0, "after a replay");
}

// Maintenance wipes the device's records from the log (and the erasure
// record); a replay then never sees them, and copies of its events re-sent
// after the erasure must stay duplicates.
TEST_F(ErasureE2eTest, AReplayOfTheRedactedLogStillExcludesTheDeviceAndItsCopies) {
  ASSERT_EQ(Erase(kErased).status, 202);
  Post({
      Ev("p1-e", "purchase", At(1, 11), std::string(kErased), R"("revenue":7)"),
      Ev("i-e", "install", At(1, 10), std::string(kErased)),
  });
  ExpectErased(0, "copies re-sent");
  ClientResponse maintained = Admin("POST", "/v1/maintenance");
  ASSERT_EQ(maintained.status, 200) << maintained.body;
  simdjson::dom::parser parser;
  // o-e, c-e, i-e, p1-e, p2-e, the erasure record itself, and the two
  // copies of i-e and p1-e re-sent after it: 8.
  EXPECT_EQ(parser.parse(maintained.body)["log_records_redacted"].get_int64().value(), 8)
      << maintained.body;
  ExpectErased(0, "after maintenance");
  RebuildStateFromLog();
  ExpectErased(0, "after a replay of the redacted log");
}

TEST_F(ErasureE2eTest, LaterEventsOfTheDeviceCountAgainButErasedCopiesDoNot) {
  ASSERT_EQ(Erase(kErased).status, 202);
  RestartServer();
  const std::string e(kErased);
  // p3-e is new data (E has no install any more: organic, 20); p1-e and i-e
  // are copies of erased events: duplicates.
  Post({
      Ev("p3-e", "purchase", At(2, 10, 30), e, R"("revenue":20)"),
      Ev("p1-e", "purchase", At(1, 11), e, R"("revenue":7)"),
      Ev("i-e", "install", At(1, 10), e),
  });
  ExpectErased(20, "after new events");

  auto device = Get("/devices/" + e);
  simdjson::dom::parser parser;
  simdjson::dom::element doc = parser.parse(device.body);
  EXPECT_TRUE(doc["install"].is_null()) << device.body;
  std::vector<std::string> ids;
  for (simdjson::dom::element ev : doc["events"].get_array()) {
    ids.emplace_back(ev["event_id"].get_string().value());
  }
  EXPECT_EQ(ids, std::vector<std::string>{"p3-e"});
}

}  // namespace
}  // namespace unmogrowp
