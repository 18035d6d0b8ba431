/// One GS1 Application Identifier with its value, e.g. (21) `12345`.
public struct GS1Element: Sendable, Hashable {
    public let ai: String
    public let value: String

    public init(ai: String, value: String) {
        self.ai = ai
        self.value = value
    }
}

/// A GS1 primary key with its key qualifiers (e.g. GTIN + serial): the identity that an EPC URN and a
/// GS1 Digital Link URI both carry. Always valid: formats, check digits and qualifier order are
/// checked on construction.
public struct GS1Identifier: Sendable, Hashable, CustomStringConvertible {
    /// The primary key, e.g. (01) GTIN.
    public let key: GS1Element
    /// The key qualifiers in Digital Link order, e.g. (10) lot then (21) serial.
    public let qualifiers: [GS1Element]

    /// Validates a key and its qualifiers.
    public init(key: GS1Element, qualifiers: [GS1Element] = []) throws(GS1Error) {
        guard let keyAI = GS1ApplicationIdentifier.named(key.ai), let paths = keyAI.qualifierPaths else {
            throw GS1Error(.unknownScheme, "(\(key.ai)) is not a GS1 Digital Link primary key")
        }
        try keyAI.validate(key.value)
        let codes = qualifiers.map(\.ai)
        guard codes.isEmpty || paths.contains(where: { Self.isOrderedSubset(codes, of: $0) }) else {
            throw GS1Error(
                .invalidQualifier,
                "(\(key.ai)) \(keyAI.title) does not take the qualifiers \(codes.map { "(\($0))" }.joined()) in this order")
        }
        for qualifier in qualifiers {
            guard let ai = GS1ApplicationIdentifier.named(qualifier.ai) else {
                throw GS1Error(.invalidQualifier, "(\(qualifier.ai)) is not a key qualifier")
            }
            try ai.validate(qualifier.value)
        }
        self.key = key
        self.qualifiers = qualifiers
    }

    /// The value of one qualifier, if present.
    public func qualifier(_ ai: String) -> String? { qualifiers.first { $0.ai == ai }?.value }

    /// The most fine-grained identification level, as the EPCIS Event Hash ID uses it (CBV 2.0 8.9):
    /// the CPV (22) and UIC+EXT (7040) and SRIN (8019) dropped, and a lot dropped when a serial is present.
    public var constrained: GS1Identifier {
        var kept = qualifiers.filter { !["22", "7040", "8019"].contains($0.ai) }
        if kept.contains(where: { $0.ai == "21" }) { kept.removeAll { $0.ai == "10" } }
        return GS1Identifier(validated: key, kept)
    }

    /// The element string in bracketed form, e.g. `(01)09520123456788(21)12345`.
    public var description: String {
        ([key] + qualifiers).map { "(\($0.ai))\($0.value)" }.joined()
    }

    init(validated key: GS1Element, _ qualifiers: [GS1Element]) {
        self.key = key
        self.qualifiers = qualifiers
    }

    private static func isOrderedSubset(_ codes: [String], of path: [String]) -> Bool {
        var position = path.startIndex
        for code in codes {
            guard let found = path[position...].firstIndex(of: code) else { return false }
            position = found + 1
        }
        return true
    }
}

extension GS1Identifier {
    /// Reads an EPC URN (`urn:epc:…`) or a GS1 Digital Link URI (leniently by default: convenience
    /// alphas, short GTINs and a trailing slash are accepted, as found in the field).
    public init(parsing text: String, options: GS1DigitalLink.ParseOptions = .lenient) throws(GS1Error) {
        if text.hasPrefix("urn:epc:") {
            try self.init(epcURN: text)
        } else {
            self = try GS1DigitalLink(parsing: text, options: options).identifier
        }
    }
}
