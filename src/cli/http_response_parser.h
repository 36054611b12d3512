#pragma once

// The load generator's minimal HTTP/1.1 response reader: status line,
// Content-Length, Retry-After and Connection headers, then exactly
// Content-Length body bytes. Chunked bodies are framed (content_length then
// covers the raw chunk stream, not de-chunked); responses without either are
// reported as errors. Also
// reads the few fields of the API's JSON answers the load generator needs,
// without a JSON library. Pure functions over caller-owned bytes.

#include <cstdint>
#include <string_view>
#include <vector>

namespace unmogrowp {

struct HttpResponseHead {
  int status = 0;
  // Bytes of the status line and headers, blank line included.
  size_t header_bytes = 0;
  size_t content_length = 0;
  // Seconds from a Retry-After header in delta-seconds form; -1 when absent
  // (or an HTTP date, which we do not parse).
  int64_t retry_after_s = -1;
  // The server will close the connection after this response.
  bool close = false;
};

enum class HttpParse {
  kNeedMore,  // `data` does not hold the whole response yet
  kDone,      // head filled; the response is data[0, header_bytes + content_length)
  kError,     // not an HTTP/1.x response we can frame
};

// Parses the response at the start of `data`.
HttpParse ParseHttpResponse(std::string_view data, HttpResponseHead* head);

// From a batch answer `{"accepted": n, "rejected": [{"index": i, ...}]}`:
// n (or -1 when missing) and the rejected indexes in ascending order.
// Strings inside the answer cannot fool it: a key is only a key when its
// opening quote is not escaped.
int64_t BatchAccepted(std::string_view body);
void BatchRejectedIndexes(std::string_view body, std::vector<uint32_t>* indexes);

// The string value of the first `"key": "..."` in `json` (raw, escapes left
// as they are); empty when absent.
std::string_view JsonStringField(std::string_view json, std::string_view key);

}  // namespace unmogrowp
