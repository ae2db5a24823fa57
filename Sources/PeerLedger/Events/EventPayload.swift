import Foundation

/// The body of one kind of event. Its `type` names it in the log; `schemaVersion` lets an old
/// shape be upcast when read, so events written years ago stay readable.
public protocol EventPayload: Codable, Sendable, Equatable {
    static var type: String { get }
    static var schemaVersion: Int { get }
}

/// Canonical JSON for the log: sorted keys, no escaped slashes, the same bytes for the same value.
enum CanonicalJSON {
    static func encode<T: Encodable>(_ value: T) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    static func decode<T: Decodable>(_ type: T.Type, from text: String) throws -> T {
        try JSONDecoder().decode(type, from: Data(text.utf8))
    }
}

/// Who did it and on whose behalf: stored with every event, never containing a secret.
public struct EventMetadata: Codable, Sendable, Equatable {
    /// The API key's name, or `cli:<user>` for the command line.
    public var actor: String
    public var requestID: String?
    public var clientAddress: String?

    public init(actor: String, requestID: String? = nil, clientAddress: String? = nil) {
        self.actor = actor
        self.requestID = requestID
        self.clientAddress = clientAddress
    }

    enum CodingKeys: String, CodingKey {
        case actor
        case requestID = "request_id"
        case clientAddress = "client_address"
    }

    /// The actor for commands typed at this machine's shell.
    public static func commandLine() -> EventMetadata {
        let user = ProcessInfo.processInfo.environment["USER"] ?? ProcessInfo.processInfo.environment["LOGNAME"] ?? "unknown"
        return EventMetadata(actor: "cli:\(user)")
    }
}

/// An event as stored: its place in the log, its stream, and the bytes the hash covers.
public struct RecordedEvent: Sendable, Equatable {
    public let position: Int64
    public let stream: String
    public let streamVersion: Int64
    public let type: String
    public let schemaVersion: Int
    public let payload: String
    public let metadata: String
    public let recordedAt: String
    public let prevHash: String
    public let hash: String

    /// The bytes that `hash` covers, after `prev_hash`. Fields are joined by U+001F, which canonical
    /// JSON never contains unescaped and the other fields cannot contain.
    static func hashInput(
        prevHash: String, position: Int64, stream: String, streamVersion: Int64, type: String,
        schemaVersion: Int, payload: String, metadata: String, recordedAt: String
    ) -> String {
        [prevHash, String(position), stream, String(streamVersion), type, String(schemaVersion), recordedAt, payload, metadata]
            .joined(separator: "\u{1F}")
    }

    /// 64 zeros: the `prev_hash` of position 1.
    public static let genesisHash = String(repeating: "0", count: 64)
}

/// The stream an append states it expects, for optimistic concurrency.
public enum ExpectedVersion: Sendable, Equatable {
    /// The stream must not exist yet.
    case noStream
    /// The stream must be exactly at this version.
    case exactly(Int64)
    /// Whatever version the stream is at: for events that cannot conflict with a decision, such
    /// as a state observed on a router.
    case any
}
