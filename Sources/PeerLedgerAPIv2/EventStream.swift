import Foundation
import OpenAPIRuntime
import PeerLedger
import PeerLedgerDomain
import ServiceLifecycle

/// `/api/v2/events/stream`: the log live, as Server-Sent Events. The body is read a page at a
/// time and only as fast as the client takes it; between pages it waits for the ledger's commit
/// signal (`Ledger.commits`), never polling the log.
extension APIv2 {
    package func streamEvents(_ input: Operations.StreamEvents.Input) async throws -> Operations.StreamEvents.Output {
        let start = try Self.streamStart(lastEventID: input.headers.lastEventID, after: input.query.after)
        let body = EventStreamBody(ledger: ledger, after: start, heartbeat: heartbeat, pageSize: Self.streamPage)
        // Ended at a graceful shutdown, so the server does not wait on a stream that never ends.
        let bytes = HTTPBody(body.cancelOnGracefulShutdown(), length: .unknown, iterationBehavior: .single)
        return .ok(.init(body: .textEventStream(bytes)))
    }

    /// Events read from the log at a time for one client: the most a stream holds in memory.
    static let streamPage = 100

    /// Where a stream starts: after `Last-Event-ID` when given (a reconnecting EventSource sends
    /// it with the URL it first opened, whose `after` is stale by then), else after `after`, else
    /// at the log's beginning. Each is plain digits, 0 or more, at most `Int64.max`.
    static func streamStart(lastEventID: String?, after: String?) throws(Problem) -> Int64 {
        if let id = lastEventID?.trimmingCharacters(in: .whitespaces), !id.isEmpty {
            return try position(id, name: "Last-Event-ID")
        }
        if let after, !after.isEmpty { return try position(after, name: "after") }
        return 0
    }

    static func position(_ text: String, name: String) throws(Problem) -> Int64 {
        guard text.utf8.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }), let value = Int64(text) else {
            throw Problem.parameterInvalid(name, "must be a log position: plain digits, 0 to \(Int64.max); got '\(Values.quoted(text))'")
        }
        return value
    }
}

/// The body of one event stream: SSE messages of the events after a position, each page of the
/// log one chunk, and a keep-alive comment after `heartbeat` without one. Pulled by the server as
/// it writes to the client, so a slow client holds at most one page.
struct EventStreamBody: AsyncSequence, Sendable {
    typealias Element = ArraySlice<UInt8>

    let ledger: Ledger
    let after: Int64
    let heartbeat: Duration
    let pageSize: Int

    func makeAsyncIterator() -> Iterator {
        Iterator(ledger: ledger, position: after, heartbeat: heartbeat, pageSize: pageSize, lastSent: .now)
    }

    struct Iterator: AsyncIteratorProtocol {
        let ledger: Ledger
        /// The position of the last event sent (or the start).
        var position: Int64
        let heartbeat: Duration
        let pageSize: Int
        var lastSent: ContinuousClock.Instant
        var opened = false

        mutating func next() async throws -> ArraySlice<UInt8>? {
            if !opened {
                // A comment first, so the client has the answer's head at once, and knows where
                // the stream starts, even when no event follows for a while.
                opened = true
                return Array(": after \(position)\n\n".utf8)[...]
            }
            while !Task.isCancelled {
                // Noted before the read: a commit after it advances the generation, and the wait
                // below returns at once.
                let generation = ledger.commits.generation
                let page = try await ledger.events(after: position, limit: pageSize)
                if let last = page.last {
                    var chunk: [UInt8] = []
                    let encoder = EventStreamBody.makeEncoder()
                    for event in page { chunk += try EventStreamBody.message(event, encoder) }
                    position = last.position
                    lastSent = .now
                    return chunk[...]
                }
                let quietUntil = lastSent.advanced(by: heartbeat)
                if ContinuousClock.now >= quietUntil {
                    lastSent = .now
                    return Array(": keep-alive\n\n".utf8)[...]
                }
                await ledger.commits.wait(past: generation, atMost: quietUntil - .now)
            }
            return nil
        }
    }

    /// One SSE message: `id:` the position, `event:` the type, `data:` the event's JSON (one line:
    /// JSON text escapes every line break inside strings).
    static func message(_ event: RecordedEvent, _ encoder: JSONEncoder) throws -> [UInt8] {
        let json = try encoder.encode(APIv2.resource(event))
        var message = Array("id: \(event.position)\nevent: \(event.type)\ndata: ".utf8)
        message += json
        message += Array("\n\n".utf8)
        return message
    }

    static func makeEncoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // As the generated handlers write times: RFC 3339, UTC, milliseconds.
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(try ISO8601DateTranscoder.iso8601WithFractionalSeconds.encode(date))
        }
        return encoder
    }
}
