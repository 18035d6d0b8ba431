import ArgumentParser
import Credentials
import Encoding
import Foundation
import Identity

/// `voltpass credential`: issue and verify verifiable credentials.
struct CredentialCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "credential", abstract: "Issue, derive and verify verifiable credentials.", subcommands: [Issue.self, Derive.self, Verify.self])

    struct Issue: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Sign a credential with a key file and print the verifiable credential (JSON).",
            discussion: "The issuer is the key's did:key, or the key file's controller when it names another DID.")

        @Option(help: "The issuer's Multikey key file.")
        var key: String

        @Option(
            help: """
                eddsa-jcs-2022 or eddsa-rdfc-2022 (Ed25519 keys), ecdsa-jcs-2019 or ecdsa-rdfc-2019 (P-256 and P-384 \
                keys), ecdsa-sd-2023 (P-256: a base proof the holder derives from); the JCS suite of the key by default.
                """)
        var cryptosuite: String?

        @Option(
            help: """
                vc+jwt or vc+cose: secure the credential as a JWS or COSE_Sign1 (VC-JOSE-COSE) instead of a Data \
                Integrity proof; sd-jwt (vc+sd-jwt): as an SD-JWT whose claims the holder discloses one by one. \
                Printed as an EnvelopedVerifiableCredential.
                """)
        var format: String?

        @Option(
            help: """
                With --format sd-jwt: a claim the holder may disclose or withhold, as a JSON pointer \
                (/credentialSubject/capacityKWh); repeatable. By default every member of the credential subject \
                but id and type.
                """)
        var disclosable: [String] = []

        @Option(
            help: """
                A statement every credential the holder derives discloses, as a JSON pointer (/issuer, /validFrom, \
                /credentialSubject/id); repeatable. Signs with ecdsa-sd-2023 (P-256 keys).
                """)
        var mandatoryPointer: [String] = []

        @Argument(help: "The unsigned credential (JSON file), or - for standard input.")
        var input = "-"

        func run() async throws {
            let (signer, method) = try CLIInput.usage { try CLIInput.signingKey(at: key) }
            let document = try CLIInput.usage { try CLIInput.object(from: input) }
            let suite = try CLIInput.usage { () throws -> Cryptosuite? in
                guard let cryptosuite else { return nil }
                guard let suite = Cryptosuite(rawValue: cryptosuite) else {
                    throw CLIInput.UsageError(
                        message: "unknown cryptosuite '\(cryptosuite)'; use \(Cryptosuite.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                return suite
            }
            try CLIInput.usage {
                guard mandatoryPointer.isEmpty || ((suite == nil || suite == .ecdsaSd2023) && format == nil) else {
                    throw CLIInput.UsageError(message: "--mandatory-pointer is for the cryptosuite ecdsa-sd-2023")
                }
            }
            let secured = try CLIInput.usage { () throws -> CLIInput.SecuredFormat? in
                guard let format else {
                    guard disclosable.isEmpty else { throw CLIInput.UsageError(message: "--disclosable is for --format sd-jwt") }
                    return nil
                }
                guard let secured = CLIInput.SecuredFormat(name: format) else {
                    throw CLIInput.UsageError(message: "unknown format '\(format)'; use vc+jwt, vc+cose or sd-jwt")
                }
                guard suite == nil else {
                    throw CLIInput.UsageError(message: "--format \(format) signs with JWS or COSE, not a cryptosuite; give one of the two")
                }
                guard disclosable.isEmpty || secured == .sdJWT else {
                    throw CLIInput.UsageError(message: "--disclosable is for --format sd-jwt")
                }
                return secured
            }
            let issuer = try CredentialIssuer(signer: signer, verificationMethod: method, cryptosuite: suite)
            let issued: JSONObject
            switch secured {
            case .enveloped(let mediaType)?: issued = try await issuer.envelop(document, as: mediaType).enveloped
            case .sdJWT?: issued = try await Self.issueSDJWT(document, disclosable: disclosable.isEmpty ? nil : disclosable, by: issuer)
            case nil where suite == .ecdsaSd2023 || !mandatoryPointer.isEmpty:
                issued = try await issuer.issueSelective(document, mandatoryPointers: mandatoryPointer).json
            case nil: issued = try await issuer.issue(document).json
            }
            print(JSONValue.object(issued).serializedString(pretty: true))
        }

        /// The EnvelopedVerifiableCredential of `document` secured as vc+sd-jwt; a pointer the
        /// credential cannot take (`sd_jwt_*`) is a usage error.
        static func issueSDJWT(_ document: JSONObject, disclosable: [String]?, by issuer: CredentialIssuer) async throws -> JSONObject {
            let sdJWT: SDJWTCredential
            do {
                sdJWT = try await issuer.issueSDJWT(document, disclosable: disclosable)
            } catch {
                if error.code.hasPrefix("sd_jwt_") { throw CLIInput.usageFailure(error) }
                throw error
            }
            return sdJWT.envelopedCredential
        }
    }

    struct Derive: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "From a credential with an ecdsa-sd-2023 base proof, print one that discloses only the chosen statements.",
            discussion: "The mandatory statements are always disclosed; the derived proof is what verifiers check.")

        @Option(help: "A statement to disclose, as a JSON pointer (/credentialSubject/tariffCode); repeatable.")
        var selectivePointer: [String] = []

        @Argument(help: "The credential with its base proof (JSON file), or - for standard input.")
        var input = "-"

        func run() async throws {
            let document = try CLIInput.usage { try CLIInput.object(from: input) }
            let derived: JSONObject
            do {
                derived = try DataIntegrity.deriveSelective(document, selectivePointers: selectivePointer)
            } catch {
                throw CLIInput.usageFailure(error)
            }
            print(JSONValue.object(derived).serializedString(pretty: true))
        }
    }

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Verify a credential: data model, proof, validity period, status, issuer authority.",
            discussion: "Exit status 0 when it verifies, 1 when it does not, 2 for a usage error.")

        @Option(help: "A signed issuer registry credential (file) whose trust framework must authorize the issuer.")
        var registry: String?

        @Flag(help: "Print the verification result as JSON.")
        var json = false

        @Flag(help: "Fetch did:web:localhost… documents and localhost status lists over plain http (local development).")
        var allowHTTPLocalhost = false

        @Argument(
            help: """
                The credential (JSON file, an EnvelopedVerifiableCredential included), a compact JWS (vc+jwt), a \
                compact SD-JWT (vc+sd-jwt) or a data: URL, or - for standard input.
                """)
        var input = "-"

        func run() async throws {
            let bytes = try CLIInput.usage { try CLIInput.read(input) }
            let registryDocument = try CLIInput.usage { try registry.map { try CLIInput.object(from: $0) } }
            let resolver = CLIInput.resolver(allowHTTPLocalhost: allowHTTPLocalhost)
            var verifier = Verifier.standard(resolver: resolver, issuerBinding: .whenDID)
            verifier.credentialPolicies.append(CLIInput.statusPolicy(resolver: resolver, allowHTTPLocalhost: allowHTTPLocalhost))
            verifier.credentialPolicies.append(try await Self.issuerAuthority(registryDocument, resolver: resolver))
            let result: VerificationResult
            do {
                result = try await Self.verify(bytes, with: verifier)
            } catch {
                result = VerificationResult(
                    checks: verifier.credentialPolicies.map(\.name), credentialIds: [], failures: [error.problem], warnings: [],
                    verifiedAt: Date())
            }
            try CLIInput.report(result, json: json)
        }

        /// Verifies `bytes` as a `data:` URL, a compact SD-JWT or JWS, or a JSON credential (secured
        /// with proofs or an EnvelopedVerifiableCredential); throws what reading them throws.
        static func verify(_ bytes: [UInt8], with verifier: Verifier) async throws(CredentialError) -> VerificationResult {
            let text = String(decoding: bytes, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            if SDJWTCredential.isDataURL(text) {
                return await verifier.verify(try SDJWTCredential(dataURL: text))
            }
            if text.hasPrefix("data:") {
                return await verifier.verify(try Envelope(dataURL: text))
            }
            if !text.hasPrefix("{"), text.contains("~") {
                return await verifier.verify(try SDJWTCredential(compact: text))
            }
            if !text.hasPrefix("{"), text.split(separator: ".", omittingEmptySubsequences: false).count == 3 {
                return await verifier.verify(try Envelope(compactJWS: text))
            }
            return await verifier.verify(document: .object(try Credential(parsing: bytes).json))
        }

        /// The issuer-authority policy: the registry's trust framework required when a registry is
        /// given (the registry must verify and is trusted as issued by its own issuer), none otherwise.
        static func issuerAuthority(_ document: JSONObject?, resolver: any DIDResolver) async throws -> IssuerAuthorityPolicy {
            guard let document else { return IssuerAuthorityPolicy() }
            let authority = document["issuer"]?.stringValue ?? document["issuer"]?["id"]?.stringValue ?? ""
            let registry = try await IssuerRegistry.verified(document, authority: authority, resolver: resolver)
            return IssuerAuthorityPolicy(registries: [registry], requiredTrustFrameworks: [registry.trustFramework])
        }
    }
}

/// Input, keys, resolvers and output shared by the credential, presentation commands.
enum CLIInput {
    struct UsageError: Error {
        let message: String
    }

    /// How `credential issue --format` secures a credential instead of a Data Integrity proof.
    enum SecuredFormat: Equatable {
        case enveloped(EnvelopeMediaType)
        case sdJWT

        /// `vc+jwt`, `vc+cose`, `sd-jwt` or `vc+sd-jwt` (with or without `application/`).
        init?(name: String) {
            let lowered = name.lowercased()
            if ["sd-jwt", SDJWTCredential.type, SDJWTCredential.mediaType].contains(lowered) {
                self = .sdJWT
            } else if let mediaType = EnvelopeMediaType(name: name), !mediaType.isPresentation {
                self = .enveloped(mediaType)
            } else {
                return nil
            }
        }
    }

    /// Reads a vc+sd-jwt from `bytes`: an EnvelopedVerifiableCredential (or Presentation) JSON,
    /// its `data:` URL, or the compact SD-JWT; nil when it is none of them.
    static func sdJWT(_ bytes: [UInt8]) throws(CredentialError) -> SDJWTCredential? {
        let text = String(decoding: bytes, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        if SDJWTCredential.isDataURL(text) { return try SDJWTCredential(dataURL: text) }
        if !text.hasPrefix("{"), !text.hasPrefix("data:"), text.contains("~") { return try SDJWTCredential(compact: text) }
        guard let object = (try? JSONValue(parsing: bytes))?.objectValue, SDJWTCredential.isDataURL(object["id"]?.stringValue) else {
            return nil
        }
        return try SDJWTCredential(enveloped: object)
    }

    /// Reports `error` as a usage error: printed; throw the exit status 2 returned.
    static func usageFailure(_ error: any CodedError) -> ExitCode {
        FileHandle.standardError.write(Data("error: \(error.code): \(error.message)\n".utf8))
        return ExitCode(2)
    }

    /// Runs `body`; any error is a usage error: printed, exit status 2.
    static func usage<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as any CodedError {
            FileHandle.standardError.write(Data("error: \(error.code): \(error.message)\n".utf8))
            throw ExitCode(2)
        } catch let error as UsageError {
            FileHandle.standardError.write(Data("error: \(error.message)\n".utf8))
            throw ExitCode(2)
        }
    }

    /// The bytes of a file, or of standard input for `-`.
    static func read(_ path: String) throws -> [UInt8] {
        if path == "-" { return Array(FileHandle.standardInput.readDataToEndOfFile()) }
        guard let data = FileManager.default.contents(atPath: path) else { throw UsageError(message: "cannot read \(path)") }
        return Array(data)
    }

    /// A file (or standard input) holding one JSON object.
    static func object(from path: String) throws -> JSONObject {
        try object(parsing: try read(path), from: path)
    }

    /// `bytes`, read from `path`, as one JSON object.
    static func object(parsing bytes: [UInt8], from path: String) throws -> JSONObject {
        let value: JSONValue
        do {
            value = try JSONValue(parsing: bytes)
        } catch {
            throw UsageError(message: "\(path == "-" ? "standard input" : path) is not valid JSON: \(error)")
        }
        guard let object = value.objectValue else { throw UsageError(message: "\(path) does not hold a JSON object") }
        return object
    }

    /// The signer of a key file and its verification method: the file's `id` when its `controller`
    /// is another DID than the key's did:key, otherwise `did:key:z…#z…`.
    static func signingKey(at path: String) throws -> (SoftwareSigner, String) {
        let signer = try KeyFile.load(from: URL(fileURLWithPath: path))
        let object = try self.object(from: path)
        let didKey = DIDKey.did(for: signer.verificationKey)
        if let controller = object["controller"]?.stringValue, controller != didKey {
            guard let id = object["id"]?.stringValue, id.hasPrefix(controller + "#") else {
                throw UsageError(message: "\(path) names the controller \(controller) but no id of the form \(controller)#…")
            }
            return (signer, id)
        }
        return (signer, didKey + "#" + signer.verificationKey.multikey)
    }

    static func resolver(allowHTTPLocalhost: Bool) -> any DIDResolver {
        CachingDIDResolver(MethodDispatchResolver(web: DIDWebResolver(configuration: .init(allowLoopbackHTTP: allowHTTPLocalhost))))
    }

    static func statusPolicy(resolver: any DIDResolver, allowHTTPLocalhost: Bool) -> StatusPolicy {
        let fetcher = HTTPStatusListFetcher(configuration: .init(allowLoopbackHTTP: allowHTTPLocalhost))
        return StatusPolicy(cache: StatusListCache(fetcher: fetcher, resolver: resolver))
    }

    /// Prints the result (JSON or text) and exits 1 when it did not verify.
    static func report(_ result: VerificationResult, json: Bool) throws {
        if json {
            print(result.json.serializedString(pretty: true))
        } else {
            print(result.verified ? "verified" : "not verified")
            print("  checks: \(result.checks.joined(separator: ", "))")
            for failure in result.failures { print("  failure \(failure.code)\(failure.path.map { " at \($0)" } ?? ""): \(failure.message)") }
            for warning in result.warnings { print("  warning \(warning.code): \(warning.message)") }
        }
        if !result.verified { throw ExitCode(1) }
    }
}
