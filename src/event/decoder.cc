#include "event/decoder.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>

#include "event/codec.h"
#include "event/event_reader.h"
#include "event/strict_json.h"

namespace unmogrowp {

using event_internal::EventFault;
using event_internal::ReadResult;
using simdjson::error_code;
namespace od = simdjson::ondemand;

namespace {

constexpr std::string_view kInvalidJson = "invalid_json";

// Makes `body` safe for simdjson to read SIMDJSON_PADDING bytes past its end:
// grows the capacity if needed and fills the bytes after the contents (so the
// parser never reads uninitialized memory). The contents stay as they were.
simdjson::padded_string_view PadBody(std::string& body) {
  const size_t size = body.size();
  body.resize(size + simdjson::SIMDJSON_PADDING, ' ');
  body.resize(size);
  return simdjson::padded_string_view(body.data(), size, body.capacity());
}

bool IsBlankLine(std::string_view line) {
  return std::all_of(line.begin(), line.end(),
                     [](char c) { return c == ' ' || c == '\t' || c == '\r'; });
}

std::string JsonErrorText(error_code e, size_t max_depth) {
  if (e == simdjson::DEPTH_ERROR) {
    return fmt::format("arrays and objects nest more than {} levels deep", max_depth);
  }
  return simdjson::error_message(e);
}

Status InvalidJson(std::string_view what, error_code e, size_t max_depth) {
  return Status::InvalidArgument(
      "", fmt::format("{} is not valid JSON: {}", what, JsonErrorText(e, max_depth)), kInvalidJson);
}

Status NotJsonShape(std::string message) {
  return Status::InvalidArgument("", std::move(message), kInvalidJson);
}

Rejection MakeRejection(size_t index, const EventFault& fault) {
  return Rejection{index, std::string(fault.code), fault.message, std::string(fault.field)};
}

void AppendEvent(const EventView& event, EncodedBatch* out) {
  AppendEncoded(event, &out->bytes);
  // Properties are stored as received but for raw line breaks, which become
  // spaces: in JSON they can only be whitespace between tokens (inside a
  // string they must be escaped), so the value is the same, and every stored
  // event prints on one line (NDJSON export). They are the encoding's last
  // field (event/codec.h), so they end the bytes just appended.
  char* end = out->bytes.data() + out->bytes.size();
  std::replace_if(
      end - event.properties.size(), end, [](char c) { return c == '\n' || c == '\r'; }, ' ');
  out->EndEvent();
}

}  // namespace

struct EventDecoder::State {
  explicit State(size_t max_depth)
      : reader(max_depth),
        parser_depth(std::max<size_t>(simdjson::DEFAULT_MAX_DEPTH, max_depth + 2)) {}

  // Iterates `json`, growing the parser first: geometrically up to 1 MiB, so
  // lines or bodies of slowly increasing size do not reallocate it each
  // time, and to the exact size above that, so a 10 MiB body costs 10 MiB of
  // capacity, not 16.
  simdjson::simdjson_result<od::document> Iterate(simdjson::padded_string_view json) {
    if (parser.capacity() < json.length()) {
      constexpr size_t kMinCapacity = size_t{64} << 10;
      constexpr size_t kMaxDoubling = size_t{1} << 20;
      const size_t doubled = std::min(2 * parser.capacity(), kMaxDoubling);
      const size_t capacity = std::max({json.length(), doubled, kMinCapacity});
      if (error_code e = parser.allocate(capacity, parser_depth)) return e;
    }
    return parser.iterate(json);
  }

  od::parser parser;
  event_internal::EventReader reader;
  // On-Demand's own depth bookkeeping (checked only in simdjson's development
  // builds) must cover the decoder's limit.
  size_t parser_depth;
  EventView event;
  EventFault fault;
};

EventDecoder::EventDecoder(DecoderOptions options)
    : options_(options), state_(std::make_unique<State>(options.max_depth)) {}

EventDecoder::~EventDecoder() = default;

Status EventDecoder::DecodeOne(std::string& body, const DecodeContext& ctx, EncodedBatch* out,
                               std::string* event_id) {
  State& s = *state_;
  od::document doc;
  if (error_code e = s.Iterate(PadBody(body)).get(doc)) {
    return InvalidJson("the body", e, options_.max_depth);
  }
  od::json_type type;
  if (error_code e = doc.type().get(type)) return InvalidJson("the body", e, options_.max_depth);
  if (type != od::json_type::object) return NotJsonShape("the body must be one JSON object");
  if (options_.max_depth < 1) return InvalidJson("the body", simdjson::DEPTH_ERROR, 0);
  od::object object;
  if (error_code e = doc.get_object().get(object)) {
    return InvalidJson("the body", e, options_.max_depth);
  }
  error_code json_error = simdjson::SUCCESS;
  const ReadResult result = s.reader.Read(object, 1, ctx, &s.event, &s.fault, &json_error);
  if (result == ReadResult::kInvalidJson) {
    return InvalidJson("the body", json_error, options_.max_depth);
  }
  if (!event_internal::AtDocumentEnd(doc)) {
    return NotJsonShape("the body must be one JSON object, with nothing after it");
  }
  if (result == ReadResult::kRejected) {
    return Status::InvalidArgument(std::string(s.fault.field), s.fault.message, s.fault.code);
  }
  AppendEvent(s.event, out);
  event_id->assign(s.event.event_id);
  return Status::OK();
}

Status EventDecoder::DecodeBatch(std::string& body, bool ndjson, const DecodeContext& ctx,
                                 EncodedBatch* out, std::vector<Rejection>* rejected,
                                 size_t* total) {
  const size_t bytes_mark = out->bytes.size();
  const size_t ends_mark = out->ends.size();
  const size_t rejected_mark = rejected->size();
  *total = 0;
  Status status = ndjson ? DecodeNdjsonBatch(body, ctx, out, rejected, total)
                         : DecodeJsonBatch(body, ctx, out, rejected, total);
  if (!status.ok()) {
    out->bytes.resize(bytes_mark);
    out->ends.resize(ends_mark);
    rejected->resize(rejected_mark);
    *total = 0;
  }
  return status;
}

namespace {

Status TooManyEvents(size_t max_events) {
  return Status::InvalidArgument(
      "", fmt::format("the request holds more than {} events", max_events), "too_many_events");
}

}  // namespace

Status EventDecoder::DecodeJsonBatch(std::string& body, const DecodeContext& ctx, EncodedBatch* out,
                                     std::vector<Rejection>* rejected, size_t* total) {
  State& s = *state_;
  const size_t max_depth = options_.max_depth;
  od::document doc;
  if (error_code e = s.Iterate(PadBody(body)).get(doc)) {
    return InvalidJson("the body", e, max_depth);
  }
  od::json_type type;
  if (error_code e = doc.type().get(type)) return InvalidJson("the body", e, max_depth);
  if (max_depth < 1) return InvalidJson("the body", simdjson::DEPTH_ERROR, max_depth);

  // Reads the events array, whose own nesting level is `level`.
  auto read_events = [&](od::array& events, size_t level) -> Status {
    if (level > max_depth) return InvalidJson("the body", simdjson::DEPTH_ERROR, max_depth);
    size_t index = 0;
    for (auto element_result : events) {
      if (error_code e = element_result.error()) return InvalidJson("the body", e, max_depth);
      od::value element = element_result.value_unsafe();
      if (index == options_.max_events) return TooManyEvents(options_.max_events);
      od::json_type element_type;
      if (error_code e = element.type().get(element_type)) {
        return InvalidJson("the body", e, max_depth);
      }
      if (element_type == od::json_type::object) {
        if (level + 1 > max_depth) return InvalidJson("the body", simdjson::DEPTH_ERROR, max_depth);
        od::object object;
        if (error_code e = element.get_object().get(object)) {
          return InvalidJson("the body", e, max_depth);
        }
        error_code json_error = simdjson::SUCCESS;
        switch (s.reader.Read(object, level + 1, ctx, &s.event, &s.fault, &json_error)) {
          case ReadResult::kValid:
            AppendEvent(s.event, out);
            break;
          case ReadResult::kRejected:
            rejected->push_back(MakeRejection(index, s.fault));
            break;
          case ReadResult::kInvalidJson:
            return InvalidJson("the body", json_error, max_depth);
        }
      } else {
        if (error_code e = event_internal::ConsumeValue(element, level, max_depth)) {
          return InvalidJson("the body", e, max_depth);
        }
        rejected->push_back(Rejection{index, "invalid_event",
                                      fmt::format("event {} is not a JSON object", index), ""});
      }
      ++index;
    }
    *total = index;
    return Status::OK();
  };

  if (type == od::json_type::array) {
    od::array events;
    if (error_code e = doc.get_array().get(events)) return InvalidJson("the body", e, max_depth);
    UM_RETURN_IF_ERROR(read_events(events, 1));
  } else if (type == od::json_type::object) {
    od::object wrapper;
    if (error_code e = doc.get_object().get(wrapper)) return InvalidJson("the body", e, max_depth);
    bool found = false;
    for (auto field_result : wrapper) {
      od::field field;
      if (error_code e = std::move(field_result).get(field)) {
        return InvalidJson("the body", e, max_depth);
      }
      std::string_view key;
      if (error_code e = field.unescaped_key().get(key)) {
        return InvalidJson("the body", e, max_depth);
      }
      od::value& value = field.value();
      if (key != "events") {
        if (error_code e = event_internal::ConsumeValue(value, 1, max_depth)) {
          return InvalidJson("the body", e, max_depth);
        }
        continue;
      }
      if (found) return NotJsonShape("the body gives \"events\" more than once");
      found = true;
      od::json_type events_type;
      if (error_code e = value.type().get(events_type)) {
        return InvalidJson("the body", e, max_depth);
      }
      if (events_type != od::json_type::array) {
        return NotJsonShape("\"events\" must be an array of event objects");
      }
      od::array events;
      if (error_code e = value.get_array().get(events)) {
        return InvalidJson("the body", e, max_depth);
      }
      UM_RETURN_IF_ERROR(read_events(events, 2));
    }
    if (!found) return NotJsonShape("the body object has no \"events\" array");
  } else {
    return NotJsonShape(
        "the body must be a JSON array of events or an object with an \"events\" array");
  }
  if (!event_internal::AtDocumentEnd(doc)) {
    return NotJsonShape("the body must be one JSON value, with nothing after it");
  }
  return Status::OK();
}

Status EventDecoder::DecodeNdjsonBatch(std::string& body, const DecodeContext& ctx,
                                       EncodedBatch* out, std::vector<Rejection>* rejected,
                                       size_t* total) {
  State& s = *state_;
  const size_t max_depth = options_.max_depth;
  const simdjson::padded_string_view padded = PadBody(body);
  const char* const base = body.data();
  const size_t size = body.size();
  size_t index = 0;
  size_t pos = 0;
  while (pos < size) {
    const char* newline = static_cast<const char*>(std::memchr(base + pos, '\n', size - pos));
    const size_t line_end = newline != nullptr ? static_cast<size_t>(newline - base) : size;
    std::string_view line(base + pos, line_end - pos);
    const size_t line_start = pos;
    pos = line_end + 1;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (IsBlankLine(line)) continue;
    if (index == options_.max_events) return TooManyEvents(options_.max_events);
    const size_t this_index = index++;

    auto reject_json = [&](error_code e) {
      rejected->push_back(
          Rejection{this_index, std::string(kInvalidJson),
                    fmt::format("line is not valid JSON: {}", JsonErrorText(e, max_depth)), ""});
    };
    od::document doc;
    // The line lies inside the padded body, so everything after it is readable padding.
    const simdjson::padded_string_view view(line.data(), line.size(),
                                            padded.capacity() - line_start);
    if (error_code e = s.Iterate(view).get(doc)) {
      reject_json(e);
      continue;
    }
    od::json_type type;
    if (error_code e = doc.type().get(type)) {
      reject_json(e);
      continue;
    }
    if (type != od::json_type::object) {
      if (error_code e = event_internal::ConsumeDocument(doc, max_depth)) {
        reject_json(e);
      } else if (!event_internal::AtDocumentEnd(doc)) {
        reject_json(simdjson::TRAILING_CONTENT);
      } else {
        // API.md: an NDJSON line that is not one JSON object is invalid_json
        // (invalid_event is for array elements).
        rejected->push_back(
            Rejection{this_index, "invalid_json",
                      fmt::format("line {} is valid JSON but not a JSON object", this_index), ""});
      }
      continue;
    }
    if (max_depth < 1) {
      reject_json(simdjson::DEPTH_ERROR);
      continue;
    }
    od::object object;
    if (error_code e = doc.get_object().get(object)) {
      reject_json(e);
      continue;
    }
    error_code json_error = simdjson::SUCCESS;
    const ReadResult result = s.reader.Read(object, 1, ctx, &s.event, &s.fault, &json_error);
    if (result == ReadResult::kInvalidJson) {
      reject_json(json_error);
    } else if (!event_internal::AtDocumentEnd(doc)) {
      reject_json(simdjson::TRAILING_CONTENT);
    } else if (result == ReadResult::kRejected) {
      rejected->push_back(MakeRejection(this_index, s.fault));
    } else {
      AppendEvent(s.event, out);
    }
  }
  *total = index;
  return Status::OK();
}

}  // namespace unmogrowp
