/// Someone walked the log's hash chain (the console's "Verify"): who is the event's actor, when
/// its time; what was checked (the events up to `position`, the hash there) and the outcome. A
/// coordinator or an auditor finds every verify in the log itself, and the last one survives a
/// restart.
public struct LogVerified: EventPayload {
    public static let type = "LogVerified"
    public static let schemaVersion = 1
    /// The stream of every verify.
    public static let stream = "log"
    /// The last position verified: the log's head when the walk ran.
    public var position: Int64
    /// The hash of the event at `position` (empty for an empty log).
    public var lastHash: String
    public var valid: Bool
    /// The verifier's report in a line or a few (`OK: 1200 events, hash chain intact`).
    public var summary: String

    public enum CodingKeys: String, CodingKey {
        case position
        case lastHash = "last_hash"
        case valid, summary
    }

    public init(position: Int64, lastHash: String, valid: Bool, summary: String) {
        self.position = position
        self.lastHash = lastHash
        self.valid = valid
        self.summary = summary
    }
}
