#pragma once

// Status: the outcome of a fallible call (leveldb/absl style). Expected
// failures -- bad input, I/O errors, overload -- are values of this type,
// never exceptions. An OK status allocates nothing.
//
// Bad input carries the name of the field at fault and a snake_case `reason`
// that the HTTP layer returns as the API error code (API.md's error object).

#include <memory>
#include <string>
#include <string_view>

namespace unmogrowp {

enum class StatusCode {
  kOk = 0,
  kInvalidArgument,
  kNotFound,
  kAlreadyExists,
  kCorruption,
  kIOError,
  kUnavailable,
  kResourceExhausted,
  kUnauthenticated,
  kPermissionDenied,
  kFailedPrecondition,
  kInternal,
};

std::string_view StatusCodeName(StatusCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(const Status& other);
  Status& operator=(const Status& other);
  Status(Status&&) noexcept = default;
  Status& operator=(Status&&) noexcept = default;
  ~Status() = default;

  static Status OK() { return Status(); }
  // `field` names the offending input field (may be empty); `reason` is the
  // snake_case error code shown to API clients.
  static Status InvalidArgument(std::string field, std::string message,
                                std::string_view reason = "invalid_field");
  static Status NotFound(std::string message);
  static Status AlreadyExists(std::string message);
  static Status Corruption(std::string message);
  static Status IOError(std::string message);
  static Status Unavailable(std::string message);
  static Status ResourceExhausted(std::string message);
  static Status Unauthenticated(std::string message);
  static Status PermissionDenied(std::string message);
  static Status FailedPrecondition(std::string message);
  static Status Internal(std::string message);

  bool ok() const { return rep_ == nullptr; }
  StatusCode code() const { return rep_ ? rep_->code : StatusCode::kOk; }
  // Empty for OK.
  const std::string& message() const;
  const std::string& field() const;
  // API error code, e.g. "invalid_field"; defaults per StatusCode.
  std::string_view reason() const;

  // "InvalidArgument: timestamp: must be ..." -- for logs and tests.
  std::string ToString() const;

  // Prefixes the message with context ("segment 00012: ...").
  Status WithContext(std::string_view context) const;

 private:
  struct Rep {
    StatusCode code;
    std::string message;
    std::string field;
    std::string reason;
  };
  Status(StatusCode code, std::string message, std::string field, std::string_view reason);

  std::unique_ptr<Rep> rep_;
};

// Propagates a non-OK status to the caller.
#define UM_RETURN_IF_ERROR(expr)             \
  do {                                       \
    ::unmogrowp::Status um_status_ = (expr); \
    if (!um_status_.ok()) return um_status_; \
  } while (0)

}  // namespace unmogrowp
