#include "event/log_payload.h"

#include <gtest/gtest.h>

#include <string>

#include "event/codec.h"

namespace unmogrowp {
namespace {

TEST(LogPayloadTest, ErasureRoundTrips) {
  ErasureRecord record{"app_0123", "device-\xC3\xA9", 1'764'000'000'123};
  std::string bytes;
  AppendErasure(record, &bytes);
  EXPECT_EQ(KindOfPayload(bytes), PayloadKind::kErasure);
  ErasureRecord decoded;
  ASSERT_TRUE(DecodeErasure(bytes, &decoded).ok());
  EXPECT_EQ(decoded.app_id, record.app_id);
  EXPECT_EQ(decoded.device_id, record.device_id);
  EXPECT_EQ(decoded.requested_ms, record.requested_ms);
}

TEST(LogPayloadTest, ErasureRejectsDamage) {
  std::string bytes;
  AppendErasure({"app", "dev", -5}, &bytes);
  ErasureRecord decoded;
  for (size_t n = 0; n < bytes.size(); ++n) {
    EXPECT_FALSE(DecodeErasure(bytes.substr(0, n), &decoded).ok()) << "prefix of " << n;
  }
  EXPECT_FALSE(DecodeErasure(bytes + "x", &decoded).ok());
  std::string bad_version = bytes;
  bad_version[1] = 2;
  EXPECT_FALSE(DecodeErasure(bad_version, &decoded).ok());
  std::string empty_id;
  AppendErasure({"app", "", 0}, &empty_id);
  EXPECT_FALSE(DecodeErasure(empty_id, &decoded).ok());
}

TEST(LogPayloadTest, AppDeletionRoundTrips) {
  AppDeletionRecord record{"app_0123456789abcdef", 1'764'000'000'456};
  std::string bytes = "prefix";
  AppendAppDeletion(record, &bytes);
  EXPECT_EQ(bytes.substr(0, 6), "prefix");
  std::string_view payload = std::string_view(bytes).substr(6);
  EXPECT_EQ(KindOfPayload(payload), PayloadKind::kAppDeletion);
  EXPECT_EQ(static_cast<uint8_t>(payload[0]), 0x82);
  EXPECT_EQ(payload.size(), 1 + 1 + 8 + 2 + record.app_id.size());
  AppDeletionRecord decoded;
  ASSERT_TRUE(DecodeAppDeletion(payload, &decoded).ok());
  EXPECT_EQ(decoded.app_id, record.app_id);
  EXPECT_EQ(decoded.requested_ms, record.requested_ms);

  // Not an erasure, and an erasure is not one.
  ErasureRecord erasure;
  EXPECT_FALSE(DecodeErasure(payload, &erasure).ok());
  std::string erasure_bytes;
  AppendErasure({"app", "dev", 0}, &erasure_bytes);
  EXPECT_FALSE(DecodeAppDeletion(erasure_bytes, &decoded).ok());
}

TEST(LogPayloadTest, AppDeletionRejectsDamage) {
  std::string bytes;
  AppendAppDeletion({"app", -5}, &bytes);
  AppDeletionRecord decoded;
  for (size_t n = 0; n < bytes.size(); ++n) {
    EXPECT_FALSE(DecodeAppDeletion(bytes.substr(0, n), &decoded).ok()) << "prefix of " << n;
  }
  EXPECT_FALSE(DecodeAppDeletion(bytes + "x", &decoded).ok());
  std::string bad_version = bytes;
  bad_version[1] = 2;
  Status s = DecodeAppDeletion(bad_version, &decoded);
  EXPECT_EQ(s.code(), StatusCode::kCorruption);
  EXPECT_NE(s.message().find("version 2"), std::string::npos) << s.ToString();
  std::string empty_id;
  AppendAppDeletion({"", 0}, &empty_id);
  EXPECT_FALSE(DecodeAppDeletion(empty_id, &decoded).ok());
  std::string long_id;
  AppendAppDeletion({std::string(1025, 'a'), 0}, &long_id);
  EXPECT_FALSE(DecodeAppDeletion(long_id, &decoded).ok());
}

TEST(LogPayloadTest, KindsAndRedaction) {
  EXPECT_EQ(KindOfPayload(""), PayloadKind::kUnknown);
  EXPECT_EQ(KindOfPayload(std::string(1, '\x07')), PayloadKind::kUnknown);
  EXPECT_EQ(KindOfPayload(std::string(1, '\x84')), PayloadKind::kUnknown);
  EXPECT_EQ(KindOfPayload(std::string(1, '\x83')), PayloadKind::kIndexCopy);
  EXPECT_EQ(KindOfPayload(std::string(1, static_cast<char>(kEventFormatVersion))),
            PayloadKind::kEvent);
  std::string payload = "\x01some event bytes";
  RedactPayload(payload.data(), payload.size());
  EXPECT_EQ(payload.size(), 17u);
  EXPECT_EQ(KindOfPayload(payload), PayloadKind::kRedacted);
  EXPECT_EQ(payload.substr(1), std::string(16, '\0'));
}

TEST(LogPayloadTest, IndexCopyWrapsTheEncodedEventUnchanged) {
  std::string event =
      "\x01"
      "encoded click";
  std::string copy;
  AppendIndexCopy(event, &copy);
  EXPECT_EQ(KindOfPayload(copy), PayloadKind::kIndexCopy);
  Result<std::string_view> inner = IndexCopyEvent(copy);
  ASSERT_TRUE(inner.ok()) << inner.status().ToString();
  EXPECT_EQ(*inner, event);
  EXPECT_FALSE(IndexCopyEvent("\x83").ok());
  EXPECT_FALSE(IndexCopyEvent("\x83\x80"
                              "erasure")
                   .ok());
  EXPECT_FALSE(IndexCopyEvent(event).ok());
}

}  // namespace
}  // namespace unmogrowp
