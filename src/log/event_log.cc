#include "log/event_log.h"

#include <future>
#include <utility>

namespace unmogrowp {

Result<uint64_t> AppendDurably(EventLog& log, EncodedBatch batch) {
  std::promise<std::pair<Status, uint64_t>> appended;
  std::future<std::pair<Status, uint64_t>> durable = appended.get_future();
  log.Append(std::move(batch), [&appended](const Status& status, uint64_t offset) {
    appended.set_value({status, offset});
  });
  auto [status, offset] = durable.get();  // the callback runs exactly once
  UM_RETURN_IF_ERROR(status);
  return offset;
}

}  // namespace unmogrowp
