import ArgumentParser
import Encoding
import Foundation
import Passport

/// `voltpass passport verify BUNDLE`: checks an offline bundle with no network.
struct PassportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "passport", abstract: "Battery passports offline.", subcommands: [Verify.self])

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Verify an offline bundle (GET /passports/{id}/bundle) with no network: exit 0 green or amber, 1 red, 2 usage.",
            discussion: """
                Every credential proof, status (from the bundled status list snapshots), the ownership chain, the leaf \
                against the credentials and its trie proof against the bundled anchor. Without a registry the operator's \
                authority is reported as unconfirmed.
                """)

        @Argument(help: "The bundle file, or - for standard input.")
        var bundle: String

        @Option(help: "The plate token (base64url) scanned with the battery, to check it too.")
        var token: String?

        @Flag(help: "Print one JSON document instead of text.")
        var json = false

        func run() async throws {
            let bytes: [UInt8]
            do {
                bytes = bundle == "-" ? Array(FileHandle.standardInput.readDataToEndOfFile()) : Array(try Data(contentsOf: URL(fileURLWithPath: bundle)))
            } catch {
                throw ValidationError("cannot read \(bundle): \(error.localizedDescription)")
            }
            let parsed: PassportBundle
            do {
                parsed = try PassportBundle(json: try JSONValue(parsing: bytes))
            } catch let error as PassportError {
                throw ValidationError("\(error.code): \(error.message)")
            } catch {
                throw ValidationError("the bundle is not JSON: \(error)")
            }
            var tokenBytes: [UInt8]?
            if let token {
                guard let decoded = try? Base64URL.decode(token) else { throw ValidationError("--token must be base64url") }
                tokenBytes = decoded
            }
            let result = await PassportVerifier(operatorAuthorized: false).verify(parsed, token: tokenBytes)
            if json {
                print(JSONValue.object(result.json).serializedString(pretty: true))
            } else {
                print("\(result.verdict.rawValue.uppercased()): \(result.batteryID)")
                for problem in result.failures { print("  failure \(problem.code): \(problem.message)") }
                for problem in result.warnings { print("  warning \(problem.code): \(problem.message)") }
                print("  checks: \(result.checks.joined(separator: ", "))")
            }
            if result.verdict == .red { throw ExitCode(1) }
        }
    }
}
