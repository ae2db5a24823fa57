import PeerLedger
import PeerLedgerDomain
/// What authenticates a call, read from its raw form text (a query string or a POST body) before
/// anything in it is trusted or validated.
///
/// The signed bytes are the raw text before the one `&hash=`: exactly what the client sent, never
/// a decoded and re-encoded copy. `hash` must be the last parameter and nothing may follow it, so
/// every parameter the server reads lies inside the signed bytes; a second `hash`, `apiKey` or
/// `time` is refused, since the server could not say which one was meant. Every refusal here is
/// an `AuthenticationFailure` (HTTP 401), whatever else the call gets wrong.
public struct CallSignature: Sendable, Equatable {
    /// The raw text the hash covers: everything before `&hash=`.
    public var signed: Substring
    /// The hash given, %-decoded, with a space read as the `+` of base64.
    public var hash: String
    /// The key that claims to have signed the call.
    public var apiKey: String
    /// The call's `time` (Unix seconds), when given; checked against the clock after the key.
    public var time: String?

    public init(raw: String) throws(AuthenticationFailure) {
        let pieces = Self.pieces(of: raw)
        var hashes: [Int] = [], apiKeys: [Int] = [], times: [Int] = []
        for (index, piece) in pieces.enumerated() {
            switch piece.name {
            case "hash": hashes.append(index)
            case "apiKey": apiKeys.append(index)
            case "time": times.append(index)
            default: break
            }
        }
        guard let hashIndex = hashes.first, let keyIndex = apiKeys.first else {
            throw AuthenticationFailure(message: "Authentication required: sign the call with apiKey and hash")
        }
        for (name, found) in [("hash", hashes), ("apiKey", apiKeys), ("time", times)] where found.count > 1 {
            throw AuthenticationFailure(message: "\(name) is given more than once; a signed call names it once")
        }
        let hashPiece = pieces[hashIndex]
        guard hashIndex == pieces.count - 1, hashPiece.range.upperBound == raw.endIndex else {
            throw AuthenticationFailure(message: "hash must be the last parameter: nothing after it is signed")
        }
        // The hash is a later piece than apiKey, so a separator precedes it.
        let signedEnd = raw.utf8.index(before: hashPiece.range.lowerBound)
        let given = raw[hashPiece.valueRange]
        let decodedHash = RequestSignature.percentDecoded(given) ?? String(given)
        guard case let .decoded(apiKey) = Parameters.percentDecode(raw[pieces[keyIndex].valueRange], plusIsSpace: true),
            !apiKey.isEmpty
        else {
            throw AuthenticationFailure(message: "Authentication required: sign the call with apiKey and hash")
        }
        var time: String?
        if let timeIndex = times.first {
            guard case let .decoded(text) = Parameters.percentDecode(raw[pieces[timeIndex].valueRange], plusIsSpace: true) else {
                throw AuthenticationFailure(message: "time must be Unix seconds, got a malformed %-escape")
            }
            time = text
        }
        self.signed = raw[..<signedEnd]
        self.hash = decodedHash.utf8.contains(0x20) ? String(decodedHash.map { $0 == " " ? "+" : $0 }) : decodedHash
        self.apiKey = apiKey
        self.time = time
    }

    /// One `name=value` piece of the raw text: where it lies, where its value lies, and its name
    /// %-decoded (a name that does not decode keeps its raw text, which matches none of ours).
    struct Piece {
        var range: Range<String.Index>
        var valueRange: Range<String.Index>
        var name: Substring
    }

    /// The text's non-empty pieces between `&`s, split on bytes as `Parameters` splits them.
    static func pieces(of raw: String) -> [Piece] {
        var pieces: [Piece] = []
        let bytes = raw.utf8
        var start = bytes.startIndex
        var index = bytes.startIndex
        func close(at end: String.Index) {
            guard start < end else { return }
            let range = start..<end
            let equals = bytes[range].firstIndex(of: UInt8(ascii: "="))
            let rawName = raw[start..<(equals ?? end)]
            let valueStart = equals.map { bytes.index(after: $0) } ?? end
            var name = rawName
            if case let .decoded(decoded) = Parameters.percentDecode(rawName, plusIsSpace: true), decoded != rawName {
                name = Substring(decoded)
            }
            pieces.append(Piece(range: range, valueRange: valueStart..<end, name: name))
        }
        while index != bytes.endIndex {
            if bytes[index] == UInt8(ascii: "&") {
                close(at: index)
                start = bytes.index(after: index)
            }
            index = bytes.index(after: index)
        }
        close(at: bytes.endIndex)
        return pieces
    }
}
