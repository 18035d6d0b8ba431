/// A GS1 Application Identifier with its format (from the GS1 Barcode Syntax Dictionary): used to
/// validate keys, qualifiers and Digital Link data attributes and to write GS1 element strings.
public struct GS1ApplicationIdentifier: Sendable {
    /// The AI digits, e.g. `01`.
    public let code: String
    /// The short data title, e.g. `GTIN`.
    public let title: String
    /// Predefined length (GS1 General Specifications figure 7.8.5-2): no FNC1 separator after it.
    public let hasPredefinedLength: Bool
    /// May appear as a Digital Link data attribute (query parameter).
    public let isDigitalLinkAttribute: Bool
    /// For a Digital Link primary key, its ordered qualifier sequences (any in-order subset of one).
    public let qualifierPaths: [[String]]?
    let components: [GS1AIComponent]

    /// Whether this AI is a Digital Link primary key.
    public var isPrimaryKey: Bool { qualifierPaths != nil }

    /// Whether the value carries a mod-10 check digit.
    public var hasCheckDigit: Bool { checkDigitOffset != nil }

    /// The check digit of a valid value (nil for AIs without one).
    public func checkDigit(of value: String) -> Character? {
        checkDigitOffset.flatMap { value.dropFirst($0).first }
    }

    private var checkDigitOffset: Int? {
        var offset = 0
        for component in components {
            if component.linters.contains("csum") { return offset + component.maxLength - 1 }
            offset += component.maxLength
        }
        return nil
    }

    /// Checks a value against the specification (lengths, character sets, check digits, dates…).
    public func validate(_ value: String) throws(GS1Error) {
        var rest = Array(value.utf8)[...]
        for component in components {
            if rest.isEmpty, component.optional { break }
            let length = component.variable ? min(rest.count, component.maxLength) : component.maxLength
            guard length >= component.minLength, rest.count >= length else {
                throw GS1Error(.invalidComponent, "(\(code)) \(title): '\(value)' is too short")
            }
            try component.check(rest.prefix(length), ai: code, title: title)
            rest = rest.dropFirst(length)
        }
        guard rest.isEmpty else { throw GS1Error(.invalidComponent, "(\(code)) \(title): '\(value)' is too long") }
    }

    /// The AI with these digits, if the dictionary has it.
    public static func named(_ code: String) -> GS1ApplicationIdentifier? { table[code] }

    /// The AI for a Digital Link path segment: its digits, or (when allowed) its convenience alpha.
    static func forPathSegment(_ segment: String, allowAlpha: Bool) -> GS1ApplicationIdentifier? {
        if let ai = table[segment] { return ai }
        return allowAlpha ? convenienceAlphas[segment].flatMap { table[$0] } : nil
    }

    /// GS1 Digital Link convenience alphas (accepted on input when permitted, never written).
    static let convenienceAlphas = [
        "sscc": "00", "gtin": "01", "gdti": "253", "gcn": "255", "ginc": "401", "gsin": "402", "gln": "414",
        "party": "417", "grai": "8003", "giai": "8004", "itip": "8006", "cpid": "8010", "gsrnp": "8017",
        "gsrn": "8018", "lot": "10", "ser": "21", "cpv": "22", "tpx": "235", "glnx": "254", "cpsn": "8011",
        "srin": "8019",
    ]

    private static let table: [String: GS1ApplicationIdentifier] = {
        var table: [String: GS1ApplicationIdentifier] = [:]
        for (first, last, predefined, attribute, specification, qualifiers, title) in rows {
            let components = specification.split(separator: " ").map(GS1AIComponent.init)
            let paths = qualifiers.map { $0.isEmpty ? [] : $0.split(separator: "|").map { $0.split(separator: ",").map(String.init) } }
            guard let low = Int(first), let high = Int(last) else { continue }
            for value in low...high {
                let digits = String(value)
                let code = String(repeating: "0", count: first.count - digits.count) + digits
                table[code] = GS1ApplicationIdentifier(
                    code: code, title: title, hasPredefinedLength: predefined, isDigitalLinkAttribute: attribute,
                    qualifierPaths: paths, components: components)
            }
        }
        return table
    }()
}
