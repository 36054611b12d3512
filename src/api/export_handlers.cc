#include "api/export_handlers.h"

#include <fmt/format.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "analytics/report_data.h"
#include "api/auth.h"
#include "api/report_params.h"
#include "event/codec.h"
#include "event/json.h"
#include "meta/app_store.h"
#include "store/keys.h"

namespace unmogrowp::api {

namespace {

using http::HttpRequest;
using http::HttpResponse;

constexpr size_t kChunkBytes = 64 * 1024;
constexpr int64_t kMsPerDay = 86'400'000;

enum class Format { kNdjson, kCsv };

constexpr std::string_view kCsvHeader =
    "app_id,event_id,event_type,timestamp,device_id,user_id,ip,user_agent,source,medium,"
    "campaign,revenue,currency,properties\r\n";

// RFC 4180: a field with a comma, quote, CR or LF is quoted, quotes doubled.
void AppendCsvField(std::string_view value, std::string* out) {
  if (value.find_first_of(",\"\r\n") == std::string_view::npos) {
    out->append(value);
    return;
  }
  out->push_back('"');
  for (char c : value) {
    if (c == '"') out->push_back('"');
    out->push_back(c);
  }
  out->push_back('"');
}

void AppendCsvRow(const EventView& e, std::string* out) {
  std::string_view fields[] = {e.app_id, e.event_id, e.event_type};
  for (std::string_view f : fields) {
    AppendCsvField(f, out);
    out->push_back(',');
  }
  fmt::format_to(std::back_inserter(*out), "{},", e.timestamp_ms);
  std::string_view middle[] = {e.device_id, e.user_id, e.ip,      e.user_agent,
                               e.source,    e.medium,  e.campaign};
  for (std::string_view f : middle) {
    AppendCsvField(f, out);
    out->push_back(',');
  }
  fmt::format_to(std::back_inserter(*out), "{},", e.revenue);
  AppendCsvField(e.currency, out);
  out->push_back(',');
  AppendCsvField(e.properties, out);
  out->append("\r\n");
}

class ExportStream : public http::BodyStream {
 public:
  ExportStream(const analytics::ReportData* data, std::string app_id, int64_t from_ms,
               int64_t to_ms, Format format)
      : data_(data),
        app_id_(std::move(app_id)),
        from_ms_(from_ms),
        to_ms_(to_ms),
        format_(format) {}

  Result<bool> Next(std::string* chunk) override {
    if (format_ == Format::kCsv && !header_sent_) {
      chunk->append(kCsvHeader);
      header_sent_ = true;
    }
    while (chunk->size() < kChunkBytes) {
      if (next_ == fetched_.size()) {
        if (exhausted_) return false;
        UM_RETURN_IF_ERROR(Fetch());
        if (fetched_.empty()) return false;
      }
      EventView event;
      UM_RETURN_IF_ERROR(DecodeEncoded(fetched_[next_++], &event));
      if (format_ == Format::kNdjson) {
        AppendEventJson(event, chunk);
        chunk->push_back('\n');
      } else {
        AppendCsvRow(event, chunk);
      }
    }
    return !(exhausted_ && next_ == fetched_.size());
  }

 private:
  const analytics::ReportData* data_;
  std::string app_id_;
  int64_t from_ms_;
  int64_t to_ms_;
  Format format_;
  // The next events to send, read kFetchEvents at a time: one read of the
  // backend serves many chunks (a ClickHouse query per 64 KiB chunk would
  // cost a query per few hundred events).
  Status Fetch() {
    fetched_.clear();
    next_ = 0;
    UM_RETURN_IF_ERROR(data_->Events(
        app_id_, from_ms_, to_ms_, last_,
        [&](const analytics::ReportData::EventPosition& at, std::string_view payload) {
          fetched_.emplace_back(payload);
          last_ = at;
          return fetched_.size() < kFetchEvents;
        }));
    exhausted_ = fetched_.size() < kFetchEvents;
    return Status::OK();
  }

  static constexpr size_t kFetchEvents = 20000;
  std::vector<std::string> fetched_;
  size_t next_ = 0;
  bool exhausted_ = false;
  std::optional<analytics::ReportData::EventPosition> last_;  // the last event fetched
  bool header_sent_ = false;
};

Result<HttpResponse> Export(const ApiContext& context, HttpRequest& request) {
  std::string app_id(request.path_params[0]);
  UM_RETURN_IF_ERROR(context.apps->Get(app_id).status());
  UM_ASSIGN_OR_RETURN(auto params, ParseQuery(request.query));
  UM_ASSIGN_OR_RETURN(DayRange range,
                      ParseDayRange(params, store::DayOfMs(context.clock->NowMs())));
  Format format = Format::kNdjson;
  if (auto it = params.find("format"); it != params.end()) {
    if (it->second == "csv") {
      format = Format::kCsv;
    } else if (it->second != "ndjson") {
      return BadParam("format",
                      fmt::format("format must be ndjson or csv, got \"{}\"", it->second));
    }
  }
  HttpResponse response;
  response.content_type =
      format == Format::kCsv ? "text/csv; charset=utf-8" : "application/x-ndjson";
  response.headers.emplace_back(
      "Content-Disposition",
      fmt::format("attachment; filename=\"events-{}-{}-{}.{}\"", app_id, FormatDay(range.from_day),
                  FormatDay(range.to_day), format == Format::kCsv ? "csv" : "ndjson"));
  response.stream = std::make_shared<ExportStream>(context.data, app_id, range.from_day * kMsPerDay,
                                                   (range.to_day + 1) * kMsPerDay - 1, format);
  return response;
}

}  // namespace

void AddExportRoutes(http::Router* router, const ApiContext* context) {
  router->Add("GET", "/v1/apps/{app_id}/events/export", "events_export",
              AdminOnly(&context->admin_token,
                        [context](HttpRequest& request) { return Export(*context, request); }));
}

}  // namespace unmogrowp::api
