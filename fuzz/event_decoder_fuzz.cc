// libFuzzer target for everything in the event module that reads untrusted
// bytes: EventDecoder (single, JSON batch and NDJSON forms), the binary codec
// and the RFC 3339 parser. Besides "no crash, no sanitizer report" it checks
// properties that tie the pieces together:
// - every accepted event decodes from its encoding, re-encodes to the same
//   bytes, and its JSON (AppendEventJson) decodes back to the same event;
// - a failed call leaves its outputs untouched;
// - the JSON batch verdict agrees with simdjson's fully validating DOM parser
//   (the reference): text the DOM accepts is never called a syntax error
//   except for nesting depth, and text the decoder accepts the DOM accepts,
//   except for integers beyond 64 bits, which simdjson's DOM refuses;
// - any byte string DecodeEncoded accepts is canonical (re-encodes to itself);
// - a parsed RFC 3339 time formats and parses back to the same instant.

#include <simdjson.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "core/ids.h"
#include "event/codec.h"
#include "event/decoder.h"
#include "event/encoded_batch.h"
#include "event/event.h"
#include "event/ip.h"
#include "event/json.h"
#include "event/timestamp.h"

namespace unmogrowp {
namespace {

constexpr int64_t kNowMs = 1'717'000'000'000;
constexpr std::string_view kAppId = "app_1";

[[noreturn]] void Fail(const char* what, std::string_view detail = {}) {
  std::fprintf(stderr, "event_decoder_fuzz: %s: %.*s\n", what, static_cast<int>(detail.size()),
               detail.data());
  std::abort();
}

void Check(bool ok, const char* what, std::string_view detail = {}) {
  if (!ok) Fail(what, detail);
}

bool IsKnownReason(std::string_view reason) {
  for (std::string_view known :
       {"invalid_json", "invalid_event", "missing_field", "invalid_type", "invalid_value",
        "duplicate_field", "app_mismatch", "too_many_events"}) {
    if (reason == known) return true;
  }
  return false;
}

// Every event in `batch` must round-trip through the codec and through JSON.
void CheckAcceptedEvents(const EncodedBatch& batch) {
  EventDecoder json_decoder;
  for (size_t i = 0; i < batch.size(); ++i) {
    EventView view;
    Status s = DecodeEncoded(batch.at(i), &view);
    Check(s.ok(), "accepted event does not decode", s.ToString());
    std::string again;
    AppendEncoded(view, &again);
    Check(again == batch.at(i), "accepted event does not re-encode to itself");
    Check(!view.event_id.empty() && !view.event_type.empty(), "accepted event lacks ids");
    Check(view.app_id == kAppId && view.received_ms == kNowMs, "context not stamped");

    std::string json;
    AppendEventJson(view, &json);
    EncodedBatch out;
    std::string event_id;
    s = json_decoder.DecodeOne(json, DecodeContext{kAppId, kNowMs, nullptr}, &out, &event_id);
    Check(s.ok(), "event JSON does not decode", s.ToString() + "\n" + json);
    Check(out.size() == 1 && out.at(0) == batch.at(i), "event JSON does not round-trip", json);
  }
}

void FuzzDecodeOne(EventDecoder& decoder, const std::string& input, IdGenerator& ids) {
  std::string body = input;
  EncodedBatch out;
  out.bytes = "prefix";
  std::string event_id = "unchanged";
  Status s = decoder.DecodeOne(body, DecodeContext{kAppId, kNowMs, &ids}, &out, &event_id);
  Check(body == input, "DecodeOne changed the body");
  if (!s.ok()) {
    Check(s.code() == StatusCode::kInvalidArgument && IsKnownReason(s.reason()),
          "unexpected DecodeOne status", s.ToString());
    Check(out.bytes == "prefix" && out.ends.empty() && event_id == "unchanged",
          "failed DecodeOne touched its outputs");
    return;
  }
  Check(out.size() == 1, "DecodeOne appended other than one event");
  out.bytes.erase(0, 6);
  out.ends[0] -= 6;
  CheckAcceptedEvents(out);
  EventView view;
  Check(DecodeEncoded(out.at(0), &view).ok() && view.event_id == event_id, "event_id mismatch");
}

bool DomAccepts(const std::string& input, simdjson::error_code* error) {
  static simdjson::dom::parser parser;
  simdjson::dom::element element;
  *error = parser.parse(input).get(element);
  return *error == simdjson::SUCCESS;
}

void FuzzDecodeBatch(EventDecoder& decoder, const std::string& input, bool ndjson,
                     IdGenerator& ids) {
  std::string body = input;
  EncodedBatch out;
  std::vector<Rejection> rejected;
  size_t total = 99;
  Status s = decoder.DecodeBatch(body, ndjson, DecodeContext{kAppId, kNowMs, &ids}, &out, &rejected,
                                 &total);
  Check(body == input, "DecodeBatch changed the body");
  if (!s.ok()) {
    Check(IsKnownReason(s.reason()), "unexpected DecodeBatch status", s.ToString());
    Check(out.empty() && out.bytes.empty() && rejected.empty() && total == 0,
          "failed DecodeBatch left output");
  } else {
    Check(out.size() + rejected.size() == total, "accepted + rejected != total");
    size_t previous = 0;
    for (size_t i = 0; i < rejected.size(); ++i) {
      Check(rejected[i].index < total, "rejection index out of range");
      Check(i == 0 || rejected[i].index > previous, "rejection indexes not increasing");
      Check(IsKnownReason(rejected[i].code) && !rejected[i].message.empty(), "bad rejection");
      previous = rejected[i].index;
    }
    CheckAcceptedEvents(out);
  }
  if (ndjson) return;

  simdjson::error_code dom_error;
  const bool dom_ok = DomAccepts(input, &dom_error);
  const bool syntax_error = !s.ok() && s.message().rfind("the body is not valid JSON: ", 0) == 0;
  if (dom_ok && syntax_error) {
    Check(s.message().find("nest more than") != std::string::npos,
          "decoder rejects JSON that the DOM parser accepts", s.ToString());
  }
  if (!dom_ok && (s.ok() || s.reason() == "too_many_events")) {
    Check(dom_error == simdjson::NUMBER_ERROR || dom_error == simdjson::DEPTH_ERROR,
          "decoder accepts JSON that the DOM parser rejects", simdjson::error_message(dom_error));
  }
}

void FuzzCodec(std::string_view input) {
  EventView view;
  if (!DecodeEncoded(input, &view).ok()) return;
  std::string again;
  AppendEncoded(view, &again);
  Check(again == input, "DecodeEncoded accepted a non-canonical record");
}

void FuzzTimestamp(std::string_view input) {
  (void)IsValidIpAddress(input);
  Result<int64_t> ms = ParseRfc3339Ms(input);
  if (!ms.ok()) return;
  // Years 0001-9998 stay within 0000-9999 after any offset.
  if (*ms < DaysFromCivil(1, 1, 1) * 86'400'000 || *ms >= DaysFromCivil(9999, 1, 1) * 86'400'000) {
    return;
  }
  const std::string text = FormatRfc3339Ms(*ms);
  Result<int64_t> again = ParseRfc3339Ms(text);
  Check(again.ok() && *again == *ms, "RFC 3339 format/parse mismatch", text);
}

}  // namespace
}  // namespace unmogrowp

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace unmogrowp;
  static EventDecoder* decoder = new EventDecoder();  // reused, as in the server
  static IdGenerator ids(1);
  const std::string input(reinterpret_cast<const char*>(data), size);
  FuzzDecodeOne(*decoder, input, ids);
  FuzzDecodeBatch(*decoder, input, /*ndjson=*/false, ids);
  FuzzDecodeBatch(*decoder, input, /*ndjson=*/true, ids);
  FuzzCodec(input);
  FuzzTimestamp(input);
  return 0;
}
