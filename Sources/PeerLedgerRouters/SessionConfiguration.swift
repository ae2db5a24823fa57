package import PeerLedger
package import PeerLedgerDomain

/// The steps every face takes to configure a session on its router: the configuration rendered
/// for the router's platform (the peer group checked against the router's other sessions), and
/// the dry run's difference from what the router runs. APIv1's configureSession and APIv2's
/// configuration resources both call these, so both answer alike.
package enum SessionConfiguration {
    /// `session`'s neighbor rendered for `router`, read from `ledger` (the present ledger, or a
    /// past one): refused when a field the router needs is missing or when another live session
    /// of the router has a different peer group with the same router-safe name.
    package static func render(_ session: Session, router: BGPRouter, ledger: Ledger) async throws -> RouterConfiguration {
        let configuration = try RouterConfiguration.render(Neighbor(session: session), platform: router.platform, operation: .configure)
        if let routerGroup = configuration.peerGroup, let group = session.text(.peer_group) {
            let id = session.id
            let others = try await ledger.reading { reader in try reader.peerGroups(onRouter: router.id, except: id) }
            try refuseSharedGroupName(group, as: routerGroup, router: router, others: others)
        }
        return configuration
    }

    /// Two different peer groups must not become one group on the router: when another live
    /// session of the router has a different `peer_group` with the same router-safe name
    /// (`group a` and `group-a` are both `group-a` on FRR), the push is refused, naming both,
    /// whichever of the two sessions is configured first.
    package static func refuseSharedGroupName(
        _ group: String, as routerGroup: String, router: BGPRouter, others: [(session: Int64, group: String)]
    ) throws(Refusal) {
        for other in others where other.group != group {
            guard (try? ConfigurationValues.routerName(other.group, field: "peer_group", platform: router.platform)) == routerGroup else {
                continue
            }
            throw Refusal(
                "peer_group '\(Values.quoted(group))' is configured on \(router.name) as '\(routerGroup)', the same name as peer_group '\(Values.quoted(other.group))' of session \(other.session); rename one of the two peer groups so each keeps its own group on the router. Nothing was pushed",
                code: .configurationGroupShared)
        }
    }

    /// The dry run: the lines pushing `configuration` would add to (`+`) or take from (`-`) the
    /// router's running configuration, passwords redacted. Reads the router, changes nothing.
    package static func difference(
        _ configuration: RouterConfiguration, session: Session, connection: any RouterConnection
    ) async throws(RouterAccessError) -> [String] {
        let running = try await connection.runningConfiguration()
        return ConfigurationDiff.lines(configuration, running: running, peer: session.text(.peer_ipaddr) ?? "")
    }
}
