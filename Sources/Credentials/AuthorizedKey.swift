import Encoding
import Foundation
import Identity

/// The key a verification method names, once its DID document authorizes it: shared by Data
/// Integrity proofs and enveloped (JOSE, COSE) credentials.
struct AuthorizedKey: Sendable {
    /// The method's public key.
    let key: PublicKey
    /// The DID whose document authorizes the key (the method URL's DID).
    let controller: String

    /// Resolves `method` (a DID URL) with `resolver` and checks that its DID document lists it for
    /// `purpose` (MISMATCHED_PROOF_PURPOSE_ERROR) and authorizes it at `created`
    /// (INVALID_VERIFICATION_METHOD, also for a method that is missing or cannot be resolved).
    static func resolve(
        _ method: String, for purpose: VerificationRelationship, at created: Date?, resolver: any DIDResolver
    ) async throws(CredentialError) -> AuthorizedKey {
        let invalid = DataIntegrityErrorCode.invalidVerificationMethod.rawValue
        do {
            let url = try DIDURL(method)
            let didDocument = try await resolver.resolve(url.did)
            guard let verificationMethod = didDocument.verificationMethod(id: method) else {
                throw CredentialError(invalid, "the DID document of \(url.did) has no verification method \(method)")
            }
            guard didDocument.relationships(of: method).contains(purpose) else {
                throw CredentialError(
                    DataIntegrityErrorCode.mismatchedProofPurposeError.rawValue,
                    "the DID document does not list \(method) for \(purpose.rawValue)")
            }
            guard didDocument.isAuthorized(methodID: method, for: purpose, at: created) else {
                throw CredentialError(
                    invalid, "\(method) is not authorized for \(purpose.rawValue)" + (created.map { " at \(XSDDateTime.format($0))" } ?? ""))
            }
            return AuthorizedKey(key: try VerificationKeyCache.shared.key(of: verificationMethod), controller: didDocument.id)
        } catch let error as CredentialError {
            throw error
        } catch let error as any CodedError {
            throw CredentialError(invalid, "\(method): \(error.code): \(error.message)")
        } catch {
            throw CredentialError(invalid, "\(method) could not be resolved: \(error)")
        }
    }
}
