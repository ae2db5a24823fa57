import GRDB
import PeerLedgerDomain

/// Counts a restore reports: what a ledger rebuilt from an export lacks, since the export holds
/// the log but no passwords and no queued messages.
extension LedgerReader {
    /// Live sessions whose password is stored apart from the log.
    package func liveSessionsWithPassword() throws -> Int {
        try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM sessions WHERE password_ref IS NOT NULL AND deleted = 0") ?? 0
    }

    /// Registered routers with an SSH password stored apart from the log.
    package func routersWithPassword() throws -> Int {
        try Int.fetchOne(
            db, sql: "SELECT COUNT(*) FROM routers WHERE removed = 0 AND json_extract(access, '$.password_ref') IS NOT NULL") ?? 0
    }

    /// Peering requests whose message is queued or being retried.
    package func requestsAwaitingDelivery() throws -> Int {
        try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM requests WHERE delivery_status IN ('queued', 'retrying')") ?? 0
    }
}
