import PeerLedger
import PeerLedgerDomain
/// A neighbor's text fields after the platform's checks: safe to write into its configuration.
struct CheckedNeighbor {
    var description: String?
    /// The peer group as named on the router: `ConfigurationValues.routerName` of `peer_group`.
    var group: String?
    var password: String?
    var note: String?
    var localAddress: String?

    init(
        _ n: Neighbor, platform: RouterPlatform, descriptionLimit: Int, passwordLimit: Int
    ) throws(Refusal) {
        if let value = n.description {
            let text = try ConfigurationValues.text(value, field: "peer_name", platform: platform, maxLength: descriptionLimit)
            description = text.isEmpty ? nil : text
        }
        if let value = n.group, !value.isEmpty {
            group = try ConfigurationValues.routerName(value, field: "peer_group", platform: platform)
        }
        if let value = n.password, !value.isEmpty {
            password = try ConfigurationValues.secret(value, field: "password", platform: platform, maxLength: passwordLimit)
        }
        if let value = n.note {
            let text = try ConfigurationValues.text(value, field: "note", platform: platform, maxLength: 255)
            note = text.isEmpty ? nil : text
        }
        if let source = n.localAddress {
            guard let address = IPAddress(source) else {
                throw Refusal("source_ipaddr '\(Values.quoted(source))' cannot be rendered for \(platform.rawValue): it is not an address")
            }
            localAddress = address.text
        }
    }
}
