import ArgumentParser
import MultiPrecision

struct DemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "demo", abstract: "Run the main job on built-in defaults.")
    func run() throws {
        print(try BigFloat.pi(precision: 256))
    }
}
