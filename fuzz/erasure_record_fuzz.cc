// libFuzzer target for the erasure record of the event log
// (event/log_payload.h), which the pipeline decodes from every log record
// whose first byte is kErasurePayloadByte. Besides "no crash, no sanitizer
// report" it checks:
// - any byte string DecodeErasure accepts is canonical: AppendErasure of the
//   decoded record gives the same bytes, and KindOfPayload calls it an
//   erasure;
// - a record built from the input (ids of 1..1024 bytes, any bytes) encodes
//   to what DecodeErasure gives back unchanged;
// - a redacted copy of the input keeps its length, is kRedacted and never
//   decodes as an erasure.

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>

#include "event/log_payload.h"

namespace unmogrowp {
namespace {

[[noreturn]] void Fail(const char* what, std::string_view detail = {}) {
  std::fprintf(stderr, "erasure_record_fuzz: %s: %.*s\n", what, static_cast<int>(detail.size()),
               detail.data());
  std::abort();
}

void Check(bool ok, const char* what, std::string_view detail = {}) {
  if (!ok) Fail(what, detail);
}

void FuzzDecode(std::string_view input) {
  ErasureRecord record;
  Status s = DecodeErasure(input, &record);
  if (!s.ok()) {
    Check(s.code() == StatusCode::kCorruption, "DecodeErasure failed with other than Corruption",
          s.ToString());
    return;
  }
  Check(KindOfPayload(input) == PayloadKind::kErasure, "a decoded erasure is not kErasure");
  Check(!record.app_id.empty() && record.app_id.size() <= 1024, "app_id length out of range");
  Check(!record.device_id.empty() && record.device_id.size() <= 1024,
        "device_id length out of range");
  std::string again;
  AppendErasure(record, &again);
  Check(again == input, "DecodeErasure accepted a non-canonical record");
}

// The input as a record: 8 bytes of time, then two ids split at a point the
// next two bytes choose, each cut to 1..1024 bytes.
void FuzzEncode(std::string_view input) {
  if (input.size() < 12) return;
  ErasureRecord record;
  uint64_t ms = 0;
  std::memcpy(&ms, input.data(), 8);
  record.requested_ms = static_cast<int64_t>(ms);
  const size_t split_hint = static_cast<unsigned char>(input[8]) |
                            (static_cast<size_t>(static_cast<unsigned char>(input[9])) << 8);
  std::string_view ids = input.substr(10);
  const size_t split = 1 + split_hint % (ids.size() - 1);
  record.app_id = std::string(ids.substr(0, std::min<size_t>(split, 1024)));
  record.device_id = std::string(ids.substr(split, 1024));
  std::string bytes = "prefix";
  AppendErasure(record, &bytes);
  Check(bytes.compare(0, 6, "prefix") == 0, "AppendErasure changed what was there");
  std::string_view encoded = std::string_view(bytes).substr(6);
  ErasureRecord decoded;
  Status s = DecodeErasure(encoded, &decoded);
  Check(s.ok(), "an encoded record does not decode", s.ToString());
  Check(decoded.app_id == record.app_id && decoded.device_id == record.device_id &&
            decoded.requested_ms == record.requested_ms,
        "an encoded record decodes to another");
  // A byte missing or one too many: never the same record.
  Check(!DecodeErasure(encoded.substr(0, encoded.size() - 1), &decoded).ok(),
        "a truncated record decodes");
  Check(!DecodeErasure(std::string(encoded) + '\0', &decoded).ok(),
        "a record with a trailing byte decodes");
}

void FuzzRedact(std::string_view input) {
  if (input.empty()) return;
  std::string copy(input);
  RedactPayload(copy.data(), copy.size());
  Check(copy.size() == input.size(), "redaction changed the length");
  Check(KindOfPayload(copy) == PayloadKind::kRedacted, "a redacted payload is not kRedacted");
  Check(copy.find_first_not_of('\0', 1) == std::string::npos, "redaction left payload bytes");
  ErasureRecord record;
  Check(!DecodeErasure(copy, &record).ok(), "a redacted payload decodes as an erasure");
}

}  // namespace
}  // namespace unmogrowp

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace unmogrowp;
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  FuzzDecode(input);
  FuzzEncode(input);
  FuzzRedact(input);
  return 0;
}
