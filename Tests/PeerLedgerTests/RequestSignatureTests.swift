import Foundation
import Testing

@testable import PeerLedger

/// `RequestSignature.split` reads the raw form text as bytes: the same split and hash as the
/// Foundation string search and percent-decoding it replaced.
@Suite struct RequestSignatureTests {
    /// The split as it was written with Foundation.
    static func foundationSplit(_ raw: String) -> (signed: Substring, hash: String)? {
        guard let marker = raw.range(of: "&hash=", options: .backwards) else { return nil }
        var given = raw[marker.upperBound...]
        if let end = given.firstIndex(of: "&") { given = given[..<end] }
        let decoded = given.removingPercentEncoding ?? String(given)
        return (raw[..<marker.lowerBound], decoded.replacingOccurrences(of: " ", with: "+"))
    }

    @Test func theSignedTextAndTheHashAreTheOnesFoundationGave() {
        let inputs = [
            "target=peering&action=getPeers&public_id=1&apiKey=2-ABC&hash=0hz3muiTLpGxKNhab%2BqCIF%2FsQBDUPbhd7nk2XfmUvN4w%3D",
            "a=1&hash=abc", "a=1&hash=", "hash=abc", "a=1&hash=x&hash=y", "a=1&hash=x&b=2", "a=1&hash=a+b c",
            "a=1&hash=%", "a=1&hash=%4", "a=1&hash=%zz", "a=1&hash=%FF", "a=1&hash=%C3%A9", "a=1&hash=%2b%2B",
            "a=1&hash=é&x", "ä=ö&hash=ü%20", "no marker here", "", "&hash=", "&hash=&hash=z", "a=1&HASH=x",
            "a=1&hashx=1&hash=2", "a=&hash=1&hash", "a=1%26hash%3Dx&hash=real",
        ]
        for raw in inputs {
            let mine = RequestSignature.split(raw), theirs = Self.foundationSplit(raw)
            #expect(mine?.signed == theirs?.signed, "\(raw)")
            #expect(mine?.hash == theirs?.hash, "\(raw)")
        }
    }

    @Test func aSignatureMadeBySignIsValidAfterTheSplit() throws {
        let message = "target=peering&action=getSessions&public_id=1&apiKey=1-KEY"
        let secret = "73ab9382e98d924d6e16ae6e5526d886"
        let raw = "\(message)&hash=\(Parameters.encode(RequestSignature.sign(message, secret: secret)))"
        let (signed, hash) = try #require(RequestSignature.split(raw))
        #expect(signed == message)
        #expect(RequestSignature.isValid(signed: signed, hash: hash, secret: secret))
        #expect(!RequestSignature.isValid(signed: signed, hash: hash, secret: "0" + secret.dropFirst()))
    }
}
