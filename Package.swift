// swift-tools-version:6.1
import PackageDescription

/// Strict concurrency is the Swift 6 language mode's default; it is stated here so no target can
/// quietly opt out.
let strict: [SwiftSetting] = [
    .swiftLanguageMode(.v6), .enableUpcomingFeature("ExistentialAny"), .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "peerledger",
    platforms: [.macOS(.v14)],
    products: [
        .library(name: "PeerLedgerDomain", targets: ["PeerLedgerDomain"]),
        .library(name: "PeerLedger", targets: ["PeerLedger"]),
        .library(name: "PeerLedgerAPIv1", targets: ["PeerLedgerAPIv1"]),
        .library(name: "PeerLedgerAPIv2", targets: ["PeerLedgerAPIv2"]),
        .library(name: "PeerLedgerRouters", targets: ["PeerLedgerRouters"]),
        .library(name: "PeerLedgerFixtures", targets: ["PeerLedgerFixtures"]),
        .library(name: "PeerLedgerPostgres", targets: ["PeerLedgerPostgres"]),
        .executable(name: "peerledger", targets: ["peerledger"]),
    ],
    dependencies: [
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.1"),
        .package(url: "https://github.com/swiftlang/swift-subprocess", from: "1.0.2"),
        // serve's HTTP server and background workers as one ServiceGroup (graceful shutdown).
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        // The configuration file (peerledger.toml): a TOML parser that hands back every key, so
        // unknown ones can be refused by name (docs/operations.md says why not swift-configuration).
        .package(url: "https://github.com/LebJe/TOMLKit", from: "0.6.0"),
        // The event store on PostgreSQL.
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.0"),
        // APIv2: its server is generated from openapi.yaml at build time and served through
        // Hummingbird.
        .package(url: "https://github.com/apple/swift-openapi-generator", from: "1.14.3"),
        .package(url: "https://github.com/apple/swift-openapi-runtime", from: "1.13.4"),
        .package(url: "https://github.com/hummingbird-project/swift-openapi-hummingbird", from: "2.1.0"),
        // APIv2's tests read the served spec as YAML (already in the graph through the generator).
        .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
        // Property tests of every input parser (tests only).
        .package(url: "https://github.com/x-sheep/swift-property-based", from: "2.0.1"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        // The console's password hashes (HummingbirdBcrypt).
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth", from: "2.5.0"),
    ],
    targets: [
        // The domain: event types and their payload codecs, values (ASN, address, timestamp...),
        // refusals, and the decisions of sessions, peers and requests. Pure: no GRDB, no SQL, no
        // HTTP, no I/O.
        .target(
            name: "PeerLedgerDomain",
            dependencies: [.product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: strict
        ),
        // C calls Swift cannot make directly: `sqlite3_db_config` (variadic; the log's triggers
        // switched off for the batches `follow` copies).
        .target(
            name: "CPeerLedgerShims",
            linkerSettings: [.linkedLibrary("sqlite3")]
        ),
        // The ledger core: the event store and its side tables (secrets, idempotency, API keys,
        // the outbox), projections and their typed queries (the only SQL over projection tables),
        // commands, request mail rendered and enqueued. No HTTP, no API face, no router or mail I/O.
        .target(
            name: "PeerLedger",
            dependencies: [
                "PeerLedgerDomain",
                "CPeerLedgerShims",
                .product(name: "GRDB", package: "GRDB.swift"),
                // SQLite's C API, for the few reads that take column bytes without a copy.
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Mustache", package: "swift-mustache"),
                // The snapshot keeper is a Service.
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict,
            plugins: ["MigrationsPlugin"]
        ),
        // The router edge: configuration rendering per platform, connections (vtysh, birdc, ssh
        // through CommandRunner), BGP state parsing, pushes, the poller and its service. Reads the
        // ledger through the core's typed queries and records outcomes as commands; no SQL, no GRDB.
        .target(
            name: "PeerLedgerRouters",
            dependencies: [
                "PeerLedger",
                "PeerLedgerDomain",
                .product(name: "Logging", package: "swift-log"),
                // Router commands (vtysh, birdc, ssh): one deadline over each whole exchange.
                .product(name: "Subprocess", package: "swift-subprocess"),
                // The router poller is a Service.
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict
        ),
        // The event store on PostgreSQL: the log, its secrets and idempotency records through
        // postgres-nio, conforming to the core's `EventStore`. No GRDB. Its schema is
        // Migrations/postgres/*.sql, embedded as SQLite's is.
        .target(
            name: "PeerLedgerPostgres",
            dependencies: [
                "PeerLedger",
                "PeerLedgerDomain",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                // TLS to PostgreSQL (sslmode=require, verify-ca, verify-full).
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strict,
            plugins: ["MigrationsPlugin"]
        ),
        // ProVision's APIv1 face: parameter parsing, the seed's messages and answer shapes, HMAC
        // request signatures, the read-answer cache. Reads and writes through the core's typed
        // queries and commands only: no GRDB, no SQL (member imports are checked, so nothing of
        // GRDB is reachable through the core either).
        .target(
            name: "PeerLedgerAPIv1",
            dependencies: [
                "PeerLedger",
                "PeerLedgerDomain",
                // configureSession and deleteSession push to routers: a face may use an edge.
                "PeerLedgerRouters",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict + [.enableUpcomingFeature("MemberImportVisibility")]
        ),
        // APIv2, the JSON face: its server is generated from openapi.yaml (the source of truth) at
        // build time; bearer tokens with scopes, RFC 9457 problems with refusal codes, resources
        // over the core's typed queries and commands only: no GRDB, no SQL. The spec itself is
        // embedded so the binary serves it without the source tree.
        .target(
            name: "PeerLedgerAPIv2",
            dependencies: [
                "PeerLedger",
                "PeerLedgerDomain",
                // The configuration resources render, diff and push as APIv1 does: a face may use an edge.
                "PeerLedgerRouters",
                .product(name: "OpenAPIRuntime", package: "swift-openapi-runtime"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict + [.enableUpcomingFeature("MemberImportVisibility")],
            plugins: [
                .plugin(name: "OpenAPIGenerator", package: "swift-openapi-generator"),
                "SpecPlugin",
            ]
        ),
        // Synthetic PeeringDB data and worlds, and the replay runner: for the CLI, the bench and
        // the tests, never for the core.
        .target(
            name: "PeerLedgerFixtures",
            dependencies: [
                "PeerLedger",
                "PeerLedgerAPIv1",
                "PeerLedgerDomain",
                "PeerLedgerPeeringDB",
                .product(name: "GRDB", package: "GRDB.swift"),
            ],
            swiftSettings: strict
        ),
        // The console: server-rendered HTML pages for people, at `/`, over the core's typed queries
        // and commands only (no GRDB, no SQL); its users, sessions, CSRF tokens and lockout.
        .target(
            name: "PeerLedgerConsole",
            dependencies: [
                "PeerLedger",
                "PeerLedgerDomain",
                // A session's configuration previewed and pushed, as configureSession does.
                "PeerLedgerRouters",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                // `/live` ends at a graceful shutdown.
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict + [.enableUpcomingFeature("MemberImportVisibility")]
        ),
        // The HTTP server: Hummingbird routes onto APIv1 (which checks the HMAC signature), request
        // logging, HTTPS with certificates reloaded on SIGHUP.
        .target(
            name: "PeerLedgerHTTP",
            dependencies: [
                "PeerLedger",
                "PeerLedgerAPIv1",
                "PeerLedgerAPIv2",
                "PeerLedgerConsole",
                "PeerLedgerDomain",
                // Both faces reach routers through the one connector the server is given.
                "PeerLedgerRouters",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "OpenAPIHummingbird", package: "swift-openapi-hummingbird"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        // `peerledger bench`: workloads measured beside baselines in the same run.
        .target(
            name: "PeerLedgerBench",
            dependencies: [
                "PeerLedger",
                "PeerLedgerAPIv1",
                "PeerLedgerConsole",
                "PeerLedgerDomain",
                "PeerLedgerFixtures",
                "PeerLedgerPostgres",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: strict
        ),
        // The PeeringDB edge: reading its pages (a folder, or the API over AsyncHTTPClient) and
        // importing them as events, through the core's queries and one command; no SQL.
        .target(
            name: "PeerLedgerPeeringDB",
            dependencies: [
                "PeerLedger",
                "PeerLedgerDomain",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ],
            swiftSettings: strict
        ),
        // The mail edge: the outbox worker's delivery passes (claiming due messages, recording each
        // outcome as a command), a small SMTP client over SwiftNIO (STARTTLS/implicit TLS via
        // NIOSSL) and a sendmail pipe: the real `MailTransport`s. The core renders and enqueues.
        .target(
            name: "PeerLedgerMail",
            dependencies: [
                "PeerLedger",
                "PeerLedgerDomain",
                // The outbox worker is a Service.
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        // The webhook edge: the delivery worker (claims each subscription's next event, POSTs it
        // signed in the Standard Webhooks way with AsyncHTTPClient, records the attempt as a
        // command). Reads and writes through the core's queries and commands; no SQL, no GRDB.
        .target(
            name: "PeerLedgerWebhooks",
            dependencies: [
                "PeerLedger",
                "PeerLedgerDomain",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        // serve's settings: the configuration file, the environment and flags, in that order of
        // precedence, each value checked and named; secrets read from files or the environment.
        .target(
            name: "PeerLedgerSettings",
            dependencies: [
                "PeerLedger",
                "PeerLedgerDomain",
                .product(name: "TOMLKit", package: "TOMLKit"),
            ],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "peerledger",
            dependencies: [
                "PeerLedger",
                "PeerLedgerAPIv1",
                "PeerLedgerDomain",
                "PeerLedgerHTTP",
                "PeerLedgerConsole",
                "PeerLedgerSettings",
                "PeerLedgerFixtures",
                "PeerLedgerBench",
                "PeerLedgerPostgres",
                "PeerLedgerPeeringDB",
                "PeerLedgerMail",
                "PeerLedgerRouters",
                "PeerLedgerWebhooks",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ],
            swiftSettings: strict,
            plugins: ["CommitPlugin"]
        ),
        // Build-time tool: turns Migrations/*.sql into Swift source so the binary carries its schema.
        .executableTarget(name: "EmbedMigrations", swiftSettings: strict),
        .plugin(
            name: "MigrationsPlugin",
            capability: .buildTool(),
            dependencies: ["EmbedMigrations"]
        ),
        // Build-time tool: turns APIv2's openapi.yaml into a Swift string, so the binary serves its
        // spec without the source tree.
        .executableTarget(name: "EmbedSpec", swiftSettings: strict),
        .plugin(
            name: "SpecPlugin",
            capability: .buildTool(),
            dependencies: ["EmbedSpec"]
        ),
        // Build-time tool: writes the commit HEAD names, read from .git, so `--version` can say it.
        .executableTarget(name: "EmbedCommit", swiftSettings: strict),
        .plugin(
            name: "CommitPlugin",
            capability: .buildTool(),
            dependencies: ["EmbedCommit"]
        ),
        // The test kit every test target shares: the scratch folder, a ledger with a fixed clock
        // and ids, request signing and a signed client, a live server (in process and as a
        // child), the seed's world, seeds, deadlines, the SMTP sink and the BGP lab.
        .target(
            name: "PeerLedgerTestSupport",
            dependencies: [
                "PeerLedger",
                "PeerLedgerAPIv1",
                "PeerLedgerDomain",
                "PeerLedgerRouters",
                "PeerLedgerHTTP",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Tests/PeerLedgerTestSupport",
            swiftSettings: strict
        ),
        .testTarget(
            name: "PeerLedgerTests",
            dependencies: [
                "PeerLedger",
                "PeerLedgerAPIv1",
                "PeerLedgerRouters",
                "PeerLedgerMail",
                "PeerLedgerFixtures",
                "PeerLedgerPeeringDB",
                "PeerLedgerDomain",
                "PeerLedgerPostgres",
                "PeerLedgerWebhooks",
                // The kit brings the HTTP server the real-router lab test drives the API through.
                "PeerLedgerTestSupport",
                .product(name: "PropertyBased", package: "swift-property-based"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "ServiceLifecycleTestKit", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "PeerLedgerHTTPTests",
            dependencies: [
                "PeerLedger",
                "PeerLedgerAPIv1",
                "PeerLedgerAPIv2",
                "PeerLedgerConsole",
                "PeerLedgerDomain",
                "PeerLedgerTestSupport",
                "PeerLedgerHTTP",
                "PeerLedgerPeeringDB",
                "PeerLedgerSettings",
                "PeerLedgerFixtures",
                "PeerLedgerRouters",
                "PeerLedgerWebhooks",
                // Console logins shared by two in-process nodes following one PostgreSQL log.
                "PeerLedgerPostgres",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Yams", package: "Yams"),
                // The HTTPS tests: a client that offers TLS 1.0 only, and one that reads the
                // server's certificate off a connection it keeps open.
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "PeerLedgerMailTests",
            dependencies: [
                "PeerLedger",
                "PeerLedgerAPIv1",
                "PeerLedgerDomain",
                "PeerLedgerTestSupport",
                "PeerLedgerMail",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            swiftSettings: strict
        ),
    ]
)
