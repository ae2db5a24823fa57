import Foundation
import Logging
import PeerLedger
package import PeerLedgerDomain
import NIOPosix
import PostgresNIO

/// A schema of its own in a PostgreSQL database, for `peerledger bench --store`: the ledger's
/// tables and the baselines' table are made in it (every connection's `search_path` names it),
/// so a bench run leaves the database as it found it once `drop` has run.
package struct PostgresBenchSchema: Sendable {
    package let url: String
    package let schema: String

    /// Creates a new schema `peerledger_bench_<random>` in the database `url` names.
    package static func create(url: String) async throws -> PostgresBenchSchema {
        let schema = "peerledger_bench_\(UUID().uuidString.prefix(8).lowercased())"
        let bench = PostgresBenchSchema(url: url, schema: schema)
        try await bench.withConnection(searchPath: false) { connection in
            try await connection.query("CREATE SCHEMA \(unescaped: schema)", logger: Self.logger)
        }
        return bench
    }

    /// Drops the schema and everything the run made in it.
    package func drop() async throws {
        try await withConnection(searchPath: false) { connection in
            try await connection.query("DROP SCHEMA \(unescaped: schema) CASCADE", logger: Self.logger)
        }
    }

    /// `url` naming the schema (`options=-c search_path=…`): what a `serve --store` child of the
    /// benchmark connects with.
    package var schemaURL: String {
        // Added as text: URLComponents reads no host list (`PostgresStoreTarget`).
        let option = "-c search_path=\(schema)".addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
        return url + (url.contains("?") ? "&" : "?") + "options=" + option
    }

    /// An event store whose tables live in the schema.
    package func store(clock: any LedgerClock = SystemClock()) async throws -> PostgresEventStore {
        try await PostgresEventStore.connect(target: target(searchPath: true), clock: clock)
    }

    /// The baseline: `writers` connections at once, each committing its share of `count` rows of
    /// `payload` one at a time (`BEGIN; INSERT; COMMIT`) into a plain table with a primary key.
    /// Returns the seconds from the first insert to the last commit. `table` names a new table
    /// for a second run of the same size (`plain_rows_<writers>` otherwise).
    package func plainInserts(count: Int, writers: Int, payload: String, table name: String? = nil) async throws -> Double {
        let table = name ?? "plain_rows_\(writers)"
        try await withConnection(searchPath: true) { connection in
            try await connection.query(
                "CREATE TABLE \(unescaped: table) (id bigint PRIMARY KEY, payload text NOT NULL)", logger: Self.logger)
        }
        let target = try target(searchPath: true)
        var connections: [PostgresConnection] = []
        do {
            for id in 0..<writers {
                connections.append(try await target.connect(id: id, logger: Self.logger).connection)
            }
        } catch {
            for connection in connections { try? await connection.close() }
            throw PostgresStoreError.readable(error)
        }
        let started = ContinuousClock.now
        do {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for (writer, connection) in connections.enumerated() {
                    group.addTask {
                        for row in stride(from: writer, to: count, by: writers) {
                            try await connection.query("BEGIN", logger: Self.logger)
                            try await connection.query(
                                "INSERT INTO \(unescaped: table) (id, payload) VALUES (\(Int64(row)), \(payload))", logger: Self.logger)
                            try await connection.query("COMMIT", logger: Self.logger)
                        }
                    }
                }
                try await group.waitForAll()
            }
        } catch {
            for connection in connections { try? await connection.close() }
            throw PostgresStoreError.readable(error)
        }
        let elapsed = ContinuousClock.now - started
        for connection in connections { try? await connection.close() }
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    }

    /// The server's durability settings, as the bench reports them beside its figures.
    package func durabilitySettings() async throws -> String {
        try await withConnection(searchPath: false) { connection in
            var settings: [String] = []
            for name in ["fsync", "synchronous_commit", "synchronous_standby_names"] {
                for try await value in try await connection.query("SELECT current_setting(\(name))", logger: Self.logger)
                    .decode(String.self)
                {
                    settings.append("\(name)=\(value.isEmpty ? "''" : value)")
                }
            }
            return settings.joined(separator: " ")
        }
    }

    private static let logger = Logger(label: "peerledger.postgres.bench")

    private func target(searchPath: Bool) throws -> PostgresStoreTarget {
        try PostgresStoreTarget(url: searchPath ? schemaURL : url)
    }

    /// The server's WAL position, in bytes from its start: two readings apart are the WAL
    /// written between them, by every session of the server.
    package func walBytes() async throws -> Int64 {
        try await withConnection(searchPath: false) { connection in
            for try await bytes in try await connection.query(
                "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::bigint", logger: Self.logger
            ).decode(Int64.self) {
                return bytes
            }
            throw PostgresStoreError(message: "pg_current_wal_lsn() gave no row")
        }
    }

    @discardableResult
    private func withConnection<T: Sendable>(
        searchPath: Bool, _ body: @Sendable (PostgresConnection) async throws -> T
    ) async throws -> T {
        let connection = try await target(searchPath: searchPath).connect(id: 0, logger: Self.logger).connection
        do {
            let value = try await body(connection)
            try? await connection.close()
            return value
        } catch {
            try? await connection.close()
            throw PostgresStoreError.readable(error)
        }
    }
}
