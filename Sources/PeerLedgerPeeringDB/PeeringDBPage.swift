public import PeerLedgerDomain
/// One PeeringDB API answer for one object type (`{"data":[...],"meta":{...}}`), as a file of a
/// folder import or the body of an HTTP response, before anything is checked.
public struct PeeringDBPage: Sendable {
    public var type: PeeringDBObjectType
    /// Where it came from (`net.json`, or the URL), for messages.
    public var source: String
    public var bytes: [UInt8]
    /// True when the page lists every live object of its type, so an object missing from it was
    /// deleted upstream; false for an incremental (`since`) answer.
    public var isSnapshot: Bool

    public init(type: PeeringDBObjectType, source: String, bytes: [UInt8], isSnapshot: Bool) {
        self.type = type
        self.source = source
        self.bytes = bytes
        self.isSnapshot = isSnapshot
    }
}

/// Where PeeringDB data comes from: a folder of files, or the PeeringDB API over HTTP (in the
/// PeerLedgerPeeringDB target, so the core carries no HTTP client).
public protocol PeeringDBSource: Sendable {
    /// The page for `type`, holding objects updated at or after `since` (Unix seconds) when the
    /// source can ask for that, or nil when the source has no data for the type.
    func page(_ type: PeeringDBObjectType, since: Int64?) async throws -> PeeringDBPage?
}

/// One record of a page, checked against its type's fields, kept compact (a full import holds
/// about 160,000 of them): the tracked fields as canonical JSON text, and the ids it refers to.
struct PeeringDBRecord: Sendable {
    var id: Int64
    var deleted: Bool
    /// Canonical JSON of the tracked fields (what the projection stores, compared by text).
    var text: String
    /// The targets of the type's `references`, in the same order (nil: no reference given).
    var references: [Int64?]
    var updated: String?

    var fields: PeeringDBFields { PeeringDBFields.parsingCanonical(text) }
}

/// A page read and checked, its bytes let go.
struct PeeringDBParsedPage: Sendable {
    var type: PeeringDBObjectType
    var source: String
    var isSnapshot: Bool
    var records: [PeeringDBRecord]
    var issues: [PeeringDBIssue]
}

/// A record the import could not take, with the file, the record id and the field named.
public struct PeeringDBIssue: Error, Sendable, Equatable, CustomStringConvertible {
    public var source: String
    public var recordID: Int64?
    public var field: String?
    public var reason: String

    public var description: String {
        var parts = [source]
        if let recordID { parts.append("record \(recordID)") }
        if let field { parts.append("field \(field)") }
        return parts.joined(separator: ": ") + ": " + reason
    }
}

extension PeeringDBPage {
    /// Reads and checks every record. A page that is not PeeringDB's shape is one issue for the
    /// whole file; otherwise each bad record is one issue and the good ones are returned.
    func parsed() -> PeeringDBParsedPage {
        let (records, issues) = records()
        return PeeringDBParsedPage(type: type, source: source, isSnapshot: isSnapshot, records: records, issues: issues)
    }

    func records() -> (records: [PeeringDBRecord], issues: [PeeringDBIssue]) {
        let layout = type.layout
        var scanner = PeeringDBScanner(bytes: bytes)
        var records: [PeeringDBRecord] = []
        var issues: [PeeringDBIssue] = []
        var seen: [Int64: Int] = [:]
        var duplicated = Set<Int64>()
        do {
            let sawData = try scanner.scanPage(wanted: layout.slots) { position, element in
                switch record(element, index: position, layout: layout) {
                case let .success(record):
                    if let first = seen[record.id] {
                        issues.append(PeeringDBIssue(
                            source: source, recordID: record.id, field: "id",
                            reason: "duplicate id (records \(first + 1) and \(position + 1) of the page)"))
                        duplicated.insert(record.id)
                        return
                    }
                    seen[record.id] = position
                    records.append(record)
                case let .failure(issue):
                    issues.append(issue)
                }
            }
            guard sawData else {
                return ([], [PeeringDBIssue(source: source, reason: #"not a PeeringDB page: expected {"data": [...]}"#)])
            }
        } catch {
            return ([], [PeeringDBIssue(source: source, reason: "malformed JSON: \(error.description)")])
        }
        // A duplicated id makes both records suspect: keep neither.
        if !duplicated.isEmpty { records.removeAll { duplicated.contains($0.id) } }
        return (records, issues)
    }

    private func record(
        _ element: PeeringDBScanner.Element, index: Int, layout: PeeringDBObjectType.Layout
    ) -> Result<PeeringDBRecord, PeeringDBIssue> {
        guard case let .object(values) = element else {
            return .failure(PeeringDBIssue(source: source, reason: "record \(index + 1) of the page is not an object"))
        }
        guard let idValue = values[layout.idSlot] else {
            return .failure(PeeringDBIssue(source: source, field: "id", reason: "record \(index + 1) of the page has no id"))
        }
        guard case let .value(.int(id)) = idValue, id >= 1 else {
            return .failure(PeeringDBIssue(
                source: source, field: "id",
                reason: "record \(index + 1) of the page: id must be a positive integer, got \(idValue.description)"))
        }
        func issue(_ field: String?, _ reason: String) -> Result<PeeringDBRecord, PeeringDBIssue> {
            .failure(PeeringDBIssue(source: source, recordID: id, field: field, reason: reason))
        }
        var deleted = false
        switch values[layout.statusSlot] {
        case nil, .value(.null): break
        case let .value(.text(status)): deleted = status == "deleted"
        case let other?: return issue("status", "must be text, got \(other.description)")
        }
        // The tracked fields in name order: the canonical text is written as they are checked.
        var fields: [(String, PeeringDBValue)] = []
        fields.reserveCapacity(layout.sortedFields.count)
        for (name, kind, slot, range) in layout.sortedFields {
            let scanned = values[slot]
            if deleted, scanned == nil || scanned.map({ if case .value(.null) = $0 { true } else { false } }) == true { continue }
            guard case let .value(value) = scanned ?? .value(.null) else {
                return issue(name, "must be \(kind.description), got \(scanned?.description ?? "")")
            }
            switch (kind, value) {
            case (.int, .int(let number)), (.optionalInt, .int(let number)):
                if let range, !range.contains(number) {
                    return issue(name, "must be from \(range.lowerBound) to \(range.upperBound), got \(number)")
                }
            case (.bool, .bool), (.optionalBool, .bool):
                break
            case (.text, .text(let text)), (.optionalText, .text(let text)):
                if text.utf8.contains(0) { return issue(name, "contains a NUL character") }
            case (.optionalInt, .null), (.optionalText, .null), (.optionalBool, .null):
                break
            case (_, .null):
                return issue(name, scanned == nil ? "is missing" : "must not be null")
            default:
                return issue(name, "must be \(kind.description), got \(value.json.serialized())")
            }
            fields.append((name, value))
        }
        let references = layout.referenceSlots.map { slot -> Int64? in
            if case let .value(.int(target)) = values[slot] { return target }
            return nil
        }
        var updated: String?
        if case let .value(.text(text)) = values[layout.updatedSlot] { updated = text }
        return .success(PeeringDBRecord(
            id: id, deleted: deleted, text: PeeringDBFields.canonicalText(sorted: fields), references: references,
            updated: updated))
    }
}

extension PeeringDBObjectType.Kind: CustomStringConvertible {
    public var description: String {
        switch self {
        case .int, .optionalInt: return "an integer"
        case .text, .optionalText: return "text"
        case .bool, .optionalBool: return "true or false"
        }
    }
}
