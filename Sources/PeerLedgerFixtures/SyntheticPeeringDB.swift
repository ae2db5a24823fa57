public import Foundation
import PeerLedger
import PeerLedgerDomain

/// A PeeringDB-shaped data set at any scale, the same for the same seed: for benchmarks of the
/// import and of getPeers/getCommunications at real scale (ix 1 is the big exchange).
public struct SyntheticPeeringDB: Sendable {
    public var seed: UInt64 = 1
    public var networks = 33_000
    public var exchanges = 1_300
    public var netixlans = 60_000
    public var contacts = 30_000
    /// Members of exchange 1 (the one to measure getPeers and getCommunications on).
    public var bigExchangeMembers = 1_000
    /// Exchanges where net 1 (a member of exchange 1) is present: 1 through this number. The
    /// world generator makes net 1 our own network; 0 or 1 leaves net 1 at exchange 1 only.
    public var ownNetworkExchanges = 0

    public init() {}

    /// Writes `org.json`, `ix.json`, `ixlan.json`, `ixpfx.json`, `net.json`, `netixlan.json` and
    /// `poc.json` into `folder`.
    public func write(to folder: URL) throws {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        var random = SplitMix64(seed: seed)
        let stamp = "\"created\": \"2010-07-29T00:00:00Z\", \"updated\": \"2024-01-01T00:00:00Z\", \"status\": \"ok\""
        func page(_ name: String, _ rows: (inout [String]) -> Void) throws {
            var lines: [String] = []
            rows(&lines)
            let text = "{\"data\": [\n" + lines.joined(separator: ",\n") + "\n], \"meta\": {}}\n"
            try Data(text.utf8).write(to: folder.appendingPathComponent(name))
        }
        let policies = ["Open", "Selective", "Restrictive", "No"]
        let organizations = networks + exchanges
        try page("org.json") { rows in
            for id in 1...organizations {
                rows.append(#"{"id": \#(id), "name": "Organization \#(id)", "aka": "", "name_long": "", "website": "https://org\#(id).example", "notes": "", "city": "City \#(id % 500)", "country": "US", \#(stamp)}"#)
            }
        }
        try page("ix.json") { rows in
            for id in 1...exchanges {
                rows.append(#"{"id": \#(id), "org_id": \#(networks + id), "name": "Exchange \#(id)", "aka": "", "name_long": "Internet Exchange \#(id)", "city": "City \#(id % 500)", "country": "US", "region_continent": "North America", "media": "Ethernet", "notes": "", "proto_unicast": true, "proto_multicast": false, "proto_ipv6": true, "website": "https://ix\#(id).example", "url_stats": "", "tech_email": "noc@ix\#(id).example", "tech_phone": "", "policy_email": "", "policy_phone": "", "net_count": 0, \#(stamp)}"#)
            }
        }
        try page("ixlan.json") { rows in
            for id in 1...exchanges {
                rows.append(#"{"id": \#(id), "ix_id": \#(id), "name": "", "descr": "", "mtu": 1500, "rs_asn": 0, \#(stamp)}"#)
            }
        }
        try page("ixpfx.json") { rows in
            for id in 1...exchanges {
                rows.append(#"{"id": \#(2 * id - 1), "ixlan_id": \#(id), "protocol": "IPv4", "prefix": "10.\#(id / 256).\#(id % 256).0/24", "in_dfz": true, \#(stamp)}"#)
                rows.append(#"{"id": \#(2 * id), "ixlan_id": \#(id), "protocol": "IPv6", "prefix": "2001:db8:\#(String(id, radix: 16))::/64", "in_dfz": true, \#(stamp)}"#)
            }
        }
        try page("net.json") { rows in
            for id in 1...networks {
                let policy = policies[Int(random.next() % 4)]
                let prefixes = random.next() % 20_000
                rows.append(#"{"id": \#(id), "org_id": \#(id), "name": "Network \#(id)", "aka": "", "name_long": "", "website": "https://net\#(id).example", "asn": \#(64_512 + id), "looking_glass": "", "route_server": "", "irr_as_set": "AS-NET\#(id)", "info_type": "NSP", "info_prefixes4": \#(prefixes), "info_prefixes6": \#(prefixes / 10), "info_traffic": "", "info_ratio": "Balanced", "info_scope": "Global", "info_unicast": true, "info_multicast": false, "info_ipv6": true, "info_never_via_route_servers": false, "ix_count": 0, "notes": "", "policy_url": "", "policy_general": "\#(policy)", "policy_locations": "Not Required", "policy_ratio": false, "policy_contracts": "Not Required", \#(stamp)}"#)
            }
        }
        try page("netixlan.json") { rows in
            var perExchange: [Int: Int] = [:]
            for id in 1...netixlans {
                // The first members fill exchange 1; the rest spread over the others.
                // Net 1 then joins exchanges 2 through `ownNetworkExchanges`.
                let (net, ix) =
                    id <= bigExchangeMembers
                    ? (id, 1)
                    : id < bigExchangeMembers + ownNetworkExchanges
                        ? (1, id - bigExchangeMembers + 1)
                        : (Int(random.next() % UInt64(networks)) + 1, Int(random.next() % UInt64(max(exchanges - 1, 1))) + 2)
                let host = perExchange[ix, default: 0] + 1
                perExchange[ix] = host
                rows.append(#"{"id": \#(id), "net_id": \#(net), "ix_id": \#(ix), "ixlan_id": \#(ix), "name": "Exchange \#(ix)", "asn": \#(64_512 + net), "ipaddr4": "10.\#(ix / 256).\#(ix % 256).\#(host % 250 + 1)", "ipaddr6": "2001:db8:\#(String(ix, radix: 16))::\#(String(host, radix: 16))", "speed": 10000, "is_rs_peer": false, "operational": true, "notes": "", \#(stamp)}"#)
            }
        }
        try page("poc.json") { rows in
            let roles = ["Policy", "NOC", "Technical", "Abuse"]
            let visibility = ["Public", "Users", "Private"]
            for id in 1...contacts {
                let net = Int(random.next() % UInt64(networks)) + 1
                rows.append(#"{"id": \#(id), "net_id": \#(net), "role": "\#(roles[id % 4])", "visible": "\#(visibility[id % 3])", "name": "Contact \#(id)", "phone": "+1 555 \#(1000 + id % 9000)", "email": "peering\#(id)@net\#(net).example", "url": "", \#(stamp)}"#)
            }
        }
    }
}
