#include "event/timestamp.h"

#include <gtest/gtest.h>

#include <limits>

namespace unmogrowp {
namespace {

int64_t Parse(std::string_view text) {
  Result<int64_t> r = ParseRfc3339Ms(text);
  EXPECT_TRUE(r.ok()) << text << ": " << r.status().ToString();
  return r.ok() ? *r : -1;
}

bool Valid(std::string_view text) { return ParseRfc3339Ms(text).ok(); }

TEST(ParseRfc3339Test, KnownInstants) {
  EXPECT_EQ(Parse("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(Parse("2000-01-01T00:00:00Z"), 946'684'800'000);
  // 2024-01-01 is day 19723; +31 (January) +28 = day 19782; 12:34:56 = 45296 s.
  EXPECT_EQ(Parse("2024-02-29T12:34:56.789Z"), 1'709'210'096'789);
  EXPECT_EQ(Parse("1969-12-31T23:59:59.999Z"), -1);
  EXPECT_EQ(Parse("0000-01-01T00:00:00Z"), -62'167'219'200'000);
  EXPECT_EQ(Parse("9999-12-31T23:59:59.999Z"), 253'402'300'799'999);
}

TEST(ParseRfc3339Test, LowerCaseSeparators) {
  EXPECT_EQ(Parse("2000-01-01t00:00:00z"), 946'684'800'000);
  EXPECT_EQ(Parse("2000-01-01t00:00:00+00:00"), 946'684'800'000);
}

TEST(ParseRfc3339Test, Offsets) {
  EXPECT_EQ(Parse("2024-01-01T05:30:00+05:30"), 1'704'067'200'000);
  EXPECT_EQ(Parse("2023-12-31T19:00:00-05:00"), 1'704'067'200'000);
  EXPECT_EQ(Parse("2024-01-01T00:00:00-00:00"), 1'704'067'200'000);
  EXPECT_EQ(Parse("2024-01-01T00:00:00+23:59"), 1'704'067'200'000 - (23 * 60 + 59) * 60'000);
  EXPECT_EQ(Parse("2000-01-01T00:00:00.000+01:00"), 946'684'800'000 - 3'600'000);
}

TEST(ParseRfc3339Test, FractionsAreTruncatedToMilliseconds) {
  const int64_t base = 946'684'800'000;
  EXPECT_EQ(Parse("2000-01-01T00:00:00.1Z"), base + 100);
  EXPECT_EQ(Parse("2000-01-01T00:00:00.12Z"), base + 120);
  EXPECT_EQ(Parse("2000-01-01T00:00:00.123Z"), base + 123);
  EXPECT_EQ(Parse("2000-01-01T00:00:00.1239Z"), base + 123);
  EXPECT_EQ(Parse("2000-01-01T00:00:00.999999999Z"), base + 999);
  EXPECT_EQ(Parse("2000-01-01T00:00:00.000000001Z"), base);
  EXPECT_EQ(Parse("2000-01-01T00:00:00.5-01:00"), base + 3'600'000 + 500);
  EXPECT_FALSE(Valid("2000-01-01T00:00:00.1234567890Z"));  // 10 digits
  EXPECT_FALSE(Valid("2000-01-01T00:00:00.Z"));
  EXPECT_FALSE(Valid("2000-01-01T00:00:00,5Z"));
}

TEST(ParseRfc3339Test, LeapSecondCountsAsTheNextMinute) {
  EXPECT_EQ(Parse("2016-12-31T23:59:60Z"), 1'483'228'800'000);
  EXPECT_EQ(Parse("2016-12-31T23:59:60.5Z"), 1'483'228'800'500);
  EXPECT_EQ(Parse("2016-12-31T23:59:60Z"), Parse("2017-01-01T00:00:00Z"));
  EXPECT_FALSE(Valid("2016-12-31T23:59:61Z"));
}

TEST(ParseRfc3339Test, RejectsMalformedText) {
  for (std::string_view text : {
           "",
           "2000-01-01",
           "2000-01-01T00:00:00",  // no offset
           "2000-01-01 00:00:00Z",
           "2000-01-01X00:00:00Z",
           " 2000-01-01T00:00:00Z",
           "2000-01-01T00:00:00Z ",
           "2000-01-01T00:00:00ZZ",
           "200-01-01T00:00:00Z",
           "20000-01-01T00:00:00Z",
           "2000-1-01T00:00:00Z",
           "2000-01-1T00:00:00Z",
           "2000-01-01T0:00:00Z",
           "2000-01-01T00:0:00Z",
           "2000-01-01T00:00:0Z",
           "2000-01-01T00:00Z",
           "2000/01/01T00:00:00Z",
           "2000-01-01T00-00-00Z",
           "2000-0a-01T00:00:00Z",
           "+2000-01-01T00:00:00Z",
           "2000-01-01T00:00:00+0100",
           "2000-01-01T00:00:00+01",
           "2000-01-01T00:00:00+1:00",
           "2000-01-01T00:00:00+01:0",
           "2000-01-01T00:00:00UTC",
           "2000-01-01T00:00:00+01:00:00",
           "１９７０-01-01T00:00:00Z",
       }) {
    EXPECT_FALSE(Valid(text)) << text;
  }
  Result<int64_t> r = ParseRfc3339Ms("yesterday");
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_FALSE(r.status().message().empty());
}

TEST(ParseRfc3339Test, RejectsOutOfRangeFields) {
  EXPECT_FALSE(Valid("2000-00-01T00:00:00Z"));
  EXPECT_FALSE(Valid("2000-13-01T00:00:00Z"));
  EXPECT_FALSE(Valid("2000-01-00T00:00:00Z"));
  EXPECT_FALSE(Valid("2000-01-32T00:00:00Z"));
  EXPECT_FALSE(Valid("2000-04-31T00:00:00Z"));
  EXPECT_FALSE(Valid("2023-02-29T00:00:00Z"));
  EXPECT_FALSE(Valid("1900-02-29T00:00:00Z"));
  EXPECT_TRUE(Valid("2000-02-29T00:00:00Z"));
  EXPECT_TRUE(Valid("2024-02-29T00:00:00Z"));
  EXPECT_FALSE(Valid("2000-01-01T24:00:00Z"));
  EXPECT_FALSE(Valid("2000-01-01T00:60:00Z"));
  EXPECT_FALSE(Valid("2000-01-01T00:00:00+24:00"));
  EXPECT_FALSE(Valid("2000-01-01T00:00:00+00:60"));
  EXPECT_TRUE(Valid("2000-01-01T23:59:59+23:59"));
  EXPECT_EQ(ParseRfc3339Ms("2023-02-29T00:00:00Z").status().message(),
            "day 29 does not exist in 2023-02");
  EXPECT_EQ(ParseRfc3339Ms("2000-13-01T00:00:00Z").status().message(), "month 13 is out of range");
}

TEST(ParseRfc3339Test, EveryDayOfTheMonthInLeapAndCommonYears) {
  // Hand-written month lengths, independent of DaysInMonth.
  const int kCommon[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  for (int year : {1900, 2000, 2023, 2024, 2100}) {
    const bool leap = year == 2000 || year == 2024;
    for (int month = 0; month <= 13; ++month) {
      for (int day = 0; day <= 32; ++day) {
        char text[32];
        snprintf(text, sizeof text, "%04d-%02d-%02dT12:00:00Z", year, month, day);
        const bool month_ok = month >= 1 && month <= 12;
        const int length = month_ok ? kCommon[month - 1] + (month == 2 && leap ? 1 : 0) : 0;
        EXPECT_EQ(Valid(text), month_ok && day >= 1 && day <= length) << text;
      }
    }
  }
}

TEST(ParseRfc3339Test, EveryTimeOfDayField) {
  for (int v = 0; v < 100; ++v) {
    char hour[32], minute[32], second[32];
    snprintf(hour, sizeof hour, "2000-01-01T%02d:00:00Z", v);
    snprintf(minute, sizeof minute, "2000-01-01T00:%02d:00Z", v);
    snprintf(second, sizeof second, "2000-01-01T00:00:%02dZ", v);
    EXPECT_EQ(Valid(hour), v <= 23) << hour;
    EXPECT_EQ(Valid(minute), v <= 59) << minute;
    EXPECT_EQ(Valid(second), v <= 60) << second;
    if (v <= 23) {
      EXPECT_EQ(Parse(hour), 946'684'800'000 + v * 3'600'000);
    }
    if (v <= 59) {
      EXPECT_EQ(Parse(minute), 946'684'800'000 + v * 60'000);
    }
    if (v <= 60) {
      EXPECT_EQ(Parse(second), 946'684'800'000 + v * 1'000);
    }
  }
}

TEST(CivilDaysTest, KnownDays) {
  EXPECT_EQ(DaysFromCivil(1970, 1, 1), 0);
  EXPECT_EQ(DaysFromCivil(1969, 12, 31), -1);
  EXPECT_EQ(DaysFromCivil(2000, 1, 1), 10957);
  EXPECT_EQ(DaysFromCivil(2024, 1, 1), 19723);
  EXPECT_EQ(DaysFromCivil(2000, 3, 1), 11017);  // 10957 + 31 + 29
  const CivilDate d = CivilFromDays(11016);
  EXPECT_EQ(d.year, 2000);
  EXPECT_EQ(d.month, 2u);
  EXPECT_EQ(d.day, 29u);
}

TEST(CivilDaysTest, EveryDayFrom1600To2400MatchesACalendarWalk) {
  // Walk the calendar one day at a time with hand-written month lengths and
  // compare both directions of the day arithmetic, and the text round trip.
  const unsigned kCommon[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  int64_t year = 1600;
  unsigned month = 1, day = 1;
  int64_t days = DaysFromCivil(1600, 1, 1);
  EXPECT_EQ(days, -135140);
  for (; year < 2400; ++days) {
    ASSERT_EQ(DaysFromCivil(year, month, day), days) << year << "-" << month << "-" << day;
    const CivilDate c = CivilFromDays(days);
    ASSERT_EQ(c.year, year);
    ASSERT_EQ(c.month, month);
    ASSERT_EQ(c.day, day);
    if (year >= 1970 && year < 2100 && day % 7 == 0) {
      const int64_t ms = days * 86'400'000 + 45'296'789;
      ASSERT_EQ(Parse(FormatRfc3339Ms(ms)), ms);
    }
    const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    const unsigned length = kCommon[month - 1] + (month == 2 && leap ? 1 : 0);
    ASSERT_EQ(DaysInMonth(year, month), length);
    if (++day > length) {
      day = 1;
      if (++month > 12) {
        month = 1;
        ++year;
      }
    }
  }
}

TEST(LeapYearTest, GregorianRule) {
  EXPECT_TRUE(IsLeapYear(2000));
  EXPECT_TRUE(IsLeapYear(2024));
  EXPECT_TRUE(IsLeapYear(1600));
  EXPECT_FALSE(IsLeapYear(1900));
  EXPECT_FALSE(IsLeapYear(2023));
  EXPECT_FALSE(IsLeapYear(2100));
}

TEST(FormatRfc3339Test, KnownInstants) {
  EXPECT_EQ(FormatRfc3339Ms(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(FormatRfc3339Ms(-1), "1969-12-31T23:59:59.999Z");
  EXPECT_EQ(FormatRfc3339Ms(946'684'800'000), "2000-01-01T00:00:00.000Z");
  EXPECT_EQ(FormatRfc3339Ms(1'709'210'096'789), "2024-02-29T12:34:56.789Z");
  EXPECT_EQ(FormatRfc3339Ms(1'483'228'799'999), "2016-12-31T23:59:59.999Z");
  EXPECT_EQ(FormatRfc3339Ms(-62'167'219'200'000), "0000-01-01T00:00:00.000Z");
}

TEST(FormatRfc3339Test, AppendsAndSurvivesExtremes) {
  std::string out = "t=";
  AppendRfc3339Ms(0, &out);
  EXPECT_EQ(out, "t=1970-01-01T00:00:00.000Z");
  // INT64_MAX ms is in year 292278994; only the shape is checked.
  const std::string max = FormatRfc3339Ms(std::numeric_limits<int64_t>::max());
  EXPECT_EQ(max.substr(0, 10), "292278994-");
  EXPECT_EQ(max.back(), 'Z');
  const std::string min = FormatRfc3339Ms(std::numeric_limits<int64_t>::min());
  EXPECT_EQ(min.front(), '-');
  EXPECT_EQ(min.back(), 'Z');
}

}  // namespace
}  // namespace unmogrowp
