/// The PeeringDB object types the ledger keeps, with the fields it tracks for each and the
/// references it checks. Fields not listed (counters such as `net_count`, logos, social media)
/// are ignored, so their churn upstream appends nothing.
public enum PeeringDBObjectType: String, Sendable, CaseIterable, Codable {
    // Declared in dependency order: an object only refers to types declared before it.
    case org, ix, ixlan, ixpfx, net, netixlan, poc

    /// What a field holds. `optional` fields may be JSON `null`.
    public enum Kind: Sendable { case int, text, bool, optionalInt, optionalText, optionalBool }

    /// The tracked fields and their kinds (`id` and `status` are handled apart).
    public var fields: [(name: String, kind: Kind)] {
        let dates: [(String, Kind)] = [("created", .text), ("updated", .text)]
        switch self {
        case .org:
            return [("name", .text), ("aka", .optionalText), ("name_long", .optionalText), ("website", .optionalText),
                    ("notes", .optionalText), ("city", .optionalText), ("country", .optionalText)] + dates
        case .ix:
            return [("org_id", .int), ("name", .text), ("aka", .optionalText), ("name_long", .optionalText),
                    ("city", .optionalText), ("country", .optionalText), ("region_continent", .optionalText),
                    ("media", .optionalText), ("notes", .optionalText), ("proto_unicast", .optionalBool),
                    ("proto_multicast", .optionalBool), ("proto_ipv6", .optionalBool), ("website", .optionalText),
                    ("url_stats", .optionalText), ("tech_email", .optionalText), ("tech_phone", .optionalText),
                    ("policy_email", .optionalText), ("policy_phone", .optionalText)] + dates
        case .ixlan:
            return [("ix_id", .int), ("name", .optionalText), ("descr", .optionalText), ("mtu", .optionalInt),
                    ("rs_asn", .optionalInt)] + dates
        case .ixpfx:
            return [("ixlan_id", .int), ("protocol", .text), ("prefix", .text), ("in_dfz", .optionalBool)] + dates
        case .net:
            return [("org_id", .int), ("name", .text), ("aka", .optionalText), ("name_long", .optionalText),
                    ("website", .optionalText), ("asn", .int), ("looking_glass", .optionalText),
                    ("route_server", .optionalText), ("irr_as_set", .optionalText), ("info_type", .optionalText),
                    ("info_prefixes4", .optionalInt), ("info_prefixes6", .optionalInt), ("info_traffic", .optionalText),
                    ("info_ratio", .optionalText), ("info_scope", .optionalText), ("info_unicast", .optionalBool),
                    ("info_multicast", .optionalBool), ("info_ipv6", .optionalBool),
                    ("info_never_via_route_servers", .optionalBool), ("notes", .optionalText),
                    ("policy_url", .optionalText), ("policy_general", .optionalText),
                    ("policy_locations", .optionalText), ("policy_ratio", .optionalBool),
                    ("policy_contracts", .optionalText)] + dates
        case .netixlan:
            return [("net_id", .int), ("ix_id", .int), ("ixlan_id", .int), ("asn", .int), ("ipaddr4", .optionalText),
                    ("ipaddr6", .optionalText), ("speed", .optionalInt), ("is_rs_peer", .optionalBool),
                    ("operational", .optionalBool), ("notes", .optionalText)] + dates
        case .poc:
            return [("net_id", .int), ("role", .text), ("visible", .text), ("name", .optionalText),
                    ("phone", .optionalText), ("email", .optionalText), ("url", .optionalText)] + dates
        }
    }

    /// The values an integer field may hold: an AS number is 1 to 4294967295 (an ixlan's
    /// `rs_asn` is 0 when it has no route server), counts are never negative. A value outside is
    /// refused with the record, so no later sum or comparison meets an impossible number.
    public func range(of field: String) -> ClosedRange<Int64>? {
        switch (self, field) {
        case (.net, "asn"), (.netixlan, "asn"): return 1...4_294_967_295
        case (.ixlan, "rs_asn"): return 0...4_294_967_295
        case (.net, "info_prefixes4"), (.net, "info_prefixes6"), (.netixlan, "speed"), (.ixlan, "mtu"): return 0...Int64.max
        default: return nil
        }
    }

    /// Fields that name another object, which must exist once the import is done.
    public var references: [(field: String, type: PeeringDBObjectType)] {
        switch self {
        case .org: return []
        case .ix: return [("org_id", .org)]
        case .ixlan: return [("ix_id", .ix)]
        case .ixpfx: return [("ixlan_id", .ixlan)]
        case .net: return [("org_id", .org)]
        case .netixlan: return [("net_id", .net), ("ix_id", .ix), ("ixlan_id", .ixlan)]
        case .poc: return [("net_id", .net)]
        }
    }

    /// Where each wanted member of a record lands when a page is scanned.
    public struct Layout: Sendable {
        /// Member name to slot: `id`, `status` and every tracked field.
        public var slots: [String: Int]
        public var idSlot: Int
        public var statusSlot: Int
        public var updatedSlot: Int
        /// Tracked fields sorted by name (byte order, the canonical text's order), with the range
        /// of an integer field that has one.
        public var sortedFields: [(name: String, kind: Kind, slot: Int, range: ClosedRange<Int64>?)]
        /// The slots of `references`' fields, in order.
        public var referenceSlots: [Int]

        public init(slots: [String: Int], idSlot: Int, statusSlot: Int, updatedSlot: Int, sortedFields: [(name: String, kind: Kind, slot: Int, range: ClosedRange<Int64>?)], referenceSlots: [Int]) {
            self.slots = slots
            self.idSlot = idSlot
            self.statusSlot = statusSlot
            self.updatedSlot = updatedSlot
            self.sortedFields = sortedFields
            self.referenceSlots = referenceSlots
        }
    }

    public var layout: Layout {
        var slots: [String: Int] = ["id": 0, "status": 1]
        for (index, field) in fields.enumerated() { slots[field.name] = index + 2 }
        let sorted = fields.sorted { $0.name.utf8.lexicographicallyPrecedes($1.name.utf8) }
            .map { (name: $0.name, kind: $0.kind, slot: slots[$0.name]!, range: range(of: $0.name)) }
        return Layout(
            slots: slots, idSlot: 0, statusSlot: 1, updatedSlot: slots["updated"]!, sortedFields: sorted,
            referenceSlots: references.map { slots[$0.field]! })
    }

    /// The file of a folder import and the path of the API (`net.json`, `/api/net`).
    public var fileName: String { "\(rawValue).json" }

    /// The stream of one object's events: `pdb-net-1418`.
    public func stream(_ id: Int64) -> String { "pdb-\(rawValue)-\(id)" }
}
