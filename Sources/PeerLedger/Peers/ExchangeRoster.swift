import Foundation
import GRDB
import PeerLedgerDomain
import Synchronization

/// Who is present at an exchange, from PeeringDB alone (each member's net, parsed, and whether
/// it has an IPv4 / IPv6 address there), kept between reads: getPeers after a write (the
/// read-answer cache emptied) read and scanned 1,000 address records and 1,000 nets again,
/// though a write of a session or a peer status changes none of them.
///
/// An entry is anchored to the log: the position it was read at and that event's hash. The hash
/// chain makes the hash stand for the whole log up to there, so the entry is the PeeringDB state
/// of any ledger (this one, another process's, a point-in-time copy) whose log holds that event
/// with that hash, as long as no event that changes PeeringDB objects (its type starts with
/// `PeeringDB`, or it is on a `pdb-` stream) came after it, up to the position the reader's
/// projections stand at. Anything else (no anchor, a different hash, a PeeringDB event since, or
/// more than `reach` events since) reads the roster anew. Our status with each member (peer
/// status, sessions) is never kept: it is read on every call.
public final class ExchangeRoster: Sendable {
    public static let shared = ExchangeRoster()
    /// At most this many exchanges are kept (emptied when full).
    static let capacity = 64
    /// Farther than this many events from the anchor, the roster is read again rather than the
    /// events in between checked.
    static let reach: Int64 = 10_000

    /// One network present at the exchange.
    struct Member: Sendable {
        var netID: Int64
        var net: ParsedNet
        var hasIPv4: Bool
        var hasIPv6: Bool
    }

    /// A roster and the log position (with that event's hash) it holds for.
    private struct Entry: Sendable {
        var position: Int64
        var hash: String
        var members: [Member]
    }

    private let entries = Mutex<[Int64: Entry]>([:])

    /// The members of `exchange` as the reader's snapshot sees them (`position`: where its
    /// projections stand), or nil when an address record is not in `ExchangeMembers`' shape.
    func members(_ db: Database, exchange: Int64, position: Int64) throws -> [Member]? {
        let kept = entries.withLock { $0[exchange] }
        if let kept, try Self.stillValid(db, anchor: kept.position, hash: kept.hash, position: position) {
            // Anchored again here, so the next check looks only at the events after this one.
            if kept.position < position, let hash = try Self.hash(db, at: position) {
                keep(Entry(position: position, hash: hash, members: kept.members), for: exchange)
            }
            return kept.members
        }
        guard let members = try ExchangeMembers.roster(db, exchange: exchange) else { return nil }
        if let hash = try Self.hash(db, at: position) {
            keep(Entry(position: position, hash: hash, members: members), for: exchange)
        }
        return members
    }

    /// Keeps `entry` unless a reader on a newer snapshot already anchored one further on.
    private func keep(_ entry: Entry, for exchange: Int64) {
        entries.withLock { entries in
            if let kept = entries[exchange], kept.position > entry.position { return }
            if entries[exchange] == nil, entries.count >= Self.capacity { entries.removeAll(keepingCapacity: true) }
            entries[exchange] = entry
        }
    }

    /// True when this snapshot's log holds the anchor event with `hash` and no event that changes
    /// PeeringDB objects follows it up to `position`.
    static func stillValid(_ db: Database, anchor: Int64, hash: String, position: Int64) throws -> Bool {
        guard anchor <= position, position - anchor <= reach, try Self.hash(db, at: anchor) == hash else { return false }
        guard anchor < position else { return true }
        return try !SQLiteLog.changesPeeringDB(db, after: anchor, through: position)
    }

    static func hash(_ db: Database, at position: Int64) throws -> String? {
        try SQLiteLog.hash(db, at: position)
    }

    /// Forgets every roster (tests; the benchmark's reads after a PeeringDB change).
    public func removeAll() {
        entries.withLock { $0.removeAll() }
    }

    /// The position the roster of `exchange` is anchored at (for tests).
    func anchor(of exchange: Int64) -> Int64? { entries.withLock { $0[exchange]?.position } }

    /// How many exchanges are kept now (for tests).
    var count: Int { entries.withLock { $0.count } }
}
