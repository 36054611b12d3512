#include "meta/pg_listener.h"

#include <fmt/format.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/logging.h"

namespace unmogrowp {

namespace {

struct PgFree {
  void operator()(void* p) const { PQfreemem(p); }
};

}  // namespace

Result<std::unique_ptr<PgListener>> PgListener::Start(const std::string& url, std::string channel,
                                                      OnNotify on_notify,
                                                      OnListening on_listening) {
  int wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (wake_fd < 0) {
    return Status::IOError(
        fmt::format("eventfd for the postgres listener: {}", std::strerror(errno)));
  }
  std::unique_ptr<PgListener> listener(new PgListener(url, std::move(channel), std::move(on_notify),
                                                      std::move(on_listening), wake_fd));
  UM_RETURN_IF_ERROR(listener->Connect());
  listener->thread_ = std::thread([raw = listener.get()] { raw->Run(); });
  return listener;
}

PgListener::PgListener(std::string url, std::string channel, OnNotify on_notify,
                       OnListening on_listening, int wake_fd)
    : url_(std::move(url)),
      channel_(std::move(channel)),
      server_(DescribePgServer(url_)),
      on_notify_(std::move(on_notify)),
      on_listening_(std::move(on_listening)),
      wake_fd_(wake_fd) {}

PgListener::~PgListener() {
  stop_.store(true);
  const uint64_t one = 1;
  // Cannot fail short of a programming error: the counter is far from full.
  [[maybe_unused]] ssize_t written = write(wake_fd_, &one, sizeof one);
  if (thread_.joinable()) thread_.join();
  close(wake_fd_);
}

Status PgListener::Connect() {
  UM_ASSIGN_OR_RETURN(PgConnPtr conn, ConnectPg(url_, "unmogrowp-listener"));
  std::unique_ptr<char, PgFree> quoted(
      PQescapeIdentifier(conn.get(), channel_.data(), channel_.size()));
  if (!quoted) {
    return Status::Internal(fmt::format("postgres {}: cannot quote channel name: {}", server_,
                                        PQerrorMessage(conn.get())));
  }
  const std::string sql = fmt::format("LISTEN {}", quoted.get());
  std::unique_ptr<PGresult, void (*)(PGresult*)> result(PQexec(conn.get(), sql.c_str()), PQclear);
  if (PQresultStatus(result.get()) != PGRES_COMMAND_OK) {
    return PgError(conn.get(), result.get(), server_, sql);
  }
  conn_ = std::move(conn);
  // LISTEN is in effect: whatever changes after this point is notified.
  Status listening = on_listening_();
  if (!listening.ok()) conn_.reset();
  return listening;
}

void PgListener::Run() {
  bool lost = false;
  while (!stop_.load()) {
    if (!conn_) {
      Status connected = Connect();
      if (!connected.ok()) {
        Log("meta").warn("postgres {}: listener for {} cannot resume: {}", server_, channel_,
                         connected.ToString());
        if (WaitForStop(kRetryDelayMs)) return;
        continue;
      }
      if (lost) Log("meta").info("postgres {}: listener for {} resumed", server_, channel_);
      lost = false;
    }
    if (!ReceiveOnce()) {
      lost = true;
      conn_.reset();
    }
  }
}

bool PgListener::ReceiveOnce() {
  pollfd fds[2] = {{PQsocket(conn_.get()), POLLIN, 0}, {wake_fd_, POLLIN, 0}};
  int ready = poll(fds, 2, -1);
  if (ready < 0) return errno == EINTR;
  if (fds[1].revents != 0) return true;  // Stopping: Run's loop ends.
  if (PQconsumeInput(conn_.get()) == 0 || PQstatus(conn_.get()) != CONNECTION_OK) {
    Log("meta").warn("postgres {}: listener for {} lost its connection: {}", server_, channel_,
                     PQerrorMessage(conn_.get()));
    return false;
  }
  while (PGnotify* notify = PQnotifies(conn_.get())) {
    std::unique_ptr<PGnotify, PgFree> owned(notify);
    on_notify_(notify->extra != nullptr ? notify->extra : "");
  }
  return true;
}

bool PgListener::WaitForStop(int timeout_ms) {
  pollfd fd = {wake_fd_, POLLIN, 0};
  poll(&fd, 1, timeout_ms);
  return stop_.load();
}

}  // namespace unmogrowp
