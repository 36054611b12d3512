#include "event/timestamp.h"

#include <fmt/format.h>

namespace unmogrowp {

namespace {

constexpr int64_t kMsPerSecond = 1000;
constexpr int64_t kMsPerDay = 86'400'000;

// Floor division (C++ `/` truncates toward zero).
int64_t FloorDiv(int64_t a, int64_t b) {
  const int64_t q = a / b;
  return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// Reads exactly `n` digits at text[*pos], advancing *pos.
bool ReadDigits(std::string_view text, size_t* pos, size_t n, unsigned* value) {
  if (text.size() - *pos < n) return false;
  unsigned v = 0;
  for (size_t i = 0; i < n; ++i) {
    const char c = text[*pos + i];
    if (!IsDigit(c)) return false;
    v = v * 10 + static_cast<unsigned>(c - '0');
  }
  *value = v;
  *pos += n;
  return true;
}

bool ReadChar(std::string_view text, size_t* pos, char expected) {
  if (*pos >= text.size() || text[*pos] != expected) return false;
  ++*pos;
  return true;
}

Status Malformed() {
  return Status::InvalidArgument(
      "", "expected an RFC 3339 date-time such as 2024-05-01T12:30:00.250Z or +02:00 offset");
}

Status OutOfRange(std::string_view what, unsigned value) {
  return Status::InvalidArgument("", fmt::format("{} {:02} is out of range", what, value));
}

}  // namespace

bool IsLeapYear(int64_t year) { return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0; }

unsigned DaysInMonth(int64_t year, unsigned month) {
  static constexpr unsigned kDays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return month == 2 && IsLeapYear(year) ? 29 : kDays[month - 1];
}

int64_t DaysFromCivil(int64_t year, unsigned month, unsigned day) {
  const int64_t y = month <= 2 ? year - 1 : year;
  const int64_t era = FloorDiv(y, 400);
  const auto yoe = static_cast<unsigned>(y - era * 400);                               // [0, 399]
  const unsigned doy = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1;  // [0, 365]
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;  // [0, 146096]
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

CivilDate CivilFromDays(int64_t days_since_epoch) {
  const int64_t z = days_since_epoch + 719468;
  const int64_t era = FloorDiv(z, 146097);
  const auto doe = static_cast<unsigned>(z - era * 146097);                    // [0, 146096]
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;  // [0, 399]
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);                // [0, 365]
  const unsigned mp = (5 * doy + 2) / 153;                                     // [0, 11]
  const unsigned day = doy - (153 * mp + 2) / 5 + 1;                           // [1, 31]
  const unsigned month = mp < 10 ? mp + 3 : mp - 9;                            // [1, 12]
  const int64_t year = static_cast<int64_t>(yoe) + era * 400 + (month <= 2 ? 1 : 0);
  return CivilDate{year, month, day};
}

Result<int64_t> ParseRfc3339Ms(std::string_view text) {
  size_t pos = 0;
  unsigned year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  if (!ReadDigits(text, &pos, 4, &year) || !ReadChar(text, &pos, '-') ||
      !ReadDigits(text, &pos, 2, &month) || !ReadChar(text, &pos, '-') ||
      !ReadDigits(text, &pos, 2, &day)) {
    return Malformed();
  }
  if (pos >= text.size() || (text[pos] != 'T' && text[pos] != 't')) return Malformed();
  ++pos;
  if (!ReadDigits(text, &pos, 2, &hour) || !ReadChar(text, &pos, ':') ||
      !ReadDigits(text, &pos, 2, &minute) || !ReadChar(text, &pos, ':') ||
      !ReadDigits(text, &pos, 2, &second)) {
    return Malformed();
  }
  unsigned millis = 0;
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    size_t digits = 0;
    while (pos < text.size() && IsDigit(text[pos])) {
      if (digits < 3) millis = millis * 10 + static_cast<unsigned>(text[pos] - '0');
      ++digits;
      ++pos;
    }
    if (digits == 0) return Status::InvalidArgument("", "a '.' must be followed by digits");
    if (digits > 9) {
      return Status::InvalidArgument("", "at most 9 fraction-of-second digits are allowed");
    }
    for (size_t i = digits; i < 3; ++i) millis *= 10;
  }
  int64_t offset_minutes = 0;
  if (pos >= text.size()) return Malformed();
  if (text[pos] == 'Z' || text[pos] == 'z') {
    ++pos;
  } else if (text[pos] == '+' || text[pos] == '-') {
    const bool negative = text[pos] == '-';
    ++pos;
    unsigned offset_hour = 0, offset_minute = 0;
    if (!ReadDigits(text, &pos, 2, &offset_hour) || !ReadChar(text, &pos, ':') ||
        !ReadDigits(text, &pos, 2, &offset_minute)) {
      return Malformed();
    }
    if (offset_hour > 23) return OutOfRange("offset hour", offset_hour);
    if (offset_minute > 59) return OutOfRange("offset minute", offset_minute);
    offset_minutes = static_cast<int64_t>(offset_hour) * 60 + offset_minute;
    if (negative) offset_minutes = -offset_minutes;
  } else {
    return Malformed();
  }
  if (pos != text.size()) return Malformed();

  if (month < 1 || month > 12) return OutOfRange("month", month);
  if (day < 1 || day > DaysInMonth(year, month)) {
    return Status::InvalidArgument(
        "", fmt::format("day {:02} does not exist in {:04}-{:02}", day, year, month));
  }
  if (hour > 23) return OutOfRange("hour", hour);
  if (minute > 59) return OutOfRange("minute", minute);
  if (second > 60) return OutOfRange("second", second);

  const int64_t seconds = DaysFromCivil(year, month, day) * 86'400 + int64_t{hour} * 3'600 +
                          int64_t{minute} * 60 + second - offset_minutes * 60;
  return seconds * kMsPerSecond + millis;
}

void AppendRfc3339Ms(int64_t ms_since_epoch, std::string* out) {
  // Split without overflow, even for INT64_MIN.
  int64_t days = ms_since_epoch / kMsPerDay;
  int64_t ms_of_day = ms_since_epoch % kMsPerDay;
  if (ms_of_day < 0) {
    ms_of_day += kMsPerDay;
    --days;
  }
  const CivilDate date = CivilFromDays(days);
  const int64_t seconds_of_day = ms_of_day / 1000;
  fmt::format_to(std::back_inserter(*out), "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", date.year,
                 date.month, date.day, seconds_of_day / 3600, seconds_of_day / 60 % 60,
                 seconds_of_day % 60, ms_of_day % 1000);
}

std::string FormatRfc3339Ms(int64_t ms_since_epoch) {
  std::string out;
  AppendRfc3339Ms(ms_since_epoch, &out);
  return out;
}

}  // namespace unmogrowp
