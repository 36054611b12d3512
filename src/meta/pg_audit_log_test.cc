#include "meta/pg_audit_log.h"

#include <gtest/gtest.h>

#include "meta/audit_log_conformance_test.h"
#include "meta/pg_meta_backend_for_test.h"

namespace unmogrowp {

// The PostgreSQL audit log has nothing of its own to test beyond the shared
// suite, whose handles here are separate nodes on one database; its
// migrations are pg_schema_test.cc's.
INSTANTIATE_TYPED_TEST_SUITE_P(PgAuditLogTest, AuditLogConformanceTest, PgMetaBackend);

}  // namespace unmogrowp
