public import PeerLedgerDomain

extension Ledger {
    /// Configures our own network (`peerledger self --asn 8038`): it must be in the PeeringDB data.
    /// Setting it again to the same values appends nothing.
    @discardableResult
    public func setOwnNetwork(asn: Int64, qualifiedPolicies: [String]? = nil, metadata: EventMetadata) throws -> String {
        guard (1...4_294_967_295).contains(asn) else { throw Refusal("asn must be an AS number from 1 to 4294967295, got \(asn)") }
        return try writeNow(metadata) { transaction in
            let reader = transaction.reader
            guard let network = try reader.network(asn: asn) else {
                throw Refusal("AS\(asn) is not in the PeeringDB data; import PeeringDB first (peerledger peeringdb import)")
            }
            let current = try reader.ownNetwork()
            let policies = qualifiedPolicies ?? current?.qualifiedPolicies ?? OwnNetwork.defaultPolicies
            for policy in policies { _ = try Values.text(policy, field: "qualified policy", maxLength: 40) }
            let event = OwnNetworkSet(netID: network.id, asn: asn, name: network.name, qualifiedPolicies: policies)
            if let current, current.netID == event.netID, current.name == event.name, current.qualifiedPolicies == policies {
                return "Own network unchanged: \(event.name) (AS\(asn), net \(event.netID))"
            }
            try transaction.append(
                .ownNetworkSet(event), to: OwnNetworkSet.stream,
                expecting: try transaction.version(of: OwnNetworkSet.stream).map(ExpectedVersion.exactly) ?? .noStream)
            return "Own network: \(event.name) (AS\(asn), net \(event.netID)); qualified policies: \(policies.joined(separator: ", "))"
        }
    }
}
