package import PeerLedgerDomain
/// APIv1's peer fields (PeeringDB v1 names) read from a PeeringDB v2 net: the mapping getPeers
/// filters on. Fields v2 no longer publishes (`policy_nopublic`, `policy_noprivate`) are null.
package enum PeerField: String, CaseIterable, Sendable {
    case public_id, id, asn, name, aka, website, notes_public, notes_private, irr_as_set
    case info_traffic, info_ratio, info_scope, info_type, info_prefixes, info_lookingglass, info_routeserver
    case info_unicast, info_multicast, info_ipv6
    case policy_url, policy_general, policy_locations, policy_ratio, policy_contracts, policy_nopublic
    case policy_noprivate, date_created, date_lastupdated

    /// How a filter on the field matches.
    package enum Matching { case exact, substring, date }

    package var matching: Matching {
        switch self {
        case .name, .aka, .website, .notes_public, .notes_private, .irr_as_set, .info_lookingglass, .info_routeserver,
            .policy_url:
            return .substring
        case .date_created, .date_lastupdated: return .date
        default: return .exact
        }
    }

    /// The field's v1 value for `peer`, as text (nil: null). Flags are `1`/`0`, `policy_ratio`
    /// is `Yes`/`No`, dates are `YYYY-MM-DD HH:MM:SS`, and an empty v2 text is null.
    package func value(_ peer: Peer) -> String? {
        func text(_ name: String) -> String? {
            guard let value = peer.net[name]?.text, !value.isEmpty else { return nil }
            return value
        }
        func flag(_ name: String) -> String? { peer.net[name]?.bool.map { $0 ? "1" : "0" } }
        func date(_ name: String) -> String? { text(name).flatMap { Timestamp(parsing: $0)?.apiText } }
        switch self {
        case .public_id: return peer.exchange.map(String.init)
        case .id: return String(peer.netID)
        case .asn: return peer.asn.map(String.init)
        case .name, .aka, .website, .irr_as_set, .info_traffic, .info_ratio, .info_scope, .info_type, .policy_url,
            .policy_general, .policy_locations, .policy_contracts:
            return text(rawValue)
        case .notes_public: return text("notes")
        case .notes_private: return peer.notesPrivate
        case .info_prefixes: return peer.parsedNet.infoPrefixes4.map(String.init)
        case .info_lookingglass: return text("looking_glass")
        case .info_routeserver: return text("route_server")
        case .info_unicast, .info_multicast, .info_ipv6: return flag(rawValue)
        case .policy_ratio: return peer.net["policy_ratio"]?.bool.map { $0 ? "Yes" : "No" }
        case .policy_nopublic, .policy_noprivate: return nil
        case .date_created: return date("created")
        case .date_lastupdated: return date("updated")
        }
    }
}

/// getPeers' criteria, parsed once from the parameters: ids, ASNs and enums match exactly, text
/// fields as a case-insensitive substring, dates exactly or by day (`YYYY-MM-DD`).
package struct PeerCriteria: Sendable {
    var criteria: [(field: PeerField, value: String)] = []

    /// `given(name)` is the non-empty text given for the field named `name`, or nil.
    package init(given: (String) -> String?) throws(Refusal) {
        for field in PeerField.allCases where field != .public_id {
            guard let given = given(field.rawValue) else { continue }
            let text = try Values.text(given, field: field.rawValue, maxLength: 1000)
            let value: String
            switch field {
            case .id: value = String(try Values.identifier(text, field: "id"))
            case .asn: value = String(try Values.asn(text, field: "asn"))
            case .info_prefixes: value = String(try Values.count(text, field: "info_prefixes"))
            case .info_unicast, .info_multicast, .info_ipv6: value = try Values.flag(text, field: field.rawValue) ? "1" : "0"
            case .date_created, .date_lastupdated:
                let moment = try Values.time(text, field: field.rawValue)
                value = Timestamp.isDay(text) ? String(moment.apiText.prefix(10)) : moment.apiText
            default: value = field.matching == .substring ? text.lowercased() : text
            }
            criteria.append((field, value))
        }
    }

    package func matches(_ peer: Peer) -> Bool {
        criteria.allSatisfy { field, wanted in
            guard let actual = field.value(peer) else { return false }
            switch field.matching {
            case .exact: return actual == wanted
            case .substring: return actual.lowercased().contains(wanted)
            case .date: return wanted.count == 10 ? actual.hasPrefix(wanted) : actual == wanted
            }
        }
    }
}
