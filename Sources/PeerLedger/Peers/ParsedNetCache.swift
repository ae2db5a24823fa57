import Foundation
package import PeerLedgerDomain
import Synchronization

/// One PeeringDB net parsed from its canonical text, with what every list read asks of it taken
/// out once: the name (and its bytes, the sort key), the ASN, IPv4 prefixes and general policy.
/// Immutable, so one parse serves every read and thread.
package final class ParsedNet: Sendable {
    /// Every tracked field (v2 names), for filters and `qualified`.
    package let fields: PeeringDBFields
    /// `name`, or "" when absent or not text.
    package let name: String
    /// The name's UTF-8 bytes: the API's order is by name in byte order.
    package let nameBytes: [UInt8]
    package let asn: Int64?
    /// `info_prefixes4` (getPeers' `info_prefixes`).
    package let infoPrefixes4: Int64?
    /// `policy_general`, which the default `qualified` rule reads.
    package let policyGeneral: String?

    package init(fields: PeeringDBFields) {
        self.fields = fields
        name = fields["name"]?.text ?? ""
        nameBytes = Array(name.utf8)
        asn = fields["asn"]?.int
        infoPrefixes4 = fields["info_prefixes4"]?.int
        policyGeneral = fields["policy_general"]?.text
    }
}

/// PeeringDB nets' fields as parsed from their canonical text, kept between reads: getPeers at an
/// exchange of 1,000 members spent most of a call parsing the same unchanged texts again after
/// every write. An entry is used only while the stored text is exactly the text it was parsed
/// from (compared byte for byte with what SQLite hands over, without making a String of it), so
/// a changed net is parsed anew; the cache is bounded (emptied when full).
final class ParsedNetCache: Sendable {
    static let shared = ParsedNetCache()
    /// At most this many nets are kept (a few MB).
    static let capacity = 4_096

    private let entries = Mutex<[Int64: (text: [UInt8], net: ParsedNet)]>([:])

    /// The fields of net `id` whose stored canonical text is `text`.
    func fields(id: Int64, text: String) -> PeeringDBFields {
        var text = text
        return text.withUTF8 { net(id: id, text: UnsafeRawBufferPointer($0)).fields }
    }

    /// Net `id` whose stored canonical text has the UTF-8 bytes `text` (valid only during the call).
    func net(id: Int64, text: UnsafeRawBufferPointer) -> ParsedNet {
        let kept = entries.withLock { $0[id] }
        if let kept, Self.same(kept.text, text) { return kept.net }
        let bytes = Array(text)
        let net = ParsedNet(fields: PeeringDBFields.parsingCanonical(bytes))
        entries.withLock { entries in
            if entries.count >= Self.capacity { entries.removeAll(keepingCapacity: true) }
            entries[id] = (bytes, net)
        }
        return net
    }

    private static func same(_ stored: [UInt8], _ text: UnsafeRawBufferPointer) -> Bool {
        guard stored.count == text.count else { return false }
        return stored.withUnsafeBytes { stored in
            guard let left = stored.baseAddress, let right = text.baseAddress else { return true }
            return memcmp(left, right, text.count) == 0
        }
    }

    /// How many nets are kept now (for tests).
    var count: Int { entries.withLock { $0.count } }
}
