#include "event/event_reader.h"

#include <fmt/format.h>

#include <cmath>

#include "event/field_rules.h"
#include "event/ip.h"
#include "event/strict_json.h"
#include "event/timestamp.h"

namespace unmogrowp::event_internal {

using simdjson::error_code;

namespace {

// The known event fields; the enumerator is also the duplicate-check bit.
enum class Field : uint8_t {
  kEventType,
  kTimestamp,
  kEventId,
  kDeviceId,
  kUserId,
  kIp,
  kUserAgent,
  kSource,
  kMedium,
  kCampaign,
  kRevenue,
  kCurrency,
  kProperties,
  kAppId,
  kUnknown,
};

constexpr std::string_view kFieldNames[] = {
    "event_type", "timestamp", "event_id", "device_id", "user_id",  "ip",         "user_agent",
    "source",     "medium",    "campaign", "revenue",   "currency", "properties", "app_id",
};

std::string_view NameOf(Field f) { return kFieldNames[static_cast<size_t>(f)]; }

Field FieldOfKey(std::string_view key) {
  switch (key.size()) {
    case 2:
      if (key == "ip") return Field::kIp;
      break;
    case 6:
      if (key == "source") return Field::kSource;
      if (key == "medium") return Field::kMedium;
      if (key == "app_id") return Field::kAppId;
      break;
    case 7:
      if (key == "user_id") return Field::kUserId;
      if (key == "revenue") return Field::kRevenue;
      break;
    case 8:
      if (key == "event_id") return Field::kEventId;
      if (key == "campaign") return Field::kCampaign;
      if (key == "currency") return Field::kCurrency;
      break;
    case 9:
      if (key == "timestamp") return Field::kTimestamp;
      if (key == "device_id") return Field::kDeviceId;
      break;
    case 10:
      if (key == "event_type") return Field::kEventType;
      if (key == "user_agent") return Field::kUserAgent;
      if (key == "properties") return Field::kProperties;
      break;
    default:
      break;
  }
  return Field::kUnknown;
}

std::string_view JsonTypeName(od::json_type type) {
  switch (type) {
    case od::json_type::array:
      return "an array";
    case od::json_type::object:
      return "an object";
    case od::json_type::number:
      return "a number";
    case od::json_type::string:
      return "a string";
    case od::json_type::boolean:
      return "a boolean";
    case od::json_type::null:
      return "null";
  }
  return "unknown";
}

// What reading one member did: fine, broke a rule (fault recorded), or hit
// text that is not valid JSON (error recorded).
enum class Outcome { kOk, kFault, kInvalidJson };

// The state of one Read call.
class ObjectRead {
 public:
  ObjectRead(size_t level, size_t max_depth, const DecodeContext& ctx, EventView* event,
             EventFault* fault, error_code* json_error)
      : level_(level),
        max_depth_(max_depth),
        ctx_(ctx),
        event_(event),
        fault_(fault),
        json_error_(json_error) {}

  Outcome KnownField(Field f, od::value& value);
  Outcome Duplicate(Field f, od::value& value);
  Outcome Consume(od::value& value) {
    if (error_code e = ConsumeValue(value, level_, max_depth_)) return InvalidJson(e);
    return Outcome::kOk;
  }
  bool has_timestamp() const { return has_timestamp_; }
  Outcome Fault(std::string_view code, Field f, std::string message) {
    fault_->code = code;
    fault_->field = NameOf(f);
    fault_->message = std::move(message);
    return Outcome::kFault;
  }

 private:
  Outcome InvalidJson(error_code e) {
    *json_error_ = e;
    return Outcome::kInvalidJson;
  }
  // Consumes a value of the wrong JSON type and reports it.
  Outcome WrongType(Field f, od::json_type type, od::value& value, std::string_view expected);
  // A string or null (*out left empty); anything else is invalid_type.
  Outcome String(Field f, od::value& value, std::string_view* out, bool* is_null);
  // A string or null whose length, when present, is 1..max bytes.
  Outcome RequiredLengthString(Field f, od::value& value, size_t max, std::string_view* out);
  // A string or null of at most max bytes (empty = absent).
  Outcome BoundedString(Field f, od::value& value, size_t max, std::string_view* out);
  Outcome Timestamp(od::value& value);
  Outcome CheckTimestampRange(int64_t ms);
  Outcome Revenue(od::value& value);
  Outcome Properties(od::value& value);

  size_t level_;
  size_t max_depth_;
  const DecodeContext& ctx_;
  EventView* event_;
  EventFault* fault_;
  error_code* json_error_;
  bool has_timestamp_ = false;
};

Outcome ObjectRead::WrongType(Field f, od::json_type type, od::value& value,
                              std::string_view expected) {
  if (Consume(value) != Outcome::kOk) return Outcome::kInvalidJson;
  return Fault("invalid_type", f,
               fmt::format("{} must be {}, not {}", NameOf(f), expected, JsonTypeName(type)));
}

Outcome ObjectRead::String(Field f, od::value& value, std::string_view* out, bool* is_null) {
  od::json_type type;
  if (error_code e = value.type().get(type)) return InvalidJson(e);
  if (type == od::json_type::string) {
    if (error_code e = value.get_string().get(*out)) return InvalidJson(e);
    *is_null = false;
    return Outcome::kOk;
  }
  if (type == od::json_type::null) {
    bool null;
    if (error_code e = value.is_null().get(null)) return InvalidJson(e);
    if (!null) return InvalidJson(simdjson::N_ATOM_ERROR);
    *is_null = true;
    return Outcome::kOk;
  }
  return WrongType(f, type, value, "a string");
}

Outcome ObjectRead::RequiredLengthString(Field f, od::value& value, size_t max,
                                         std::string_view* out) {
  bool is_null = false;
  if (Outcome o = String(f, value, out, &is_null); o != Outcome::kOk || is_null) return o;
  if (out->empty())
    return Fault("invalid_value", f, fmt::format("{} must not be empty", NameOf(f)));
  if (out->size() > max) {
    return Fault(
        "invalid_value", f,
        fmt::format("{} is {} bytes long; at most {} are allowed", NameOf(f), out->size(), max));
  }
  return Outcome::kOk;
}

Outcome ObjectRead::BoundedString(Field f, od::value& value, size_t max, std::string_view* out) {
  bool is_null = false;
  if (Outcome o = String(f, value, out, &is_null); o != Outcome::kOk || is_null) return o;
  if (out->size() > max) {
    return Fault(
        "invalid_value", f,
        fmt::format("{} is {} bytes long; at most {} are allowed", NameOf(f), out->size(), max));
  }
  return Outcome::kOk;
}

Outcome ObjectRead::CheckTimestampRange(int64_t ms) {
  if (!IsAtOrAfterMinTimestamp(ms)) {
    return Fault("invalid_value", Field::kTimestamp, "timestamp is before 2000-01-01T00:00:00Z");
  }
  if (!IsWithinFutureSkew(ms, ctx_.now_ms)) {
    return Fault("invalid_value", Field::kTimestamp,
                 "timestamp is more than 10 minutes in the future");
  }
  event_->timestamp_ms = ms;
  has_timestamp_ = true;
  return Outcome::kOk;
}

Outcome ObjectRead::Timestamp(od::value& value) {
  constexpr std::string_view kExpected =
      "an integer number of milliseconds since the epoch or an RFC 3339 string";
  od::json_type type;
  if (error_code e = value.type().get(type)) return InvalidJson(e);
  switch (type) {
    case od::json_type::null: {
      bool null;
      if (error_code e = value.is_null().get(null)) return InvalidJson(e);
      if (!null) return InvalidJson(simdjson::N_ATOM_ERROR);
      return Outcome::kOk;  // absent: reported as missing after the last field
    }
    case od::json_type::string: {
      std::string_view text;
      if (error_code e = value.get_string().get(text)) return InvalidJson(e);
      Result<int64_t> ms = ParseRfc3339Ms(text);
      if (!ms.ok()) {
        return Fault(
            "invalid_value", Field::kTimestamp,
            fmt::format("timestamp is not a valid RFC 3339 date-time: {}", ms.status().message()));
      }
      return CheckTimestampRange(*ms);
    }
    case od::json_type::number: {
      od::number_type number_type;
      if (error_code e = value.get_number_type().get(number_type)) return InvalidJson(e);
      if (number_type == od::number_type::signed_integer) {
        int64_t ms;
        if (value.get_int64().get(ms) == simdjson::SUCCESS) return CheckTimestampRange(ms);
      }
      // Not an int64: validate it as a JSON number, then say what is wrong.
      double d;
      if (error_code e = GetJsonDouble(value, &d)) return InvalidJson(e);
      if (number_type == od::number_type::floating_point_number) {
        return Fault("invalid_type", Field::kTimestamp,
                     fmt::format("timestamp must be {}; a number with a fraction or exponent is "
                                 "not allowed",
                                 kExpected));
      }
      return CheckTimestampRange(d < 0 ? INT64_MIN : INT64_MAX);
    }
    default:
      return WrongType(Field::kTimestamp, type, value, kExpected);
  }
}

Outcome ObjectRead::Revenue(od::value& value) {
  od::json_type type;
  if (error_code e = value.type().get(type)) return InvalidJson(e);
  if (type == od::json_type::number) {
    double revenue;
    if (error_code e = GetJsonDouble(value, &revenue)) return InvalidJson(e);
    // simdjson rejects numbers that overflow a double; keep the invariant explicit.
    if (!std::isfinite(revenue)) return InvalidJson(simdjson::NUMBER_ERROR);
    event_->revenue = revenue;
    return Outcome::kOk;
  }
  if (type == od::json_type::null) {
    bool null;
    if (error_code e = value.is_null().get(null)) return InvalidJson(e);
    if (!null) return InvalidJson(simdjson::N_ATOM_ERROR);
    return Outcome::kOk;
  }
  return WrongType(Field::kRevenue, type, value, "a number");
}

Outcome ObjectRead::Properties(od::value& value) {
  od::json_type type;
  if (error_code e = value.type().get(type)) return InvalidJson(e);
  if (type == od::json_type::object) {
    if (level_ + 1 > max_depth_) return InvalidJson(simdjson::DEPTH_ERROR);
    const char* begin = value.raw_json_token().data();
    od::object object;
    if (error_code e = value.get_object().get(object)) return InvalidJson(e);
    if (error_code e = ConsumeObject(object, level_ + 1, max_depth_)) return InvalidJson(e);
    // The location is the token after the object's '}' (there is always one:
    // the enclosing event object's ',' or '}').
    const char* end;
    if (error_code e = value.current_location().get(end)) return InvalidJson(e);
    const std::string_view text = TrimmedSpan(begin, end);
    if (text.size() > kMaxPropertiesBytes) {
      return Fault("invalid_value", Field::kProperties,
                   fmt::format("properties is {} bytes of JSON; at most {} are allowed",
                               text.size(), kMaxPropertiesBytes));
    }
    event_->properties = text;
    return Outcome::kOk;
  }
  if (type == od::json_type::null) {
    bool null;
    if (error_code e = value.is_null().get(null)) return InvalidJson(e);
    if (!null) return InvalidJson(simdjson::N_ATOM_ERROR);
    return Outcome::kOk;
  }
  return WrongType(Field::kProperties, type, value, "an object");
}

Outcome ObjectRead::KnownField(Field f, od::value& value) {
  switch (f) {
    case Field::kEventType: {
      bool is_null = false;
      std::string_view* out = &event_->event_type;
      if (Outcome o = String(f, value, out, &is_null); o != Outcome::kOk || is_null) return o;
      if (out->empty()) return Fault("invalid_value", f, "event_type must not be empty");
      if (out->size() > kMaxEventTypeBytes) {
        return Fault("invalid_value", f,
                     fmt::format("event_type is {} bytes long; at most {} are allowed", out->size(),
                                 kMaxEventTypeBytes));
      }
      if (!IsValidEventType(*out)) {
        return Fault("invalid_value", f,
                     "event_type may contain only lower-case letters a-z, digits and '_'");
      }
      return Outcome::kOk;
    }
    case Field::kTimestamp:
      return Timestamp(value);
    case Field::kEventId:
      return RequiredLengthString(f, value, kMaxIdBytes, &event_->event_id);
    case Field::kDeviceId:
      return RequiredLengthString(f, value, kMaxIdBytes, &event_->device_id);
    case Field::kUserId:
      return RequiredLengthString(f, value, kMaxIdBytes, &event_->user_id);
    case Field::kIp: {
      bool is_null = false;
      if (Outcome o = String(f, value, &event_->ip, &is_null); o != Outcome::kOk || is_null) {
        return o;
      }
      if (!IsValidIpAddress(event_->ip)) {
        return Fault("invalid_value", f, "ip is not a valid IPv4 or IPv6 address");
      }
      return Outcome::kOk;
    }
    case Field::kUserAgent:
      return BoundedString(f, value, kMaxUserAgentBytes, &event_->user_agent);
    case Field::kSource:
      return BoundedString(f, value, kMaxChannelBytes, &event_->source);
    case Field::kMedium:
      return BoundedString(f, value, kMaxChannelBytes, &event_->medium);
    case Field::kCampaign:
      return BoundedString(f, value, kMaxChannelBytes, &event_->campaign);
    case Field::kRevenue:
      return Revenue(value);
    case Field::kCurrency: {
      bool is_null = false;
      if (Outcome o = String(f, value, &event_->currency, &is_null); o != Outcome::kOk || is_null) {
        return o;
      }
      if (!IsValidCurrency(event_->currency)) {
        return Fault("invalid_value", f, "currency must be a 3-letter upper-case code such as USD");
      }
      return Outcome::kOk;
    }
    case Field::kProperties:
      return Properties(value);
    case Field::kAppId: {
      bool is_null = false;
      std::string_view app_id;
      if (Outcome o = String(f, value, &app_id, &is_null); o != Outcome::kOk || is_null) return o;
      if (app_id != ctx_.app_id) {
        return Fault("app_mismatch", f, "app_id does not match the app of the API key");
      }
      return Outcome::kOk;
    }
    case Field::kUnknown:
      break;
  }
  return Consume(value);
}

Outcome ObjectRead::Duplicate(Field f, od::value& value) {
  if (Consume(value) != Outcome::kOk) return Outcome::kInvalidJson;
  return Fault("duplicate_field", f, fmt::format("{} is given more than once", NameOf(f)));
}

}  // namespace

ReadResult EventReader::Read(od::object& object, size_t level, const DecodeContext& ctx,
                             EventView* event, EventFault* fault, error_code* json_error) {
  *event = EventView();
  ObjectRead read(level, max_depth_, ctx, event, fault, json_error);
  uint32_t seen = 0;
  bool faulted = false;
  for (auto field_result : object) {
    od::field field;
    if (error_code e = std::move(field_result).get(field)) {
      *json_error = e;
      return ReadResult::kInvalidJson;
    }
    std::string_view key;
    if (error_code e = field.unescaped_key().get(key)) {
      *json_error = e;
      return ReadResult::kInvalidJson;
    }
    od::value& value = field.value();
    const Field f = FieldOfKey(key);
    Outcome outcome;
    if (f == Field::kUnknown || faulted) {
      // After the first fault the rest is only checked for being valid JSON.
      outcome = read.Consume(value);
    } else if (const uint32_t bit = 1u << static_cast<unsigned>(f); seen & bit) {
      outcome = read.Duplicate(f, value);
    } else {
      seen |= bit;
      outcome = read.KnownField(f, value);
    }
    if (outcome == Outcome::kInvalidJson) return ReadResult::kInvalidJson;
    if (outcome == Outcome::kFault) faulted = true;
  }
  if (faulted) return ReadResult::kRejected;

  if (event->event_type.empty()) {
    read.Fault("missing_field", Field::kEventType, "event_type is required");
    return ReadResult::kRejected;
  }
  if (!read.has_timestamp()) {
    read.Fault("missing_field", Field::kTimestamp, "timestamp is required");
    return ReadResult::kRejected;
  }
  if (IsTouchpoint(KindOfEventType(event->event_type))) {
    if (event->device_id.empty() && (event->ip.empty() || event->user_agent.empty())) {
      read.Fault("missing_field", Field::kDeviceId,
                 fmt::format("a {} needs device_id, or both ip and user_agent", event->event_type));
      return ReadResult::kRejected;
    }
    if (event->source.empty()) {
      read.Fault("missing_field", Field::kSource,
                 fmt::format("a {} needs a non-empty source", event->event_type));
      return ReadResult::kRejected;
    }
  } else if (event->device_id.empty()) {
    read.Fault("missing_field", Field::kDeviceId,
               fmt::format("device_id is required for {} events", event->event_type));
    return ReadResult::kRejected;
  }

  event->app_id = ctx.app_id;
  event->received_ms = ctx.now_ms;
  if (event->event_id.empty()) {
    IdGenerator& ids = ctx.ids != nullptr ? *ctx.ids : ThreadIdGenerator();
    ids.NewUuidV7(ctx.now_ms, generated_id_);
    event->event_id = std::string_view(generated_id_, sizeof(generated_id_));
  }
  return ReadResult::kValid;
}

}  // namespace unmogrowp::event_internal
