#include "log/segment_index.h"

#include <fmt/format.h>

#include <algorithm>
#include <cassert>

namespace unmogrowp {

namespace {
constexpr size_t kBaseDigits = 20;
constexpr std::string_view kSuffix = ".log";
}  // namespace

std::string SegmentFileName(const std::string& dir, uint64_t base_offset) {
  return fmt::format("{}/{:020d}{}", dir, base_offset, kSuffix);
}

std::optional<uint64_t> ParseSegmentFileName(const std::string& name) {
  if (name.size() != kBaseDigits + kSuffix.size() || name.substr(kBaseDigits) != kSuffix) {
    return std::nullopt;
  }
  uint64_t base = 0;
  for (size_t i = 0; i < kBaseDigits; ++i) {
    char c = name[i];
    if (c < '0' || c > '9') return std::nullopt;
    uint64_t digit = static_cast<uint64_t>(c - '0');
    if (base > (std::numeric_limits<uint64_t>::max() - digit) / 10) return std::nullopt;
    base = base * 10 + digit;
  }
  return base;
}

SegmentIndex::SegmentIndex(std::string dir, std::vector<uint64_t> bases, uint64_t durable_end)
    : dir_(std::move(dir)), bases_(std::move(bases)), durable_end_(durable_end) {
  assert(!bases_.empty() && std::is_sorted(bases_.begin(), bases_.end()));
}

void SegmentIndex::AddSegment(uint64_t base) {
  std::lock_guard<std::mutex> lock(mu_);
  assert(base > bases_.back());
  bases_.push_back(base);
  generation_.fetch_add(1, std::memory_order_release);
}

void SegmentIndex::DropFirstSegment([[maybe_unused]] uint64_t base) {
  std::lock_guard<std::mutex> lock(mu_);
  assert(bases_.size() > 1 && bases_.front() == base);
  bases_.erase(bases_.begin());
}

uint64_t SegmentIndex::first_base() const {
  std::lock_guard<std::mutex> lock(mu_);
  return bases_.front();
}

std::optional<SegmentIndex::Span> SegmentIndex::Find(uint64_t offset) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = std::upper_bound(bases_.begin(), bases_.end(), offset);
  if (it == bases_.begin()) return std::nullopt;
  Span span;
  span.end = it == bases_.end() ? kOpenEnd : *it;
  span.base = *std::prev(it);
  return span;
}

std::vector<uint64_t> SegmentIndex::bases() const {
  std::lock_guard<std::mutex> lock(mu_);
  return bases_;
}

}  // namespace unmogrowp
