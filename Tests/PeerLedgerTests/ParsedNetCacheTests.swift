import PeerLedgerTestSupport
import Testing

@testable import PeerLedger
@testable import PeerLedgerDomain

/// The parsed-net cache behind getPeers: reused only for the very text it was parsed from.
@Suite struct ParsedNetCacheTests {
    @Test func aNetIsParsedAgainWhenItsStoredTextChanges() {
        let cache = ParsedNetCache()
        let before = cache.fields(id: 7, text: #"{"asn":64519,"name":"Network 7","policy_general":"Open"}"#)
        #expect(before["name"] == .text("Network 7"))
        #expect(cache.fields(id: 7, text: #"{"asn":64519,"name":"Network 7","policy_general":"Open"}"#) == before)
        let after = cache.fields(id: 7, text: #"{"asn":64519,"name":"Seven","policy_general":"Selective"}"#)
        #expect(after["name"] == .text("Seven"))
        #expect(after["policy_general"] == .text("Selective"))
        #expect(after["asn"] == .int(64_519))
        #expect(cache.count == 1)
    }

    @Test func theCacheStaysWithinItsCapacity() {
        let cache = ParsedNetCache()
        for id in 1...Int64(ParsedNetCache.capacity + 10) {
            _ = cache.fields(id: id, text: #"{"name":"Network \#(id)"}"#)
        }
        #expect(cache.count <= ParsedNetCache.capacity)
        #expect(cache.fields(id: 3, text: #"{"name":"Network 3"}"#)["name"] == .text("Network 3"))
    }
}
