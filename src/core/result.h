#pragma once

// Result<T>: a value or the Status that explains why there is none (shaped
// like absl::StatusOr; GCC 12 has no std::expected). Accessing the value of
// an error Result is a programmer error and asserts.

#include <cassert>
#include <optional>
#include <utility>

#include "core/status.h"

namespace unmogrowp {

template <typename T>
class [[nodiscard]] Result {
 public:
  // Implicit on purpose: `return value;` and `return status;` both read well.
  Result(T value) : value_(std::move(value)) {}         // NOLINT(google-explicit-constructor)
  Result(Status status) : status_(std::move(status)) {  // NOLINT(google-explicit-constructor)
    assert(!status_.ok() && "Result built from an OK status has no value");
  }

  bool ok() const { return status_.ok(); }
  const Status& status() const { return status_; }

  T& value() & {
    assert(ok());
    return *value_;
  }
  const T& value() const& {
    assert(ok());
    return *value_;
  }
  T&& value() && {
    assert(ok());
    return std::move(*value_);
  }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  Status status_;
  std::optional<T> value_;
};

#define UM_CONCAT_INNER(a, b) a##b
#define UM_CONCAT(a, b) UM_CONCAT_INNER(a, b)

// UM_ASSIGN_OR_RETURN(auto x, MakeX()); -- binds the value or returns the error.
// NOLINTNEXTLINE(bugprone-macro-parentheses): `lhs` is a declaration.
#define UM_ASSIGN_OR_RETURN(lhs, expr)                                                        \
  auto UM_CONCAT(um_result_, __LINE__) = (expr);                                              \
  if (!UM_CONCAT(um_result_, __LINE__).ok()) return UM_CONCAT(um_result_, __LINE__).status(); \
  lhs = std::move(UM_CONCAT(um_result_, __LINE__)).value()

}  // namespace unmogrowp
