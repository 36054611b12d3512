#pragma once

// Partition routing: which partitions of a Kafka topic of N partitions an
// event-log record goes to (scale-out mode, docs/scale-out.md). Each
// partition is processed by one pipeline worker with its own state, so
// everything the attribution rules (ATTRIBUTION.md) compare must meet in one
// partition:
//
// - An event goes to the partition of its device: key app id + device id,
//   so a device's touchpoints, install and in-app events stay together and
//   in order. An event without a device id (a web click) is keyed by its IP
//   and user agent, or by its event id when it has neither.
// - A click with an IP and a user agent may win the install of any device
//   probabilistically, so it also goes, as an index copy
//   (event/log_payload.h), to every other partition; a copy counts nowhere.
//   With N partitions such a click is written N times.
// - An erasure goes with its device; an app deletion to every partition.
//
// A partition is XXH3-64 of the key modulo N: stable across releases and
// machines (changing it would move devices between partitions).
//
// Pure functions; safe from any thread.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "log/kafka_event_log.h"

namespace unmogrowp {

struct PartitionRoute {
  int32_t partition = 0;
  std::string key;          // the Kafka message key
  bool index_copy = false;  // write AppendIndexCopy(payload) instead of the payload
};

// The partition of `key` among `partitions` (> 0).
int32_t PartitionOfKey(std::string_view key, int32_t partitions);

// Replaces `out` with the routes of one record. InvalidArgument when the
// payload is not a record ingest writes (an event, an erasure, an app
// deletion) or does not decode.
Status RouteRecord(std::string_view payload, int32_t partitions, std::vector<PartitionRoute>* out);

// RouteRecord as the Kafka event log's route (KafkaEventLog::Options::route):
// index copies get their AppendIndexCopy payload. A record RouteRecord
// refuses (ingest never writes one) still goes to partition 0, unkeyed, and
// is logged: nothing handed to the log is dropped.
void RouteToKafka(std::string_view payload, int32_t partitions, std::vector<KafkaRoute>* out);

}  // namespace unmogrowp
