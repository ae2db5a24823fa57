public import PeerLedgerDomain

extension RecordedEvent {
    /// The event for people and tools: payload and metadata as JSON objects, not strings.
    public var json: JSON {
        .object([
            ("position", .int(position)),
            ("stream", .string(stream)),
            ("stream_version", .int(streamVersion)),
            ("type", .string(type)),
            ("schema_version", .int(Int64(schemaVersion))),
            ("recorded_at", .string(recordedAt)),
            ("payload", (try? JSON.parse(payload)) ?? .string(payload)),
            ("metadata", (try? JSON.parse(metadata)) ?? .string(metadata)),
            ("prev_hash", .string(prevHash)),
            ("hash", .string(hash)),
        ])
    }

    /// One line for a terminal: when, who, what.
    public var summaryLine: String {
        let actor = (try? JSON.parse(metadata))?["actor"]?.stringValue ?? "?"
        return "#\(position) \(recordedAt) \(actor) \(stream) v\(streamVersion) \(type) \(payload)"
    }
}
