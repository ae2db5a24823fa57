import GRDB
import GRDBSQLite
import PeerLedgerDomain

/// Every member of an exchange with its full PeeringDB net, read in two narrow passes instead of
/// one query that had SQLite parse each address record's JSON five times and group the result:
/// the exchange's netixlan texts (through their `ix_id` index) are scanned here for `net_id` and
/// whether each address is set, then the nets are read by id. Net texts are compared with
/// `ParsedNetCache` byte for byte as SQLite hands them over, never copied into a String. That
/// roster is kept between reads (`ExchangeRoster`); our status with each member is read on every
/// call. Gives the same peers as `PeerDirectory.queriedMembers` (`PeerAnswerTests`).
enum ExchangeMembers {
    /// The members of `exchange` with our status, or nil when an address record is not in the
    /// canonical shape this reader knows (the caller then uses the general query).
    static func read(_ db: Database, exchange: Int64, withSessions: Set<Int64>) throws -> [Peer]? {
        let position = try ProjectionState.position(db)
        guard let roster = try ExchangeRoster.shared.members(db, exchange: exchange, position: position) else { return nil }
        guard !roster.isEmpty else { return [] }
        // Our status with each member, by key (peer_status has no index by exchange alone).
        let ids = JSONBytes.intArray(roster.map(\.netID))
        var statuses: [Int64: (requestStatus: String?, qualified: Bool?, markedPeer: Bool, notes: String?)] = [:]
        let rows = try Row.fetchCursor(
            db.cachedStatement(
                sql: """
                    SELECT ps.participant_id, ps.request_status, ps.qualified, ps.marked_peer, ps.notes_private
                    FROM json_each(?) j CROSS JOIN peer_status ps ON ps.participant_id = j.value AND ps.public_id = ?
                    """), arguments: [ids, exchange])
        while let row = try rows.next() {
            statuses[row[0]] = (row[1], row[2], row[3], row[4])
        }
        return roster.map { member in
            let status = statuses[member.netID]
            return Peer(
                netID: member.netID, parsedNet: member.net, exchange: exchange, requestStatus: status?.requestStatus,
                qualifiedOverride: status?.qualified, markedPeer: status?.markedPeer ?? false, notesPrivate: status?.notes,
                hasSession: withSessions.contains(member.netID), hasIPv4: member.hasIPv4, hasIPv6: member.hasIPv6)
        }
    }

    /// Who is present at `exchange` (PeeringDB alone), in the API's order (name bytes, then id);
    /// nil when an address record is not in the canonical shape.
    static func roster(_ db: Database, exchange: Int64) throws -> [ExchangeRoster.Member]? {
        // 1. Which networks are present, and in which address families.
        var families: [Int64: (v4: Bool, v6: Bool)] = [:]
        var order: [Int64] = []
        let addresses = try db.cachedStatement(
            sql: "SELECT fields FROM peeringdb_objects WHERE type = 'netixlan' AND json_extract(fields, '$.ix_id') = ?")
        try addresses.setArguments([exchange])
        let cursor = try Row.fetchCursor(addresses)
        while try cursor.next() != nil {
            guard let record = NetixlanRecord(text: columnBytes(addresses, 0)) else { return nil }
            if let known = families[record.netID] {
                families[record.netID] = (known.v4 || record.hasIPv4, known.v6 || record.hasIPv6)
            } else {
                families[record.netID] = (record.hasIPv4, record.hasIPv6)
                order.append(record.netID)
            }
        }
        guard !order.isEmpty else { return [] }

        // 2. Their nets, by id (a network without its net record is not a member, as in the join).
        let ids = JSONBytes.intArray(order)
        let nets = try db.cachedStatement(
            sql: """
                SELECT n.id, n.fields FROM json_each(?) j CROSS JOIN peeringdb_objects n ON n.type = 'net' AND n.id = j.value
                """)
        try nets.setArguments([ids])
        var members: [ExchangeRoster.Member] = []
        members.reserveCapacity(order.count)
        let rows = try Row.fetchCursor(nets)
        while let row = try rows.next() {
            let id: Int64 = row[0]
            let family = families[id] ?? (false, false)
            members.append(
                ExchangeRoster.Member(
                    netID: id, net: ParsedNetCache.shared.net(id: id, text: columnBytes(nets, 1)), hasIPv4: family.v4,
                    hasIPv6: family.v6))
        }
        return members.sorted { a, b in
            a.net.nameBytes == b.net.nameBytes ? a.netID < b.netID : a.net.nameBytes.lexicographicallyPrecedes(b.net.nameBytes)
        }
    }

    /// The bytes of a text column of the current row, valid until the statement steps again.
    static func columnBytes(_ statement: Statement, _ column: Int32) -> UnsafeRawBufferPointer {
        let pointer = sqlite3_column_text(statement.sqliteStatement, column)
        let count = Int(sqlite3_column_bytes(statement.sqliteStatement, column))
        guard let pointer, count > 0 else { return UnsafeRawBufferPointer(start: nil, count: 0) }
        return UnsafeRawBufferPointer(start: pointer, count: count)
    }
}

/// What getPeers needs of one netixlan's canonical text: its `net_id` and whether `ipaddr4` and
/// `ipaddr6` are set (present, not null, not empty), as `pdb_netixlan`'s
/// `ipaddr4 IS NOT NULL AND ipaddr4 <> ''` reads them.
struct NetixlanRecord: Equatable {
    var netID: Int64
    var hasIPv4: Bool
    var hasIPv6: Bool

    /// Nil unless `text` is a flat JSON object with an integer `net_id`.
    init?(text: UnsafeRawBufferPointer) {
        var netID: Int64?
        var hasIPv4 = false, hasIPv6 = false
        let scanned = FlatJSONObject.scan(text) { key, value in
            if FlatJSONObject.equal(key, "net_id") {
                netID = FlatJSONObject.integer(value)
            } else if FlatJSONObject.equal(key, "ipaddr4") {
                hasIPv4 = FlatJSONObject.isSetText(value)
            } else if FlatJSONObject.equal(key, "ipaddr6") {
                hasIPv6 = FlatJSONObject.isSetText(value)
            }
        }
        guard scanned, let netID else { return nil }
        self.init(netID: netID, hasIPv4: hasIPv4, hasIPv6: hasIPv6)
    }

    init(netID: Int64, hasIPv4: Bool, hasIPv6: Bool) {
        self.netID = netID
        self.hasIPv4 = hasIPv4
        self.hasIPv6 = hasIPv6
    }
}

/// The top-level members of a JSON object whose values are all scalars (strings, numbers, true,
/// false, null), as raw byte slices: enough to pick a few members out of a PeeringDB canonical
/// text without building a value for each.
enum FlatJSONObject {
    /// Calls `member` with each member's raw key (between its quotes) and raw value (a string with
    /// its quotes). False when the text is not such an object (nested values included).
    static func scan(
        _ text: UnsafeRawBufferPointer, _ member: (UnsafeRawBufferPointer, UnsafeRawBufferPointer) -> Void
    ) -> Bool {
        let count = text.count
        var index = 0
        func skipSpace() {
            while index < count, text[index] == 0x20 || text[index] == 0x0A || text[index] == 0x0D || text[index] == 0x09 {
                index += 1
            }
        }
        var escaped = false
        /// Past a string whose opening quote is at `index` (`escaped` says whether it holds an
        /// escape); false when it does not end.
        func skipString() -> Bool {
            escaped = false
            index += 1
            while index < count {
                switch text[index] {
                case UInt8(ascii: "\""):
                    index += 1
                    return true
                case UInt8(ascii: "\\"):
                    escaped = true
                    index += 2
                default: index += 1
                }
            }
            return false
        }
        skipSpace()
        guard index < count, text[index] == UInt8(ascii: "{") else { return false }
        index += 1
        skipSpace()
        if index < count, text[index] == UInt8(ascii: "}") { return true }
        while true {
            skipSpace()
            guard index < count, text[index] == UInt8(ascii: "\"") else { return false }
            let keyStart = index + 1
            // A key written with escapes is not compared raw: not this reader's shape.
            guard skipString(), !escaped else { return false }
            let key = UnsafeRawBufferPointer(rebasing: text[keyStart..<index - 1])
            skipSpace()
            guard index < count, text[index] == UInt8(ascii: ":") else { return false }
            index += 1
            skipSpace()
            guard index < count else { return false }
            let valueStart = index
            switch text[index] {
            case UInt8(ascii: "\""):
                guard skipString() else { return false }
            case UInt8(ascii: "{"), UInt8(ascii: "["), UInt8(ascii: ","), UInt8(ascii: "}"):
                return false
            default:
                while index < count, text[index] != UInt8(ascii: ","), text[index] != UInt8(ascii: "}"),
                    text[index] != 0x20, text[index] != 0x0A, text[index] != 0x0D, text[index] != 0x09
                {
                    index += 1
                }
            }
            member(key, UnsafeRawBufferPointer(rebasing: text[valueStart..<index]))
            skipSpace()
            guard index < count else { return false }
            if text[index] == UInt8(ascii: "}") {
                index += 1
                skipSpace()
                return index == count
            }
            guard text[index] == UInt8(ascii: ",") else { return false }
            index += 1
        }
    }

    static func equal(_ raw: UnsafeRawBufferPointer, _ name: StaticString) -> Bool {
        name.withUTF8Buffer { expected in raw.count == expected.count && raw.elementsEqual(expected) }
    }

    /// A JSON integer (no fraction or exponent) that fits Int64; nil for anything else.
    static func integer(_ raw: UnsafeRawBufferPointer) -> Int64? {
        guard !raw.isEmpty, raw.count <= 20 else { return nil }
        var index = 0
        let negative = raw[0] == UInt8(ascii: "-")
        if negative { index = 1 }
        guard index < raw.count else { return nil }
        // JSON allows no leading zero ("01").
        if raw[index] == UInt8(ascii: "0"), raw.count > index + 1 { return nil }
        var value: Int64 = 0
        while index < raw.count {
            let digit = raw[index]
            guard digit >= UInt8(ascii: "0"), digit <= UInt8(ascii: "9") else { return nil }
            let (shifted, overflow1) = value.multipliedReportingOverflow(by: 10)
            let (next, overflow2) =
                negative
                ? shifted.subtractingReportingOverflow(Int64(digit - UInt8(ascii: "0")))
                : shifted.addingReportingOverflow(Int64(digit - UInt8(ascii: "0")))
            guard !overflow1, !overflow2 else { return nil }
            value = next
            index += 1
        }
        return value
    }

    /// True for any value but `null` and the empty string `""`.
    static func isSetText(_ raw: UnsafeRawBufferPointer) -> Bool {
        !(equal(raw, "null") || equal(raw, "\"\""))
    }
}
