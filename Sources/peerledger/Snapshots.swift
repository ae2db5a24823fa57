import ArgumentParser
import Foundation
import PeerLedger
import PeerLedgerDomain

/// `peerledger snapshots list|take|backfill`: the projection snapshots that make reads `as_of`
/// a past moment fast. They live in `<db>.snapshots/`, hold no secrets, and may be deleted at
/// any time (reads as of a moment then replay from the log's start).
struct SnapshotsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "snapshots", abstract: "List, take or backfill the projection snapshots used by as_of reads.",
        subcommands: [List.self, Take.self, Backfill.self], defaultSubcommand: List.self)

    static func check(every: Int64) throws {
        guard every >= 1 else { throw ValidationError("--every must be a number of events of 1 or more, got \(every)") }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the snapshots and their size.")
        @OptionGroup var database: DatabaseOptions

        func run() throws {
            let ledger = try database.open(.existing)
            guard let snapshots = ledger.snapshots else { return }
            let positions = snapshots.positions()
            for position in positions { print("position \(position)") }
            print("\(positions.count) snapshots in \(snapshots.directory.path), \(snapshots.diskBytes() / 1_048_576) MB")
        }
    }

    struct Take: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Snapshot the projections now, if the interval has passed.")
        @OptionGroup var database: DatabaseOptions
        @Option(help: "Events between snapshots.") var every: Int64 = ProjectionSnapshots.defaultInterval
        @OptionGroup var store: PostgresStoreOption

        func validate() throws { try SnapshotsCommand.check(every: every) }

        func run() async throws {
            // With --store, a node's copy brought level with that log first.
            let ledger = try await store.open(database, store.projectionsAccess, snapshotInterval: every)
            if let position = try ledger.takeSnapshotIfDue() {
                print("snapshot taken at position \(position)")
            } else {
                print("no snapshot due: the log has grown less than \(every) events since the newest snapshot (or since its start)")
            }
        }
    }

    struct Backfill: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Write a snapshot at every N events of the log that has none near it.")
        @OptionGroup var database: DatabaseOptions
        @Option(help: "Events between snapshots.") var every: Int64 = ProjectionSnapshots.defaultInterval
        @OptionGroup var store: PostgresStoreOption

        func validate() throws { try SnapshotsCommand.check(every: every) }

        func run() async throws {
            // With --store, a node's copy brought level with that log first.
            let ledger = try await store.open(database, store.projectionsAccess, snapshotInterval: every)
            let pruned = try ledger.snapshots?.pruneUnusable(ledger) ?? []
            if !pruned.isEmpty { print("\(pruned.count) unusable snapshots deleted") }
            let written = try ledger.backfillSnapshots()
            print("\(written.count) snapshots written" + (written.isEmpty ? "" : " (positions \(written.map(String.init).joined(separator: ", ")))"))
        }
    }
}
