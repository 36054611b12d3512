#pragma once

// EncodedBatch: a run of binary-encoded events (event/codec.h) back to back,
// with each one's end offset -- what the decoder produces from one request and
// what EventLog::Append takes, so an event is encoded once and copied only
// into the log's write buffer. Not thread-safe; move it between threads.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace unmogrowp {

struct EncodedBatch {
  std::string bytes;           // concatenated encodings
  std::vector<uint32_t> ends;  // ends[i] = end offset of event i in `bytes`

  size_t size() const { return ends.size(); }
  bool empty() const { return ends.empty(); }
  std::string_view at(size_t i) const {
    uint32_t begin = i == 0 ? 0 : ends[i - 1];
    return std::string_view(bytes).substr(begin, ends[i] - begin);
  }
  // Marks the bytes appended since the previous event's end as one event.
  void EndEvent() { ends.push_back(static_cast<uint32_t>(bytes.size())); }
  void clear() {
    bytes.clear();
    ends.clear();
  }
};

}  // namespace unmogrowp
