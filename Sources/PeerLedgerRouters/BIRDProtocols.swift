import PeerLedger
import PeerLedgerDomain
/// Reads BIRD's `show protocols all` into observed neighbors (one per `BGP` protocol).
enum BIRDProtocols {
    static func parse(_ text: String) throws(RouterAccessError) -> [ObservedNeighbor] {
        var neighbors: [ObservedNeighbor] = []
        var current: (isBGP: Bool, state: SessionState?, address: String?, asn: Int64?, routes: Int64?, error: String?)?
        func flush() {
            if let c = current, c.isBGP, let address = c.address {
                let state = c.state ?? .idle
                neighbors.append(
                    ObservedNeighbor(
                        address: address, remoteASN: c.asn, state: state, prefixesReceived: c.routes ?? 0,
                        lastError: state == .established ? nil : c.error))
            }
        }
        for raw in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let line = String(raw)
            if line.isEmpty || line.hasPrefix("BIRD ") || line.hasPrefix("Name ") { continue }
            if line.first != " " {
                flush()
                let columns = line.split(separator: " ", omittingEmptySubsequences: true)
                current = (columns.count > 1 && columns[1] == "BGP", nil, nil, nil, nil, nil)
                continue
            }
            let trimmed = line.trimmingSpaces
            guard let colon = trimmed.firstIndex(of: ":") else { continue }
            let key = String(trimmed[..<colon])
            let value = String(trimmed[trimmed.index(after: colon)...]).trimmingSpaces
            switch key {
            case "BGP state": current?.state = ObservedNeighbor.state(named: value)
            case "Neighbor address": current?.address = IPAddress(value)?.text ?? value
            case "Neighbor AS": current?.asn = Int64(value)
            case "Last error": current?.error = value
            case "Routes":
                guard let first = value.split(separator: " ").first, Values.isDigits(first) else { break }
                // A count the router cannot really hold is refused, never summed into an overflow.
                guard let count = Int64(first), ObservedNeighbor.prefixCounts.contains(count),
                    case let (total, false) = (current?.routes ?? 0).addingReportingOverflow(count),
                    ObservedNeighbor.prefixCounts.contains(total)
                else {
                    throw .rejected(
                        "BIRD reported \(first.prefix(40)) routes for \(current?.address ?? "a protocol"): not a prefix count from 0 to \(ObservedNeighbor.prefixCounts.upperBound)")
                }
                current?.routes = total
            default: break
            }
        }
        flush()
        return neighbors
    }
}
