#include "api/report_params.h"

#include <gtest/gtest.h>

#include "event/timestamp.h"

namespace unmogrowp::api {
namespace {

const int64_t kToday = DaysFromCivil(2026, 11, 26);

Result<DayRange> Range(std::string_view query) {
  auto params = ParseQuery(query);
  if (!params.ok()) return params.status();
  return ParseDayRange(*params, kToday);
}

TEST(ParseQueryTest, DecodesEscapesAndKeepsTheFirstOfRepeats) {
  auto p = ParseQuery("a=1&b=x%2Fy+z&a=2&&flag&c=%e2%82%ac");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->at("a"), "1");
  EXPECT_EQ(p->at("b"), "x/y z");
  EXPECT_EQ(p->at("flag"), "");
  EXPECT_EQ(p->at("c"), "\xe2\x82\xac");
  EXPECT_FALSE(ParseQuery("a=%zz").ok());
  EXPECT_FALSE(ParseQuery("a=%4").ok());
  EXPECT_FALSE(ParseQuery("a=%").ok());
}

TEST(ParseDayRangeTest, DefaultsPerApiMd) {
  DayRange all_default = *Range("");
  EXPECT_EQ(all_default.to_day, kToday);
  EXPECT_EQ(all_default.from_day, kToday - 29);  // 30 days, inclusive

  DayRange only_from = *Range("from=2026-11-01");
  EXPECT_EQ(only_from.from_day, DaysFromCivil(2026, 11, 1));
  EXPECT_EQ(only_from.to_day, kToday);

  DayRange only_to = *Range("to=2026-03-01");
  EXPECT_EQ(only_to.to_day, DaysFromCivil(2026, 3, 1));
  EXPECT_EQ(only_to.from_day, DaysFromCivil(2026, 1, 31));

  DayRange one_day = *Range("from=2024-02-29&to=2024-02-29");
  EXPECT_EQ(one_day.from_day, one_day.to_day);
}

TEST(ParseDayRangeTest, BadDatesNameTheParameter) {
  for (std::string_view q : {"from=2026-13-01", "from=2026-02-29", "from=26-01-01",
                             "from=2026-1-01", "from=2026-01-0a", "from="}) {
    auto r = Range(q);
    ASSERT_FALSE(r.ok()) << q;
    EXPECT_EQ(r.status().field(), "from") << q;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  }
  EXPECT_EQ(Range("to=yesterday").status().field(), "to");
  auto reversed = Range("from=2026-11-02&to=2026-11-01");
  ASSERT_FALSE(reversed.ok());
  EXPECT_EQ(reversed.status().field(), "from");
  EXPECT_NE(reversed.status().message().find("after"), std::string::npos);
}

TEST(ParseGroupByTest, SourceCampaignOrAnError) {
  EXPECT_EQ(*ParseGroupBy({}), GroupBy::kSource);
  EXPECT_EQ(*ParseGroupBy({{"group_by", "campaign"}}), GroupBy::kCampaign);
  auto bad = ParseGroupBy({{"group_by", "medium"}});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().field(), "group_by");
}

TEST(FormatDayTest, FormatsIsoDates) {
  EXPECT_EQ(FormatDay(0), "1970-01-01");
  EXPECT_EQ(FormatDay(kToday), "2026-11-26");
  EXPECT_EQ(FormatDay(-1), "1969-12-31");
}

}  // namespace
}  // namespace unmogrowp::api
