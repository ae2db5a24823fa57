import PostgresNIO

/// What went wrong talking to PostgreSQL, with the server's own words when it answered.
public struct PostgresStoreError: Error, CustomStringConvertible, Sendable {
    /// The server's SQLSTATE (`23505`, `42501`...), or nil when the server said nothing.
    public var sqlState: String?
    public var message: String

    public init(sqlState: String? = nil, message: String) {
        self.sqlState = sqlState
        self.message = message
    }

    public var description: String {
        sqlState.map { "PostgreSQL \($0): \(message)" } ?? "PostgreSQL: \(message)"
    }

    /// postgres-nio's error, which hides the server's message from its description, made
    /// readable; any other error as it is.
    static func readable(_ error: any Error) -> any Error {
        guard let error = error as? PSQLError else { return error }
        if let info = error.serverInfo {
            return PostgresStoreError(sqlState: info[.sqlState], message: info[.message] ?? "\(error.code)")
        }
        // Without the server's words (it was never reached, or went away), the cause postgres-nio
        // keeps underneath says why: connection refused, a TLS failure, a timeout.
        guard let cause = error.underlying else { return PostgresStoreError(message: "\(error.code)") }
        // A cause that is postgres-nio's error again says only its code readably.
        if let inner = cause as? PSQLError {
            return PostgresStoreError(message: "\(error.code): \((readable(inner) as? PostgresStoreError)?.message ?? "\(inner.code)")")
        }
        return PostgresStoreError(message: "\(error.code): \(cause)")
    }
}
