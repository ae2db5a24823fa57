public import Foundation
public import PeerLedger
import PeerLedgerAPIv1
public import PeerLedgerDomain
import PeerLedgerPeeringDB

/// A recorded scenario (see Replays/README.md): API calls with the exact answers they must give,
/// run against a fresh in-memory ledger with a fixed clock and fixed ids.
public struct ReplayScenario: Sendable {
    public struct Step: Sendable {
        /// The call as a client sends it, form-encoded (`target=peering&action=...`).
        public var call: String
        /// Moves the clock before the call (UTC), so answers and histories show that time.
        public var at: Timestamp?
        public var actor: String
        public var idempotencyKey: String?
        /// The answer the call must give, compared as JSON (object member order does not matter).
        public var answer: JSON
        /// Instead of a call: data to load first (a PeeringDB fixture, our own network).
        public var setup: Setup?
    }

    /// A step that prepares the ledger rather than calling the API.
    public enum Setup: Sendable {
        /// `{"peeringdb": "fixtures/equinix-ashburn/"}`: import a folder of PeeringDB pages,
        /// relative to the scenario's folder.
        case peeringdb(String)
        /// `{"self": 8038}`: configure our own network by its ASN.
        case own(asn: Int64)
    }

    public var name: String
    public var description: String
    public var start: Timestamp
    public var steps: [Step]
    /// Event types the log must hold afterwards, in order (when given).
    public var expectedEventTypes: [String]?
    /// The folder setup paths are relative to (the scenario's own folder).
    public var folder: URL?
    /// Exchanges, networks and contacts the request actions may name (`directory`), standing in
    /// for PeeringDB data.
    public var directory: FixedPeeringDirectory?

    /// Reads a scenario file's JSON, refusing anything malformed with the step and field named.
    public init(name: String, json: JSON) throws(Refusal) {
        self.name = name
        description = json["description"]?.stringValue ?? ""
        guard let startText = json["start"]?.stringValue, let start = Timestamp(parsing: startText) else {
            throw Refusal("\(name): start must be a time such as \"2014-04-07 11:32:37\"")
        }
        self.start = start
        guard let steps = json["steps"]?.arrayValue else { throw Refusal("\(name): steps must be an array") }
        self.steps = try steps.enumerated().map { index, step throws(Refusal) in
            if let path = step["peeringdb"]?.stringValue {
                return Step(call: "", actor: "replay", answer: .null, setup: .peeringdb(path))
            }
            if let given = step["self"] {
                guard let asn = given.intValue, (1...4_294_967_295).contains(asn) else {
                    throw Refusal("\(name): step \(index + 1): self must be an AS number from 1 to 4294967295")
                }
                return Step(call: "", actor: "replay", answer: .null, setup: .own(asn: asn))
            }
            guard let call = step["call"]?.stringValue else { throw Refusal("\(name): step \(index + 1) has no call") }
            guard let answer = step["answer"] else { throw Refusal("\(name): step \(index + 1) has no answer") }
            var at: Timestamp?
            if let atText = step["at"]?.stringValue {
                guard let moment = Timestamp(parsing: atText) else { throw Refusal("\(name): step \(index + 1) has a bad at") }
                at = moment
            }
            return Step(
                call: call, at: at, actor: step["actor"]?.stringValue ?? "replay",
                idempotencyKey: step["idempotency_key"]?.stringValue, answer: answer, setup: nil)
        }
        directory = try json["directory"].map { value throws(Refusal) in try FixedPeeringDirectory(json: value) }
        expectedEventTypes = try json["events"].map { value throws(Refusal) in
            guard let types = value.arrayValue?.compactMap(\.stringValue) else {
                throw Refusal("\(name): events must be an array of event type names")
            }
            return types
        }
    }

    public static func load(contentsOf url: URL) throws -> ReplayScenario {
        let text = try String(contentsOf: url, encoding: .utf8)
        var scenario = try ReplayScenario(name: url.lastPathComponent, json: JSON.parse(text))
        scenario.folder = url.deletingLastPathComponent()
        return scenario
    }

    /// Runs every step and returns one description per mismatch (empty: the scenario holds).
    /// With `record`, an empty log of record (PostgreSQL), the ledger follows it: every command
    /// is committed there and decided on the ledger's copy, and the answers must be the same.
    public func run(following record: (any LogOfRecord)? = nil) async throws -> [String] {
        let clock = SteppingClock(start: start, stepMillis: 0)
        let ledger = try Ledger.inMemory(clock: clock, ids: SequentialIDs(prefix: "replay"))
        if let record { try await ledger.follow(record) }
        let api = APIv1(
            ledger: ledger, requests: PeeringRequestSettings(directory: directory.map { $0 as any PeeringDirectory } ?? ProjectedPeeringDirectory()))
        var mismatches: [String] = []
        for (index, step) in steps.enumerated() {
            if let at = step.at { clock.set(at) }
            if let setup = step.setup {
                do {
                    switch setup {
                    case let .peeringdb(path):
                        let base = folder ?? URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
                        _ = try await ledger.importPeeringDB(
                            from: PeeringDBFolder(path: base.appendingPathComponent(path).path),
                            metadata: EventMetadata(actor: step.actor))
                    case let .own(asn):
                        try ledger.setOwnNetwork(asn: asn, metadata: EventMetadata(actor: step.actor))
                    }
                } catch {
                    mismatches.append("step \(index + 1): setup \(setup) failed: \(error)")
                }
                continue
            }
            let answer: APIAnswer
            do {
                let parameters = try Parameters(formEncoded: step.call)
                answer = await api.handle(
                    APIRequest(
                        parameters: parameters, actor: step.actor, requestID: "\(name)#\(index + 1)",
                        idempotencyKey: step.idempotencyKey))
            } catch {
                answer = .failure(error.message)
            }
            if answer.body != step.answer {
                mismatches.append("""
                    step \(index + 1): \(step.call)
                    expected: \(step.answer.pretty())
                    actual:   \(answer.body.pretty())
                    """)
            }
        }
        if let expected = expectedEventTypes {
            let actual = try await ledger.read { db in try AuditQuery().events(db).map(\.type) }
            if actual != expected {
                mismatches.append("events: expected \(expected), got \(actual)")
            }
        }
        let report = try ledger.verify()
        if !report.isValid { mismatches.append("hash chain: \(report.summary)") }
        if let record {
            let ours = try await ledger.read { db in try AuditQuery().events(db) }
            let theirs = try record.tail(after: 0, limit: Int.max).events
            if theirs != ours {
                mismatches.append("the log of record holds \(theirs.count) events, the ledger's copy \(ours.count); they differ")
            }
        }
        let rebuilt = try ledger.rebuild()
        if !rebuilt.matches { mismatches.append("projections differ after a rebuild from the log") }
        return mismatches
    }
}
