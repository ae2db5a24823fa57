import Foundation
import Testing

@testable import PeerLedger
@testable import PeerLedgerAPIv1
@testable import PeerLedgerDomain
import PeerLedgerTestSupport
@testable import PeerLedgerPeeringDB

/// The one table of documented parameters (`ParameterTable`) against the dispatcher and against
/// docs/api.md: every documented parameter is accepted with its example, every required one is
/// needed, and the Markdown lists exactly the table.
@Suite("Every documented parameter of every action")
struct ParameterTableTests {
    /// The seed's world: the PeeringDB fixture (Equinix Ashburn; 6connect AS8038 as ours, 1&1
    /// Internet AS8560, Akamai AS20940, Amazon.com AS16509), ar1.inoc.com (resource 422) behind a
    /// router in memory, and, unless told otherwise, the seed's Amazon.com session as session 1,
    /// all at the moment the table's `as_of` and `created` examples name.
    struct World {
        let t: TestLedger
        let api: APIv1

        init(withSession: Bool) async throws {
            t = try TestLedger(start: "2014-04-07 11:32:37")
            try await t.importPeeringDB(try PeeringDBFixture())
            try t.ledger.setOwnNetwork(asn: 8038, metadata: EventMetadata(actor: "test"))
            try registerAR1(t.ledger)
            api = APIv1(
                ledger: t.ledger, routers: FakeRouter(),
                requests: PeeringRequestSettings(
                    ourParticipantID: 2335, sender: try Mailbox(parsing: "Operations <ops@6connect.com>", field: "sender")))
            if withSession {
                let added = try await call(
                    "peering", "addSession",
                    Dictionary(uniqueKeysWithValues: ParameterTable.parameters(target: "peering", action: "addSession")
                        .filter { $0.name != "idempotency_key" }.map { ($0.name, $0.example) }))
                guard added.succeeded else { throw Refusal("the world's session was refused: \(added.message)") }
            }
        }

        func call(_ target: String, _ action: String, _ values: [String: String]) async throws -> APIAnswer {
            let pairs = [("target", target), ("action", action)] + values.sorted { $0.key < $1.key }
            return await api.call(try Parameters(pairs.map { (name: $0.0, value: $0.1) }), actor: "noc")
        }
    }

    /// What a call of `action` carries besides the parameter under test: its required
    /// parameters, and what the action needs to do something (a session to delete, a dry run
    /// instead of a push, a stream to read).
    static func base(_ action: DocumentedAction) -> [String: String] {
        var values = Dictionary(uniqueKeysWithValues: action.parameters.filter(\.isRequired).map { ($0.name, $0.example) })
        switch action.name {
        case "deleteSession": values["id"] = "1"
        case "configureSession": values["dry_run"] = "1"
        case "getHistory": values["session"] = "1"
        default: break
        }
        return values
    }

    /// The calls that may answer success:0 with their example, and why: a criterion the seed's
    /// session does not meet (no prefixes have been observed from Amazon.com) finds nothing to
    /// delete, which is not a refusal of the parameter.
    static let expectedNotFound: [String: String] = ["deleteSession prfx_received": "No sessions found to delete."]

    @Test("each documented parameter, given its example, is accepted by the dispatcher (one fresh world per call)")
    func everyParameterIsAccepted() async throws {
        var notSucceeded: [String: String] = [:]
        var calls = 0
        for action in ParameterTable.actions {
            for parameter in action.parameters {
                let world = try await World(withSession: action.name != "addSession")
                var values = Self.base(action)
                if action.name == "getHistory", parameter.name == "stream" { values["session"] = nil }
                values[parameter.name] = parameter.example
                let answer = try await world.call(action.target, action.name, values)
                calls += 1
                #expect(
                    !answer.message.contains("does not take parameter"),
                    "\(action.target)/\(action.name) refused its documented \(parameter.name): \(answer.message)")
                if !answer.succeeded {
                    notSucceeded["\(action.name) \(parameter.name)"] = answer.message
                    #expect(
                        !answer.message.contains(parameter.name),
                        "\(action.name) refused \(parameter.name)=\(parameter.example): \(answer.message)")
                }
            }
        }
        #expect(notSucceeded == Self.expectedNotFound)
        #expect(calls == ParameterTable.actions.map(\.parameters.count).reduce(0, +))
    }

    @Test("each required parameter is needed: without it the call is refused, naming it")
    func requiredParametersAreNeeded() async throws {
        let world = try await World(withSession: true)
        var checked = 0
        for action in ParameterTable.actions {
            for parameter in action.parameters where parameter.isRequired {
                var values = Self.base(action)
                values[parameter.name] = nil
                let before = try world.t.eventCount()
                let answer = try await world.call(action.target, action.name, values)
                #expect(!answer.succeeded, "\(action.name) without \(parameter.name) was accepted")
                #expect(answer.message.contains(parameter.name), "\(action.name) without \(parameter.name): \(answer.message)")
                #expect(try world.t.eventCount() == before)
                checked += 1
            }
        }
        // getSessions, addSession (3), updateSession, configureSession, getCommunications,
        // resetPeerStatus (2), updatePeer (2), sendRequest (11), sendEmail (2).
        #expect(checked == 24)
    }

    @Test("a parameter outside the table is refused as one the action does not take, and an invalid example would be caught")
    func outsideTheTableIsRefused() async throws {
        let world = try await World(withSession: true)
        let misspelt = try await world.call("peering", "addSession", ["public_id": "1", "peer_asn": "16509", "peer_ipaddr": "206.126.236.69", "peer_gruop": "LAME-PEERS"])
        #expect(misspelt.message == "addSession does not take parameter peer_gruop")
        // The refusal the acceptance test looks for does name the parameter.
        let invalid = try await world.call("peering", "getSessions", ["public_id": "1", "prfx_max": "-200"])
        #expect(!invalid.succeeded)
        #expect(invalid.message.contains("prfx_max"))
        // configureSession records every attempt: an idempotency key is not among its parameters.
        let keyed = try await world.call("peering", "configureSession", ["session_id": "1", "dry_run": "1", "idempotency_key": "k-1"])
        #expect(keyed.message == "configureSession does not take parameter idempotency_key")
    }

    @Test("the table and the dispatcher know the same actions, each parameter once, each with an example")
    func tableMatchesDispatcher() throws {
        let api = APIv1(ledger: try Ledger.inMemory())
        let dispatched = Set(
            APIv1.targets.flatMap { target, actions in actions.keys.map { "\(target)/\($0)" } }
                + api.requestActions.keys.map { "peering/\($0)" })
        let documented = ParameterTable.actions.map { "\($0.target)/\($0.name)" }
        #expect(Set(documented) == dispatched)
        #expect(documented.count == dispatched.count)
        #expect(dispatched.count == 15)
        for action in ParameterTable.actions {
            let names = action.parameters.map(\.name)
            #expect(Set(names).count == names.count, "\(action.name) lists a parameter twice")
            #expect(Set(names).isDisjoint(with: Action.envelope), "\(action.name) lists an envelope parameter")
            for parameter in action.parameters {
                #expect(!parameter.example.isEmpty && !parameter.meaning.isEmpty, "\(action.name) \(parameter.name)")
                #expect(!parameter.meaning.contains("|") && !parameter.example.contains("`"), "\(action.name) \(parameter.name) breaks the Markdown table")
            }
            let dispatcher = APIv1.targets[action.target]?[action.name] ?? api.requestActions[action.name]
            #expect(dispatcher?.parameters == action.accepted, "\(action.name)")
        }
        // The router-aware deleteSession takes the optimistic-concurrency check the docs promise.
        #expect(APIv1.targets["peering"]?["deleteSession"]?.parameters.contains("expected_version") == true)
    }

    @Test("docs/api.md lists exactly the table: every action and parameter, required or not, example and meaning")
    func documentationMatchesTable() throws {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("docs/api.md")
        let text = try String(contentsOf: url, encoding: .utf8)
        let documented = Self.rows(inMarkdown: text)
        let expected = ParameterTable.actions.flatMap { action in
            action.parameters.map { Row(target: action.target, action: action.name, parameter: $0) }
        }
        if documented != expected {
            // Kept after the run (outside the scratch folder) so the tables can be copied in.
            let written = FileManager.default.temporaryDirectory.appendingPathComponent("peerledger-api-tables.md")
            try Self.markdown().write(to: written, atomically: true, encoding: .utf8)
            let missing = expected.filter { !documented.contains($0) }.prefix(10).map(\.description)
            let extra = documented.filter { !expected.contains($0) }.prefix(10).map(\.description)
            Issue.record(
                """
                docs/api.md differs from ParameterTable; the tables it should hold are in \(written.path)
                missing from docs/api.md: \(missing)
                not in ParameterTable: \(extra)
                """)
        }
        #expect(documented.count == expected.count)
    }

    struct Row: Equatable, CustomStringConvertible {
        var target, action, name, required, example, meaning: String

        init(target: String, action: String, name: String, required: String, example: String, meaning: String) {
            (self.target, self.action, self.name, self.required, self.example, self.meaning) = (target, action, name, required, example, meaning)
        }

        init(target: String, action: String, parameter: DocumentedParameter) {
            self.init(
                target: target, action: action, name: parameter.name, required: parameter.isRequired ? "yes" : "no",
                example: parameter.example, meaning: parameter.meaning)
        }

        var description: String { "\(target)/\(action) \(name) \(required) `\(example)` \(meaning)" }
    }

    /// The parameter rows of docs/api.md: under a `## target=T` heading and a `### action`
    /// heading, rows `` | `name` | yes | `example` | meaning | ``. Tables elsewhere are prose.
    static func rows(inMarkdown text: String) -> [Row] {
        var target = "", action = ""
        var rows: [Row] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
            if line.hasPrefix("## ") {
                target = line.hasPrefix("## target=") ? String(line.dropFirst("## target=".count)).trimmingCharacters(in: .whitespaces) : ""
                action = ""
            }
            if line.hasPrefix("### ") { action = String(line.dropFirst(4)).trimmingCharacters(in: .whitespaces) }
            guard !target.isEmpty, !action.isEmpty, line.hasPrefix("| `") else { continue }
            let cells = line.split(separator: "|", omittingEmptySubsequences: false).dropFirst().dropLast()
                .map { $0.trimmingCharacters(in: .whitespaces) }
            guard cells.count == 4 else {
                rows.append(Row(target: target, action: action, name: line, required: "", example: "", meaning: ""))
                continue
            }
            func code(_ cell: String) -> String { cell.hasPrefix("`") && cell.hasSuffix("`") ? String(cell.dropFirst().dropLast()) : cell }
            rows.append(Row(target: target, action: action, name: code(cells[0]), required: cells[1], example: code(cells[2]), meaning: cells[3]))
        }
        return rows
    }

    /// The tables as docs/api.md shows them (printed when the two differ).
    static func markdown() -> String {
        var out = ""
        var target = ""
        for action in ParameterTable.actions {
            if action.target != target {
                target = action.target
                out += "## target=\(target)\n\n"
            }
            out += "### \(action.name)\n\n| parameter | required | example | meaning |\n|---|---|---|---|\n"
            for p in action.parameters {
                out += "| `\(p.name)` | \(p.isRequired ? "yes" : "no") | `\(p.example)` | \(p.meaning) |\n"
            }
            out += "\n"
        }
        return out
    }
}
