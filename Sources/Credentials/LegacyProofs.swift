import Encoding
import Identity

/// The Linked Data proof suites deployed before Data Integrity (VC 1.1 wallets, Catena-X / Tractus-X):
/// verified, never issued. Each signs `SHA-256(RDFC-1.0 proof options) ‖ SHA-256(RDFC-1.0 document)`,
/// the proof options taking the document's `@context`; Ed25519Signature2020 is verified as
/// eddsa-rdfc-2022 (see `Cryptosuite`).
enum LegacyProofSuite: String, CaseIterable {
    /// Ed25519 as a detached JWS, `alg` EdDSA (w3c-ccg lds-ed25519-2018).
    case ed25519Signature2018 = "Ed25519Signature2018"
    /// A detached JWS whose `alg` follows the key: EdDSA, ES256 or ES384 (w3c-ccg lds-jws2020).
    case jsonWebSignature2020 = "JsonWebSignature2020"
    /// P-256, as a detached ES256 JWS or as a base58btc `proofValue` (w3c-ccg di-ecdsa-2019).
    case ecdsaSecp256r1Signature2019 = "EcdsaSecp256r1Signature2019"

    /// The JWS algorithms the suite signs with.
    var algorithms: [JWSAlgorithm] {
        switch self {
        case .ed25519Signature2018: [.edDSA]
        case .jsonWebSignature2020: [.edDSA, .es256, .es384]
        case .ecdsaSecp256r1Signature2019: [.es256]
        }
    }
}

/// A detached JWS with an unencoded payload (RFC 7515 Appendix F, RFC 7797): `header..signature`,
/// the header carrying `"b64": false` and `"crit": ["b64"]`.
struct DetachedJWS {
    /// The header as it appears in the JWS (base64url), part of the signing input.
    let encodedHeader: String
    let algorithm: JWSAlgorithm
    let signature: [UInt8]

    /// Reads a compact detached JWS; MALFORMED_PROOF_ERROR when it is not one, unsupported_cryptosuite
    /// for an `alg` no legacy suite uses.
    init(_ compact: String) throws(CredentialError) {
        func malformed(_ message: String) -> CredentialError { .dataIntegrity(.malformedProofError, message) }
        let parts = compact.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 3 else { throw malformed("'jws' must be a compact JWS of three parts, header..signature") }
        guard parts[1].isEmpty else { throw malformed("'jws' must be detached: its payload part must be empty") }
        guard let headerBytes = try? Base64URL.decode(parts[0]), let header = try? JSONValue(parsing: headerBytes).objectValue else {
            throw malformed("the JWS header is not base64url-encoded JSON object")
        }
        guard header["b64"] == .bool(false), header["crit"] == .array(["b64"]) else {
            throw malformed("the JWS header must have \"b64\": false and \"crit\": [\"b64\"] (an unencoded payload, RFC 7797)")
        }
        guard let name = header["alg"]?.stringValue else { throw malformed("the JWS header has no 'alg'") }
        guard let algorithm = JWSAlgorithm(rawValue: name) else {
            throw .dataIntegrity(.unsupportedCryptosuite, "unsupported JWS algorithm '\(name)'")
        }
        guard let signature = try? Base64URL.decode(parts[2]), signature.count == algorithm.keyAlgorithm.signatureLength else {
            throw malformed("the JWS signature must be the base64url of \(algorithm.keyAlgorithm.signatureLength) bytes for \(name)")
        }
        encodedHeader = parts[0]
        self.algorithm = algorithm
        self.signature = signature
    }

    /// What the JWS signs: `ASCII(header) ‖ "." ‖ payload`, the payload unencoded.
    func signingInput(_ payload: [UInt8]) -> [UInt8] {
        Array(encodedHeader.utf8) + Array(".".utf8) + payload
    }
}

/// One legacy proof read for verification: its suite and its signature (a detached JWS, or the
/// raw signature of a `proofValue`).
struct LegacyProof {
    enum Signature {
        case jws(DetachedJWS)
        case proofValue([UInt8])
    }

    let suite: LegacyProofSuite
    let signature: Signature

    /// The proof members its suite does not sign.
    static let signatureMembers = ["jws", "proofValue"]

    /// Reads `proof` as a `suite` proof; MALFORMED_PROOF_ERROR (path under `path`) when it lacks
    /// `created` or its signature, unsupported_cryptosuite when the JWS names an algorithm the suite does not use.
    init(_ proof: JSONObject, suite: LegacyProofSuite, path: String) throws(CredentialError) {
        func fail(_ code: DataIntegrityErrorCode, _ message: String, _ member: String) -> CredentialError {
            .dataIntegrity(code, message, path: path + member)
        }
        guard proof["created"] != nil else { throw fail(.malformedProofError, "a \(suite.rawValue) proof needs 'created'", "/created") }
        switch (proof["jws"], proof["proofValue"]) {
        case (let jws?, nil):
            guard let compact = jws.stringValue else { throw fail(.malformedProofError, "'jws' must be a string", "/jws") }
            let parsed: DetachedJWS
            do {
                parsed = try DetachedJWS(compact)
            } catch {
                throw fail(DataIntegrityErrorCode(rawValue: error.code) ?? .malformedProofError, error.message, "/jws")
            }
            guard suite.algorithms.contains(parsed.algorithm) else {
                throw fail(
                    .unsupportedCryptosuite,
                    "\(suite.rawValue) signs with \(suite.algorithms.map(\.rawValue).joined(separator: " or ")), not \(parsed.algorithm.rawValue)",
                    "/jws")
            }
            signature = .jws(parsed)
        case (nil, let value?) where suite == .ecdsaSecp256r1Signature2019:
            guard let encoded = value.stringValue, let decoded = try? Multibase.decode(encoded), decoded.base == .base58btc,
                decoded.bytes.count == 64
            else {
                throw fail(.malformedProofError, "'proofValue' must be a base58btc multibase string of a 64-byte signature", "/proofValue")
            }
            signature = .proofValue(decoded.bytes)
        default:
            let members = suite == .ecdsaSecp256r1Signature2019 ? "one of 'jws' and 'proofValue'" : "'jws' (and no 'proofValue')"
            throw fail(.malformedProofError, "a \(suite.rawValue) proof carries \(members)", "")
        }
        self.suite = suite
    }

    /// The member that holds the signature, for error paths.
    var signatureMember: String {
        if case .proofValue = signature { return "/proofValue" }
        return "/jws"
    }

    /// Why `key` cannot have made this proof (nil when it can): the JWS `alg` names another key algorithm.
    func mismatch(with key: PublicKey) -> String? {
        let algorithm: JWSAlgorithm
        switch signature {
        case .jws(let jws): algorithm = jws.algorithm
        case .proofValue: algorithm = .es256
        }
        guard algorithm.keyAlgorithm != key.algorithm else { return nil }
        return "\(suite.rawValue) with \(algorithm.rawValue) needs a \(algorithm.keyAlgorithm.rawValue) key, not \(key.algorithm.rawValue)"
    }

    /// Whether `key` signed `hashes` (the two SHA-256 digests) under this proof.
    func verify(hashes: [UInt8], with key: PublicKey) -> Bool {
        switch signature {
        case .jws(let jws): key.verify(signature: jws.signature, message: jws.signingInput(hashes))
        case .proofValue(let bytes): key.verify(signature: bytes, message: hashes)
        }
    }
}
