import ArgumentParser
import Credentials
import EPCIS
import Encoding
import Foundation

/// `voltpass epcis`: EPCIS 2.0 events as verifiable supply-chain credentials, offline.
struct EPCISCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "epcis", abstract: "Issue EPCIS events as credentials, and read them back.",
        subcommands: [Issue.self, Extract.self])

    struct Issue: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Validate an EPCIS document and sign each event as a VSC credential; print them as a JSON array.",
            discussion: """
                Every event is validated first; one bad event refuses the document (exit 1, each violation \
                named by event and member). Each credential links to the one before it about the same item.
                """)

        @Option(help: "The issuer's Multikey key file.")
        var key: String

        @Argument(help: "The EPCIS document (JSON file), or - for standard input.")
        var input = "-"

        func run() async throws {
            let (signer, method) = try CLIInput.usage { try CLIInput.signingKey(at: key) }
            let document = try CLIInput.usage { try CLIInput.object(from: input) }
            let events: [JSONObject]
            let context: [JSONValue]
            do {
                (events, context) = try EventCredentialIssuer.events(of: .object(document))
            } catch {
                for violation in error.violations {
                    FileHandle.standardError.write(Data("error: \(violation.description)\n".utf8))
                }
                throw ExitCode(1)
            }
            let issuer = EventCredentialIssuer(issuer: try CredentialIssuer(signer: signer, verificationMethod: method))
            let issued = try await issuer.issue(events, context: context)
            print(JSONValue.array(issued.map { .object($0.credential.json) }).serializedString(pretty: true))
        }
    }

    struct Extract: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the EPCIS document carried by event credentials, each event exactly as captured.",
            discussion: "The proofs are not checked here; use `voltpass chain verify` for that.")

        @Argument(help: "Credential files (a credential, or an array of them), or - for standard input.")
        var files: [String] = ["-"]

        func run() async throws {
            let carried = try CLIInput.usage { () throws -> [CarriedEvent] in
                try files.flatMap { try ChainCommand.Verify.credentials(in: $0) }.map { try EventCredentialMapping.event(from: $0) }
            }
            let document = EventCredentialMapping.document(of: carried, creationDate: Date())
            print(JSONValue.object(document).serializedString(pretty: true))
        }
    }
}
