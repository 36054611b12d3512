// Starts the whole server in-process on port 0 with a temp data dir and checks
// the ingestion contract of API.md over real HTTP: auth, single and batch
// events, partial acceptance, limits, malformed bodies, durability across a
// restart, and the metrics that count it all.

#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <random>

#include "event/codec.h"
#include "log/dump_log.h"
#include "server_fixture.h"

namespace unmogrowp {
namespace {

class IngestTest : public ServerTest {
 protected:
  // event_id -> number of times it is in the log.
  std::map<std::string, int> LoggedEventIds() {
    std::map<std::string, int> ids;
    Status s = DumpLog((dir_ / "log").string(), [&](const LogRecord& record) {
      EventView e;
      EXPECT_TRUE(DecodeEncoded(record.payload, &e).ok());
      EXPECT_EQ(e.app_id, app_id_);
      ids[std::string(e.event_id)]++;
    });
    EXPECT_TRUE(s.ok()) << s.ToString();
    return ids;
  }
};

constexpr std::string_view kInstall =
    R"({"event_id":"e-1","event_type":"install","timestamp":1700000000000,"device_id":"d1"})";

TEST_F(IngestTest, HealthzIsOk) {
  auto r = Call("GET", "/healthz", {});
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, R"({"status":"ok"})");
}

TEST_F(IngestTest, SingleEventIsAcknowledgedAndLogged) {
  auto r = Ingest("/v1/events", kInstall);
  ASSERT_EQ(r.status, 202) << r.body;
  EXPECT_EQ(r.body, R"({"event_id":"e-1"})");
  auto generated = Ingest(
      "/v1/events", R"({"event_type":"open","timestamp":"2023-11-14T22:13:20Z","device_id":"d1"})");
  ASSERT_EQ(generated.status, 202) << generated.body;
  std::string id = Field(generated.body, "event_id");
  EXPECT_EQ(id.size(), 36u);
  auto ids = LoggedEventIds();
  EXPECT_EQ(ids["e-1"], 1);
  EXPECT_EQ(ids[id], 1);
}

TEST_F(IngestTest, MissingOrUnknownKeyIs401) {
  auto none = Call("POST", "/v1/events", {}, kInstall);
  EXPECT_EQ(none.status, 401);
  EXPECT_NE(none.body.find("\"code\":\"unauthorized\""), std::string::npos);
  auto wrong = Call("POST", "/v1/events", {{"X-Api-Key", "umk_nope"}}, kInstall);
  EXPECT_EQ(wrong.status, 401);
  auto admin = Call("GET", "/v1/apps", {{"Authorization", "Bearer wrong"}});
  EXPECT_EQ(admin.status, 401);
  EXPECT_TRUE(LoggedEventIds().empty());
}

TEST_F(IngestTest, InvalidSingleEventNamesTheField) {
  auto r = Ingest("/v1/events", R"({"event_type":"install","timestamp":1.5,"device_id":"d1"})");
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("\"field\":\"timestamp\""), std::string::npos) << r.body;
  auto mismatch = Ingest(
      "/v1/events",
      R"({"event_type":"install","timestamp":1700000000000,"device_id":"d1","app_id":"other"})");
  EXPECT_EQ(mismatch.status, 400);
  EXPECT_NE(mismatch.body.find("\"code\":\"app_mismatch\""), std::string::npos);
  EXPECT_NE(mismatch.body.find("\"field\":\"app_id\""), std::string::npos);
  auto bad_json = Ingest("/v1/events", R"({"event_type":"install",)");
  EXPECT_EQ(bad_json.status, 400);
  EXPECT_NE(bad_json.body.find("\"code\":\"invalid_json\""), std::string::npos);
  auto nan = Ingest(
      "/v1/events",
      R"({"event_type":"purchase","timestamp":1700000000000,"device_id":"d","revenue":NaN})");
  EXPECT_EQ(nan.status, 400);
  EXPECT_NE(nan.body.find("\"code\":\"invalid_json\""), std::string::npos);
  EXPECT_TRUE(LoggedEventIds().empty());
}

TEST_F(IngestTest, BatchAcceptsValidNextToInvalid) {
  std::string body = R"([
    {"event_id":"b-0","event_type":"click","timestamp":1700000000000,"device_id":"d1","source":"google_ads"},
    {"event_id":"b-1","event_type":"click","timestamp":1700000000000,"device_id":"d1"},
    42,
    {"event_id":"b-3","event_type":"install","timestamp":1700000001000,"device_id":"d1"}
  ])";
  auto r = Ingest("/v1/events/batch", body);
  ASSERT_EQ(r.status, 202) << r.body;
  EXPECT_NE(r.body.find("\"accepted\":2"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find(R"({"index":1,"code":"missing_field")"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find(R"("field":"source")"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find(R"({"index":2,"code":"invalid_event")"), std::string::npos) << r.body;
  auto ids = LoggedEventIds();
  EXPECT_EQ(ids.size(), 2u);
  EXPECT_EQ(ids["b-0"], 1);
  EXPECT_EQ(ids["b-3"], 1);
}

TEST_F(IngestTest, BatchWrappedObjectAndNdjson) {
  auto wrapped =
      Ingest("/v1/events/batch", std::string(R"({"events":[)") + std::string(kInstall) + "]}");
  ASSERT_EQ(wrapped.status, 202) << wrapped.body;
  EXPECT_NE(wrapped.body.find("\"accepted\":1"), std::string::npos);
  std::string ndjson =
      R"({"event_id":"n-0","event_type":"open","timestamp":1700000000000,"device_id":"d2"})"
      "\n\n"
      "not json\n"
      R"({"event_id":"n-2","event_type":"open","timestamp":1700000000000,"device_id":"d2"})"
      "\n";
  auto r = Ingest("/v1/events/batch", ndjson, "application/x-ndjson");
  ASSERT_EQ(r.status, 202) << r.body;
  EXPECT_NE(r.body.find("\"accepted\":2"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find(R"({"index":1,"code":"invalid_json")"), std::string::npos) << r.body;
  auto ids = LoggedEventIds();
  EXPECT_EQ(ids["n-0"], 1);
  EXPECT_EQ(ids["n-2"], 1);
}

TEST_F(IngestTest, UnparseableBatchAcceptsNothing) {
  auto r = Ingest("/v1/events/batch", std::string("[") + std::string(kInstall) + ",{]");
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("\"code\":\"invalid_json\""), std::string::npos);
  EXPECT_TRUE(LoggedEventIds().empty());
}

TEST_F(IngestTest, TooManyEventsIs413) {
  std::string body = "[";
  for (int i = 0; i < 10001; ++i) {
    if (i > 0) body += ",";
    body += R"({"event_type":"open","timestamp":1700000000000,"device_id":"d"})";
  }
  body += "]";
  auto r = Ingest("/v1/events/batch", body);
  EXPECT_EQ(r.status, 413) << r.body.substr(0, 200);
  EXPECT_TRUE(LoggedEventIds().empty());
}

TEST_F(IngestTest, BodyOverTenMebibytesIs413) {
  std::string body = "[" + std::string(10 * 1024 * 1024, ' ') + "]";
  auto r = Ingest("/v1/events/batch", body);
  EXPECT_EQ(r.status, 413);
  EXPECT_NE(r.body.find("payload_too_large"), std::string::npos);
}

TEST_F(IngestTest, EventsAndKeysSurviveARestart) {
  ASSERT_EQ(Ingest("/v1/events", kInstall).status, 202);
  RestartServer();
  auto r = Ingest(
      "/v1/events",
      R"({"event_id":"e-2","event_type":"open","timestamp":1700000000000,"device_id":"d1"})");
  EXPECT_EQ(r.status, 202) << r.body;
  auto ids = LoggedEventIds();
  EXPECT_EQ(ids["e-1"], 1);
  EXPECT_EQ(ids["e-2"], 1);
}

TEST_F(IngestTest, RotatedKeyStopsWorkingAtOnce) {
  auto rotated = Admin("POST", "/v1/apps/" + app_id_ + "/rotate-key");
  ASSERT_EQ(rotated.status, 200) << rotated.body;
  std::string new_key = Field(rotated.body, "api_key");
  ASSERT_FALSE(new_key.empty());
  EXPECT_EQ(Ingest("/v1/events", kInstall).status, 401);
  api_key_ = new_key;
  EXPECT_EQ(Ingest("/v1/events", kInstall).status, 202);
}

TEST_F(IngestTest, AppEndpoints) {
  auto list = Admin("GET", "/v1/apps");
  ASSERT_EQ(list.status, 200);
  EXPECT_NE(list.body.find(app_id_), std::string::npos);
  EXPECT_EQ(list.body.find("api_key"), std::string::npos) << "keys are shown only once";
  auto get = Admin("GET", "/v1/apps/" + app_id_);
  EXPECT_EQ(get.status, 200);
  EXPECT_NE(get.body.find("\"click_lookback_hours\":168"), std::string::npos) << get.body;
  auto patch = Admin("PATCH", "/v1/apps/" + app_id_, R"({"settings":{"click_lookback_hours":72}})");
  EXPECT_EQ(patch.status, 200) << patch.body;
  EXPECT_NE(patch.body.find("\"click_lookback_hours\":72"), std::string::npos);
  EXPECT_NE(patch.body.find("\"impression_lookback_hours\":24"), std::string::npos);
  auto negative =
      Admin("PATCH", "/v1/apps/" + app_id_, R"({"settings":{"click_lookback_hours":-1}})");
  EXPECT_EQ(negative.status, 400);
  EXPECT_NE(negative.body.find("settings.click_lookback_hours"), std::string::npos)
      << negative.body;
  EXPECT_EQ(Admin("GET", "/v1/apps/app_missing").status, 404);
  auto bad_platform = Admin("POST", "/v1/apps", R"({"name":"x","platform":"symbian"})");
  EXPECT_EQ(bad_platform.status, 400);
  EXPECT_NE(bad_platform.body.find("\"field\":\"platform\""), std::string::npos);
}

TEST_F(IngestTest, MetricsCountAcceptedAndRejected) {
  ASSERT_EQ(Ingest("/v1/events", kInstall).status, 202);
  ASSERT_EQ(Ingest("/v1/events", R"({"event_type":"install"})").status, 400);
  auto m = Call("GET", "/metrics", {});
  ASSERT_EQ(m.status, 200);
  EXPECT_NE(m.body.find("unmogrowp_events_accepted_total 1"), std::string::npos) << m.body;
  EXPECT_NE(m.body.find("unmogrowp_events_rejected_total{code=\"missing_field\"} 1"),
            std::string::npos);
  EXPECT_NE(m.body.find("unmogrowp_http_requests_total{route=\"events\",status=\"202\"} 1"),
            std::string::npos);
  EXPECT_NE(m.body.find("unmogrowp_log_fsync_seconds_count"), std::string::npos);
  EXPECT_NE(m.body.find("unmogrowp_log_bytes_written_total"), std::string::npos);
}

}  // namespace
}  // namespace unmogrowp
