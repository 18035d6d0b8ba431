/// EPC URNs (GS1 EPC Tag Data Standard 2.x, section 6 and 8): pure identities `urn:epc:id:…`, the
/// LGTIN class `urn:epc:class:lgtin:…` and id patterns `urn:epc:idpat:…:*`, converted to and from
/// `GS1Identifier`. Reading a URN needs no configuration; writing one needs the GS1 Company Prefix length.
extension GS1Identifier {
    /// Reads an EPC URN.
    public init(epcURN urn: String) throws(GS1Error) {
        let (form, scheme, body) = try Self.splitURN(urn)
        let isPattern = form == .pattern
        let parts: [String]
        switch scheme {
        case "sgtin", "lgtin", "upui", "grai", "gdti", "sgcn", "cpi", "sgln": parts = try Self.components(body, 3, urn)
        case "itip": parts = try Self.components(body, 5, urn)
        case "sscc", "giai", "gsrn", "gsrnp", "ginc", "gsin", "pgln": parts = try Self.components(body, 2, urn)
        default: throw GS1Error(.unknownScheme, "unsupported EPC scheme '\(scheme)' in \(urn.prefix(80))")
        }
        let patternSchemes: Set<String> = ["sgtin", "grai", "gdti", "sgcn", "cpi", "itip", "upui"]
        if isPattern {
            guard patternSchemes.contains(scheme), parts.last == "*" else {
                throw GS1Error(.unknownScheme, "unsupported EPC id pattern \(urn.prefix(80)) (only a class-level '*' is supported)")
            }
        }
        let gcp = parts[0]
        guard (6...12).contains(gcp.utf8.count), gcp.isAllDigits else {
            throw GS1Error(.companyPrefixLength, "GS1 Company Prefix '\(gcp)' must be 6 to 12 digits in \(urn.prefix(80))")
        }
        func text(_ component: String) throws(GS1Error) -> String { try PercentEncoding.decode(component, plusIsSpace: false) }
        func serialQualifier(_ ai: String, _ component: String) throws(GS1Error) -> [GS1Element] {
            isPattern ? [] : [GS1Element(ai: ai, value: try text(component))]
        }
        let key: GS1Element
        var qualifiers: [GS1Element] = []
        switch scheme {
        case "sgtin", "lgtin", "upui":
            key = GS1Element(ai: "01", value: try Self.checked(gcp, parts[1], digits: 13, indicatorFirst: true, urn))
            let ai = scheme == "sgtin" ? "21" : scheme == "lgtin" ? "10" : "235"
            qualifiers = try serialQualifier(ai, parts[2])
        case "itip":
            let gtin = try Self.checked(gcp, parts[1], digits: 13, indicatorFirst: true, urn)
            guard parts[2].count == 2, parts[3].count == 2, (parts[2] + parts[3]).isAllDigits else {
                throw GS1Error(.invalidComponent, "ITIP piece and total must be two digits each in \(urn.prefix(80))")
            }
            key = GS1Element(ai: "8006", value: gtin + parts[2] + parts[3])
            qualifiers = try serialQualifier("21", parts[4])
        case "sscc":
            key = GS1Element(ai: "00", value: try Self.checked(gcp, parts[1], digits: 17, indicatorFirst: true, urn))
        case "sgln":
            key = GS1Element(ai: "414", value: try Self.checked(gcp, parts[1], digits: 12, indicatorFirst: false, urn))
            if parts[2] != "0" { qualifiers = [GS1Element(ai: "254", value: try text(parts[2]))] }
        case "grai":
            let body = try Self.checked(gcp, parts[1], digits: 12, indicatorFirst: false, urn, padding: "0")
            key = GS1Element(ai: "8003", value: body + (isPattern ? "" : try text(parts[2])))
        case "gdti", "sgcn":
            let body = try Self.checked(gcp, parts[1], digits: 12, indicatorFirst: false, urn)
            key = GS1Element(ai: scheme == "gdti" ? "253" : "255", value: body + (isPattern ? "" : try text(parts[2])))
        case "cpi":
            key = GS1Element(ai: "8010", value: gcp + (try text(parts[1])))
            qualifiers = try serialQualifier("8011", parts[2])
        case "giai", "ginc":
            key = GS1Element(ai: scheme == "giai" ? "8004" : "401", value: gcp + (try text(parts[1])))
        case "gsrn", "gsrnp":
            key = GS1Element(ai: scheme == "gsrn" ? "8018" : "8017", value: try Self.checked(gcp, parts[1], digits: 17, indicatorFirst: false, urn))
        case "gsin":
            key = GS1Element(ai: "402", value: try Self.checked(gcp, parts[1], digits: 16, indicatorFirst: false, urn))
        default:  // pgln
            key = GS1Element(ai: "417", value: try Self.checked(gcp, parts[1], digits: 12, indicatorFirst: false, urn))
        }
        try self.init(key: key, qualifiers: qualifiers)
    }

    /// Writes the EPC URN for this identifier, splitting out a GS1 Company Prefix of the given length
    /// (6...12). A GTIN alone becomes an `idpat` pattern, a GTIN with a lot the LGTIN class.
    public func epcURN(companyPrefixLength length: Int) throws(GS1Error) -> String {
        guard (6...12).contains(length) else {
            throw GS1Error(.companyPrefixLength, "GS1 Company Prefix length \(length) is outside 6...12")
        }
        let value = key.value
        let codes = qualifiers.map(\.ai)
        func serial(_ ai: String) -> String { PercentEncoding.encodeEPC(qualifier(ai) ?? "") }
        func split(_ digits: Int, indicatorFirst: Bool, offset: Int = 0) throws(GS1Error) -> String {
            let scalars = Array(value.unicodeScalars)
            let start = offset + (indicatorFirst ? 1 : 0)
            guard length <= digits - (indicatorFirst ? 1 : 0), scalars.count >= offset + digits else {
                throw GS1Error(.companyPrefixLength, "a \(length)-digit GS1 Company Prefix does not fit \(self)")
            }
            let gcp = String(String.UnicodeScalarView(scalars[start..<(start + length)]))
            var reference = String(String.UnicodeScalarView(scalars[(start + length)..<(offset + digits)]))
            if indicatorFirst { reference = String(scalars[offset]) + reference }
            return gcp + "." + reference
        }
        func leadingPrefix() throws(GS1Error) -> (String, String) {
            let gcp = value.prefix(length)
            guard gcp.count == length, gcp.isAllDigits else {
                throw GS1Error(.companyPrefixLength, "a \(length)-digit GS1 Company Prefix does not fit \(self)")
            }
            return (String(gcp), String(value.dropFirst(length)))
        }
        func unsupported() -> GS1Error {
            GS1Error(.unknownScheme, "no EPC URN scheme carries \(self)")
        }
        switch key.ai {
        case "01":
            let gtin = try split(13, indicatorFirst: true)
            switch codes {
            case []: return "urn:epc:idpat:sgtin:\(gtin).*"
            case ["21"]: return "urn:epc:id:sgtin:\(gtin).\(serial("21"))"
            case ["10"]: return "urn:epc:class:lgtin:\(gtin).\(serial("10"))"
            case ["235"]: return "urn:epc:id:upui:\(gtin).\(serial("235"))"
            default: throw unsupported()
            }
        case "8006":
            let gtin = try split(13, indicatorFirst: true)
            let pieceTotal = value.dropFirst(14)
            let piece = "\(pieceTotal.prefix(2)).\(pieceTotal.suffix(2))"
            switch codes {
            case []: return "urn:epc:idpat:itip:\(gtin).\(piece).*"
            case ["21"]: return "urn:epc:id:itip:\(gtin).\(piece).\(serial("21"))"
            default: throw unsupported()
            }
        case "00":
            return "urn:epc:id:sscc:" + (try split(17, indicatorFirst: true))
        case "414":
            switch codes {
            case []: return "urn:epc:id:sgln:\(try split(12, indicatorFirst: false)).0"
            case ["254"]: return "urn:epc:id:sgln:\(try split(12, indicatorFirst: false)).\(serial("254"))"
            default: throw unsupported()
            }
        case "417":
            guard codes.isEmpty else { throw unsupported() }
            return "urn:epc:id:pgln:" + (try split(12, indicatorFirst: false))
        case "8003":
            let body = try split(12, indicatorFirst: false, offset: 1)
            let assetSerial = String(value.dropFirst(14))
            return assetSerial.isEmpty
                ? "urn:epc:idpat:grai:\(body).*" : "urn:epc:id:grai:\(body).\(PercentEncoding.encodeEPC(assetSerial))"
        case "253", "255":
            let body = try split(12, indicatorFirst: false)
            let scheme = key.ai == "253" ? "gdti" : "sgcn"
            let tail = String(value.dropFirst(13))
            return tail.isEmpty
                ? "urn:epc:idpat:\(scheme):\(body).*" : "urn:epc:id:\(scheme):\(body).\(PercentEncoding.encodeEPC(tail))"
        case "8017", "8018":
            guard codes.isEmpty else { throw unsupported() }
            return "urn:epc:id:\(key.ai == "8018" ? "gsrn" : "gsrnp"):" + (try split(17, indicatorFirst: false))
        case "402":
            return "urn:epc:id:gsin:" + (try split(16, indicatorFirst: false))
        case "8004", "401":
            guard codes.isEmpty else { throw unsupported() }
            let (gcp, reference) = try leadingPrefix()
            return "urn:epc:id:\(key.ai == "8004" ? "giai" : "ginc"):\(gcp).\(PercentEncoding.encodeEPC(reference))"
        case "8010":
            let (gcp, reference) = try leadingPrefix()
            switch codes {
            case []: return "urn:epc:idpat:cpi:\(gcp).\(PercentEncoding.encodeEPC(reference)).*"
            case ["8011"]: return "urn:epc:id:cpi:\(gcp).\(PercentEncoding.encodeEPC(reference)).\(serial("8011"))"
            default: throw unsupported()
            }
        default:
            throw unsupported()
        }
    }

    private enum URNForm { case identity, lgtinClass, pattern }

    private static func splitURN(_ urn: String) throws(GS1Error) -> (URNForm, String, Substring) {
        let forms: [(String, URNForm)] = [("urn:epc:id:", .identity), ("urn:epc:class:", .lgtinClass), ("urn:epc:idpat:", .pattern)]
        guard let (prefix, form) = forms.first(where: { urn.hasPrefix($0.0) }) else {
            throw GS1Error(.notAnIdentifier, "not an EPC URN: \(urn.prefix(80))")
        }
        let rest = urn.utf8.dropFirst(prefix.utf8.count)
        guard let colon = rest.firstIndex(of: UInt8(ascii: ":")) else {
            throw GS1Error(.notAnIdentifier, "EPC URN without a scheme: \(urn.prefix(80))")
        }
        let scheme = String(Substring(rest[..<colon]))
        if form == .lgtinClass, scheme != "lgtin" {
            throw GS1Error(.unknownScheme, "unsupported EPC class '\(scheme)' in \(urn.prefix(80))")
        }
        if form != .lgtinClass, scheme == "lgtin" {
            throw GS1Error(.unknownScheme, "lgtin is an EPC class: urn:epc:class:lgtin:… (\(urn.prefix(80)))")
        }
        return (form, scheme, Substring(rest[rest.index(after: colon)...]))
    }

    /// Splits a URN body into `count` dot-separated components; the last takes the rest (serials may hold dots).
    private static func components(_ body: Substring, _ count: Int, _ urn: String) throws(GS1Error) -> [String] {
        let parts = body.utf8.split(separator: UInt8(ascii: "."), maxSplits: count - 1, omittingEmptySubsequences: false)
            .map { String(Substring($0)) }
        guard parts.count == count else {
            throw GS1Error(.invalidComponent, "expected \(count) dot-separated components in \(urn.prefix(80))")
        }
        return parts
    }

    /// Builds a check-digit key: (indicator +) company prefix + reference, `digits` long, plus its check digit.
    private static func checked(
        _ gcp: String, _ reference: String, digits: Int, indicatorFirst: Bool, _ urn: String, padding: String = ""
    ) throws(GS1Error) -> String {
        guard reference.isAllDigits, gcp.count + reference.count == digits, !indicatorFirst || !reference.isEmpty
        else {
            throw GS1Error(
                .invalidComponent,
                "company prefix and reference must be \(digits) digits together\(indicatorFirst ? " (indicator digit first)" : "") in \(urn.prefix(80))")
        }
        let body = padding + (indicatorFirst ? String(reference.prefix(1)) + gcp + reference.dropFirst() : gcp + reference)
        guard let check = GS1CheckDigit.compute(body) else {
            throw GS1Error(.invalidComponent, "non-digit in \(urn.prefix(80))")
        }
        return body + String(check)
    }
}

extension StringProtocol {
    /// Whether every character is an ASCII digit (true for the empty string).
    var isAllDigits: Bool { utf8.allSatisfy { $0 >= 48 && $0 <= 57 } }
}
