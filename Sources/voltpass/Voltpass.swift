import ArgumentParser
import Identity

/// The `voltpass` command: the service and the tools around it.
@main
struct Voltpass: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "voltpass",
        abstract: "Verifiable battery passports: credentials, DIDs, EPCIS events, signed readings, anchored tries.",
        subcommands: [Serve.self, KeyCommand.self, DIDCommand.self, TrieCommand.self])
}

extension KeyAlgorithm: ExpressibleByArgument {
    public init?(argument: String) { self.init(name: argument) }
    public static var allValueStrings: [String] { ["ed25519", "p256"] }
}
