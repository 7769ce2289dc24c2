import ArgumentParser
import Foundation
import QGlass

struct StudiesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "studies", abstract: "List the studies this build knows.")
    func run() throws {
        for s in StudyRegistry.all { print("[\(s.name)]  \(s.summary)") }
    }
}
