#include "pipeline/partition_routing.h"

#include <xxhash.h>

#include "core/logging.h"
#include "event/codec.h"
#include "event/log_payload.h"

namespace unmogrowp {

namespace {

// Parts joined by a byte no id or header value carries.
std::string JoinKey(std::initializer_list<std::string_view> parts) {
  std::string key;
  for (std::string_view part : parts) {
    if (!key.empty()) key.push_back('\x1f');
    key.append(part);
  }
  return key;
}

}  // namespace

int32_t PartitionOfKey(std::string_view key, int32_t partitions) {
  return static_cast<int32_t>(XXH3_64bits(key.data(), key.size()) %
                              static_cast<uint64_t>(partitions));
}

Status RouteRecord(std::string_view payload, int32_t partitions, std::vector<PartitionRoute>* out) {
  out->clear();
  if (partitions <= 0) return Status::InvalidArgument("partitions", "partitions must be positive");
  auto add = [&](std::string key, bool index_copy, int32_t partition) {
    out->push_back(PartitionRoute{partition, std::move(key), index_copy});
  };
  switch (KindOfPayload(payload)) {
    case PayloadKind::kEvent: {
      EventView event;
      UM_RETURN_IF_ERROR(DecodeEncoded(payload, &event));
      std::string key = !event.device_id.empty()
                            ? JoinKey({event.app_id, "d", event.device_id})
                            : (!event.ip.empty() || !event.user_agent.empty()
                                   ? JoinKey({event.app_id, "ipua", event.ip, event.user_agent})
                                   : JoinKey({event.app_id, "e", event.event_id}));
      const int32_t owner = PartitionOfKey(key, partitions);
      const bool copies =
          event.kind() == EventKind::kClick && !event.ip.empty() && !event.user_agent.empty();
      add(key, false, owner);
      if (copies) {
        for (int32_t p = 0; p < partitions; ++p) {
          if (p != owner) add(key, true, p);
        }
      }
      return Status::OK();
    }
    case PayloadKind::kErasure: {
      ErasureRecord erasure;
      UM_RETURN_IF_ERROR(DecodeErasure(payload, &erasure));
      std::string key = JoinKey({erasure.app_id, "d", erasure.device_id});
      int32_t owner = PartitionOfKey(key, partitions);
      add(std::move(key), false, owner);
      return Status::OK();
    }
    case PayloadKind::kAppDeletion: {
      AppDeletionRecord deletion;
      UM_RETURN_IF_ERROR(DecodeAppDeletion(payload, &deletion));
      for (int32_t p = 0; p < partitions; ++p) add(deletion.app_id, false, p);
      return Status::OK();
    }
    case PayloadKind::kIndexCopy:
    case PayloadKind::kRedacted:
    case PayloadKind::kUnknown:
      break;
  }
  return Status::InvalidArgument("payload", "not an event, erasure or app-deletion record");
}

void RouteToKafka(std::string_view payload, int32_t partitions, std::vector<KafkaRoute>* out) {
  thread_local std::vector<PartitionRoute> routes;
  Status routed = RouteRecord(payload, partitions, &routes);
  if (!routed.ok()) {
    Log("log").error("cannot route a record ({}): writing it to partition 0", routed.ToString());
    out->push_back(KafkaRoute{0, "", ""});
    return;
  }
  for (PartitionRoute& route : routes) {
    KafkaRoute& kafka = out->emplace_back();
    kafka.partition = route.partition;
    kafka.key = std::move(route.key);
    if (route.index_copy) AppendIndexCopy(payload, &kafka.payload);
  }
}

}  // namespace unmogrowp
