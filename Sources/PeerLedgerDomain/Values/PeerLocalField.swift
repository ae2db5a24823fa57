/// The fields of a peer that are ours, not PeeringDB's: what updatePeer may set.
public enum PeerLocalField: String, CaseIterable, Sendable {
    case qualified, is_peer, request_status, notes_private

    public var column: String {
        switch self {
        case .is_peer: return "marked_peer"
        default: return rawValue
        }
    }

    /// `request_status none to sent, qualified null to true`: the history line's detail.
    public static func describe(_ changes: [String: PeerUpdated.Change]) -> String {
        func show(_ value: PeeringDBValue) -> String {
            switch value {
            case .null: return "null"
            case let .bool(flag): return flag ? "true" : "false"
            case let .int(number): return String(number)
            case let .text(text): return text
            }
        }
        return changes.sorted { $0.key < $1.key }.map { "\($0.key) \(show($0.value.from)) to \(show($0.value.to))" }
            .joined(separator: ", ")
    }
}
