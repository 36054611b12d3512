#pragma once

// The behavioural model behind `unmogrowp gen`: what one device does over the
// covered days, as compact GenEvent records (rendered to JSON later, in global
// time order). Each device's timeline is a pure function of (seed, device
// index), so the generator can rebuild any device at will and output is
// reproducible for a seed.
//
// The shape, chosen to exercise attribution (ATTRIBUTION.md):
// - ~12% organic devices: an install with no touchpoint.
// - the rest see 1-5 touchpoints (clicks and impressions) across networks, a
//   few hours apart; ~6% of clicks are web clicks (no device_id, ip + UA).
// - ~35% of devices whose last touch is a click install, ~90% of those within
//   an hour (exponential, mean 12 min), the rest 1-72 h later; ~12% after an
//   impression install (view-through, mean 4 h); the others never install.
// - after install: a first open, then opens on later days with decaying
//   retention (day k active with p = 0.45 k^-0.6), custom events, purchases by
//   ~7% payers (log-normal revenue around $5, USD or EUR), rare reinstalls.
//   Touchpoints and installs carry ip + user_agent; in-app events always the
//   ip, the user agent only 40% of the time (as server-to-server events do).
// - events at or after the end are cut off: the data never reaches the future.

#include <cstdint>
#include <vector>

#include "cli/gen_catalog.h"

namespace unmogrowp {

enum class GenEventType : uint8_t {
  kClick,
  kImpression,
  kInstall,
  kOpen,
  kPurchase,
  kTutorialComplete,
  kLevelComplete,
};

// Bits of GenEvent::flags.
inline constexpr uint8_t kGenWebClick = 1;      // no device_id: ip + user_agent only
inline constexpr uint8_t kGenRfc3339 = 2;       // timestamp written as an RFC 3339 string
inline constexpr uint8_t kGenProperties = 4;    // carries a `properties` object
inline constexpr uint8_t kGenEur = 8;           // revenue in EUR (else USD)
inline constexpr uint8_t kGenUserId = 16;       // carries the device's user_id
inline constexpr uint8_t kGenDuplicate = 32;    // a re-sent copy of an earlier event
inline constexpr uint8_t kGenNoUserAgent = 64;  // in-app event sent without user_agent

// One synthetic event before rendering. 32 bytes: a 10M-event window sorts
// in memory comfortably.
struct GenEvent {
  int64_t timestamp_ms;  // the event's time
  int64_t emit_ms;       // output position: == timestamp_ms, later for duplicates
  uint32_t device;       // device index in [0, devices)
  uint16_t seq;          // position in the device's timeline (ids, tie-breaks)
  GenEventType type;
  uint8_t flags;
  uint8_t source;    // touchpoints: network index
  uint8_t campaign;  // touchpoints: campaign index within the network
  uint16_t pad = 0;
  uint32_t aux;  // purchase: revenue in cents; open: session number; level: level
};
static_assert(sizeof(GenEvent) == 32);

// Output order: by emit time, ties broken by device and timeline position so
// that the order is a function of the seed alone.
inline bool GenEventBefore(const GenEvent& a, const GenEvent& b) {
  if (a.emit_ms != b.emit_ms) return a.emit_ms < b.emit_ms;
  if (a.device != b.device) return a.device < b.device;
  if (a.seq != b.seq) return a.seq < b.seq;
  return (a.flags & kGenDuplicate) < (b.flags & kGenDuplicate);
}

// Per-device facts shared by all its events (derived from the seed, never stored).
struct GenDevice {
  bool ios;             // iOS (IDFA, upper-case) or Android (GAID, lower-case)
  bool ipv6;            // address from 2001:db8::/32, else from the IPv4 test nets
  uint32_t user_agent;  // variant index into GenCatalog
  uint64_t id_hi;       // device_id bits (a version-4 UUID)
  uint64_t id_lo;
  uint64_t ip_bits;  // host part of the address
  uint64_t user;     // user_id bits
};

// Builds device timelines. Immutable after construction; safe to share.
class TimelineModel {
 public:
  // Covers [end_ms - days, end_ms). `duplicates` in [0, 1] is the fraction of
  // events re-emitted later (same event, same id).
  TimelineModel(const GenCatalog* catalog, uint64_t seed, int64_t start_ms, int64_t end_ms,
                double duplicates);

  GenDevice Device(uint32_t device) const;
  // Appends the device's events, sorted by timestamp (duplicates after
  // their originals, not necessarily sorted by emit time).
  void Generate(uint32_t device, std::vector<GenEvent>* out) const;

  uint64_t seed() const { return seed_; }
  int64_t start_ms() const { return start_ms_; }
  int64_t end_ms() const { return end_ms_; }

 private:
  const GenCatalog* catalog_;
  uint64_t seed_;
  int64_t start_ms_;
  int64_t end_ms_;
  double duplicates_;
};

}  // namespace unmogrowp
