#pragma once

// First-order Markov removal-effect model (ATTRIBUTION.md, `markov`). States:
// start, one per channel, conversion, null. A converting path c1..cn adds the
// transitions start->c1, c1->c2, ..., cn->conversion; a non-converting path
// ends in null instead. Repeats are real transitions (c->c self-loops are
// kept). Transition probabilities are the counts normalized per source state.
//
// P, the probability of absorption in conversion from start, is solved
// exactly with a dense LU factorization (partial pivoting) of I - Q over the
// channel states. Removing channel k (every transition into k goes to null)
// leaves
//   P_without_k = P - h_k * y_k,
// with h_k the probability of ever reaching k from start and y_k the
// conversion probability from k: a walk converts without k exactly when it
// converts and never visits k, and by the Markov property the walks that do
// visit k convert with probability y_k from their first visit. With B =
// (I - Q)^-1, y = B r and h_k = (s^T B)_k / B_kk (expected visits to k from
// start over expected visits to k from k), so all removals come from one
// inverse -- identical to solving each reduced system, not an approximation.
// Then RE_k = 1 - P_without_k / P = h_k y_k / P.
//
// Cost: one pass over the touchpoints (O(L)) to count transitions into an
// (m+1) x (m+2) matrix, m = distinct channels on the paths; then about
// 2m^3/3 multiply-adds (LU, then the triangular inverses for diag B) and
// 4 m^2 doubles of memory. Measured on 2 cores here (bench/attribution_bench):
// 1M paths take ~20 ms at m = 20 or 300 (the count dominates), ~0.33 s at
// m = 1024 and ~4 s at m = 2048 (the solve dominates). Pure functions; any
// thread may call them.

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "attribution/mta_input.h"
#include "core/result.h"

namespace unmogrowp {

// Above this many distinct channels the O(m^3) solve would take more than
// seconds and the matrices hundreds of MB; the model refuses with
// ResourceExhausted.
inline constexpr size_t kMaxMarkovChannels = 2048;

struct MarkovRemoval {
  // P; 0 when there is no converting path.
  double conversion_probability = 0;
  // RE_k per channel id (size num_channels); 0 for a channel on no path, and
  // for every channel when P = 0.
  std::vector<double> removal_effect;
};

// Over the non-empty converting and non-converting paths of `input` (empty
// paths add no transitions). `input` must be valid (ValidateMtaInput).
Result<MarkovRemoval> ComputeMarkovRemoval(const MtaInput& input);

// Credit_k = total * RE_k / sum_j RE_j for conversions and revenue, totals
// over the non-empty converting paths; the empty ones (organic) go wholly to
// `organic_channel`. When P = 0 there is no non-empty converting path, every
// RE is 0 and every channel's credit is 0 -- which is also the total. (P > 0
// implies sum RE > 0: a converting path's last channel k has h_k, y_k > 0.)
// `credit` is indexed by channel id, size >= num_channels and > organic_channel.
Status AddMarkovCredit(const MtaInput& input, uint32_t organic_channel,
                       std::span<ChannelCredit> credit);

}  // namespace unmogrowp
