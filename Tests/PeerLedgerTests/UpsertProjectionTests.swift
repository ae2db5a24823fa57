import Foundation
import GRDB
import PeerLedgerTestSupport
import Testing

@testable import PeerLedger
@testable import PeerLedgerDomain

/// Observed BGP states and peer status resets are applied as one upsert each: a new row must
/// start as "insert, then update" left it, and a known row must keep what the event does not set.
@Suite struct UpsertProjectionTests {
    static func append(_ ledger: Ledger, _ event: LedgerEvent, to stream: String) throws {
        _ = try ledger.writeNow(EventMetadata(actor: "test")) { tx in try tx.append(event, to: stream, expecting: .any) }
    }

    @Test func anObservedStateStartsARowOffTheRouterAndLaterKeepsItsRouterAndPush() throws {
        let ledger = try Ledger.inMemory()
        let observed = SessionStateObserved(sessionID: 41, routerID: 7, state: "active", prefixesReceived: nil, lastError: "Connect")
        try Self.append(ledger, .sessionStateObserved(observed), to: "session-41")
        let first = try #require(try ledger.readNow { db in try SessionRouterState.fetch(db, session: 41) })
        #expect(first.routerID == 7 && !first.onRouter && first.lastPush == nil)
        #expect(first.bgpState == "active" && first.prefixesReceived == nil && first.lastError == "Connect")

        try Self.append(ledger, .sessionConfigurationApplied(.init(sessionID: 41, routerID: 7, operation: .configure)), to: "session-41")
        // An observation naming another router changes the state it reports, not the row's router or push.
        let later = SessionStateObserved(sessionID: 41, routerID: 9, state: "established", prefixesReceived: 12, lastError: nil)
        try Self.append(ledger, .sessionStateObserved(later), to: "session-41")
        let second = try #require(try ledger.readNow { db in try SessionRouterState.fetch(db, session: 41) })
        #expect(second.routerID == 7 && second.onRouter && second.lastPush == "applied")
        #expect(second.bgpState == "established" && second.prefixesReceived == 12 && second.lastError == nil)
        #expect(try ledger.rebuild().matches)
    }

    @Test func aResetPeerClearsItsStatusAndKeepsItsNotes() throws {
        let ledger = try Ledger.inMemory()
        try Self.append(ledger, .peerStatusReset(.init(participantID: 262, publicID: 1)), to: "peer-262@1")
        let row = { (participant: Int64) in
            try ledger.readNow { db in
                try Row.fetchOne(
                    db, sql: "SELECT version, request_status, qualified, marked_peer, notes_private FROM peer_status WHERE participant_id = ?",
                    arguments: [participant])
            }
        }
        #expect(try row(262) == ["version": 1, "request_status": "none", "qualified": nil, "marked_peer": 0, "notes_private": nil])

        try Self.append(
            ledger,
            .peerUpdated(.init(participantID: 300, publicID: 1, changes: [
                "qualified": .init(from: .null, to: .bool(true)), "is_peer": .init(from: .bool(false), to: .bool(true)),
                "request_status": .init(from: .null, to: .text("accepted")), "notes_private": .init(from: .null, to: .text("call Bob")),
            ])), to: "peer-300@1")
        try Self.append(ledger, .peerStatusReset(.init(participantID: 300, publicID: 1)), to: "peer-300@1")
        #expect(try row(300) == ["version": 2, "request_status": "none", "qualified": nil, "marked_peer": 0, "notes_private": "call Bob"])
        #expect(try ledger.rebuild().matches)
    }
}
