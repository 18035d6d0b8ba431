import Encoding

/// A failure to decode, check or verify a signed BMS reading: a stable code plus what was wrong.
public struct ReadingError: CodedError, Hashable {
    /// What went wrong; `rawValue` is the stable code.
    public enum Kind: String, Sendable, CaseIterable {
        /// The payload is not CBOR in Core Deterministic Encoding, or not a map.
        case malformed = "reading_malformed"
        /// The payload's format version is not one this implementation reads.
        case unsupportedVersion = "reading_unsupported_version"
        /// A required field is absent.
        case missingField = "reading_missing_field"
        /// A key that the format does not define.
        case unknownField = "reading_unknown_field"
        /// A field has the wrong CBOR type or size.
        case invalidField = "reading_invalid_field"
        /// A value lies outside its physical range, or the values contradict each other.
        case outOfRange = "reading_out_of_range"
        /// The message carries no payload (a detached reading cannot be checked on its own).
        case detachedPayload = "reading_detached_payload"
    }

    public let kind: Kind
    public let message: String

    public var code: String { kind.rawValue }

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }
}
