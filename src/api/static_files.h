#pragma once

// StaticFiles: the web dashboard (web/build/, SvelteKit adapter-static output)
// served by `unmogrowp serve` at every path the API does not own. The whole
// directory tree is read into memory once at start -- the build is about
// 1-2 MB, and Load refuses more than kMaxTotalBytes -- so a request never
// touches the file system: it can only reach a file that was loaded, and
// editing web/build/ takes effect at the next start. Immutable after Load and
// so safe to Serve from any number of threads.
//
// Serving rules (Serve):
// - Paths under /v1, /healthz and /metrics are the API's: one that reached
//   here matched no route and gets the API's JSON 404 `not_found`, never HTML.
// - Only GET and HEAD (405 JSON otherwise). HEAD gets the GET answer; the
//   HTTP server sends its headers and Content-Length without the body.
// - The path is percent-decoded; `.`/`..` segments, backslashes, NUL and
//   paths not starting with '/' are 400 `bad_request` (field "path").
// - "/" is index.html; "/a/b" is the file a/b. A missing path without a dot
//   in its last segment is a client-side route: 200.html (SvelteKit's SPA
//   fallback) or else index.html, with status 200. A missing path with a dot
//   (an asset: "/_app/immutable/x.js", "/favicon.png") is a JSON 404, so a
//   browser never runs an HTML page as a script.
// - Files under _app/immutable/ (content-hashed names) are cached for a year;
//   everything else is `no-cache` (revalidated with its strong ETag, answered
//   304 on If-None-Match).
// - When "X.br" or "X.gz" was built beside X and Accept-Encoding allows it,
//   that body is sent with Content-Encoding (br preferred at equal q); such
//   files also get `Vary: Accept-Encoding`. The ".br"/".gz" siblings are not
//   URLs of their own. Every response has `X-Content-Type-Options: nosniff`.
// - With nothing to serve for a page (directory missing or without
//   index.html), pages are a 503 HTML page saying how to build the dashboard.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/result.h"
#include "http/message.h"
#include "http/router.h"

namespace unmogrowp::api {

class StaticFiles {
 public:
  // A build larger than this is almost surely the wrong directory.
  static constexpr uint64_t kMaxTotalBytes = 64ull << 20;

  // Reads every regular file under `dir` (skipping names starting with '.').
  // A missing `dir` gives an empty set (the dashboard is not built); a `dir`
  // that is not a directory, an unreadable file or more than kMaxTotalBytes
  // is an error.
  static Result<std::unique_ptr<StaticFiles>> Load(const std::string& dir);

  http::HttpResponse Serve(const http::HttpRequest& request) const;

  // True when there is an index.html or 200.html to answer pages with.
  bool has_pages() const;
  // Files served (compressed siblings not counted) and bytes held (with them).
  size_t file_count() const { return files_.size(); }
  uint64_t total_bytes() const { return total_bytes_; }
  const std::string& dir() const { return dir_; }

 private:
  // One encoding of a file's content.
  struct Body {
    std::string bytes;
    std::string etag;  // strong, quoted
  };
  struct File {
    std::string_view content_type;  // static storage
    bool immutable = false;         // under _app/immutable/
    Body identity;
    std::optional<Body> br;
    std::optional<Body> gzip;
  };

  explicit StaticFiles(std::string dir) : dir_(std::move(dir)) {}
  const File* Find(const std::string& key) const;
  http::HttpResponse ServeFile(const File& file, const http::HttpRequest& request) const;
  http::HttpResponse NotBuiltPage() const;

  std::string dir_;
  std::unordered_map<std::string, File> files_;  // by path relative to dir_, '/'-separated
  uint64_t total_bytes_ = 0;
};

// Makes `files` the router's fallback, named "static" in metrics. `files`
// must outlive the router's use (the server).
void AddStaticRoutes(http::Router* router, const StaticFiles* files);

}  // namespace unmogrowp::api
