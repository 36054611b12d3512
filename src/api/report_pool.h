#pragma once

// ReportPool: the threads that compute reports, so a Markov or Shapley
// report over a long range never holds up the HTTP I/O thread that received
// it (and every other connection on that thread, ingest included). A report
// handler authenticates on the I/O thread, then posts the work here and
// answers through its Responder when done.
//
// Thread-safety: Post may be called from any thread. The destructor runs
// what is queued, then joins.

#include <functional>
#include <memory>

namespace unmogrowp::api {

class ReportPool {
 public:
  explicit ReportPool(int threads);
  ~ReportPool();
  ReportPool(const ReportPool&) = delete;
  ReportPool& operator=(const ReportPool&) = delete;

  void Post(std::function<void()> task);

 private:
  struct Rep;
  std::unique_ptr<Rep> rep_;
};

}  // namespace unmogrowp::api
