/// The namespaces of EPCIS XML and the prefix each user-extension namespace gets as a JSON-LD CURIE.
enum XMLNamespaces {
    static let epcis2 = "urn:epcglobal:epcis:xsd:2"
    static let epcis1 = "urn:epcglobal:epcis:xsd:1"
    static let query2 = "urn:epcglobal:epcis-query:xsd:2"
    static let query1 = "urn:epcglobal:epcis-query:xsd:1"
    static let masterData2 = "urn:epcglobal:epcis-masterdata:xsd:2"
    static let masterData1 = "urn:epcglobal:epcis-masterdata:xsd:1"
    static let sbdh = "http://www.unece.org/cefact/namespaces/StandardBusinessDocumentHeader"
    static let xsi = "http://www.w3.org/2001/XMLSchema-instance"
    static let xml = "http://www.w3.org/XML/1998/namespace"
    static let xsd = "http://www.w3.org/2001/XMLSchema"
    static let epcglobal1 = "urn:epcglobal:xsd:1"
    static let epcglobal2 = "urn:epcglobal:xsd:2"

    /// Namespaces of the standard itself, never user extensions.
    static let standard: Set<String> = [epcis2, epcis1, query2, query1, masterData2, masterData1, sbdh, xsi, xml, xsd, epcglobal1, epcglobal2]
}

/// The CURIE prefixes of the user-extension namespaces met while reading one XML document, in the
/// order first met: the prefix the document wrote, or `ns1`, `ns2`… for an unprefixed (default)
/// namespace or a prefix the document bound to two namespaces. They become the `@context` entry
/// that makes the CURIE keys of the JSON form mean what the XML names meant.
struct ExtensionPrefixes {
    private var prefixByNamespace: [String: String] = [:]
    private var namespaceByPrefix: [String: String] = [:]
    private(set) var declared: [(prefix: String, namespace: String)] = []

    /// Namespaces the EPCIS JSON-LD context already has a prefix for: CBV master data, whose XML
    /// namespace `urn:epcglobal:cbv:mda` is the context's `cbvmda` (`cbvmda:lotNumber`).
    private static let predefined = ["urn:epcglobal:cbv:mda": "cbvmda"]

    /// Prefixes that are URI schemes: JSON-LD does not read `https://…` as a CURIE, and neither
    /// may the JSON form, whatever prefix an XML document declares.
    private static let schemes: Set<String> = ["http", "https", "urn"]

    /// Also declares a prefix the root declared but no name used, so CURIE values written with it
    /// (`type="example:Abc"`) mean in JSON-LD what they meant in the XML; not for a namespace that
    /// already has a prefix, nor for a prefix already taken.
    mutating func declare(prefix: String, namespace: String) {
        guard !prefix.isEmpty, !Self.schemes.contains(prefix), Self.predefined[namespace] == nil, prefixByNamespace[namespace] == nil,
            namespaceByPrefix[prefix] == nil
        else { return }
        prefixByNamespace[namespace] = prefix
        namespaceByPrefix[prefix] = namespace
        declared.append((prefix, namespace))
    }

    /// `prefix:localName` for an element or attribute in `namespace`.
    mutating func curie(namespace: String, prefix: String, localName: String) -> String {
        if let known = prefixByNamespace[namespace] ?? Self.predefined[namespace] { return known + ":" + localName }
        var chosen = prefix
        var counter = 0
        while chosen.isEmpty || Self.schemes.contains(chosen) || namespaceByPrefix[chosen] != nil || Self.predefined.values.contains(chosen) {
            counter += 1
            chosen = "ns\(counter)"
        }
        prefixByNamespace[namespace] = chosen
        namespaceByPrefix[chosen] = namespace
        declared.append((chosen, namespace))
        return chosen + ":" + localName
    }
}
