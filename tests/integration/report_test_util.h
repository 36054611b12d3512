#pragma once

// Helpers shared by the in-process end-to-end tests: an event as JSON text,
// and the installs report parsed into plain values.

#include <simdjson.h>

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

namespace unmogrowp {

// One event object; `device` and `extra` (more "key":value members) are
// left out when empty.
inline std::string Ev(std::string_view id, std::string_view type, int64_t ts,
                      std::string_view device, std::string_view extra = "") {
  std::string e = "{\"event_id\":\"" + std::string(id) + "\",\"event_type\":\"" +
                  std::string(type) + "\",\"timestamp\":" + std::to_string(ts);
  if (!device.empty()) e += ",\"device_id\":\"" + std::string(device) + "\"";
  if (!extra.empty()) e += "," + std::string(extra);
  return e + "}";
}

// A row of GET .../attribution/installs.
struct InstallRow {
  int64_t installs = 0, deterministic = 0, probabilistic = 0;
  double revenue = 0;
};
struct InstallsReport {
  std::map<std::string, InstallRow> rows;  // by channel
  int64_t organic = -1;
  double organic_revenue = -1;
  int64_t rejected_fraud = -1;
};

inline InstallsReport ParseInstalls(const std::string& body) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc = parser.parse(body);
  InstallsReport report;
  for (simdjson::dom::element row : doc["rows"].get_array()) {
    report.rows[std::string(row["channel"].get_string().value())] =
        InstallRow{row["installs"].get_int64(), row["deterministic"].get_int64(),
                   row["probabilistic"].get_int64(), row["revenue"].get_double()};
  }
  report.organic = doc["organic"].get_int64();
  report.organic_revenue = doc["organic_revenue"].get_double();
  report.rejected_fraud = doc["rejected_fraud"].get_int64();
  return report;
}

}  // namespace unmogrowp
