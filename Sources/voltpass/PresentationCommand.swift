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
            abstract: "Wrap credentials in a presentation signed by the holder's key (authentication proof) and print it.",
            discussion: """
                An SD-JWT credential (vc+sd-jwt) is presented alone, revealing only the claims --disclose names, with a \
                KB-JWT signed by the holder's key (the credential's cnf key) for the challenge (nonce) and domain (aud).
                """)

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

        @Option(
            help: """
                A claim of the SD-JWT credential to reveal, as a JSON pointer (/credentialSubject/capacityKWh); \
                repeatable. Every other disclosable claim stays hidden.
                """)
        var disclose: [String] = []

        @Argument(
            help: """
                Credential files (JSON) to include, or one SD-JWT credential (its EnvelopedVerifiableCredential, data: URL \
                or compact form) to present with --disclose; - reads one from standard input.
                """)
        var credentials: [String] = []

        func run() async throws {
            let (signer, method) = try CLIInput.usage { try CLIInput.signingKey(at: key) }
            let inputs = try CLIInput.usage { try credentials.map { ($0, try CLIInput.read($0)) } }
            let sdJWTs = try CLIInput.usage { try inputs.map { try CLIInput.sdJWT($0.1) } }
            if !disclose.isEmpty || sdJWTs.contains(where: { $0 != nil }) {
                try await presentSDJWT(sdJWTs, signer: signer)
                return
            }
            let included = try CLIInput.usage { try inputs.map { Credential(try CLIInput.object(parsing: $0.1, from: $0.0)) } }
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

        /// Presents the one SD-JWT credential of `sdJWTs`, revealing the claims at `disclose`, with a
        /// KB-JWT for the challenge and domain, and prints the EnvelopedVerifiablePresentation.
        private func presentSDJWT(_ sdJWTs: [SDJWTCredential?], signer: SoftwareSigner) async throws {
            let (sdJWT, audience) = try CLIInput.usage { () throws -> (SDJWTCredential, String) in
                guard !disclose.isEmpty else {
                    throw CLIInput.UsageError(message: "an SD-JWT credential is presented with --disclose POINTER… naming the claims to reveal")
                }
                guard sdJWTs.count == 1, let sdJWT = sdJWTs[0] else {
                    throw CLIInput.UsageError(message: "--disclose presents one SD-JWT credential (vc+sd-jwt); give exactly one")
                }
                guard format == nil else {
                    throw CLIInput.UsageError(message: "--format is not for an SD-JWT: its KB-JWT secures the presentation")
                }
                guard let domain else {
                    throw CLIInput.UsageError(message: "an SD-JWT presentation's KB-JWT names its audience (aud); give --domain")
                }
                return (sdJWT, domain)
            }
            let presented: SDJWTCredential
            do {
                presented = try await sdJWT.present(disclosing: disclose, challenge: challenge, domain: audience, signer: signer)
            } catch {
                // A pointer that names no claim, or a key that is not the credential's holder key.
                throw CLIInput.usageFailure(error)
            }
            print(JSONValue.object(presented.envelopedPresentation).serializedString(pretty: true))
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

        @Argument(
            help: """
                The presentation (JSON file, or an EnvelopedVerifiablePresentation; an SD-JWT with key binding also as \
                its data: URL or compact form), or - for standard input.
                """)
        var input = "-"

        func run() async throws {
            let bytes = try CLIInput.usage { try CLIInput.read(input) }
            let resolver = CLIInput.resolver(allowHTTPLocalhost: allowHTTPLocalhost)
            var verifier = Verifier.presentation(resolver: resolver, challenge: challenge, domain: domain, issuerBinding: .whenDID)
            verifier.credentialPolicies.append(CLIInput.statusPolicy(resolver: resolver, allowHTTPLocalhost: allowHTTPLocalhost))
            let result: VerificationResult
            do {
                if let sdJWT = try CLIInput.sdJWT(bytes) {
                    result = await verifier.verifyInParts(sdJWT).combined
                } else {
                    result = await verifier.verify(presentationDocument: .object(try Presentation(parsing: bytes).json))
                }
            } catch {
                result = VerificationResult(
                    checks: verifier.presentationPolicies.map(\.name), credentialIds: [], failures: [error.problem], warnings: [],
                    verifiedAt: Date())
            }
            try CLIInput.report(result, json: json)
        }
    }
}
