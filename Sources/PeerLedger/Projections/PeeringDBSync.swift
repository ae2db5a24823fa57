import GRDB
public import PeerLedgerDomain

/// What the PeeringDB import (an edge, in PeerLedgerPeeringDB) reads of the ledger: the stored
/// objects, to compare incoming records with, and where the incremental sync starts.
extension LedgerTransaction {
    /// Every stored object of `type`: its id and canonical fields text, as this transaction sees them.
    public func storedPeeringDBFields(of type: PeeringDBObjectType) throws -> [Int64: String] {
        try PeeringDBQueries.storedFields(of: type, db)
    }

    /// The ids of every stored object of `type`, as this transaction sees them.
    public func storedPeeringDBIDs(of type: PeeringDBObjectType) throws -> Set<Int64> {
        try PeeringDBQueries.ids(of: type, db)
    }
}

extension Ledger {
    /// The incremental sync's starting points: per type, the newest `updated` seen, as Unix
    /// seconds (what PeeringDB's `since` takes).
    public func peeringDBSyncMarks() async throws -> [PeeringDBObjectType: Int64] {
        try await read { db in try PeeringDBQueries.syncMarks(db) }
    }
}

extension PeeringDBQueries {
    /// The sync marks as `peeringDBSyncMarks` gives them (moments the projection cannot read are left out).
    static func syncMarks(_ db: GRDB.Database) throws -> [PeeringDBObjectType: Int64] {
        var marks: [PeeringDBObjectType: Int64] = [:]
        for mark in try storedSyncMarks(db) {
            guard let type = PeeringDBObjectType(rawValue: mark.type), let moment = Timestamp(parsing: mark.updated) else { continue }
            marks[type] = moment.millis / 1000
        }
        return marks
    }
}
