import PeerLedger
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
                for (name, family) in families {
                    guard let counter = family["acceptedPrefixCounter"] else { continue }
                    // A count the router cannot really hold is refused, never summed into an overflow.
                    guard let count = counter.intValue, ObservedNeighbor.prefixCounts.contains(count),
                        case let (total, false) = (received ?? 0).addingReportingOverflow(count),
                        ObservedNeighbor.prefixCounts.contains(total)
                    else {
                        throw .rejected(
                            "FRR reported acceptedPrefixCounter \(counter.serialized().prefix(40)) for neighbor \(address) (\(name)): not a prefix count from 0 to \(ObservedNeighbor.prefixCounts.upperBound)")
                    }
                    received = total
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
