#include "api/app_json.h"

#include <fmt/format.h>
#include <simdjson.h>

#include <iterator>

#include "core/json_writer.h"
#include "event/timestamp.h"

namespace unmogrowp::api {

namespace {

constexpr std::string_view kInvalidJson = "invalid_json";
constexpr std::string_view kMissingField = "missing_field";
constexpr std::string_view kInvalidType = "invalid_type";
constexpr std::string_view kInvalidValue = "invalid_value";

// The body as a JSON object, or an invalid_json error. `parser` owns the
// document the returned element points into.
Result<simdjson::dom::object> ParseObject(std::string_view body, simdjson::dom::parser& parser) {
  // simdjson reads up to SIMDJSON_PADDING bytes past the end: copy into a
  // padded buffer (bodies here are small admin requests).
  simdjson::padded_string padded(body);
  simdjson::dom::object object;
  if (parser.parse(padded).get_object().get(object) != simdjson::SUCCESS) {
    return Status::InvalidArgument("", "the body must be one JSON object", kInvalidJson);
  }
  return object;
}

// The member `key` of `object`, or nullopt when absent or null.
std::optional<simdjson::dom::element> Member(simdjson::dom::object object, std::string_view key) {
  simdjson::dom::element value;
  if (object.at_key(key).get(value) != simdjson::SUCCESS || value.is_null()) return std::nullopt;
  return value;
}

Status TypeError(std::string_view field, std::string_view what) {
  return Status::InvalidArgument(std::string(field), fmt::format("{} must be {}", field, what),
                                 kInvalidType);
}

Result<std::string> ReadString(simdjson::dom::element value, std::string_view field) {
  std::string_view s;
  if (value.get_string().get(s) != simdjson::SUCCESS) return TypeError(field, "a string");
  return std::string(s);
}

Status ReadInt(simdjson::dom::element value, std::string_view field, int64_t* out) {
  switch (value.type()) {
    case simdjson::dom::element_type::INT64:
      *out = value.get_int64().value_unsafe();
      return Status::OK();
    case simdjson::dom::element_type::UINT64:
      return Status::InvalidArgument(std::string(field), fmt::format("{} is out of range", field),
                                     kInvalidValue);
    default:
      return TypeError(field, "an integer");
  }
}

Status ReadNumber(simdjson::dom::element value, std::string_view field, double* out) {
  switch (value.type()) {
    case simdjson::dom::element_type::INT64:
      *out = static_cast<double>(value.get_int64().value_unsafe());
      return Status::OK();
    case simdjson::dom::element_type::UINT64:
      *out = static_cast<double>(value.get_uint64().value_unsafe());
      return Status::OK();
    case simdjson::dom::element_type::DOUBLE:
      *out = value.get_double().value_unsafe();
      return Status::OK();
    default:
      return TypeError(field, "a number");
  }
}

Status ReadBool(simdjson::dom::element value, std::string_view field, bool* out) {
  if (value.get_bool().get(*out) != simdjson::SUCCESS) return TypeError(field, "true or false");
  return Status::OK();
}

// Replaces the settings that `settings_value` names, then validates the
// result. Keys it does not name keep their value in `settings`.
Status MergeSettings(simdjson::dom::element settings_value, AppSettings* settings) {
  simdjson::dom::object object;
  if (settings_value.get_object().get(object) != simdjson::SUCCESS) {
    return TypeError("settings", "an object");
  }
  struct IntSetting {
    std::string_view field;
    int64_t* target;
  };
  const IntSetting ints[] = {
      {"settings.click_lookback_hours", &settings->click_lookback_hours},
      {"settings.impression_lookback_hours", &settings->impression_lookback_hours},
      {"settings.probabilistic_window_hours", &settings->probabilistic_window_hours},
      {"settings.mta_lookback_days", &settings->mta_lookback_days},
      {"settings.retention_days", &settings->retention_days},
  };
  constexpr size_t kPrefix = std::string_view("settings.").size();
  for (const IntSetting& s : ints) {
    if (auto v = Member(object, s.field.substr(kPrefix))) {
      UM_RETURN_IF_ERROR(ReadInt(*v, s.field, s.target));
    }
  }
  if (auto v = Member(object, "probabilistic")) {
    UM_RETURN_IF_ERROR(ReadBool(*v, "settings.probabilistic", &settings->probabilistic));
  }
  if (auto v = Member(object, "time_decay_half_life_hours")) {
    UM_RETURN_IF_ERROR(ReadNumber(*v, "settings.time_decay_half_life_hours",
                                  &settings->time_decay_half_life_hours));
  }
  return ValidateSettings(*settings);
}

Result<std::string> ReadName(simdjson::dom::element value) {
  UM_ASSIGN_OR_RETURN(std::string name, ReadString(value, "name"));
  UM_RETURN_IF_ERROR(ValidateAppName(name));
  return name;
}

}  // namespace

Result<AppCreateRequest> ParseAppCreate(std::string_view body) {
  simdjson::dom::parser parser;
  UM_ASSIGN_OR_RETURN(simdjson::dom::object object, ParseObject(body, parser));
  AppCreateRequest request;

  auto name = Member(object, "name");
  if (!name) return Status::InvalidArgument("name", "name is required", kMissingField);
  UM_ASSIGN_OR_RETURN(request.name, ReadName(*name));

  auto platform = Member(object, "platform");
  if (!platform) {
    return Status::InvalidArgument("platform", "platform is required", kMissingField);
  }
  UM_ASSIGN_OR_RETURN(request.platform, ReadString(*platform, "platform"));
  UM_RETURN_IF_ERROR(ValidatePlatform(request.platform));

  if (auto settings = Member(object, "settings")) {
    UM_RETURN_IF_ERROR(MergeSettings(*settings, &request.settings));
  }
  return request;
}

Result<AppPatchRequest> ParseAppPatch(std::string_view body) {
  simdjson::dom::parser parser;
  UM_ASSIGN_OR_RETURN(simdjson::dom::object object, ParseObject(body, parser));
  AppPatchRequest request;
  if (auto name = Member(object, "name")) {
    UM_ASSIGN_OR_RETURN(request.name, ReadName(*name));
  }
  if (auto settings_value = Member(object, "settings")) {
    // Type errors surface here, before the store is touched; the merge
    // itself re-reads the (minified) settings object under the store's lock.
    AppSettings scratch;
    UM_RETURN_IF_ERROR(MergeSettings(*settings_value, &scratch));
    request.edit_settings = [json = simdjson::minify(*settings_value)](AppSettings& settings) {
      simdjson::dom::parser edit_parser;
      simdjson::dom::element value;
      if (edit_parser.parse(json).get(value) != simdjson::SUCCESS) {
        return Status::Internal("settings: cannot re-read the validated settings object");
      }
      return MergeSettings(value, &settings);
    };
  }
  return request;
}

void AppendAppJson(const App& app, std::string_view api_key_or_empty, std::string* out) {
  JsonWriter w(out);
  w.BeginObject();
  w.Key("id").String(app.id);
  w.Key("name").String(app.name);
  w.Key("platform").String(app.platform);
  if (!api_key_or_empty.empty()) w.Key("api_key").String(api_key_or_empty);
  const AppSettings& s = app.settings;
  w.Key("settings").BeginObject();
  w.Key("click_lookback_hours").Int(s.click_lookback_hours);
  w.Key("impression_lookback_hours").Int(s.impression_lookback_hours);
  w.Key("probabilistic").Bool(s.probabilistic);
  w.Key("probabilistic_window_hours").Int(s.probabilistic_window_hours);
  w.Key("mta_lookback_days").Int(s.mta_lookback_days);
  w.Key("time_decay_half_life_hours").Double(s.time_decay_half_life_hours);
  w.Key("retention_days").Int(s.retention_days);
  w.EndObject();
  w.Key("demo").Bool(app.demo);
  std::string time;
  AppendRfc3339Ms(app.created_ms, &time);
  w.Key("created_at").String(time);
  time.clear();
  AppendRfc3339Ms(app.updated_ms, &time);
  w.Key("updated_at").String(time);
  w.EndObject();
}

void AppendAppListJson(const std::vector<App>& apps, std::string* out) {
  out->append("{\"apps\":[");
  for (size_t i = 0; i < apps.size(); ++i) {
    if (i > 0) out->push_back(',');
    AppendAppJson(apps[i], "", out);
  }
  out->append("]}");
}

}  // namespace unmogrowp::api
