// The ClickHouse analytics backend end to end, against a real ClickHouse
// (the `clickhouse` test fixture): the same event-log records applied
//   (a) by one EventProcessor to one state store, read with StateReportData
//       (the embedded way), and
//   (b) routed like the Kafka topic (RouteRecord, index copies included) to
//       partitions, each its own EventProcessor, store and
//       ClickHouseStateMirror, read with ClickHouseReportData,
// with different commit sizes, must answer every ReportData method alike.
// Positions (`seq`) are log offsets: global on (a), per partition on (b);
// the comparison maps (b)'s back to the global record they came from.

#include "clickhouse/clickhouse_report_data.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <functional>
#include <limits>
#include <map>
#include <random>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "analytics/state_report_data.h"
#include "clickhouse/clickhouse_state_mirror.h"
#include "clickhouse/clickhouse_test_util.h"
#include "core/scoped_temp_dir_for_test.h"
#include "event/log_payload.h"
#include "pipeline/event_processor.h"
#include "pipeline/partition_routing.h"
#include "pipeline/pipeline_test_util.h"
#include "pipeline/state_mirror.h"

namespace unmogrowp {
namespace {

using namespace std::string_literals;
using analytics::ReportData;
using analytics::StatsDimension;
using testing_util::kHour;
using testing_util::kT0;

constexpr char kApp[] = "app_test";
constexpr char kOther[] = "app_other";
constexpr int64_t kDay = 24 * kHour;
const int64_t kDay0 = store::DayOfMs(kT0);

// ---------------------------------------------------------------------------
// The records: a few hundred events of an app's devices, in arrival order.

class Workload {
 public:
  explicit Workload(uint64_t seed) : rng_(seed) {}

  // Devices "d00".. and three whose ids need quoting; each with touches (or
  // a web click without a device id that its install matches by IP + user
  // agent), an install (some reinstall, some never install, some send
  // in-app events first), purchases and opens (some arriving late), late
  // touches, and re-sent duplicates.
  void AddApp(const std::string& app, int devices) {
    for (int i = 0; i < devices; ++i) AddDevice(app, DeviceName(i), i);
  }
  // After the device's last event: an EventProcessor batch that applies
  // an erasure and then more events of the same device lets those events
  // see the device's state from before the erasure (it reads the store,
  // where the deletion is not yet committed), so the outcome would depend
  // on where batches end -- on both backends alike; kept out of the
  // comparison.
  void AddErasure(const std::string& app, const std::string& device) {
    const int64_t at = last_arrival_[{app, device}] + 1;
    std::string payload;
    AppendErasure(ErasureRecord{app, device, at}, &payload);
    Add(std::move(payload), at);
  }
  void AddAppDeletion(const std::string& app, int64_t at) {
    std::string payload;
    AppendAppDeletion(AppDeletionRecord{app, at}, &payload);
    Add(std::move(payload), at);
  }
  std::vector<std::string> Records() {
    std::stable_sort(arrivals_.begin(), arrivals_.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    std::vector<std::string> records;
    for (auto& [at, payload] : arrivals_) records.push_back(payload);
    return records;
  }

  static std::string DeviceName(int i) {
    switch (i) {
      case 20:
        return "dev'quote";
      case 21:
        return "dev\\back";
      case 22:
        return "d\xff\0z"s;
      default:
        return fmt::format("d{:02}", i);
    }
  }

 private:
  int64_t Uniform(int64_t lo, int64_t hi) {
    return std::uniform_int_distribution<int64_t>(lo, hi)(rng_);
  }
  std::string Pick(const std::vector<std::string>& names) {
    return names[static_cast<size_t>(Uniform(0, static_cast<int64_t>(names.size()) - 1))];
  }
  Event New(const std::string& app, std::string type, int64_t ts, std::string device) {
    Event e = testing_util::MakeEvent(fmt::format("ev{}", ids_++), std::move(type), ts,
                                      std::move(device));
    e.app_id = app;
    return e;
  }
  void Add(const Event& e, int64_t at) {
    if (!e.device_id.empty()) {
      int64_t& last = last_arrival_[{e.app_id, e.device_id}];
      last = std::max(last, at);
    }
    Add(testing_util::Encode(e), at);
  }
  void Add(std::string payload, int64_t at) { arrivals_.emplace_back(at, std::move(payload)); }

  void AddDevice(const std::string& app, const std::string& device, int i) {
    const std::vector<std::string> sources{"google", "meta", "tik'tok"};
    const std::vector<std::string> campaigns{"c1", "c2", "camp\\x"};
    const std::string ip = fmt::format("10.1.{}.{}", i / 200, i % 200);
    const std::string ua = fmt::format("UA/{}", i);
    const int64_t start = kT0 - 4 * kDay + Uniform(0, 2 * kDay);
    const int64_t install_ts = start + 22 * kHour + Uniform(0, 4 * kHour);
    Event last;  // re-sent below
    if (i % 4 == 1) {
      // A web click: no device id, matched by IP + user agent.
      Event web = New(app, "click", install_ts - Uniform(kHour, 3 * kHour), "");
      web.ip = ip;
      web.user_agent = ua;
      web.source = "web";
      web.campaign = Pick(campaigns);
      Add(web, web.timestamp_ms + Uniform(0, kHour));
      last = web;
    } else {
      for (int64_t n = Uniform(1, 4); n > 0; --n) {
        const bool click = Uniform(0, 9) < 7;
        Event t = New(app, click ? "click" : "impression", start + Uniform(0, 20 * kHour), device);
        t.source = Pick(sources);
        t.campaign = Pick(campaigns);
        if (click && Uniform(0, 1) == 1) {
          t.ip = ip;
          t.user_agent = ua;
        }
        Add(t, t.timestamp_ms + Uniform(0, 2 * kHour));
        last = t;
      }
    }
    if (i % 5 == 4) {  // in-app events before the install: pending, then moved
      Event early = New(app, "purchase", start + Uniform(0, 10 * kHour), device);
      early.revenue = static_cast<double>(Uniform(1, 999)) / 100;
      Add(early, early.timestamp_ms + Uniform(0, kHour));
    }
    if (i % 10 != 9) {
      Event install = New(app, "install", install_ts, device);
      install.ip = ip;
      install.user_agent = ua;
      Add(install, install_ts + Uniform(0, 30 * 60'000));
      last = install;
      if (i % 7 == 0) {
        Event again = New(app, "install", install_ts + 2 * kDay, device);
        Add(again, again.timestamp_ms + Uniform(0, kHour));
      }
    }
    for (int64_t n = Uniform(0, 6); n > 0; --n) {
      const bool purchase = Uniform(0, 2) > 0;
      Event e = New(app, purchase ? "purchase" : "open", install_ts + Uniform(0, 3 * kDay), device);
      if (purchase) e.revenue = static_cast<double>(Uniform(1, 999)) / 100;
      const bool late = Uniform(0, 4) == 0;
      Add(e, e.timestamp_ms + (late ? Uniform(6 * kHour, kDay) : Uniform(0, 6 * kHour)));
      last = e;
    }
    if (i % 3 == 0) {  // a touch that arrives after a later conversion: it joins its path
      Event t = New(app, "click", install_ts + kDay - kHour, device);
      t.source = Pick(sources);
      t.campaign = "late";
      Add(t, install_ts + 3 * kDay + kHour);
    }
    if (i % 6 == 2) Add(last, kT0 + kDay);  // re-sent
  }

  std::mt19937_64 rng_;
  std::vector<std::pair<int64_t, std::string>> arrivals_;
  std::map<std::pair<std::string, std::string>, int64_t> last_arrival_;
  int ids_ = 0;
};

Result<AppSettings> KnownApps(std::string_view app) {
  if (app == kApp || app == kOther) return AppSettings();
  return Status::NotFound("no such app");
}

// Applies records [from, records.size()) at offsets from..; commits every
// `commit_every` records and at the end.
Status RunRecords(EventProcessor& processor, const std::vector<std::string>& records, size_t from,
                  size_t commit_every) {
  for (size_t i = from; i < records.size(); ++i) {
    UM_RETURN_IF_ERROR(processor.Apply(records[i], i));
    if ((i + 1) % commit_every == 0) UM_RETURN_IF_ERROR(processor.Commit(i + 1));
  }
  return processor.Commit(records.size());
}

// The embedded way: one store for every record.
struct Embedded {
  explicit Embedded(const std::vector<std::string>& records, size_t commit_every = 37) {
    auto opened = store::StateStore::Open({.dir = dir.File("state")});
    EXPECT_TRUE(opened.ok()) << opened.status().ToString();
    if (!opened.ok()) return;
    store = std::move(*opened);
    processor = std::make_unique<EventProcessor>(store.get(), KnownApps);
    Status ran = RunRecords(*processor, records, 0, commit_every);
    EXPECT_TRUE(ran.ok()) << ran.ToString();
    reports = std::make_unique<analytics::StateReportData>(store.get());
  }
  ScopedTempDir dir;
  std::unique_ptr<store::StateStore> store;
  std::unique_ptr<EventProcessor> processor;
  std::unique_ptr<analytics::StateReportData> reports;
};

// Passes writes on to a mirror and keeps them, to send them again.
class TeeMirror : public StateMirror {
 public:
  explicit TeeMirror(StateMirror* inner) : inner_(inner) {}
  uint32_t tables() const override { return inner_->tables(); }
  Status Write(const std::vector<store::StoreWrite>& writes, uint64_t next_offset) override {
    commits.emplace_back(writes, next_offset);
    return inner_->Write(writes, next_offset);
  }
  std::vector<std::pair<std::vector<store::StoreWrite>, uint64_t>> commits;

 private:
  StateMirror* inner_;
};

// The scale-out way: the records routed to `count` partitions, each with
// its own store and mirror into one ClickHouse database.
class Partitioned {
 public:
  // Routes `records` to `count` partitions and runs each (fatal failures
  // are the caller's to check).
  void Run(const ClickHouseOptions& options, const std::vector<std::string>& records, int32_t count,
           size_t commit_every = 13) {
    parts_.resize(static_cast<size_t>(count));
    std::vector<PartitionRoute> routes;
    for (size_t i = 0; i < records.size(); ++i) {
      Status routed = RouteRecord(records[i], count, &routes);
      ASSERT_TRUE(routed.ok()) << routed.ToString();
      EventView event;
      const bool is_event = KindOfPayload(records[i]) == PayloadKind::kEvent &&
                            DecodeEncoded(records[i], &event).ok();
      for (const PartitionRoute& route : routes) {
        Part& part = parts_[static_cast<size_t>(route.partition)];
        std::string payload;
        if (route.index_copy) {
          AppendIndexCopy(records[i], &payload);
        } else {
          payload = records[i];
          if (is_event && !event.device_id.empty()) {
            device_partition_[{std::string(event.app_id), std::string(event.device_id)}] =
                route.partition;
          }
        }
        part.records.push_back(std::move(payload));
        part.global.push_back(i);
      }
    }
    for (int32_t p = 0; p < count; ++p) {
      Part& part = parts_[static_cast<size_t>(p)];
      auto opened = store::StateStore::Open({.dir = dir_.File(fmt::format("p{}", p))});
      ASSERT_TRUE(opened.ok()) << opened.status().ToString();
      part.store = std::move(*opened);
      auto mirror = ClickHouseStateMirror::Open(options, p);
      ASSERT_TRUE(mirror.ok()) << mirror.status().ToString();
      part.mirror = std::move(*mirror);
      part.tee = std::make_unique<TeeMirror>(part.mirror.get());
      part.processor =
          std::make_unique<EventProcessor>(part.store.get(), KnownApps, nullptr, part.tee.get());
      Status ran = RunRecords(*part.processor, part.records, 0, commit_every);
      ASSERT_TRUE(ran.ok()) << "partition " << p << ": " << ran.ToString();
    }
  }

  // Retention of `app` before `cutoff_day` in every partition.
  Status ApplyRetention(const std::string& app, int64_t cutoff_day) {
    for (Part& part : parts_) {
      EventProcessor::RetentionStats stats;
      UM_RETURN_IF_ERROR(
          part.processor->ApplyRetention(app, cutoff_day, part.records.size(), &stats));
    }
    return Status::OK();
  }

  // Sends every commit's writes again, as a retry would.
  Status RewriteEveryCommit() {
    for (Part& part : parts_) {
      for (const auto& [writes, next_offset] : part.tee->commits) {
        UM_RETURN_IF_ERROR(part.mirror->Write(writes, next_offset));
      }
    }
    return Status::OK();
  }

  size_t size() const { return parts_.size(); }
  size_t records(int32_t p) const { return parts_[static_cast<size_t>(p)].records.size(); }

  // The global record of a partition's log offset.
  uint64_t Global(int32_t partition, uint64_t seq) const {
    const auto& global = parts_.at(static_cast<size_t>(partition)).global;
    return seq < global.size() ? global[seq] : UINT64_MAX;
  }
  // The global record of a log offset in the device's partition.
  uint64_t GlobalOfDevice(std::string_view app, std::string_view device, uint64_t seq) const {
    auto it = device_partition_.find({std::string(app), std::string(device)});
    return it == device_partition_.end() ? UINT64_MAX : Global(it->second, seq);
  }

 private:
  struct Part {
    std::vector<std::string> records;
    std::vector<uint64_t> global;
    std::unique_ptr<store::StateStore> store;
    std::unique_ptr<ClickHouseStateMirror> mirror;
    std::unique_ptr<TeeMirror> tee;
    std::unique_ptr<EventProcessor> processor;
  };
  ScopedTempDir dir_;
  std::vector<Part> parts_;
  std::map<std::pair<std::string, std::string>, int32_t> device_partition_;
};

// ---------------------------------------------------------------------------
// Every ReportData answer as comparable rows.

// How a backend's positions map to global log offsets.
struct Positions {
  std::function<uint64_t(std::string_view app, std::string_view device, uint64_t seq)> of_device =
      [](std::string_view, std::string_view, uint64_t seq) { return seq; };
  std::function<uint64_t(int32_t partition, uint64_t seq)> of_partition =
      [](int32_t, uint64_t seq) { return seq; };
};

Positions PositionsOf(const Partitioned& parts) {
  Positions positions;
  positions.of_device = [&parts](std::string_view app, std::string_view device, uint64_t seq) {
    return parts.GlobalOfDevice(app, device, seq);
  };
  positions.of_partition = [&parts](int32_t partition, uint64_t seq) {
    return parts.Global(partition, seq);
  };
  return positions;
}

// A row: its exact part as text, its doubles apart (compared within 1e-9).
struct Row {
  std::string text;
  std::vector<double> numbers;
};
using Rows = std::vector<Row>;

std::string Hex(std::string_view bytes) {
  std::string out;
  for (unsigned char c : bytes) out += fmt::format("{:02x}", c);
  return out;
}

void ExpectSameRows(const Rows& want, const Rows& got, const std::string& what) {
  ASSERT_EQ(want.size(), got.size()) << what;
  for (size_t i = 0; i < want.size(); ++i) {
    EXPECT_EQ(want[i].text, got[i].text) << what << ", row " << i;
    ASSERT_EQ(want[i].numbers.size(), got[i].numbers.size()) << what << ", row " << i;
    for (size_t n = 0; n < want[i].numbers.size(); ++n) {
      const double a = want[i].numbers[n];
      const double b = got[i].numbers[n];
      EXPECT_LE(std::fabs(a - b), 1e-9 * std::max({1.0, std::fabs(a), std::fabs(b)}))
          << what << ", row " << i << " (" << want[i].text << "), number " << n << ": " << a
          << " vs " << b;
    }
  }
}

#define UM_EXPECT_OK(expr)                                           \
  do {                                                               \
    const ::unmogrowp::Status um_test_status_ = (expr);              \
    EXPECT_TRUE(um_test_status_.ok()) << um_test_status_.ToString(); \
  } while (0)

std::string ChannelText(const store::RollupChannel& c) {
  return fmt::format("{}|{}|{}|{}", c.day, c.organic, c.source, c.campaign);
}

Rows DailyStatsRows(const ReportData& data, const std::string& app, int64_t from, int64_t to,
                    std::optional<StatsDimension> group_by) {
  Rows rows;
  UM_EXPECT_OK(data.DailyStats(app, from, to, group_by,
                               [&](int64_t day, StatsDimension dimension, std::string_view value,
                                   const analytics::StatsRow& row) {
                                 rows.push_back(
                                     Row{fmt::format("{}|{}|{}|events {}|installs {}|devices {}",
                                                     day, static_cast<int>(dimension), value,
                                                     row.events, row.installs, row.devices.Count()),
                                         {row.revenue}});
                                 return true;
                               }));
  return rows;
}

Rows RollupRows(const ReportData& data, const std::string& app, int64_t from, int64_t to) {
  Rows rows;
  UM_EXPECT_OK(data.InstallRollups(
      app, from, to, [&](const store::RollupChannel& c, const store::RollupCounters& counters) {
        rows.push_back(Row{fmt::format("{}|{} {} {}", ChannelText(c), counters.deterministic,
                                       counters.probabilistic, counters.organic),
                           {counters.revenue}});
        return true;
      }));
  return rows;
}

Rows CohortRows(const ReportData& data, const std::string& app, int64_t from, int64_t to) {
  Rows rows;
  UM_EXPECT_OK(data.Cohorts(
      app, from, to, [&](const store::RollupChannel& c, const analytics::CohortRow& cohort) {
        Row row{fmt::format("{}|installs {}|", ChannelText(c), cohort.installs), {}};
        for (const analytics::CohortCell& cell : cohort.cells) {
          row.text += fmt::format("({} {})", cell.day, cell.active);
          row.numbers.push_back(cell.revenue);
        }
        rows.push_back(std::move(row));
        return true;
      }));
  return rows;
}

// In (ts, global offset) order: the interface leaves ties between
// partitions to the backend. Checks that the answer came in time order.
Rows ConversionRows(const ReportData& data, const Positions& positions, const std::string& app,
                    const std::string& type, int64_t from, int64_t to) {
  std::vector<std::tuple<int64_t, uint64_t, Row>> found;
  UM_EXPECT_OK(data.Conversions(
      app, type, from, to, [&](const TimeSeq& at, const store::ConversionRecord& record) {
        EXPECT_TRUE(found.empty() || std::get<0>(found.back()) <= at.ts_ms) << "out of order";
        const uint64_t global = positions.of_device(app, record.device_id, at.seq);
        Row row{fmt::format("{}|{}|{}|", at.ts_ms, global, record.device_id), {record.revenue}};
        for (const store::PathTouch& t : record.path) {
          row.text += fmt::format("({} {} {})", t.ts_ms, t.source, t.campaign);
        }
        found.emplace_back(at.ts_ms, global, std::move(row));
        return true;
      }));
  std::sort(found.begin(), found.end(), [](const auto& a, const auto& b) {
    return std::tie(std::get<0>(a), std::get<1>(a)) < std::tie(std::get<0>(b), std::get<1>(b));
  });
  Rows rows;
  for (auto& f : found) rows.push_back(std::move(std::get<2>(f)));
  return rows;
}

Rows TouchRows(const ReportData& data, const Positions& positions, const std::string& app,
               int64_t from, int64_t to) {
  Rows rows;
  UM_EXPECT_OK(data.TouchesByDay(app, from, to, [&](const store::DayTouch& t) {
    rows.push_back(
        Row{fmt::format("{}|{}|{}|{}|{}|{}", t.day, Hex(t.device_id), t.ts_ms,
                        positions.of_device(app, t.device_id, t.seq), t.source, t.campaign),
            {}});
    return true;
  }));
  return rows;
}

Rows LastConversionRows(const ReportData& data, const Positions& positions, const std::string& app,
                        const std::string& type, int64_t to,
                        const std::vector<std::string>& devices) {
  auto last = data.LastConversions(app, type, to, devices);
  EXPECT_TRUE(last.ok()) << last.status().ToString();
  if (!last.ok()) return {};
  std::map<std::string, std::string> sorted;
  for (const auto& [device, at] : *last) {
    sorted[device] = fmt::format("{}|{}", at.ts_ms, positions.of_device(app, device, at.seq));
  }
  Rows rows;
  for (const auto& [device, text] : sorted) rows.push_back(Row{Hex(device) + "|" + text, {}});
  return rows;
}

Rows DeviceRows(const ReportData& data, const Positions& positions, const std::string& app,
                const std::vector<std::string>& devices) {
  Rows rows;
  for (const std::string& device : devices) {
    auto events = data.DeviceEvents(app, device);
    EXPECT_TRUE(events.ok()) << events.status().ToString();
    if (events.ok()) {
      for (const std::string& payload : *events) {
        rows.push_back(Row{Hex(device) + " event " + Hex(payload), {}});
      }
    }
    auto install = data.DeviceInstall(app, device);
    EXPECT_TRUE(install.ok()) << install.status().ToString();
    if (install.ok() && install->has_value()) {
      const store::DeviceInstall& i = **install;
      rows.push_back(Row{fmt::format("{} install {} {} {} {} {} {}", Hex(device), i.ts_ms,
                                     positions.of_device(app, device, i.seq), i.match, i.source,
                                     i.campaign, i.touch_event_id),
                         {}});
    } else if (install.ok()) {
      rows.push_back(Row{Hex(device) + " no install", {}});
    }
  }
  return rows;
}

struct EventAt {
  ReportData::EventPosition at;
  std::string payload;
};

std::vector<EventAt> AllEvents(const ReportData& data, const std::string& app, int64_t from,
                               int64_t to, std::optional<ReportData::EventPosition> after = {}) {
  std::vector<EventAt> events;
  UM_EXPECT_OK(data.Events(app, from, to, after,
                           [&](const ReportData::EventPosition& at, std::string_view payload) {
                             events.push_back(EventAt{at, std::string(payload)});
                             return true;
                           }));
  return events;
}

// In (ts, global offset) order, after checking the answer's own order.
Rows EventRows(const ReportData& data, const Positions& positions, const std::string& app,
               int64_t from, int64_t to) {
  std::vector<EventAt> events = AllEvents(data, app, from, to);
  std::vector<std::tuple<int64_t, uint64_t, std::string>> found;
  for (size_t i = 0; i < events.size(); ++i) {
    const auto& at = events[i].at;
    if (i > 0) {
      const auto& before = events[i - 1].at;
      EXPECT_LT(std::tie(before.ts_ms, before.partition, before.seq),
                std::tie(at.ts_ms, at.partition, at.seq));
    }
    found.emplace_back(at.ts_ms, positions.of_partition(at.partition, at.seq),
                       Hex(events[i].payload));
  }
  std::sort(found.begin(), found.end());
  Rows rows;
  for (const auto& [ts, global, payload] : found) {
    rows.push_back(Row{fmt::format("{}|{}|{}", ts, global, payload), {}});
  }
  return rows;
}

std::vector<std::string> DevicesToAsk(int devices) {
  std::vector<std::string> names;
  for (int i = 0; i < devices; ++i) names.push_back(Workload::DeviceName(i));
  names.push_back("nobody");
  names.push_back("");
  return names;
}

// Every method of `got` answers like `want` for `app`, over several ranges.
void ExpectSameReports(const ReportData& want, const Positions& want_positions,
                       const ReportData& got, const Positions& got_positions,
                       const std::string& app, int devices) {
  struct DayRange {
    const char* name;
    int64_t from;
    int64_t to;
  };
  const DayRange day_ranges[] = {{"all days", kDay0 - 30, kDay0 + 30},
                                 {"one day", kDay0 - 2, kDay0 - 2},
                                 {"three days", kDay0 - 3, kDay0 - 1},
                                 {"no day", kDay0 + 1, kDay0}};
  for (const DayRange& r : day_ranges) {
    for (std::optional<StatsDimension> group :
         {std::optional<StatsDimension>(), std::optional(StatsDimension::kSource),
          std::optional(StatsDimension::kCampaign), std::optional(StatsDimension::kEventType)}) {
      ExpectSameRows(DailyStatsRows(want, app, r.from, r.to, group),
                     DailyStatsRows(got, app, r.from, r.to, group),
                     fmt::format("daily stats by {} of {} ({})",
                                 group ? static_cast<int>(*group) : -1, app, r.name));
    }
    ExpectSameRows(RollupRows(want, app, r.from, r.to), RollupRows(got, app, r.from, r.to),
                   fmt::format("install rollups of {} ({})", app, r.name));
    ExpectSameRows(CohortRows(want, app, r.from, r.to), CohortRows(got, app, r.from, r.to),
                   fmt::format("cohorts of {} ({})", app, r.name));
    ExpectSameRows(TouchRows(want, want_positions, app, r.from, r.to),
                   TouchRows(got, got_positions, app, r.from, r.to),
                   fmt::format("touches of {} ({})", app, r.name));
  }

  struct MsRange {
    const char* name;
    int64_t from;
    int64_t to;
  };
  const MsRange ms_ranges[] = {
      {"all time", std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::max() - 1},
      {"one day", kT0 - 2 * kDay, kT0 - kDay - 1},
      {"cutting paths", kT0 - 3 * kDay + 12 * kHour, kT0 - kDay + 6 * kHour}};
  const std::vector<std::string> device_ids = DevicesToAsk(devices);
  for (const MsRange& r : ms_ranges) {
    for (const std::string type : {"install", "purchase", "open", "click"}) {
      ExpectSameRows(ConversionRows(want, want_positions, app, type, r.from, r.to),
                     ConversionRows(got, got_positions, app, type, r.from, r.to),
                     fmt::format("{} conversions of {} ({})", type, app, r.name));
      ExpectSameRows(LastConversionRows(want, want_positions, app, type, r.to, device_ids),
                     LastConversionRows(got, got_positions, app, type, r.to, device_ids),
                     fmt::format("last {} conversions of {} ({})", type, app, r.name));
    }
    ExpectSameRows(EventRows(want, want_positions, app, r.from, r.to),
                   EventRows(got, got_positions, app, r.from, r.to),
                   fmt::format("events of {} ({})", app, r.name));
  }
  ExpectSameRows(DeviceRows(want, want_positions, app, device_ids),
                 DeviceRows(got, got_positions, app, device_ids),
                 fmt::format("devices of {}", app));
}

// Events() resumes just after any position it returned, and stops when told.
void ExpectEventsPageFromAnyPosition(const ReportData& data, const std::string& app) {
  const int64_t from = std::numeric_limits<int64_t>::min();
  const int64_t to = std::numeric_limits<int64_t>::max() - 1;
  std::vector<EventAt> all = AllEvents(data, app, from, to);
  ASSERT_GT(all.size(), 10u);
  for (size_t k : {size_t{0}, size_t{1}, all.size() / 2, all.size() - 2, all.size() - 1}) {
    std::vector<EventAt> rest = AllEvents(data, app, from, to, all[k].at);
    ASSERT_EQ(rest.size(), all.size() - k - 1) << "after " << k;
    for (size_t i = 0; i < rest.size(); ++i) EXPECT_EQ(rest[i].payload, all[k + 1 + i].payload);
  }
  size_t seen = 0;
  UM_EXPECT_OK(
      data.Events(app, from, to, std::nullopt,
                  [&](const ReportData::EventPosition&, std::string_view) { return ++seen < 3; }));
  EXPECT_EQ(seen, 3u);
}

// ---------------------------------------------------------------------------

class ClickHouseReportDataTest : public ClickHouseTest {
 protected:
  std::unique_ptr<ClickHouseReportData> OpenReports(size_t page_rows) {
    auto opened = ClickHouseReportData::Open(options_, page_rows);
    EXPECT_TRUE(opened.ok()) << opened.status().ToString();
    return opened.ok() ? std::move(*opened) : nullptr;
  }
};

constexpr int kDevices = 40;

TEST_F(ClickHouseReportDataTest, PartitionsInClickHouseAnswerLikeOneEmbeddedStore) {
  Workload workload(42);
  workload.AddApp(kApp, kDevices);
  workload.AddErasure(kApp, Workload::DeviceName(3));
  workload.AddErasure(kApp, Workload::DeviceName(21));
  const std::vector<std::string> records = workload.Records();
  ASSERT_GT(records.size(), 250u);

  Embedded embedded(records);
  ASSERT_NE(embedded.reports, nullptr);
  Partitioned partitioned;
  partitioned.Run(options_, records, 3);
  ASSERT_FALSE(HasFatalFailure());
  for (int32_t p = 0; p < 3; ++p) EXPECT_GT(partitioned.records(p), 30u) << "partition " << p;
  EXPECT_GT(embedded.processor->stats().duplicates, 0u);
  EXPECT_EQ(embedded.processor->stats().erasures, 2u);

  const Positions positions = PositionsOf(partitioned);
  // Paged with the default page, and with tiny pages that cut every range.
  for (size_t page_rows : {ClickHouseReportData::kDefaultPageRows, size_t{7}}) {
    SCOPED_TRACE(fmt::format("page_rows {}", page_rows));
    auto reports = OpenReports(page_rows);
    ASSERT_NE(reports, nullptr);
    ExpectSameReports(*embedded.reports, Positions(), *reports, positions, kApp, kDevices);
    ExpectEventsPageFromAnyPosition(*reports, kApp);
  }

  // The erased device is gone, in every table (and stays so under FINAL).
  auto reports = OpenReports(ClickHouseReportData::kDefaultPageRows);
  auto erased = reports->DeviceEvents(kApp, Workload::DeviceName(3));
  ASSERT_TRUE(erased.ok());
  auto before_erasure = embedded.reports->DeviceEvents(kApp, Workload::DeviceName(3));
  ASSERT_TRUE(before_erasure.ok());
  EXPECT_EQ(*erased, *before_erasure);  // only what it sent after the erasure

  // Every commit sent again -- a retry of each -- changes nothing.
  UM_ASSERT_OK(partitioned.RewriteEveryCommit());
  ExpectSameReports(*embedded.reports, Positions(), *reports, positions, kApp, kDevices);
}

TEST_F(ClickHouseReportDataTest, AppDeletionAndRetentionAnswerLikeOneEmbeddedStore) {
  Workload workload(7);
  workload.AddApp(kApp, kDevices);
  workload.AddApp(kOther, 8);
  workload.AddErasure(kApp, Workload::DeviceName(5));
  workload.AddAppDeletion(kOther, kT0 - 2 * kDay);  // its later events are skipped
  const std::vector<std::string> records = workload.Records();

  Embedded embedded(records, 51);
  ASSERT_NE(embedded.reports, nullptr);
  Partitioned partitioned;
  partitioned.Run(options_, records, 2, 11);
  ASSERT_FALSE(HasFatalFailure());
  EXPECT_EQ(embedded.processor->stats().app_deletions, 1u);
  auto reports = OpenReports(5);
  ASSERT_NE(reports, nullptr);
  const Positions positions = PositionsOf(partitioned);
  ExpectSameReports(*embedded.reports, Positions(), *reports, positions, kApp, kDevices);
  ExpectSameReports(*embedded.reports, Positions(), *reports, positions, kOther, 8);
  EXPECT_TRUE(AllEvents(*reports, kOther, std::numeric_limits<int64_t>::min(),
                        std::numeric_limits<int64_t>::max() - 1)
                  .empty());

  const int64_t cutoff_day = kDay0 - 2;
  EventProcessor::RetentionStats stats;
  UM_ASSERT_OK(embedded.processor->ApplyRetention(kApp, cutoff_day, records.size(), &stats));
  EXPECT_GT(stats.events, 0u);
  UM_ASSERT_OK(partitioned.ApplyRetention(kApp, cutoff_day));
  ExpectSameReports(*embedded.reports, Positions(), *reports, positions, kApp, kDevices);
  ExpectSameReports(*embedded.reports, Positions(), *reports, positions, kOther, 8);
  for (const EventAt& e : AllEvents(*reports, kApp, std::numeric_limits<int64_t>::min(),
                                    std::numeric_limits<int64_t>::max() - 1)) {
    EXPECT_GE(e.at.ts_ms, cutoff_day * kDay);
  }
}

// A commit while the server is paused fails within the request timeout;
// after it resumes, the pipeline's replay from its checkpoint leaves the
// answers of a store that never failed -- also once the insert the server
// held during the pause has landed. A private server: pausing the shared
// one would stall other tests.
TEST(ClickHouseReportOutageTest, ACommitDuringAPauseFailsAndTheReplayLeavesTheSameAnswers) {
  PrivateClickHouseServer server;
  ASSERT_TRUE(server.started());
  auto options = ParseClickHouseUrl(server.Url());
  ASSERT_TRUE(options.ok()) << options.status().ToString();
  options->database = "outage";
  options->request_timeout = std::chrono::milliseconds(1000);

  Workload workload(11);
  workload.AddApp(kApp, 12);
  const std::vector<std::string> records = workload.Records();
  Embedded embedded(records);
  ASSERT_NE(embedded.reports, nullptr);

  ScopedTempDir dir;
  auto opened = store::StateStore::Open({.dir = dir.File("state")});
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  std::unique_ptr<store::StateStore> state = std::move(*opened);
  auto mirror = ClickHouseStateMirror::Open(*options, 0);
  ASSERT_TRUE(mirror.ok()) << mirror.status().ToString();
  EventProcessor processor(state.get(), KnownApps, nullptr, mirror->get());
  const size_t half = records.size() / 2;
  for (size_t i = 0; i < half; ++i) UM_ASSERT_OK(processor.Apply(records[i], i));
  UM_ASSERT_OK(processor.Commit(half));

  ASSERT_TRUE(server.Pause());
  for (size_t i = half; i < half + 20; ++i) UM_ASSERT_OK(processor.Apply(records[i], i));
  const auto started = std::chrono::steady_clock::now();
  Status during = processor.Commit(half + 20);
  const auto took = std::chrono::steady_clock::now() - started;
  ASSERT_TRUE(server.Resume());
  EXPECT_EQ(during.code(), StatusCode::kUnavailable) << during.ToString();
  EXPECT_LT(took, std::chrono::milliseconds(3000));
  auto checkpoint = state->Checkpoint();
  ASSERT_TRUE(checkpoint.ok());
  EXPECT_EQ(*checkpoint, half);  // nothing of the failed commit reached the store

  // The pipeline replays from its checkpoint, with batches ending elsewhere.
  UM_ASSERT_OK(RunRecords(processor, records, *checkpoint, 17));
  auto reports = ClickHouseReportData::Open(*options);
  ASSERT_TRUE(reports.ok()) << reports.status().ToString();
  ExpectSameReports(*embedded.reports, Positions(), **reports, Positions(), kApp, 12);

  // Whatever the server still held from the pause lands; nothing changes.
  ClickHouseClient client(*options);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (std::chrono::steady_clock::now() < deadline) {
    auto running = client.Query(
        "SELECT count() FROM system.processes WHERE query NOT LIKE '%system.processes%'");
    if (running.ok() && *running == "0\n") break;
    std::this_thread::yield();
  }
  ExpectSameReports(*embedded.reports, Positions(), **reports, Positions(), kApp, 12);
}

}  // namespace
}  // namespace unmogrowp
