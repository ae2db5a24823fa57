/// Every field of a BGP session as the API names it, with how its text is checked and where it
/// is stored. Add, update, filters and answers all work from this one table.
public enum SessionField: String, CaseIterable, Sendable {
    case id, public_id, source_asn, source_ipaddr, resource_id, peer_asn, peer_name, peer_participant_id
    case peer_ipaddr, peer_hostname, peer_group, password, type, state, prfx_max, prfx_received, ip_type
    case note, created, modified, deleted

    /// How a field's text is read.
    public enum Kind: Sendable {
        case identifier, asn, address, text, count, ipType, state, timestamp, flag
    }

    public var kind: Kind {
        switch self {
        case .id, .public_id, .resource_id, .peer_participant_id: return .identifier
        case .source_asn, .peer_asn: return .asn
        case .source_ipaddr, .peer_ipaddr: return .address
        case .peer_name, .peer_hostname, .peer_group, .password, .type, .note: return .text
        case .prfx_max, .prfx_received: return .count
        case .ip_type: return .ipType
        case .state: return .state
        case .created, .modified: return .timestamp
        case .deleted: return .flag
        }
    }

    /// Fields a client may set with addSession and updateSession. `id`, the timestamps and
    /// `deleted` belong to the ledger; `prfx_received` is observed from the router.
    public var isSettable: Bool {
        switch self {
        case .id, .created, .modified, .deleted, .prfx_received: return false
        default: return true
        }
    }

    /// Fields addSession cannot do without: a session is a peer address at an exchange.
    public static let requiredToAdd: [SessionField] = [.public_id, .peer_asn, .peer_ipaddr]

    /// The column in the `sessions` projection (the password lives in `secrets`, by ref).
    public var column: String { self == .password ? "password_ref" : rawValue }

    /// Reads one parameter's text into the value stored for this field.
    public func parse(_ text: String) throws(Refusal) -> FieldValue {
        let name = rawValue
        switch kind {
        case .identifier: return .int(try Values.identifier(text, field: name))
        case .asn: return .int(try Values.asn(text, field: name))
        case .address: return .text(try IPAddress.parse(text, field: name).text)
        case .text: return .text(try Values.text(text, field: name))
        case .count: return .int(try Values.count(text, field: name))
        case .ipType: return .text(try IPType.parse(text, field: name).rawValue)
        case .state: return .text(try SessionState.parse(text, field: name).rawValue)
        case .timestamp: return .text(try Values.time(text, field: name).apiText)
        case .flag: return .int(try Values.flag(text, field: name) ? 1 : 0)
        }
    }
}

/// Where a session stands: not yet on a router, pushed, or the BGP state last observed there.
public enum SessionState: String, Sendable, CaseIterable {
    case notConfigured = "not configured"
    case configured
    case idle, connect, active, opensent, openconfirm, established

    public static func parse(_ text: String, field: String = "state") throws(Refusal) -> SessionState {
        guard let value = SessionState(rawValue: text.lowercased()) else {
            let allowed = allCases.map(\.rawValue).joined(separator: ", ")
            throw Refusal("\(field) must be one of: \(allowed); got '\(Values.quoted(text))'")
        }
        return value
    }
}
