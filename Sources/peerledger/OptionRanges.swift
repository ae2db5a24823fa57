import ArgumentParser

/// Refuses a numeric option outside the range the command can act on, naming the option, before
/// anything runs: a value the later arithmetic (seconds to milliseconds, days to seconds, a loop's
/// bound) cannot hold must be a clear error, never an overflow trap.
func require<Value: Comparable & CustomStringConvertible>(
    _ value: Value, in range: ClosedRange<Value>, option: String, unit: String = ""
) throws {
    guard range.contains(value) else {
        let suffix = unit.isEmpty ? "" : " \(unit)"
        throw ValidationError("\(option) must be from \(range.lowerBound) to \(range.upperBound)\(suffix), got \(value)")
    }
}
