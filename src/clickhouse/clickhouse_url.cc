#include "clickhouse/clickhouse_url.h"

#include <curl/curl.h>
#include <fmt/format.h>

#include <charconv>
#include <memory>

namespace unmogrowp {

namespace {

constexpr const char* kField = "clickhouse_url";

// The URL with its passwords masked, for error messages.
std::string Redacted(std::string_view url) {
  std::string out(url);
  const size_t authority = out.find("://");
  if (authority != std::string::npos) {
    const size_t at = out.find('@', authority + 3);
    const size_t colon = out.find(':', authority + 3);
    const size_t slash = out.find('/', authority + 3);
    if (at != std::string::npos && colon != std::string::npos && colon < at &&
        (slash == std::string::npos || at < slash)) {
      out.replace(colon + 1, at - colon - 1, "***");
    }
  }
  for (size_t key = out.find("password="); key != std::string::npos;
       key = out.find("password=", key + 1)) {
    const size_t value = key + 9;
    const size_t end = out.find('&', value);
    out.replace(value, (end == std::string::npos ? out.size() : end) - value, "***");
  }
  return out;
}

Status Invalid(std::string_view url, std::string_view why) {
  return Status::InvalidArgument(kField, fmt::format("'{}': {}", Redacted(url), why));
}

struct CurlUrlDeleter {
  void operator()(CURLU* h) const { curl_url_cleanup(h); }
};
struct CurlStringDeleter {
  void operator()(char* s) const { curl_free(s); }
};
using CurlString = std::unique_ptr<char, CurlStringDeleter>;

// The part, or "" when the URL has none.
std::string UrlPart(CURLU* h, CURLUPart part, unsigned flags = 0) {
  char* raw = nullptr;
  if (curl_url_get(h, part, &raw, flags) != CURLUE_OK || raw == nullptr) return "";
  CurlString owned(raw);
  return std::string(owned.get());
}

Result<std::string> PercentDecode(std::string_view url, std::string_view text) {
  int length = 0;
  CurlString decoded(
      curl_easy_unescape(nullptr, text.data(), static_cast<int>(text.size()), &length));
  if (decoded == nullptr) return Invalid(url, "cannot percent-decode a query value");
  return std::string(decoded.get(), static_cast<size_t>(length));
}

}  // namespace

bool IsClickHouseIdentifier(std::string_view name) {
  if (name.empty() || name.size() > 128) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    const bool letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
    const bool digit = c >= '0' && c <= '9';
    if (!letter && !(digit && i > 0)) return false;
  }
  return true;
}

Result<ClickHouseOptions> ParseClickHouseUrl(std::string_view url) {
  if (url.empty()) return Invalid(url, "empty; expected clickhouse://host:port[/database]");
  std::unique_ptr<CURLU, CurlUrlDeleter> h(curl_url());
  if (h == nullptr) return Status::Internal("curl_url: out of memory");
  const std::string text(url);
  const CURLUcode rc = curl_url_set(h.get(), CURLUPART_URL, text.c_str(), CURLU_NON_SUPPORT_SCHEME);
  if (rc != CURLUE_OK) return Invalid(url, curl_url_strerror(rc));

  const std::string scheme = UrlPart(h.get(), CURLUPART_SCHEME);
  std::string transport;
  std::string default_port;
  if (scheme == "clickhouse") {
    transport = "http";
    default_port = "8123";
  } else if (scheme == "http") {
    transport = "http";
    default_port = "80";
  } else if (scheme == "https") {
    transport = "https";
    default_port = "443";
  } else {
    return Invalid(url, fmt::format("scheme '{}' is not clickhouse, http or https", scheme));
  }

  const std::string host = UrlPart(h.get(), CURLUPART_HOST);
  if (host.empty()) return Invalid(url, "no host");
  std::string port = UrlPart(h.get(), CURLUPART_PORT);
  if (port.empty()) port = default_port;

  ClickHouseOptions options;
  options.endpoint = fmt::format("{}://{}:{}", transport, host, port);
  options.server = fmt::format("{}:{}", host, port);
  options.user = UrlPart(h.get(), CURLUPART_USER, CURLU_URLDECODE);
  options.password = UrlPart(h.get(), CURLUPART_PASSWORD, CURLU_URLDECODE);

  std::string path = UrlPart(h.get(), CURLUPART_PATH);
  std::string_view db(path);
  while (!db.empty() && db.front() == '/') db.remove_prefix(1);
  while (!db.empty() && db.back() == '/') db.remove_suffix(1);
  if (!db.empty()) options.database = std::string(db);

  const std::string query = UrlPart(h.get(), CURLUPART_QUERY);
  std::string_view rest(query);
  while (!rest.empty()) {
    const size_t amp = rest.find('&');
    std::string_view pair = rest.substr(0, amp);
    rest = amp == std::string_view::npos ? std::string_view() : rest.substr(amp + 1);
    if (pair.empty()) continue;
    const size_t eq = pair.find('=');
    const std::string_view key = pair.substr(0, eq);
    UM_ASSIGN_OR_RETURN(std::string value,
                        PercentDecode(url, eq == std::string_view::npos ? std::string_view()
                                                                        : pair.substr(eq + 1)));
    if (key == "user") {
      options.user = std::move(value);
    } else if (key == "password") {
      options.password = std::move(value);
    } else if (key == "database") {
      options.database = std::move(value);
    } else if (key == "connect_timeout_ms" || key == "request_timeout_ms") {
      int64_t ms = 0;
      auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), ms);
      if (ec != std::errc() || end != value.data() + value.size() || ms < 1 || ms > 3'600'000) {
        return Invalid(url, fmt::format("{} must be 1 to 3600000 (ms)", key));
      }
      (key == "connect_timeout_ms" ? options.connect_timeout : options.request_timeout) =
          std::chrono::milliseconds(ms);
    } else {
      return Invalid(url, fmt::format("unknown parameter '{}' (known: user, password, database, "
                                      "connect_timeout_ms, request_timeout_ms)",
                                      key));
    }
  }
  if (!IsClickHouseIdentifier(options.database)) {
    return Invalid(url,
                   fmt::format("database '{}' is not a plain identifier ([A-Za-z_][A-Za-z0-9_]*)",
                               options.database));
  }
  return options;
}

}  // namespace unmogrowp
