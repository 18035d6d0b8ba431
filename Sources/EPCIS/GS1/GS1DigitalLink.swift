/// A GS1 Digital Link URI (GS1 Digital Link URI syntax 1.2): any domain and path stem, a primary key
/// with its qualifiers in the path, data attributes in the query.
public struct GS1DigitalLink: Sendable, Hashable {
    /// The scheme and authority plus any path before the key, e.g. `https://example.com/some/stem`.
    public let stem: String
    /// The key and its qualifiers.
    public let identifier: GS1Identifier
    /// Query parameters whose names are numeric AIs (data attributes such as `17` or `3103`), in order.
    public let attributes: [GS1Element]

    /// The default resolver domain of canonical Digital Link URIs.
    public static let canonicalStem = "https://id.gs1.org"

    /// Leniency switches; the default is the strict canonical syntax.
    public struct ParseOptions: Sendable {
        /// Accept convenience alphas such as `/gtin/` and `/ser/` for AIs.
        public var permitConvenienceAlphas = false
        /// Accept GTIN-8, GTIN-12 and GTIN-13 in the `01` path and left-pad them to 14 digits.
        public var permitZeroSuppressedGTIN = false
        /// Accept one trailing `/` after the last path segment.
        public var permitTrailingSlash = false
        /// Check query attributes: known AIs allowed as attributes, valid values, no repeats, no key qualifiers.
        public var validateAttributes = true
        /// Accept attributes whose AI is not in the GS1 dictionary (their values are not checked).
        public var permitUnknownAttributes = false

        public init(
            permitConvenienceAlphas: Bool = false, permitZeroSuppressedGTIN: Bool = false, permitTrailingSlash: Bool = false,
            validateAttributes: Bool = true, permitUnknownAttributes: Bool = false
        ) {
            self.permitConvenienceAlphas = permitConvenienceAlphas
            self.permitZeroSuppressedGTIN = permitZeroSuppressedGTIN
            self.permitTrailingSlash = permitTrailingSlash
            self.validateAttributes = validateAttributes
            self.permitUnknownAttributes = permitUnknownAttributes
        }

        /// Only the canonical syntax.
        public static let strict = ParseOptions()
        /// Everything seen in the field: convenience alphas, short GTINs, a trailing slash; the query
        /// is read but not validated (only the identifier matters).
        public static let lenient = ParseOptions(
            permitConvenienceAlphas: true, permitZeroSuppressedGTIN: true, permitTrailingSlash: true, validateAttributes: false)
    }

    /// Creates a Digital Link for an identifier under a stem (default `https://id.gs1.org`).
    public init(identifier: GS1Identifier, stem: String = GS1DigitalLink.canonicalStem, attributes: [GS1Element] = []) {
        var stem = stem
        while stem.hasSuffix("/") { stem.removeLast() }
        self.stem = stem
        self.identifier = identifier
        self.attributes = attributes
    }

    /// Parses a Digital Link URI.
    public init(parsing uri: String, options: ParseOptions = .strict) throws(GS1Error) {
        let bytes = Array(uri.utf8)
        guard let schemeLength = Self.schemeLength(bytes) else {
            throw GS1Error(.notAnIdentifier, "not an http(s) URI: \(uri.prefix(80))")
        }
        var end = bytes.firstIndex(of: UInt8(ascii: "#")) ?? bytes.count
        var queryRange = end..<end
        if let question = bytes[..<end].firstIndex(of: UInt8(ascii: "?")) {
            queryRange = (question + 1)..<end
            end = question
        }
        let authorityStart = schemeLength + 3
        guard let slash = bytes[authorityStart..<end].firstIndex(of: UInt8(ascii: "/")) else {
            throw GS1Error(.notAnIdentifier, "no path with a GS1 key in \(uri.prefix(80))")
        }
        try Self.checkAuthority(bytes[authorityStart..<slash])
        var pathEnd = end
        try PercentEncoding.checkURIPath(bytes[(slash + 1)..<pathEnd])
        if options.permitTrailingSlash, pathEnd > slash + 1, bytes[pathEnd - 1] == UInt8(ascii: "/") { pathEnd -= 1 }
        let segments = bytes[(slash + 1)..<pathEnd].split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false)
            .map { String(decoding: $0, as: UTF8.self) }
        let (start, identifier) = try Self.findKey(in: segments, options: options, uri: uri)
        self.stem = String(decoding: bytes[..<schemeLength], as: UTF8.self).lowercased() + "://"
            + String(decoding: bytes[authorityStart..<slash], as: UTF8.self) + segments[..<start].map { "/" + $0 }.joined()
        self.identifier = identifier
        var attributes = try Self.parseQuery(String(decoding: bytes[queryRange], as: UTF8.self))
        if options.permitZeroSuppressedGTIN {
            attributes = attributes.map { element in
                guard element.ai == "01", [8, 12, 13].contains(element.value.utf8.count) else { return element }
                return GS1Element(ai: "01", value: String(repeating: "0", count: 14 - element.value.utf8.count) + element.value)
            }
        }
        if options.validateAttributes {
            try Self.validate(attributes: attributes, of: identifier, permitUnknown: options.permitUnknownAttributes)
        }
        self.attributes = attributes
    }

    static func validate(attributes: [GS1Element], of identifier: GS1Identifier, permitUnknown: Bool) throws(GS1Error) {
        // The key and the qualifiers of every path alternative still open to it belong in the path.
        let paths = GS1ApplicationIdentifier.named(identifier.key.ai)?.qualifierPaths ?? []
        let open = paths.filter { path in identifier.qualifiers.allSatisfy { path.contains($0.ai) } }
        let pathAIs = Set([identifier.key.ai] + open.joined())
        var seen = Set<String>()
        for attribute in attributes {
            guard seen.insert(attribute.ai).inserted else {
                throw GS1Error(.invalidQualifier, "attribute (\(attribute.ai)) appears more than once")
            }
            guard !pathAIs.contains(attribute.ai) else {
                throw GS1Error(.invalidQualifier, "(\(attribute.ai)) belongs in the path of (\(identifier.key.ai)), not in the query")
            }
            guard let entry = GS1ApplicationIdentifier.named(attribute.ai) else {
                if permitUnknown { continue }
                throw GS1Error(.unknownScheme, "(\(attribute.ai)) is not a GS1 Application Identifier")
            }
            guard entry.isDigitalLinkAttribute else {
                throw GS1Error(.invalidQualifier, "(\(attribute.ai)) \(entry.title) is not a Digital Link data attribute")
            }
            try entry.validate(attribute.value)
        }
    }

    /// The URI: stem, key and qualifiers percent-encoded, attributes in the query.
    public var uri: String { uri(encoding: PercentEncoding.encodeDigitalLink) }

    /// The URI with a given path-segment encoding.
    func uri(encoding: (String) -> String) -> String {
        var text = stem
        for element in [identifier.key] + identifier.qualifiers {
            text += "/" + element.ai + "/" + encoding(element.value)
        }
        if !attributes.isEmpty {
            text += "?" + attributes.map { $0.ai + "=" + PercentEncoding.encodeDigitalLink($0.value) }.joined(separator: "&")
        }
        return text
    }

    /// The canonical form: `https://id.gs1.org`, numeric AIs, no query.
    public var canonical: GS1DigitalLink { GS1DigitalLink(identifier: identifier) }

    /// The length of an `http`/`https` scheme (all lower or all upper case) followed by `://`.
    private static func schemeLength(_ bytes: [UInt8]) -> Int? {
        for scheme in ["https", "http", "HTTPS", "HTTP"] {
            let prefix = Array((scheme + "://").utf8)
            if bytes.starts(with: prefix) { return scheme.utf8.count }
        }
        return nil
    }

    private static func checkAuthority(_ authority: ArraySlice<UInt8>) throws(GS1Error) {
        func fail() -> GS1Error {
            GS1Error(.notAnIdentifier, "malformed host '\(String(decoding: authority, as: UTF8.self))'")
        }
        var rest = authority
        if rest.first == UInt8(ascii: "[") {
            guard let close = rest.firstIndex(of: UInt8(ascii: "]")),
                rest[(rest.startIndex + 1)..<close].allSatisfy({ isHexDigit($0) || $0 == UInt8(ascii: ":") || $0 == UInt8(ascii: ".") })
            else { throw fail() }
            rest = rest[(close + 1)...]
        } else {
            let name = rest.prefix { $0 != UInt8(ascii: ":") }
            guard !name.isEmpty, name.allSatisfy({ isAlphanumeric($0) || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: ".") }) else {
                throw fail()
            }
            rest = rest[name.endIndex...]
        }
        if let colon = rest.first {
            guard colon == UInt8(ascii: ":"), rest.dropFirst().allSatisfy({ $0 >= 48 && $0 <= 57 }) else { throw fail() }
        }
    }

    private static func isHexDigit(_ byte: UInt8) -> Bool {
        (byte >= 48 && byte <= 57) || (byte >= 65 && byte <= 70) || (byte >= 97 && byte <= 102)
    }

    private static func isAlphanumeric(_ byte: UInt8) -> Bool {
        (byte >= 48 && byte <= 57) || (byte >= 65 && byte <= 90) || (byte >= 97 && byte <= 122)
    }

    /// Finds the leftmost position where a primary key starts and everything after it is its
    /// qualifiers (a path stem may precede it).
    private static func findKey(
        in segments: [String], options: ParseOptions, uri: String
    ) throws(GS1Error) -> (Int, GS1Identifier) {
        var start = segments.count % 2
        while start + 1 < segments.count {
            defer { start += 2 }
            guard let keyAI = GS1ApplicationIdentifier.forPathSegment(segments[start], allowAlpha: options.permitConvenienceAlphas),
                let paths = keyAI.qualifierPaths
            else { continue }
            var qualifiers: [GS1Element] = []
            var structural = true
            var index = start + 2
            while index + 1 < segments.count {
                guard let ai = GS1ApplicationIdentifier.forPathSegment(segments[index], allowAlpha: options.permitConvenienceAlphas),
                    paths.contains(where: { $0.contains(ai.code) })
                else {
                    structural = false
                    break
                }
                qualifiers.append(GS1Element(ai: ai.code, value: try PercentEncoding.decode(segments[index + 1], plusIsSpace: false)))
                index += 2
            }
            guard structural else { continue }
            var keyValue = try PercentEncoding.decode(segments[start + 1], plusIsSpace: false)
            if keyAI.code == "01", options.permitZeroSuppressedGTIN, [8, 12, 13].contains(keyValue.count) {
                keyValue = String(repeating: "0", count: 14 - keyValue.count) + keyValue
            }
            return (start, try GS1Identifier(key: GS1Element(ai: keyAI.code, value: keyValue), qualifiers: qualifiers))
        }
        throw GS1Error(.notAnIdentifier, "no GS1 primary key with valid qualifiers in the path of \(uri.prefix(80))")
    }

    private static func parseQuery(_ query: String) throws(GS1Error) -> [GS1Element] {
        var attributes: [GS1Element] = []
        for pair in query.split(separator: "&") {
            guard let equals = pair.firstIndex(of: "=") else { continue }
            let name = pair[..<equals]
            guard !name.isEmpty, name.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }) else { continue }
            let value = try PercentEncoding.decode(pair[pair.index(after: equals)...], plusIsSpace: true)
            guard !value.isEmpty else { throw GS1Error(.invalidComponent, "attribute (\(name)) has an empty value") }
            attributes.append(GS1Element(ai: String(name), value: value))
        }
        return attributes
    }
}
