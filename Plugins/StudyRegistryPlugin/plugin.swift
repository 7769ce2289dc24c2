// Build-tool plugin of QGCampaign: generates `StudyRegistry.all` from the
// `// @RegisteredStudy(Type, order: N)` markers in the target's Studies/
// folder, so adding a study touches no shared list (docs/adding-a-study.md).
import Foundation
import PackagePlugin

@main
struct StudyRegistryPlugin: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) async throws -> [Command] {
        guard let module = target as? SourceModuleTarget else { return [] }
        // The target's one Studies/ folder (only the files directly in it).
        let studies = module.sourceFiles(withSuffix: "swift").map(\.url)
            .filter { $0.deletingLastPathComponent().lastPathComponent == "Studies" }
            .sorted { $0.path < $1.path }
        let output = context.pluginWorkDirectoryURL.appendingPathComponent("StudyRegistry.generated.swift")
        return [.buildCommand(
            displayName: "Generating StudyRegistry from \(studies.count) files in \(module.name)/Studies",
            executable: try context.tool(named: "study-registry-gen").url,
            arguments: [output.path] + studies.map(\.path),
            inputFiles: studies,
            outputFiles: [output])]
    }
}
