#include "attribution/markov.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "attribution/mta_test_util.h"

namespace unmogrowp {
namespace {

constexpr uint32_t kA = 0, kB = 1, kOrganic = 2;
constexpr double kEps = 1e-12;

using testing_util::Input;
using testing_util::Path;

TEST(MarkovTest, TwoChannelsOnPaper) {
  // Converting [A, B] (revenue 10) and [B] (revenue 5); non-converting [A].
  // Counts: start->A 2, start->B 1; A->B 1, A->null 1; B->conversion 2.
  // Probabilities: start: A 2/3, B 1/3; A: B 1/2, null 1/2; B: conversion 1.
  // Conversion probability from each state: y_B = 1, y_A = 1/2 y_B = 1/2.
  // P = 2/3 y_A + 1/3 y_B = 1/3 + 1/3 = 2/3.
  // Without A (start->A goes to null): P = 1/3 y_B = 1/3, RE_A = 1 - (1/3)/(2/3) = 1/2.
  // Without B (A->B and start->B go to null): P = 0, RE_B = 1 - 0 = 1.
  // Sum RE = 3/2. Totals: 2 conversions, 15 revenue.
  // A: 2 * (1/2)/(3/2) = 2/3 conversions, 15 * 1/3 = 5 revenue.
  // B: 2 * 1/(3/2) = 4/3 conversions, 15 * 2/3 = 10 revenue.
  const MtaInput input = Input(3, {{{kA, kB}, 10}, {{kB}, 5}}, {{kA}});
  Result<MarkovRemoval> removal = ComputeMarkovRemoval(input);
  ASSERT_TRUE(removal.ok()) << removal.status().ToString();
  EXPECT_NEAR(removal->conversion_probability, 2.0 / 3, kEps);
  EXPECT_NEAR(removal->removal_effect[kA], 0.5, kEps);
  EXPECT_NEAR(removal->removal_effect[kB], 1.0, kEps);
  EXPECT_EQ(removal->removal_effect[kOrganic], 0);

  std::vector<ChannelCredit> credit(3);
  ASSERT_TRUE(AddMarkovCredit(input, kOrganic, credit).ok());
  EXPECT_NEAR(credit[kA].conversions, 2.0 / 3, kEps);
  EXPECT_NEAR(credit[kA].revenue, 5, kEps);
  EXPECT_NEAR(credit[kB].conversions, 4.0 / 3, kEps);
  EXPECT_NEAR(credit[kB].revenue, 10, kEps);
  EXPECT_EQ(credit[kOrganic], ChannelCredit{});
}

TEST(MarkovTest, SelfLoop) {
  // Converting [A, A] (revenue 4) and [B] (revenue 6); non-converting [A, B].
  // Counts: start->A 2, start->B 1; A->A 1, A->conversion 1, A->B 1;
  // B->conversion 1, B->null 1.
  // A: A 1/3, conversion 1/3, B 1/3. B: conversion 1/2, null 1/2.
  // y_B = 1/2; y_A = 1/3 y_A + 1/3 + 1/3 y_B  =>  2/3 y_A = 1/2  =>  y_A = 3/4.
  // P = 2/3 * 3/4 + 1/3 * 1/2 = 1/2 + 1/6 = 2/3.
  // Without A: P = 1/3 y_B = 1/6; RE_A = 1 - (1/6)/(2/3) = 3/4.
  // Without B: y_A = 1/3 y_A + 1/3  =>  y_A = 1/2; P = 2/3 * 1/2 = 1/3;
  // RE_B = 1 - (1/3)/(2/3) = 1/2.
  // (The A->A loop is A's expected visits B_AA = 1/(1 - 1/3) = 3/2 in the
  // one-inverse formula: reach(A) = (2/3 * 3/2) / (3/2) = 2/3, and
  // P - reach(A) y_A = 2/3 - 2/3 * 3/4 = 1/6, as above.)
  // Sum RE = 5/4. Totals 2 conversions, 10 revenue.
  // A: 2 * (3/4)/(5/4) = 6/5, 10 * 3/5 = 6.  B: 2 * 2/5 = 4/5, 10 * 2/5 = 4.
  const MtaInput input = Input(3, {{{kA, kA}, 4}, {{kB}, 6}}, {{kA, kB}});
  Result<MarkovRemoval> removal = ComputeMarkovRemoval(input);
  ASSERT_TRUE(removal.ok());
  EXPECT_NEAR(removal->conversion_probability, 2.0 / 3, kEps);
  EXPECT_NEAR(removal->removal_effect[kA], 0.75, kEps);
  EXPECT_NEAR(removal->removal_effect[kB], 0.5, kEps);

  std::vector<ChannelCredit> credit(3);
  ASSERT_TRUE(AddMarkovCredit(input, kOrganic, credit).ok());
  EXPECT_NEAR(credit[kA].conversions, 1.2, kEps);
  EXPECT_NEAR(credit[kA].revenue, 6, kEps);
  EXPECT_NEAR(credit[kB].conversions, 0.8, kEps);
  EXPECT_NEAR(credit[kB].revenue, 4, kEps);
}

TEST(MarkovTest, NoConvertingPathGivesZeroCredit) {
  // Only non-converting paths: P = 0, every RE 0, every credit 0; the one
  // organic conversion (empty path, revenue 3) still goes to (organic).
  const MtaInput input = Input(3, {{{}, 3}}, {{kA, kB}, {kB}});
  Result<MarkovRemoval> removal = ComputeMarkovRemoval(input);
  ASSERT_TRUE(removal.ok());
  EXPECT_EQ(removal->conversion_probability, 0);
  EXPECT_EQ(removal->removal_effect, (std::vector<double>{0, 0, 0}));
  std::vector<ChannelCredit> credit(3);
  ASSERT_TRUE(AddMarkovCredit(input, kOrganic, credit).ok());
  EXPECT_EQ(credit, (std::vector<ChannelCredit>{{0, 0}, {0, 0}, {1, 3}}));
}

TEST(MarkovTest, NoPathsAtAll) {
  const MtaInput input = Input(3, {}, {});
  std::vector<ChannelCredit> credit(3);
  ASSERT_TRUE(AddMarkovCredit(input, kOrganic, credit).ok());
  EXPECT_EQ(credit, std::vector<ChannelCredit>(3));
}

TEST(MarkovTest, SingleChannel) {
  // Converting [A] twice, non-converting [A]: P = 2/3; removing A leaves 0,
  // RE_A = 1, and A gets everything.
  const MtaInput input = Input(3, {{{kA}, 1}, {{kA}, 2}}, {{kA}});
  std::vector<ChannelCredit> credit(3);
  ASSERT_TRUE(AddMarkovCredit(input, kOrganic, credit).ok());
  EXPECT_NEAR(credit[kA].conversions, 2, kEps);
  EXPECT_NEAR(credit[kA].revenue, 3, kEps);
}

// An independent check: P and each P_without_k by Gaussian elimination of
// the chain with k's incoming transitions sent to null, straight from the
// definition (one system per removal).
double DirectConversionProbability(const MtaInput& input, int removed) {
  const size_t m = input.num_channels;
  // Rows/columns: channels 0..m-1, start m, conversion m+1, null m+2.
  const size_t s = m, conv = m + 1, null = m + 2, n = m + 3;
  std::vector<std::vector<double>> count(n, std::vector<double>(n, 0));
  auto walk = [&](std::span<const uint32_t> path, size_t end) {
    if (path.empty()) return;
    size_t from = s;
    for (uint32_t c : path) {
      count[from][c] += 1;
      from = c;
    }
    count[from][end] += 1;
  };
  for (size_t p = 0; p < input.converting.size(); ++p) walk(input.converting.path(p), conv);
  for (size_t p = 0; p < input.non_converting.size(); ++p) {
    walk(input.non_converting.path(p), null);
  }
  // x_i = sum_j q_ij x_j with x_conv = 1, x_null = 0, x_removed = 0.
  std::vector<std::vector<double>> a(n, std::vector<double>(n + 1, 0));
  for (size_t i = 0; i < n; ++i) {
    a[i][i] = 1;
    double total = 0;
    for (size_t j = 0; j < n; ++j) total += count[i][j];
    if (i == conv) a[i][n] = 1;
    if (i == conv || i == null || static_cast<int>(i) == removed || total == 0) continue;
    for (size_t j = 0; j < n; ++j) a[i][j] -= count[i][j] / total;
  }
  for (size_t k = 0; k < n; ++k) {
    size_t piv = k;
    for (size_t i = k + 1; i < n; ++i) {
      if (std::abs(a[i][k]) > std::abs(a[piv][k])) piv = i;
    }
    std::swap(a[k], a[piv]);
    for (size_t i = 0; i < n; ++i) {
      if (i == k) continue;
      const double f = a[i][k] / a[k][k];
      for (size_t j = k; j <= n; ++j) a[i][j] -= f * a[k][j];
    }
  }
  return a[s][n] / a[s][s];
}

TEST(MarkovTest, MatchesOneSolvePerRemovalOnRandomChains) {
  std::mt19937_64 rng(7);
  for (uint32_t channels : {3u, 8u, 40u}) {
    std::uniform_int_distribution<uint32_t> channel(0, channels - 1);
    std::uniform_int_distribution<int> length(1, 6);
    std::vector<Path> converting;
    std::vector<std::vector<uint32_t>> non_converting;
    for (int p = 0; p < 300; ++p) {
      std::vector<uint32_t> path;
      const int n = length(rng);
      for (int i = 0; i < n; ++i) path.push_back(channel(rng));
      if (p % 3 == 0) {
        converting.push_back({path, 1.0 + p});
      } else {
        non_converting.push_back(path);
      }
    }
    const MtaInput input = Input(channels, converting, non_converting);
    Result<MarkovRemoval> removal = ComputeMarkovRemoval(input);
    ASSERT_TRUE(removal.ok());
    const double p = DirectConversionProbability(input, -1);
    EXPECT_NEAR(removal->conversion_probability, p, 1e-10);
    for (uint32_t k = 0; k < channels; ++k) {
      const double re = 1 - DirectConversionProbability(input, static_cast<int>(k)) / p;
      EXPECT_NEAR(removal->removal_effect[k], re, 1e-9) << channels << " channels, k=" << k;
    }
  }
}

TEST(MarkovTest, TooManyChannels) {
  MtaInput input;
  input.num_channels = kMaxMarkovChannels + 1;
  for (uint32_t c = 0; c < input.num_channels; ++c) input.non_converting.Add(std::vector{c});
  Result<MarkovRemoval> removal = ComputeMarkovRemoval(input);
  EXPECT_EQ(removal.status().code(), StatusCode::kResourceExhausted);
}

}  // namespace
}  // namespace unmogrowp
