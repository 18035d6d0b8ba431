import Encoding
import Foundation
import Identity

/// Issues credentials with one key: checks the input against the data model, fills in `issuer`
/// when it is absent, and adds a Data Integrity proof dated by the injected clock, with the suite
/// the policy chooses for the credential's type (else `cryptosuite`), or envelops it as a JWS or
/// COSE_Sign1 (VC-JOSE-COSE), or secures it as a selectively disclosable SD-JWT (`vc+sd-jwt`).
public struct CredentialIssuer: Sendable {
    public let signer: any Signer
    /// The DID URL of the signing key; its DID is the issuer.
    public let verificationMethod: String
    /// The suite of credentials whose type the policy does not name.
    public let cryptosuite: Cryptosuite
    public let policy: CryptosuitePolicy
    private let now: @Sendable () -> Date

    /// Throws `PROOF_GENERATION_ERROR` when the key does not fit the cryptosuite or a suite the
    /// policy chooses, or the method is not a DID URL.
    public init(
        signer: any Signer, verificationMethod: String, cryptosuite: Cryptosuite? = nil, policy: CryptosuitePolicy = CryptosuitePolicy(),
        now: @escaping @Sendable () -> Date = Date.init
    ) throws(CredentialError) {
        let suite = cryptosuite ?? .jcs(for: signer.algorithm)
        guard suite.supports(signer.algorithm) else {
            throw .dataIntegrity(.proofGenerationError, "\(suite.rawValue) cannot sign with an \(signer.algorithm.rawValue) key")
        }
        let mismatches = policy.mismatches(for: signer.algorithm)
        guard mismatches.isEmpty else {
            throw .dataIntegrity(
                .proofGenerationError, "the chosen \(mismatches.joined(separator: ", ")) cannot sign with an \(signer.algorithm.rawValue) key")
        }
        guard (try? DIDURL(verificationMethod)) != nil else {
            throw .dataIntegrity(.proofGenerationError, "the verification method '\(verificationMethod)' is not a DID URL")
        }
        self.signer = signer
        self.verificationMethod = verificationMethod
        self.cryptosuite = suite
        self.policy = policy
        self.now = now
    }

    /// An issuer whose key is a did:key (the method is `did:key:z…#z…`).
    public init(didKeySigner signer: SoftwareSigner, cryptosuite: Cryptosuite? = nil, now: @escaping @Sendable () -> Date = Date.init)
        throws(CredentialError)
    {
        let did = DIDKey.did(for: signer.verificationKey)
        try self.init(signer: signer, verificationMethod: did + "#" + signer.verificationKey.multikey, cryptosuite: cryptosuite, now: now)
    }

    /// The issuer DID (the verification method's DID).
    public var did: String { (try? DIDURL(verificationMethod).did) ?? verificationMethod }

    /// Signs `document` as a credential. Throws the first data model problem (e.g. `invalid_subject`),
    /// `issuer_key_mismatch` when `issuer` names another DID, or `PROOF_GENERATION_ERROR`.
    public func issue(_ document: JSONObject) async throws(CredentialError) -> Credential {
        let document = try prepared(document)
        let suite = policy.suite(for: Credential(document).types, otherwise: cryptosuite)
        let options = ProofOptions(cryptosuite: suite, verificationMethod: verificationMethod, created: now())
        return Credential(try await DataIntegrity.sign(document, options: options, signer: signer))
    }

    /// Signs `document` as a credential with an ecdsa-sd-2023 base proof for its holder, who derives
    /// from it the proofs verifiers check (`DataIntegrity.deriveSelective`); the statements
    /// `mandatoryPointers` select are disclosed in every derived credential (name `/issuer` and the
    /// validity dates there: a verifier needs them). Throws as `issue(_:)` does, PROOF_GENERATION_ERROR
    /// for a key other than P-256, and `selective_disclosure_pointer_invalid` for a pointer that
    /// names nothing.
    public func issueSelective(
        _ document: JSONObject, mandatoryPointers: [String], secrets: EcdsaSDSecrets = .fresh()
    ) async throws(CredentialError) -> Credential {
        let document = try prepared(document)
        let options = ProofOptions(cryptosuite: .ecdsaSd2023, verificationMethod: verificationMethod, created: now())
        return Credential(
            try await DataIntegrity.signSelective(document, options: options, mandatoryPointers: mandatoryPointers, signer: signer, secrets: secrets))
    }

    /// Secures `document` as a credential by enveloping (VC-JOSE-COSE): a compact JWS
    /// (`application/vc+jwt`) or a COSE_Sign1 (`application/vc+cose`) whose `kid` is the verification
    /// method. Throws as `issue(_:)` does, and `envelope_unsupported_media_type` for a presentation's
    /// media type.
    public func envelop(_ document: JSONObject, as mediaType: EnvelopeMediaType) async throws(CredentialError) -> Envelope {
        guard !mediaType.isPresentation else {
            throw .envelope(.unsupportedMediaType, "\(mediaType.rawValue) secures a presentation, not a credential")
        }
        return try await Envelope.sign(try prepared(document), as: mediaType, verificationMethod: verificationMethod, signer: signer)
    }

    /// Secures `document` as a credential with SD-JWT (VC-JOSE-COSE, `application/vc+sd-jwt`): the
    /// credential is the payload, with the claims at the `disclosable` JSON pointers selectively
    /// disclosable (by default every member of each credential subject but `id` and `type`; an
    /// array is one claim unless a pointer names its elements), `kid` the verification method, and
    /// `cnf.jwk` the subject's key when its `id` is a did:key (the holder then presents with key
    /// binding). `sdJWTIssuer` sets the hash and the decoy digests. Throws as `issue(_:)` does,
    /// `sd_jwt_claim_not_disclosable` for a pointer at a claim that stays in the clear (`@context`,
    /// `type`, `issuer`, `id`, `validFrom`, `validUntil`, `credentialStatus`, `credentialSchema`,
    /// the subject's `id` and `type`), `sd_jwt_pointer_invalid` for one that is malformed or names no
    /// claim, and `invalid_subject` for a did:key subject whose key cannot be read.
    public func issueSDJWT(
        _ document: JSONObject, disclosable: [String]? = nil, using sdJWTIssuer: SDJWTIssuer = SDJWTIssuer(decoyDigests: 1...3)
    ) async throws(CredentialError) -> SDJWTCredential {
        try await SDJWTCredential.issue(
            try prepared(document), disclosable: disclosable, verificationMethod: verificationMethod, signer: signer, using: sdJWTIssuer)
    }

    /// The document with `issuer` filled in, checked against the data model and the issuer's DID.
    private func prepared(_ document: JSONObject) throws(CredentialError) -> JSONObject {
        var document = document
        switch document["issuer"] {
        case nil:
            document["issuer"] = .string(did)
        case .object(var issuer) where issuer["id"] == nil:
            issuer["id"] = .string(did)
            document["issuer"] = .object(issuer)
        default:
            break
        }
        if let problem = DataModelValidator.validate(Credential(document), mode: .secured).first {
            throw problem
        }
        if let named = Credential(document).issuerID, named != did {
            throw CredentialError("issuer_key_mismatch", "the credential names \(named) as issuer, but the key belongs to \(did)", path: "/issuer")
        }
        return document
    }
}
