package import GRDB
public import PeerLedgerDomain

/// A BGP session as the `sessions` projection holds it, with the names the API shows beside it.
public struct Session: Sendable, Equatable {
    public var id: Int64
    /// The version of the session's stream (`session-<id>`): what an update can state it expects.
    public var version: Int64
    /// Stored fields by API name (the password by its value, resolved from `secrets`).
    public var values: [SessionField: FieldValue]
    /// The ref of the password in `secrets` (what events carry instead of the password).
    public var passwordRef: String?
    public var resourceName: String?
    public var publicName: String?

    public static func stream(_ id: Int64) -> String { "session-\(id)" }

    public func int(_ field: SessionField) -> Int64? { values[field]?.intValue }
    public func text(_ field: SessionField) -> String? { values[field]?.textValue }
    public var isDeleted: Bool { int(.deleted) == 1 }

    /// `Amazon.com (AS8038V1.2.3.5) - (AS16509V206.126.236.68)`: how ProVision names a session in
    /// messages and communications histories. Absent parts are left empty, as ProVision did.
    public var label: String {
        let source = "AS\(int(.source_asn).map(String.init) ?? "")V\(text(.source_ipaddr) ?? "")"
        let peer = "AS\(int(.peer_asn).map(String.init) ?? "")V\(text(.peer_ipaddr) ?? "")"
        return "\(text(.peer_name) ?? "") (\(source)) - (\(peer))"
    }
}

extension Session {
    /// The SELECT that reads sessions with their password and display names: `id`, `version`,
    /// `password_ref`, `public_name`, `resource_name`, then one column per `SessionField` in
    /// declaration order. Rows are read by index, not by name.
    static let selectSQL =
        "SELECT s.id, s.version, s.password_ref, (SELECT ix.name FROM pdb_ix ix WHERE ix.id = s.public_id), r.name, "
        + SessionField.allCases.map { $0 == .password ? "sec.value" : "s.\($0.column)" }.joined(separator: ", ")
        + " FROM sessions s " + SQLiteLog.joinSecret(as: "sec", ref: "s.password_ref")
        + " LEFT JOIN routers r ON r.id = s.resource_id AND r.removed = 0"

    /// A session from a row selected by `selectSQL`, its columns read by index.
    init(row: Row) throws {
        try self.init(columns: ColumnValues(row: row))
    }

    init(columns: ColumnValues) throws {
        guard let id = columns.int64(0), let version = columns.int64(1) else {
            throw DatabaseError(resultCode: .SQLITE_MISMATCH, message: "a session row without an integer id and version")
        }
        var values: [SessionField: FieldValue] = [:]
        values.reserveCapacity(SessionField.allCases.count)
        for (offset, field) in SessionField.allCases.enumerated() {
            switch columns.value(offset + 5).storage {
            case let .int64(value): values[field] = .int(value)
            case let .string(value): values[field] = .text(value)
            default: values[field] = .null
            }
        }
        self.init(
            id: id, version: version, values: values, passwordRef: columns.text(2), resourceName: columns.text(4),
            publicName: columns.text(3))
    }

    /// One session by id (deleted ones included), or nil. Its columns are read straight from
    /// SQLite (`WriteStatement.firstRow`): every command that changes a session answers with it.
    package static func fetch(_ db: Database, id: Int64) throws -> Session? {
        try byID.firstRow(db, id) { try Session(columns: $0) }
    }

    private static let byID = WriteStatement(selectSQL + " WHERE s.id = ?")
}
