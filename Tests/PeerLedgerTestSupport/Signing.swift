import Foundation
import PeerLedger
import PeerLedgerAPIv1

/// The `hash` parameter for `message`: its HMAC-SHA256 under `secret`, base64, %-encoded for a
/// query or form body.
public func signature(of message: String, secret: String) -> String {
    Parameters.encode(RequestSignature.sign(message, secret: secret))
}

/// `message` with its `hash` appended: `message` must already name the `apiKey`.
public func appendingHash(to message: String, secret: String) -> String {
    "\(message)&hash=\(signature(of: message, secret: secret))"
}

/// Signs a query the way ProVision's PHP client does: `apiKey` last, then `hash` over
/// everything before it.
public func signed(_ query: String, key: String, secret: String) -> String {
    appendingHash(to: "\(query)&apiKey=\(key)", secret: secret)
}
