import ArgumentParser
import Credentials
import EPCIS
import Encoding
import Foundation

/// `voltpass chain verify`: custody chains of EPCIS event credentials, checked offline.
struct ChainCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "chain", abstract: "Verify custody chains of event credentials.", subcommands: [Verify.self])

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Verify each chain head among the files: its proof, then every predecessor its links reach.",
            discussion: """
                The files hold credentials (a JSON object, or an array of them). Predecessors are looked up \
                among the files by id. The heads are the credentials no other given credential links to. \
                Exit status 0 when every chain verifies, 1 when one does not, 2 for a usage error.
                """)

        @Flag(help: "Print the verification results as JSON.")
        var json = false

        @Flag(help: "Skip status checks (offline); by default each credential's status list is fetched.")
        var noStatus = false

        @Flag(help: "Fetch did:web:localhost… documents and localhost status lists over plain http (local development).")
        var allowHTTPLocalhost = false

        @Argument(help: "Credential files.")
        var files: [String]

        func run() async throws {
            let credentials = try CLIInput.usage { () throws -> [Credential] in
                guard !files.isEmpty else { throw CLIInput.UsageError(message: "give at least one credential file") }
                return try files.flatMap { try Self.credentials(in: $0) }
            }
            let linked = Set(credentials.flatMap { EventChainPolicy.links(of: $0).links })
            let heads = credentials.filter { !linked.contains($0.id ?? "") }
            let resolver = CLIInput.resolver(allowHTTPLocalhost: allowHTTPLocalhost)
            let status = noStatus ? nil : CLIInput.statusPolicy(resolver: resolver, allowHTTPLocalhost: allowHTTPLocalhost)
            var verifier = Verifier.standard(resolver: resolver)
            if let status { verifier.credentialPolicies.append(status) }
            verifier.credentialPolicies.append(
                EventChainPolicy(fetcher: CredentialSet(credentials), proof: ProofPolicy(resolver: resolver), status: status))
            let result = await verifier.verify(heads.isEmpty ? credentials : heads)
            try CLIInput.report(result, json: json)
        }

        /// The credentials in a file: one object, or an array of objects.
        static func credentials(in path: String) throws -> [Credential] {
            let value: JSONValue
            do {
                value = try JSONValue(parsing: try CLIInput.read(path))
            } catch let error as CLIInput.UsageError {
                throw error
            } catch {
                throw CLIInput.UsageError(message: "\(path) is not valid JSON: \(error)")
            }
            let items = value.arrayValue ?? [value]
            return try items.map { item in
                guard let object = item.objectValue else { throw CLIInput.UsageError(message: "\(path) holds a value that is not a credential") }
                return Credential(object)
            }
        }
    }
}
