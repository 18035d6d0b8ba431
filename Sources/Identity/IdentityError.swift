import Encoding

/// Every failure of the Identity module: a stable code plus a message saying what was wrong.
///
/// Codes named by a standard keep its spelling: the DID Resolution and did:key error names
/// (`invalidDid`, `invalidDidUrl`, `methodNotSupported`, `notFound`, `invalidPublicKeyLength`,
/// `invalidPublicKey`, `unsupportedPublicKeyType`). The rest follow them in style.
public struct IdentityError: CodedError, Equatable {
    /// What went wrong; `rawValue` is the stable code.
    public enum Kind: String, Sendable, CaseIterable {
        /// The string is not a DID (DID Core §3.1), or not a valid DID for its method.
        case invalidDid
        /// The string is not a valid DID URL.
        case invalidDidUrl
        /// The DID method is not one this resolver handles.
        case methodNotSupported
        /// The DID document (or the verification method a DID URL names) does not exist.
        case notFound
        /// The public key has the wrong number of bytes for its type.
        case invalidPublicKeyLength
        /// The public key bytes do not encode a valid key (e.g. a point not on the curve).
        case invalidPublicKey
        /// The key type (multicodec, JWK `kty`/`crv`, verification method type) is not supported.
        case unsupportedPublicKeyType
        /// A secret key is malformed, has the wrong header or length, or is out of range.
        case invalidSecretKey
        /// A key file could not be read or written.
        case keyFileUnavailable
        /// A key file's content is not a valid Multikey key pair.
        case invalidKeyFile
        /// The DID document is larger than allowed.
        case documentTooLarge
        /// The DID document is not a JSON object whose `id` is the resolved DID, or is malformed.
        case invalidDidDocument
        /// The DID document could not be fetched: a refused destination, a failed or timed-out
        /// connection, TLS, or an unexpected HTTP status (one code and message for all of them).
        case networkError
        /// Key records cannot form a consistent key history.
        case invalidKeyHistory
        /// A trust file (the keys a verifier pins) is malformed.
        case invalidTrustFile
    }

    public let kind: Kind
    public let message: String

    public var code: String { kind.rawValue }

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }
}
