import Foundation

@testable import PeerLedger
@testable import PeerLedgerDomain
import PeerLedgerTestSupport
@testable import PeerLedgerPeeringDB

/// A writable copy of Tests/Fixtures/peeringdb (a small PeeringDB data set of our own making:
/// Equinix Ashburn and Chicago, 6connect AS8038, 1&1 Internet AS8560, Akamai AS20940, Amazon.com
/// AS16509), which a test may edit record by record to play an upstream change.
struct PeeringDBFixture {
    static let original = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/peeringdb")

    let folder: URL

    init() throws {
        folder = Scratch.url("peeringdb-\(UUID().uuidString)")
        try FileManager.default.copyItem(at: Self.original, to: folder)
    }

    var source: PeeringDBFolder { PeeringDBFolder(path: folder.path) }

    /// Rewrites `type`'s page after `edit` changed its records.
    func edit(_ type: PeeringDBObjectType, _ edit: (inout [[String: Any]]) -> Void) throws {
        let url = folder.appendingPathComponent(type.fileName)
        let page = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any] ?? [:]
        var records = page["data"] as? [[String: Any]] ?? []
        edit(&records)
        try JSONSerialization.data(withJSONObject: ["data": records, "meta": [String: Any]()]).write(to: url)
    }

    /// Sets `field` of record `id` of `type`.
    func set(_ type: PeeringDBObjectType, id: Int, _ field: String, _ value: Any) throws {
        try edit(type) { records in
            for index in records.indices where records[index]["id"] as? Int == id { records[index][field] = value }
        }
    }

    /// Replaces text in a page as `edit` writes it, compact (for numbers JSONSerialization
    /// cannot write).
    func replace(_ type: PeeringDBObjectType, _ text: String, with replacement: String) throws {
        let url = folder.appendingPathComponent(type.fileName)
        try edit(type) { _ in }
        let page = try String(contentsOf: url, encoding: .utf8)
        guard page.contains(text) else { throw CocoaError(.fileReadCorruptFile) }
        try Data(page.replacingOccurrences(of: text, with: replacement).utf8).write(to: url)
    }

    /// Replaces a whole page with raw text (for malformed input).
    func write(_ type: PeeringDBObjectType, raw: String) throws {
        try Data(raw.utf8).write(to: folder.appendingPathComponent(type.fileName))
    }
}

extension TestLedger {
    @discardableResult
    func importPeeringDB(_ fixture: PeeringDBFixture, lenient: Bool = false) async throws -> PeeringDBImportSummary {
        try await ledger.importPeeringDB(from: fixture.source, lenient: lenient, metadata: EventMetadata(actor: "test"))
    }

    /// The fixture imported and our network (6connect, AS8038) configured.
    static func withPeeringDB() async throws -> (TestLedger, PeeringDBFixture) {
        let t = try TestLedger()
        let fixture = try PeeringDBFixture()
        try await t.importPeeringDB(fixture)
        try t.ledger.setOwnNetwork(asn: 8038, metadata: EventMetadata(actor: "test"))
        return (t, fixture)
    }
}
