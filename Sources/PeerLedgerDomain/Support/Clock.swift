import Foundation
import Synchronization

/// Where the ledger gets "now". Injected so that replays and tests record byte-identical events.
public protocol LedgerClock: Sendable {
    func now() -> Timestamp
}

/// The wall clock.
public struct SystemClock: LedgerClock {
    public init() {}
    public func now() -> Timestamp { Timestamp(Date()) }
}

/// A clock that starts at a fixed moment and moves by a fixed step each time it is read: the
/// same calls always see the same times.
public final class SteppingClock: LedgerClock {
    private let state: Mutex<Int64>
    private let step: Int64

    public init(start: Timestamp, stepMillis: Int64 = 1000) {
        self.state = Mutex(start.millis)
        self.step = stepMillis
    }

    public func now() -> Timestamp {
        state.withLock { current in
            defer { current += step }
            return Timestamp(millis: current)
        }
    }

    /// Moves the clock to a given moment (a replay step can say when it happens).
    public func set(_ moment: Timestamp) { state.withLock { $0 = moment.millis } }
}

/// Where the ledger gets opaque identifiers (request ids, secret refs). Injected for determinism.
public protocol IDGenerator: Sendable {
    func next() -> String
}

/// Random UUIDs, lowercased.
public struct RandomIDs: IDGenerator {
    public init() {}
    public func next() -> String { UUID().uuidString.lowercased() }
}

/// `prefix-1`, `prefix-2`, ...: the same sequence every run.
public final class SequentialIDs: IDGenerator {
    private let counter = Mutex(0)
    private let prefix: String

    public init(prefix: String = "id") { self.prefix = prefix }

    public func next() -> String {
        counter.withLock { value in
            value += 1
            return "\(prefix)-\(value)"
        }
    }
}
