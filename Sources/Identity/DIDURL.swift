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
        let scalars = Array(string.unicodeScalars)
        let didEnd = scalars.firstIndex { $0 == "/" || $0 == "?" || $0 == "#" } ?? scalars.endIndex
        let didPart = String(String.UnicodeScalarView(scalars[..<didEnd]))
        guard didPart.hasPrefix("did:") else {
            throw IdentityError(.invalidDid, "'\(string)' does not start with 'did:'")
        }
        let afterScheme = didPart.dropFirst(4)
        guard let colon = afterScheme.firstIndex(of: ":") else {
            throw IdentityError(.invalidDid, "'\(didPart)' has no method-specific identifier")
        }
        let method = String(afterScheme[..<colon])
        guard !method.isEmpty, method.unicodeScalars.allSatisfy({ ("a"..."z").contains($0) || ("0"..."9").contains($0) })
        else {
            throw IdentityError(.invalidDid, "the DID method name '\(method)' must be lowercase letters and digits")
        }
        let identifier = String(afterScheme[afterScheme.index(after: colon)...])
        guard Self.isMethodSpecificID(identifier) else {
            throw IdentityError(.invalidDid, "'\(identifier)' is not a valid method-specific identifier")
        }

        var rest = scalars[didEnd...]
        var path = ""
        var query: String?
        var fragment: String?
        if let hash = rest.firstIndex(of: "#") {
            fragment = String(String.UnicodeScalarView(rest[rest.index(after: hash)...]))
            rest = rest[..<hash]
        }
        if let question = rest.firstIndex(of: "?") {
            query = String(String.UnicodeScalarView(rest[rest.index(after: question)...]))
            rest = rest[..<question]
        }
        path = String(String.UnicodeScalarView(rest))
        for (name, part, extra) in [("path", path, "/"), ("query", query ?? "", "/?"), ("fragment", fragment ?? "", "/?")]
        where !Self.isURIComponent(part, alsoAllowing: extra) {
            throw IdentityError(.invalidDidUrl, "the \(name) of '\(string)' has characters a DID URL does not allow")
        }
        self.did = didPart
        self.method = method
        self.methodSpecificID = identifier
        self.path = path
        self.query = query
        self.fragment = fragment
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
    static func isMethodSpecificID(_ identifier: String) -> Bool {
        guard let last = identifier.split(separator: ":", omittingEmptySubsequences: false).last, !last.isEmpty else {
            return false
        }
        return identifier.split(separator: ":", omittingEmptySubsequences: false).allSatisfy { isIDChars(String($0)) }
    }

    /// Whether every character is an `idchar` and every `%` starts a two-hex-digit escape.
    static func isIDChars(_ text: String) -> Bool {
        isPercentEncoded(text) { isAlphanumeric($0) || $0 == "." || $0 == "-" || $0 == "_" }
    }

    /// RFC 3986 `pchar`s (unreserved, sub-delims, `:`, `@`, escapes) plus `extra`.
    private static func isURIComponent(_ text: String, alsoAllowing extra: String) -> Bool {
        isPercentEncoded(text) { scalar in
            isAlphanumeric(scalar) || "-._~!$&'()*+,;=:@".unicodeScalars.contains(scalar)
                || extra.unicodeScalars.contains(scalar)
        }
    }

    private static func isAlphanumeric(_ scalar: Unicode.Scalar) -> Bool {
        ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) || ("0"..."9").contains(scalar)
    }

    private static func isPercentEncoded(_ text: String, allowing allowed: (Unicode.Scalar) -> Bool) -> Bool {
        let scalars = Array(text.unicodeScalars)
        var index = 0
        while index < scalars.count {
            if scalars[index] == "%" {
                guard index + 2 < scalars.count,
                    scalars[index + 1].properties.isASCIIHexDigit, scalars[index + 2].properties.isASCIIHexDigit
                else { return false }
                index += 3
            } else {
                guard allowed(scalars[index]) else { return false }
                index += 1
            }
        }
        return true
    }
}
