#include "cli/gen.h"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "cli/civil_time.h"

namespace unmogrowp {
namespace {

constexpr int64_t kEnd = 1736294400000;  // 2025-01-08T00:00:00Z
constexpr int64_t kHourMs = 3'600'000;
constexpr int64_t kDayMs = 86'400'000;

GenOptions SmallOptions() {
  GenOptions o;
  o.seed = 7;
  o.devices = 3000;
  o.days = 7;
  o.end_ms = kEnd;
  return o;
}

std::string Generate(const GenOptions& o) {
  std::ostringstream out;
  Status s = GenerateEvents(o, out);
  EXPECT_TRUE(s.ok()) << s.ToString();
  return out.str();
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// "2025-01-07T13:45:12.345Z" / "...+05:30" as ms since epoch.
int64_t ParseRfc3339(std::string_view s) {
  auto num = [&](size_t pos, size_t n) { return std::stoll(std::string(s.substr(pos, n))); };
  int64_t days = DaysFromCivil(num(0, 4), static_cast<int>(num(5, 2)), static_cast<int>(num(8, 2)));
  int64_t ms =
      days * kDayMs + num(11, 2) * kHourMs + num(14, 2) * 60'000 + num(17, 2) * 1000 + num(20, 3);
  if (s[23] != 'Z') {
    int64_t offset = num(24, 2) * 60 + num(27, 2);
    ms -= (s[23] == '-' ? -offset : offset) * 60'000;
  }
  return ms;
}

// One generated event, parsed with simdjson (so every line is also checked
// to be a JSON object).
struct Parsed {
  std::map<std::string, std::string> strings;
  std::map<std::string, double> numbers;
  int64_t timestamp_ms = 0;
  bool timestamp_is_string = false;
  bool has_properties = false;
  size_t bytes = 0;

  bool Has(const std::string& k) const { return strings.count(k) > 0; }
  std::string Get(const std::string& k) const {
    auto it = strings.find(k);
    return it == strings.end() ? "" : it->second;
  }
};

std::vector<Parsed> ParseAll(const std::string& text) {
  std::vector<Parsed> events;
  simdjson::dom::parser parser;
  for (const std::string& line : Lines(text)) {
    Parsed p;
    p.bytes = line.size() + 1;
    simdjson::dom::object obj;
    auto error = parser.parse(line).get(obj);
    EXPECT_EQ(error, simdjson::SUCCESS) << line;
    if (error) continue;
    for (auto field : obj) {
      std::string key(field.key);
      if (field.value.is_string()) {
        p.strings[key] = std::string(field.value.get_string().value());
      } else if (field.value.is_number()) {
        p.numbers[key] = field.value.get_double().value();
      } else if (key == "properties") {
        EXPECT_TRUE(field.value.is_object()) << line;
        p.has_properties = true;
      }
    }
    if (p.strings.count("timestamp")) {
      p.timestamp_is_string = true;
      p.timestamp_ms = ParseRfc3339(p.strings["timestamp"]);
    } else {
      EXPECT_TRUE(obj["timestamp"].is_int64()) << line;
      p.timestamp_ms = obj["timestamp"].get_int64().value();
    }
    events.push_back(std::move(p));
  }
  return events;
}

TEST(GenTest, SameSeedSameBytes) {
  GenOptions o = SmallOptions();
  o.duplicates = 0.05;
  std::string a = Generate(o);
  EXPECT_FALSE(a.empty());
  EXPECT_EQ(a, Generate(o));
  o.seed = 8;
  EXPECT_NE(a, Generate(o));
}

TEST(GenTest, MultiPassOutputEqualsSinglePass) {
  GenOptions o = SmallOptions();
  o.duplicates = 0.1;
  std::string single = Generate(o);
  o.max_buffered_events = 500;  // many windows, each rebuilt from the devices
  EXPECT_EQ(single, Generate(o));
}

TEST(GenTest, EventsAreInTimeOrderAndNeverInTheFuture) {
  GenOptions o = SmallOptions();
  std::vector<Parsed> events = ParseAll(Generate(o));
  ASSERT_GT(events.size(), 5000u);
  int64_t previous = 0;
  for (const Parsed& e : events) {
    EXPECT_GE(e.timestamp_ms, previous);
    EXPECT_LT(e.timestamp_ms, kEnd);
    EXPECT_GE(e.timestamp_ms, kEnd - 7 * kDayMs);
    previous = e.timestamp_ms;
  }
}

TEST(GenTest, EventsLookReal) {
  GenOptions o = SmallOptions();
  o.app_id = "app_42";
  std::vector<Parsed> events = ParseAll(Generate(o));
  size_t bytes = 0;
  std::map<std::string, size_t> types;
  std::set<std::string> sources;
  std::set<std::string> event_ids;
  size_t web_clicks = 0, rfc3339 = 0, properties = 0, revenue = 0, eur = 0, ipv6 = 0;
  for (const Parsed& e : events) {
    bytes += e.bytes;
    std::string type = e.Get("event_type");
    ++types[type];
    EXPECT_EQ(e.Get("app_id"), "app_42");
    EXPECT_EQ(e.Get("event_id").size(), 36u);
    event_ids.insert(e.Get("event_id"));
    std::string ip = e.Get("ip");
    EXPECT_TRUE(ip.rfind("192.0.2.", 0) == 0 || ip.rfind("198.51.100.", 0) == 0 ||
                ip.rfind("203.0.113.", 0) == 0 || ip.rfind("2001:db8:", 0) == 0)
        << ip;
    ipv6 += ip.find(':') != std::string::npos;
    rfc3339 += e.timestamp_is_string;
    properties += e.has_properties;
    if (type == "click" || type == "impression") {
      EXPECT_TRUE(e.Has("source"));
      EXPECT_TRUE(e.Has("campaign"));
      EXPECT_EQ(e.Get("medium"), type == "click" ? "cpc" : "cpm");
      sources.insert(e.Get("source"));
      if (!e.Has("device_id")) {
        EXPECT_EQ(type, "click");
        EXPECT_TRUE(e.Has("user_agent"));
        ++web_clicks;
      }
    } else {
      EXPECT_TRUE(e.Has("device_id"));
    }
    if (type == "purchase") {
      EXPECT_GT(e.numbers.at("revenue"), 0);
      std::string currency = e.Get("currency");
      EXPECT_TRUE(currency == "USD" || currency == "EUR") << currency;
      ++revenue;
      eur += currency == "EUR";
    }
  }
  const size_t n = events.size();
  EXPECT_EQ(event_ids.size(), n);
  double mean_bytes = static_cast<double>(bytes) / n;
  EXPECT_GT(mean_bytes, 250);
  EXPECT_LT(mean_bytes, 350);
  EXPECT_EQ(sources.size(), 12u);
  for (const char* t : {"click", "impression", "install", "open", "purchase", "level_complete",
                        "tutorial_complete"}) {
    EXPECT_GT(types[t], 0u) << t;
  }
  EXPECT_GT(types["click"] + types["impression"], n / 3);
  EXPECT_GT(web_clicks, 0u);
  EXPECT_GT(rfc3339, n / 20);
  EXPECT_LT(rfc3339, n / 5);
  EXPECT_GT(properties, n / 10);
  EXPECT_GT(revenue, 0u);
  EXPECT_GT(eur, 0u);
  EXPECT_LT(eur, revenue);
  EXPECT_GT(ipv6, n / 5);
}

TEST(GenTest, InstallsFollowClicksMostlyWithinAnHour) {
  std::vector<Parsed> events = ParseAll(Generate(SmallOptions()));
  struct Touch {
    int64_t ms;
    bool click;
  };
  std::map<std::string, Touch> last_touch;  // device -> latest touchpoint so far
  std::set<std::string> installed, seen;
  size_t after_click = 0, within_hour = 0, after_impression = 0, organic = 0;
  for (const Parsed& e : events) {
    std::string type = e.Get("event_type");
    std::string device = e.Get("device_id");
    if (!device.empty()) seen.insert(device);
    if (type == "click" || type == "impression") {
      if (!device.empty()) last_touch[device] = {e.timestamp_ms, type == "click"};
    } else if (type == "install" && installed.insert(device).second) {
      auto it = last_touch.find(device);
      if (it == last_touch.end()) {
        ++organic;
      } else if (it->second.click) {
        ++after_click;
        within_hour += e.timestamp_ms - it->second.ms <= kHourMs;
      } else {
        ++after_impression;
      }
    }
  }
  ASSERT_GT(after_click, 100u);
  EXPECT_GT(within_hour, after_click * 8 / 10);
  EXPECT_LT(within_hour, after_click);  // some come later
  EXPECT_GT(after_impression, 0u);
  EXPECT_GT(organic, 0u);
  EXPECT_LT(installed.size(), seen.size() / 2);  // most devices never install
}

TEST(GenTest, DuplicatesRepeatTheLineLater) {
  GenOptions o = SmallOptions();
  o.duplicates = 0.1;
  std::vector<std::string> lines = Lines(Generate(o));
  std::map<std::string, size_t> first_index;
  size_t duplicates = 0;
  for (size_t i = 0; i < lines.size(); ++i) {
    std::string id = lines[i].substr(0, lines[i].find("\",\"event_type\""));
    auto [it, inserted] = first_index.emplace(id, i);
    if (!inserted) {
      ++duplicates;
      EXPECT_EQ(lines[i], lines[it->second]);
      EXPECT_GT(i, it->second);
    }
  }
  double fraction = static_cast<double>(duplicates) / first_index.size();
  EXPECT_GT(fraction, 0.08);
  EXPECT_LT(fraction, 0.12);
}

TEST(GenTest, MoreSourcesGetGeneratedNames) {
  GenOptions o = SmallOptions();
  o.sources = 14;
  o.devices = 20000;
  std::string text = Generate(o);
  EXPECT_NE(text.find("\"source\":\"network_14\""), std::string::npos);
  o.sources = 1;
  o.devices = 200;
  text = Generate(o);
  EXPECT_EQ(text.find("\"source\":\"meta_ads\""), std::string::npos);
  EXPECT_NE(text.find("\"source\":\"google_ads\""), std::string::npos);
}

TEST(GenTest, RejectsBadOptions) {
  std::ostringstream out;
  GenOptions o = SmallOptions();
  o.devices = 0;
  EXPECT_EQ(GenerateEvents(o, out).field(), "devices");
  o = SmallOptions();
  o.duplicates = 1.5;
  EXPECT_EQ(GenerateEvents(o, out).field(), "duplicates");
  o = SmallOptions();
  o.end_ms = 946'684'800'000;  // 2000-01-01: the days before it are too early
  EXPECT_EQ(GenerateEvents(o, out).field(), "end");
  o = SmallOptions();
  o.sources = 0;
  EXPECT_EQ(GenerateEvents(o, out).field(), "sources");
  EXPECT_TRUE(out.str().empty());
}

TEST(GenTest, EndIsNowOrAMidnight) {
  ManualClock clock(1736300000123);
  Result<int64_t> now = GenEventsEnd("now", clock);
  ASSERT_TRUE(now.ok());
  EXPECT_EQ(*now, 1736300000123);
  Result<int64_t> date = GenEventsEnd("2025-01-08", clock);
  ASSERT_TRUE(date.ok());
  EXPECT_EQ(*date, kEnd);
  EXPECT_FALSE(GenEventsEnd("2025-02-30", clock).ok());
  EXPECT_FALSE(GenEventsEnd("2025-1-8", clock).ok());
  EXPECT_FALSE(GenEventsEnd("tomorrow", clock).ok());
}

}  // namespace
}  // namespace unmogrowp
