import GRDB
import PeerLedgerDomain

/// Typed reads of projection tables that integrations need, so a router poller or the PeeringDB
/// import reads through a query (values out) instead of naming projection tables itself.
enum SessionQueries {
    /// A live session on a router, as a poll matches it to a neighbor: its id, peer address and
    /// state.
    struct OnRouter: Sendable, Equatable {
        var id: Int64
        var peerAddress: String
        var state: String
    }

    /// Every live session of `router`.
    static func live(onRouter router: Int64, _ db: Database) throws -> [OnRouter] {
        try Row.fetchAll(
            db.cachedStatement(sql: "SELECT id, peer_ipaddr, state FROM sessions WHERE resource_id = ? AND deleted = 0"),
            arguments: [router]
        ).map { row in OnRouter(id: row[0], peerAddress: row[1], state: row[2]) }
    }
}

enum PeeringDBQueries {
    /// Every stored object of `type`: its id and canonical fields text.
    static func storedFields(of type: PeeringDBObjectType, _ db: Database) throws -> [Int64: String] {
        var rows: [Int64: String] = [:]
        let cursor = try Row.fetchCursor(db, sql: "SELECT id, fields FROM peeringdb_objects WHERE type = ?", arguments: [type.rawValue])
        while let row = try cursor.next() { rows[row[0]] = row[1] }
        return rows
    }

    /// The ids of every stored object of `type`.
    static func ids(of type: PeeringDBObjectType, _ db: Database) throws -> Set<Int64> {
        Set(try Int64.fetchAll(db, sql: "SELECT id FROM peeringdb_objects WHERE type = ?", arguments: [type.rawValue]))
    }

    /// Per type, the newest `updated` time seen, as the projection stores it.
    static func storedSyncMarks(_ db: Database) throws -> [(type: String, updated: String)] {
        try Row.fetchAll(db, sql: "SELECT type, updated FROM peeringdb_sync").map { row in (row["type"], row["updated"]) }
    }
}

enum RouterQueries {
    /// The id of the live router named `name`, if one is registered.
    static func liveRouter(named name: String, _ db: Database) throws -> Int64? {
        try Int64.fetchOne(db, sql: "SELECT id FROM routers WHERE name = ? AND removed = 0", arguments: [name])
    }
}
