#include "cli/gen_render.h"

#include <array>
#include <cstring>

#include "cli/civil_time.h"
#include "core/json_writer.h"

namespace unmogrowp {

namespace {

constexpr char kHexLower[] = "0123456789abcdef";
constexpr char kHexUpper[] = "0123456789ABCDEF";
constexpr uint64_t kEventIdPurpose = 7;
constexpr uint64_t kPropertiesPurpose = 8;

// Time zones devices report RFC 3339 timestamps in (minutes east of UTC; 0 = "Z").
constexpr std::array<int, 8> kZoneOffsets = {0, 0, 0, 60, 120, -300, 330, 540};
constexpr std::array<std::string_view, 3> kIpv4Nets = {"192.0.2.", "198.51.100.", "203.0.113."};
constexpr std::array<std::string_view, 7> kPlacements = {
    "feed", "stories", "search", "rewarded_video", "interstitial", "banner", "playable"};
constexpr std::array<std::string_view, 4> kCreatives = {"video_15s_v3", "static_1080x1920",
                                                        "playable_v2", "carousel_3up"};
constexpr std::array<std::string_view, 4> kAppVersions = {"3.4.1", "3.5.0", "3.5.2", "3.6.0"};
constexpr std::array<std::string_view, 6> kProducts = {
    "gems_500", "starter_pack", "vip_month", "coins_1200", "remove_ads", "battle_pass_s4"};

inline char* Put(char* p, std::string_view s) {
  std::memcpy(p, s.data(), s.size());
  return p + s.size();
}

inline char* PutUint(char* p, uint64_t v) {
  char tmp[20];
  int n = 0;
  do {
    tmp[n++] = static_cast<char>('0' + v % 10);
    v /= 10;
  } while (v != 0);
  while (n > 0) *p++ = tmp[--n];
  return p;
}

inline char* Put2(char* p, int v) {
  p[0] = static_cast<char>('0' + v / 10);
  p[1] = static_cast<char>('0' + v % 10);
  return p + 2;
}

// 8-4-4-4-12 hex form of the 128 bits hi:lo.
char* PutUuid(char* p, uint64_t hi, uint64_t lo, bool upper) {
  const char* hex = upper ? kHexUpper : kHexLower;
  for (int i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) *p++ = '-';
    uint64_t word = i < 8 ? hi : lo;
    auto byte = static_cast<unsigned>((word >> (56 - 8 * (i % 8))) & 0xFF);
    *p++ = hex[byte >> 4];
    *p++ = hex[byte & 0xF];
  }
  return p;
}

char* PutHexGroup(char* p, unsigned g) {
  bool started = false;
  for (int shift = 12; shift >= 0; shift -= 4) {
    unsigned nibble = (g >> shift) & 0xF;
    if (nibble != 0 || started || shift == 0) {
      *p++ = kHexLower[nibble];
      started = true;
    }
  }
  return p;
}

// "2025-01-07T13:45:12.345Z" or with a "+05:30"-style offset.
char* PutRfc3339(char* p, int64_t utc_ms, int offset_minutes) {
  int64_t local_ms = utc_ms + static_cast<int64_t>(offset_minutes) * 60'000;
  int64_t days = local_ms / 86'400'000;
  int64_t ms_of_day = local_ms % 86'400'000;
  CivilDate date = CivilFromDays(days);
  p = PutUint(p, static_cast<uint64_t>(date.year));
  *p++ = '-';
  p = Put2(p, date.month);
  *p++ = '-';
  p = Put2(p, date.day);
  *p++ = 'T';
  p = Put2(p, static_cast<int>(ms_of_day / 3'600'000));
  *p++ = ':';
  p = Put2(p, static_cast<int>(ms_of_day / 60'000 % 60));
  *p++ = ':';
  p = Put2(p, static_cast<int>(ms_of_day / 1000 % 60));
  *p++ = '.';
  int ms = static_cast<int>(ms_of_day % 1000);
  *p++ = static_cast<char>('0' + ms / 100);
  p = Put2(p, ms % 100);
  if (offset_minutes == 0) {
    *p++ = 'Z';
  } else {
    int abs_offset = offset_minutes < 0 ? -offset_minutes : offset_minutes;
    *p++ = offset_minutes < 0 ? '-' : '+';
    p = Put2(p, abs_offset / 60);
    *p++ = ':';
    p = Put2(p, abs_offset % 60);
  }
  return p;
}

char* PutIp(char* p, const GenDevice& dev) {
  if (!dev.ipv6) {
    p = Put(p, kIpv4Nets[dev.ip_bits % kIpv4Nets.size()]);
    return PutUint(p, 1 + (dev.ip_bits >> 8) % 254);
  }
  p = Put(p, "2001:db8");
  uint64_t more = MixBits(dev.ip_bits);
  for (int i = 0; i < 6; ++i) {
    uint64_t bits = i < 4 ? dev.ip_bits >> (16 * i) : more >> (16 * (i - 4));
    *p++ = ':';
    p = PutHexGroup(p, static_cast<unsigned>(bits & 0xFFFF));
  }
  return p;
}

std::string_view TypeName(GenEventType type) {
  switch (type) {
    case GenEventType::kClick:
      return "click";
    case GenEventType::kImpression:
      return "impression";
    case GenEventType::kInstall:
      return "install";
    case GenEventType::kOpen:
      return "open";
    case GenEventType::kPurchase:
      return "purchase";
    case GenEventType::kTutorialComplete:
      return "tutorial_complete";
    case GenEventType::kLevelComplete:
      return "level_complete";
  }
  return "open";
}

template <size_t N>
std::string_view Pick(const std::array<std::string_view, N>& options, uint64_t bits) {
  return options[bits % N];
}

char* PutProperties(char* p, const GenEvent& e, const GenDevice& dev, uint64_t h) {
  p = Put(p, ",\"properties\":{");
  switch (e.type) {
    case GenEventType::kClick:
      p = Put(p, "\"placement\":\"");
      p = Put(p, Pick(kPlacements, h));
      p = Put(p, "\",\"creative\":\"");
      p = Put(p, Pick(kCreatives, h >> 8));
      *p++ = '"';
      break;
    case GenEventType::kImpression:
      p = Put(p, "\"placement\":\"");
      p = Put(p, Pick(kPlacements, h));
      p = Put(p, (h >> 8) % 4 == 0 ? "\",\"viewable\":false" : "\",\"viewable\":true");
      break;
    case GenEventType::kInstall:
      p = Put(p, "\"app_version\":\"");
      p = Put(p, Pick(kAppVersions, h));
      p = Put(p, dev.ios ? "\",\"store\":\"app_store\"" : "\",\"store\":\"google_play\"");
      break;
    case GenEventType::kOpen:
      p = Put(p, "\"session_number\":");
      p = PutUint(p, e.aux);
      break;
    case GenEventType::kPurchase:
      p = Put(p, "\"product_id\":\"");
      p = Put(p, Pick(kProducts, h));
      p = Put(p, "\",\"quantity\":1");
      break;
    case GenEventType::kLevelComplete:
      p = Put(p, "\"level\":");
      p = PutUint(p, e.aux);
      p = Put(p, ",\"duration_s\":");
      p = PutUint(p, 20 + (h >> 8) % 400);
      break;
    case GenEventType::kTutorialComplete:
      p = Put(p, "\"duration_s\":");
      p = PutUint(p, 30 + (h >> 8) % 300);
      break;
  }
  *p++ = '}';
  return p;
}

}  // namespace

EventRenderer::EventRenderer(const GenCatalog* catalog, const TimelineModel* model,
                             std::string_view app_id)
    : catalog_(catalog), model_(model) {
  if (!app_id.empty()) {
    app_id_member_ = "\"app_id\":\"";
    AppendJsonEscaped(app_id, &app_id_member_);
    app_id_member_ += "\",";
  }
}

char* EventRenderer::Render(const GenEvent& e, char* p) const {
  const GenDevice dev = model_->Device(e.device);
  const uint64_t id_bits =
      HashKey(model_->seed(), e.device, (uint64_t{e.seq} << 8) | kEventIdPurpose);
  const uint64_t id_more = MixBits(id_bits);
  // UUIDv7: 48-bit event time, version 7, 12 + 62 bits from the seed's hash, variant 10.
  const uint64_t id_hi = (static_cast<uint64_t>(e.timestamp_ms) << 16) | 0x7000 | (id_bits & 0xFFF);
  const uint64_t id_lo = (id_more & 0x3FFFFFFFFFFFFFFFull) | 0x8000000000000000ull;

  p = Put(p, "{\"event_id\":\"");
  p = PutUuid(p, id_hi, id_lo, false);
  p = Put(p, "\",\"event_type\":\"");
  p = Put(p, TypeName(e.type));
  p = Put(p, "\",\"timestamp\":");
  if (e.flags & kGenRfc3339) {
    *p++ = '"';
    p = PutRfc3339(p, e.timestamp_ms, kZoneOffsets[dev.user >> 61]);
    *p++ = '"';
  } else {
    p = PutUint(p, static_cast<uint64_t>(e.timestamp_ms));
  }
  *p++ = ',';
  p = Put(p, app_id_member_);
  if (!(e.flags & kGenWebClick)) {
    p = Put(p, "\"device_id\":\"");
    // A version-4 UUID: IDFA upper-case, GAID lower-case.
    p = PutUuid(p, (dev.id_hi & ~0xF000ull) | 0x4000,
                (dev.id_lo & 0x3FFFFFFFFFFFFFFFull) | 0x8000000000000000ull, dev.ios);
    p = Put(p, "\",");
  }
  if (e.flags & kGenUserId) {
    p = Put(p, "\"user_id\":\"usr_");
    for (int shift = 44; shift >= 0; shift -= 4) *p++ = kHexLower[(dev.user >> shift) & 0xF];
    p = Put(p, "\",");
  }
  p = Put(p, "\"ip\":\"");
  p = PutIp(p, dev);
  *p++ = '"';
  if (!(e.flags & kGenNoUserAgent)) {
    p = Put(p, ",\"user_agent\":\"");
    p = Put(p, catalog_->user_agent(dev.ios, dev.user_agent));
    *p++ = '"';
  }
  if (e.type == GenEventType::kClick || e.type == GenEventType::kImpression) {
    p = Put(p, ",\"source\":\"");
    p = Put(p, catalog_->source_name(e.source));
    p = Put(p, e.type == GenEventType::kClick ? "\",\"medium\":\"cpc\",\"campaign\":\""
                                              : "\",\"medium\":\"cpm\",\"campaign\":\"");
    p = Put(p, catalog_->campaign(e.source, e.campaign));
    *p++ = '"';
  }
  if (e.type == GenEventType::kPurchase) {
    p = Put(p, ",\"revenue\":");
    p = PutUint(p, e.aux / 100);
    *p++ = '.';
    p = Put2(p, static_cast<int>(e.aux % 100));
    p = Put(p, (e.flags & kGenEur) ? ",\"currency\":\"EUR\"" : ",\"currency\":\"USD\"");
  }
  if (e.flags & kGenProperties) {
    p = PutProperties(
        p, e, dev, HashKey(model_->seed(), e.device, (uint64_t{e.seq} << 8) | kPropertiesPurpose));
  }
  *p++ = '}';
  *p++ = '\n';
  return p;
}

}  // namespace unmogrowp
