#include "analytics/cohort_row.h"

#include <algorithm>

#include "store/bytes.h"

namespace unmogrowp::analytics {

namespace {
constexpr uint8_t kRowVersion = 1;
}  // namespace

CohortCell& CohortRow::Cell(int64_t day) {
  auto it = std::lower_bound(cells.begin(), cells.end(), day,
                             [](const CohortCell& c, int64_t d) { return c.day < d; });
  if (it == cells.end() || it->day != day) it = cells.insert(it, CohortCell{day, 0, 0});
  return *it;
}

void CohortRow::Add(const CohortRow& other) {
  installs += other.installs;
  for (const CohortCell& c : other.cells) {
    CohortCell& mine = Cell(c.day);
    mine.active += c.active;
    mine.revenue += c.revenue;
  }
}

std::string EncodeCohortRow(const CohortRow& row) {
  std::string out;
  out.push_back(static_cast<char>(kRowVersion));
  store::PutSignedVarint(row.installs, &out);
  store::PutVarint(row.cells.size(), &out);
  for (const CohortCell& c : row.cells) {
    store::PutVarint(static_cast<uint64_t>(c.day), &out);
    store::PutSignedVarint(c.active, &out);
    store::PutDouble(c.revenue, &out);
  }
  return out;
}

Result<CohortRow> DecodeCohortRow(std::string_view bytes) {
  auto bad = [] { return Status::Corruption("cohort row is truncated or malformed"); };
  store::ByteReader reader(bytes);
  if (reader.Byte() != kRowVersion) return bad();
  CohortRow row;
  row.installs = reader.SignedVarint();
  uint64_t count = reader.Varint();
  if (!reader.ok() || count > static_cast<uint64_t>(kMaxCohortDay) + 1) return bad();
  row.cells.reserve(count);
  for (uint64_t i = 0; i < count; ++i) {
    CohortCell c;
    c.day = static_cast<int64_t>(reader.Varint());
    c.active = reader.SignedVarint();
    c.revenue = reader.Double();
    if (!reader.ok() || c.day > kMaxCohortDay ||
        (!row.cells.empty() && row.cells.back().day >= c.day)) {
      return bad();
    }
    row.cells.push_back(c);
  }
  if (!reader.done()) return bad();
  return row;
}

}  // namespace unmogrowp::analytics
