/// A failure to decode one of the base encodings (hex, base58btc, base64url, multibase, varint).
public struct BaseEncodingError: CodedError, Equatable {
    /// One of `invalid_base58`, `invalid_base64url`, `invalid_hex`, `unsupported_multibase`,
    /// `invalid_varint`, `varint_not_minimal`, `varint_overflow`, `empty_input`, `input_too_long`.
    public let code: String
    /// What was wrong and where.
    public let message: String

    init(code: String, message: String) {
        self.code = code
        self.message = message
    }

    static func invalidCharacter(_ byte: UInt8, at offset: Int, code: String, alphabet: String) -> Self {
        let shown = (0x21...0x7E).contains(byte) ? "'\(Character(Unicode.Scalar(byte)))'" : "byte 0x\(Hex.encode([byte]))"
        return Self(code: code, message: "\(shown) at offset \(offset) is not in the \(alphabet) alphabet")
    }
}

/// Self-describing base encodings (multiformats multibase): a one-character prefix names the
/// base. Only the two bases the W3C Data Integrity and DID specifications use are supported.
public enum Multibase {
    /// A supported base, as its prefix character.
    public enum Base: Character, Sendable {
        /// Bitcoin base58 (`z…`), used for keys and Ed25519/ECDSA proof values.
        case base58btc = "z"
        /// Unpadded base64url (`u…`), used for selective-disclosure proof values.
        case base64url = "u"
    }

    /// The prefix character followed by `bytes` in the given base.
    public static func encode(_ bytes: some Collection<UInt8>, as base: Base) -> String {
        switch base {
        case .base58btc: "z" + Base58BTC.encode(bytes)
        case .base64url: "u" + Base64URL.encode(bytes)
        }
    }

    /// The base named by the prefix and the decoded bytes. An empty string is `empty_input`; a
    /// prefix other than `z` or `u` is `unsupported_multibase`.
    public static func decode(_ string: String) throws(BaseEncodingError) -> (base: Base, bytes: [UInt8]) {
        let utf8 = string.utf8
        guard let prefix = utf8.first else {
            throw BaseEncodingError(code: "empty_input", message: "a multibase string needs at least its prefix")
        }
        let body = utf8.dropFirst()
        switch prefix {
        case UInt8(ascii: "z"): return (.base58btc, try Base58BTC.decode(utf8: body, offset: 1))
        case UInt8(ascii: "u"): return (.base64url, try Base64URL.decode(utf8: body, offset: 1))
        default:
            let shown = string.first.map { "'\($0)'" } ?? "?"
            throw BaseEncodingError(
                code: "unsupported_multibase",
                message: "multibase prefix \(shown) is not supported (expected 'z' base58btc or 'u' base64url)")
        }
    }
}
