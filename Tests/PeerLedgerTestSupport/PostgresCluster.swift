import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Debian's PostgreSQL 15 server programs (`apt-get install postgresql`).
public let postgresPrograms = "/usr/lib/postgresql/15/bin"

/// Why a throw-away PostgreSQL cluster cannot be started here, or nil: initdb refuses to run as
/// root, so the cluster runs as the `postgres` user through runuser, which needs root.
public let postgresMissing: String? = {
    if let missing = missingRootOrPrograms(
        ["\(postgresPrograms)/initdb", "\(postgresPrograms)/pg_ctl", "\(postgresPrograms)/createdb", "/usr/sbin/runuser"],
        install: "postgresql", root: "the cluster runs as the postgres user through runuser")
    {
        return missing
    }
    return getpwnam("postgres") == nil ? "no postgres user (apt-get install postgresql)" : nil
}()

/// The condition of every test that needs PostgreSQL: `.enabled(if: postgresAvailable, ...)`.
public let postgresAvailable = postgresMissing == nil

/// A throw-away PostgreSQL cluster: initdb'd in a temporary folder as the `postgres` user,
/// listening on a free loopback port, with an empty database `ledger`; `stop` ends it and removes
/// the folder. Every step is bounded in time.
///
/// The tests of one process share one cluster (`withPostgresDatabase`), each in a database of its
/// own, and the cluster is stopped when the process exits: an initdb and a start per test cost
/// seconds each on two cores. A test that needs a cluster to itself (to stop or promote it) uses
/// `withPostgresCluster`.
public struct PostgresCluster: Sendable {
    public let folder: String
    public let port: Int

    /// The `ledger` database's URL.
    public var url: String { url(database: "ledger") }

    public func url(database: String) -> String { "postgres://postgres@127.0.0.1:\(port)/\(database)?sslmode=disable" }

    private var data: String { "\(folder)/data" }

    /// The server's programs run one at a time on this queue (its own thread, neither Swift's
    /// pool nor Dispatch's shared workers, which tests running side by side would leave waiting).
    private static let programs = DispatchQueue(label: "peerledger.test.postgres")

    private static func onProgramsQueue<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            programs.async { continuation.resume(with: Result { try work() }) }
        }
    }

    /// Starts a cluster of its own; with `tls`, a certificate and its key (PEM files), it also
    /// accepts TLS (`ssl=on`) with them, beside plain connections.
    public static func start(tls: (certificate: String, key: String)? = nil) async throws -> PostgresCluster {
        try await onProgramsQueue { try startBlocking(tls: tls) }
    }

    /// The cluster this process's tests share, started by the first test that asks.
    public static func shared() async throws -> PostgresCluster {
        // Once started, at once: the programs' queue is only for starting it, and behind the
        // other tests' programs (an initdb, a base backup) a test asking for it waited a minute.
        if let started = sharedCluster.withLock({ $0 }) { return try started.get() }
        return try await onProgramsQueue {
            if let started = sharedCluster.withLock({ $0 }) { return try started.get() }
            let started = Result { try startBlocking() }.mapError { TestFailure("\($0)") }
            sharedCluster.withLock { $0 = started }
            if case .success = started { atexit { stopSharedCluster() } }
            return try started.get()
        }
    }

    /// A new empty database in this cluster; its URL.
    public func createDatabase() async throws -> String {
        let name = "ledger_\(databaseCount.withLock { count in count += 1; return count })"
        let port = self.port
        try await Self.onProgramsQueue {
            try Self.asPostgres("createdb", ["-h", "127.0.0.1", "-p", "\(port)", "-U", "postgres", name], seconds: 60)
        }
        return url(database: name)
    }

    private static func startBlocking(tls: (certificate: String, key: String)? = nil) throws -> PostgresCluster {
        let folder = try newFolder()
        var cluster = PostgresCluster(folder: folder, port: 0)
        do {
            try asPostgres("initdb", ["-D", cluster.data, "-A", "trust", "-U", "postgres", "--no-sync"], seconds: 120)
            var settings: [String] = []
            if let tls {
                // The server reads them as the postgres user, and refuses a key others can read.
                for (source, name) in [(tls.certificate, "server.crt"), (tls.key, "server.key")] {
                    let path = "\(folder)/\(name)"
                    try FileManager.default.copyItem(atPath: source, toPath: path)
                    try FileManager.default.setAttributes([.ownerAccountName: "postgres", .posixPermissions: 0o600], ofItemAtPath: path)
                }
                settings = ["-c", "ssl=on", "-c", "ssl_cert_file=\(folder)/server.crt", "-c", "ssl_key_file=\(folder)/server.key"]
            }
            // A free port may be taken between the pick and the server's bind: a few tries.
            var lastFailure: (any Error)?
            for _ in 0..<3 {
                cluster = PostgresCluster(folder: folder, port: try freeLoopbackPort())
                do {
                    // fsync off: a throw-away cluster, and the machine's disk is shared.
                    // The server itself as a child (pg_ctl's daemon did not outlive runuser under the
                    // test runner), its outputs to its log; stopped by SIGINT to the postmaster.
                    try launchServer(data: cluster.data, port: cluster.port, folder: folder, settings: settings)
                    try cluster.waitUntilReady(seconds: 60)
                    lastFailure = nil
                    break
                } catch {
                    lastFailure = error
                }
            }
            if let lastFailure { throw lastFailure }
            try asPostgres("createdb", ["-h", "127.0.0.1", "-p", "\(cluster.port)", "-U", "postgres", "ledger"], seconds: 60)
            return cluster
        } catch {
            let log = (try? String(contentsOfFile: "\(folder)/server.log", encoding: .utf8)) ?? ""
            cluster.stopBlocking()
            throw TestFailure("PostgreSQL did not start: \(error)\n\(log)")
        }
    }

    // MARK: Replication

    /// A streaming standby of this cluster, in a folder of its own on a free port: a base backup
    /// taken with `pg_basebackup -R` (which writes `standby.signal` and `primary_conninfo`; with
    /// `--checkpoint=fast`, since a spread checkpoint on an idle primary takes a minute or more),
    /// started with `cluster_name` = `name`, the name the primary's `synchronous_standby_names`
    /// lists. Returns once the standby accepts connections; `waitForSynchronousStandby` tells when
    /// it streams.
    public func startStandby(named name: String) async throws -> PostgresCluster {
        let primaryPort = port
        return try await Self.onProgramsQueue {
            let folder = try Self.newFolder()
            var standby = PostgresCluster(folder: folder, port: 0)
            do {
                try Self.asPostgres(
                    "pg_basebackup",
                    ["-h", "127.0.0.1", "-p", "\(primaryPort)", "-U", "postgres", "-D", standby.data, "-R", "-X", "stream", "--no-sync",
                     "--checkpoint=fast"],
                    seconds: 120)
                standby = PostgresCluster(folder: folder, port: try freeLoopbackPort())
                try Self.launchServer(data: standby.data, port: standby.port, folder: folder, settings: ["-c", "cluster_name=\(name)"])
                try standby.waitUntilReady(seconds: 60)
                return standby
            } catch {
                let log = (try? String(contentsOfFile: "\(folder)/server.log", encoding: .utf8)) ?? ""
                standby.stopBlocking()
                throw TestFailure("the standby did not start: \(error)\n\(log)")
            }
        }
    }

    /// Runs `sql` through psql as the superuser on database `database`; its output, unaligned and
    /// without headers. Fails naming the statement unless psql exits 0 within `seconds`.
    @discardableResult
    public func psql(_ sql: String, database: String = "ledger", seconds: Double = 30) async throws -> String {
        let port = self.port
        return try await offPool {
            let run = try runProgram(
                "\(postgresPrograms)/psql",
                ["-h", "127.0.0.1", "-p", "\(port)", "-U", "postgres", "-d", database, "-X", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-c", sql],
                seconds: seconds)
            guard run.exited, run.status == 0 else { throw TestFailure("psql -c \(sql) exited \(run.status): \(run.errors)") }
            return run.output.trimmingCharacters(in: .whitespacesAndNewlines)
        }
    }

    /// Makes every commit wait until the standby `name` has flushed it (`synchronous_commit = on`,
    /// the default, with `synchronous_standby_names`), and waits, at most `limit`, until the
    /// primary reports that standby as streaming synchronously.
    public func requireSynchronousStandby(named name: String, within limit: Duration = .seconds(60)) async throws {
        try await psql("ALTER SYSTEM SET synchronous_standby_names = '\(name)'", database: "postgres")
        try await psql("SELECT pg_reload_conf()", database: "postgres")
        try await waitUntil("standby \(name) to stream synchronously", within: limit, every: .milliseconds(100)) {
            try await psql(
                "SELECT sync_state FROM pg_stat_replication WHERE application_name = '\(name)' AND state = 'streaming'",
                database: "postgres") == "sync"
        }
    }

    /// Kills the server as a crash does: SIGKILL to the postmaster and to every process it
    /// started, so no backend finishes what it was doing. The folder stays until `stop`.
    public func crash() async throws {
        let data = self.data
        try await offPool {
            guard let pidFile = try? String(contentsOfFile: "\(data)/postmaster.pid", encoding: .utf8),
                let postmaster = pidFile.split(separator: "\n").first.flatMap({ pid_t($0) })
            else { throw TestFailure("no postmaster.pid in \(data): the server is not running") }
            let children = childProcesses(of: postmaster)
            Glibc.kill(postmaster, SIGKILL)
            for child in children { Glibc.kill(child, SIGKILL) }
        }
    }

    /// Promotes a standby to a primary (`pg_ctl promote` without its wait, which did not return
    /// under the test runner) and waits, at most `limit`, until it accepts writes.
    public func promote(within limit: Duration = .seconds(60)) async throws {
        let data = self.data
        try await offPool { try Self.asPostgres("pg_ctl", ["promote", "-D", data, "-W"], seconds: 30) }
        try await waitUntil("the promoted standby to leave recovery", within: limit, every: .milliseconds(100)) {
            try await psql("SELECT pg_is_in_recovery()", database: "postgres") == "f"
        }
    }

    /// A new folder for a cluster, which the `postgres` user may write in. Short: the server's
    /// socket path must stay under the 107 bytes a Unix socket allows.
    private static func newFolder() throws -> String {
        let folder = "/tmp/pl-pg-\(UUID().uuidString.prefix(8).lowercased())"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: false)
        try FileManager.default.setAttributes([.posixPermissions: 0o777], ofItemAtPath: folder)
        return folder
    }

    /// Stops the server (fast shutdown, bounded) and removes the folder.
    public func stop() async {
        _ = try? await Self.onProgramsQueue { stopBlocking() }
    }

    /// At the process's exit: asks the server for a fast shutdown (SIGINT to the postmaster),
    /// waits for it at most 10 s, and removes the folder.
    fileprivate func stopAtExit() {
        if let pidFile = try? String(contentsOfFile: "\(data)/postmaster.pid", encoding: .utf8),
            let pid = pidFile.split(separator: "\n").first.flatMap({ pid_t($0) })
        {
            kill(pid, SIGINT)
            for _ in 0..<200 where kill(pid, 0) == 0 { usleep(50_000) }
        }
        try? FileManager.default.removeItem(atPath: folder)
    }

    private func stopBlocking() { stopAtExit() }

    /// Waits, at most `seconds`, until the server says in `postmaster.pid` that it accepts
    /// connections (pg_ctl's own wait did not return under the test runner).
    private func waitUntilReady(seconds: Double) throws {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if let status = try? String(contentsOfFile: "\(data)/postmaster.pid", encoding: .utf8) {
                let lines = status.split(separator: "\n", omittingEmptySubsequences: false)
                if lines.count >= 8, lines[7].hasPrefix("ready") { return }
            }
            usleep(50_000)
        }
        throw TestFailure("the server did not accept connections within \(seconds) s")
    }

    /// Runs one of the server's programs as the `postgres` user; fails naming it and its errors
    /// unless it exits 0 within `seconds`.
    private static func launchServer(data: String, port: Int, folder: String, settings: [String]) throws {
        _ = FileManager.default.createFile(atPath: "\(folder)/server.log", contents: nil)
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: "\(folder)/server.log"))
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/sbin/runuser")
        process.arguments = [
            "-u", "postgres", "--", "\(postgresPrograms)/postgres", "-D", data, "-p", "\(port)", "-k", folder,
            "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off", "-c", "max_connections=400",
        ] + settings
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = log
        process.standardError = log
        try process.run()
    }

    private static func asPostgres(_ program: String, _ arguments: [String], seconds: Double) throws {
        let run = try runProgram(
            "/usr/sbin/runuser", ["-u", "postgres", "--", "\(postgresPrograms)/\(program)"] + arguments, seconds: seconds)
        guard run.exited, run.status == 0 else {
            throw TestFailure("\(program) \(arguments.joined(separator: " ")) exited \(run.status): \(run.errors)\(run.output)")
        }
    }
}

private let sharedCluster = Mutex<Result<PostgresCluster, TestFailure>?>(nil)
private let databaseCount = Mutex(0)

/// The processes whose parent is `parent`, read from /proc.
private func childProcesses(of parent: pid_t) -> [pid_t] {
    let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
    return entries.compactMap { entry -> pid_t? in
        guard let pid = pid_t(entry), let stat = try? String(contentsOfFile: "/proc/\(entry)/stat", encoding: .utf8),
            let afterName = stat.range(of: ") ", options: .backwards)
        else { return nil }
        // After the command's name: the state, then the parent's pid.
        let fields = stat[afterName.upperBound...].split(separator: " ")
        return fields.count > 1 && pid_t(fields[1]) == parent ? pid : nil
    }
}

private func stopSharedCluster() {
    if case let .success(cluster) = sharedCluster.withLock({ $0 }) { cluster.stopAtExit() }
}

/// Runs `body` with the URL of a new, empty database of the process's shared cluster.
public func withPostgresDatabase<T>(_ body: (String) async throws -> T) async throws -> T {
    let url = try await PostgresCluster.shared().createDatabase()
    return try await body(url)
}

/// Runs `body` with a cluster of its own (accepting TLS with `tls`, see `PostgresCluster.start`),
/// stopped and removed afterwards whatever `body` did.
public func withPostgresCluster<T>(
    tls: (certificate: String, key: String)? = nil, _ body: (PostgresCluster) async throws -> T
) async throws -> T {
    let cluster = try await PostgresCluster.start(tls: tls)
    do {
        let value = try await body(cluster)
        await cluster.stop()
        return value
    } catch {
        await cluster.stop()
        throw error
    }
}
