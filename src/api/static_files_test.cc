#include "api/static_files.h"

#include <gtest/gtest.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include <filesystem>
#include <fstream>

#include "core/scoped_temp_dir_for_test.h"
#include "http/server.h"
#include "http/simple_client.h"

namespace unmogrowp::api {
namespace {

using Headers = std::vector<std::pair<std::string_view, std::string_view>>;

const std::string kIndex = "<!doctype html><title>index</title>";
const std::string kSpa = "<!doctype html><title>spa</title>";
const std::string kJs = "console.log('app')";
// Binary like real brotli output: NUL, CR LF and high bytes must survive.
const std::string kJsBr = std::string("BR\0\r\n\xff\x01js", 9);
const std::string kJsGz = std::string("\x1f\x8bGZjs", 6);
const std::string kSecret = "SQLite format 3";

std::string_view HeaderOf(const http::HttpResponse& r, std::string_view name) {
  for (const auto& [key, value] : r.headers) {
    if (EqualsIgnoreCase(key, name)) return value;
  }
  return {};
}

class StaticFilesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    build_ = tmp_.File("build");
    // Outside the build directory: no request may ever reach it.
    Write(tmp_.File("meta.sqlite3"), kSecret);
    WriteBuild("index.html", kIndex);
    WriteBuild("index.html.br", "BR-index");
    WriteBuild("index.html.gz", "GZ-index");
    WriteBuild("200.html", kSpa);
    WriteBuild("favicon.png", "\x89PNG");
    WriteBuild("_app/version.json", "{\"version\":\"1\"}");
    WriteBuild("_app/immutable/entry/app.A1b2.js", kJs);
    WriteBuild("_app/immutable/entry/app.A1b2.js.br", kJsBr);
    WriteBuild("_app/immutable/entry/app.A1b2.js.gz", kJsGz);
    WriteBuild("_app/immutable/assets/app.css", ".a{}");
    WriteBuild("_app/immutable/assets/app.css.gz", "GZ-css");
    WriteBuild("_app/immutable/assets/a b.js", "spaced");
    WriteBuild(".env", "SECRET=1");
    WriteBuild(".git/config", "[core]");
    std::filesystem::create_symlink(build_ + "/gone.js", build_ + "/dangling.js");
  }

  static void Write(const std::string& path, const std::string& bytes) {
    std::filesystem::create_directories(std::filesystem::path(path).parent_path());
    std::ofstream(path, std::ios::binary) << bytes;
  }
  void WriteBuild(const std::string& name, const std::string& bytes) {
    Write(build_ + "/" + name, bytes);
  }

  void Load() {
    auto loaded = StaticFiles::Load(build_);
    ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
    files_ = std::move(loaded).value();
  }

  http::HttpResponse Request(std::string_view method, std::string_view path,
                             const Headers& headers = {}) {
    http::HttpRequest r;
    r.method = method;
    r.target = path;
    r.path = path;
    r.headers = headers;
    return files_->Serve(r);
  }
  http::HttpResponse Get(std::string_view path, const Headers& headers = {}) {
    return Request("GET", path, headers);
  }
  // The body sent for `path` with this Accept-Encoding, and its Content-Encoding.
  std::pair<std::string, std::string> Negotiate(std::string_view path,
                                                std::string_view accept_encoding) {
    http::HttpResponse r = Get(path, {{"Accept-Encoding", accept_encoding}});
    EXPECT_EQ(r.status, 200) << path;
    return {r.body, std::string(HeaderOf(r, "Content-Encoding"))};
  }

  ScopedTempDir tmp_;
  std::string build_;
  std::unique_ptr<StaticFiles> files_;
};

TEST_F(StaticFilesTest, LoadsTheTreeAndFoldsCompressedSiblings) {
  Load();
  // index.html, 200.html, favicon.png, version.json, app.js, app.css, "a b.js";
  // no dotfiles, no .br/.gz entries of their own.
  EXPECT_EQ(files_->file_count(), 7u);
  EXPECT_TRUE(files_->has_pages());
  EXPECT_GT(files_->total_bytes(), kIndex.size() + kJsBr.size());
}

TEST_F(StaticFilesTest, RootIsIndexHtml) {
  Load();
  http::HttpResponse r = Get("/");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, kIndex);
  EXPECT_EQ(r.content_type, "text/html; charset=utf-8");
  EXPECT_EQ(HeaderOf(r, "Cache-Control"), "no-cache");
  EXPECT_EQ(HeaderOf(r, "X-Content-Type-Options"), "nosniff");
  EXPECT_EQ(HeaderOf(r, "Vary"), "Accept-Encoding");
  EXPECT_EQ(HeaderOf(r, "Content-Encoding"), "");
  std::string_view etag = HeaderOf(r, "ETag");
  ASSERT_GE(etag.size(), 3u);
  EXPECT_EQ(etag.front(), '"');
  EXPECT_EQ(etag.back(), '"');
  EXPECT_EQ(Get("/index.html").body, kIndex);
}

TEST_F(StaticFilesTest, ContentTypeByExtension) {
  const std::pair<std::string, std::string> cases[] = {
      {"a.js", "text/javascript; charset=utf-8"},
      {"a.mjs", "text/javascript; charset=utf-8"},
      {"a.css", "text/css; charset=utf-8"},
      {"a.json", "application/json"},
      {"a.js.map", "application/json"},
      {"a.svg", "image/svg+xml"},
      {"a.png", "image/png"},
      {"a.ico", "image/x-icon"},
      {"a.woff2", "font/woff2"},
      {"robots.txt", "text/plain; charset=utf-8"},
      {"site.webmanifest", "application/manifest+json"},
      {"page.HTML", "text/html; charset=utf-8"},
      {"a.bin", "application/octet-stream"},
      {"LICENSE", "application/octet-stream"},
  };
  for (const auto& [name, type] : cases) WriteBuild("t/" + name, "x");
  Load();
  for (const auto& [name, type] : cases) {
    http::HttpResponse r = Get("/t/" + name);
    EXPECT_EQ(r.status, 200) << name;
    EXPECT_EQ(r.content_type, type) << name;
  }
}

TEST_F(StaticFilesTest, OnlyImmutableAssetsAreCachedForAYear) {
  Load();
  EXPECT_EQ(HeaderOf(Get("/_app/immutable/entry/app.A1b2.js"), "Cache-Control"),
            "public, max-age=31536000, immutable");
  EXPECT_EQ(HeaderOf(Get("/_app/immutable/assets/app.css"), "Cache-Control"),
            "public, max-age=31536000, immutable");
  EXPECT_EQ(HeaderOf(Get("/_app/version.json"), "Cache-Control"), "no-cache");
  EXPECT_EQ(HeaderOf(Get("/favicon.png"), "Cache-Control"), "no-cache");
  EXPECT_EQ(HeaderOf(Get("/apps/app_1/overview"), "Cache-Control"), "no-cache");
}

TEST_F(StaticFilesTest, ClientRoutesGetTheSpaFallbackPage) {
  Load();
  for (std::string_view path : {"/apps/app_1/overview", "/login", "/apps/", "/v1x/reports"}) {
    http::HttpResponse r = Get(path);
    EXPECT_EQ(r.status, 200) << path;
    EXPECT_EQ(r.body, kSpa) << path;
    EXPECT_EQ(r.content_type, "text/html; charset=utf-8") << path;
  }
  // The query is not part of the path the server hands over.
  EXPECT_EQ(Get("/apps/app_1/overview").body, kSpa);
}

TEST_F(StaticFilesTest, FallsBackToIndexWithout200Html) {
  std::filesystem::remove(build_ + "/200.html");
  Load();
  http::HttpResponse r = Get("/apps/app_1/overview");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, kIndex);
}

TEST_F(StaticFilesTest, RootWithoutIndexHtmlGetsTheSpaPage) {
  std::filesystem::remove(build_ + "/index.html");
  Load();
  http::HttpResponse r = Get("/");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, kSpa);
  // A request for the file itself is now a missing asset.
  EXPECT_EQ(Get("/index.html").status, 404);
}

TEST_F(StaticFilesTest, MissingAssetIsA404NotTheHtmlPage) {
  Load();
  for (std::string_view path :
       {"/_app/immutable/missing.js", "/favicon.ico", "/apps/x/logo.svg", "/.env", "/index.html.br",
        "/_app/immutable/entry/app.A1b2.js.gz"}) {
    http::HttpResponse r = Get(path, {{"Accept-Encoding", "br, gzip"}});
    EXPECT_EQ(r.status, 404) << path;
    EXPECT_EQ(r.content_type, "application/json") << path;
    EXPECT_NE(r.body.find("\"not_found\""), std::string::npos) << path;
    EXPECT_EQ(HeaderOf(r, "X-Content-Type-Options"), "nosniff") << path;
  }
}

TEST_F(StaticFilesTest, UnmatchedApiPathsKeepTheJson404) {
  Load();
  for (std::string_view path :
       {"/v1/nope", "/v1", "/v1/", "/v1/apps/x/y/z", "/healthz/x", "/metrics/x", "/v%31/nope"}) {
    for (std::string_view method : {"GET", "POST", "HEAD"}) {
      http::HttpResponse r = Request(method, path);
      EXPECT_EQ(r.status, 404) << method << " " << path;
      EXPECT_EQ(r.content_type, "application/json") << path;
      EXPECT_NE(r.body.find("\"code\":\"not_found\""), std::string::npos) << r.body;
    }
  }
}

TEST_F(StaticFilesTest, OnlyGetAndHead) {
  Load();
  for (std::string_view method : {"POST", "PUT", "DELETE", "PATCH", "OPTIONS"}) {
    for (std::string_view path : {"/", "/apps/x", "/favicon.png"}) {
      http::HttpResponse r = Request(method, path);
      EXPECT_EQ(r.status, 405) << method << " " << path;
      EXPECT_EQ(r.content_type, "application/json");
      EXPECT_NE(r.body.find("\"method_not_allowed\""), std::string::npos);
      EXPECT_EQ(HeaderOf(r, "Allow"), "GET, HEAD");
    }
  }
  // HEAD is answered as GET; the server leaves the body out on the wire.
  http::HttpResponse head = Request("HEAD", "/favicon.png");
  EXPECT_EQ(head.status, 200);
  EXPECT_EQ(head.body, "\x89PNG");
  EXPECT_EQ(head.content_type, "image/png");
  EXPECT_EQ(Request("HEAD", "/apps/x").body, kSpa);
  EXPECT_EQ(Request("HEAD", "/missing.js").status, 404);
}

TEST_F(StaticFilesTest, TraversalAndOddPathsAreRejected) {
  Load();
  for (std::string_view path :
       {"/../meta.sqlite3", "/%2e%2e/meta.sqlite3", "/%2E%2E/meta.sqlite3", "/a/%2F..",
        "/a/..%2F..%2Fmeta.sqlite3", "/%2e%2e%2fmeta.sqlite3", "/_app/../../meta.sqlite3",
        "/..\\meta.sqlite3", "/%5c..%5cmeta.sqlite3", "/index.html%00.js", "/./index.html",
        "/%2e/index.html", "meta.sqlite3", "/%zz", "/%2", "/%"}) {
    http::HttpResponse r = Get(path);
    EXPECT_EQ(r.status, 400) << path;
    EXPECT_EQ(r.content_type, "application/json") << path;
    EXPECT_NE(r.body.find("\"bad_request\""), std::string::npos) << path;
    EXPECT_NE(r.body.find("\"field\":\"path\""), std::string::npos) << path;
    EXPECT_EQ(r.body.find(kSecret), std::string::npos) << path;
  }
}

TEST_F(StaticFilesTest, PathsArePercentDecodedAndSlashesCollapsed) {
  Load();
  EXPECT_EQ(Get("/_app/immutable/assets/a%20b.js").body, "spaced");
  EXPECT_EQ(Get("/%5fapp/version.json").body, "{\"version\":\"1\"}");
  EXPECT_EQ(Get("//_app//version.json").body, "{\"version\":\"1\"}");
  // '+' is a space only in query strings.
  EXPECT_EQ(Get("/_app/immutable/assets/a+b.js").status, 404);
}

TEST_F(StaticFilesTest, AcceptEncodingNegotiation) {
  Load();
  const std::string js = "/_app/immutable/entry/app.A1b2.js";
  using P = std::pair<std::string, std::string>;
  EXPECT_EQ(Negotiate(js, ""), (P{kJs, ""}));
  EXPECT_EQ(Negotiate(js, "br"), (P{kJsBr, "br"}));
  EXPECT_EQ(Negotiate(js, "gzip"), (P{kJsGz, "gzip"}));
  EXPECT_EQ(Negotiate(js, "gzip, deflate, br"), (P{kJsBr, "br"}));
  EXPECT_EQ(Negotiate(js, "BR"), (P{kJsBr, "br"}));
  EXPECT_EQ(Negotiate(js, "x-gzip"), (P{kJsGz, "gzip"}));
  EXPECT_EQ(Negotiate(js, "identity"), (P{kJs, ""}));
  EXPECT_EQ(Negotiate(js, "deflate"), (P{kJs, ""}));
  // q=0 means "not acceptable", in any spelling.
  EXPECT_EQ(Negotiate(js, "br;q=0, gzip"), (P{kJsGz, "gzip"}));
  EXPECT_EQ(Negotiate(js, "br; q=0.000, gzip;q=0.5"), (P{kJsGz, "gzip"}));
  EXPECT_EQ(Negotiate(js, "br;q=0, gzip;q=0"), (P{kJs, ""}));
  EXPECT_EQ(Negotiate(js, "gzip;Q=0"), (P{kJs, ""}));
  // The higher weight wins; br on a tie.
  EXPECT_EQ(Negotiate(js, "br;q=0.5, gzip;q=0.8"), (P{kJsGz, "gzip"}));
  EXPECT_EQ(Negotiate(js, "gzip;q=0.8, br;q=0.8"), (P{kJsBr, "br"}));
  // "*" stands for every coding not listed.
  EXPECT_EQ(Negotiate(js, "*"), (P{kJsBr, "br"}));
  EXPECT_EQ(Negotiate(js, "*;q=0"), (P{kJs, ""}));
  EXPECT_EQ(Negotiate(js, "br;q=0, *"), (P{kJsGz, "gzip"}));
  // A malformed weight never selects an encoding.
  EXPECT_EQ(Negotiate(js, "br;q=abc, gzip;q=2"), (P{kJs, ""}));
  // Repeated headers form one list.
  http::HttpResponse r =
      Get(js, {{"Accept-Encoding", "gzip;q=0.1"}, {"accept-encoding", "br;q=0.9"}});
  EXPECT_EQ(HeaderOf(r, "Content-Encoding"), "br");
  // Only the encodings that were built are offered.
  EXPECT_EQ(Negotiate("/_app/immutable/assets/app.css", "br, gzip"), (P{"GZ-css", "gzip"}));
  EXPECT_EQ(Negotiate("/_app/immutable/assets/app.css", "br"), (P{".a{}", ""}));
  // The SPA fallback page is index.html's content negotiated like the file.
  std::filesystem::remove(build_ + "/200.html");
  Load();
  EXPECT_EQ(Negotiate("/apps/x", "br"), (P{"BR-index", "br"}));
}

TEST_F(StaticFilesTest, VaryOnlyOnFilesWithCompressedSiblings) {
  Load();
  EXPECT_EQ(HeaderOf(Get("/_app/immutable/assets/app.css"), "Vary"), "Accept-Encoding");
  EXPECT_EQ(HeaderOf(Get("/_app/immutable/entry/app.A1b2.js", {{"Accept-Encoding", "br"}}), "Vary"),
            "Accept-Encoding");
  EXPECT_EQ(HeaderOf(Get("/_app/version.json", {{"Accept-Encoding", "br"}}), "Vary"), "");
  EXPECT_EQ(HeaderOf(Get("/_app/version.json", {{"Accept-Encoding", "br"}}), "Content-Encoding"),
            "");
}

TEST_F(StaticFilesTest, ETagsAreStableAndDifferPerEncoding) {
  Load();
  const std::string js = "/_app/immutable/entry/app.A1b2.js";
  std::string plain(HeaderOf(Get(js), "ETag"));
  std::string br(HeaderOf(Get(js, {{"Accept-Encoding", "br"}}), "ETag"));
  std::string gzip(HeaderOf(Get(js, {{"Accept-Encoding", "gzip"}}), "ETag"));
  EXPECT_NE(plain, br);
  EXPECT_NE(plain, gzip);
  EXPECT_NE(br, gzip);
  EXPECT_NE(plain, std::string(HeaderOf(Get("/_app/version.json"), "ETag")));
  // Content hashes: a second load (a restarted server) hands out the same tags.
  Load();
  EXPECT_EQ(HeaderOf(Get(js), "ETag"), plain);
  EXPECT_EQ(HeaderOf(Get(js, {{"Accept-Encoding", "br"}}), "ETag"), br);
  // ...and a changed file a new one.
  WriteBuild("_app/immutable/entry/app.A1b2.js", kJs + ";");
  Load();
  EXPECT_NE(HeaderOf(Get(js), "ETag"), plain);
}

TEST_F(StaticFilesTest, IfNoneMatchAnswers304WithoutBody) {
  Load();
  http::HttpResponse first = Get("/", {{"Accept-Encoding", "br"}});
  std::string etag(HeaderOf(first, "ETag"));
  const std::string weak = "W/" + etag;
  const std::string listed = "\"other\", " + etag;
  for (std::string_view inm : {std::string_view(etag), std::string_view(weak),
                               std::string_view(listed), std::string_view("*")}) {
    http::HttpResponse r = Get("/", {{"Accept-Encoding", "br"}, {"If-None-Match", inm}});
    EXPECT_EQ(r.status, 304) << inm;
    EXPECT_EQ(r.body, "") << inm;
    EXPECT_EQ(HeaderOf(r, "ETag"), etag);
    EXPECT_EQ(HeaderOf(r, "Cache-Control"), "no-cache");
    EXPECT_EQ(HeaderOf(r, "Vary"), "Accept-Encoding");
    EXPECT_EQ(HeaderOf(r, "X-Content-Type-Options"), "nosniff");
  }
  // Another representation (no br) or another tag: the full answer.
  EXPECT_EQ(Get("/", {{"If-None-Match", etag}}).status, 200);
  EXPECT_EQ(Get("/", {{"Accept-Encoding", "br"}, {"If-None-Match", "\"nope\""}}).status, 200);
  EXPECT_EQ(Get("/", {{"Accept-Encoding", "br"}, {"If-None-Match", "garbage"}}).status, 200);
}

TEST_F(StaticFilesTest, MissingDirectoryServesTheHowToBuildPage) {
  build_ = tmp_.File("not<built>");
  Load();
  EXPECT_EQ(files_->file_count(), 0u);
  EXPECT_FALSE(files_->has_pages());
  for (std::string_view path : {"/", "/apps/app_1/overview"}) {
    http::HttpResponse r = Get(path);
    EXPECT_EQ(r.status, 503) << path;
    EXPECT_EQ(r.content_type, "text/html; charset=utf-8");
    EXPECT_NE(r.body.find("./scripts/run"), std::string::npos);
    EXPECT_NE(r.body.find("npm --prefix web ci\nnpm --prefix web run build"), std::string::npos);
    EXPECT_NE(r.body.find("not&lt;built&gt;"), std::string::npos) << r.body;
    EXPECT_EQ(r.body.find("<built>"), std::string::npos);
    EXPECT_EQ(HeaderOf(r, "X-Content-Type-Options"), "nosniff");
  }
  EXPECT_EQ(Get("/favicon.png").status, 404);
  EXPECT_EQ(Get("/v1/nope").content_type, "application/json");
  EXPECT_EQ(Get("/v1/nope").status, 404);
}

TEST_F(StaticFilesTest, LoadRejectsAFileAsTheDirectory) {
  auto loaded = StaticFiles::Load(build_ + "/index.html");
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.status().code(), StatusCode::kInvalidArgument);
}

TEST_F(StaticFilesTest, ServedThroughTheHttpServer) {
  Load();
  http::Router router;
  router.Add("GET", "/v1/ping", "ping", [](http::HttpRequest&, http::Responder respond) {
    respond.Send(http::HttpResponse::Json(200, "{}"));
  });
  AddStaticRoutes(&router, files_.get());
  prometheus::Registry registry;
  http::ServerOptions options;
  options.port = 0;
  options.threads = 1;
  options.metrics = &registry;
  auto started = http::HttpServer::Start(options, &router);
  ASSERT_TRUE(started.ok()) << started.status().ToString();
  std::unique_ptr<http::HttpServer> server = std::move(started).value();
  http::SimpleHttpClient client("127.0.0.1", server->port());

  auto js = client.Request("GET", "/_app/immutable/entry/app.A1b2.js?v=1",
                           {{"Accept-Encoding", "gzip, br"}});
  ASSERT_TRUE(js.ok()) << js.status().ToString();
  EXPECT_EQ(js->status, 200);
  EXPECT_EQ(js->body, kJsBr);
  EXPECT_EQ(js->Header("Content-Length"), std::to_string(kJsBr.size()));
  EXPECT_EQ(js->Header("Content-Encoding"), "br");
  EXPECT_EQ(js->Header("Content-Type"), "text/javascript; charset=utf-8");
  EXPECT_EQ(js->Header("Vary"), "Accept-Encoding");
  EXPECT_EQ(js->Header("Cache-Control"), "public, max-age=31536000, immutable");
  EXPECT_EQ(js->Header("X-Content-Type-Options"), "nosniff");
  std::string etag(js->Header("ETag"));
  EXPECT_FALSE(etag.empty());

  // HEAD: GET's headers and Content-Length, no body -- the next response on
  // the same connection parses cleanly only if no body bytes were sent.
  auto head = client.Request("HEAD", "/");
  ASSERT_TRUE(head.ok()) << head.status().ToString();
  EXPECT_EQ(head->status, 200);
  EXPECT_EQ(head->Header("Content-Length"), std::to_string(kIndex.size()));
  EXPECT_EQ(head->Header("Content-Type"), "text/html; charset=utf-8");
  EXPECT_EQ(head->body, "");

  auto not_modified = client.Request("GET", "/_app/immutable/entry/app.A1b2.js",
                                     {{"Accept-Encoding", "br"}, {"If-None-Match", etag}});
  ASSERT_TRUE(not_modified.ok()) << not_modified.status().ToString();
  EXPECT_EQ(not_modified->status, 304);
  EXPECT_EQ(not_modified->body, "");

  auto ping = client.Request("GET", "/v1/ping");
  ASSERT_TRUE(ping.ok()) << ping.status().ToString();
  EXPECT_EQ(ping->status, 200);
  EXPECT_EQ(ping->body, "{}");

  auto api_404 = client.Request("GET", "/v1/nope");
  ASSERT_TRUE(api_404.ok()) << api_404.status().ToString();
  EXPECT_EQ(api_404->status, 404);
  EXPECT_EQ(api_404->Header("Content-Type"), "application/json");

  auto api_405 = client.Request("POST", "/v1/ping");
  ASSERT_TRUE(api_405.ok()) << api_405.status().ToString();
  EXPECT_EQ(api_405->status, 405);

  auto spa = client.Request("GET", "/apps/app_1/overview");
  ASSERT_TRUE(spa.ok()) << spa.status().ToString();
  EXPECT_EQ(spa->status, 200);
  EXPECT_EQ(spa->body, kSpa);
  EXPECT_EQ(client.connections(), 1);

  server->Stop();
  std::string metrics = prometheus::TextSerializer().Serialize(registry.Collect());
  EXPECT_NE(metrics.find(R"(unmogrowp_http_requests_total{route="static",status="200"} 3)"),
            std::string::npos)
      << metrics;
  EXPECT_NE(metrics.find(R"(unmogrowp_http_requests_total{route="static",status="304"} 1)"),
            std::string::npos);
  EXPECT_NE(metrics.find(R"(unmogrowp_http_requests_total{route="static",status="404"} 1)"),
            std::string::npos);
}

}  // namespace
}  // namespace unmogrowp::api
