import ArgumentParser
import Credentials
import Encoding
import Foundation
import Identity

/// `voltpass presentation`: holder-signed verifiable presentations with a verifier's challenge.
struct PresentationCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "presentation", abstract: "Create and verify verifiable presentations.",
        subcommands: [Create.self, Verify.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Wrap credentials in a presentation signed by the holder's key (authentication proof) and print it.")

        @Option(help: "The holder's Multikey key file; the holder is its did:key (or the file's controller).")
        var key: String

        @Option(parsing: .unconditional, help: "The verifier's challenge (e.g. from POST /challenges).")
        var challenge: String

        @Option(help: "The verifier's domain the presentation is bound to.")
        var domain: String?

        @Option(
            help: """
                vp+jwt or vp+cose: secure the presentation as a JWS or COSE_Sign1 (VC-JOSE-COSE, the challenge as \
                its nonce claim, the domain as aud) instead of a Data Integrity proof, and print it as an \
                EnvelopedVerifiablePresentation.
                """)
        var format: String?

        @Argument(help: "Credential files (JSON) to include; - reads one from standard input.")
        var credentials: [String] = []

        func run() async throws {
            let (signer, method) = try CLIInput.usage { try CLIInput.signingKey(at: key) }
            let included = try CLIInput.usage { try credentials.map { Credential(try CLIInput.object(from: $0)) } }
            let mediaType = try CLIInput.usage { () throws -> EnvelopeMediaType? in
                guard let format else { return nil }
                guard let mediaType = EnvelopeMediaType(name: format), mediaType.isPresentation else {
                    throw CLIInput.UsageError(message: "unknown format '\(format)'; use vp+jwt or vp+cose")
                }
                return mediaType
            }
            let holder = String(method.prefix { $0 != "#" })
            let unsecured = Presentation.unsecured(holder: holder, credentials: included)
            let presentation: JSONObject
            if let mediaType {
                presentation = try await Envelope.present(
                    unsecured, as: mediaType, challenge: challenge, domain: domain, issuedAt: Date(), verificationMethod: method,
                    signer: signer
                ).enveloped
            } else {
                let options = ProofOptions(
                    cryptosuite: .jcs(for: signer.algorithm), verificationMethod: method,
                    proofPurpose: .authentication, created: Date(), domain: domain.map { [$0] } ?? [], challenge: challenge)
                presentation = try await DataIntegrity.sign(unsecured, options: options, signer: signer)
            }
            print(JSONValue.object(presentation).serializedString(pretty: true))
        }
    }

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Verify a presentation: its proof for the challenge and domain, and every credential in it.",
            discussion: "Exit status 0 when it verifies, 1 when it does not, 2 for a usage error.")

        @Option(parsing: .unconditional, help: "The challenge the presentation must answer.")
        var challenge: String

        @Option(help: "The domain the presentation must be bound to.")
        var domain: String?

        @Flag(help: "Print the verification result as JSON.")
        var json = false

        @Flag(help: "Fetch did:web:localhost… documents and localhost status lists over plain http (local development).")
        var allowHTTPLocalhost = false

        @Argument(help: "The presentation (JSON file, or an EnvelopedVerifiablePresentation), or - for standard input.")
        var input = "-"

        func run() async throws {
            let bytes = try CLIInput.usage { try CLIInput.read(input) }
            let resolver = CLIInput.resolver(allowHTTPLocalhost: allowHTTPLocalhost)
            var verifier = Verifier.presentation(resolver: resolver, challenge: challenge, domain: domain, issuerBinding: .whenDID)
            verifier.credentialPolicies.append(CLIInput.statusPolicy(resolver: resolver, allowHTTPLocalhost: allowHTTPLocalhost))
            let result: VerificationResult
            do {
                result = await verifier.verify(presentationDocument: .object(try Presentation(parsing: bytes).json))
            } catch {
                result = VerificationResult(
                    checks: verifier.presentationPolicies.map(\.name), credentialIds: [], failures: [error.problem], warnings: [],
                    verifiedAt: Date())
            }
            try CLIInput.report(result, json: json)
        }
    }
}
