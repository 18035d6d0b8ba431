import ArgumentParser
import Foundation
import Identity

/// The `voltpass` command: the service and the tools around it.
@main
struct Voltpass: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "voltpass",
        abstract: "Verifiable battery passports: credentials, DIDs, EPCIS events, signed readings, anchored tries.",
        subcommands: [
            Serve.self, KeyCommand.self, DIDCommand.self, TrieCommand.self, CredentialCommand.self, PresentationCommand.self,
            StatusCommand.self, ChainCommand.self, EPCISCommand.self, GS1Command.self,
            BMSCommand.self,
            ReadingCommand.self, DeviceCommand.self, PassportCommand.self, CardanoCommand.self,
        ])

    /// Runs the command line; usage errors (unknown options, bad values) exit with 2, as verifiers'
    /// scripts expect (0 verified, 1 not verified, 2 usage), rather than argument-parser's 64.
    static func main() async {
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            guard exitCode(for: error) == .validationFailure else { exit(withError: error) }
            FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
            exit(withError: ExitCode(2))
        }
    }
}

extension KeyAlgorithm: ExpressibleByArgument {
    public init?(argument: String) { self.init(name: argument) }
    public static var allValueStrings: [String] { ["ed25519", "p256", "p384"] }
}
