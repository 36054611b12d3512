#include "cli/http_response_parser.h"

#include <algorithm>
#include <cctype>

#include "core/ascii.h"

namespace unmogrowp {

namespace {

bool ContainsTokenIgnoreCase(std::string_view value, std::string_view token) {
  for (size_t i = 0; i + token.size() <= value.size(); ++i) {
    if (EqualsIgnoreCase(value.substr(i, token.size()), token)) return true;
  }
  return false;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// A non-negative decimal that fills `s`; -1 otherwise.
int64_t ParseCount(std::string_view s) {
  if (s.empty() || s.size() > 18) return -1;
  int64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return -1;
    v = v * 10 + (c - '0');
  }
  return v;
}

// Position just after `"key"` followed by optional spaces and ':' (and
// spaces), searching from `from`; npos when absent.
size_t FindKey(std::string_view json, std::string_view key, size_t from) {
  while (from < json.size()) {
    size_t at = json.find(key, from);
    if (at == std::string_view::npos) return at;
    from = at + key.size();
    if (at == 0 || json[at - 1] != '"' || (at >= 2 && json[at - 2] == '\\') ||
        from >= json.size() || json[from] != '"') {
      continue;
    }
    size_t p = from + 1;
    while (p < json.size() && std::isspace(static_cast<unsigned char>(json[p]))) ++p;
    if (p >= json.size() || json[p] != ':') continue;
    ++p;
    while (p < json.size() && std::isspace(static_cast<unsigned char>(json[p]))) ++p;
    return p;
  }
  return std::string_view::npos;
}

int64_t NumberAt(std::string_view json, size_t p) {
  size_t end = p;
  while (end < json.size() && json[end] >= '0' && json[end] <= '9') ++end;
  return ParseCount(json.substr(p, end - p));
}

}  // namespace

HttpParse ParseHttpResponse(std::string_view data, HttpResponseHead* head) {
  size_t end = data.find("\r\n\r\n");
  if (end == std::string_view::npos) {
    // A head larger than 64 KiB is not a response we expect.
    return data.size() > 65536 ? HttpParse::kError : HttpParse::kNeedMore;
  }
  *head = HttpResponseHead();
  head->header_bytes = end + 4;
  std::string_view lines = data.substr(0, end + 2);
  size_t eol = lines.find("\r\n");
  std::string_view status_line = lines.substr(0, eol);
  // "HTTP/1.1 202 Accepted"
  if (status_line.size() < 12 || status_line.substr(0, 7) != "HTTP/1." || status_line[8] != ' ') {
    return HttpParse::kError;
  }
  const bool http10 = status_line[7] == '0';
  int64_t status = ParseCount(status_line.substr(9, 3));
  if (status < 100 || status > 599) return HttpParse::kError;
  head->status = static_cast<int>(status);
  head->close = http10;
  bool have_length = false;
  bool chunked = false;
  size_t pos = eol + 2;
  while (pos < lines.size()) {
    size_t next = lines.find("\r\n", pos);
    std::string_view line = lines.substr(pos, next - pos);
    pos = next + 2;
    size_t colon = line.find(':');
    if (colon == std::string_view::npos) return HttpParse::kError;
    std::string_view name = line.substr(0, colon);
    std::string_view value = Trim(line.substr(colon + 1));
    if (EqualsIgnoreCase(name, "content-length")) {
      int64_t n = ParseCount(value);
      if (n < 0) return HttpParse::kError;
      head->content_length = static_cast<size_t>(n);
      have_length = true;
    } else if (EqualsIgnoreCase(name, "transfer-encoding")) {
      if (!ContainsTokenIgnoreCase(value, "chunked")) return HttpParse::kError;
      chunked = true;
    } else if (EqualsIgnoreCase(name, "retry-after")) {
      head->retry_after_s = ParseCount(value);
    } else if (EqualsIgnoreCase(name, "connection")) {
      if (ContainsTokenIgnoreCase(value, "close")) head->close = true;
      if (http10 && ContainsTokenIgnoreCase(value, "keep-alive")) head->close = false;
    }
  }
  const bool bodiless = head->status < 200 || head->status == 204 || head->status == 304;
  if (chunked && !bodiless) {
    // Frame the chunks (other servers, e.g. ClickHouse, answer this way); the
    // body handed on is the raw chunk stream, which is only searched for the
    // batch answer's fields.
    size_t p = head->header_bytes;
    while (true) {
      size_t line_end = data.find("\r\n", p);
      if (line_end == std::string_view::npos) return HttpParse::kNeedMore;
      std::string_view size_text = data.substr(p, line_end - p);
      size_text = size_text.substr(0, size_text.find(';'));
      if (size_text.empty() || size_text.size() > 15) return HttpParse::kError;
      size_t size = 0;
      for (char c : size_text) {
        int digit =
            std::isxdigit(static_cast<unsigned char>(c))
                ? (std::isdigit(static_cast<unsigned char>(c)) ? c - '0' : (c | 0x20) - 'a' + 10)
                : -1;
        if (digit < 0) return HttpParse::kError;
        size = size * 16 + static_cast<size_t>(digit);
      }
      p = line_end + 2;
      if (size == 0) {
        // No trailers expected: the last chunk is followed by an empty line.
        if (data.size() < p + 2) return HttpParse::kNeedMore;
        if (data.substr(p, 2) != "\r\n") return HttpParse::kError;
        head->content_length = p + 2 - head->header_bytes;
        return HttpParse::kDone;
      }
      if (data.size() < p + size + 2) return HttpParse::kNeedMore;
      p += size + 2;
    }
  }
  if (!have_length && !bodiless) return HttpParse::kError;
  if (data.size() < head->header_bytes + head->content_length) return HttpParse::kNeedMore;
  return HttpParse::kDone;
}

int64_t BatchAccepted(std::string_view body) {
  size_t p = FindKey(body, "accepted", 0);
  return p == std::string_view::npos ? -1 : NumberAt(body, p);
}

void BatchRejectedIndexes(std::string_view body, std::vector<uint32_t>* indexes) {
  indexes->clear();
  size_t p = FindKey(body, "rejected", 0);
  while (p != std::string_view::npos) {
    p = FindKey(body, "index", p);
    if (p == std::string_view::npos) break;
    int64_t index = NumberAt(body, p);
    if (index >= 0 && index <= UINT32_MAX) indexes->push_back(static_cast<uint32_t>(index));
  }
  std::sort(indexes->begin(), indexes->end());
}

std::string_view JsonStringField(std::string_view json, std::string_view key) {
  size_t p = FindKey(json, key, 0);
  if (p == std::string_view::npos || json[p] != '"') return {};
  size_t start = p + 1;
  for (size_t i = start; i < json.size(); ++i) {
    if (json[i] == '\\') {
      ++i;
    } else if (json[i] == '"') {
      return json.substr(start, i - start);
    }
  }
  return {};
}

}  // namespace unmogrowp
