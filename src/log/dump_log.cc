#include "log/dump_log.h"

#include "log/log_reader.h"
#include "log/recovery.h"
#include "log/segment_index.h"

namespace unmogrowp {

Status DumpLog(const std::string& dir, const std::function<void(const LogRecord&)>& fn,
               FileSystem* fs) {
  UM_ASSIGN_OR_RETURN(RecoveredLog recovered, RecoverLog(fs, dir, RecoveryMode::kReadOnly));
  if (recovered.segment_bases.empty()) return Status::OK();
  uint64_t first = recovered.segment_bases.front();
  SegmentIndex index(dir, std::move(recovered.segment_bases), recovered.end_offset);
  UM_ASSIGN_OR_RETURN(std::unique_ptr<SegmentLogReader> reader,
                      SegmentLogReader::Create(fs, &index, first));
  LogRecord record;
  while (true) {
    UM_ASSIGN_OR_RETURN(bool more, reader->Next(&record));
    if (!more) return Status::OK();
    fn(record);
  }
}

}  // namespace unmogrowp
