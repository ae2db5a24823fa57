import Crypto
import Foundation
public import PeerLedger
import PeerLedgerDomain

/// ProVision's request signature: `hash = base64(HMAC-SHA256(secret, everything before "&hash="))`,
/// checked over the raw bytes received, never over a decoded and re-encoded copy.
public enum RequestSignature {
    /// Signs `message` (the raw query up to `&hash=`) with `secret`.
    public static func sign(_ message: some StringProtocol, secret: String) -> String {
        let code = HMAC<SHA256>.authenticationCode(for: Array(message.utf8), using: SymmetricKey(data: Array(secret.utf8)))
        return Data(code).base64EncodedString()
    }

    /// `%XX` escapes decoded (`+` stays `+`), as Foundation's `removingPercentEncoding`: nil for a
    /// malformed escape or bytes that are not UTF-8.
    static func percentDecoded(_ text: Substring) -> String? {
        guard case let .decoded(decoded) = Parameters.percentDecode(text, plusIsSpace: false) else { return nil }
        return decoded
    }

    /// True when `hash` is the signature of `signed` under `secret`, compared in constant time.
    public static func isValid(signed: some StringProtocol, hash: String, secret: String) -> Bool {
        guard let code = Data(base64Encoded: hash) else { return false }
        return HMAC<SHA256>.isValidAuthenticationCode(
            code, authenticating: Array(signed.utf8), using: SymmetricKey(data: Array(secret.utf8)))
    }
}

/// Why a call was not let in. Every case answers HTTP 401 with the JSON envelope.
public struct AuthenticationFailure: Error, Equatable {
    public let message: String
}

extension APIv1 {
    /// The key that signed `signature`, checked against the signed bytes exactly as received,
    /// and the call's `time` (when given) against the clock: more than 5 minutes either way is
    /// refused as a possible replay.
    public func authenticate(_ signature: CallSignature) async throws(AuthenticationFailure) -> APIKey {
        let found: Result<APIKey, AuthenticationFailure>
        do {
            found = try await ledger.reading { reader in try Self.verifiedKey(reader, signature) }
        } catch {
            throw AuthenticationFailure(message: "Authentication is unavailable right now")
        }
        let key = try found.get()
        try checkTime(signature)
        return key
    }

    /// The key that signed the call, read in the caller's snapshot: a key revoked by a commit
    /// before that snapshot is refused. A failure is returned, not thrown, so a database error
    /// stays apart from a refusal.
    static func verifiedKey(_ reader: LedgerReader, _ signature: CallSignature) throws -> Result<APIKey, AuthenticationFailure> {
        verified(try reader.storedKey(signature.apiKey), signature)
    }

    /// The key when it exists, is not revoked and signed the call.
    static func verified(_ found: StoredAPIKey?, _ signature: CallSignature) -> Result<APIKey, AuthenticationFailure> {
        guard let found, found.key.revokedAt == nil,
            RequestSignature.isValid(signed: signature.signed, hash: signature.hash, secret: found.secret)
        else {
            return .failure(AuthenticationFailure(message: "Invalid apiKey or hash"))
        }
        return .success(found.key)
    }

    /// Refuses a `time` more than 5 minutes from the clock (a possible replay). The distance is
    /// computed with checked arithmetic: any 64-bit value is a refusal, never a trap.
    func checkTime(_ signature: CallSignature) throws(AuthenticationFailure) {
        guard let timeText = signature.time, !timeText.isEmpty else { return }
        guard let seconds = Int64(timeText) else {
            throw AuthenticationFailure(message: "time must be Unix seconds, got '\(Values.quoted(timeText))'")
        }
        let now = ledger.clock.now().millis / 1000
        let (difference, overflow) = now.subtractingReportingOverflow(seconds)
        guard !overflow, difference.magnitude <= 300 else {
            let away = overflow ? "more than 2^63 seconds" : "\(difference.magnitude) seconds"
            throw AuthenticationFailure(
                message: "time is \(away) away from the server's clock (more than 5 minutes); refused as a possible replay")
        }
    }
}
