/// The RFC 9457 `type` (and `title`) of a problem with a given Voltpass code: the error types of the
/// VC Data Model 2.0 (as the VC API's error handling asks), VC Data Integrity and Controlled
/// Identifiers (`https://w3id.org/security#…`) and Bitstring Status List where one applies, otherwise
/// Voltpass's own `https://voltpass.dev/problems/<code>`. The stable `code` stays in every problem
/// as an extension member, so the code, not the type, is what clients switch on.
struct ProblemType: Equatable {
    /// The URI naming the type.
    let uri: String
    /// The standard error name (`PARSING_ERROR`), or nil for a Voltpass type.
    let standardName: String?

    init(code: String) {
        if let standard = Self.standard[code] {
            uri = standard
            standardName = String(standard[standard.index(after: standard.lastIndex(of: "#")!)...])
        } else {
            uri = "https://voltpass.dev/problems/\(code)"
            standardName = nil
        }
    }

    private static let dataModel = "https://www.w3.org/TR/vc-data-model#"
    private static let security = "https://w3id.org/security#"
    private static let statusList = "https://www.w3.org/ns/credentials/status-list#"

    /// Each code that has a standard type.
    private static let standard: [String: String] = {
        let groups: [(String, [String])] = [
            // Input that could not be read as JSON, a credential or a presentation.
            (dataModel + "PARSING_ERROR", [
                "PARSING_ERROR", "json_syntax", "json_duplicate_key", "json_invalid_escape", "json_lone_surrogate",
                "json_number_not_finite", "json_number_out_of_range", "json_depth_exceeded", "json_string_too_long",
                "malformed_credential", "malformed_presentation",
                // An enveloped credential (VC-JOSE-COSE) whose data: URL, JWS, COSE_Sign1 or payload cannot be read.
                "envelope_malformed", "envelope_payload_invalid", "jose_malformed", "cose_malformed",
                // An SD-JWT whose serialization, disclosures, digest algorithm or media type cannot be read.
                "sd_jwt_malformed", "sd_jwt_too_large", "sd_jwt_disclosure_malformed", "sd_jwt_unsupported_sd_alg",
                "sd_jwt_invalid_type",
            ]),
            // A property whose value breaks the data model's MUST statements (or a request member that does).
            (dataModel + "MALFORMED_VALUE_ERROR", [
                "invalid_request", "unknown_option", "missing_context", "missing_type", "missing_issuer", "missing_subject",
                "invalid_context", "invalid_type", "invalid_issuer", "invalid_subject", "invalid_id", "invalid_date",
                "invalid_validity_period", "invalid_holder", "invalid_verifiable_credential", "invalid_enveloped_credential",
                "invalid_related_resource", "invalid_evidence", "invalid_language_value", "invalid_proof", "invalid_refresh_service",
                "invalid_schema", "invalid_status", "invalid_terms_of_use", "status_entry_invalid",
                // Selective disclosure asked of a claim that names none, or of one that stays in the clear.
                "sd_jwt_pointer_invalid", "sd_jwt_claim_not_disclosable",
            ]),
            (dataModel + "RANGE_ERROR", ["range_error"]),
            (security + "PROOF_GENERATION_ERROR", ["PROOF_GENERATION_ERROR"]),
            (security + "PROOF_VERIFICATION_ERROR", [
                "PROOF_VERIFICATION_ERROR", "jose_invalid_signature", "cose_signature_invalid",
                // SD-JWT disclosures that do not match the signed digests, and a KB-JWT that does not verify.
                "sd_jwt_disclosure_unreferenced", "sd_jwt_digest_duplicate", "sd_jwt_claim_collision", "sd_jwt_key_binding_invalid",
                "sd_jwt_sd_hash_mismatch",
            ]),
            (security + "MALFORMED_PROOF_ERROR", ["MALFORMED_PROOF_ERROR", "sd_jwt_key_binding_missing"]),
            (security + "MISMATCHED_PROOF_PURPOSE_ERROR", ["MISMATCHED_PROOF_PURPOSE_ERROR"]),
            (security + "INVALID_DOMAIN_ERROR", ["INVALID_DOMAIN_ERROR", "sd_jwt_audience_mismatch"]),
            (security + "INVALID_CHALLENGE_ERROR", ["INVALID_CHALLENGE_ERROR", "sd_jwt_nonce_mismatch"]),
            (security + "INVALID_VERIFICATION_METHOD", ["INVALID_VERIFICATION_METHOD"]),
            (statusList + "STATUS_RETRIEVAL_ERROR", ["status_unreachable"]),
            (statusList + "STATUS_VERIFICATION_ERROR", ["status_list_invalid"]),
            (statusList + "STATUS_LIST_LENGTH_ERROR", ["status_list_length_error"]),
        ]
        return Dictionary(uniqueKeysWithValues: groups.flatMap { type, codes in codes.map { ($0, type) } })
    }()
}
