/// A failure to decode or encode CBOR, with a stable code and, when decoding, the byte offset of
/// the offending data item.
public struct CBORError: CodedError, Hashable, Sendable {
    /// What went wrong; the raw value is the stable code.
    public enum Kind: String, Sendable, CaseIterable {
        /// The input ends inside a data item head.
        case truncated = "cbor_truncated"
        /// Additional information 28, 29 or 30, which RFC 8949 reserves.
        case reservedInfo = "cbor_reserved_info"
        /// A break stop code where no indefinite-length item is open, or where a map value is due.
        case unexpectedBreak = "cbor_unexpected_break"
        /// Indefinite length on a type that cannot have it, or a wrong chunk inside an indefinite string.
        case invalidIndefinite = "cbor_invalid_indefinite"
        /// A text string that is not valid UTF-8.
        case invalidUTF8 = "cbor_invalid_utf8"
        /// A simple value encoded in two bytes below 32, or one of the reserved values 20–31 in a `CBOR.simple`.
        case invalidSimple = "cbor_invalid_simple"
        /// A tag whose content has the wrong type (RFC 8949 §3.4), e.g. tag 1 around a map.
        case invalidTag = "cbor_invalid_tag"
        /// Bytes left over after the data item.
        case trailingBytes = "cbor_trailing_bytes"
        /// Nesting deeper than `CBORDecodingOptions.maxDepth`.
        case depthExceeded = "cbor_depth_exceeded"
        /// A length or count that the remaining input cannot possibly hold.
        case lengthExceedsInput = "cbor_length_exceeds_input"
        /// More data items than `CBORDecodingOptions.maxItems`.
        case tooManyItems = "cbor_too_many_items"
        /// Valid CBOR that breaks RFC 8949 §4.2.1 Core Deterministic Encoding.
        case notDeterministic = "cbor_not_deterministic"
        /// Two equal keys in one map.
        case duplicateKey = "cbor_duplicate_key"
    }

    /// What went wrong.
    public let kind: Kind
    /// The byte offset in the input where the offending item starts; nil for encoding errors.
    public let offset: Int?
    /// The explanation, without the offset.
    public let detail: String

    /// Creates an error.
    public init(_ kind: Kind, _ detail: String, offset: Int? = nil) {
        self.kind = kind
        self.detail = detail
        self.offset = offset
    }

    public var code: String { kind.rawValue }

    public var message: String {
        guard let offset else { return detail }
        return "\(detail) at byte offset \(offset)"
    }
}
