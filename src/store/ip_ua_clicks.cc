#include "store/ip_ua_clicks.h"

#include "store/bytes.h"

namespace unmogrowp::store {

std::string EncodeIpUaClicks(const std::vector<IpUaClick>& clicks) {
  std::string out;
  PutVarint(clicks.size(), &out);
  for (const IpUaClick& c : clicks) {
    PutSignedVarint(c.ts_ms, &out);
    PutVarint(c.seq, &out);
    PutLengthPrefixed(c.source, &out);
    PutLengthPrefixed(c.campaign, &out);
    PutLengthPrefixed(c.event_id, &out);
  }
  return out;
}

Result<std::vector<IpUaClick>> DecodeIpUaClicks(std::string_view bytes) {
  ByteReader r(bytes);
  std::vector<IpUaClick> clicks;
  uint64_t n = r.Varint();
  for (uint64_t i = 0; i < n && r.ok(); ++i) {
    IpUaClick c;
    c.ts_ms = r.SignedVarint();
    c.seq = r.Varint();
    c.source = r.LengthPrefixed();
    c.campaign = r.LengthPrefixed();
    c.event_id = r.LengthPrefixed();
    clicks.push_back(std::move(c));
  }
  if (!r.ok() || !r.done()) return Status::Corruption("ip+ua clicks: malformed value");
  return clicks;
}

}  // namespace unmogrowp::store
