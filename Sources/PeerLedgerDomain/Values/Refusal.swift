/// A request the ledger will not carry out, with a message for the caller that names what was
/// wrong. Refusals change nothing: they are thrown before anything is appended, or roll it back.
public struct Refusal: Error, Equatable, CustomStringConvertible {
    public let message: String

    public init(_ message: String) { self.message = message }

    public var description: String { message }
}
