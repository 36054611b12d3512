#include "attribution/shapley.h"

#include <fmt/format.h>

#include <algorithm>
#include <bit>
#include <limits>

namespace unmogrowp {

namespace {

constexpr int8_t kNoBit = -1;

// The coalition game: each path reduced to the bitmask of its players, and
// the paths counted per mask.
struct Game {
  std::vector<uint32_t> players;   // bit i -> channel id
  std::vector<int8_t> bit_of;      // channel id -> bit, kNoBit for a channel on no path
  std::vector<double> converting;  // per mask: converting paths whose set is exactly the mask
  std::vector<double> all;         // per mask: all paths whose set is exactly the mask

  // Grows the per-mask arrays to 2^players. Reserving the largest size up
  // front (address space only) makes each growth a fill, never a copy.
  void Resize() {
    converting.reserve(size_t{1} << kMaxShapleyPlayers);
    all.reserve(size_t{1} << kMaxShapleyPlayers);
    const size_t size = size_t{1} << players.size();
    converting.resize(size, 0.0);
    all.resize(size, 0.0);
  }
};

uint32_t MaskOf(std::span<const uint32_t> path, std::span<const int8_t> bit_of) {
  uint32_t mask = 0;
  for (uint32_t c : path) mask |= uint32_t{1} << bit_of[c];
  return mask;
}

// Calls f(path, converting) for every non-empty path.
template <typename F>
void ForEachPath(const MtaInput& input, F f) {
  for (size_t p = 0; p < input.converting.size(); ++p) {
    std::span<const uint32_t> path = input.converting.path(p);
    if (!path.empty()) f(path, true);
  }
  for (size_t p = 0; p < input.non_converting.size(); ++p) {
    std::span<const uint32_t> path = input.non_converting.path(p);
    if (!path.empty()) f(path, false);
  }
}

// Players in order of first appearance; false on the 21st distinct channel.
bool BuildUnmerged(const MtaInput& input, Game& game) {
  game.bit_of.assign(input.num_channels, kNoBit);
  game.Resize();
  bool fits = true;
  ForEachPath(input, [&](std::span<const uint32_t> path, bool converting) {
    if (!fits) return;
    uint32_t mask = 0;
    for (uint32_t c : path) {
      int8_t bit = game.bit_of[c];
      if (bit == kNoBit) {
        if (game.players.size() == kMaxShapleyPlayers) {
          fits = false;
          return;
        }
        bit = static_cast<int8_t>(game.players.size());
        game.bit_of[c] = bit;
        game.players.push_back(c);
        game.Resize();
      }
      mask |= uint32_t{1} << bit;
    }
    game.converting[mask] += converting ? 1.0 : 0.0;
    game.all[mask] += 1.0;
  });
  return fits;
}

// Keeps the kMaxShapleyPlayers - 1 channels on the most paths (ties by name)
// and merges the rest into `(other)`.
Status BuildMerged(const MtaInput& input, const ShapleyOptions& options, Game& game) {
  if (options.channel_names.size() < input.num_channels) {
    return Status::InvalidArgument(
        "channel_names",
        fmt::format("shapley: more than {} channels need every channel's name to merge them",
                    kMaxShapleyPlayers));
  }
  std::vector<uint64_t> paths_with(input.num_channels, 0);
  std::vector<uint64_t> last_path(input.num_channels, std::numeric_limits<uint64_t>::max());
  uint64_t path_index = 0;
  ForEachPath(input, [&](std::span<const uint32_t> path, bool) {
    for (uint32_t c : path) {
      if (last_path[c] != path_index) {
        last_path[c] = path_index;
        ++paths_with[c];
      }
    }
    ++path_index;
  });
  std::vector<uint32_t> present;
  for (uint32_t c = 0; c < input.num_channels; ++c) {
    if (paths_with[c] > 0) present.push_back(c);
  }
  std::sort(present.begin(), present.end(), [&](uint32_t a, uint32_t b) {
    if (paths_with[a] != paths_with[b]) return paths_with[a] > paths_with[b];
    const std::string& na = options.channel_names[a];
    const std::string& nb = options.channel_names[b];
    return na != nb ? na < nb : a < b;
  });

  constexpr size_t kKept = kMaxShapleyPlayers - 1;
  game.players.assign(present.begin(), present.begin() + kKept);
  game.players.push_back(options.other_channel);
  game.bit_of.assign(input.num_channels, kNoBit);
  for (size_t i = 0; i < present.size(); ++i) {
    game.bit_of[present[i]] = static_cast<int8_t>(std::min(i, kKept));
  }
  game.converting.clear();
  game.all.clear();
  game.Resize();
  ForEachPath(input, [&](std::span<const uint32_t> path, bool converting) {
    const uint32_t mask = MaskOf(path, game.bit_of);
    game.converting[mask] += converting ? 1.0 : 0.0;
    game.all[mask] += 1.0;
  });
  return Status::OK();
}

Result<Game> BuildGame(const MtaInput& input, const ShapleyOptions& options) {
  Game game;
  if (!BuildUnmerged(input, game)) {
    game = Game();
    UM_RETURN_IF_ERROR(BuildMerged(input, options, game));
  }
  return game;
}

// a[S] <- sum over T subset of S of a[T], in place.
void SubsetSums(std::vector<double>& a, size_t n) {
  const size_t size = a.size();
  for (size_t i = 0; i < n; ++i) {
    const size_t bit = size_t{1} << i;
    for (size_t base = 0; base < size; base += 2 * bit) {
      double* lo = &a[base];
      double* hi = &a[base + bit];
      for (size_t j = 0; j < bit; ++j) hi[j] += lo[j];
    }
  }
}

// Exact Shapley values of the game; consumes its per-mask counts.
std::vector<double> SolveGame(Game& game) {
  const size_t n = game.players.size();
  std::vector<double> phi(n, 0.0);
  if (n == 0) return phi;
  SubsetSums(game.converting, n);
  SubsetSums(game.all, n);

  // v(S), in place of the converting counts.
  const size_t size = size_t{1} << n;
  std::vector<double>& v = game.converting;
  for (size_t s = 0; s < size; ++s) v[s] = game.all[s] > 0 ? v[s] / game.all[s] : 0.0;

  // weight[s] = s! (n-s-1)! / n! = 1 / (n C(n-1, s)): the weight of a
  // coalition of s players that k joins.
  std::vector<double> weight(n);
  double binom = 1;  // C(n-1, s)
  for (size_t s = 0; s < n; ++s) {
    weight[s] = 1.0 / (static_cast<double>(n) * binom);
    binom = binom * static_cast<double>(n - 1 - s) / static_cast<double>(s + 1);
  }
  std::vector<uint8_t> members(size);
  for (size_t s = 1; s < size; ++s) members[s] = static_cast<uint8_t>(members[s >> 1] + (s & 1));

  // phi_k = sum over S without k of weight[|S|] (v(S + k) - v(S)): each
  // term a marginal contribution, so no large sums cancel.
  for (size_t k = 0; k < n; ++k) {
    const size_t bit = size_t{1} << k;
    double sum = 0;
    for (size_t base = 0; base < size; base += 2 * bit) {
      for (size_t s = base; s < base + bit; ++s) sum += weight[members[s]] * (v[s + bit] - v[s]);
    }
    phi[k] = sum;
  }
  return phi;
}

}  // namespace

Result<ShapleyValues> ComputeShapleyValues(const MtaInput& input, const ShapleyOptions& options) {
  UM_ASSIGN_OR_RETURN(Game game, BuildGame(input, options));
  ShapleyValues out;
  out.phi = SolveGame(game);
  out.players = std::move(game.players);
  return out;
}

Status AddShapleyCredit(const MtaInput& input, const ShapleyOptions& options,
                        uint32_t organic_channel, std::span<ChannelCredit> credit) {
  UM_ASSIGN_OR_RETURN(Game game, BuildGame(input, options));
  const std::vector<double> phi = SolveGame(game);
  const ConvertingPaths& paths = input.converting;
  const ChannelCredit total = SplitOrganic(paths, organic_channel, credit);
  double sum = 0;
  for (double p : phi) sum += p;
  if (sum > 0) {
    for (size_t i = 0; i < phi.size(); ++i) {
      credit[game.players[i]].conversions += total.conversions * phi[i] / sum;
      credit[game.players[i]].revenue += total.revenue * phi[i] / sum;
    }
    return Status::OK();
  }
  for (size_t p = 0; p < paths.size(); ++p) {
    const uint32_t mask = MaskOf(paths.path(p), game.bit_of);
    if (mask == 0) continue;
    const double share = 1.0 / std::popcount(mask);
    for (uint32_t m = mask; m != 0; m &= m - 1) {
      ChannelCredit& c = credit[game.players[std::countr_zero(m)]];
      c.conversions += share;
      c.revenue += share * paths.revenue[p];
    }
  }
  return Status::OK();
}

}  // namespace unmogrowp
