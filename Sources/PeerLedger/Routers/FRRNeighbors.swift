import PeerLedgerDomain
/// Reads FRR's `show bgp neighbors json` into observed neighbors.
enum FRRNeighbors {
    static func parse(_ text: String) throws(RouterAccessError) -> [ObservedNeighbor] {
        let json: JSON
        do {
            json = try JSON.parse(text)
        } catch {
            throw .rejected("FRR answered 'show bgp neighbors json' with text that is not JSON: \(text.prefix(200))")
        }
        guard let members = json.objectMembers else {
            throw .rejected("FRR answered 'show bgp neighbors json' with something other than an object")
        }
        var neighbors: [ObservedNeighbor] = []
        for (address, info) in members {
            // Peer groups and dynamic-neighbor ranges are not neighbors.
            guard IPAddress(address) != nil, let stateName = info["bgpState"]?.stringValue,
                let state = ObservedNeighbor.state(named: stateName)
            else { continue }
            var received: Int64?
            if let families = info["addressFamilyInfo"]?.objectMembers {
                for (_, family) in families {
                    if let count = family["acceptedPrefixCounter"]?.intValue { received = (received ?? 0) + count }
                }
            }
            let reason = info["lastNotificationReason"]?.stringValue
            neighbors.append(
                ObservedNeighbor(
                    address: IPAddress(address)?.text ?? address, remoteASN: info["remoteAs"]?.intValue, state: state,
                    prefixesReceived: received ?? 0, lastError: state == .established ? nil : reason))
        }
        return neighbors
    }
}
