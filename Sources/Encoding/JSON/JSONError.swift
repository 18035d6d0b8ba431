/// Why JSON could not be parsed, canonicalized or bridged, with the place where it went wrong.
public struct JSONError: CodedError, Hashable, Sendable {
    /// The kinds of failure; each raw value is the stable error code.
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        /// The text is not JSON as RFC 8259 defines it.
        case syntax = "json_syntax"
        /// The bytes are not well-formed UTF-8.
        case invalidUTF8 = "json_invalid_utf8"
        /// A backslash escape in a string is malformed.
        case invalidEscape = "json_invalid_escape"
        /// A `\u` escape names half of a surrogate pair without the other half.
        case loneSurrogate = "json_lone_surrogate"
        /// An object names the same member twice.
        case duplicateKey = "json_duplicate_key"
        /// Arrays and objects are nested deeper than the limit.
        case depthExceeded = "json_depth_exceeded"
        /// The input is longer than the limit.
        case tooLarge = "json_too_large"
        /// A string is longer than the limit.
        case stringTooLong = "json_string_too_long"
        /// A number is too large in magnitude to be an IEEE-754 double.
        case numberOutOfRange = "json_number_out_of_range"
        /// NaN or an infinity cannot be written as JSON.
        case numberNotFinite = "json_number_not_finite"
        /// A Swift value could not be encoded to JSON.
        case encodingFailed = "json_encoding_failed"
        /// JSON could not be decoded into the requested Swift type.
        case decodingFailed = "json_decoding_failed"
    }

    /// What went wrong.
    public let kind: Kind
    /// What went wrong and where, in words.
    public let message: String
    /// Byte offset into the input, when the error comes from parsing.
    public let offset: Int?
    /// 1-based line of `offset`.
    public let line: Int?
    /// 1-based column of `offset`, counted in Unicode scalars.
    public let column: Int?
    /// JSON Pointer (RFC 6901) of the value concerned, when known.
    public let path: String?

    public var code: String { kind.rawValue }

    /// Makes an error; `message` should say what was wrong, the location fields say where.
    public init(
        _ kind: Kind, _ message: String, offset: Int? = nil, line: Int? = nil, column: Int? = nil,
        path: String? = nil
    ) {
        self.kind = kind
        self.message = message
        self.offset = offset
        self.line = line
        self.column = column
        self.path = path
    }
}

/// Bounds on what the parser accepts, so hostile input cannot exhaust memory or the stack.
public struct JSONLimits: Sendable, Hashable {
    /// Maximum nesting of arrays and objects (the top-level container is depth 1).
    public var maxDepth: Int
    /// Maximum input length in bytes.
    public var maxInputBytes: Int
    /// Maximum length of one string (member names included), in UTF-8 bytes after unescaping.
    public var maxStringBytes: Int

    public init(maxDepth: Int = 128, maxInputBytes: Int = 16 << 20, maxStringBytes: Int = 8 << 20) {
        self.maxDepth = maxDepth
        self.maxInputBytes = maxInputBytes
        self.maxStringBytes = maxStringBytes
    }

    /// Depth 128, 16 MiB of input, 8 MiB per string.
    public static let `default` = JSONLimits()
}
