import Foundation
public import PeerLedger
public import PeerLedgerDomain

/// Turns PeeringDB pages into events: one per object created, changed (with each field from and
/// to) or removed, and none for an object that is as the ledger already has it. All in one
/// transaction: a bad record aborts the whole import (nothing appended) unless `lenient`, in
/// which case it is skipped and reported.
struct PeeringDBImporter {
    let pages: [PeeringDBParsedPage]
    let lenient: Bool
    /// Called now and then with a progress line (the CLI shows it on a terminal only).
    let progress: (@Sendable (String) -> Void)?

    func run(_ transaction: LedgerTransaction) throws -> PeeringDBImportSummary {
        var summary = PeeringDBImportSummary()
        var issues: [PeeringDBIssue] = []

        // 1. Every page was read and each record's shape checked (before the transaction).
        var incoming: [PeeringDBObjectType: (page: PeeringDBParsedPage, records: [PeeringDBRecord])] = [:]
        for page in pages {
            issues += page.issues
            incoming[page.type] = (page, page.records)
        }
        try refuseUnlessLenient(issues)
        transaction.retainsAppended = false

        // 2. What is stored, and which objects are alive once the import is done (for references).
        var stored: [PeeringDBObjectType: [Int64: String]] = [:]
        var alive: [PeeringDBObjectType: Set<Int64>] = [:]
        for type in PeeringDBObjectType.allCases {
            var ids = Set<Int64>()
            if incoming[type] != nil {
                // Only the types being imported need their stored text (to compare); the others, ids.
                let rows = try transaction.storedPeeringDBFields(of: type)
                stored[type] = rows
                ids = Set(rows.keys)
            } else {
                ids = try transaction.storedPeeringDBIDs(of: type)
            }
            if let (page, records) = incoming[type] {
                if page.isSnapshot { ids = [] }
                for record in records { if record.deleted { ids.remove(record.id) } else { ids.insert(record.id) } }
                if page.isSnapshot {
                    // Records skipped for their shape are kept as the ledger had them.
                    for issue in issues where issue.source == page.source {
                        if let id = issue.recordID, stored[type]?[id] != nil { ids.insert(id) }
                    }
                }
            }
            alive[type] = ids
        }

        // 3. References, in dependency order so a skipped record's dependants are skipped too.
        var accepted: [PeeringDBObjectType: [PeeringDBRecord]] = [:]
        var referenceIssues: [PeeringDBIssue] = []
        for type in PeeringDBObjectType.allCases {
            guard let (page, records) = incoming[type] else { continue }
            var kept: [PeeringDBRecord] = []
            kept.reserveCapacity(records.count)
            for record in records {
                if !record.deleted, let index = type.references.indices.first(where: { index in
                    guard let target = record.references[index] else { return false }
                    return !(alive[type.references[index].type]?.contains(target) ?? false)
                }) {
                    let broken = type.references[index]
                    let target = record.references[index] ?? 0
                    referenceIssues.append(PeeringDBIssue(
                        source: page.source, recordID: record.id, field: broken.field,
                        reason: "refers to \(broken.type.rawValue) \(target), which does not exist"))
                    if stored[type]?[record.id] == nil { alive[type]?.remove(record.id) }
                    continue
                }
                kept.append(record)
            }
            accepted[type] = kept
        }
        issues += referenceIssues
        try refuseUnlessLenient(issues)
        summary.skipped = issues

        // 4. Events: creations and changes parents first, removals children first.
        let started = ContinuousClock.now
        var done = 0
        for type in PeeringDBObjectType.allCases {
            guard let (page, records) = incoming[type] else { continue }
            var counts = PeeringDBImportSummary.Counts()
            let storedRows = stored[type] ?? [:]
            for (index, record) in (accepted[type] ?? []).enumerated() where !record.deleted {
                done += 1
                if let progress, (index + 1) % 10_000 == 0 {
                    let elapsed = ContinuousClock.now - started
                    let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
                    progress("\(page.source): \(index + 1) of \(records.count) records applied (\(Int(Double(done) / max(seconds, 0.001))) records/s)")
                }
                let text = record.text
                if let old = storedRows[record.id] {
                    if old == text {
                        counts.unchanged += 1
                        continue
                    }
                    let before = PeeringDBFields.parsingCanonical(old)
                    let after = record.fields
                    var changes: [String: PeeringDBObjectChanged.Change] = [:]
                    for name in Set(before.keys).union(after.keys) {
                        let from = before[name] ?? .null, to = after[name] ?? .null
                        if from != to { changes[name] = .init(from: from, to: to) }
                    }
                    guard !changes.isEmpty else {
                        counts.unchanged += 1
                        continue
                    }
                    try transaction.append(
                        .peeringDBObjectChanged(PeeringDBObjectChanged(objectType: type, objectID: record.id, changes: changes)),
                        to: type.stream(record.id), expecting: try expected(type.stream(record.id), transaction))
                    counts.changed += 1
                } else {
                    try transaction.append(
                        .peeringDBObjectCreated(PeeringDBObjectCreated(objectType: type, objectID: record.id, fields: record.fields)),
                        to: type.stream(record.id), expecting: try expected(type.stream(record.id), transaction))
                    counts.created += 1
                }
            }
            summary.counts[type] = counts
        }
        for type in PeeringDBObjectType.allCases.reversed() {
            guard let (page, records) = incoming[type] else { continue }
            let storedRows = stored[type] ?? [:]
            var removals: [(id: Int64, updated: String?)] = []
            let deletions = records.filter(\.deleted)
            for record in deletions where storedRows[record.id] != nil {
                removals.append((record.id, record.updated))
            }
            if page.isSnapshot {
                let keep = alive[type] ?? []
                let deletedIDs = Set(deletions.map(\.id))
                for id in storedRows.keys.sorted() where !keep.contains(id) && !deletedIDs.contains(id) {
                    removals.append((id, nil))
                }
            }
            for removal in removals {
                try transaction.append(
                    .peeringDBObjectRemoved(PeeringDBObjectRemoved(objectType: type, objectID: removal.id, updated: removal.updated)),
                    to: type.stream(removal.id), expecting: try expected(type.stream(removal.id), transaction))
            }
            summary.counts[type, default: .init()].removed = removals.count
        }
        summary.eventsAppended = transaction.appendedCount
        return summary
    }

    private func expected(_ stream: String, _ transaction: LedgerTransaction) throws -> ExpectedVersion {
        try transaction.version(of: stream).map(ExpectedVersion.exactly) ?? .noStream
    }

    private func refuseUnlessLenient(_ issues: [PeeringDBIssue]) throws {
        guard !issues.isEmpty, !lenient else { return }
        var lines = issues.prefix(20).map(\.description)
        if issues.count > 20 { lines.append("... and \(issues.count - 20) more") }
        throw Refusal("PeeringDB import refused, nothing was changed: " + lines.joined(separator: "; "))
    }
}

extension Ledger {
    /// Imports from `source`: a full snapshot from a folder, or (over HTTP) only what changed since
    /// the newest `updated` already in the ledger, per object type. One transaction.
    public func importPeeringDB(
        from source: any PeeringDBSource, lenient: Bool = false, metadata: EventMetadata,
        progress: (@Sendable (String) -> Void)? = nil
    ) async throws -> PeeringDBImportSummary {
        let marks = try await peeringDBSyncMarks()
        var pages: [PeeringDBParsedPage] = []
        for type in PeeringDBObjectType.allCases {
            // Parsed one at a time, so only one page's bytes are held at once.
            guard let page = try await source.page(type, since: marks[type]) else { continue }
            let parsed = page.parsed()
            progress?("\(parsed.source): \(parsed.records.count) records read")
            pages.append(parsed)
        }
        guard !pages.isEmpty else {
            throw Refusal("No PeeringDB data found (expected \(PeeringDBObjectType.allCases.map(\.fileName).joined(separator: ", "))); nothing was changed")
        }
        let importer = PeeringDBImporter(pages: pages, lenient: lenient, progress: progress)
        return try await write(metadata) { transaction in try importer.run(transaction) }
    }
}
