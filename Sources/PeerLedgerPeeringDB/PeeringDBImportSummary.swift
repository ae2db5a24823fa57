import Foundation
public import PeerLedgerDomain

/// What one import did, per object type, and the records it skipped (`--lenient`).
public struct PeeringDBImportSummary: Sendable, Equatable, CustomStringConvertible {
    /// Counts for one object type.
    public struct Counts: Sendable, Equatable {
        public var created = 0, changed = 0, removed = 0, unchanged = 0

        public init(created: Int = 0, changed: Int = 0, removed: Int = 0, unchanged: Int = 0) {
            self.created = created
            self.changed = changed
            self.removed = removed
            self.unchanged = unchanged
        }
    }

    public var counts: [PeeringDBObjectType: Counts] = [:]
    public var eventsAppended = 0
    public var skipped: [PeeringDBIssue] = []

    /// `org 2 created, 0 changed, 0 removed, 0 unchanged; ...; 14 events appended`.
    public var description: String {
        let types = PeeringDBObjectType.allCases.compactMap { type -> String? in
            guard let c = counts[type] else { return nil }
            return "\(type.rawValue) \(c.created) created, \(c.changed) changed, \(c.removed) removed, \(c.unchanged) unchanged"
        }
        var line = (types.isEmpty ? ["nothing to import"] : types).joined(separator: "; ")
        line += "; \(eventsAppended) events appended"
        if !skipped.isEmpty { line += "; \(skipped.count) records skipped" }
        return line
    }
}
