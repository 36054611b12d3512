#include "api/static_files.h"

#include <fmt/format.h>
#include <xxhash.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <vector>

#include "core/ascii.h"

namespace unmogrowp::api {

namespace fs = std::filesystem;

namespace {

constexpr std::string_view kImmutablePrefix = "_app/immutable/";
constexpr std::string_view kNoCache = "no-cache";
constexpr std::string_view kForever = "public, max-age=31536000, immutable";

std::string_view ContentTypeFor(std::string_view name) {
  struct Entry {
    std::string_view extension;
    std::string_view type;
  };
  static constexpr Entry kTypes[] = {
      {"html", "text/html; charset=utf-8"},
      {"js", "text/javascript; charset=utf-8"},
      {"mjs", "text/javascript; charset=utf-8"},
      {"css", "text/css; charset=utf-8"},
      {"json", "application/json"},
      {"map", "application/json"},
      {"webmanifest", "application/manifest+json"},
      {"svg", "image/svg+xml"},
      {"png", "image/png"},
      {"jpg", "image/jpeg"},
      {"webp", "image/webp"},
      {"ico", "image/x-icon"},
      {"woff2", "font/woff2"},
      {"woff", "font/woff"},
      {"txt", "text/plain; charset=utf-8"},
  };
  size_t dot = name.rfind('.');
  size_t slash = name.rfind('/');
  if (dot != std::string_view::npos && (slash == std::string_view::npos || dot > slash)) {
    std::string_view extension = name.substr(dot + 1);
    for (const Entry& e : kTypes) {
      if (EqualsIgnoreCase(e.extension, extension)) return e.type;
    }
  }
  return "application/octet-stream";
}

std::string ETagFor(std::string_view bytes, std::string_view encoding) {
  // XXH3 is stable across runs and builds (std::hash is not), so a restarted
  // server hands out the same ETags and browsers keep their caches.
  uint64_t h = XXH3_64bits(bytes.data(), bytes.size());
  if (encoding.empty()) return fmt::format("\"{:016x}\"", h);
  return fmt::format("\"{:016x}-{}\"", h, encoding);
}

bool IsApiPath(std::string_view path) {
  for (std::string_view prefix : {"/v1", "/healthz", "/metrics"}) {
    if (path.substr(0, prefix.size()) != prefix) continue;
    if (path.size() == prefix.size() || path[prefix.size()] == '/') return true;
  }
  return false;
}

// The decoded path as a key into the file set ("a/b"; "" for "/"), or false
// when it is not a plain path inside the directory.
bool PathToKey(std::string_view path, std::string* key) {
  if (path.empty() || path.front() != '/') return false;
  if (path.find('\\') != std::string_view::npos) return false;
  if (path.find('\0') != std::string_view::npos) return false;
  key->clear();
  size_t i = 0;
  while (i < path.size()) {
    size_t j = path.find('/', i);
    if (j == std::string_view::npos) j = path.size();
    std::string_view segment = path.substr(i, j - i);
    i = j + 1;
    if (segment.empty()) continue;  // "//" as the router reads it
    if (segment == "." || segment == "..") return false;
    if (!key->empty()) key->push_back('/');
    key->append(segment);
  }
  return true;
}

// Values of every header named `name`, joined as one list.
std::string HeaderList(const http::HttpRequest& request, std::string_view name) {
  std::string joined;
  for (const auto& [key, value] : request.headers) {
    if (!EqualsIgnoreCase(key, name)) continue;
    if (!joined.empty()) joined += ", ";
    joined.append(value);
  }
  return joined;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// RFC 9110 qvalue: "0" to "1" with up to three decimals. Anything else is
// read as 0, so a malformed weight never selects an encoding.
double ParseQ(std::string_view s) {
  if (s.empty() || (s[0] != '0' && s[0] != '1')) return 0;
  double q = s[0] - '0';
  if (s.size() == 1) return q;
  if (s[1] != '.' || s.size() > 5) return 0;
  double scale = 0.1;
  for (char c : s.substr(2)) {
    if (c < '0' || c > '9') return 0;
    q += (c - '0') * scale;
    scale /= 10;
  }
  return q > 1 ? 0 : q;
}

// Weights Accept-Encoding gives br and gzip (0: not acceptable).
struct EncodingWeights {
  double br = 0;
  double gzip = 0;
};

EncodingWeights ParseAcceptEncoding(std::string_view header) {
  std::optional<double> br, gzip, any;
  while (!header.empty()) {
    size_t comma = header.find(',');
    std::string_view element = header.substr(0, comma);
    header = comma == std::string_view::npos ? std::string_view() : header.substr(comma + 1);
    size_t semi = element.find(';');
    std::string_view coding = Trim(element.substr(0, semi));
    if (coding.empty()) continue;
    double q = 1;
    std::string_view params =
        semi == std::string_view::npos ? std::string_view() : element.substr(semi + 1);
    while (!params.empty()) {
      size_t next = params.find(';');
      std::string_view param = Trim(params.substr(0, next));
      params = next == std::string_view::npos ? std::string_view() : params.substr(next + 1);
      size_t eq = param.find('=');
      if (eq != std::string_view::npos && EqualsIgnoreCase(Trim(param.substr(0, eq)), "q")) {
        q = ParseQ(Trim(param.substr(eq + 1)));
      }
    }
    if (EqualsIgnoreCase(coding, "br")) {
      br = q;
    } else if (EqualsIgnoreCase(coding, "gzip") || EqualsIgnoreCase(coding, "x-gzip")) {
      gzip = q;
    } else if (coding == "*") {
      any = q;
    }
  }
  return {br.value_or(any.value_or(0)), gzip.value_or(any.value_or(0))};
}

// If-None-Match with weak comparison (RFC 9110 13.1.2): true when `etag` or
// "*" is listed.
bool NoneMatchHits(std::string_view header, std::string_view etag) {
  std::string_view bare = etag;  // ours are strong: compare the quoted part
  while (true) {
    while (!header.empty() &&
           (header.front() == ' ' || header.front() == '\t' || header.front() == ',')) {
      header.remove_prefix(1);
    }
    if (header.empty()) return false;
    if (header.front() == '*') return true;
    if (header.substr(0, 2) == "W/") header.remove_prefix(2);
    if (header.empty() || header.front() != '"') return false;
    size_t close = header.find('"', 1);
    if (close == std::string_view::npos) return false;
    if (header.substr(0, close + 1) == bare) return true;
    header.remove_prefix(close + 1);
  }
}

std::string HtmlEscape(std::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out.push_back(c);
    }
  }
  return out;
}

void AddCommonHeaders(http::HttpResponse* r) {
  r->headers.emplace_back("X-Content-Type-Options", "nosniff");
}

http::HttpResponse JsonError(int status, std::string_view code, std::string_view message,
                             std::string_view field = {}) {
  http::HttpResponse r = http::HttpResponse::Error(status, code, message, field);
  r.headers.emplace_back("Cache-Control", kNoCache);
  AddCommonHeaders(&r);
  return r;
}

Result<std::string> ReadWholeFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::IOError(fmt::format("cannot open {}", path.string()));
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) return Status::IOError(fmt::format("cannot read {}", path.string()));
  return bytes;
}

}  // namespace

Result<std::unique_ptr<StaticFiles>> StaticFiles::Load(const std::string& dir) {
  std::unique_ptr<StaticFiles> files(new StaticFiles(dir));
  std::error_code ec;
  fs::file_status status = fs::status(dir, ec);
  if (status.type() == fs::file_type::not_found) return files;
  if (ec) return Status::IOError(fmt::format("cannot stat {}: {}", dir, ec.message()));
  if (!fs::is_directory(status)) {
    return Status::InvalidArgument("web_dir", fmt::format("{} is not a directory", dir));
  }

  // Read everything first, then fold "X.br"/"X.gz" into X as its encodings.
  std::unordered_map<std::string, std::string> raw;
  uint64_t total = 0;
  fs::recursive_directory_iterator it(dir, ec);
  for (; !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    const fs::directory_entry& entry = *it;
    std::error_code type_ec;  // a dangling link is skipped, not an error
    if (entry.path().filename().string().front() == '.') {
      if (entry.is_directory(type_ec)) it.disable_recursion_pending();
      continue;
    }
    if (!entry.is_regular_file(type_ec)) continue;
    UM_ASSIGN_OR_RETURN(std::string bytes, ReadWholeFile(entry.path()));
    total += bytes.size();
    if (total > kMaxTotalBytes) {
      return Status::InvalidArgument(
          "web_dir", fmt::format("{} holds more than {} MiB; is it the dashboard build?", dir,
                                 kMaxTotalBytes >> 20));
    }
    raw.emplace(entry.path().lexically_relative(dir).generic_string(), std::move(bytes));
  }
  if (ec) return Status::IOError(fmt::format("cannot list {}: {}", dir, ec.message()));

  auto sibling_of = [&raw](const std::string& name, std::string_view suffix) {
    return name.size() > suffix.size() &&
           std::string_view(name).substr(name.size() - suffix.size()) == suffix &&
           raw.count(name.substr(0, name.size() - suffix.size())) != 0;
  };
  for (auto& [name, bytes] : raw) {
    if (sibling_of(name, ".br") || sibling_of(name, ".gz")) continue;
    File file;
    file.content_type = ContentTypeFor(name);
    file.immutable = std::string_view(name).substr(0, kImmutablePrefix.size()) == kImmutablePrefix;
    file.identity.etag = ETagFor(bytes, "");
    file.identity.bytes = std::move(bytes);
    files->files_.emplace(name, std::move(file));
  }
  for (auto& [name, bytes] : raw) {
    bool br = sibling_of(name, ".br");
    if (!br && !sibling_of(name, ".gz")) continue;
    auto base = files->files_.find(name.substr(0, name.size() - 3));
    if (base == files->files_.end()) continue;  // "X.br.gz": X.br is itself an encoding
    std::optional<Body>& body = br ? base->second.br : base->second.gzip;
    body.emplace();
    body->etag = ETagFor(bytes, br ? "br" : "gz");
    body->bytes = std::move(bytes);
  }
  files->total_bytes_ = total;
  return files;
}

bool StaticFiles::has_pages() const {
  return files_.count("index.html") != 0 || files_.count("200.html") != 0;
}

const StaticFiles::File* StaticFiles::Find(const std::string& key) const {
  auto it = files_.find(key);
  return it == files_.end() ? nullptr : &it->second;
}

http::HttpResponse StaticFiles::Serve(const http::HttpRequest& request) const {
  std::string path;
  if (!PercentDecode(request.path, /*plus_is_space=*/false, &path)) {
    return JsonError(400, "bad_request", "the path has a malformed percent-escape", "path");
  }
  if (IsApiPath(path)) {
    return JsonError(404, "not_found", fmt::format("no route for {}", request.path));
  }
  if (request.method != "GET" && request.method != "HEAD") {
    http::HttpResponse r = JsonError(405, "method_not_allowed",
                                     fmt::format("{} is not allowed on {}", request.method, path));
    r.headers.emplace_back("Allow", "GET, HEAD");
    return r;
  }
  std::string key;
  if (!PathToKey(path, &key)) {
    return JsonError(400, "bad_request", "the path must not leave the dashboard's directory",
                     "path");
  }
  if (const File* file = Find(key.empty() ? "index.html" : key)) return ServeFile(*file, request);

  size_t slash = key.rfind('/');
  std::string_view last = std::string_view(key).substr(slash == std::string::npos ? 0 : slash + 1);
  if (last.find('.') != std::string_view::npos) {
    return JsonError(404, "not_found", fmt::format("no file {}", path));
  }
  // A client-side route: the SPA shell routes it in the browser.
  if (const File* fallback = Find("200.html")) return ServeFile(*fallback, request);
  if (const File* index = Find("index.html")) return ServeFile(*index, request);
  return NotBuiltPage();
}

http::HttpResponse StaticFiles::ServeFile(const File& file,
                                          const http::HttpRequest& request) const {
  const Body* body = &file.identity;
  std::string_view encoding;
  if (file.br || file.gzip) {
    EncodingWeights w = ParseAcceptEncoding(HeaderList(request, "Accept-Encoding"));
    double br = file.br ? w.br : 0;
    double gzip = file.gzip ? w.gzip : 0;
    if (br > 0 && br >= gzip) {
      body = &*file.br;
      encoding = "br";
    } else if (gzip > 0) {
      body = &*file.gzip;
      encoding = "gzip";
    }
  }

  http::HttpResponse r;
  r.content_type = std::string(file.content_type);
  r.headers.emplace_back("ETag", body->etag);
  r.headers.emplace_back("Cache-Control", file.immutable ? kForever : kNoCache);
  if (file.br || file.gzip) r.headers.emplace_back("Vary", "Accept-Encoding");
  AddCommonHeaders(&r);
  if (NoneMatchHits(HeaderList(request, "If-None-Match"), body->etag)) {
    r.status = 304;
    return r;
  }
  if (!encoding.empty()) r.headers.emplace_back("Content-Encoding", encoding);
  r.status = 200;
  r.body = body->bytes;
  return r;
}

http::HttpResponse StaticFiles::NotBuiltPage() const {
  http::HttpResponse r;
  r.status = 503;
  r.content_type = "text/html; charset=utf-8";
  r.headers.emplace_back("Cache-Control", kNoCache);
  AddCommonHeaders(&r);
  r.body = fmt::format(
      "<!doctype html>\n"
      "<html lang=\"en\">\n"
      "<head><meta charset=\"utf-8\"><title>UnMoGrowP: dashboard not built</title></head>\n"
      "<body>\n"
      "<h1>The web dashboard is not built</h1>\n"
      "<p>This server looked for it in <code>{}</code> and found no index.html.</p>\n"
      "<p><code>./scripts/run</code> builds it and starts the server. To build it by hand:</p>\n"
      "<pre>npm --prefix web ci\nnpm --prefix web run build</pre>\n"
      "<p>then restart <code>unmogrowp serve</code>. The API answers under <code>/v1</code> "
      "meanwhile.</p>\n"
      "</body>\n"
      "</html>\n",
      HtmlEscape(dir_));
  return r;
}

void AddStaticRoutes(http::Router* router, const StaticFiles* files) {
  router->SetFallback("static", [files](http::HttpRequest& request, http::Responder respond) {
    respond.Send(files->Serve(request));
  });
}

}  // namespace unmogrowp::api
