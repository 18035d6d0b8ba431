import Encoding

/// Why an EPCIS XML document was refused: not well-formed, hostile (a DTD, too deep, too large), not
/// an EPCIS document, or outside the EPCIS 2.0 XML schema. Each reason has a stable code.
public struct EPCISXMLError: CodedError, Equatable {
    /// Not well-formed XML 1.0 with namespaces (bad syntax, mismatched tags, bytes that are not UTF-8…).
    public static let malformed = "xml_malformed"
    /// A document type declaration with an internal subset or an external identifier: DTDs, entity
    /// declarations and external entities are never processed.
    public static let doctypeForbidden = "xml_doctype_forbidden"
    /// An entity reference other than the five XML predefines (there is no DTD to declare one).
    public static let entityUndeclared = "xml_entity_undeclared"
    /// Elements nested deeper than `XMLLimits.maxDepth`.
    public static let tooDeep = "xml_too_deep"
    /// A text, attribute value or name longer than the limits allow, or too many elements or attributes.
    public static let tooLarge = "xml_too_large"
    /// The declared encoding is not UTF-8 (or its ASCII subset), or the document starts with a UTF-16 byte order mark.
    public static let encodingUnsupported = "xml_encoding_unsupported"
    /// A namespace prefix used without a declaration in scope.
    public static let namespaceUndeclared = "xml_namespace_undeclared"
    /// The root element is not an EPCISDocument or EPCISQueryDocument in an EPCIS namespace.
    public static let notEPCIS = "xml_not_epcis_document"
    /// The document breaks the EPCIS XML schema (an element out of place, missing, repeated or of the wrong type).
    public static let schemaInvalid = "xml_schema_invalid"

    /// One of the codes above.
    public let code: String
    /// What was wrong, with the line it was found on.
    public let message: String

    init(_ code: String, _ message: String) {
        self.code = code
        self.message = message
    }
}
