#include "store/install_rollup.h"

#include "store/bytes.h"
#include "store/keys.h"

namespace unmogrowp::store {

std::string RollupKey(std::string_view app_id, const RollupChannel& channel) {
  std::string key = RollupDayPrefix(app_id, channel.day);
  key.push_back(channel.organic ? 1 : 0);
  PutLengthPrefixed(channel.source, &key);
  PutLengthPrefixed(channel.campaign, &key);
  return key;
}

Result<RollupChannel> DecodeRollupKey(std::string_view key, size_t app_prefix_bytes) {
  if (key.size() < app_prefix_bytes) return Status::Corruption("install rollup: short key");
  ByteReader r(key.substr(app_prefix_bytes));
  RollupChannel channel;
  channel.day = r.OrderedInt64();
  channel.organic = r.Byte() != 0;
  channel.source = r.LengthPrefixed();
  channel.campaign = r.LengthPrefixed();
  if (!r.ok() || !r.done()) return Status::Corruption("install rollup: malformed key");
  return channel;
}

std::string EncodeRollupCounters(const RollupCounters& c) {
  std::string out;
  PutSignedVarint(c.deterministic, &out);
  PutSignedVarint(c.probabilistic, &out);
  PutSignedVarint(c.organic, &out);
  PutDouble(c.revenue, &out);
  return out;
}

Result<RollupCounters> DecodeRollupCounters(std::string_view bytes) {
  ByteReader r(bytes);
  RollupCounters c;
  c.deterministic = r.SignedVarint();
  c.probabilistic = r.SignedVarint();
  c.organic = r.SignedVarint();
  c.revenue = r.Double();
  if (!r.ok() || !r.done()) return Status::Corruption("install rollup: malformed counters");
  return c;
}

}  // namespace unmogrowp::store
