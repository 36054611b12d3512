#include "store/device_state.h"

#include <algorithm>

#include "event/time_order.h"
#include "store/bytes.h"

namespace unmogrowp::store {

namespace {
constexpr uint8_t kVersion = 2;
constexpr uint8_t kHasInstall = 1;
}  // namespace

const LastConversion* DeviceState::FindLastConversion(std::string_view event_type) const {
  for (const LastConversion& c : last_conversions) {
    if (c.event_type == event_type) return &c;
  }
  return nullptr;
}

void DeviceState::SetLastConversion(std::string_view event_type, int64_t ts_ms, uint64_t seq) {
  for (LastConversion& c : last_conversions) {
    if (c.event_type == event_type) {
      c.ts_ms = ts_ms;
      c.seq = seq;
      return;
    }
  }
  last_conversions.push_back(LastConversion{std::string(event_type), ts_ms, seq});
}

void DeviceState::AddTouch(DeviceTouch touch) { InsertInTimeOrder(touches, std::move(touch)); }

void DeviceState::AddRecentConversion(RecentConversion conversion) {
  InsertInTimeOrder(recent_conversions, std::move(conversion));
}

void DeviceState::AddPending(int64_t day, double revenue, double in_app_revenue) {
  auto at = std::lower_bound(pending_days.begin(), pending_days.end(), day,
                             [](const PendingDay& p, int64_t d) { return p.day < d; });
  if (at == pending_days.end() || at->day != day) at = pending_days.insert(at, PendingDay{day});
  at->events += 1;
  at->revenue += revenue;
  at->in_app_revenue += in_app_revenue;
}

bool DeviceState::MarkCohortDay(int64_t n) {
  size_t byte = static_cast<size_t>(n) / 8;
  uint8_t bit = static_cast<uint8_t>(1u << (n % 8));
  if (cohort_days.size() <= byte) cohort_days.resize(byte + 1, 0);
  if (cohort_days[byte] & bit) return false;
  cohort_days[byte] |= bit;
  return true;
}

bool DeviceState::CohortDay(int64_t n) const {
  size_t byte = static_cast<size_t>(n) / 8;
  return byte < cohort_days.size() && (cohort_days[byte] & (1u << (n % 8))) != 0;
}

std::string EncodeDeviceState(const DeviceState& state) {
  std::string out;
  out.push_back(static_cast<char>(kVersion));
  out.push_back(static_cast<char>(state.install ? kHasInstall : 0));
  if (state.install) {
    const DeviceInstall& in = *state.install;
    PutSignedVarint(in.ts_ms, &out);
    PutVarint(in.seq, &out);
    out.push_back(static_cast<char>(in.match));
    PutLengthPrefixed(in.source, &out);
    PutLengthPrefixed(in.campaign, &out);
    PutLengthPrefixed(in.touch_event_id, &out);
  }
  PutVarint(state.touches.size(), &out);
  for (const DeviceTouch& t : state.touches) {
    PutSignedVarint(t.ts_ms, &out);
    PutVarint(t.seq, &out);
    out.push_back(t.click ? 1 : 0);
    PutLengthPrefixed(t.source, &out);
    PutLengthPrefixed(t.campaign, &out);
    PutLengthPrefixed(t.event_id, &out);
  }
  PutVarint(state.last_conversions.size(), &out);
  for (const LastConversion& c : state.last_conversions) {
    PutLengthPrefixed(c.event_type, &out);
    PutSignedVarint(c.ts_ms, &out);
    PutVarint(c.seq, &out);
  }
  PutVarint(state.recent_conversions.size(), &out);
  for (const RecentConversion& c : state.recent_conversions) {
    PutLengthPrefixed(c.event_type, &out);
    PutSignedVarint(c.ts_ms, &out);
    PutVarint(c.seq, &out);
  }
  PutVarint(state.pending_days.size(), &out);
  for (const PendingDay& p : state.pending_days) {
    PutSignedVarint(p.day, &out);
    PutSignedVarint(p.events, &out);
    PutDouble(p.revenue, &out);
    PutDouble(p.in_app_revenue, &out);
  }
  PutLengthPrefixed(std::string_view(reinterpret_cast<const char*>(state.cohort_days.data()),
                                     state.cohort_days.size()),
                    &out);
  PutSignedVarint(state.last_day, &out);
  return out;
}

Result<DeviceState> DecodeDeviceState(std::string_view bytes) {
  ByteReader r(bytes);
  DeviceState state;
  if (r.Byte() != kVersion || !r.ok()) {
    return Status::Corruption("device state: unknown version");
  }
  uint8_t flags = r.Byte();
  if (flags & kHasInstall) {
    DeviceInstall in;
    in.ts_ms = r.SignedVarint();
    in.seq = r.Varint();
    in.match = r.Byte();
    in.source = r.LengthPrefixed();
    in.campaign = r.LengthPrefixed();
    in.touch_event_id = r.LengthPrefixed();
    state.install = std::move(in);
  }
  uint64_t n = r.Varint();
  for (uint64_t i = 0; i < n && r.ok(); ++i) {
    DeviceTouch t;
    t.ts_ms = r.SignedVarint();
    t.seq = r.Varint();
    t.click = r.Byte() != 0;
    t.source = r.LengthPrefixed();
    t.campaign = r.LengthPrefixed();
    t.event_id = r.LengthPrefixed();
    state.touches.push_back(std::move(t));
  }
  n = r.Varint();
  for (uint64_t i = 0; i < n && r.ok(); ++i) {
    LastConversion c;
    c.event_type = r.LengthPrefixed();
    c.ts_ms = r.SignedVarint();
    c.seq = r.Varint();
    state.last_conversions.push_back(std::move(c));
  }
  n = r.Varint();
  for (uint64_t i = 0; i < n && r.ok(); ++i) {
    RecentConversion c;
    c.event_type = r.LengthPrefixed();
    c.ts_ms = r.SignedVarint();
    c.seq = r.Varint();
    state.recent_conversions.push_back(std::move(c));
  }
  n = r.Varint();
  for (uint64_t i = 0; i < n && r.ok(); ++i) {
    PendingDay p;
    p.day = r.SignedVarint();
    p.events = r.SignedVarint();
    p.revenue = r.Double();
    p.in_app_revenue = r.Double();
    state.pending_days.push_back(p);
  }
  std::string_view days = r.LengthPrefixed();
  state.cohort_days.assign(days.begin(), days.end());
  state.last_day = r.SignedVarint();
  if (!r.ok() || !r.done()) return Status::Corruption("device state: truncated or trailing bytes");
  return state;
}

}  // namespace unmogrowp::store
