import PeerLedgerDomain
/// Reads BIRD's `show protocols all` into observed neighbors (one per `BGP` protocol).
enum BIRDProtocols {
    static func parse(_ text: String) -> [ObservedNeighbor] {
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
                if let first = value.split(separator: " ").first, let count = Int64(first) {
                    let total = (current?.routes ?? 0) + count
                    current?.routes = total
                }
            default: break
            }
        }
        flush()
        return neighbors
    }
}
