#include "http/message.h"

#include "core/json_writer.h"

namespace unmogrowp::http {

std::string_view HttpRequest::Header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (EqualsIgnoreCase(key, name)) return value;
  }
  return {};
}

HttpResponse HttpResponse::Error(int status, std::string_view code, std::string_view message,
                                 std::string_view field) {
  HttpResponse r;
  r.status = status;
  JsonWriter w(&r.body);
  w.BeginObject().Key("error").BeginObject();
  w.Key("code").String(code).Key("message").String(message);
  if (!field.empty()) w.Key("field").String(field);
  w.EndObject().EndObject();
  return r;
}

HttpResponse HttpResponse::Json(int status, std::string body) {
  HttpResponse r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

}  // namespace unmogrowp::http
