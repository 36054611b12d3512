#include "cli/log_command.h"

#include <fmt/format.h>

#include <cstdio>

#include "event/codec.h"
#include "event/json.h"
#include "log/dump_log.h"

namespace unmogrowp {

namespace {

int RunDump(const std::string& data_dir, bool ids_only) {
  std::string line;
  size_t count = 0;
  Status bad;
  Status s = DumpLog(data_dir + "/log", [&](const LogRecord& record) {
    EventView event;
    Status decoded = DecodeEncoded(record.payload, &event);
    if (!decoded.ok()) {
      if (bad.ok()) bad = decoded.WithContext(fmt::format("record at offset {}", record.offset));
      return;
    }
    line.clear();
    if (ids_only) {
      line.append(event.event_id);
    } else {
      line = fmt::format("{{\"offset\":{},\"event\":", record.offset);
      AppendEventJson(event, &line);
      line.push_back('}');
    }
    line.push_back('\n');
    std::fwrite(line.data(), 1, line.size(), stdout);
    ++count;
  });
  if (s.ok()) s = bad;
  if (!s.ok()) {
    fmt::print(stderr, "unmogrowp log dump: {}\n", s.ToString());
    return 1;
  }
  fmt::print(stderr, "{} events\n", count);
  return 0;
}

}  // namespace

void AddLogCommand(CLI::App& app) {
  CLI::App* log = app.add_subcommand("log", "Inspect the embedded event log");
  log->require_subcommand(1);
  auto data_dir = std::make_shared<std::string>("./data");
  auto ids_only = std::make_shared<bool>(false);
  CLI::App* dump = log->add_subcommand("dump", "Print every durable event as NDJSON (read-only)");
  dump->add_option("--data-dir", *data_dir, "The server's data directory")->capture_default_str();
  dump->add_flag("--ids", *ids_only, "Print only event ids, one per line");
  dump->callback([data_dir, ids_only] {
    int code = RunDump(*data_dir, *ids_only);
    if (code != 0) throw CLI::RuntimeError(code);
  });
}

}  // namespace unmogrowp
