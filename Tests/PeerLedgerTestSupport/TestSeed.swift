import Foundation

/// The seed of a test's random inputs: printed with the test's name before it is used, and
/// settable, so any run can be repeated exactly (`PEERLEDGER_TEST_SEED=N swift test --filter
/// NAME`). Feed it to `SplitMix64(seed:)`, the generator every seeded test uses.
public enum TestSeed {
    /// The variable that sets every seeded test's seed at once.
    public static let variable = "PEERLEDGER_TEST_SEED"

    /// `name`'s seed: the environment's `variable` when set; otherwise `fixed` (a test whose
    /// inputs have always been the same ones) or, without it, a fresh seed for this run. A value
    /// that is not an unsigned 64-bit number throws, naming the variable.
    public static func value(_ name: String, fixed: UInt64? = nil, variable: String = variable) throws -> UInt64 {
        let seed: UInt64
        if let text = ProcessInfo.processInfo.environment[variable] {
            guard let given = UInt64(text) else {
                throw TestFailure("\(variable)=\(text) is not a seed (an unsigned 64-bit number, as a run prints it)")
            }
            seed = given
        } else {
            seed = fixed ?? UInt64.random(in: .min ... .max)
        }
        print("\(name): seed \(seed) (\(variable)=\(seed) repeats it)")
        return seed
    }
}
