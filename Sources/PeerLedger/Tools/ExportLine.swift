package import PeerLedgerDomain

/// One line of `peerledger export`: an event as a JSON object, and back.
///
/// The payload and metadata are written as the log stores them, byte for byte, not parsed and
/// written again: the event's hash covers those bytes, and JSON's writers differ in what they
/// escape (U+2028, `\b`, ...), so only the stored bytes let a restore check each hash. For the
/// log's canonical JSON the line is the same text `RecordedEvent.json` serializes to.
package enum ExportLine {
    /// The event as one line of JSON, without the line's end.
    package static func render(_ event: RecordedEvent) -> String {
        var out = "{\"position\":\(event.position),\"stream\":"
        JSON.writeString(event.stream, into: &out)
        out += ",\"stream_version\":\(event.streamVersion),\"type\":"
        JSON.writeString(event.type, into: &out)
        out += ",\"schema_version\":\(event.schemaVersion),\"recorded_at\":"
        JSON.writeString(event.recordedAt, into: &out)
        out += ",\"payload\":"
        writeStored(event.payload, into: &out)
        out += ",\"metadata\":"
        writeStored(event.metadata, into: &out)
        out += ",\"prev_hash\":"
        JSON.writeString(event.prevHash, into: &out)
        out += ",\"hash\":"
        JSON.writeString(event.hash, into: &out)
        out += "}"
        return out
    }

    /// Stored JSON text as it is; anything else (text that is not JSON, a JSON string, text with a
    /// line break that would split the line) as a JSON string of the text, which `event` reads
    /// back as that text.
    private static func writeStored(_ text: String, into out: inout String) {
        if !text.utf8.contains(where: { $0 == 0x0A || $0 == 0x0D }), let value = try? JSON.parse(text), value.stringValue == nil {
            out += text
        } else {
            JSON.writeString(text, into: &out)
        }
    }

    /// Why a line is not an event of an export.
    struct Unreadable: Error {
        let reason: String
    }

    static let members = [
        "position", "stream", "stream_version", "type", "schema_version", "recorded_at", "payload", "metadata", "prev_hash", "hash",
    ]

    /// The event a line holds, with the payload and metadata exactly as they appear in it (or, when
    /// written as a JSON string, that string's text): the bytes the event's hash covers.
    static func event(_ line: ArraySlice<UInt8>) throws(Unreadable) -> RecordedEvent {
        var values: [String: ArraySlice<UInt8>] = [:]
        for (name, value) in try MemberScan.members(of: line) {
            guard members.contains(name) else { throw Unreadable(reason: "unknown member \"\(name)\"") }
            guard values.updateValue(value, forKey: name) == nil else { throw Unreadable(reason: "member \"\(name)\" appears twice") }
        }
        func value(_ name: String) throws(Unreadable) -> JSON {
            guard let bytes = values[name] else { throw Unreadable(reason: "member \"\(name)\" is missing") }
            do { return try JSON.parse(Array(bytes)) } catch { throw Unreadable(reason: "member \"\(name)\": \(error)") }
        }
        func integer(_ name: String) throws(Unreadable) -> Int64 {
            guard case let .int(number) = try value(name) else { throw Unreadable(reason: "member \"\(name)\" is not an integer") }
            return number
        }
        func text(_ name: String) throws(Unreadable) -> String {
            guard let string = try value(name).stringValue else { throw Unreadable(reason: "member \"\(name)\" is not a string") }
            return string
        }
        func stored(_ name: String) throws(Unreadable) -> String {
            let parsed = try value(name)
            return parsed.stringValue ?? String(decoding: values[name] ?? [], as: UTF8.self)
        }
        // Read in the export's member order, so a line missing several names the first.
        let position = try integer("position")
        let stream = try text("stream")
        let streamVersion = try integer("stream_version")
        let type = try text("type")
        guard let schemaVersion = Int(exactly: try integer("schema_version")) else {
            throw Unreadable(reason: "member \"schema_version\" is out of range")
        }
        return RecordedEvent(
            position: position, stream: stream, streamVersion: streamVersion, type: type, schemaVersion: schemaVersion,
            payload: try stored("payload"), metadata: try stored("metadata"), recordedAt: try text("recorded_at"),
            prevHash: try text("prev_hash"), hash: try text("hash"))
    }
}

/// The members of one JSON object with the bytes of each value as they stand in the text, for
/// values whose bytes matter (a hash covers them). Only finds where values begin and end:
/// each value is then read by `JSON.parse`, which refuses any that is not well formed.
private struct MemberScan {
    let bytes: ArraySlice<UInt8>
    var index: Int

    static func members(of text: ArraySlice<UInt8>) throws(ExportLine.Unreadable) -> [(String, ArraySlice<UInt8>)] {
        var scan = MemberScan(bytes: text, index: text.startIndex)
        var found: [(String, ArraySlice<UInt8>)] = []
        scan.skipSpace()
        try scan.expect(UInt8(ascii: "{"), "the line is not a JSON object")
        scan.skipSpace()
        if scan.peek == UInt8(ascii: "}") {
            scan.index += 1
        } else {
            while true {
                scan.skipSpace()
                let keyStart = scan.index
                guard scan.peek == UInt8(ascii: "\"") else { throw scan.failure("a member name") }
                let keyEnd = try scan.endOfString(from: keyStart)
                guard let key = (try? JSON.parse(Array(text[keyStart..<keyEnd])))?.stringValue else {
                    throw ExportLine.Unreadable(reason: "a member name at byte \(keyStart - text.startIndex + 1) is not valid JSON")
                }
                scan.index = keyEnd
                scan.skipSpace()
                try scan.expect(UInt8(ascii: ":"), "expected ':' after \"\(key)\"")
                scan.skipSpace()
                let valueStart = scan.index
                scan.index = try scan.endOfValue(from: valueStart)
                found.append((key, text[valueStart..<scan.index]))
                scan.skipSpace()
                if scan.peek == UInt8(ascii: ",") {
                    scan.index += 1
                    continue
                }
                try scan.expect(UInt8(ascii: "}"), "expected ',' or '}' after \"\(key)\"")
                break
            }
        }
        scan.skipSpace()
        guard scan.index == text.endIndex else { throw scan.failure("the end of the line after the object") }
        return found
    }

    var peek: UInt8? { index < bytes.endIndex ? bytes[index] : nil }

    func failure(_ expected: String) -> ExportLine.Unreadable {
        ExportLine.Unreadable(reason: "expected \(expected) at byte \(index - bytes.startIndex + 1)")
    }

    mutating func skipSpace() {
        while let byte = peek, byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D { index += 1 }
    }

    mutating func expect(_ byte: UInt8, _ message: String) throws(ExportLine.Unreadable) {
        guard peek == byte else { throw ExportLine.Unreadable(reason: "\(message) (byte \(index - bytes.startIndex + 1))") }
        index += 1
    }

    /// Just past the string that starts at `start`.
    func endOfString(from start: Int) throws(ExportLine.Unreadable) -> Int {
        var at = start + 1
        while at < bytes.endIndex {
            switch bytes[at] {
            case UInt8(ascii: "\\"): at += 2
            case UInt8(ascii: "\""): return at + 1
            default: at += 1
            }
        }
        throw ExportLine.Unreadable(reason: "a string that starts at byte \(start - bytes.startIndex + 1) does not end")
    }

    /// Just past the value that starts at `start`: a string, an object or array (to its matching
    /// bracket, strings skipped), or a number or literal (to the next delimiter).
    func endOfValue(from start: Int) throws(ExportLine.Unreadable) -> Int {
        guard start < bytes.endIndex else { throw failure("a value") }
        switch bytes[start] {
        case UInt8(ascii: "\""):
            return try endOfString(from: start)
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            var depth = 0
            var at = start
            while at < bytes.endIndex {
                switch bytes[at] {
                case UInt8(ascii: "\""):
                    at = try endOfString(from: at)
                    continue
                case UInt8(ascii: "{"), UInt8(ascii: "["): depth += 1
                case UInt8(ascii: "}"), UInt8(ascii: "]"):
                    depth -= 1
                    if depth == 0 { return at + 1 }
                default: break
                }
                at += 1
            }
            throw ExportLine.Unreadable(reason: "a value that starts at byte \(start - bytes.startIndex + 1) does not end")
        default:
            var at = start
            while at < bytes.endIndex, !Self.delimiters.contains(bytes[at]) { at += 1 }
            guard at > start else { throw failure("a value") }
            return at
        }
    }

    private static let delimiters: Set<UInt8> = [UInt8(ascii: ","), UInt8(ascii: "}"), UInt8(ascii: "]"), 0x20, 0x09, 0x0A, 0x0D]
}
