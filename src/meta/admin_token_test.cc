#include "meta/admin_token.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>

#include "core/scoped_temp_dir_for_test.h"

namespace unmogrowp {
namespace {

mode_t FileMode(const std::string& path) {
  struct stat st;
  EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
  return st.st_mode & 07777;
}

TEST(AdminTokenTest, GeneratedOncePersistedAndReused) {
  ScopedTempDir dir;
  bool created = false;
  auto first = LoadOrCreateAdminToken(dir.path(), std::nullopt, &created);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_TRUE(created);
  EXPECT_EQ(first->size(), 2 * kAdminTokenRandomBytes);

  const std::string file = dir.File("admin.token");
  EXPECT_EQ(FileMode(file), 0600u);
  std::ifstream in(file);
  std::string on_disk;
  std::getline(in, on_disk);
  EXPECT_EQ(on_disk, *first);

  auto second = LoadOrCreateAdminToken(dir.path(), std::nullopt, &created);
  ASSERT_TRUE(second.ok());
  EXPECT_FALSE(created);
  EXPECT_EQ(*second, *first);
}

TEST(AdminTokenTest, NoTempFileLeftBehind) {
  ScopedTempDir dir;
  ASSERT_TRUE(LoadOrCreateAdminToken(dir.path(), std::nullopt, nullptr).ok());
  int entries = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir.path())) {
    EXPECT_EQ(e.path().filename(), "admin.token");
    ++entries;
  }
  EXPECT_EQ(entries, 1);
}

TEST(AdminTokenTest, CreatesAMissingDataDir) {
  ScopedTempDir dir;
  std::string data_dir = dir.File("nested/data");
  bool created = false;
  ASSERT_TRUE(LoadOrCreateAdminToken(data_dir, std::nullopt, &created).ok());
  EXPECT_TRUE(created);
  EXPECT_TRUE(std::filesystem::exists(data_dir + "/admin.token"));
}

TEST(AdminTokenTest, ConfiguredTokenWinsAndTouchesNoFile) {
  ScopedTempDir dir;
  ASSERT_TRUE(LoadOrCreateAdminToken(dir.path(), std::nullopt, nullptr).ok());
  bool created = true;
  auto token = LoadOrCreateAdminToken(dir.path(), std::string("s3cret-token"), &created);
  ASSERT_TRUE(token.ok());
  EXPECT_EQ(*token, "s3cret-token");
  EXPECT_FALSE(created);

  ScopedTempDir empty;
  ASSERT_TRUE(LoadOrCreateAdminToken(empty.path(), std::string("abc"), nullptr).ok());
  EXPECT_FALSE(std::filesystem::exists(empty.File("admin.token")));
}

TEST(AdminTokenTest, RejectsAnUnusableConfiguredToken) {
  ScopedTempDir dir;
  for (std::string bad : {"", "has space", "tab\t", "line\n"}) {
    Status s = LoadOrCreateAdminToken(dir.path(), bad, nullptr).status();
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << bad;
    EXPECT_EQ(s.field(), "admin_token");
  }
}

TEST(AdminTokenTest, ReadsAHandWrittenFileAndNarrowsItsMode) {
  ScopedTempDir dir;
  const std::string file = dir.File("admin.token");
  std::ofstream(file) << "operator-token\n";
  ASSERT_EQ(::chmod(file.c_str(), 0644), 0);
  bool created = true;
  auto token = LoadOrCreateAdminToken(dir.path(), std::nullopt, &created);
  ASSERT_TRUE(token.ok()) << token.status().ToString();
  EXPECT_EQ(*token, "operator-token");
  EXPECT_FALSE(created);
  EXPECT_EQ(FileMode(file), 0600u);
}

TEST(AdminTokenTest, AnEmptyTokenFileIsAnErrorNotANewToken) {
  ScopedTempDir dir;
  const std::string file = dir.File("admin.token");
  std::ofstream(file) << "\n";
  Status s = LoadOrCreateAdminToken(dir.path(), std::nullopt, nullptr).status();
  EXPECT_EQ(s.code(), StatusCode::kCorruption);
}

TEST(AdminTokenTest, TokenEquals) {
  EXPECT_TRUE(TokenEquals("abc", "abc"));
  EXPECT_FALSE(TokenEquals("abc", "abd"));
  EXPECT_FALSE(TokenEquals("abc", "ab"));
  EXPECT_FALSE(TokenEquals("", "x"));
  EXPECT_TRUE(TokenEquals("", ""));
}

}  // namespace
}  // namespace unmogrowp
