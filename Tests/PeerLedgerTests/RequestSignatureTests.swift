import Foundation
import Testing

@testable import PeerLedger
@testable import PeerLedgerAPIv1
@testable import PeerLedgerDomain
import PeerLedgerTestSupport

/// `CallSignature` reads a call's raw form text before anything in it is trusted: the signed
/// bytes are everything before the one `&hash=`, which must end the text.
@Suite("Signed calls: which bytes are signed, and what is refused")
struct RequestSignatureTests {
    static let secret = "73ab9382e98d924d6e16ae6e5526d886"
    static let message = "target=peering&action=updateSession&id=1&note=signed&apiKey=2-ABC"

    static func signed(_ message: String) -> String { appendingHash(to: message, secret: secret) }

    static func refusal(_ raw: String) -> String? {
        do {
            _ = try CallSignature(raw: raw)
            return nil
        } catch {
            return error.message
        }
    }

    @Test("a call signed as ProVision's client signs it is split into the signed bytes, the hash and the key")
    func theSignedBytesAreEverythingBeforeTheHash() throws {
        let raw = Self.signed(Self.message)
        let signature = try CallSignature(raw: raw)
        #expect(signature.signed == Self.message)
        #expect(signature.apiKey == "2-ABC")
        #expect(signature.time == nil)
        #expect(RequestSignature.isValid(signed: signature.signed, hash: signature.hash, secret: Self.secret))
        #expect(!RequestSignature.isValid(signed: signature.signed, hash: signature.hash, secret: "0" + Self.secret.dropFirst()))
    }

    @Test("parameters appended after the hash of a signed call are refused, not applied")
    func parametersAfterTheHashAreRefused() {
        let raw = Self.signed(Self.message)
        #expect(Self.refusal(raw + "&peer_asn=666&password=evil") == "hash must be the last parameter: nothing after it is signed")
        #expect(Self.refusal(raw + "&") == "hash must be the last parameter: nothing after it is signed")
        #expect(Self.refusal("hash=abc&" + Self.message) == "hash must be the last parameter: nothing after it is signed")
    }

    @Test("a second hash, apiKey or time is refused, however it is spelled")
    func duplicatedAuthenticationParametersAreRefused() {
        #expect(Self.refusal(Self.signed(Self.message + "&apiKey=3-XYZ")) == "apiKey is given more than once; a signed call names it once")
        #expect(Self.refusal(Self.signed(Self.message + "&api%4Bey=3-XYZ")) == "apiKey is given more than once; a signed call names it once")
        #expect(Self.refusal(Self.signed("hash=x&" + Self.message)) == "hash is given more than once; a signed call names it once")
        #expect(Self.refusal(Self.signed(Self.message + "&time=1&time=2")) == "time is given more than once; a signed call names it once")
    }

    @Test("a call without apiKey or hash is asked to authenticate")
    func unsignedCallsAreAskedToAuthenticate() {
        let asked = "Authentication required: sign the call with apiKey and hash"
        #expect(Self.refusal("target=peering&action=getSessions") == asked)
        #expect(Self.refusal("target=peering&action=getSessions&hash=abc") == asked)
        #expect(Self.refusal("target=peering&apiKey=2-ABC") == asked)
        #expect(Self.refusal("apiKey=&hash=abc") == asked)
        #expect(Self.refusal("") == asked)
    }

    @Test("a hash sent %-encoded, raw, or with its + read as a space is the same hash")
    func theHashIsReadInEveryEncodingClientsUse() throws {
        let hash = RequestSignature.sign(Self.message, secret: Self.secret)
        for given in [Parameters.encode(hash), hash, hash.replacingOccurrences(of: "+", with: " ")] {
            let signature = try CallSignature(raw: "\(Self.message)&hash=\(given)")
            #expect(signature.hash == hash)
        }
    }

    @Test("the time parameter is read from the signed bytes")
    func theTimeIsRead() throws {
        let signature = try CallSignature(raw: Self.signed("target=peering&action=getSessions&time=1764000000&apiKey=2-ABC"))
        #expect(signature.time == "1764000000")
    }
}
