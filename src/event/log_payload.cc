#include "event/log_payload.h"

#include <cstring>

#include "event/codec.h"

namespace unmogrowp {

namespace {

constexpr uint8_t kErasureVersion = 1;
constexpr uint8_t kAppDeletionVersion = 1;
constexpr size_t kMaxIdBytes = 1024;

void PutFixed(const void* value, size_t n, std::string* out) {
  out->append(static_cast<const char*>(value), n);
}

void PutId(std::string_view id, std::string* out) {
  uint16_t n = static_cast<uint16_t>(id.size());
  unsigned char le[2] = {static_cast<unsigned char>(n & 0xFF), static_cast<unsigned char>(n >> 8)};
  PutFixed(le, 2, out);
  out->append(id);
}

// The kind byte, the version and the i64 request time.
void PutHeader(uint8_t kind, uint8_t version, int64_t requested_ms, std::string* out) {
  out->push_back(static_cast<char>(kind));
  out->push_back(static_cast<char>(version));
  unsigned char ts[8];
  uint64_t v = static_cast<uint64_t>(requested_ms);
  for (unsigned char& b : ts) {
    b = static_cast<unsigned char>(v & 0xFF);
    v >>= 8;
  }
  PutFixed(ts, 8, out);
}

// Reads what PutHeader wrote and drops it from `bytes`.
Status TakeHeader(std::string_view* bytes, uint8_t kind, uint8_t version, const char* what,
                  int64_t* requested_ms) {
  if (bytes->size() < 10 || static_cast<uint8_t>((*bytes)[0]) != kind) {
    return Status::Corruption(std::string(what) + " is truncated or malformed");
  }
  if (static_cast<uint8_t>((*bytes)[1]) != version) {
    return Status::Corruption(std::string(what) + " has unknown version " +
                              std::to_string(static_cast<uint8_t>((*bytes)[1])));
  }
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>((*bytes)[2 + i]);
  *requested_ms = static_cast<int64_t>(v);
  bytes->remove_prefix(10);
  return Status::OK();
}

bool TakeId(std::string_view* in, std::string* id) {
  if (in->size() < 2) return false;
  size_t n = static_cast<unsigned char>((*in)[0]) | (static_cast<unsigned char>((*in)[1]) << 8);
  if (n == 0 || n > kMaxIdBytes || in->size() - 2 < n) return false;
  id->assign(in->substr(2, n));
  in->remove_prefix(2 + n);
  return true;
}

}  // namespace

PayloadKind KindOfPayload(std::string_view payload) {
  if (payload.empty()) return PayloadKind::kUnknown;
  switch (static_cast<uint8_t>(payload[0])) {
    case kEventFormatVersion:
      return PayloadKind::kEvent;
    case kErasurePayloadByte:
      return PayloadKind::kErasure;
    case kRedactedPayloadByte:
      return PayloadKind::kRedacted;
    case kAppDeletionPayloadByte:
      return PayloadKind::kAppDeletion;
    case kIndexCopyPayloadByte:
      return PayloadKind::kIndexCopy;
    default:
      return PayloadKind::kUnknown;
  }
}

void AppendErasure(const ErasureRecord& record, std::string* out) {
  PutHeader(kErasurePayloadByte, kErasureVersion, record.requested_ms, out);
  PutId(record.app_id, out);
  PutId(record.device_id, out);
}

Status DecodeErasure(std::string_view bytes, ErasureRecord* out) {
  UM_RETURN_IF_ERROR(TakeHeader(&bytes, kErasurePayloadByte, kErasureVersion, "erasure record",
                                &out->requested_ms));
  if (!TakeId(&bytes, &out->app_id) || !TakeId(&bytes, &out->device_id) || !bytes.empty()) {
    return Status::Corruption("erasure record is truncated or malformed");
  }
  return Status::OK();
}

void AppendAppDeletion(const AppDeletionRecord& record, std::string* out) {
  PutHeader(kAppDeletionPayloadByte, kAppDeletionVersion, record.requested_ms, out);
  PutId(record.app_id, out);
}

Status DecodeAppDeletion(std::string_view bytes, AppDeletionRecord* out) {
  UM_RETURN_IF_ERROR(TakeHeader(&bytes, kAppDeletionPayloadByte, kAppDeletionVersion,
                                "app deletion record", &out->requested_ms));
  if (!TakeId(&bytes, &out->app_id) || !bytes.empty()) {
    return Status::Corruption("app deletion record is truncated or malformed");
  }
  return Status::OK();
}

void RedactPayload(char* payload, size_t size) {
  if (size == 0) return;
  payload[0] = static_cast<char>(kRedactedPayloadByte);
  std::memset(payload + 1, 0, size - 1);
}

void AppendIndexCopy(std::string_view encoded_event, std::string* out) {
  out->push_back(static_cast<char>(kIndexCopyPayloadByte));
  out->append(encoded_event);
}

Result<std::string_view> IndexCopyEvent(std::string_view payload) {
  if (payload.size() < 2 || static_cast<uint8_t>(payload[0]) != kIndexCopyPayloadByte ||
      static_cast<uint8_t>(payload[1]) != kEventFormatVersion) {
    return Status::Corruption("not an index copy of an encoded event");
  }
  return payload.substr(1);
}

}  // namespace unmogrowp
