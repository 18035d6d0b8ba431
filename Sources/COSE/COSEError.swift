import Encoding

/// A COSE failure (RFC 9052): a stable code plus what was wrong and where.
public struct COSEError: CodedError, Hashable {
    /// What went wrong; `rawValue` is the stable code.
    public enum Kind: String, Sendable, CaseIterable {
        /// Not a COSE_Sign1 structure: not CBOR, not a 4-element array, wrong element types, headers
        /// that are not maps, a label in both buckets, or a header value of the wrong type.
        case malformed = "cose_malformed"
        /// A tag other than 18 (COSE_Sign1) around the message.
        case unexpectedTag = "cose_unexpected_tag"
        /// No `alg` header in either bucket.
        case missingAlgorithm = "cose_missing_algorithm"
        /// An algorithm, curve or key type this implementation does not support (only EdDSA with
        /// Ed25519 and ES256 with P-256 are supported).
        case unsupportedAlgorithm = "cose_unsupported_algorithm"
        /// The key's type does not fit the message's algorithm (e.g. a P-256 key for EdDSA).
        case algorithmMismatch = "cose_algorithm_mismatch"
        /// The `crit` header names a header this implementation does not understand.
        case unknownCriticalHeader = "cose_critical_header_unknown"
        /// The payload is detached (nil in the message) and none was supplied, or both are present.
        case payloadMismatch = "cose_payload_mismatch"
        /// The signature does not verify.
        case signatureInvalid = "cose_signature_invalid"
        /// A COSE_Key is malformed.
        case invalidKey = "cose_invalid_key"
    }

    public let kind: Kind
    public let message: String

    public var code: String { kind.rawValue }

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }
}
