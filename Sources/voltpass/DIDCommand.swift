import ArgumentParser
import Encoding
import Foundation
import Identity

/// `voltpass did`: DIDs.
struct DIDCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "did", abstract: "Work with DIDs.", subcommands: [Resolve.self])

    struct Resolve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Resolve a did:key (locally) or did:web (over HTTPS) DID and show its verification methods.")

        @Argument(help: "The DID, e.g. did:key:z6Mk… or did:web:example.com.")
        var did: String

        @Flag(help: "Print the DID document as JSON.")
        var json = false

        @Flag(help: "Fetch did:web:localhost… documents over plain http (local development).")
        var allowHTTPLocalhost = false

        @Option(help: "Seconds a did:web resolution may take.")
        var timeout: Int = 5

        func run() async throws {
            let web = DIDWebResolver(
                configuration: .init(timeout: .seconds(timeout), allowLoopbackHTTP: allowHTTPLocalhost))
            let document = try await MethodDispatchResolver(web: web).resolve(did)
            if json {
                print(JSONValue.object(document.json).serializedString(pretty: true))
                return
            }
            print(document.id)
            for method in document.verificationMethods {
                let relationships = document.relationships(of: method.id)
                let algorithm = (try? method.publicKey().algorithm.rawValue) ?? "unsupported key"
                print("  \(method.id)")
                print("    \(method.type ?? "?") \(algorithm); \(relationships.map(\.rawValue).joined(separator: ", "))")
                if let validFrom = method.validFrom { print("    valid from \(validFrom.formatted(.iso8601))") }
                if let revoked = method.revoked { print("    retired at \(revoked.formatted(.iso8601))") }
            }
        }
    }
}
