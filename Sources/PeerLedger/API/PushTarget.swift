import GRDB
import PeerLedgerDomain

/// A session and the router it is configured on, read together before a push.
struct PushTarget: Sendable {
    var session: Session
    var router: BGPRouter
    var storedPassword: String?

    static func load(_ db: Database, sessionID id: Int64) throws -> PushTarget {
        guard let session = try Session.fetch(db, id: id) else { throw Refusal("No session with id \(id)") }
        guard !session.isDeleted else { throw Refusal("Session \(id) is deleted; it cannot be configured") }
        guard let routerID = session.int(.resource_id) else {
            throw Refusal("Session \(id) has no resource_id: set the router it belongs to with updateSession")
        }
        guard let router = try BGPRouter.fetch(db, id: routerID) else {
            throw Refusal("resource_id \(routerID) of session \(id) is not a registered router (peerledger routers add --id \(routerID) ...)")
        }
        return PushTarget(session: session, router: router, storedPassword: try storedPassword(db, router))
    }

    /// The session's router when its neighbor was pushed there and not removed since.
    static func onRouter(_ db: Database, session: Session) throws -> PushTarget? {
        guard let state = try SessionRouterState.fetch(db, session: session.id), state.onRouter,
            let router = try BGPRouter.fetch(db, id: state.routerID)
        else { return nil }
        return PushTarget(session: session, router: router, storedPassword: try storedPassword(db, router))
    }

    /// The peer groups of the router's other live sessions, by session id.
    static func peerGroups(_ db: Database, router: Int64, except session: Int64) throws -> [(session: Int64, group: String)] {
        try Row.fetchAll(
            db,
            sql: """
                SELECT id, peer_group FROM sessions
                WHERE resource_id = ? AND deleted = 0 AND id != ? AND peer_group IS NOT NULL AND peer_group != ''
                ORDER BY id
                """,
            arguments: [router, session]
        ).map { row in (row["id"], row["peer_group"]) }
    }

    static func storedPassword(_ db: Database, _ router: BGPRouter) throws -> String? {
        guard let ref = router.access.passwordRef else { return nil }
        return try SQLiteLog.secret(db, ref: ref)
    }
}
