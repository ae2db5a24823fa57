import PeerLedger
import PeerLedgerDomain

extension Session {
    /// The seed's session shape, field for field. addSession answers `id` as a number; every other
    /// answer has it as a string, like the rest of the ids.
    func json(idAsNumber: Bool = false) -> JSON {
        func numeric(_ field: SessionField) -> JSON { .numericString(int(field)) }
        func string(_ field: SessionField) -> JSON { .string(text(field)) }
        return .object([
            ("id", idAsNumber ? .int(id) : .string(String(id))),
            ("source_asn", numeric(.source_asn)),
            ("source_ipaddr", string(.source_ipaddr)),
            ("resource_id", numeric(.resource_id)),
            ("resource_name", .string(resourceName)),
            ("peer_asn", numeric(.peer_asn)),
            ("peer_name", string(.peer_name)),
            ("peer_participant_id", numeric(.peer_participant_id)),
            ("peer_ipaddr", string(.peer_ipaddr)),
            ("peer_hostname", string(.peer_hostname)),
            ("peer_group", string(.peer_group)),
            ("public_id", numeric(.public_id)),
            ("public_name", .string(publicName)),
            ("ip_type", string(.ip_type)),
            ("type", string(.type)),
            ("state", string(.state)),
            ("prfx_max", numeric(.prfx_max)),
            ("prfx_received", numeric(.prfx_received)),
            ("password", string(.password)),
            ("note", string(.note)),
        ])
    }
}
