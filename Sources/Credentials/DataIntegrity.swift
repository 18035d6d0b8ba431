import Crypto
import Encoding
import Foundation
import Identity
import RDF

/// The Data Integrity cryptosuites Voltpass creates and verifies: the JCS ones canonicalize the JSON
/// (RFC 8785), the RDFC ones the document's RDF dataset (JSON-LD to RDF, then RDFC-1.0, with the
/// bundled contexts only); all hash with SHA-256, except with P-384 keys, SHA-384. ecdsa-sd-2023
/// signs the canonical statements one by one, so a holder can disclose some of them (see
/// `DataIntegrity.signSelective` and `deriveSelective`).
public enum Cryptosuite: String, Sendable, CaseIterable, Codable {
    /// EdDSA over Ed25519 (VC-DI-EdDSA §3.3).
    case eddsaJcs2022 = "eddsa-jcs-2022"
    /// ECDSA over P-256 or P-384 (VC-DI-ECDSA §3.4).
    case ecdsaJcs2019 = "ecdsa-jcs-2019"
    /// EdDSA over Ed25519, RDFC-1.0 (VC-DI-EdDSA §3.2).
    case eddsaRdfc2022 = "eddsa-rdfc-2022"
    /// ECDSA over P-256 or P-384, RDFC-1.0 (VC-DI-ECDSA §3.2).
    case ecdsaRdfc2019 = "ecdsa-rdfc-2019"
    /// ECDSA over P-256 with selective disclosure, RDFC-1.0 (VC-DI-ECDSA §3.6): the issuer's base
    /// proof is for the holder, who derives the proofs verifiers check.
    case ecdsaSd2023 = "ecdsa-sd-2023"

    /// The key algorithms the suite signs with.
    public var algorithms: [KeyAlgorithm] {
        switch self {
        case .eddsaJcs2022, .eddsaRdfc2022: [.ed25519]
        case .ecdsaJcs2019, .ecdsaRdfc2019: [.p256, .p384]
        case .ecdsaSd2023: [.p256]
        }
    }

    /// Whether the suite signs with keys of `algorithm`.
    public func supports(_ algorithm: KeyAlgorithm) -> Bool { algorithms.contains(algorithm) }

    /// The key algorithms, for messages: `Ed25519` or `P-256 or P-384`.
    var algorithmNames: String { algorithms.map(\.rawValue).joined(separator: " or ") }

    /// The JCS suite of a key's algorithm: eddsa-jcs-2022 for Ed25519, ecdsa-jcs-2019 otherwise.
    public static func jcs(for algorithm: KeyAlgorithm) -> Cryptosuite {
        algorithm == .ed25519 ? .eddsaJcs2022 : .ecdsaJcs2019
    }

    /// Whether the suite's issuer proof is a base proof for a holder (ecdsa-sd-2023), which verifiers
    /// refuse until the holder derives a proof from it.
    public var isSelective: Bool { self == .ecdsaSd2023 }

    /// The suites whose proofs verifiers check as issued.
    public static var directlyVerifiable: [Cryptosuite] { allCases.filter { !$0.isSelective } }

    /// Whether the suite canonicalizes the RDF dataset (else the JSON).
    public var usesRDFC: Bool { self == .eddsaRdfc2022 || self == .ecdsaRdfc2019 || self == .ecdsaSd2023 }
}

/// The options of a new proof (the proof object without `proofValue`).
public struct ProofOptions: Sendable, Hashable {
    public var cryptosuite: Cryptosuite
    /// DID URL of the signing key, e.g. `did:key:z6Mk…#z6Mk…`.
    public var verificationMethod: String
    public var proofPurpose: VerificationRelationship
    /// When the proof was made; from the caller's clock.
    public var created: Date?
    public var expires: Date?
    /// The proof's own id (a URL), needed when later proofs chain to it.
    public var id: String?
    /// Ids of the proofs this one chains to (`previousProof`).
    public var previousProof: [String]
    /// The domains the proof is bound to (presentations).
    public var domain: [String]
    /// The verifier's challenge (presentations).
    public var challenge: String?
    public var nonce: String?

    public init(
        cryptosuite: Cryptosuite, verificationMethod: String, proofPurpose: VerificationRelationship = .assertionMethod,
        created: Date?, expires: Date? = nil, id: String? = nil, previousProof: [String] = [], domain: [String] = [],
        challenge: String? = nil, nonce: String? = nil
    ) {
        self.cryptosuite = cryptosuite
        self.verificationMethod = verificationMethod
        self.proofPurpose = proofPurpose
        self.created = created
        self.expires = expires
        self.id = id
        self.previousProof = previousProof
        self.domain = domain
        self.challenge = challenge
        self.nonce = nonce
    }

    /// The proof object these options describe, in the member order of the published examples.
    var json: JSONObject {
        var proof: JSONObject = ["type": "DataIntegrityProof"]
        if let id { proof["id"] = .string(id) }
        proof["cryptosuite"] = .string(cryptosuite.rawValue)
        if let created { proof["created"] = .string(XSDDateTime.format(created)) }
        if let expires { proof["expires"] = .string(XSDDateTime.format(expires)) }
        proof["verificationMethod"] = .string(verificationMethod)
        proof["proofPurpose"] = .string(proofPurpose.rawValue)
        if !previousProof.isEmpty { proof["previousProof"] = Self.oneOrMany(previousProof) }
        if !domain.isEmpty { proof["domain"] = Self.oneOrMany(domain) }
        if let challenge { proof["challenge"] = .string(challenge) }
        if let nonce { proof["nonce"] = .string(nonce) }
        return proof
    }

    private static func oneOrMany(_ values: [String]) -> JSONValue {
        values.count == 1 ? .string(values[0]) : .array(values.map { .string($0) })
    }
}

/// What a verifier expects of a proof beyond a valid signature.
public struct ProofExpectation: Sendable, Hashable {
    public var proofPurpose: VerificationRelationship
    /// The domain the proof must name (one of its `domain` values), if any.
    public var domain: String?
    /// The challenge the proof must carry, if any.
    public var challenge: String?
    /// The verification time, for `expires`.
    public var now: Date

    public init(proofPurpose: VerificationRelationship = .assertionMethod, domain: String? = nil, challenge: String? = nil, now: Date) {
        self.proofPurpose = proofPurpose
        self.domain = domain
        self.challenge = challenge
        self.now = now
    }
}

/// A proof that verified: which key made it, for what, and when.
public struct VerifiedProof: Sendable, Hashable {
    public var verificationMethod: String
    /// The DID whose document authorizes the key for the proof purpose (the method URL's DID,
    /// never a `controller` value the document merely claims).
    public var controller: String
    public var proofPurpose: VerificationRelationship
    public var created: Date?
    public var id: String?
}

/// Creating and verifying Data Integrity proofs with the JCS and RDFC cryptosuites, including proof sets
/// and proof chains (`previousProof`).
public enum DataIntegrity {
    /// Signs `document` and returns it with the new proof added: as `proof` when there was none,
    /// otherwise appended to the proof set. A `previousProof` must name proofs already present
    /// (PROOF_GENERATION_ERROR otherwise); the chained proof then signs them too. With ecdsa-sd-2023
    /// the proof is a base proof without mandatory pointers (see `signSelective`).
    public static func sign(
        _ document: JSONObject, options: ProofOptions, signer: some Signer
    ) async throws(CredentialError) -> JSONObject {
        if options.cryptosuite == .ecdsaSd2023 {
            return try await signSelective(document, options: options, mandatoryPointers: [], signer: signer)
        }
        guard options.cryptosuite.supports(signer.algorithm) else {
            throw .dataIntegrity(
                .proofGenerationError,
                "\(options.cryptosuite.rawValue) needs an \(options.cryptosuite.algorithmNames) key, not \(signer.algorithm.rawValue)")
        }
        let existing = proofObjects(document["proof"])
        var unsecured = document
        unsecured.removeValue(forKey: "proof")
        let previous: [JSONObject]
        do {
            previous = try previousProofs(
                options.previousProof.isEmpty ? nil : .array(options.previousProof.map { JSONValue.string($0) }),
                among: existing)
        } catch {
            throw .dataIntegrity(.proofGenerationError, error.message, path: "/proof")
        }
        var config = options.json
        if let context = unsecured["@context"] { config["@context"] = context }
        let message: [UInt8]
        do {
            message = try hashData(
                config: config, document: chained(unsecured, previous), suite: options.cryptosuite, keyAlgorithm: signer.algorithm)
        } catch {
            throw .dataIntegrity(.proofGenerationError, "\(error)")
        }
        // An RDFC proof takes the document's context when verified; it does not carry one.
        if options.cryptosuite.usesRDFC { config.removeValue(forKey: "@context") }
        let signature: [UInt8]
        do {
            signature = try await signer.sign(message)
        } catch {
            throw .dataIntegrity(.proofGenerationError, "the signer failed: \(error)")
        }
        config["proofValue"] = .string(Multibase.encode(signature, as: .base58btc))
        return withProof(config, added: unsecured, after: document["proof"])
    }

    /// Verifies every proof of `document` (a proof set; chained proofs over the proofs they name).
    /// Returns the verified proofs; throws the first Data Integrity error. A document without a
    /// proof throws PROOF_VERIFICATION_ERROR.
    public static func verify(
        _ document: JSONObject, resolver: any DIDResolver, expectation: ProofExpectation
    ) async throws(CredentialError) -> [VerifiedProof] {
        guard let proofValue = document["proof"] else {
            throw .dataIntegrity(.proofVerificationError, "the document has no proof", path: "/proof")
        }
        let entries = proofValue.arrayValue ?? [proofValue]
        guard !entries.isEmpty else {
            throw .dataIntegrity(.proofVerificationError, "the proof set is empty", path: "/proof")
        }
        var proofs: [JSONObject] = []
        for (index, entry) in entries.enumerated() {
            guard let proof = entry.objectValue else {
                throw .dataIntegrity(.parsingError, "a proof must be a JSON object", path: pointer(index, proofValue))
            }
            proofs.append(proof)
        }
        var unsecured = document
        unsecured.removeValue(forKey: "proof")
        // The chain structure is checked for every proof before any signature.
        var chains: [[JSONObject]] = []
        for (index, proof) in proofs.enumerated() {
            do {
                chains.append(try previousProofs(proof["previousProof"], among: proofs))
            } catch {
                throw .dataIntegrity(.proofVerificationError, error.message, path: pointer(index, proofValue) + "/previousProof")
            }
        }
        var verified: [VerifiedProof] = []
        for (index, proof) in proofs.enumerated() {
            verified.append(
                try await verifyProof(
                    proof, document: chained(unsecured, chains[index]), resolver: resolver, expectation: expectation,
                    path: pointer(index, proofValue)))
        }
        return verified
    }

    /// Verifies one proof over an unsecured document (already carrying the previous proofs of a chain).
    static func verifyProof(
        _ proof: JSONObject, document: JSONObject, resolver: any DIDResolver, expectation: ProofExpectation, path: String
    ) async throws(CredentialError) -> VerifiedProof {
        func fail(_ code: DataIntegrityErrorCode, _ message: String, _ member: String = "") -> CredentialError {
            .dataIntegrity(code, message, path: path + member)
        }
        guard let type = proof["type"]?.stringValue, let method = proof["verificationMethod"]?.stringValue,
            let purposeName = proof["proofPurpose"]?.stringValue
        else {
            throw fail(.proofVerificationError, "a proof needs 'type', 'verificationMethod' and 'proofPurpose'")
        }
        let scheme = try ProofScheme(proof, type: type, path: path)
        guard let purpose = VerificationRelationship(rawValue: purposeName), purpose == expectation.proofPurpose else {
            throw fail(
                .proofVerificationError,
                "the proof purpose '\(purposeName)' is not the expected '\(expectation.proofPurpose.rawValue)'",
                "/proofPurpose")
        }
        var created: Date?
        for name in ["created", "expires"] {
            guard let value = proof[name] else { continue }
            guard let text = value.stringValue, let date = XSDDateTime.parse(text) else {
                throw fail(.proofVerificationError, "'\(name)' is not an XML Schema dateTimeStamp", "/" + name)
            }
            if name == "created" { created = date }
            if name == "expires", date <= expectation.now {
                throw fail(.proofVerificationError, "the proof expired at \(text)", "/expires")
            }
        }
        if let domain = expectation.domain {
            let domains = Credential.strings(proof["domain"])
            guard domains.contains(domain) else {
                throw fail(.invalidDomainError, "the proof's domain is not '\(domain)'", "/domain")
            }
        }
        if let challenge = expectation.challenge, proof["challenge"]?.stringValue != challenge {
            throw fail(.invalidChallengeError, "the proof's challenge does not match the one issued", "/challenge")
        }

        // The proof's @context, when it has one, must be a prefix of the document's. JCS: the unsecured
        // document takes the proof's @context. RDFC: the proof configuration takes the document's.
        var unsecured = document
        var config = proof
        config.removeValue(forKey: "proofValue")
        if case .legacy = scheme { config.removeValue(forKey: "jws") }
        if let proofContext = config["@context"] {
            let expected = proofContext.arrayValue ?? [proofContext]
            let actual = document["@context"].map { $0.arrayValue ?? [$0] } ?? []
            guard actual.count >= expected.count, Array(actual.prefix(expected.count)) == expected else {
                throw fail(.proofVerificationError, "the document's @context does not start with the proof's @context", "/@context")
            }
            if !scheme.usesRDFC { unsecured["@context"] = proofContext }
        }
        if scheme.usesRDFC, let context = document["@context"] { config["@context"] = context }

        let authorized: AuthorizedKey
        do {
            authorized = try await AuthorizedKey.resolve(method, for: purpose, at: created, resolver: resolver)
        } catch {
            throw CredentialError(error.code, error.message, path: path + "/verificationMethod")
        }
        let key = authorized.key
        switch scheme {
        case .legacy(let legacy):
            if let mismatch = legacy.mismatch(with: key) { throw fail(.proofVerificationError, mismatch, "/verificationMethod") }
            let hashes: [UInt8]
            do {
                hashes = try rdfcHashData(config: config, document: unsecured, sha384: false)
            } catch {
                throw fail(.proofVerificationError, "\(error)")
            }
            guard legacy.verify(hashes: hashes, with: key) else {
                throw fail(.proofVerificationError, "the signature does not verify", legacy.signatureMember)
            }
        case .selective(let derived):
            guard Cryptosuite.ecdsaSd2023.supports(key.algorithm) else {
                throw fail(.proofVerificationError, "ecdsa-sd-2023 needs a P-256 key, not \(key.algorithm.rawValue)", "/verificationMethod")
            }
            do {
                try EcdsaSD.verify(derived, config: config, document: unsecured, key: key)
            } catch {
                throw CredentialError(error.code, error.message, path: path + (error.path ?? ""))
            }
        case .cryptosuite(let suite, let signature):
            guard suite.supports(key.algorithm) else {
                throw fail(
                    .proofVerificationError, "\(suite.rawValue) needs an \(suite.algorithmNames) key, not \(key.algorithm.rawValue)",
                    "/verificationMethod")
            }
            let message: [UInt8]
            do {
                message = try hashData(config: config, document: unsecured, suite: suite, keyAlgorithm: key.algorithm)
            } catch {
                throw fail(.proofVerificationError, "\(error)")
            }
            guard key.verify(signature: signature, message: message) else {
                throw fail(.proofVerificationError, "the signature does not verify", "/proofValue")
            }
        }
        return VerifiedProof(
            verificationMethod: method, controller: authorized.controller, proofPurpose: purpose, created: created,
            id: proof["id"]?.stringValue)
    }

    /// What a proof's `type` (and `cryptosuite`) say it is, with its signature read.
    enum ProofScheme {
        /// A Data Integrity cryptosuite (Ed25519Signature2020 as eddsa-rdfc-2022) and its `proofValue` signature.
        case cryptosuite(Cryptosuite, signature: [UInt8])
        /// One of the legacy Linked Data suites.
        case legacy(LegacyProof)
        /// An ecdsa-sd-2023 derived proof.
        case selective(EcdsaSDDerivedProof)

        /// Reads `proof` of `type`: unsupported_cryptosuite for a type or cryptosuite not implemented,
        /// MALFORMED_PROOF_ERROR for an unreadable signature, `selective_disclosure_base_proof` for an
        /// ecdsa-sd-2023 base proof (the holder's, never verified: a verifier wants a derived proof).
        init(_ proof: JSONObject, type: String, path: String) throws(CredentialError) {
            let suite: Cryptosuite
            switch type {
            case "DataIntegrityProof":
                guard let suiteName = proof["cryptosuite"]?.stringValue, let named = Cryptosuite(rawValue: suiteName) else {
                    throw .dataIntegrity(
                        .unsupportedCryptosuite, "unsupported cryptosuite '\(proof["cryptosuite"]?.stringValue ?? "")'",
                        path: path + "/cryptosuite")
                }
                suite = named
            case "Ed25519Signature2020":
                // The deployed predecessor of eddsa-rdfc-2022 (verified, never issued): the same RDFC-1.0
                // hashes and Ed25519 signature, its proof naming no cryptosuite.
                guard proof["cryptosuite"] == nil else {
                    throw .dataIntegrity(.proofVerificationError, "an Ed25519Signature2020 proof names no cryptosuite", path: path + "/cryptosuite")
                }
                suite = .eddsaRdfc2022
            default:
                guard let legacy = LegacyProofSuite(rawValue: type) else {
                    throw .dataIntegrity(.unsupportedCryptosuite, "unsupported proof type '\(type)'", path: path + "/type")
                }
                self = .legacy(try LegacyProof(proof, suite: legacy, path: path))
                return
            }
            if suite == .ecdsaSd2023 {
                guard let encoded = proof["proofValue"]?.stringValue else {
                    throw .dataIntegrity(.malformedProofError, "'proofValue' must be a string", path: path + "/proofValue")
                }
                switch try EcdsaSDProofValue(parsing: encoded, path: path + "/proofValue") {
                case .derived(let derived):
                    self = .selective(derived)
                    return
                case .base:
                    throw .dataIntegrity(
                        .selectiveDisclosureBaseProof,
                        "this is an ecdsa-sd-2023 base proof, which only its holder uses; a verifier needs a proof derived from it",
                        path: path + "/proofValue")
                }
            }
            guard let encoded = proof["proofValue"]?.stringValue,
                let decoded = try? Multibase.decode(encoded), decoded.base == .base58btc, [64, 96].contains(decoded.bytes.count)
            else {
                throw .dataIntegrity(
                    .malformedProofError, "'proofValue' must be a base58btc multibase string of a 64- or 96-byte signature",
                    path: path + "/proofValue")
            }
            self = .cryptosuite(suite, signature: decoded.bytes)
        }

        /// Whether the document's RDF dataset is canonicalized (the legacy suites always are).
        var usesRDFC: Bool {
            switch self {
            case .cryptosuite(let suite, _): suite.usesRDFC
            case .legacy, .selective: true
            }
        }
    }

    /// `H(canonical proof config) ‖ H(canonical document)`, the message every suite signs: JCS for the
    /// JCS suites; for the RDFC ones, the canonical N-Quads of each (JSON-LD in safe mode with the
    /// bundled contexts, then RDFC-1.0). With P-384 keys H, and RDFC-1.0's own hash, are SHA-384 (as
    /// the published P-384 vectors are made); SHA-256 otherwise.
    static func hashData(config: JSONObject, document: JSONObject, suite: Cryptosuite, keyAlgorithm: KeyAlgorithm) throws -> [UInt8] {
        let sha384 = keyAlgorithm == .p384
        guard !suite.usesRDFC else { return try rdfcHashData(config: config, document: document, sha384: sha384) }
        return digests(try JCS.canonicalize(.object(config)), try JCS.canonicalize(.object(document)), sha384: sha384)
    }

    /// `unsecured` with `proof` added to the proofs it had (`existing`): one proof stays an object,
    /// more become a proof set.
    static func withProof(_ proof: JSONObject, added unsecured: JSONObject, after existing: JSONValue?) -> JSONObject {
        var secured = unsecured
        switch existing {
        case nil: secured["proof"] = .object(proof)
        case .array(let proofs)?: secured["proof"] = .array(proofs + [.object(proof)])
        case let single?: secured["proof"] = .array([single, .object(proof)])
        }
        return secured
    }

    /// `H(RDFC-1.0 N-Quads of config) ‖ H(RDFC-1.0 N-Quads of document)`, H and RDFC-1.0's own hash
    /// SHA-384 when `sha384`, else SHA-256 (always so for the legacy suites, whatever the key).
    static func rdfcHashData(config: JSONObject, document: JSONObject, sha384: Bool) throws -> [UInt8] {
        func canonical(_ object: JSONObject) throws -> [UInt8] {
            let dataset = try JSONLD(loader: contexts).toRDF(.object(object))
            return try RDFC10(hash: sha384 ? .sha384 : .sha256).canonicalize(dataset).nquadsBytes
        }
        return digests(try canonical(config), try canonical(document), sha384: sha384)
    }

    private static func digests(_ config: [UInt8], _ document: [UInt8], sha384: Bool) -> [UInt8] {
        guard sha384 else { return Array(SHA256.hash(data: config)) + Array(SHA256.hash(data: document)) }
        return Array(SHA384.hash(data: config)) + Array(SHA384.hash(data: document))
    }

    /// Where the RDFC suites find JSON-LD contexts: the bundled ones only.
    static let contexts = BundledContexts()

    /// The proofs `previousProof` names, found by `id` among `proofs`; throws when the value is
    /// neither a string nor a list of strings or when a named proof is missing.
    static func previousProofs(_ value: JSONValue?, among proofs: [JSONObject]) throws(CredentialError) -> [JSONObject] {
        guard let value else { return [] }
        let ids: [String]
        switch value {
        case .string(let id): ids = [id]
        case .array(let items) where items.allSatisfy({ $0.stringValue != nil }): ids = items.compactMap(\.stringValue)
        default:
            throw CredentialError(
                DataIntegrityErrorCode.proofVerificationError.rawValue, "'previousProof' must be a string or a list of strings")
        }
        return try ids.map { id throws(CredentialError) in
            guard let match = proofs.first(where: { $0["id"]?.stringValue == id }) else {
                throw CredentialError(DataIntegrityErrorCode.proofVerificationError.rawValue, "the previous proof '\(id)' is not in the proof set")
            }
            return match
        }
    }

    /// The document a chained proof signs: the unsecured document with `proof` = its previous proofs.
    static func chained(_ unsecured: JSONObject, _ previous: [JSONObject]) -> JSONObject {
        guard !previous.isEmpty else { return unsecured }
        var document = unsecured
        document["proof"] = .array(previous.map { .object($0) })
        return document
    }

    /// The proof objects of a `proof` value (one object or a set).
    static func proofObjects(_ value: JSONValue?) -> [JSONObject] {
        switch value {
        case nil: []
        case .array(let items)?: items.compactMap(\.objectValue)
        case let single?: single.objectValue.map { [$0] } ?? []
        }
    }

    private static func pointer(_ index: Int, _ value: JSONValue) -> String {
        value.arrayValue == nil ? "/proof" : "/proof/\(index)"
    }
}
