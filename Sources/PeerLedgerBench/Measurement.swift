import Foundation

/// One row of the benchmark table: a workload's figure beside its baseline measured in the same run.
public struct BenchmarkRow: Sendable {
    public var workload: String
    public var figure: Double
    public var baseline: Double?
    /// "events/s", "ms", ...
    public var unit: String
    /// True when a larger figure is better (rates), false for latencies.
    public var higherIsBetter: Bool
    public var target: String
    public var note: String = ""

    /// figure / baseline for rates, baseline / figure for latencies: 1.0 means as fast as the baseline.
    public var ratio: Double? {
        guard let baseline, baseline > 0, figure > 0 else { return nil }
        return higherIsBetter ? figure / baseline : baseline / figure
    }
}

/// Timing helpers: wall clock with ContinuousClock, and percentiles over samples.
enum Stopwatch {
    static func seconds(_ body: () throws -> Void) rethrows -> Double {
        let start = ContinuousClock.now
        try body()
        return (ContinuousClock.now - start).seconds
    }

    static func seconds(_ body: () async throws -> Void) async rethrows -> Double {
        let start = ContinuousClock.now
        try await body()
        return (ContinuousClock.now - start).seconds
    }

    static func percentile(_ samples: [Double], _ p: Double) -> Double {
        guard !samples.isEmpty else { return 0 }
        let sorted = samples.sorted()
        let index = min(sorted.count - 1, Int((Double(sorted.count - 1) * p).rounded()))
        return sorted[index]
    }
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}

/// Resident and peak memory of this process (or another), from /proc (Linux).
public enum Memory {
    public static func residentMegabytes() -> Double { value("VmRSS:") }
    public static func peakMegabytes() -> Double { value("VmHWM:") }

    /// A `Vm...:` line of a /proc status file, in MB (0 when it cannot be read).
    static func value(_ key: String, path: String = "/proc/self/status") -> Double {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8),
            let line = text.split(separator: "\n").first(where: { $0.hasPrefix(key) }),
            let kilobytes = Double(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "")
        else { return 0 }
        return kilobytes / 1024
    }
}
