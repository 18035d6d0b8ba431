import Encoding

/// Why a GS1 identifier (key, EPC URN or Digital Link URI) was rejected; each case has a stable code.
public struct GS1Error: CodedError, Equatable {
    /// The kind of failure.
    public enum Kind: String, Sendable {
        /// A GS1 key's check digit does not match its body (mod-10 algorithm).
        case checkDigit = "gs1_check_digit"
        /// The text is not an EPC URN or GS1 Digital Link URI at all.
        case notAnIdentifier = "gs1_not_an_identifier"
        /// An EPC URN scheme (`urn:epc:id:xyz`) or AI that is not supported.
        case unknownScheme = "gs1_unknown_scheme"
        /// A component has the wrong length or the wrong kind of characters.
        case invalidComponent = "gs1_invalid_component"
        /// A character outside the permitted GS1 character set, or a malformed percent escape.
        case invalidCharacter = "gs1_invalid_character"
        /// Key qualifiers in the wrong order, repeated, or not allowed for the primary key.
        case invalidQualifier = "gs1_invalid_qualifier"
        /// The GS1 Company Prefix length is unknown (needed to write an EPC URN).
        case companyPrefixUnknown = "gs1_company_prefix_unknown"
        /// The GS1 Company Prefix length is outside 6...12 or does not fit the key.
        case companyPrefixLength = "gs1_company_prefix_length"
    }

    public let kind: Kind
    public let message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var code: String { kind.rawValue }
}
