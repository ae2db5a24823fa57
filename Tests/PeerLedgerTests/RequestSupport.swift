import Foundation
import GRDB

@testable import PeerLedger
@testable import PeerLedgerDomain
import PeerLedgerTestSupport

extension TestLedger {
    func outboxRows() throws -> [Row] {
        try ledger.readNow { db in try Row.fetchAll(db, sql: "SELECT * FROM outbox ORDER BY request_id") }
    }
}

/// A transport that records what it was given and answers from a script.
final class RecordingTransport: MailTransport, @unchecked Sendable {
    private let lock = NSLock()
    private var _sent: [OutgoingMail] = []
    private var script: [Result<String, MailDeliveryError>]

    init(_ script: [Result<String, MailDeliveryError>] = []) { self.script = script }

    var sent: [OutgoingMail] { lock.withLock { _sent } }

    func deliver(_ mail: OutgoingMail) async throws -> String {
        let result: Result<String, MailDeliveryError> = lock.withLock {
            _sent.append(mail)
            return script.isEmpty ? .success("250 2.0.0 Ok: queued as TEST") : script.removeFirst()
        }
        return try result.get()
    }
}
