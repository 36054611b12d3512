#include "meta/sqlite_audit_log.h"

#include <gtest/gtest.h>

#include "meta/audit_log_conformance_test.h"
#include "meta/sqlite_meta_backend_for_test.h"

namespace unmogrowp {

// The SQLite audit log has nothing of its own to test: its file and schema
// are the app store's (sqlite_app_store_test.cc).
INSTANTIATE_TYPED_TEST_SUITE_P(SqliteAuditLogTest, AuditLogConformanceTest, SqliteMetaBackend);

}  // namespace unmogrowp
