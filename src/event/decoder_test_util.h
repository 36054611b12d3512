#pragma once

// Test helpers for the EventDecoder tests: run a body through the decoder and
// read the encoded events back as owned Events. Test-only.

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/ids.h"
#include "event/codec.h"
#include "event/decoder.h"
#include "event/event.h"

namespace unmogrowp::testing {

// 2024-05-29T16:26:40Z: server time in every decoder test.
inline constexpr int64_t kNowMs = 1'717'000'000'000;
inline constexpr std::string_view kAppId = "app_1";

// A valid in-app event; Body("...") adds members after its device_id.
inline constexpr std::string_view kBaseFields =
    R"("event_type":"open","timestamp":1716999999000,"device_id":"d1")";

inline std::string Body(std::string_view extra = {}) {
  std::string body = "{" + std::string(kBaseFields);
  if (!extra.empty()) body += "," + std::string(extra);
  return body + "}";
}

inline std::vector<Event> DecodeAll(const EncodedBatch& batch) {
  std::vector<Event> events;
  for (size_t i = 0; i < batch.size(); ++i) {
    EventView view;
    Status s = DecodeEncoded(batch.at(i), &view);
    EXPECT_TRUE(s.ok()) << s.ToString();
    events.push_back(ToOwned(view));
  }
  return events;
}

struct OneResult {
  Status status;
  std::vector<Event> events;  // what was appended to the batch
  std::string event_id;
};

inline OneResult DecodeOneBody(std::string body, DecoderOptions options = {},
                               int64_t now_ms = kNowMs) {
  EventDecoder decoder(options);
  IdGenerator ids(7);
  EncodedBatch out;
  OneResult r;
  r.status = decoder.DecodeOne(body, DecodeContext{kAppId, now_ms, &ids}, &out, &r.event_id);
  r.events = DecodeAll(out);
  return r;
}

struct BatchResult {
  Status status;
  std::vector<Event> events;
  std::vector<Rejection> rejected;
  size_t total = 0;
};

inline BatchResult DecodeBatchBody(std::string body, bool ndjson, DecoderOptions options = {}) {
  EventDecoder decoder(options);
  IdGenerator ids(7);
  EncodedBatch out;
  BatchResult r;
  r.total = 12345;  // must be overwritten
  r.status = decoder.DecodeBatch(body, ndjson, DecodeContext{kAppId, kNowMs, &ids}, &out,
                                 &r.rejected, &r.total);
  r.events = DecodeAll(out);
  return r;
}

// Expects DecodeOne to reject `body` with `code` naming `field`.
#define EXPECT_REJECTED(body_expr, expected_code, expected_field)                        \
  do {                                                                                   \
    const std::string um_body = (body_expr);                                             \
    ::unmogrowp::testing::OneResult um_r = ::unmogrowp::testing::DecodeOneBody(um_body); \
    EXPECT_EQ(um_r.status.code(), ::unmogrowp::StatusCode::kInvalidArgument)             \
        << "body: " << um_body;                                                          \
    EXPECT_EQ(um_r.status.reason(), expected_code)                                       \
        << um_r.status.ToString() << "\nbody: " << um_body;                              \
    EXPECT_EQ(um_r.status.field(), expected_field)                                       \
        << um_r.status.ToString() << "\nbody: " << um_body;                              \
    EXPECT_TRUE(um_r.events.empty());                                                    \
  } while (0)

// Expects DecodeOne to accept `body`; evaluates to the decoded Event.
inline Event ExpectAccepted(std::string body) {
  OneResult r = DecodeOneBody(body);
  EXPECT_TRUE(r.status.ok()) << r.status.ToString() << "\nbody: " << body;
  EXPECT_EQ(r.events.size(), r.status.ok() ? 1u : 0u);
  return r.events.empty() ? Event{} : r.events[0];
}

}  // namespace unmogrowp::testing
