/// The GS1 Company Prefix lengths a caller knows (its own prefixes, its partners', or rows of GS1's
/// prefix-length table). The length cannot be derived from a GS1 key, and an EPC URN needs it.
public struct GS1CompanyPrefixes: Sendable, Hashable {
    /// Digit prefix -> company prefix length; the longest matching prefix wins.
    public let lengths: [String: Int]

    /// From a table of digit prefixes and the company-prefix length they imply.
    public init(lengths: [String: Int]) {
        self.lengths = lengths
    }

    /// From known GS1 Company Prefixes (each implies its own length).
    public init(companyPrefixes: [String]) {
        self.lengths = Dictionary(companyPrefixes.map { ($0, $0.count) }, uniquingKeysWith: { first, _ in first })
    }

    /// The company-prefix length for an identifier, or `gs1_company_prefix_unknown`.
    public func companyPrefixLength(for identifier: GS1Identifier) throws(GS1Error) -> Int {
        // GTIN, SSCC, ITIP and GRAI carry a leading indicator / extension / filler digit before the prefix.
        let leading = ["01", "00", "8006", "8003"].contains(identifier.key.ai) ? 1 : 0
        let digits = identifier.key.value.dropFirst(leading).prefix(12)
        var candidate = digits
        while !candidate.isEmpty {
            if let length = lengths[String(candidate)] { return length }
            candidate = candidate.dropLast()
        }
        throw GS1Error(.companyPrefixUnknown, "no configured GS1 Company Prefix matches \(identifier)")
    }

    /// Writes the EPC URN of an identifier using the configured prefix length.
    public func epcURN(for identifier: GS1Identifier) throws(GS1Error) -> String {
        try identifier.epcURN(companyPrefixLength: companyPrefixLength(for: identifier))
    }
}
