#include "core/status.h"

#include <fmt/format.h>

namespace unmogrowp {

namespace {

std::string_view DefaultReason(StatusCode code) {
  switch (code) {
    case StatusCode::kOk:
      return "";
    case StatusCode::kInvalidArgument:
      return "invalid_argument";
    case StatusCode::kNotFound:
      return "not_found";
    case StatusCode::kAlreadyExists:
      return "already_exists";
    case StatusCode::kCorruption:
      return "corruption";
    case StatusCode::kIOError:
      return "io_error";
    case StatusCode::kUnavailable:
      return "unavailable";
    case StatusCode::kResourceExhausted:
      return "overloaded";
    case StatusCode::kUnauthenticated:
      return "unauthorized";
    case StatusCode::kPermissionDenied:
      return "forbidden";
    case StatusCode::kFailedPrecondition:
      return "failed_precondition";
    case StatusCode::kInternal:
      return "internal";
  }
  return "internal";
}

const std::string& EmptyString() {
  static const std::string kEmpty;
  return kEmpty;
}

}  // namespace

std::string_view StatusCodeName(StatusCode code) {
  switch (code) {
    case StatusCode::kOk:
      return "OK";
    case StatusCode::kInvalidArgument:
      return "InvalidArgument";
    case StatusCode::kNotFound:
      return "NotFound";
    case StatusCode::kAlreadyExists:
      return "AlreadyExists";
    case StatusCode::kCorruption:
      return "Corruption";
    case StatusCode::kIOError:
      return "IOError";
    case StatusCode::kUnavailable:
      return "Unavailable";
    case StatusCode::kResourceExhausted:
      return "ResourceExhausted";
    case StatusCode::kUnauthenticated:
      return "Unauthenticated";
    case StatusCode::kPermissionDenied:
      return "PermissionDenied";
    case StatusCode::kFailedPrecondition:
      return "FailedPrecondition";
    case StatusCode::kInternal:
      return "Internal";
  }
  return "Unknown";
}

Status::Status(StatusCode code, std::string message, std::string field, std::string_view reason)
    : rep_(std::make_unique<Rep>(Rep{code, std::move(message), std::move(field),
                                     std::string(reason.empty() ? DefaultReason(code) : reason)})) {
}

Status::Status(const Status& other)
    : rep_(other.rep_ ? std::make_unique<Rep>(*other.rep_) : nullptr) {}

Status& Status::operator=(const Status& other) {
  if (this != &other) rep_ = other.rep_ ? std::make_unique<Rep>(*other.rep_) : nullptr;
  return *this;
}

Status Status::InvalidArgument(std::string field, std::string message, std::string_view reason) {
  return Status(StatusCode::kInvalidArgument, std::move(message), std::move(field), reason);
}
Status Status::NotFound(std::string message) {
  return Status(StatusCode::kNotFound, std::move(message), "", "");
}
Status Status::AlreadyExists(std::string message) {
  return Status(StatusCode::kAlreadyExists, std::move(message), "", "");
}
Status Status::Corruption(std::string message) {
  return Status(StatusCode::kCorruption, std::move(message), "", "");
}
Status Status::IOError(std::string message) {
  return Status(StatusCode::kIOError, std::move(message), "", "");
}
Status Status::Unavailable(std::string message) {
  return Status(StatusCode::kUnavailable, std::move(message), "", "");
}
Status Status::ResourceExhausted(std::string message) {
  return Status(StatusCode::kResourceExhausted, std::move(message), "", "");
}
Status Status::Unauthenticated(std::string message) {
  return Status(StatusCode::kUnauthenticated, std::move(message), "", "");
}
Status Status::PermissionDenied(std::string message) {
  return Status(StatusCode::kPermissionDenied, std::move(message), "", "");
}
Status Status::FailedPrecondition(std::string message) {
  return Status(StatusCode::kFailedPrecondition, std::move(message), "", "");
}
Status Status::Internal(std::string message) {
  return Status(StatusCode::kInternal, std::move(message), "", "");
}

const std::string& Status::message() const { return rep_ ? rep_->message : EmptyString(); }
const std::string& Status::field() const { return rep_ ? rep_->field : EmptyString(); }
std::string_view Status::reason() const { return rep_ ? std::string_view(rep_->reason) : ""; }

std::string Status::ToString() const {
  if (ok()) return "OK";
  if (rep_->field.empty()) return fmt::format("{}: {}", StatusCodeName(rep_->code), rep_->message);
  return fmt::format("{}: {}: {}", StatusCodeName(rep_->code), rep_->field, rep_->message);
}

Status Status::WithContext(std::string_view context) const {
  if (ok()) return Status();
  return Status(rep_->code, fmt::format("{}: {}", context, rep_->message), rep_->field,
                rep_->reason);
}

}  // namespace unmogrowp
