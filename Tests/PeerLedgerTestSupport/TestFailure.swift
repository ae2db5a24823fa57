/// Why a test's helper could not do what the test asked (a daemon that did not start, a child
/// that did not exit in time): thrown so the test fails with this sentence as its message.
public struct TestFailure: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
