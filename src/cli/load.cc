#include "cli/load.h"

#include <fmt/format.h>
#include <fmt/ostream.h>

#include <algorithm>
#include <condition_variable>
#include <memory>
#include <ostream>
#include <thread>
#include <vector>

#include "cli/ack_file.h"
#include "cli/load_input.h"
#include "cli/load_worker.h"
#include "core/json_writer.h"

namespace unmogrowp {

namespace {

// The parts of --url the load generator uses.
struct ParsedUrl {
  std::string host;
  uint16_t port = 80;
  std::string prefix;  // path before /v1/..., no trailing slash
};

Result<ParsedUrl> ParseUrl(std::string_view url) {
  constexpr std::string_view kScheme = "http://";
  if (url.substr(0, kScheme.size()) != kScheme) {
    return Status::InvalidArgument("url", "expected http://HOST:PORT");
  }
  url.remove_prefix(kScheme.size());
  size_t slash = url.find('/');
  std::string_view authority = url.substr(0, slash);
  ParsedUrl parsed;
  if (slash != std::string_view::npos) parsed.prefix = std::string(url.substr(slash));
  while (!parsed.prefix.empty() && parsed.prefix.back() == '/') parsed.prefix.pop_back();
  std::string_view port;
  if (!authority.empty() && authority.front() == '[') {  // [::1]:8080
    size_t close = authority.find(']');
    if (close == std::string_view::npos) return Status::InvalidArgument("url", "bad IPv6 host");
    parsed.host = std::string(authority.substr(1, close - 1));
    if (close + 1 < authority.size()) {
      if (authority[close + 1] != ':') return Status::InvalidArgument("url", "bad port");
      port = authority.substr(close + 2);
    }
  } else {
    size_t colon = authority.rfind(':');
    parsed.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) port = authority.substr(colon + 1);
  }
  if (parsed.host.empty()) return Status::InvalidArgument("url", "no host");
  if (!port.empty()) {
    unsigned value = 0;
    for (char c : port) {
      if (c < '0' || c > '9' || value > 65535) return Status::InvalidArgument("url", "bad port");
      value = value * 10 + static_cast<unsigned>(c - '0');
    }
    if (value == 0 || value > 65535) return Status::InvalidArgument("url", "bad port");
    parsed.port = static_cast<uint16_t>(value);
  }
  return parsed;
}

Status Validate(const LoadOptions& o) {
  if (o.api_key.empty()) return Status::InvalidArgument("api_key", "required");
  if (o.api_key.find_first_of("\r\n") != std::string::npos) {
    return Status::InvalidArgument("api_key", "must be one line");
  }
  if (o.input.empty()) return Status::InvalidArgument("input", "required");
  if (o.batch_size < 1 || o.batch_size > 10000) {
    return Status::InvalidArgument("batch_size", "must be in 1..10000");
  }
  if (o.connections < 1 || o.connections > 10000) {
    return Status::InvalidArgument("connections", "must be in 1..10000");
  }
  if (o.threads < 1 || o.threads > 256) return Status::InvalidArgument("threads", "1..256");
  if (!(o.duration_s >= 0)) return Status::InvalidArgument("duration", "must be >= 0");
  if (!(o.rate >= 0)) return Status::InvalidArgument("rate", "must be >= 0");
  if (o.max_events < 0) return Status::InvalidArgument("max_events", "must be >= 0");
  if (o.repeat.value_or(false) && o.duration_s == 0 && o.max_events == 0) {
    return Status::InvalidArgument("repeat", "looping needs a --duration or --max-events to stop");
  }
  if (!(o.request_timeout_s > 0)) {
    return Status::InvalidArgument("request_timeout", "must be > 0");
  }
  return Status::OK();
}

double Ms(uint64_t ns) { return static_cast<double>(ns) / 1e6; }

LatencySummary Summarize(const LatencyHistogram& h) {
  LatencySummary s;
  s.p50 = Ms(h.Percentile(50));
  s.p90 = Ms(h.Percentile(90));
  s.p99 = Ms(h.Percentile(99));
  s.p999 = Ms(h.Percentile(99.9));
  s.max = Ms(h.max());
  return s;
}

// Once a second until the workers are done: elapsed time, event rate over
// the last second, p99 so far, errors.
void ReportProgress(const std::vector<std::unique_ptr<LoadWorker>>& workers, int64_t start_ns,
                    std::ostream& out, std::mutex& mu, std::condition_variable& cv,
                    const size_t& finished) {
  uint64_t last_acked = 0;
  int64_t last_ns = start_ns;
  std::unique_lock<std::mutex> lock(mu);
  while (!cv.wait_for(lock, std::chrono::seconds(1), [&] { return finished == workers.size(); })) {
    LoadReport now;
    LatencyHistogram latency;
    for (const auto& w : workers) {
      w->counters().AddTo(&now);
      latency.Merge(w->LatencySnapshot());
    }
    const int64_t t = LoadNowNs();
    const double interval = std::max(1e-9, (t - last_ns) / 1e9);
    fmt::print(out,
               "load: {:6.1f}s  {:>10.0f} events/s  {:>8} requests  p99 {:.2f} ms  errors {}  "
               "retried {}\n",
               (t - start_ns) / 1e9, (now.acknowledged - last_acked) / interval, now.responses,
               Ms(latency.Percentile(99)), now.errors(), now.retried);
    out.flush();
    last_acked = now.acknowledged;
    last_ns = t;
  }
}

}  // namespace

Result<LoadReport> RunLoad(const LoadOptions& options) {
  UM_RETURN_IF_ERROR(Validate(options));
  UM_ASSIGN_OR_RETURN(ParsedUrl url, ParseUrl(options.url));
  UM_ASSIGN_OR_RETURN(LoadInput input, LoadInput::Open(options.input));
  UM_ASSIGN_OR_RETURN(SocketAddress server, ResolveAddress(url.host, url.port));
  std::unique_ptr<AckFile> ack_file;
  if (!options.ack_file.empty()) {
    UM_ASSIGN_OR_RETURN(AckFile file, AckFile::Open(options.ack_file));
    ack_file = std::make_unique<AckFile>(std::move(file));
  }
  UM_RETURN_IF_ERROR(ProbeConnect(server));

  LoadPlan plan;
  plan.input = &input;
  plan.mode = options.mode;
  plan.batch_size = options.mode == LoadMode::kSingle ? 1 : static_cast<size_t>(options.batch_size);
  plan.repeat = options.repeat.value_or(options.duration_s > 0);
  plan.max_events = static_cast<uint64_t>(options.max_events);
  plan.rate = options.rate;
  plan.request_timeout_ns = static_cast<int64_t>(options.request_timeout_s * 1e9);
  plan.server = server;
  plan.ack_file = ack_file.get();
  const bool v6 = url.host.find(':') != std::string::npos;
  plan.head_prefix = fmt::format(
      "POST {}{} HTTP/1.1\r\nHost: {}{}{}:{}\r\nX-Api-Key: {}\r\nContent-Type: {}\r\n"
      "Content-Length: ",
      url.prefix,
      !options.path.empty()               ? options.path
      : options.mode == LoadMode::kSingle ? "/v1/events"
                                          : "/v1/events/batch",
      v6 ? "[" : "", url.host, v6 ? "]" : "", url.port, options.api_key,
      options.mode == LoadMode::kSingle ? "application/json" : "application/x-ndjson");

  const int threads = std::min(options.threads, options.connections);
  std::vector<std::unique_ptr<LoadWorker>> workers;
  for (int t = 0; t < threads; ++t) {
    int share = options.connections / threads + (t < options.connections % threads ? 1 : 0);
    workers.push_back(std::make_unique<LoadWorker>(&plan, share));
  }
  plan.start_ns = LoadNowNs();
  if (options.duration_s > 0) {
    plan.deadline_ns = plan.start_ns + static_cast<int64_t>(options.duration_s * 1e9);
  }
  std::mutex mu;
  std::condition_variable cv;
  size_t finished = 0;
  std::vector<std::thread> threads_running;
  for (auto& worker : workers) {
    threads_running.emplace_back([&, w = worker.get()] {
      w->Run();
      std::lock_guard<std::mutex> lock(mu);
      ++finished;
      cv.notify_all();
    });
  }
  if (options.progress != nullptr) {
    ReportProgress(workers, plan.start_ns, *options.progress, mu, cv, finished);
  }
  for (std::thread& t : threads_running) t.join();

  LoadReport report;
  LatencyHistogram latency;
  int64_t end_ns = plan.start_ns;
  for (const auto& w : workers) {
    UM_RETURN_IF_ERROR(w->status());
    w->counters().AddTo(&report);
    latency.Merge(w->LatencySnapshot());
    end_ns = std::max(end_ns, w->finished_ns());
    report.cpu_s += w->cpu_s();
  }
  report.elapsed_s = (end_ns - plan.start_ns) / 1e9;
  report.latency_ms = Summarize(latency);
  return report;
}

std::string FormatLoadReport(const LoadReport& r) {
  return fmt::format(
      "elapsed      {:.2f} s\n"
      "requests     {} sent, {} answered ({:.0f}/s)\n"
      "events       {} sent, {} acknowledged ({:.0f}/s), {} rejected\n"
      "answers      2xx {}, 4xx {}, 429/503 {} (retried), other {}\n"
      "errors       {} (connection errors {}, connections opened {})\n"
      "cpu          {:.2f} s ({:.0f}% of one core)\n"
      "latency ms   p50 {:.3f}  p90 {:.3f}  p99 {:.3f}  p99.9 {:.3f}  max {:.3f}\n",
      r.elapsed_s, r.requests_sent, r.responses, r.requests_per_sec(), r.events_sent,
      r.acknowledged, r.events_per_sec(), r.rejected, r.http_2xx, r.http_4xx, r.retried,
      r.http_other, r.errors(), r.connection_errors, r.connections_opened, r.cpu_s,
      r.elapsed_s > 0 ? 100 * r.cpu_s / r.elapsed_s : 0.0, r.latency_ms.p50, r.latency_ms.p90,
      r.latency_ms.p99, r.latency_ms.p999, r.latency_ms.max);
}

std::string LoadReportJson(const LoadReport& r) {
  std::string out;
  JsonWriter w(&out);
  w.BeginObject();
  w.Key("events_per_sec").Double(r.events_per_sec());
  w.Key("requests_per_sec").Double(r.requests_per_sec());
  w.Key("acknowledged").Uint(r.acknowledged);
  w.Key("rejected").Uint(r.rejected);
  w.Key("errors").Uint(r.errors());
  w.Key("latency_ms").BeginObject();
  w.Key("p50").Double(r.latency_ms.p50);
  w.Key("p90").Double(r.latency_ms.p90);
  w.Key("p99").Double(r.latency_ms.p99);
  w.Key("p999").Double(r.latency_ms.p999);
  w.Key("max").Double(r.latency_ms.max);
  w.EndObject();
  w.Key("elapsed_s").Double(r.elapsed_s);
  w.Key("requests_sent").Uint(r.requests_sent);
  w.Key("responses").Uint(r.responses);
  w.Key("events_sent").Uint(r.events_sent);
  w.Key("http_2xx").Uint(r.http_2xx);
  w.Key("http_4xx").Uint(r.http_4xx);
  w.Key("retried").Uint(r.retried);
  w.Key("http_other").Uint(r.http_other);
  w.Key("connection_errors").Uint(r.connection_errors);
  w.Key("connections_opened").Uint(r.connections_opened);
  w.Key("cpu_s").Double(r.cpu_s);
  w.EndObject();
  return out;
}

}  // namespace unmogrowp
