public import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The body of one kind of event. Its `type` names it in the log; `schemaVersion` lets an old
/// shape be upcast when read, so events written years ago stay readable.
public protocol EventPayload: Codable, Sendable, Equatable {
    static var type: String { get }
    static var schemaVersion: Int { get }
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

    public enum CodingKeys: String, CodingKey {
        case actor
        case requestID = "request_id"
        case clientAddress = "client_address"
    }

    /// The actor for commands typed at this machine's shell: `USER`, else `LOGNAME`, else the
    /// name of the process's effective user id (cron jobs, systemd units and `env -i` set
    /// neither variable, and every change must still name who made it), else `uid-N`.
    public static func commandLine(environment: [String: String] = ProcessInfo.processInfo.environment) -> EventMetadata {
        let named = [environment["USER"], environment["LOGNAME"]].lazy.compactMap { $0 }.first { !$0.isEmpty }
        return EventMetadata(actor: "cli:\(named ?? processUserName())")
    }

    /// The login name of the effective user id, from the password database (`getpwuid_r`: the
    /// plain `getpwuid` shares one buffer between threads).
    public static func processUserName() -> String {
        let uid = geteuid()
        var buffer = [CChar](repeating: 0, count: 4096)
        // The entry's strings live in `buffer`: read them before it goes.
        let name = buffer.withUnsafeMutableBufferPointer { storage -> String? in
            var entry = passwd()
            var found: UnsafeMutablePointer<passwd>?
            guard let base = storage.baseAddress, getpwuid_r(uid, &entry, base, storage.count, &found) == 0, found != nil,
                let name = entry.pw_name
            else { return nil }
            return String(validatingCString: name)
        }
        if let name, !name.isEmpty { return name }
        return "uid-\(uid)"
    }
}

/// An event as stored: its place in the log, its stream, and the bytes the hash covers.
///
/// A value, with its fields kept in one immutable object: a copy is one retain instead of one for
/// each of its six strings. A replay copies each event out of the read-ahead chunk to apply it,
/// and those retains and releases were about a twentieth of a rebuild's applying thread.
public struct RecordedEvent: Sendable, Equatable {
    private final class Fields: Sendable {
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

        public init(
            position: Int64, stream: String, streamVersion: Int64, type: String, schemaVersion: Int, payload: String,
            metadata: String, recordedAt: String, prevHash: String, hash: String
        ) {
            self.position = position
            self.stream = stream
            self.streamVersion = streamVersion
            self.type = type
            self.schemaVersion = schemaVersion
            self.payload = payload
            self.metadata = metadata
            self.recordedAt = recordedAt
            self.prevHash = prevHash
            self.hash = hash
        }
    }

    private let fields: Fields

    public init(
        position: Int64, stream: String, streamVersion: Int64, type: String, schemaVersion: Int, payload: String,
        metadata: String, recordedAt: String, prevHash: String, hash: String
    ) {
        fields = Fields(
            position: position, stream: stream, streamVersion: streamVersion, type: type, schemaVersion: schemaVersion,
            payload: payload, metadata: metadata, recordedAt: recordedAt, prevHash: prevHash, hash: hash)
    }

    public var position: Int64 { fields.position }
    public var stream: String { fields.stream }
    public var streamVersion: Int64 { fields.streamVersion }
    public var type: String { fields.type }
    public var schemaVersion: Int { fields.schemaVersion }
    public var payload: String { fields.payload }
    public var metadata: String { fields.metadata }
    public var recordedAt: String { fields.recordedAt }
    public var prevHash: String { fields.prevHash }
    public var hash: String { fields.hash }

    public static func == (lhs: RecordedEvent, rhs: RecordedEvent) -> Bool {
        lhs.fields === rhs.fields
            || (lhs.position == rhs.position && lhs.stream == rhs.stream && lhs.streamVersion == rhs.streamVersion
                && lhs.type == rhs.type && lhs.schemaVersion == rhs.schemaVersion && lhs.payload == rhs.payload
                && lhs.metadata == rhs.metadata && lhs.recordedAt == rhs.recordedAt && lhs.prevHash == rhs.prevHash
                && lhs.hash == rhs.hash)
    }

    /// The bytes that `hash` covers, after `prev_hash`. Fields are joined by U+001F, which canonical
    /// JSON never contains unescaped and the other fields cannot contain.
    public static func hashInput(
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
