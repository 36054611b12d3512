#include "clickhouse/clickhouse_client.h"

#include <fmt/format.h>

#include <charconv>
#include <mutex>

namespace unmogrowp {

namespace {

// Idle handles kept for reuse; more concurrent callers just make new ones.
constexpr size_t kMaxIdleHandles = 4;
// The part of an exception text quoted in a Status.
constexpr size_t kMaxErrorText = 4096;

void GlobalInitOnce() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

size_t AppendToString(char* data, size_t size, size_t count, void* out) {
  static_cast<std::string*>(out)->append(data, size * count);
  return size * count;
}

std::string Escape(std::string_view text) {
  std::unique_ptr<char, decltype(&curl_free)> escaped(
      curl_easy_escape(nullptr, text.data(), static_cast<int>(text.size())), &curl_free);
  return escaped ? std::string(escaped.get()) : std::string();
}

// The N of "Code: N" that starts every ClickHouse exception text; -1 if none.
int ExceptionCode(std::string_view text) {
  const size_t at = text.find("Code: ");
  if (at == std::string_view::npos) return -1;
  int code = -1;
  const char* begin = text.data() + at + 6;
  std::from_chars(begin, text.data() + text.size(), code);
  return code;
}

std::string_view Trimmed(std::string_view text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ')) {
    text.remove_suffix(1);
  }
  return text.substr(0, kMaxErrorText);
}

Status ServerError(const std::string& server, long http_status, std::string_view body) {
  const std::string message = fmt::format("clickhouse at {} (HTTP {}): {}", server, http_status,
                                          body.empty() ? "no error text" : Trimmed(body));
  switch (ExceptionCode(body)) {
    case 62:  // SYNTAX_ERROR
      return Status::InvalidArgument("sql", message, "invalid_sql");
    case 60:  // UNKNOWN_TABLE
    case 81:  // UNKNOWN_DATABASE
      return Status::NotFound(message);
    case 192:  // UNKNOWN_USER
    case 193:  // WRONG_PASSWORD
    case 194:  // REQUIRED_PASSWORD
    case 516:  // AUTHENTICATION_FAILED (newer servers)
      return Status::Unauthenticated(message);
    case 159:  // TIMEOUT_EXCEEDED
    case 202:  // TOO_MANY_SIMULTANEOUS_QUERIES
    case 209:  // SOCKET_TIMEOUT
    case 210:  // NETWORK_ERROR
    case 252:  // TOO_MANY_PARTS
      return Status::Unavailable(message);
    default:
      if (http_status == 401 || http_status == 403) return Status::Unauthenticated(message);
      if (http_status == 503) return Status::Unavailable(message);
      return Status::Internal(message);
  }
}

Status TransportError(const std::string& server, CURLcode code, const char* detail) {
  const std::string message = fmt::format("clickhouse at {} unavailable: {}", server,
                                          *detail != '\0' ? detail : curl_easy_strerror(code));
  switch (code) {
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_CONNECT:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_SSL_CONNECT_ERROR:
      return Status::Unavailable(message);
    default:
      return Status::Internal(fmt::format("clickhouse at {}: curl error {}: {}", server,
                                          static_cast<int>(code),
                                          *detail != '\0' ? detail : curl_easy_strerror(code)));
  }
}

}  // namespace

ClickHouseClient::ClickHouseClient(ClickHouseOptions options) : options_(std::move(options)) {
  GlobalInitOnce();
  // An empty `Expect:` stops curl from waiting for "100 Continue" before
  // sending a large body (a full second with servers that never send it).
  headers_ = curl_slist_append(nullptr, "Expect:");
  headers_ = curl_slist_append(headers_, "Content-Type: application/octet-stream");
}

ClickHouseClient::~ClickHouseClient() {
  idle_.clear();
  curl_slist_free_all(headers_);
}

Result<std::string> ClickHouseClient::Query(std::string_view sql, const ClickHouseCall& call) {
  return Post({}, sql, call, /*wait_end_of_query=*/true, /*fresh_connection=*/false);
}

Status ClickHouseClient::Execute(std::string_view sql, const ClickHouseCall& call) {
  return Query(sql, call).status();
}

Status ClickHouseClient::Insert(std::string_view insert_sql_prefix, std::string_view rowbinary_body,
                                const ClickHouseCall& call) {
  return Post(insert_sql_prefix, rowbinary_body, call, /*wait_end_of_query=*/false,
              /*fresh_connection=*/true)
      .status();
}

std::string ClickHouseClient::CallUrl(std::string_view query_in_url, const ClickHouseCall& call,
                                      bool wait_end_of_query) const {
  std::string url = options_.endpoint + "/?";
  const std::string& database = call.database ? *call.database : options_.database;
  char sep = '\0';
  auto add = [&](std::string_view key, std::string_view value) {
    if (sep != '\0') url += sep;
    sep = '&';
    url += key;
    url += '=';
    url += Escape(value);
  };
  if (!database.empty()) add("database", database);
  if (!query_in_url.empty()) add("query", query_in_url);
  if (wait_end_of_query) add("wait_end_of_query", "1");
  for (const auto& [key, value] : call.settings) add(Escape(key), value);
  return url;
}

ClickHouseClient::CurlHandle ClickHouseClient::AcquireHandle() {
  {
    std::lock_guard lock(mu_);
    if (!idle_.empty()) {
      CurlHandle handle = std::move(idle_.back());
      idle_.pop_back();
      curl_easy_reset(handle.get());
      return handle;
    }
  }
  return CurlHandle(curl_easy_init());
}

void ClickHouseClient::ReleaseHandle(CurlHandle handle) {
  std::lock_guard lock(mu_);
  if (idle_.size() < kMaxIdleHandles) idle_.push_back(std::move(handle));
}

Result<std::string> ClickHouseClient::Post(std::string_view query_in_url, std::string_view body,
                                           const ClickHouseCall& call, bool wait_end_of_query,
                                           bool fresh_connection) {
  CurlHandle handle = AcquireHandle();
  if (handle == nullptr) return Status::Internal("curl_easy_init failed");
  CURL* h = handle.get();
  const std::string url = CallUrl(query_in_url, call, wait_end_of_query);
  std::string answer;
  char detail[CURL_ERROR_SIZE] = {};

  curl_easy_setopt(h, CURLOPT_URL, url.c_str());
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_POST, 1L);
  curl_easy_setopt(h, CURLOPT_POSTFIELDS, body.data());
  curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers_);
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(options_.connect_timeout.count()));
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(options_.request_timeout.count()));
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, &AppendToString);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &answer);
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, detail);
  if (!options_.user.empty()) {
    curl_easy_setopt(h, CURLOPT_HTTPAUTH, static_cast<long>(CURLAUTH_BASIC));
    curl_easy_setopt(h, CURLOPT_USERNAME, options_.user.c_str());
    curl_easy_setopt(h, CURLOPT_PASSWORD, options_.password.c_str());
  }
  if (fresh_connection) {
    curl_easy_setopt(h, CURLOPT_FRESH_CONNECT, 1L);
    curl_easy_setopt(h, CURLOPT_FORBID_REUSE, 1L);
  }

  const CURLcode code = curl_easy_perform(h);
  if (code != CURLE_OK) {
    // The handle's connection may be half-used; drop it with the handle.
    return TransportError(options_.server, code, detail);
  }
  long http_status = 0;
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &http_status);
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, nullptr);
  ReleaseHandle(std::move(handle));
  if (http_status != 200) return ServerError(options_.server, http_status, answer);
  return answer;
}

}  // namespace unmogrowp
