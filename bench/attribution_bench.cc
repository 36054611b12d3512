// Throughput of the multi-touch models (src/attribution/) on synthetic,
// seeded paths: 1M paths of 1..7 touchpoints (~4 on average) over 20
// channels with a skewed (1/rank) popularity. Heuristic models report
// touchpoints/s as items_per_second (target: >= 10M/s per core); Markov and
// Shapley report paths/s and the time per 1M paths (target: <= 1 s). Each
// runs ComputeCredit, input validation included.

#include <benchmark/benchmark.h>

#include <algorithm>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "attribution/mta.h"
#include "attribution/paths.h"

namespace unmogrowp {
namespace {

constexpr int64_t kDay = 86'400'000;
constexpr int64_t kNowMs = 1'717'000'000'000;

struct Workload {
  MtaInput input;
  std::vector<std::string> names;  // by channel id
  size_t paths = 0;
};

// `paths` paths over `channels` channels, one in `converting_every` converting.
Workload MakeWorkload(size_t paths, uint32_t channels, int converting_every) {
  Workload w;
  w.paths = paths;
  w.input.num_channels = channels + 2;  // + (organic), (other)
  for (uint32_t c = 0; c < channels; ++c) w.names.push_back("channel_" + std::to_string(c));
  w.names.push_back("(organic)");
  w.names.push_back("(other)");
  std::vector<double> popularity;
  for (uint32_t c = 0; c < channels; ++c) popularity.push_back(1.0 / (c + 1));
  std::mt19937_64 rng(20240601);
  std::discrete_distribution<uint32_t> channel(popularity.begin(), popularity.end());
  std::uniform_int_distribution<int> length(1, 7);
  std::uniform_int_distribution<int64_t> age(0, 30 * kDay);
  std::uniform_real_distribution<double> revenue(0, 50);
  std::vector<int64_t> ts;
  for (size_t p = 0; p < paths; ++p) {
    const int n = length(rng);
    ts.clear();
    for (int i = 0; i < n; ++i) ts.push_back(kNowMs - age(rng));
    std::sort(ts.begin(), ts.end());
    if (p % converting_every == 0) {
      for (int i = 0; i < n; ++i) w.input.converting.AppendTouch(channel(rng), ts[i]);
      w.input.converting.EndPath(kNowMs, p % 4 == 0 ? revenue(rng) : 0);
    } else {
      for (int i = 0; i < n; ++i) w.input.non_converting.AppendTouch(channel(rng));
      w.input.non_converting.EndPath();
    }
  }
  return w;
}

// Every path converting: what the heuristic models read.
const Workload& ConvertingWorkload() {
  static const Workload w = MakeWorkload(1'000'000, 20, 1);
  return w;
}
// A third of the paths converting: what the data-driven models read. Built on
// first use, once per channel count.
const Workload& MixedWorkload(uint32_t channels) {
  static std::map<uint32_t, Workload> workloads;
  auto it = workloads.find(channels);
  if (it == workloads.end()) {
    it = workloads.emplace(channels, MakeWorkload(1'000'000, channels, 3)).first;
  }
  return it->second;
}

void RunModel(benchmark::State& state, MtaModel model, const Workload& w) {
  MtaParams params;
  params.organic_channel = w.input.num_channels - 2;
  params.other_channel = w.input.num_channels - 1;
  params.channel_names = w.names;
  for (auto _ : state) {
    Result<std::vector<ChannelCredit>> credit = ComputeCredit(model, w.input, params);
    if (!credit.ok()) {
      state.SkipWithError(credit.status().ToString().c_str());
      break;
    }
    benchmark::DoNotOptimize(credit->data());
  }
  const size_t touchpoints =
      w.input.converting.channels.size() + w.input.non_converting.channels.size();
  const bool heuristic = model != MtaModel::kMarkov && model != MtaModel::kShapley;
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()) *
                          static_cast<int64_t>(heuristic ? touchpoints : w.paths));
  state.counters["paths"] = static_cast<double>(w.paths);
  state.counters["touchpoints"] = static_cast<double>(touchpoints);
}

void BM_First(benchmark::State& s) { RunModel(s, MtaModel::kFirst, ConvertingWorkload()); }
void BM_Last(benchmark::State& s) { RunModel(s, MtaModel::kLast, ConvertingWorkload()); }
void BM_Linear(benchmark::State& s) { RunModel(s, MtaModel::kLinear, ConvertingWorkload()); }
void BM_TimeDecay(benchmark::State& s) { RunModel(s, MtaModel::kTimeDecay, ConvertingWorkload()); }
void BM_PositionBased(benchmark::State& s) {
  RunModel(s, MtaModel::kPositionBased, ConvertingWorkload());
}
void BM_Markov(benchmark::State& s) {
  RunModel(s, MtaModel::kMarkov, MixedWorkload(static_cast<uint32_t>(s.range(0))));
}
void BM_Shapley(benchmark::State& s) {
  RunModel(s, MtaModel::kShapley, MixedWorkload(static_cast<uint32_t>(s.range(0))));
}

BENCHMARK(BM_First)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Last)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Linear)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_TimeDecay)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_PositionBased)->Unit(benchmark::kMillisecond);
// Channels: 20 (the target); 300 and 1024 (group_by=campaign: the O(m^3) solve shows).
BENCHMARK(BM_Markov)->Arg(20)->Arg(300)->Arg(1024)->Unit(benchmark::kMillisecond);
// Channels: 20 (exact, 2^20 coalitions), 30 (19 kept + (other)).
BENCHMARK(BM_Shapley)->Arg(20)->Arg(30)->Unit(benchmark::kMillisecond);

// Path building: 250K devices with 1..7 touchpoints and 0..2 conversions
// each, shuffled, over a 30-day range; items are touchpoints + conversions.
void BM_AppendDevicePaths(benchmark::State& state) {
  struct Device {
    std::vector<PathTouchpoint> touchpoints;
    std::vector<PathConversion> conversions;
  };
  std::mt19937_64 rng(7);
  std::uniform_int_distribution<int> touches(1, 7), conversions(0, 2);
  std::uniform_int_distribution<int64_t> ts(kNowMs - 60 * kDay, kNowMs);
  std::uniform_int_distribution<uint32_t> channel(0, 19);
  std::vector<Device> devices(250'000);
  size_t events = 0;
  for (Device& d : devices) {
    uint64_t seq = 0;
    for (int i = touches(rng); i > 0; --i) d.touchpoints.push_back({ts(rng), seq++, channel(rng)});
    for (int i = conversions(rng); i > 0; --i) d.conversions.push_back({ts(rng), seq++, 1.0});
    events += d.touchpoints.size() + d.conversions.size();
  }
  const PathOptions options{kNowMs - 30 * kDay, kNowMs, 30};
  for (auto _ : state) {
    MtaInput input;
    input.num_channels = 20;
    for (Device& d : devices) AppendDevicePaths(d.touchpoints, d.conversions, options, &input);
    benchmark::DoNotOptimize(input.converting.channels.data());
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * events));
}
BENCHMARK(BM_AppendDevicePaths)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace unmogrowp
