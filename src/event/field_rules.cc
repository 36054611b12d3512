#include "event/field_rules.h"

namespace unmogrowp {

bool IsValidEventType(std::string_view event_type) {
  if (event_type.empty() || event_type.size() > kMaxEventTypeBytes) return false;
  for (char c : event_type) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return false;
  }
  return true;
}

bool IsValidCurrency(std::string_view currency) {
  if (currency.size() != 3) return false;
  for (char c : currency) {
    if (c < 'A' || c > 'Z') return false;
  }
  return true;
}

bool IsWithinFutureSkew(int64_t timestamp_ms, int64_t now_ms) {
  int64_t limit;
  if (__builtin_add_overflow(now_ms, kMaxFutureSkewMs, &limit)) return true;
  return timestamp_ms <= limit;
}

}  // namespace unmogrowp
