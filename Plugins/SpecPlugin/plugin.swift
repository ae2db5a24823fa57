import Foundation
import PackagePlugin

/// Embeds a target's `openapi.yaml` into its module at build time as `APIv2Spec.yaml`, so the
/// built binary serves the spec it was generated from and never reads the source tree at run time.
@main
struct SpecPlugin: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: any Target) throws -> [Command] {
        guard let target = target as? SourceModuleTarget else { return [] }
        let spec = target.directoryURL.appending(path: "openapi.yaml")
        let output = context.pluginWorkDirectoryURL.appending(path: "EmbeddedSpec.swift")
        return [
            .buildCommand(
                displayName: "Embedding openapi.yaml into \(target.name)",
                executable: try context.tool(named: "EmbedSpec").url,
                arguments: [spec.path, output.path],
                inputFiles: [spec],
                outputFiles: [output]
            )
        ]
    }
}
