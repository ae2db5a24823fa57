import GRDB
import PeerLedgerDomain

/// A session and the router it is configured on, read together before a push: the typed reads
/// the router edge (pushes, the poller) makes of the sessions, routers and router-state projections.
package struct PushTarget: Sendable {
    package var session: Session
    package var router: BGPRouter
    package var storedPassword: String?

    static func load(_ db: Database, sessionID id: Int64) throws -> PushTarget {
        guard let session = try Session.fetch(db, id: id) else { throw Refusal("No session with id \(id)") }
        guard !session.isDeleted else { throw Refusal("Session \(id) is deleted; it cannot be configured", code: .sessionDeleted) }
        guard let routerID = session.int(.resource_id) else {
            throw Refusal("Session \(id) has no resource_id: set the router it belongs to with updateSession", code: .sessionNoRouter)
        }
        guard let router = try BGPRouter.fetch(db, id: routerID) else {
            throw Refusal("resource_id \(routerID) of session \(id) is not a registered router (peerledger routers add --id \(routerID) ...)", code: .routerUnknown)
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

    static func storedPassword(_ db: Database, _ router: BGPRouter) throws -> String? {
        guard let ref = router.access.passwordRef else { return nil }
        return try SQLiteLog.secret(db, ref: ref)
    }
}

extension LedgerReader {
    /// The session to configure and its router, refused with a reason when it cannot be pushed
    /// (no such session, deleted, no router or an unknown one).
    package func pushTarget(sessionID id: Int64) throws -> PushTarget { try PushTarget.load(db, sessionID: id) }

    /// The session's router when its neighbor was pushed there and not removed since.
    package func pushTargetOnRouter(_ session: Session) throws -> PushTarget? { try PushTarget.onRouter(db, session: session) }

    /// The router's SSH password, from the secrets kept apart from the log, when one is stored.
    package func storedPassword(of router: BGPRouter) throws -> String? { try PushTarget.storedPassword(db, router) }

    /// Every live session on `router`: its id, peer address and state, as a poll matches them to
    /// the neighbors it reads.
    package func liveSessions(onRouter router: Int64) throws -> [SessionOnRouter] { try SessionQueries.live(onRouter: router, db) }

    /// What was pushed to and last observed on `router`, by session id.
    package func routerStates(router: Int64) throws -> [Int64: SessionRouterState] { try SessionRouterState.all(db, router: router) }

    /// The id of the live router named `name`, if one is registered.
    package func liveRouter(named name: String) throws -> Int64? { try RouterQueries.liveRouter(named: name, db) }
}
