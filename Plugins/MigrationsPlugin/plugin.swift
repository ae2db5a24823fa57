import Foundation
import PackagePlugin

/// Embeds a dialect's migrations into its store's module at build time, so the built binary
/// carries its schema and never reads the source tree at run time: `Migrations/*.sql` (SQLite)
/// into `PeerLedger`, `Migrations/postgres/*.sql` into `PeerLedgerPostgres`.
@main
struct MigrationsPlugin: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: any Target) throws -> [Command] {
        var folder = context.package.directoryURL.appending(path: "Migrations")
        var member: [String] = []
        if target.name == "PeerLedgerPostgres" {
            folder = folder.appending(path: "postgres")
            member = ["--member", "postgres", "--import", "PeerLedger"]
        }
        let files = try FileManager.default.contentsOfDirectory(at: folder, includingPropertiesForKeys: nil)
            .filter { $0.pathExtension == "sql" }
            .sorted { $0.lastPathComponent < $1.lastPathComponent }
        let output = context.pluginWorkDirectoryURL.appending(path: "EmbeddedMigrations.swift")
        return [
            .buildCommand(
                displayName: "Embedding \(files.count) migrations into \(target.name)",
                executable: try context.tool(named: "EmbedMigrations").url,
                arguments: [output.path] + member + files.map(\.path),
                inputFiles: files,
                outputFiles: [output]
            )
        ]
    }
}
