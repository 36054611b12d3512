#include "cli/gen_catalog.h"

#include <fmt/format.h>

#include <array>

namespace unmogrowp {

namespace {

struct KnownSource {
  std::string_view name;
  int weight;  // relative traffic share
  bool ios_only;
  std::array<std::string_view, 4> campaigns;
};

constexpr std::array<KnownSource, 12> kKnownSources = {{
    {"google_ads",
     22,
     false,
     {"uac_install_us", "uac_install_br", "search_brand", "uac_action_purchase"}},
    {"meta_ads",
     20,
     false,
     {"aaa_broad_us", "lookalike_1pct", "retarget_lapsed", "creative_test_q3"}},
    {"tiktok_ads", 12, false, {"spark_ads_ugc", "smart_perf_us", "vbo_payers", ""}},
    {"apple_search_ads", 8, true, {"brand_exact", "competitor", "discovery_broad", ""}},
    {"unity_ads", 7, false, {"rewarded_tier1", "interstitial_row", "playable_v2", ""}},
    {"applovin", 8, false, {"axon_roas_d7", "axon_cpi_us", "", ""}},
    {"ironsource", 5, false, {"rv_tier1", "offerwall_global", "", ""}},
    {"snapchat_ads", 4, false, {"story_ads_us", "lens_promo", "", ""}},
    {"twitter_ads", 2, false, {"promoted_app_us", "launch_week", "", ""}},
    {"moloco", 5, false, {"cloud_dsp_roas", "retarget_payers", "cpi_latam", ""}},
    {"liftoff", 4, false, {"accelerate_cpa", "vungle_exchange", "", ""}},
    {"vungle", 3, false, {"interstitial_video", "rewarded_eu", "", ""}},
}};

constexpr std::array<std::string_view, 6> kIosVersions = {"16_7_8", "17_2_1", "17_5",
                                                          "17_6_1", "18_0",   "18_1_1"};
constexpr std::array<std::string_view, 4> kAndroidVersions = {"12", "13", "14", "15"};
constexpr std::array<std::string_view, 8> kAndroidModels = {
    "SM-S911B",  "Pixel 7", "Pixel 8 Pro", "SM-A546B",
    "2201116SG", "CPH2451", "moto g54 5G", "RMX3771"};
constexpr std::array<std::string_view, 4> kAndroidBuilds = {"SP1A.210812.016", "TP1A.220624.014",
                                                            "UP1A.231005.007", "AP3A.240905.015"};

}  // namespace

GenCatalog::GenCatalog(int sources) {
  for (int i = 0; i < sources; ++i) {
    Source s;
    if (i < static_cast<int>(kKnownSources.size())) {
      const KnownSource& k = kKnownSources[i];
      s.name = std::string(k.name);
      s.weight = k.weight;
      s.ios_only = k.ios_only;
      for (std::string_view c : k.campaigns) {
        if (!c.empty()) s.campaigns.emplace_back(c);
      }
    } else {
      s.name = fmt::format("network_{}", i + 1);
      s.weight = 2;
      s.ios_only = false;
      s.campaigns = {s.name + "_cpi_us", s.name + "_roas_global"};
    }
    total_weight_ += s.weight;
    if (!s.ios_only) android_weight_ += s.weight;
    sources_.push_back(std::move(s));
  }
  // iOS: the WebKit user agent (as a WebView reports it); Android: the
  // system HTTP stack's, as app SDKs send it.
  for (std::string_view v : kIosVersions) {
    ios_agents_.push_back(fmt::format(
        "Mozilla/5.0 (iPhone; CPU iPhone OS {} like Mac OS X) AppleWebKit/605.1.15 (KHTML, like "
        "Gecko) Mobile/15E148",
        v));
  }
  for (size_t v = 0; v < kAndroidVersions.size(); ++v) {
    for (std::string_view m : kAndroidModels) {
      android_agents_.push_back(fmt::format("Dalvik/2.1.0 (Linux; U; Android {}; {} Build/{})",
                                            kAndroidVersions[v], m, kAndroidBuilds[v]));
    }
  }
}

int GenCatalog::PickSource(GenRandom& rng, bool ios) const {
  bool skip_ios_only = !ios && android_weight_ > 0;
  int total = skip_ios_only ? android_weight_ : total_weight_;
  int r = static_cast<int>(rng.Below(static_cast<uint32_t>(total)));
  for (int i = 0; i < source_count(); ++i) {
    if (skip_ios_only && sources_[i].ios_only) continue;
    r -= sources_[i].weight;
    if (r < 0) return i;
  }
  return source_count() - 1;
}

}  // namespace unmogrowp
