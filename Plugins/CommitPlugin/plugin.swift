import Foundation
import PackagePlugin

/// Embeds the commit the source tree is at into the `peerledger` module at build time, so
/// `peerledger --version` names the source a binary was built from. `EmbedCommit` reads the git
/// folders as files (no git, no network); a tree without `.git`, such as a source tarball, builds
/// as `commit unknown`.
@main
struct CommitPlugin: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: any Target) throws -> [Command] {
        let output = context.pluginWorkDirectoryURL.appending(path: "SourceCommit.swift")
        let folders = GitFolders(package: context.package.directoryURL)
        return [
            .buildCommand(
                displayName: "Embedding the source commit",
                executable: try context.tool(named: "EmbedCommit").url,
                arguments: [output.path] + (folders.map { [$0.git.path, $0.common.path] } ?? []),
                inputFiles: folders?.watched ?? [],
                outputFiles: [output]
            )
        ]
    }
}

/// Where a checkout keeps HEAD and its refs. In a linked worktree `.git` is a file naming the
/// worktree's own folder (its HEAD), whose `commondir` names the repository's folder (branches,
/// packed-refs); in an ordinary checkout both are `.git`.
struct GitFolders {
    let git: URL
    let common: URL

    init?(package: URL) {
        let dotGit = package.appending(path: ".git")
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: dotGit.path, isDirectory: &isFolder) else { return nil }
        if isFolder.boolValue {
            git = dotGit
        } else {
            guard let text = try? String(contentsOf: dotGit, encoding: .utf8),
                let line = text.split(separator: "\n").first, line.hasPrefix("gitdir:")
            else { return nil }
            let path = line.dropFirst("gitdir:".count).trimmingCharacters(in: .whitespaces)
            git = URL(fileURLWithPath: path, isDirectory: true, relativeTo: package).standardizedFileURL
        }
        if let text = try? String(contentsOf: git.appending(path: "commondir"), encoding: .utf8) {
            let path = text.trimmingCharacters(in: .whitespacesAndNewlines)
            common = URL(fileURLWithPath: path, isDirectory: true, relativeTo: git).standardizedFileURL
        } else {
            common = git
        }
    }

    /// The folders themselves, not the ref files: SwiftPM plans a plugin's commands once and keeps
    /// them, and ref files come and go (`git pack-refs` deletes them, a commit writes them anew),
    /// so a listed ref file would go stale or fail the build as a missing input. A folder's
    /// modification time moves whenever git replaces a file in it, and every move of HEAD (commit,
    /// checkout, reset) takes and drops HEAD's lock file beside HEAD; packed-refs is replaced in
    /// the common folder.
    var watched: [URL] { git == common ? [git] : [git, common] }
}
