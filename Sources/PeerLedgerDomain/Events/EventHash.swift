import Crypto

/// The chain hash of one event, computed by feeding its fields to SHA-256 one after another
/// instead of joining them into one string and copying that into an array first: every append
/// and every `verify` step hashes, and the joined copy cost more than the digest. The digest is
/// exactly SHA-256 over `RecordedEvent.hashInput` (a test compares the two).
public enum EventHash {
    public static func hash(
        prevHash: String, position: Int64, stream: String, streamVersion: Int64, type: String,
        schemaVersion: Int, payload: String, metadata: String, recordedAt: String
    ) -> String {
        var hasher = SHA256()
        feed(&hasher, prevHash)
        // The field order of `hashInput`: recorded_at comes before payload and metadata.
        for field in [String(position), stream, String(streamVersion), type, String(schemaVersion), recordedAt, payload, metadata] {
            hasher.update(data: separator)
            feed(&hasher, field)
        }
        return hasher.finalize().hexString
    }

    private static let separator: [UInt8] = [0x1F]

    private static func feed(_ hasher: inout SHA256, _ text: String) {
        let done: Void? = text.utf8.withContiguousStorageIfAvailable { bytes in
            hasher.update(bufferPointer: UnsafeRawBufferPointer(bytes))
        }
        if done == nil { hasher.update(data: Array(text.utf8)) }
    }
}
