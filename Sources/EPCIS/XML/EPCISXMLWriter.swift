import Encoding

/// Writes the EPCIS 2.0 XML of a document from its JSON form: the inverse of `EPCISXMLReader`.
/// Fields go where the XML schema's sequences put them, CBV bare words become URNs or Web URIs
/// (`CBVXMLFormat`), and CURIE-named members become elements (or, on sensor data, attributes) in
/// the namespace the document's `@context` gives their prefix, declared once on the root.
struct EPCISXMLWriter {
    private let format: CBVXMLFormat
    /// Prefix -> namespace, from the document's `@context` objects.
    private let contextNamespaces: [String: String]
    /// Declarations the root element will carry, in first-use order.
    private var declared: [(prefix: String, namespace: String)] = []
    private var out = XMLTextWriter(capacity: 64 * 1_024)

    /// Prefixes the EPCIS JSON-LD context defines, for CURIEs whose prefix the document does not declare.
    private static let wellKnown: [String: String] = [
        "gs1": "https://gs1.org/voc/", "cbv": "https://ref.gs1.org/cbv/", "cbvmda": "urn:epcglobal:cbv:mda",
        "epcis": "https://ref.gs1.org/epcis/", "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
        "xsd": "http://www.w3.org/2001/XMLSchema#", "dcterms": "http://purl.org/dc/terms/", "owl": "http://www.w3.org/2002/07/owl#",
    ]

    /// Declares every prefix the document's `@context` defines (so CURIE values such as
    /// `component="example:x"` keep their meaning), then those its members use.
    private init(context: JSONValue?, format: CBVXMLFormat) {
        self.format = format
        var namespaces: [String: String] = [:]
        var ordered: [(String, String)] = []
        let entries: [JSONValue] = context?.arrayValue ?? (context.map { [$0] } ?? [])
        for case .object(let object) in entries {
            for (prefix, value) in object {
                guard case .string(let iri) = value, namespaces[prefix] == nil else { continue }
                namespaces[prefix] = iri
                ordered.append((prefix, iri))
            }
        }
        contextNamespaces = namespaces
        for (prefix, iri) in ordered where Self.isNCName(prefix) && !Self.reservedPrefix(prefix) && !declared.contains(where: { $0.namespace == iri }) {
            declared.append((prefix, iri))
        }
    }

    private static func reservedPrefix(_ prefix: String) -> Bool {
        prefix.lowercased().hasPrefix("xml") || ["epcis", "epcisq"].contains(prefix)
    }

    /// The XML of an EPCIS document.
    static func xml(of document: EPCISDocument, format: CBVXMLFormat) -> [UInt8] {
        var writer = EPCISXMLWriter(context: document.context, format: format)
        writer.out.start("EPCISBody")
        writer.eventList(document.eventList)
        writer.out.end("EPCISBody")
        writer.members(document.extensions)
        var attributes = [("schemaVersion", document.schemaVersion), ("creationDate", document.creationDate)]
        attributes.insert(("xmlns:epcis", XMLNamespaces.epcis2), at: 0)
        return writer.finish(root: "epcis:EPCISDocument", attributes: attributes)
    }

    /// The XML of an EPCIS query document.
    static func xml(of document: EPCISQueryDocument, format: CBVXMLFormat) -> [UInt8] {
        var writer = EPCISXMLWriter(context: document.context, format: format)
        writer.out.start("EPCISBody")
        writer.out.start("epcisq:QueryResults")
        writer.out.leaf("queryName", document.queryName)
        if let subscriptionID = document.subscriptionID { writer.out.leaf("subscriptionID", subscriptionID) }
        writer.out.start("resultsBody")
        writer.eventList(document.eventList)
        writer.out.end("resultsBody")
        writer.out.end("epcisq:QueryResults")
        writer.out.end("EPCISBody")
        // QueryResults has no room for namespaced elements; its extension members go to the root,
        // whose wildcard admits them (the Event Hash reads `ignoreFields` at either place).
        writer.members(document.extensions)
        writer.members(document.queryResultsExtensions)
        let attributes = [
            ("xmlns:epcisq", XMLNamespaces.query2), ("schemaVersion", document.schemaVersion ?? "2.0"),
            ("creationDate", document.creationDate ?? "1970-01-01T00:00:00Z"),
        ]
        return writer.finish(root: "epcisq:EPCISQueryDocument", attributes: attributes)
    }

    /// The declaration, the root's start tag with every namespace the body used, the body, the end tag.
    private func finish(root: String, attributes: [(String, String)]) -> [UInt8] {
        var head = XMLTextWriter(capacity: out.bytes.count + 1_024)
        head.raw("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n")
        var all = [attributes[0]]
        all += declared.map { ("xmlns:" + $0.prefix, $0.namespace) }
        all += attributes.dropFirst()
        head.start(root, all)
        return head.bytes + out.bytes + Array("</\(root)>\n".utf8)
    }

    // MARK: Events

    private mutating func eventList(_ events: [EPCISEvent]) {
        out.start("EventList")
        for event in events { self.event(event) }
        out.end("EventList")
    }

    private mutating func event(_ event: EPCISEvent) {
        let json = event.json
        let typeName = event.typeName
        let fields = EPCISXMLLayout.fields(of: typeName)
        let element = fields == nil ? qualifiedName(typeName) : typeName
        out.start(element)
        var written = Set(["type", "@context"])
        for name in EPCISXMLLayout.common + (fields ?? []) {
            guard let value = json[name] else { continue }
            written.insert(name)
            field(name, value)
        }
        var extensions = JSONObject()
        for (key, value) in json where !written.contains(key) { extensions[key] = value }
        if fields == nil {
            // An event of an extension type: its standard-named fields in the order they came.
            var named = JSONObject()
            for (key, value) in extensions {
                if key.contains(":") { named[key] = value } else { field(key, value) }
            }
            members(named)
        } else {
            members(extensions)
        }
        out.end(element)
    }

    /// One standard field of an event.
    private mutating func field(_ name: String, _ value: JSONValue) {
        switch name {
        case "bizStep": out.leaf(name, CBVVocabulary.bizStep.xmlValue(ofJSON: value.stringValue ?? "", format: format))
        case "disposition": out.leaf(name, CBVVocabulary.disposition.xmlValue(ofJSON: value.stringValue ?? "", format: format))
        case "certificationInfo":
            for uri in value.arrayValue ?? [value] { out.leaf(name, uri.stringValue ?? "") }
        case "epcList", "childEPCs", "inputEPCList", "outputEPCList":
            list(name, value) { writer, epc in writer.out.leaf("epc", epc.stringValue ?? "") }
        case "quantityList", "childQuantityList", "inputQuantityList", "outputQuantityList":
            list(name, value) { writer, element in
                writer.out.start("quantityElement")
                writer.out.leaf("epcClass", element["epcClass"]?.stringValue ?? "")
                if let quantity = element["quantity"]?.doubleValue {
                    writer.out.leaf("quantity", Self.decimal(quantity))
                    if let uom = element["uom"]?.stringValue { writer.out.leaf("uom", uom) }
                }
                writer.out.end("quantityElement")
            }
        case "readPoint", "bizLocation":
            out.start(name)
            out.leaf("id", value["id"]?.stringValue ?? "")
            members(Self.without(["id"], value))
            out.end(name)
        case "bizTransactionList":
            list(name, value) { writer, entry in
                let type = entry["type"]?.stringValue.map { CBVVocabulary.bizTransactionType.xmlValue(ofJSON: $0, format: writer.format) }
                writer.out.leaf("bizTransaction", entry["bizTransaction"]?.stringValue ?? "", type.map { [("type", $0)] } ?? [])
            }
        case "sourceList", "destinationList":
            let role = String(name.dropLast(4))
            list(name, value) { writer, entry in
                let type = CBVVocabulary.sourceDestType.xmlValue(ofJSON: entry["type"]?.stringValue ?? "", format: writer.format)
                writer.out.leaf(role, entry[role]?.stringValue ?? "", [("type", type)])
            }
        case "sensorElementList":
            list(name, value) { writer, element in writer.sensorElement(element) }
        case "persistentDisposition":
            out.start(name)
            for part in ["unset", "set"] {
                for word in value[part]?.arrayValue ?? [] {
                    out.leaf(part, CBVVocabulary.disposition.xmlValue(ofJSON: word.stringValue ?? "", format: format))
                }
            }
            out.end(name)
        case "ilmd":
            out.start(name)
            members(value.objectValue ?? [:])
            out.end(name)
        case "errorDeclaration":
            out.start(name)
            if let time = value["declarationTime"]?.stringValue { out.leaf("declarationTime", time) }
            if let reason = value["reason"]?.stringValue {
                out.leaf("reason", CBVVocabulary.errorReason.xmlValue(ofJSON: reason, format: format))
            }
            if let corrective = value["correctiveEventIDs"]?.arrayValue {
                out.start("correctiveEventIDs")
                for id in corrective { out.leaf("correctiveEventID", id.stringValue ?? "") }
                out.end("correctiveEventIDs")
            }
            members(Self.without(["declarationTime", "reason", "correctiveEventIDs"], value))
            out.end(name)
        default:
            out.leaf(name, Self.text(value))
        }
    }

    private mutating func list(_ name: String, _ value: JSONValue, _ entry: (inout EPCISXMLWriter, JSONValue) -> Void) {
        let entries = value.arrayValue ?? []
        if entries.isEmpty {
            out.start(name, empty: true)
            return
        }
        out.start(name)
        for element in entries { entry(&self, element) }
        out.end(name)
    }

    // MARK: Sensor data

    private mutating func sensorElement(_ element: JSONValue) {
        out.start("sensorElement")
        if let metadata = element["sensorMetadata"]?.objectValue {
            out.start("sensorMetadata", sensorAttributes(metadata, report: false), empty: true)
        }
        for report in element["sensorReport"]?.arrayValue ?? [] {
            out.start("sensorReport", sensorAttributes(report.objectValue ?? [:], report: true), empty: true)
        }
        members(Self.without(["sensorMetadata", "sensorReport"], element))
        out.end("sensorElement")
    }

    private mutating func sensorAttributes(_ object: JSONObject, report: Bool) -> [(String, String)] {
        var attributes: [(String, String)] = []
        for (key, value) in object {
            let text: String
            switch key {
            case "type" where report: text = CBVVocabulary.measurementType.xmlValue(ofJSON: value.stringValue ?? "", format: format)
            case "exception": text = CBVVocabulary.sensorAlertType.xmlValue(ofJSON: value.stringValue ?? "", format: format)
            case "component": text = CBVVocabulary.component.xmlValue(ofJSON: value.stringValue ?? "", format: format)
            default: text = Self.text(value)
            }
            attributes.append((key.contains(":") ? qualifiedName(key) : key, text))
        }
        return attributes
    }

    // MARK: Extension members

    /// Each member as an element named by its CURIE or IRI (an array as repeated elements).
    private mutating func members(_ object: JSONObject) {
        for (key, value) in object where key != "@context" {
            let name = key.contains(":") ? qualifiedName(key) : key
            for element in value.arrayValue ?? [value] {
                if let nested = element.objectValue {
                    out.start(name)
                    members(nested)
                    out.end(name)
                } else {
                    out.leaf(name, Self.text(element))
                }
            }
        }
    }

    /// The XML name of a CURIE or IRI member, declaring its namespace on the root when first used.
    /// A prefix neither the document nor the EPCIS context defines is, as in JSON-LD, the scheme of
    /// an absolute IRI: `foo:bar` is `bar` in the namespace `foo:`.
    private mutating func qualifiedName(_ key: String) -> String {
        let namespace: String
        let local: String
        var prefix: String
        if let slash = key.lastIndex(where: { $0 == "/" || $0 == "#" }), key.contains("://") || key.hasPrefix("urn:") {
            namespace = String(key[...slash])
            local = String(key[key.index(after: slash)...])
            prefix = ""
        } else {
            let colon = key.firstIndex(of: ":")!
            prefix = String(key[..<colon])
            local = String(key[key.index(after: colon)...])
            namespace = contextNamespaces[prefix] ?? Self.wellKnown[prefix] ?? prefix + ":"
        }
        if let existing = declared.first(where: { $0.namespace == namespace }) { return existing.prefix + ":" + local }
        var counter = 0
        while !Self.isNCName(prefix) || Self.reservedPrefix(prefix) || declared.contains(where: { $0.prefix == prefix })
        {
            counter += 1
            prefix = "ns\(counter)"
        }
        declared.append((prefix, namespace))
        return prefix + ":" + local
    }

    // MARK: Values

    private static func isNCName(_ text: String) -> Bool {
        guard let first = text.unicodeScalars.first, first.properties.isAlphabetic || first == "_" else { return false }
        return text.unicodeScalars.allSatisfy { $0.properties.isAlphabetic || $0.properties.numericType != nil || "_-.".unicodeScalars.contains($0) }
    }

    private static func without(_ names: Set<String>, _ value: JSONValue) -> JSONObject {
        var object = JSONObject()
        for (key, member) in value.objectValue ?? [:] where !names.contains(key) { object[key] = member }
        return object
    }

    /// The text of a leaf value: strings as they are, numbers in their shortest form, booleans as
    /// `true`/`false`, other values as JSON.
    private static func text(_ value: JSONValue) -> String {
        switch value {
        case .string(let text): text
        case .number(let number): (try? ES6Number.format(number)) ?? "0"
        case .bool(let flag): flag ? "true" : "false"
        case .null: ""
        default: value.serializedString()
        }
    }

    /// An `xsd:decimal`: the shortest form, with an exponent written out as digits.
    static func decimal(_ value: Double) -> String {
        let shortest = (try? ES6Number.format(value)) ?? "0"
        guard let e = shortest.firstIndex(of: "e") else { return shortest }
        let negative = shortest.hasPrefix("-")
        let mantissa = shortest[shortest.index(shortest.startIndex, offsetBy: negative ? 1 : 0)..<e]
        let exponent = Int(String(shortest[shortest.index(after: e)...].filter { $0 != "+" })) ?? 0
        let parts = mantissa.split(separator: ".", omittingEmptySubsequences: false)
        let digits = String(parts[0]) + (parts.count > 1 ? String(parts[1]) : "")
        let point = parts[0].count + exponent
        let text: String
        if point <= 0 {
            text = "0." + String(repeating: "0", count: -point) + digits
        } else if point >= digits.count {
            text = digits + String(repeating: "0", count: point - digits.count)
        } else {
            text = String(digits.prefix(point)) + "." + String(digits.dropFirst(point))
        }
        return (negative ? "-" : "") + text
    }
}
