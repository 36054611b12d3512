#pragma once

// PgListener: a background thread with its own PostgreSQL connection that
// LISTENs on one channel and hands each notification's payload to a callback
// (how a PgAppStore hears of keys revoked on other nodes).
//
// Notifications sent while the connection is down are lost, so after every
// (re)connect, once LISTEN is in effect, the listener calls `on_listening`:
// the owner reloads there whatever the lost notifications would have told
// it. A lost connection is retried at once, then every kRetryDelayMs.
//
// Threading: the callbacks run on the listener's thread, one at a time, and
// never after the destructor returns; they must be thread-safe with respect
// to the owner's other threads. The owner keeps what they touch alive until
// the listener is destroyed.

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <thread>

#include "core/result.h"
#include "meta/pg_connection.h"

namespace unmogrowp {

class PgListener {
 public:
  static constexpr int kRetryDelayMs = 1000;

  using OnNotify = std::function<void(std::string_view payload)>;
  using OnListening = std::function<Status()>;

  // Connects to `url`, LISTENs on `channel` and runs `on_listening` once on
  // the calling thread (their errors are Start's), then starts the thread.
  static Result<std::unique_ptr<PgListener>> Start(const std::string& url, std::string channel,
                                                   OnNotify on_notify, OnListening on_listening);

  // Stops and joins the thread.
  ~PgListener();
  PgListener(const PgListener&) = delete;
  PgListener& operator=(const PgListener&) = delete;

 private:
  PgListener(std::string url, std::string channel, OnNotify on_notify, OnListening on_listening,
             int wake_fd);

  // Connects, LISTENs and runs on_listening_; conn_ is set only on success.
  Status Connect();
  void Run();
  // Polls the connection's socket once and delivers what arrived. False when
  // the connection was lost (conn_ is reset then).
  bool ReceiveOnce();
  // Waits up to `timeout_ms` (-1: forever) for the stop signal; true when
  // stopping.
  bool WaitForStop(int timeout_ms);

  const std::string url_;
  const std::string channel_;
  const std::string server_;
  const OnNotify on_notify_;
  const OnListening on_listening_;
  const int wake_fd_;  // An eventfd, written once by the destructor.
  std::atomic<bool> stop_{false};
  PgConnPtr conn_;  // Touched only by the thread once it runs.
  std::thread thread_;
};

}  // namespace unmogrowp
