#include "clickhouse/clickhouse_url.h"

#include <gtest/gtest.h>

namespace unmogrowp {
namespace {

TEST(ClickHouseUrlTest, ClickHouseSchemeWithDefaults) {
  auto o = ParseClickHouseUrl("clickhouse://ch.example:9000");
  ASSERT_TRUE(o.ok()) << o.status().ToString();
  EXPECT_EQ(o->endpoint, "http://ch.example:9000");
  EXPECT_EQ(o->server, "ch.example:9000");
  EXPECT_EQ(o->database, "unmogrowp");
  EXPECT_EQ(o->user, "");
  EXPECT_EQ(o->password, "");
  EXPECT_EQ(o->connect_timeout.count(), 2000);
  EXPECT_EQ(o->request_timeout.count(), 60000);

  auto no_port = ParseClickHouseUrl("clickhouse://ch.example");
  ASSERT_TRUE(no_port.ok()) << no_port.status().ToString();
  EXPECT_EQ(no_port->endpoint, "http://ch.example:8123");
}

TEST(ClickHouseUrlTest, DatabaseUserAndPassword) {
  auto o =
      ParseClickHouseUrl("clickhouse://10.0.0.5:8123/analytics?user=writer&password=p%40ss%26w");
  ASSERT_TRUE(o.ok()) << o.status().ToString();
  EXPECT_EQ(o->endpoint, "http://10.0.0.5:8123");
  EXPECT_EQ(o->database, "analytics");
  EXPECT_EQ(o->user, "writer");
  EXPECT_EQ(o->password, "p@ss&w");

  auto userinfo = ParseClickHouseUrl("clickhouse://reader:s%3Acret@ch:8124/db_2");
  ASSERT_TRUE(userinfo.ok()) << userinfo.status().ToString();
  EXPECT_EQ(userinfo->user, "reader");
  EXPECT_EQ(userinfo->password, "s:cret");
  EXPECT_EQ(userinfo->database, "db_2");
}

TEST(ClickHouseUrlTest, HttpForms) {
  auto plain = ParseClickHouseUrl("http://127.0.0.1:41469");
  ASSERT_TRUE(plain.ok()) << plain.status().ToString();
  EXPECT_EQ(plain->endpoint, "http://127.0.0.1:41469");
  EXPECT_EQ(plain->database, "unmogrowp");

  auto with_db = ParseClickHouseUrl("http://127.0.0.1:41469/?database=other&user=u");
  ASSERT_TRUE(with_db.ok()) << with_db.status().ToString();
  EXPECT_EQ(with_db->database, "other");
  EXPECT_EQ(with_db->user, "u");

  auto tls = ParseClickHouseUrl("https://ch.example/x");
  ASSERT_TRUE(tls.ok()) << tls.status().ToString();
  EXPECT_EQ(tls->endpoint, "https://ch.example:443");
  EXPECT_EQ(tls->database, "x");

  auto v6 = ParseClickHouseUrl("clickhouse://[::1]:8123");
  ASSERT_TRUE(v6.ok()) << v6.status().ToString();
  EXPECT_EQ(v6->endpoint, "http://[::1]:8123");
}

TEST(ClickHouseUrlTest, Timeouts) {
  auto o = ParseClickHouseUrl("clickhouse://h/db?connect_timeout_ms=250&request_timeout_ms=5000");
  ASSERT_TRUE(o.ok()) << o.status().ToString();
  EXPECT_EQ(o->connect_timeout, std::chrono::milliseconds(250));
  EXPECT_EQ(o->request_timeout, std::chrono::milliseconds(5000));
  auto d = ParseClickHouseUrl("clickhouse://h/db");
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->request_timeout, std::chrono::milliseconds(60000));
}

TEST(ClickHouseUrlTest, ClearErrors) {
  struct Case {
    const char* url;
    const char* says;
  };
  for (const Case& c : {Case{"", "empty"}, Case{"postgres://h:5432/db", "scheme"},
                        Case{"clickhouse://h:8123/db?usr=x", "unknown parameter 'usr'"},
                        Case{"clickhouse://h:8123/bad-name", "not a plain identifier"},
                        Case{"clickhouse://h/db?request_timeout_ms=0", "request_timeout_ms"},
                        Case{"clickhouse://h/db?connect_timeout_ms=5s", "connect_timeout_ms"},
                        Case{"clickhouse://h:8123/a/b", "not a plain identifier"},
                        Case{"clickhouse://h:notaport", "'clickhouse://h:notaport'"},
                        Case{"clickhouse://", "'clickhouse://'"}}) {
    auto o = ParseClickHouseUrl(c.url);
    ASSERT_FALSE(o.ok()) << c.url;
    EXPECT_EQ(o.status().code(), StatusCode::kInvalidArgument) << c.url;
    EXPECT_EQ(o.status().field(), "clickhouse_url");
    EXPECT_NE(o.status().message().find(c.says), std::string::npos)
        << c.url << " -> " << o.status().ToString();
  }
}

TEST(ClickHouseUrlTest, ErrorsDoNotShowPasswords) {
  auto o = ParseClickHouseUrl("clickhouse://u:topsecret@h:8123/bad-db?password=alsosecret");
  ASSERT_FALSE(o.ok());
  EXPECT_EQ(o.status().message().find("topsecret"), std::string::npos) << o.status().ToString();
  EXPECT_EQ(o.status().message().find("alsosecret"), std::string::npos) << o.status().ToString();
}

TEST(ClickHouseUrlTest, Identifiers) {
  EXPECT_TRUE(IsClickHouseIdentifier("unmogrowp"));
  EXPECT_TRUE(IsClickHouseIdentifier("_t1"));
  EXPECT_FALSE(IsClickHouseIdentifier("1t"));
  EXPECT_FALSE(IsClickHouseIdentifier(""));
  EXPECT_FALSE(IsClickHouseIdentifier("a.b"));
  EXPECT_FALSE(IsClickHouseIdentifier("a`b"));
  EXPECT_FALSE(IsClickHouseIdentifier(std::string(129, 'a')));
}

}  // namespace
}  // namespace unmogrowp
