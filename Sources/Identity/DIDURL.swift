/// A DID or DID URL parsed by the DID Core 1.0 ABNF (§3.1, §3.2):
/// `did:<method-name>:<method-specific-id>[path][?query][#fragment]`, where the method name is
/// lowercase letters and digits and the method-specific id is `idchar`s (`ALPHA DIGIT . - _`,
/// percent-encoded octets) in `:`-separated segments, the last one non-empty.
public struct DIDURL: Sendable, Hashable, CustomStringConvertible {
    /// The DID alone, e.g. `did:web:example.com`.
    public let did: String
    /// The method name, e.g. `web`.
    public let method: String
    /// Everything after `did:<method>:` up to the path, query or fragment.
    public let methodSpecificID: String
    /// The path (`/...`), empty when absent.
    public let path: String
    /// The query without `?`, nil when absent.
    public let query: String?
    /// The fragment without `#`, nil when absent.
    public let fragment: String?

    /// Parses a DID URL. A malformed DID part throws `invalidDid`, a malformed path, query or fragment
    /// throws `invalidDidUrl`.
    public init(_ string: String) throws(IdentityError) {
        // Every character the grammar allows is ASCII, so the parse works on UTF-8 bytes.
        let bytes = Array(string.utf8)
        let didEnd = bytes.firstIndex { $0 == UInt8(ascii: "/") || $0 == UInt8(ascii: "?") || $0 == UInt8(ascii: "#") } ?? bytes.endIndex
        let didPart = String(decoding: bytes[..<didEnd], as: UTF8.self)
        guard bytes[..<didEnd].starts(with: "did:".utf8) else {
            throw IdentityError(.invalidDid, "'\(string)' does not start with 'did:'")
        }
        guard let colon = bytes[4..<didEnd].firstIndex(of: UInt8(ascii: ":")) else {
            throw IdentityError(.invalidDid, "'\(didPart)' has no method-specific identifier")
        }
        let method = String(decoding: bytes[4..<colon], as: UTF8.self)
        guard colon > 4, bytes[4..<colon].allSatisfy({ Self.isLowercaseLetter($0) || Self.isDigit($0) }) else {
            throw IdentityError(.invalidDid, "the DID method name '\(method)' must be lowercase letters and digits")
        }
        let identifier = bytes[(colon + 1)..<didEnd]
        guard Self.isMethodSpecificID(identifier) else {
            throw IdentityError(
                .invalidDid, "'\(String(decoding: identifier, as: UTF8.self))' is not a valid method-specific identifier")
        }

        var rest = bytes[didEnd...]
        var query: ArraySlice<UInt8>?
        var fragment: ArraySlice<UInt8>?
        if let hash = rest.firstIndex(of: UInt8(ascii: "#")) {
            fragment = rest[(hash + 1)...]
            rest = rest[..<hash]
        }
        if let question = rest.firstIndex(of: UInt8(ascii: "?")) {
            query = rest[(question + 1)...]
            rest = rest[..<question]
        }
        for (name, part, extra) in [("path", rest, "/"), ("query", query ?? [], "/?"), ("fragment", fragment ?? [], "/?")]
        where !Self.isURIComponent(part, alsoAllowing: extra) {
            throw IdentityError(.invalidDidUrl, "the \(name) of '\(string)' has characters a DID URL does not allow")
        }
        self.did = didPart
        self.method = method
        self.methodSpecificID = String(decoding: identifier, as: UTF8.self)
        self.path = String(decoding: rest, as: UTF8.self)
        self.query = query.map { String(decoding: $0, as: UTF8.self) }
        self.fragment = fragment.map { String(decoding: $0, as: UTF8.self) }
    }

    /// Parses a DID, refusing a path, query or fragment (`invalidDid`).
    public static func parseDID(_ string: String) throws(IdentityError) -> DIDURL {
        let url = try DIDURL(string)
        guard url.isBareDID else {
            throw IdentityError(.invalidDid, "'\(string)' is a DID URL, not a DID")
        }
        return url
    }

    /// True when there is no path, query or fragment.
    public var isBareDID: Bool { path.isEmpty && query == nil && fragment == nil }

    public var description: String {
        did + path + (query.map { "?" + $0 } ?? "") + (fragment.map { "#" + $0 } ?? "")
    }

    /// `*( *idchar ":" ) 1*idchar` with well-formed percent-encoding.
    static func isMethodSpecificID(_ identifier: ArraySlice<UInt8>) -> Bool {
        guard let last = identifier.last, last != UInt8(ascii: ":") else { return false }
        return isPercentEncoded(identifier) { isIDChar($0) || $0 == UInt8(ascii: ":") }
    }

    /// Whether every character is an `idchar` and every `%` starts a two-hex-digit escape.
    static func isIDChars(_ text: String) -> Bool {
        isPercentEncoded(Array(text.utf8)[...], allowing: isIDChar)
    }

    private static func isIDChar(_ byte: UInt8) -> Bool {
        isAlphanumeric(byte) || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_")
    }

    /// RFC 3986 `pchar`s (unreserved, sub-delims, `:`, `@`, escapes) plus `extra`.
    private static func isURIComponent(_ text: ArraySlice<UInt8>, alsoAllowing extra: String) -> Bool {
        isPercentEncoded(text) { byte in
            isAlphanumeric(byte) || "-._~!$&'()*+,;=:@".utf8.contains(byte) || extra.utf8.contains(byte)
        }
    }

    private static func isLowercaseLetter(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z") }
    private static func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }

    private static func isAlphanumeric(_ byte: UInt8) -> Bool {
        isLowercaseLetter(byte) || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z")) || isDigit(byte)
    }

    private static func isHexDigit(_ byte: UInt8) -> Bool {
        isDigit(byte) || ((byte | 0x20) >= UInt8(ascii: "a") && (byte | 0x20) <= UInt8(ascii: "f"))
    }

    private static func isPercentEncoded(_ bytes: ArraySlice<UInt8>, allowing allowed: (UInt8) -> Bool) -> Bool {
        var index = bytes.startIndex
        while index < bytes.endIndex {
            if bytes[index] == UInt8(ascii: "%") {
                guard index + 2 < bytes.endIndex, isHexDigit(bytes[index + 1]), isHexDigit(bytes[index + 2]) else { return false }
                index += 3
            } else {
                guard allowed(bytes[index]) else { return false }
                index += 1
            }
        }
        return true
    }
}
