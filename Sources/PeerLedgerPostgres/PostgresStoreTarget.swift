import Foundation
public import Logging
import NIOPosix
import NIOSSL
public import PostgresNIO

/// Where a store connects and how: one server, or several tried in order as libpq tries a host
/// list (`postgres://USER@HOST1:PORT1,HOST2:PORT2/DB?target_session_attrs=read-write`), all with
/// the same user, password, database and TLS settings. With `read-write`, a server that takes no
/// writes (a standby) is passed over: after a failover promotes a standby, every connection the
/// store opens again finds the new primary, with no node restarted or pointed anywhere.
public struct PostgresStoreTarget: Sendable, CustomStringConvertible {
    /// Which server a connection may end on (libpq's `target_session_attrs`).
    public enum SessionAttributes: String, Sendable {
        /// The first server that answers (libpq's default).
        case any
        /// The first server that takes writes (`SHOW transaction_read_only` is `off`): the primary.
        case readWrite = "read-write"
    }

    /// One server of the list.
    public struct Server: Sendable, Equatable, CustomStringConvertible {
        public var host: String
        public var port: Int

        public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
    }

    /// The servers, in the order they are tried.
    public var servers: [Server]
    /// What every connection shares: user, password, database, TLS, startup parameters. Its host
    /// is the first server's; `connect` sets each server's own.
    public var configuration: PostgresConnection.Configuration
    public var sessionAttributes: SessionAttributes

    public var password: String? {
        get { configuration.password }
        set { configuration.password = newValue }
    }

    /// The target as people see it named: `postgres://USER@HOST:PORT[,HOST:PORT]/DB`, never a password.
    public var description: String {
        let database = configuration.database.map { "/\($0)" } ?? ""
        return "postgres://\(configuration.username)@\(servers.map(\.description).joined(separator: ","))\(database)"
    }

    /// Reads a `postgres://` URL, with libpq's `sslmode`, `sslrootcert`, `options` and
    /// `target_session_attrs`:
    ///
    /// - `sslmode=disable` (the default): no TLS;
    /// - `prefer`: TLS when the server offers it, its certificate not checked;
    /// - `require`: TLS or no connection; the certificate is not checked, unless `sslrootcert`
    ///   is given, and then it must chain to it (as libpq does);
    /// - `verify-ca`: TLS, the certificate chained to `sslrootcert` (or the system's roots);
    /// - `verify-full`: as `verify-ca`, and the certificate names the host;
    /// - `target_session_attrs=any` (the default) or `read-write`: see `SessionAttributes`.
    ///
    /// Any other value or query parameter is refused by name rather than ignored.
    public init(url: String) throws {
        let shown = StoreLocation(url).description
        let notAURL = PostgresStoreError(message: "\(shown) is not a postgres://USER@HOST[:PORT]/DB URL")
        // URLComponents reads one host: the list is read here, and the URL with the first server
        // alone goes to URLComponents for the rest.
        guard let schemeEnd = url.range(of: "://") else { throw notAURL }
        let rest = url[schemeEnd.upperBound...]
        let authority = rest[..<(rest.firstIndex(where: { $0 == "/" || $0 == "?" }) ?? rest.endIndex)]
        let hostList = authority.lastIndex(of: "@").map { authority[authority.index(after: $0)...] } ?? authority
        let entries = hostList.split(separator: ",", omittingEmptySubsequences: false)
        guard let first = entries.first, !first.isEmpty else { throw notAURL }
        var servers: [Server] = []
        for entry in entries {
            servers.append(try Self.server(entry, in: shown))
        }
        let single = String(url[..<hostList.startIndex]) + first + url[hostList.endIndex...]
        guard let parts = URLComponents(string: single), ["postgres", "postgresql"].contains(parts.scheme?.lowercased() ?? ""),
            let user = parts.user, !user.isEmpty
        else {
            throw notAURL
        }
        let database = String(parts.path.drop(while: { $0 == "/" }))
        var sslMode = "disable"
        var rootCertificate: String?
        var serverOptions: String?
        var attributes = SessionAttributes.any
        for item in parts.queryItems ?? [] {
            switch item.name {
            case "sslmode": sslMode = item.value ?? ""
            case "sslrootcert": rootCertificate = item.value
            // As libpq passes it: settings for the session, e.g. `-c search_path=ledger`.
            case "options": serverOptions = item.value
            case "target_session_attrs":
                guard let given = SessionAttributes(rawValue: item.value ?? "") else {
                    throw PostgresStoreError(message: "\(shown): target_session_attrs=\(item.value ?? "") is not one of any, read-write")
                }
                attributes = given
            default:
                throw PostgresStoreError(
                    message: "\(shown): unknown parameter '\(item.name)'; known: sslmode, sslrootcert, options, target_session_attrs")
            }
        }
        if let rootCertificate, !FileManager.default.isReadableFile(atPath: rootCertificate) {
            throw PostgresStoreError(message: "\(shown): sslrootcert \(rootCertificate) is not a readable file")
        }
        func context(_ verification: CertificateVerification) throws -> NIOSSLContext {
            var tls = TLSConfiguration.makeClientConfiguration()
            tls.certificateVerification = verification
            if let rootCertificate { tls.trustRoots = .file(rootCertificate) }
            do {
                return try NIOSSLContext(configuration: tls)
            } catch {
                throw PostgresStoreError(message: "\(shown): TLS cannot be set up: \(error)")
            }
        }
        let tls: PostgresConnection.Configuration.TLS
        switch sslMode {
        case "disable": tls = .disable
        case "prefer": tls = .prefer(try context(.none))
        case "require": tls = .require(try context(rootCertificate == nil ? .none : .noHostnameVerification))
        case "verify-ca": tls = .require(try context(.noHostnameVerification))
        case "verify-full": tls = .require(try context(.fullVerification))
        default:
            throw PostgresStoreError(
                message: "\(shown): sslmode=\(sslMode) is not one of disable, prefer, require, verify-ca, verify-full")
        }
        var configuration = PostgresConnection.Configuration(
            host: servers[0].host, port: servers[0].port, username: user, password: parts.password,
            database: database.isEmpty ? nil : database, tls: tls)
        if let serverOptions { configuration.options.additionalStartupParameters.append(("options", serverOptions)) }
        self.servers = servers
        self.configuration = configuration
        self.sessionAttributes = attributes
    }

    /// One `HOST[:PORT]` of the list (`[ADDRESS]:PORT` for IPv6), the port 5432 when not given.
    private static func server(_ entry: Substring, in shown: String) throws -> Server {
        var host = entry
        var portText: Substring?
        if entry.hasPrefix("[") {
            guard let close = entry.firstIndex(of: "]") else { throw PostgresStoreError(message: "\(shown): '\(entry)' has no closing ]") }
            host = entry[entry.index(after: entry.startIndex)..<close]
            let after = entry[entry.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { throw PostgresStoreError(message: "\(shown): '\(entry)' is not [ADDRESS]:PORT") }
                portText = after.dropFirst()
            }
        } else if let colon = entry.lastIndex(of: ":") {
            host = entry[..<colon]
            portText = entry[entry.index(after: colon)...]
        }
        guard !host.isEmpty else { throw PostgresStoreError(message: "\(shown): a server in the host list has no host") }
        guard let portText else { return Server(host: String(host), port: 5432) }
        guard let port = Int(portText), (1...65535).contains(port) else {
            throw PostgresStoreError(message: "\(shown): port \(portText) of \(host) is not a port (1 to 65535)")
        }
        return Server(host: String(host), port: port)
    }

    /// The settings for `server`: this target's, with that server's host and port.
    func configuration(for server: Server) -> PostgresConnection.Configuration {
        var settings = PostgresConnection.Configuration(
            host: server.host, port: server.port, username: configuration.username, password: configuration.password,
            database: configuration.database, tls: configuration.tls)
        settings.options = configuration.options
        return settings
    }

    /// Connects to the first server, in order, that answers and has the session attributes
    /// asked for; the server it ended on comes with it. When none does, the error names each
    /// server and why it was passed over (the server's own words where it answered).
    public func connect(id: Int, logger: Logger) async throws -> (connection: PostgresConnection, server: Server) {
        var reasons: [String] = []
        for server in servers {
            let connection: PostgresConnection
            do {
                connection = try await PostgresConnection.connect(
                    on: MultiThreadedEventLoopGroup.singleton.next(), configuration: configuration(for: server), id: id, logger: logger)
            } catch {
                let readable = PostgresStoreError.readable(error)
                if servers.count == 1 { throw readable }
                reasons.append("\(server): \((readable as? PostgresStoreError)?.message ?? "\(readable)")")
                continue
            }
            guard sessionAttributes == .readWrite else { return (connection, server) }
            do {
                var readOnly = "on"
                for try await value in try await connection.query("SHOW transaction_read_only", logger: logger).decode(String.self) {
                    readOnly = value
                }
                if readOnly == "off" { return (connection, server) }
                reasons.append("\(server): takes no writes (a standby, or default_transaction_read_only is on)")
            } catch {
                let readable = PostgresStoreError.readable(error)
                reasons.append("\(server): \((readable as? PostgresStoreError)?.message ?? "\(readable)")")
            }
            try? await connection.close()
        }
        let asked = sessionAttributes == .readWrite ? " that takes writes (target_session_attrs=read-write)" : ""
        // The caller names the store: the servers and their reasons are what is new here.
        throw PostgresStoreError(message: "no server\(asked): \(reasons.joined(separator: "; "))")
    }
}
