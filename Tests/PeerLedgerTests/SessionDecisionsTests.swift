import PeerLedgerTestSupport
import Testing

@testable import PeerLedgerDomain

/// The session rules, decided on values alone: no ledger, no database, no API.
@Suite("Session decisions")
struct SessionDecisionsTests {
    /// The seed's Amazon.com session at Equinix Ashburn, as the texts a client gives.
    static let amazon: [SessionField: String] = [
        .source_asn: "8038", .source_ipaddr: "1.2.3.5", .resource_id: "422", .peer_asn: "16509", .peer_name: "Amazon.com",
        .peer_participant_id: "1418", .peer_ipaddr: "206.126.236.68", .peer_group: "LAME-PEERS", .public_id: "1", .type: "Peer",
        .prfx_max: "200", .password: "ace12345", .note: "I'm a fancy note.",
    ]

    /// The refusal's message, nil when `body` is let through (any other error is a failure).
    static func refusal(_ body: () throws -> Void) -> String? {
        do {
            try body()
            return nil
        } catch let refusal as Refusal {
            return refusal.message
        } catch {
            Issue.record("not a refusal: \(error)")
            return "\(error)"
        }
    }

    @Test("a new session gets its values parsed, ip_type from its address and the state not configured")
    func newSessionDefaults() throws {
        let values = try SessionDecisions.newSession(Self.amazon)
        #expect(values[.peer_asn] == .int(16509))
        #expect(values[.ip_type] == .text("ipv4"))
        #expect(values[.state] == .text("not configured"))
        #expect(values[.password] == .text("ace12345"))
        var given = Self.amazon
        given[.peer_ipaddr] = "2001:504:0:2::1"
        given[.source_ipaddr] = nil
        #expect(try SessionDecisions.newSession(given)[.ip_type] == .text("ipv6"))
    }

    @Test("a new session without an exchange, a peer ASN or a peer address is refused by name")
    func newSessionNeedsItsRequiredFields() {
        for field in SessionField.requiredToAdd {
            var given = Self.amazon
            given[field] = ""
            #expect(Self.refusal { _ = try SessionDecisions.newSession(given) } == "addSession needs \(field.rawValue)")
        }
    }

    @Test("addresses of two families, or an ip_type that is not the address's, are refused")
    func addressFamiliesMustAgree() {
        var given = Self.amazon
        given[.ip_type] = "ipv6"
        #expect(Self.refusal { _ = try SessionDecisions.newSession(given) } == "peer_ipaddr 206.126.236.68 is an ipv4 address but ip_type is ipv6")
        given = Self.amazon
        given[.source_ipaddr] = "2001:db8::5"
        #expect(
            Self.refusal { _ = try SessionDecisions.newSession(given) }
                == "source_ipaddr 2001:db8::5 is an ipv6 address but peer_ipaddr 206.126.236.68 is ipv4")
    }

    @Test("the event of a new session carries the password's ref, never the password")
    func addedCarriesTheRef() throws {
        let event = SessionDecisions.added(id: 1, values: try SessionDecisions.newSession(Self.amazon), passwordRef: "secret-7")
        #expect(event.sessionID == 1)
        #expect(event.fields["password_ref"] == .text("secret-7"))
        #expect(!event.fields.values.contains(.text("ace12345")))
        #expect(event.fields["peer_name"] == .text("Amazon.com"))
    }

    @Test("an update changes what it names, clears what is empty, and refuses to clear a field a session needs")
    func updatedValues() throws {
        let current = try SessionDecisions.newSession(Self.amazon)
        let next = try SessionDecisions.updatedValues(of: current, given: [.note: "", .prfx_max: "250"])
        #expect(next[.note] == .null)
        #expect(next[.prfx_max] == .int(250))
        #expect(SessionDecisions.changedFields(from: current, to: next) == [.prfx_max, .note])
        #expect(Self.refusal { _ = try SessionDecisions.updatedValues(of: current, given: [.peer_asn: ""]) } == "peer_asn cannot be empty")
        #expect(throws: Refusal.self) { try SessionDecisions.refuseUpdate(ofDeleted: 41, isDeleted: true) }
    }

    @Test("a new peer address without an ip_type brings its own family")
    func aNewAddressBringsItsFamily() throws {
        var given = Self.amazon
        given[.source_ipaddr] = nil
        let current = try SessionDecisions.newSession(given)
        let next = try SessionDecisions.updatedValues(of: current, given: [.peer_ipaddr: "2001:504:0:2::6939:1"])
        #expect(next[.ip_type] == .text("ipv6"))
    }

    @Test("an update that changes nothing appends nothing, but a stale expectation is still a conflict")
    func appendVersion() throws {
        #expect(try SessionDecisions.appendVersion(changes: true, expected: nil, current: 3, stream: "session-41") == 3)
        #expect(try SessionDecisions.appendVersion(changes: true, expected: 2, current: 3, stream: "session-41") == 2)
        #expect(try SessionDecisions.appendVersion(changes: false, expected: nil, current: 3, stream: "session-41") == nil)
        #expect(throws: LedgerError.conflict(stream: "session-41", expected: 2, actual: 3)) {
            try SessionDecisions.appendVersion(changes: false, expected: 2, current: 3, stream: "session-41")
        }
    }

    @Test("one live session per peer address on a router at an exchange")
    func duplicates() throws {
        let slot = try #require(SessionDecisions.slot(of: try SessionDecisions.newSession(Self.amazon)))
        #expect(slot == SessionDecisions.AddressSlot(exchange: 1, address: "206.126.236.68", router: 422))
        #expect(Self.refusal { try SessionDecisions.refuseDuplicate(slot, holder: nil) } == nil)
        #expect(
            Self.refusal { try SessionDecisions.refuseDuplicate(slot, holder: 7) }
                == "peer_ipaddr 206.126.236.68 already has session 7 on router 422 at exchange 1; update or delete that session instead")
    }
}

/// Our view of a peer, decided on values alone.
@Suite("Peer decisions")
struct PeerDecisionsTests {
    /// Amazon.com at Equinix Ashburn as the ledger sees it before an update: never asked, no notes.
    static let amazon = PeerDecisions.LocalState(qualified: nil, markedPeer: false, requestStatus: nil, notes: nil)

    @Test("an update records from and to for each field it changes, and nothing for a field already so")
    func changes() throws {
        let changes = try PeerDecisions.changes(
            Self.amazon, PeerDecisions.Given(qualified: "true", isPeer: "0", requestStatus: "sent", notes: "asked at NANOG"))
        #expect(changes["qualified"] == PeerUpdated.Change(from: .null, to: .bool(true)))
        #expect(changes["request_status"] == PeerUpdated.Change(from: .null, to: .text("sent")))
        #expect(changes["notes_private"] == PeerUpdated.Change(from: .null, to: .text("asked at NANOG")))
        #expect(changes["is_peer"] == nil)
        #expect(changes.count == 3)
    }

    @Test("qualified empty or null hands the peer back to the default rule")
    func qualifiedBackToTheRule() throws {
        var current = Self.amazon
        current.qualified = false
        for text in ["", "null", "NULL"] {
            #expect(try PeerDecisions.changes(current, PeerDecisions.Given(qualified: text))["qualified"]?.to == .null)
        }
    }

    @Test("an unknown request status, a bad flag, or notes given twice are refused by name")
    func refusals() {
        #expect(throws: Refusal("request_status must be one of none, sent, accepted, rejected, got 'maybe'")) {
            try PeerDecisions.changes(Self.amazon, PeerDecisions.Given(requestStatus: "maybe"))
        }
        #expect(throws: Refusal("updatePeer takes notes or notes_private (the same field), not both")) {
            try PeerDecisions.changes(Self.amazon, PeerDecisions.Given(notes: "a", notesPrivate: "b"))
        }
        #expect(throws: Refusal.self) { try PeerDecisions.changes(Self.amazon, PeerDecisions.Given(isPeer: "perhaps")) }
    }
}
