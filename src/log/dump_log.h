#pragma once

// DumpLog: reads every durable record of a log directory, read-only, for
// operators and crash tests. Takes no lock and truncates nothing: a torn tail
// of the last segment just ends the dump; corruption inside the synced region
// (docs/formats/event-log.md, "Recovery") and any record whose CRC fails is
// an error. Safe to run while a server has the log open (it may then miss the
// newest records, and it stops at the active segment's zero tail).

#include <functional>
#include <string>

#include "core/status.h"
#include "log/event_log.h"
#include "log/file_system.h"

namespace unmogrowp {

// Calls `fn` for each record in offset order. The record's payload is valid
// only during the call.
Status DumpLog(const std::string& dir, const std::function<void(const LogRecord&)>& fn,
               FileSystem* fs = FileSystem::Default());

}  // namespace unmogrowp
