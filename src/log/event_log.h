#pragma once

// EventLog: the durable, ordered record of every accepted event -- the source
// of truth that everything downstream derives from (DESIGN.md). Implemented by
// the embedded segmented log (log/segmented_log.h) and, later, by Kafka.
//
// Offsets are opaque, strictly increasing uint64 positions; a record's offset
// is where it starts, and reading from an offset returns the records at or
// after it in append order. Append order is arrival order.
//
// Thread-safety: every method may be called from any thread.

#include <cstdint>
#include <functional>
#include <memory>
#include <string_view>

#include "core/result.h"
#include "core/status.h"
#include "event/encoded_batch.h"

namespace unmogrowp {

// One record read back from the log. `payload` (an encoded event) is valid
// until the next call on the reader that returned it.
struct LogRecord {
  uint64_t offset = 0;
  uint64_t next_offset = 0;  // offset of the record after this one
  std::string_view payload;
};

// Sequential reader from a starting offset. Not thread-safe.
class LogReader {
 public:
  virtual ~LogReader() = default;
  // Reads the next durable record. Returns true and fills `record`, or false
  // when the reader has caught up with the durable end (call again later to
  // tail), or an error (Corruption, IOError).
  virtual Result<bool> Next(LogRecord* record) = 0;
};

class EventLog {
 public:
  // Called exactly once per Append, on a thread owned by the log: with OK and
  // the offset of the batch's first record once every record of the batch is
  // durable (fdatasync returned), or with the error that prevented it. Must
  // not block; hand the result to the caller's own executor.
  using AppendCallback = std::function<void(const Status& status, uint64_t first_offset)>;

  virtual ~EventLog() = default;

  // Appends each event of `batch` as one record, in order. Never blocks on
  // I/O. Fails fast through `done` with ResourceExhausted when too much is
  // waiting to be written (the caller answers 503 with Retry-After), and with
  // Unavailable once the log has failed (an fsync error stops every
  // acknowledgement until restart).
  virtual void Append(EncodedBatch batch, AppendCallback done) = 0;

  // OK while the log accepts appends; the sticky error after a failure.
  virtual Status Health() const = 0;

  // Offset just past the last durable record.
  virtual uint64_t DurableEndOffset() const = 0;

  // A reader that starts at `offset` (0 = the beginning).
  virtual Result<std::unique_ptr<LogReader>> NewReader(uint64_t offset) = 0;
};

// Appends `batch` and blocks the calling thread until it is durable; returns
// the offset of its first record, or Append's error. For the few callers that
// must wait (erasure and app-deletion records, tests) -- never on an I/O
// thread, whose work the log's callback may need.
Result<uint64_t> AppendDurably(EventLog& log, EncodedBatch batch);

}  // namespace unmogrowp
