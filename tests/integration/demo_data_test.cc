// `unmogrowp serve --demo`, in-process: the demo app is made once, is marked
// demo, and its generated events reach the reports over ~90 days through the
// ingest decoder, the log and the pipeline (cli/demo_data.h).

#include "cli/demo_data.h"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <sstream>
#include <string>

#include "api/report_params.h"
#include "core/clock.h"
#include "log/event_log.h"
#include "meta/app_store.h"
#include "server_fixture.h"
#include "store/keys.h"

namespace unmogrowp {
namespace {

class DemoDataTest : public ServerTest {
 protected:
  static DemoOptions SmallDemo(std::ostream* progress = nullptr) {
    DemoOptions options;
    options.devices = 2000;  // ~12K events
    options.batch_events = 1000;
    options.duplicates = 0.05;
    options.pipeline_timeout = std::chrono::seconds(60);
    options.progress = progress;
    return options;
  }

  simdjson::dom::element GetJson(const std::string& target) {
    ClientResponse r = Admin("GET", target);
    EXPECT_EQ(r.status, 200) << target << ": " << r.body;
    bodies_.push_back(r.body);
    return parser_.parse(bodies_.back()).value();
  }

  simdjson::dom::parser parser_;
  std::vector<std::string> bodies_;
};

TEST_F(DemoDataTest, FillsADemoAppOverNinetyDaysOnce) {
  std::ostringstream progress;
  // The day the data ends in (or the day before, should midnight pass).
  const int64_t today = store::DayOfMs(service_->clock().NowMs());
  Result<DemoResult> demo = CreateDemoApp(*service_, SmallDemo(&progress));
  ASSERT_TRUE(demo.ok()) << demo.status().ToString();
  EXPECT_TRUE(demo->created);
  EXPECT_GT(demo->events, 10'000u);
  EXPECT_NE(progress.str().find("Creating the demo app: 90 days"), std::string::npos)
      << progress.str();
  EXPECT_NE(progress.str().find(std::to_string(demo->events) + " events, done in"),
            std::string::npos)
      << progress.str();

  Result<App> app = service_->apps().Get(demo->app_id);
  ASSERT_TRUE(app.ok()) << app.status().ToString();
  EXPECT_TRUE(app->demo);
  EXPECT_EQ(app->name, "Demo app");
  EXPECT_EQ(app->platform, "android");
  EXPECT_EQ(app->settings, AppSettings{});
  ClientResponse got = Admin("GET", "/v1/apps/" + demo->app_id);
  EXPECT_NE(got.body.find("\"demo\":true"), std::string::npos) << got.body;
  Result<App> test_app = service_->apps().Get(app_id_);
  ASSERT_TRUE(test_app.ok());
  EXPECT_FALSE(test_app->demo);

  // Every event appended was processed: once, or skipped as a re-send.
  simdjson::dom::element pipeline = GetJson("/v1/pipeline");
  const int64_t applied = pipeline["events_applied"].get_int64();
  const int64_t duplicates = pipeline["duplicates_skipped"].get_int64();
  EXPECT_EQ(static_cast<uint64_t>(applied + duplicates), demo->events);
  EXPECT_GT(duplicates, 0);

  // The stats over a range wider than the data: every applied event is in
  // it, and the data starts about 90 days back and reaches yesterday.
  simdjson::dom::element stats =
      GetJson("/v1/apps/" + demo->app_id + "/stats?from=" + api::FormatDay(today - 100) +
              "&to=" + api::FormatDay(today + 1));
  simdjson::dom::element totals = stats["totals"];
  EXPECT_EQ(totals["events"].get_int64().value(), applied);
  EXPECT_GT(totals["installs"].get_int64().value(), 0);
  EXPECT_GT(totals["revenue"].get_double().value(), 0);
  EXPECT_GT(totals["unique_devices"].get_int64().value(), 0);
  int64_t first_day = -1;
  int64_t last_day = -1;
  int64_t day = today - 100;
  for (simdjson::dom::element row : stats["days"].get_array()) {
    if (row["events"].get_int64().value() > 0) {
      if (first_day < 0) first_day = day;
      last_day = day;
    }
    ++day;
  }
  EXPECT_GE(first_day, today - 90);
  EXPECT_LE(first_day, today - 89);
  EXPECT_GE(last_day, today - 1);

  // A second run finds the demo app and adds nothing.
  Result<std::vector<App>> before = service_->apps().List();
  ASSERT_TRUE(before.ok());
  const uint64_t log_end = service_->event_log().DurableEndOffset();
  std::ostringstream second_progress;
  Result<DemoResult> again = CreateDemoApp(*service_, SmallDemo(&second_progress));
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_FALSE(again->created);
  EXPECT_EQ(again->app_id, demo->app_id);
  EXPECT_EQ(again->events, 0u);
  EXPECT_EQ(second_progress.str(), "");
  Result<std::vector<App>> after = service_->apps().List();
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(after->size(), before->size());
  EXPECT_EQ(service_->event_log().DurableEndOffset(), log_end);

  // Nor after a restart.
  RestartServer();
  again = CreateDemoApp(*service_, SmallDemo());
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_FALSE(again->created);
  EXPECT_EQ(again->app_id, demo->app_id);
}

TEST_F(DemoDataTest, RejectsABatchSizeTheIngestPathWouldNot) {
  DemoOptions options = SmallDemo();
  options.batch_events = 10'001;
  Result<DemoResult> demo = CreateDemoApp(*service_, options);
  ASSERT_FALSE(demo.ok());
  EXPECT_EQ(demo.status().field(), "batch_events");
  Result<std::vector<App>> apps = service_->apps().List();
  ASSERT_TRUE(apps.ok());
  EXPECT_EQ(apps->size(), 1u);  // no demo app made
}

}  // namespace
}  // namespace unmogrowp
