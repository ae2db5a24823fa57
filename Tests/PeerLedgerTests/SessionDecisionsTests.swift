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

    /// The stable code of the refusal `body` throws (nil when it throws none or one without a code).
    static func code(_ body: () throws -> Void) -> Refusal.Code? {
        do {
            try body()
            return nil
        } catch let refusal as Refusal {
            return refusal.code
        } catch {
            Issue.record("not a refusal: \(error)")
            return nil
        }
    }

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
            #expect(Self.code { _ = try SessionDecisions.newSession(given) } == .sessionMissingField)
        }
    }

    @Test("addresses of two families, or an ip_type that is not the address's, are refused")
    func addressFamiliesMustAgree() {
        var given = Self.amazon
        given[.ip_type] = "ipv6"
        #expect(Self.refusal { _ = try SessionDecisions.newSession(given) } == "peer_ipaddr 206.126.236.68 is an ipv4 address but ip_type is ipv6")
        #expect(Self.code { _ = try SessionDecisions.newSession(given) } == .sessionAddressFamilyMismatch)
        given = Self.amazon
        given[.source_ipaddr] = "2001:db8::5"
        #expect(
            Self.refusal { _ = try SessionDecisions.newSession(given) }
                == "source_ipaddr 2001:db8::5 is an ipv6 address but peer_ipaddr 206.126.236.68 is ipv4")
        #expect(Self.code { _ = try SessionDecisions.newSession(given) } == .sessionAddressFamilyMismatch)
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
        #expect(Self.code { _ = try SessionDecisions.updatedValues(of: current, given: [.peer_asn: ""]) } == .sessionFieldEmpty)
        #expect(throws: Refusal("Session 41 is deleted; it cannot be updated", code: .sessionDeleted)) {
            try SessionDecisions.refuseUpdate(ofDeleted: 41, isDeleted: true)
        }
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
        #expect(Self.code { try SessionDecisions.refuseDuplicate(slot, holder: 7) } == .sessionAddressTaken)
    }

    @Test("deleteSession without a criterion is refused rather than deleting every session")
    func deletionNeedsACriterion() throws {
        #expect(throws: Refusal("deleteSession needs at least one criterion (for example id=41); without one it would delete every session, so nothing was deleted", code: .sessionDeletionWithoutCriteria)) {
            try SessionDecisions.refuseDeletionWithoutCriteria(hasCriteria: false)
        }
        try SessionDecisions.refuseDeletionWithoutCriteria(hasCriteria: true)
    }

    @Test("deleteSession deletes each chosen session at the version it must still have, in id order, and refuses when none was chosen")
    func deletionsOfTheChosenSessions() throws {
        let deletions = try SessionDecisions.deletions(of: [(id: 42, version: 3), (id: 7, version: 1)])
        #expect(deletions == [
            SessionDecisions.Deletion(sessionID: 7, expectedVersion: 1), SessionDecisions.Deletion(sessionID: 42, expectedVersion: 3),
        ])
        #expect(deletions.map(\.event) == [SessionDeleted(sessionID: 7), SessionDeleted(sessionID: 42)])
        #expect(throws: Refusal("No sessions found to delete.", code: .sessionDeletionFoundNothing)) { try SessionDecisions.deletions(of: []) }
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
        #expect(throws: Refusal("request_status must be one of none, sent, accepted, rejected, got 'maybe'", code: .peerRequestStatusUnknown)) {
            try PeerDecisions.changes(Self.amazon, PeerDecisions.Given(requestStatus: "maybe"))
        }
        #expect(throws: Refusal("updatePeer takes notes or notes_private (the same field), not both", code: .peerNotesTwice)) {
            try PeerDecisions.changes(Self.amazon, PeerDecisions.Given(notes: "a", notesPrivate: "b"))
        }
        #expect(throws: Refusal.self) { try PeerDecisions.changes(Self.amazon, PeerDecisions.Given(isPeer: "perhaps")) }
    }

    @Test("resetPeerStatus records a reset for a network at the exchange and refuses one that is not there")
    func resetPeerStatus() throws {
        #expect(try PeerDecisions.reset(participant: 1418, exchange: 1, isPresent: true) == PeerStatusReset(participantID: 1418, publicID: 1))
        #expect(throws: Refusal("Could not find peer matching parameters", code: .peerNotFound)) {
            try PeerDecisions.reset(participant: 99999, exchange: 1, isPresent: false)
        }
    }
}

/// A peering request's rules, decided on values alone.
@Suite("Request decisions")
struct RequestDecisionsTests {
    static let amazon = RequestDecisions.Network(participantID: 1418, asn: 16509, name: "Amazon.com")
    static let ours = RequestDecisions.Network(participantID: 2335, asn: 8038, name: "6connect")

    /// A request from us to Amazon.com at Equinix Ashburn, everything found and consistent.
    static let parties = RequestDecisions.Parties(
        publicID: 1, exchangeName: "Equinix Ashburn", peerParticipantID: 1418, peerASN: 16509, peer: amazon,
        sourceParticipantID: 2335, sourceASN: nil, source: ours, peerIsPresent: true)

    @Test("a request whose networks and ASNs agree with the directory gives both networks")
    func consistentParties() throws {
        let (peer, source) = try RequestDecisions.checkParties(Self.parties)
        #expect(peer == Self.amazon)
        #expect(source.asn == 8038)
    }

    @Test("the first of exchange, peer, peer ASN, source, source ASN and presence that does not hold is refused by name")
    func partyRefusals() {
        var noExchange = Self.parties
        noExchange.exchangeName = nil
        noExchange.peer = nil
        #expect(throws: Refusal("No exchange with public_id 1", code: .requestUnknownExchange)) { try RequestDecisions.checkParties(noExchange) }
        var noPeer = Self.parties
        noPeer.peer = nil
        #expect(throws: Refusal("No network with peer_participant_id 1418", code: .requestUnknownNetwork)) { try RequestDecisions.checkParties(noPeer) }
        var wrongASN = Self.parties
        wrongASN.peerASN = 16510
        #expect(throws: Refusal("peer_asn 16510 does not match Amazon.com (peer_participant_id 1418), which is AS16509", code: .requestASNMismatch)) {
            try RequestDecisions.checkParties(wrongASN)
        }
        var noSource = Self.parties
        noSource.source = nil
        #expect(throws: Refusal("No network with source_participant_id 2335", code: .requestUnknownNetwork)) { try RequestDecisions.checkParties(noSource) }
        var wrongSourceASN = Self.parties
        wrongSourceASN.sourceASN = 1
        #expect(throws: Refusal("source_asn 1 does not match 6connect (source_participant_id 2335), which is AS8038", code: .requestASNMismatch)) {
            try RequestDecisions.checkParties(wrongSourceASN)
        }
        var absent = Self.parties
        absent.peerIsPresent = false
        #expect(throws: Refusal("Amazon.com (peer_participant_id 1418) is not present at Equinix Ashburn (public_id 1)", code: .requestPeerAbsent)) {
            try RequestDecisions.checkParties(absent)
        }
    }

    @Test("a second request to a network within the quiet period is refused, naming when the next is allowed")
    func quietPeriod() throws {
        let sent = try #require(Timestamp(parsing: "2014-04-23 10:31:33"))
        let last = RequestDecisions.LastRequest(id: 1, created: "2014-04-23 10:31:33", sentAt: sent)
        #expect(throws: Refusal(
            "A request to Amazon.com (peer_participant_id 1418) already went on 2014-04-23 10:31:33 UTC (request 1); "
                + "another is allowed from 2014-05-23 10:31:33 UTC, or pass force=1 to send it now",
            code: .requestWithinQuietPeriod)) {
            try RequestDecisions.refuseWithinQuietPeriod(
                last: last, now: sent.advanced(bySeconds: 86_400), quietPeriodSeconds: 30 * 86_400, peerName: "Amazon.com",
                peerParticipantID: 1418)
        }
        try RequestDecisions.refuseWithinQuietPeriod(
            last: last, now: sent.advanced(bySeconds: 30 * 86_400), quietPeriodSeconds: 30 * 86_400, peerName: "Amazon.com",
            peerParticipantID: 1418)
        try RequestDecisions.refuseWithinQuietPeriod(
            last: last, now: sent, quietPeriodSeconds: 0, peerName: "Amazon.com", peerParticipantID: 1418)
        try RequestDecisions.refuseWithinQuietPeriod(
            last: nil, now: sent, quietPeriodSeconds: 30 * 86_400, peerName: "Amazon.com", peerParticipantID: 1418)
    }
}
