#pragma once

// Event time text: RFC 3339 date-times <-> milliseconds since the Unix epoch
// (UTC), by proleptic-Gregorian day arithmetic (no timegm, no locale, no TZ
// database), so the result depends on nothing but the text.
//
// Accepted (RFC 3339 section 5.6 `date-time`):
//   YYYY-MM-DD ('T'|'t') hh:mm:ss [ '.' 1-9 digits ] ('Z'|'z'|('+'|'-') hh:mm)
// - month 01-12; day 01 up to the month's length, leap years included;
//   hour 00-23; minute 00-59; offset hours 00-23 and minutes 00-59.
// - second 00-60: RFC 3339 allows a leap second, so :60 is accepted in any
//   minute and, like POSIX time, counted as the first second of the next
//   minute (23:59:60Z == next day 00:00:00Z). Unix milliseconds cannot name a
//   leap second; we do not check the leap-second table.
// - fraction digits are truncated, not rounded, to milliseconds; more than 9
//   digits, or a '.' with none, is rejected.
// - "-00:00" (offset unknown) is taken as UTC.

#include <cstdint>
#include <string>
#include <string_view>

#include "core/result.h"

namespace unmogrowp {

// Milliseconds since 1970-01-01T00:00:00Z for an RFC 3339 date-time.
// InvalidArgument (empty field, a message naming the broken part) otherwise.
Result<int64_t> ParseRfc3339Ms(std::string_view text);

// "YYYY-MM-DDThh:mm:ss.mmmZ". Years outside 0000-9999 (never produced by a
// validated event) are written with as many digits as needed and a '-' sign
// when negative.
std::string FormatRfc3339Ms(int64_t ms_since_epoch);
void AppendRfc3339Ms(int64_t ms_since_epoch, std::string* out);

// Days since 1970-01-01 of a proleptic-Gregorian civil date (month 1-12,
// day 1-31); negative before the epoch. After Howard Hinnant's
// days_from_civil.
int64_t DaysFromCivil(int64_t year, unsigned month, unsigned day);

// A proleptic-Gregorian calendar date.
struct CivilDate {
  int64_t year;
  unsigned month;  // 1-12
  unsigned day;    // 1-31
};

// The civil date of a day count from DaysFromCivil.
CivilDate CivilFromDays(int64_t days_since_epoch);

bool IsLeapYear(int64_t year);
// 28-31; `month` is 1-12.
unsigned DaysInMonth(int64_t year, unsigned month);

}  // namespace unmogrowp
