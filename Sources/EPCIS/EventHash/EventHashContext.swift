import Encoding

/// What an event's hash depends on besides the event: the namespace prefixes its document declares
/// in `@context` (e.g. `"example": "https://ns.example.com/epcis/"`; the Event Hash ID writes
/// user-extension names as `{namespace}localName`, so the same event hashes differently under
/// different declarations), and the extension fields the document asks to leave out of the hash
/// (`"<prefix>:ignoreFields": ["example:captureID", …]` on the document or its query results; from
/// XML, an object with one member per ignored field).
public struct EventHashContext: Sendable, Hashable {
    /// Prefix -> namespace IRI.
    public var namespaces: [String: String]
    /// Top-level event fields not hashed, as written (`example:captureID`).
    public var ignoredFields: Set<String>

    public init(namespaces: [String: String] = [:], ignoredFields: Set<String> = []) {
        self.namespaces = namespaces
        self.ignoredFields = ignoredFields
    }

    /// The context of the events of an EPCIS document or query document.
    public init(document: JSONObject) {
        self.init(documentContext: document["@context"])
        let holders = [document, document["epcisBody"]?["queryResults"]?.objectValue].compactMap { $0 }
        for holder in holders {
            for (key, value) in holder where key.hasSuffix(":ignoreFields") {
                // A JSON list of names, or (read from XML) an object whose members are the names.
                for case .string(let field) in value.arrayValue ?? [] { ignoredFields.insert(field) }
                for field in value.objectValue?.keys ?? [] { ignoredFields.insert(field) }
            }
        }
    }

    /// The prefixes declared by the object entries of a document's `@context` array (a string entry
    /// such as the EPCIS context URL declares none). As in the reference generator, only the array
    /// form is read: a lone `@context` object or string declares no extension namespaces.
    public init(documentContext: JSONValue?) {
        var namespaces: [String: String] = [:]
        if case .array(let entries)? = documentContext {
            for case .object(let object) in entries {
                for (prefix, iri) in object {
                    if case .string(let iri) = iri { namespaces[prefix] = iri }
                }
            }
        }
        self.namespaces = namespaces
        self.ignoredFields = []
    }
}
