#include "cli/gen_model.h"

#include <algorithm>
#include <cmath>
#include <cstddef>

namespace unmogrowp {

namespace {

constexpr int64_t kSecond = 1000;
constexpr int64_t kMinute = 60 * kSecond;
constexpr int64_t kHour = 60 * kMinute;
constexpr int64_t kDay = 24 * kHour;

// HashKey purposes, so each aspect of a device draws from its own stream.
constexpr uint64_t kDeviceStream = 1;
constexpr uint64_t kTimelineStream = 2;

int64_t Ms(double ms) { return static_cast<int64_t>(ms); }

// 1-5 touchpoints: 45%, 25%, 15%, 10%, 5%.
int TouchpointCount(GenRandom& rng) {
  double u = rng.Uniform();
  if (u < 0.45) return 1;
  if (u < 0.70) return 2;
  if (u < 0.85) return 3;
  if (u < 0.95) return 4;
  return 5;
}

// In-app prices cluster on x.99 tiers; the tier follows a log-normal around $5.
uint32_t PriceCents(GenRandom& rng) {
  double dollars = std::min(rng.LogNormal(std::log(4.99), 0.9), 999.0);
  return static_cast<uint32_t>(std::floor(dollars)) * 100 + 99;
}

}  // namespace

TimelineModel::TimelineModel(const GenCatalog* catalog, uint64_t seed, int64_t start_ms,
                             int64_t end_ms, double duplicates)
    : catalog_(catalog),
      seed_(seed),
      start_ms_(start_ms),
      end_ms_(end_ms),
      duplicates_(duplicates) {}

GenDevice TimelineModel::Device(uint32_t device) const {
  GenRandom rng(HashKey(seed_, device, kDeviceStream));
  GenDevice d;
  d.ios = rng.Chance(0.45);
  d.ipv6 = rng.Chance(0.45);
  d.user_agent = rng.Below(catalog_->user_agent_count(d.ios));
  d.id_hi = rng.Next();
  d.id_lo = rng.Next();
  d.ip_bits = rng.Next();
  d.user = rng.Next();
  return d;
}

void TimelineModel::Generate(uint32_t device, std::vector<GenEvent>* out) const {
  const size_t first = out->size();
  const GenDevice dev = Device(device);
  GenRandom rng(HashKey(seed_, device, kTimelineStream));
  uint16_t seq = 0;
  auto add = [&](int64_t ts, GenEventType type, uint8_t flags, int source, int campaign,
                 uint32_t aux) {
    uint16_t s = seq++;
    if (ts >= end_ms_) return;
    GenEvent e;
    e.timestamp_ms = ts;
    e.emit_ms = ts;
    e.device = device;
    e.seq = s;
    e.type = type;
    e.flags = flags;
    e.source = static_cast<uint8_t>(source);
    e.campaign = static_cast<uint8_t>(campaign);
    e.aux = aux;
    out->push_back(e);
  };
  // Draws an event's flags, always in the same order (C++ leaves the order of
  // evaluation of operands and arguments open, so every draw that feeds one
  // expression is made in its own statement). ~10% of timestamps are RFC 3339
  // strings; in-app events often lack the user agent.
  auto draw_flags = [&](double properties, bool in_app) -> uint8_t {
    uint8_t flags = rng.Chance(0.10) ? kGenRfc3339 : 0;
    if (rng.Chance(properties)) flags |= kGenProperties;
    if (in_app && rng.Chance(0.6)) flags |= kGenNoUserAgent;
    return flags;
  };

  int64_t t = start_ms_ + Ms(rng.Uniform() * static_cast<double>(end_ms_ - start_ms_));
  bool installed = false;
  int64_t install_ms = 0;
  if (rng.Chance(0.12)) {
    installed = true;  // organic
    install_ms = t;
  } else {
    const int touchpoints = TouchpointCount(rng);
    bool last_click = false;
    for (int i = 0; i < touchpoints; ++i) {
      if (i > 0) t += Ms(rng.Exponential(6.0 * kHour)) + kSecond;
      last_click = rng.Chance(0.45);
      const int source = catalog_->PickSource(rng, dev.ios);
      const int campaign =
          static_cast<int>(rng.Below(static_cast<uint32_t>(catalog_->campaign_count(source))));
      uint8_t flags = draw_flags(last_click ? 0.3 : 0.15, false);
      if (last_click && rng.Chance(0.06)) flags |= kGenWebClick;
      add(t, last_click ? GenEventType::kClick : GenEventType::kImpression, flags, source, campaign,
          0);
    }
    if (rng.Chance(last_click ? 0.35 : 0.12)) {
      installed = true;
      double delay;
      if (!last_click) {
        delay = rng.Exponential(4.0 * kHour);
      } else if (rng.Chance(0.9)) {
        delay = rng.Exponential(12.0 * kMinute);
      } else {
        delay = kHour + rng.Uniform() * 71.0 * kHour;
      }
      install_ms = t + kSecond + Ms(delay);
    }
  }

  if (installed) {
    const uint8_t currency = rng.Chance(0.15) ? kGenEur : 0;
    const uint8_t user = rng.Chance(0.3) ? kGenUserId : 0;
    const bool payer = rng.Chance(0.07);
    add(install_ms, GenEventType::kInstall, draw_flags(0.6, false), 0, 0, 0);
    uint32_t session = 0;
    uint32_t level = 0;
    auto play_session = [&](int64_t at) {
      add(at, GenEventType::kOpen, draw_flags(0.2, true) | user, 0, 0, ++session);
      if (rng.Chance(0.35)) {
        const int64_t ts = at + Ms(rng.Exponential(4.0 * kMinute)) + kSecond;
        add(ts, GenEventType::kLevelComplete, draw_flags(1.0, true) | user, 0, 0, ++level);
      }
      if (payer && rng.Chance(0.25)) {
        const int64_t ts = at + Ms(rng.Exponential(6.0 * kMinute)) + kSecond;
        const uint8_t flags = draw_flags(0.9, true) | user | currency;
        add(ts, GenEventType::kPurchase, flags, 0, 0, PriceCents(rng));
      }
    };
    const int64_t first_open = install_ms + Ms(rng.Exponential(30.0 * kSecond)) + 500;
    play_session(first_open);
    if (rng.Chance(0.6)) {
      const int64_t ts = first_open + Ms(rng.Exponential(3.0 * kMinute)) + kSecond;
      add(ts, GenEventType::kTutorialComplete, draw_flags(0.5, true) | user, 0, 0, 0);
    }
    for (int k = 1; install_ms + k * kDay < end_ms_; ++k) {
      if (!rng.Chance(0.45 * std::pow(static_cast<double>(k), -0.6))) continue;
      const int sessions = 1 + static_cast<int>(rng.Below(3));
      for (int s = 0; s < sessions; ++s) {
        play_session(install_ms + k * kDay + Ms(rng.Uniform() * static_cast<double>(kDay)));
      }
    }
    if (rng.Chance(0.02)) {
      const int64_t ts = install_ms + kDay + Ms(rng.Uniform() * 6.0 * kDay);
      add(ts, GenEventType::kInstall, draw_flags(0.0, false), 0, 0, 0);
    }
  }

  std::sort(out->begin() + static_cast<ptrdiff_t>(first), out->end(),
            [](const GenEvent& a, const GenEvent& b) {
              return a.timestamp_ms != b.timestamp_ms ? a.timestamp_ms < b.timestamp_ms
                                                      : a.seq < b.seq;
            });
  if (duplicates_ > 0) {
    const size_t originals = out->size();
    for (size_t i = first; i < originals; ++i) {
      if (!rng.Chance(duplicates_)) continue;
      GenEvent copy = (*out)[i];
      copy.flags |= kGenDuplicate;
      copy.emit_ms =
          std::min(copy.timestamp_ms + kSecond + Ms(rng.Exponential(2.0 * kMinute)), end_ms_ - 1);
      copy.emit_ms = std::max(copy.emit_ms, copy.timestamp_ms);
      out->push_back(copy);
    }
  }
}

}  // namespace unmogrowp
