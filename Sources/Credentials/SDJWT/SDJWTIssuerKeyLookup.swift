import Encoding
import Identity

/// How a verifier finds the key that signed an SD-JWT: a key it was given, the DID document the
/// `kid` header names, or a lookup of the caller's by `iss` and the header (JWT VC issuer metadata,
/// a registry, pinned keys).
public struct SDJWTIssuerKeyLookup: Sendable {
    private let lookup: @Sendable (_ issuer: String?, _ header: JSONObject) async throws -> PublicKey

    /// A lookup given the payload's `iss` (nil without one) and the issuer-signed JWT's header. A
    /// `CredentialError` it throws is reported as it is, any other error as INVALID_VERIFICATION_METHOD.
    public init(_ lookup: @escaping @Sendable (_ issuer: String?, _ header: JSONObject) async throws -> PublicKey) {
        self.lookup = lookup
    }

    /// Always `key`.
    public static func key(_ key: PublicKey) -> SDJWTIssuerKeyLookup {
        SDJWTIssuerKeyLookup { _, _ in key }
    }

    /// The key of the verification method the `kid` header names (a DID URL, or a fragment relative
    /// to an `iss` that is a DID), which the DID document `resolver` finds must authorize for
    /// assertionMethod. When `iss` is a DID, the method must be one of its own. Throws
    /// INVALID_VERIFICATION_METHOD or MISMATCHED_PROOF_PURPOSE_ERROR as Data Integrity proofs do.
    public static func did(resolver: any DIDResolver) -> SDJWTIssuerKeyLookup {
        SDJWTIssuerKeyLookup { issuer, header in
            let invalid = DataIntegrityErrorCode.invalidVerificationMethod
            guard let kid = header["kid"]?.stringValue, !kid.isEmpty else {
                throw CredentialError.dataIntegrity(invalid, "no kid header names the issuer's verification method")
            }
            let method = kid.hasPrefix("#") ? (issuer ?? "") + kid : kid
            guard let url = try? DIDURL(method) else {
                throw CredentialError.dataIntegrity(invalid, "the kid '\(kid)' does not name a DID URL")
            }
            if let issuer, issuer.hasPrefix("did:"), url.did != issuer {
                throw CredentialError.dataIntegrity(invalid, "the kid '\(kid)' is not a key of the issuer \(issuer)")
            }
            return try await AuthorizedKey.resolve(method, for: .assertionMethod, at: nil, resolver: resolver).key
        }
    }

    /// The issuer's key for an SD-JWT with `issuer` and `header`.
    func key(issuer: String?, header: JSONObject) async throws(CredentialError) -> PublicKey {
        do {
            return try await lookup(issuer, header)
        } catch let error as CredentialError {
            throw error
        } catch {
            throw .dataIntegrity(.invalidVerificationMethod, "the issuer's key could not be found: \(error)")
        }
    }
}
