import Encoding

/// A credential, presentation or proof could not be read, built or signed. The code is stable:
/// snake_case for the data model (`malformed_credential`, `invalid_context`, …) and the Data
/// Integrity names for proofs (`PROOF_GENERATION_ERROR`, `MALFORMED_PROOF_ERROR`, …).
public struct CredentialError: CodedError, Equatable {
    public let code: String
    public let message: String
    /// JSON Pointer to the offending value, when there is one.
    public let path: String?

    public init(_ code: String, _ message: String, path: String? = nil) {
        self.code = code
        self.message = message
        self.path = path
    }

    /// The error as a problem in a verification result.
    public var problem: VerificationProblem {
        VerificationProblem(code: code, message: message, path: path)
    }
}

/// The Data Integrity error codes Voltpass reports (VC Data Integrity §4, "Processing Errors"; the
/// verification method ones from Controlled Identifiers).
public enum DataIntegrityErrorCode: String, Sendable, CaseIterable {
    case parsingError = "PARSING_ERROR"
    case proofGenerationError = "PROOF_GENERATION_ERROR"
    case proofVerificationError = "PROOF_VERIFICATION_ERROR"
    case malformedProofError = "MALFORMED_PROOF_ERROR"
    case mismatchedProofPurposeError = "MISMATCHED_PROOF_PURPOSE_ERROR"
    case invalidDomainError = "INVALID_DOMAIN_ERROR"
    case invalidChallengeError = "INVALID_CHALLENGE_ERROR"
    case invalidVerificationMethod = "INVALID_VERIFICATION_METHOD"
    /// A proof type or cryptosuite this verifier does not implement: nothing is said about the
    /// signature (distinct from PROOF_VERIFICATION_ERROR, a signature checked and found wrong).
    case unsupportedCryptosuite = "unsupported_cryptosuite"
    /// An ecdsa-sd-2023 base proof given to a verifier: it is the holder's, from which the holder
    /// derives the proofs verifiers check (VC-DI-ECDSA §3.6).
    case selectiveDisclosureBaseProof = "selective_disclosure_base_proof"
    /// A mandatory or selective JSON pointer (ecdsa-sd-2023) that is not RFC 6901, names nothing in
    /// the document, or names part of a value that is signed whole.
    case selectiveDisclosurePointerInvalid = "selective_disclosure_pointer_invalid"
}

extension CredentialError {
    /// A Data Integrity error.
    static func dataIntegrity(_ code: DataIntegrityErrorCode, _ message: String, path: String? = nil) -> CredentialError {
        CredentialError(code.rawValue, message, path: path)
    }
}
