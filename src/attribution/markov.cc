#include "attribution/markov.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>

namespace unmogrowp {

namespace {

constexpr uint32_t kAbsent = std::numeric_limits<uint32_t>::max();

// y[j] -= f * x[j] for j in [0, n). Unrolled by hand: at -O2 GCC does not
// vectorize a loop of unknown trip count, and this is where the O(m^3) goes.
inline void SubtractScaled(double f, const double* __restrict x, double* __restrict y, size_t n) {
  size_t j = 0;
  for (; j + 4 <= n; j += 4) {
    y[j] -= f * x[j];
    y[j + 1] -= f * x[j + 1];
    y[j + 2] -= f * x[j + 2];
    y[j + 3] -= f * x[j + 3];
  }
  for (; j < n; ++j) y[j] -= f * x[j];
}

// Dense LU factorization with partial pivoting of a row-major n x n matrix,
// PA = LU, in place (L below the diagonal with an implicit unit diagonal, U
// on and above). Written here rather than pulled from a library (Eigen or
// LAPACK): it is the only linear algebra the project needs, and small.
class DenseLu {
 public:
  DenseLu(std::vector<double> a, size_t n) : a_(std::move(a)), n_(n), perm_(n) {
    for (size_t i = 0; i < n_; ++i) perm_[i] = i;
    for (size_t k = 0; k < n_; ++k) {
      size_t pivot = k;
      for (size_t i = k + 1; i < n_; ++i) {
        if (std::abs(at(i, k)) > std::abs(at(pivot, k))) pivot = i;
      }
      if (pivot != k) {
        for (size_t j = 0; j < n_; ++j) std::swap(at(k, j), at(pivot, j));
        std::swap(perm_[k], perm_[pivot]);
      }
      const double inv = 1.0 / at(k, k);
      for (size_t i = k + 1; i < n_; ++i) {
        const double f = at(i, k) * inv;
        at(i, k) = f;
        if (f != 0) SubtractScaled(f, &at(k, k + 1), &at(i, k + 1), n_ - k - 1);
      }
    }
  }

  // x = A^-1 b.
  std::vector<double> Solve(std::span<const double> b) const {
    std::vector<double> x(n_);
    for (size_t i = 0; i < n_; ++i) {
      double v = b[perm_[i]];
      for (size_t j = 0; j < i; ++j) v -= at(i, j) * x[j];
      x[i] = v;
    }
    for (size_t i = n_; i-- > 0;) {
      double v = x[i];
      for (size_t j = i + 1; j < n_; ++j) v -= at(i, j) * x[j];
      x[i] = v / at(i, i);
    }
    return x;
  }

  // x = A^-T b: A^T = U^T L^T P, so solve U^T w = b, L^T v = w, x = P^T v.
  std::vector<double> SolveTransposed(std::span<const double> b) const {
    std::vector<double> w(b.begin(), b.end());
    for (size_t i = 0; i < n_; ++i) {
      w[i] /= at(i, i);
      SubtractScaled(w[i], row(i) + i + 1, &w[i + 1], n_ - i - 1);
    }
    for (size_t i = n_; i-- > 0;) SubtractScaled(w[i], row(i), w.data(), i);
    std::vector<double> x(n_);
    for (size_t i = 0; i < n_; ++i) x[perm_[i]] = w[i];
    return x;
  }

  // The diagonal of A^-1 = U^-1 L^-1 P: with q = P's row holding column k,
  // (A^-1)_kk = sum_j (U^-1)_kj (L^-1)_jq. The triangular inverses cost
  // n^3/6 multiply-adds each, row by row.
  std::vector<double> InverseDiagonal() const {
    std::vector<double> l_inv(n_ * n_, 0.0), u_inv(n_ * n_, 0.0);
    for (size_t i = 0; i < n_; ++i) {
      double* l_row = &l_inv[i * n_];
      l_row[i] = 1;
      for (size_t j = 0; j < i; ++j) {
        if (at(i, j) != 0) SubtractScaled(at(i, j), &l_inv[j * n_], l_row, j + 1);
      }
    }
    for (size_t i = n_; i-- > 0;) {
      double* u_row = &u_inv[i * n_];
      u_row[i] = 1;
      for (size_t j = i + 1; j < n_; ++j) {
        if (at(i, j) != 0) SubtractScaled(at(i, j), &u_inv[j * n_ + j], u_row + j, n_ - j);
      }
      const double inv = 1.0 / at(i, i);
      for (size_t j = i; j < n_; ++j) u_row[j] *= inv;
    }
    std::vector<size_t> row_of(n_);
    for (size_t i = 0; i < n_; ++i) row_of[perm_[i]] = i;
    std::vector<double> diag(n_);
    for (size_t k = 0; k < n_; ++k) {
      const size_t q = row_of[k];
      double d = 0;
      for (size_t j = std::max(k, q); j < n_; ++j) d += u_inv[k * n_ + j] * l_inv[j * n_ + q];
      diag[k] = d;
    }
    return diag;
  }

 private:
  double& at(size_t i, size_t j) { return a_[i * n_ + j]; }
  double at(size_t i, size_t j) const { return a_[i * n_ + j]; }
  const double* row(size_t i) const { return &a_[i * n_]; }

  std::vector<double> a_;
  size_t n_;
  std::vector<size_t> perm_;
};

template <typename Paths>
void CountTransitions(const Paths& paths, std::span<const uint32_t> local, size_t cols,
                      size_t start_row, size_t end_col, std::vector<uint64_t>& counts) {
  const uint32_t* ch = paths.channels.data();
  const size_t num_paths = paths.size();
  uint64_t begin = paths.offsets[0];
  for (size_t p = 0; p < num_paths; ++p) {
    const uint64_t end = paths.offsets[p + 1];
    if (end == begin) continue;
    size_t from = start_row;
    for (uint64_t i = begin; i < end; ++i) {
      const size_t to = local[ch[i]];
      ++counts[from * cols + to];
      from = to;
    }
    ++counts[from * cols + end_col];
    begin = end;
  }
}

}  // namespace

Result<MarkovRemoval> ComputeMarkovRemoval(const MtaInput& input) {
  MarkovRemoval out;
  out.removal_effect.assign(input.num_channels, 0.0);

  // Dense local ids for the channels on some path, so the matrices are sized
  // by the channels present, not by the caller's id space.
  std::vector<uint32_t> local(input.num_channels, kAbsent);
  std::vector<uint32_t> channel_of;
  for (const std::vector<uint32_t>* v :
       {&input.converting.channels, &input.non_converting.channels}) {
    for (uint32_t c : *v) {
      if (local[c] == kAbsent) {
        local[c] = static_cast<uint32_t>(channel_of.size());
        channel_of.push_back(c);
      }
    }
  }
  const size_t m = channel_of.size();
  if (m == 0) return out;
  if (m > kMaxMarkovChannels) {
    return Status::ResourceExhausted(
        fmt::format("markov: {} distinct channels, at most {}", m, kMaxMarkovChannels));
  }

  // Rows: channels 0..m-1, start = m. Columns: channels, conversion = m, null = m + 1.
  const size_t cols = m + 2;
  const size_t start = m, conversion = m, null = m + 1;
  std::vector<uint64_t> counts((m + 1) * cols, 0);
  CountTransitions(input.converting, local, cols, start, conversion, counts);
  CountTransitions(input.non_converting, local, cols, start, null, counts);

  // A = I - Q over the channel states, r = P(channel -> conversion), s = P(start -> channel).
  // Every channel on a path has an outgoing transition, so no row total is 0.
  std::vector<double> a(m * m, 0.0), r(m), s(m);
  for (size_t i = 0; i < m; ++i) {
    const uint64_t* row = &counts[i * cols];
    uint64_t total = 0;
    for (size_t j = 0; j < cols; ++j) total += row[j];
    const double inv = 1.0 / static_cast<double>(total);
    for (size_t j = 0; j < m; ++j) a[i * m + j] = -static_cast<double>(row[j]) * inv;
    a[i * m + i] += 1.0;
    r[i] = static_cast<double>(row[conversion]) * inv;
  }
  uint64_t start_total = 0;
  for (size_t j = 0; j < m; ++j) start_total += counts[start * cols + j];
  for (size_t j = 0; j < m; ++j) {
    s[j] = static_cast<double>(counts[start * cols + j]) / static_cast<double>(start_total);
  }

  const DenseLu lu(std::move(a), m);
  const std::vector<double> y = lu.Solve(r);  // conversion probability from each channel
  double p = 0;
  for (size_t j = 0; j < m; ++j) p += s[j] * y[j];
  if (!(p > 0)) return out;
  out.conversion_probability = p;

  const std::vector<double> visits = lu.SolveTransposed(s);  // expected visits from start
  const std::vector<double> returns = lu.InverseDiagonal();  // expected visits to k from k
  for (size_t k = 0; k < m; ++k) {
    const double reach = visits[k] / returns[k];
    out.removal_effect[channel_of[k]] = reach * y[k] / p;
  }
  return out;
}

Status AddMarkovCredit(const MtaInput& input, uint32_t organic_channel,
                       std::span<ChannelCredit> credit) {
  UM_ASSIGN_OR_RETURN(MarkovRemoval removal, ComputeMarkovRemoval(input));
  const ConvertingPaths& paths = input.converting;
  const ChannelCredit total = SplitOrganic(paths, organic_channel, credit);
  double sum = 0;
  for (double re : removal.removal_effect) sum += re;
  if (!(sum > 0)) return Status::OK();
  for (size_t c = 0; c < removal.removal_effect.size(); ++c) {
    const double share = removal.removal_effect[c] / sum;
    if (share == 0) continue;
    credit[c].conversions += total.conversions * share;
    credit[c].revenue += total.revenue * share;
  }
  return Status::OK();
}

}  // namespace unmogrowp
