import PeerLedgerTestSupport
import Testing

@testable import PeerLedger
@testable import PeerLedgerDomain

/// `utf8Precedes` orders strings by their UTF-8 bytes exactly as `utf8.lexicographicallyPrecedes`
/// (and SQLite's BINARY collation) does, which the canonical key order and the sync marks rely on.
@Suite struct ByteOrderTests {
    static let words = [
        "", "a", "ab", "abc", "abd", "b", "B", "Z", "z", "zz", "é", "e\u{301}", "Zürich", "Zurich", "名前", "ix_id", "ixlan_id",
        "2026-11-28T04:00:00Z", "2026-11-28T04:00:00.5Z", "a\u{0}b", "a\u{0}", "long key that is past fifteen bytes",
        "long key that is past fifteen bytez",
    ]

    @Test func itOrdersEveryPairAsTheirUTF8BytesDo() {
        for left in Self.words {
            for right in Self.words {
                #expect(left.utf8Precedes(right) == left.utf8.lexicographicallyPrecedes(right.utf8), "\(left) vs \(right)")
            }
        }
    }

    @Test func aPrefixComesBeforeWhatExtendsItAndNothingBeforeItself() {
        #expect("ab".utf8Precedes("abc"))
        #expect(!"abc".utf8Precedes("ab"))
        #expect(!"abc".utf8Precedes("abc"))
        #expect("".utf8Precedes("a"))
        #expect(!"".utf8Precedes(""))
        // By bytes, not by Unicode order: "é" (0xC3 0xA9) sorts after "z" (0x7A).
        #expect("z".utf8Precedes("é"))
    }
}
