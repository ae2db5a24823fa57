import Crypto
import Foundation
import GRDB
import PeerLedgerDomain

/// Applies events to every projection, in a fixed order, and rebuilds them all from the log.
enum Projector {
    /// Order matters: a later projection may read what an earlier one wrote for the same event.
    static let projections: [any Projection] = [
        SessionsProjection(), PeerLogProjection(), PeeringDBProjection(), PeersProjection(), RoutersProjection(),
        SessionRouterStateProjection(), RequestsProjection(), WebhooksProjection(),
    ]

    static func apply(_ event: LedgerEvent, _ recorded: RecordedEvent, _ db: Database) throws {
        for projection in projections {
            try projection.apply(event, recorded, db)
        }
    }

    /// Runs `body`, a replay of a stretch of the log in order (a rebuild, a catch-up, or the
    /// events after a snapshot for `as_of`), with `apply` that writes less than applying each
    /// event in turn and leaves the same rows once `body` returns: each session's run of observed
    /// states, updates and deletion is held back and written once (`SessionChangeBuffer`),
    /// PeeringDB's sync marks once per type (`PeeringDBProjection.holdingSyncMarks`).
    static func replaying<T>(
        _ db: Database, holdingAtMost heldSessions: Int = SessionChangeBuffer.defaultLimit,
        _ body: (_ apply: (LedgerEvent, RecordedEvent, Prepared?) throws -> Void) throws -> T
    ) throws -> T {
        let held = SessionChangeBuffer(limit: heldSessions)
        return try PeeringDBProjection.holdingSyncMarks(db) {
            let result = try body { event, recorded, prepared in try apply(event, recorded, prepared, db, holding: held) }
            try held.flushAll(db)
            return result
        }
    }

    /// What a replay works out for an event from the event alone, before it applies it: on the
    /// read-ahead thread when the log is read ahead (`EventPrefetcher`), so that the applying
    /// thread, the one a replay waits for, is left the writes. The same values as `apply` works
    /// out for itself, by the same functions.
    struct Prepared {
        /// A created PeeringDB object's fields as `peeringdb_objects` stores them
        /// (`PeeringDBProjection.fieldsText`: a scan of the payload, a sixth of a realistic log).
        var peeringDBFields: String?

        init(_ event: LedgerEvent, _ recorded: RecordedEvent) {
            if case let .peeringDBObjectCreated(created) = event {
                peeringDBFields = PeeringDBProjection.fieldsText(of: created, recorded)
            }
        }

        private init(peeringDBFields: String) {
            self.peeringDBFields = peeringDBFields
        }

        /// An event read for a replay, with what is prepared for it. A created PeeringDB object
        /// whose payload is canonical is read in one scan (`CanonicalFieldsText.created`): its
        /// stored text taken as it stands and, of its fields, only `updated`, the one field a
        /// replay reads of it (`PeeringDBProjection.create`, the only projection of its type),
        /// instead of every field decoded into a dictionary and freed again. Any other event is
        /// decoded whole.
        static func decode(_ recorded: RecordedEvent) throws -> (event: LedgerEvent, prepared: Prepared) {
            if createdGoesToPeeringDBAlone, recorded.type == PeeringDBObjectCreated.type,
                recorded.schemaVersion == PeeringDBObjectCreated.schemaVersion,
                let scanned = CanonicalFieldsText.created(from: recorded.payload)
            {
                var fields: PeeringDBFields = [:]
                if let updated = scanned.updated { fields["updated"] = .text(updated) }
                let created = PeeringDBObjectCreated(objectType: scanned.objectType, objectID: scanned.objectID, fields: fields)
                return (.peeringDBObjectCreated(created), Prepared(peeringDBFields: scanned.fields))
            }
            let event = try LedgerEvent(recorded)
            return (event, Prepared(event, recorded))
        }

        /// True while the PeeringDB projection is the only one acting on a created object (an
        /// event read by `decode` carries only the fields it reads).
        static let createdGoesToPeeringDBAlone = acting[typeIndex(of: .peeringDBObjectCreated(
            PeeringDBObjectCreated(objectType: .net, objectID: 0, fields: [:])))].allSatisfy { $0 is PeeringDBProjection }
    }

    /// A replay's `apply`: an event that may join its session's held run is held there, and the
    /// projections it does not stand in for apply it; the history line of a held update or
    /// deletion is written from the session's label, which the run leaves as it is. Any other
    /// event of a session first writes that session's run. Each event goes only to the
    /// projections that act on its type (`acting`); a created PeeringDB object is written with
    /// the fields prepared for it.
    private static func apply(
        _ event: LedgerEvent, _ recorded: RecordedEvent, _ prepared: Prepared?, _ db: Database, holding held: SessionChangeBuffer
    ) throws {
        let type = typeIndex(of: event)
        if case let .peeringDBObjectCreated(created) = event, let fields = prepared?.peeringDBFields {
            for projection in acting[type] {
                guard projection is PeeringDBProjection else { try projection.apply(event, recorded, db); continue }
                try PeeringDBProjection().create(created, recorded, fields: fields, db)
            }
            return
        }
        guard let session = event.sessionID else { return try apply(event, recorded, db, acting[type]) }
        guard event.joinsHeldRun else {
            try held.flush(session: session, db)
            held.forgetLabel(of: session)
            return try apply(event, recorded, db, acting[type])
        }
        try held.hold(event, session: session, recorded, db)
        if case .sessionStateObserved = event {
            return try apply(event, recorded, db, actingBesideRouterState[type])
        }
        if let line = PeerLogProjection.sessionLine(of: event), let label = try held.label(of: session, db) {
            try PeerLogProjection.writeSessionLine(db, verb: line.verb, session: session, label: label, recorded)
        }
        try apply(event, recorded, db, actingBesideSessionsAndLog[type])
    }

    /// Applies the event with each of `projections` in turn.
    private static func apply(_ event: LedgerEvent, _ recorded: RecordedEvent, _ db: Database, _ projections: [any Projection]) throws {
        for projection in projections { try projection.apply(event, recorded, db) }
    }

    /// For each event type (`typeIndex`), the projections that act on it (`Projection.eventTypes`),
    /// in `projections` order: a replay hands an event to those only, not to all eight (most
    /// events concern one or two). The same for the two lists a held event goes to.
    static let acting = byType(projections)
    static let actingBesideRouterState = byType(projectionsBesideRouterState)
    static let actingBesideSessionsAndLog = byType(projectionsBesideSessionsAndLog)

    private static func byType(_ projections: [any Projection]) -> [[any Projection]] {
        LedgerEvent.typeNames.map { type in projections.filter { $0.eventTypes.contains(type) } }
    }

    /// The index of the event's type in `LedgerEvent.typeNames`, whose order is the cases' order
    /// (`ProjectionDispatchTests` checks it for every type).
    static func typeIndex(of event: LedgerEvent) -> Int {
        switch event {
        case .sessionAdded: 0
        case .sessionUpdated: 1
        case .sessionDeleted: 2
        case .apiKeyCreated: 3
        case .apiKeyRevoked: 4
        case .peeringDBObjectCreated: 5
        case .peeringDBObjectChanged: 6
        case .peeringDBObjectRemoved: 7
        case .ownNetworkSet: 8
        case .peerStatusReset: 9
        case .peerUpdated: 10
        case .routerAdded: 11
        case .routerRemoved: 12
        case .sessionConfigurationRequested: 13
        case .sessionConfigurationApplied: 14
        case .sessionConfigurationFailed: 15
        case .sessionStateObserved: 16
        case .peeringRequestSent: 17
        case .peeringRequestDelivered: 18
        case .peeringRequestDeliveryFailed: 19
        case .peeringRequestFailedPermanently: 20
        case .peeringRequestAnswered: 21
        case .webhookSubscribed: 22
        case .webhookUnsubscribed: 23
        case .webhookDisabled: 24
        case .userCreated: 25
        case .userDisabled: 26
        case .userPasswordChanged: 27
        case .routerDriftObserved: 28
        case .logVerified: 29
        }
    }

    /// Every projection but the ones a replay stands in for: for an observed state, the router
    /// state projection (`SessionChangeBuffer`); for an update or a deletion, the sessions
    /// projection (the buffer) and the history (its line written from the label).
    static let projectionsBesideRouterState = projections.filter { !($0 is SessionRouterStateProjection) }
    static let projectionsBesideSessionsAndLog = projections.filter { !($0 is SessionsProjection || $0 is PeerLogProjection) }

    /// Records that every projection has applied the log up to `position`.
    /// One statement for all of them (it runs once per command, so one upsert of every row beats
    /// one statement per projection).
    static func checkpoint(_ db: Database, position: Int64) throws {
        var values: [DatabaseValue] = []
        values.reserveCapacity(projections.count * 3)
        for projection in projections {
            values += [projection.name.databaseValue, projection.version.databaseValue, position.databaseValue]
        }
        try checkpointStatement.execute(db, values: values)
    }

    static let checkpointSQL = """
        INSERT INTO projection_state (name, version, position) VALUES \(projections.map { _ in "(?, ?, ?)" }.joined(separator: ", "))
        ON CONFLICT (name) DO UPDATE SET version = excluded.version, position = excluded.position
        """
    private static let checkpointStatement = WriteStatement(checkpointSQL)

    /// What the projections need before they answer for the log: nothing, the events after the
    /// position they stand at (appended log first: `Ledger.appendLogFirst`, or by a process that
    /// stopped before its catch-up), or a rebuild (a projection's stored version differs from the
    /// code's, or one is missing or stands elsewhere than the others).
    enum Need: Equatable {
        case nothing
        case catchUp(after: Int64)
        case rebuild
    }

    static func need(_ db: Database) throws -> Need {
        let last = try Ledger.headPosition(db)
        let stored = try Dictionary(
            Row.fetchAll(db, sql: "SELECT name, version, position FROM projection_state").map {
                (row: Row) in (row["name"] as String, (version: row["version"] as Int, position: row["position"] as Int64))
            }, uniquingKeysWith: { first, _ in first })
        guard !stored.isEmpty else { return last > 0 ? .rebuild : .nothing }
        let positions = Set(projections.map { stored[$0.name]?.position })
        guard projections.allSatisfy({ stored[$0.name]?.version == $0.version }), positions.count == 1,
            let position = positions.first ?? nil, position <= last
        else { return .rebuild }
        return position == last ? .nothing : .catchUp(after: position)
    }

    /// Brings the projections level with the log (`need`): rebuilds them or applies the events
    /// they lack. Runs inside the caller's write transaction; returns how many events it applied.
    @discardableResult
    static func bringUpToDate(_ db: Database, prefetchFrom reader: (any DatabaseReader)? = nil) throws -> Int64 {
        switch try need(db) {
        case .nothing: return 0
        case let .catchUp(after: position): return try catchUp(db, after: position, prefetchFrom: reader)
        case .rebuild: return try rebuild(db, prefetchFrom: reader)
        }
    }

    /// The position every projection stands at (`catchUpProjections`, `projectionLag`; a command
    /// reads the same in its head query, `LedgerTransaction.init`).
    static func projectedPosition(_ db: Database) throws -> Int64 {
        try Int64.fetchOne(db.cachedStatement(sql: "SELECT COALESCE(MIN(position), 0) FROM projection_state")) ?? 0
    }

    /// Applies the events after `position`, which the projections stand at, as a rebuild replays
    /// them (session runs held, history lines held and written in key order), and records the
    /// new position. Runs inside the caller's write transaction, which must not have appended
    /// anything yet when `reader` is given (the reader sees committed events only).
    static func catchUp(_ db: Database, after position: Int64, prefetchFrom reader: (any DatabaseReader)? = nil) throws -> Int64 {
        let head = try Ledger.headPosition(db)
        guard head > position else { return 0 }
        let replayed = try PeerLog.staging(db) {
            try replaying(db) { apply in try replay(db, after: position, upTo: head, prefetchFrom: reader, apply) }
        }
        try checkpoint(db, position: head)
        return replayed.count
    }

    /// Empties every projection table and applies the whole log again, streaming it (the log is
    /// never held in memory). Runs inside the caller's transaction. With `prefetchFrom`, a
    /// connection of the same pool, events are read and decoded on another thread while this one
    /// applies them (`EventPrefetcher`).
    /// `holdingAtMost` bounds the sessions whose changes are held back (`SessionChangeBuffer`),
    /// `historyBytes` the history lines held before they are written (`StagedHistory`); `timing`
    /// records how long each phase took.
    static func rebuild(
        _ db: Database, upTo limit: Int64? = nil, prefetchFrom reader: (any DatabaseReader)? = nil,
        holdingAtMost heldSessions: Int = SessionChangeBuffer.defaultLimit, historyBytes: Int = StagedHistory.defaultLimit,
        timing phases: PhaseClock? = nil
    ) throws -> Int64 {
        for projection in projections {
            for table in projection.tables {
                try db.execute(sql: "DELETE FROM \(table.name)")
            }
        }
        try db.execute(sql: "DELETE FROM projection_state")
        // Secondary indexes are dropped for the replay and built again once at the end (a sort
        // and a bottom-up build instead of one random insert per row); no `apply` reads by them.
        let indexes = try secondaryIndexes(db)
        for index in indexes { try db.execute(sql: "DROP INDEX \(index.name.quotedDatabaseIdentifier)") }
        phases?.end("empty the projections and drop their indexes")
        let replayed = try PeerLog.staging(db, limitBytes: historyBytes) {
            let result = try replaying(db, holdingAtMost: heldSessions) { apply in
                defer { phases?.end("replay the log") }
                return try replay(db, after: 0, upTo: limit, prefetchFrom: reader, apply)
            }
            phases?.end("write the held sessions and sync marks")
            return result
        }
        phases?.end("sort and write the history")
        for index in indexes { try db.execute(sql: index.sql) }
        if replayed.count > 0 { try checkpoint(db, position: replayed.last) }
        phases?.end("build the indexes")
        return replayed.count
    }

    /// Applies the log after position `start` up to `limit` in order with `apply` (read ahead on
    /// another thread when `reader` is given); returns how many events and the last position.
    private static func replay(
        _ db: Database, after start: Int64, upTo limit: Int64?, prefetchFrom reader: (any DatabaseReader)?,
        _ apply: (LedgerEvent, RecordedEvent, Prepared?) throws -> Void
    ) throws -> (count: Int64, last: Int64) {
        var count: Int64 = 0
        var last: Int64 = 0
        if let reader {
            let prefetcher = EventPrefetcher(reader: reader, after: start, upTo: limit ?? Int64.max)
            defer { prefetcher.cancel() }
            while let chunk = try prefetcher.next() {
                // Each event is read through the chunk's buffer rather than iterated by value
                // (a copy per element retained and released every string of every event twice).
                try chunk.withUnsafeBufferPointer { events in
                    for index in events.indices { try apply(events[index].event, events[index].recorded, events[index].prepared) }
                }
                count += Int64(chunk.count)
                last = chunk.last?.recorded.position ?? last
                prefetcher.giveBack(consume chunk)
            }
            return (count, last)
        }
        try RecordedEvent.forEachReplayed(db, after: start, upTo: limit ?? Int64.max) { recorded in
            try apply(LedgerEvent(recorded), recorded, nil)
            count += 1
            last = recorded.position
        }
        return (count, last)
    }

    /// The indexes of projection tables that are not their primary key, with their SQL text.
    static func secondaryIndexes(_ db: Database) throws -> [(name: String, sql: String)] {
        let tables = projections.flatMap { $0.tables.map(\.name) }
        return try Row.fetchAll(
            db,
            sql: """
                SELECT name, sql FROM sqlite_master
                WHERE type = 'index' AND sql IS NOT NULL AND tbl_name IN (\(tables.map { _ in "?" }.joined(separator: ", ")))
                ORDER BY name
                """,
            arguments: StatementArguments(tables)
        ).map { (name: $0[0], sql: $0[1]) }
    }

    /// Feeds one column value with its kind and length, straight from its bytes (formatting each
    /// value as a debug description took a quarter of `peerledger rebuild`).
    private static func hash(_ value: DatabaseValue, into hasher: inout SHA256) {
        func feed(_ text: String) {
            var text = text
            text.withUTF8 { hasher.update(bufferPointer: UnsafeRawBufferPointer($0)) }
        }
        switch value.storage {
        case .null: feed("\u{1F}N")
        case let .int64(number): feed("\u{1F}i\(number)")
        case let .double(number): feed("\u{1F}d\(number)")
        case let .string(text): feed("\u{1F}s\(text.utf8.count):"); feed(text)
        case let .blob(data): feed("\u{1F}b\(data.count):"); hasher.update(data: data)
        }
    }

    /// SHA-256 over every projection row, table by table in a fixed order: equal checksums mean
    /// equal projections.
    static func checksum(_ db: Database) throws -> String {
        var hasher = SHA256()
        for projection in projections {
            for table in projection.tables {
                try hashRows(of: table, schema: "main", db, into: &hasher)
            }
        }
        return hasher.finalize().hexString
    }

    /// SHA-256 over one projection table's rows (`schema` names an attached database).
    static func checksum(of table: (name: String, order: String), schema: String, _ db: Database) throws -> String {
        var hasher = SHA256()
        try hashRows(of: table, schema: schema, db, into: &hasher)
        return hasher.finalize().hexString
    }

    private static func hashRows(
        of table: (name: String, order: String), schema: String, _ db: Database, into hasher: inout SHA256
    ) throws {
        hasher.update(data: Array("\u{1E}\(table.name)".utf8))
        let cursor = try Row.fetchCursor(db, sql: "SELECT * FROM \(schema).\(table.name) ORDER BY \(table.order)")
        while let row = try cursor.next() {
            for value in row.databaseValues { hash(value, into: &hasher) }
            hasher.update(data: [0x1E])
        }
    }
}

