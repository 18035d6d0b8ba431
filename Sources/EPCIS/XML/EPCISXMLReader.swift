import Encoding

/// Maps a parsed EPCIS XML document to its EPCIS 2.0 JSON-LD form, as the standard's XML/JSON
/// correspondence says: wrapper elements become arrays (`epcList/epc` → `epcList`), typed list
/// entries objects (`<source type="…">` → `{"type", "source"}`), CBV URNs and Web URIs bare words,
/// numbers and booleans JSON numbers and booleans, and every element in another namespace a member
/// named by a CURIE whose prefix the document's `@context` declares (repeated elements an array,
/// elements with children an object). Namespaces the root declares but no name uses are declared in
/// `@context` too, for the CURIE values written with them.
///
/// EPCIS 1.x layouts are read too and come out as 2.0: fields inside `<extension>` or
/// `<baseExtension>` (eventID, errorDeclaration, quantity lists, source/destination lists, ILMD,
/// TransformationEvent in the event list's extension) are lifted to where 2.0 puts them.
struct EPCISXMLReader {
    private var prefixes = ExtensionPrefixes()

    /// The JSON form of a document whose root is `root`.
    static func json(of root: XMLElementNode) throws(EPCISXMLError) -> JSONObject {
        var reader = EPCISXMLReader()
        let isQuery: Bool
        switch (root.namespace, root.localName) {
        case (XMLNamespaces.epcis2, "EPCISDocument"), (XMLNamespaces.epcis1, "EPCISDocument"): isQuery = false
        case (XMLNamespaces.query2, "EPCISQueryDocument"), (XMLNamespaces.query1, "EPCISQueryDocument"): isQuery = true
        default:
            throw EPCISXMLError(
                EPCISXMLError.notEPCIS,
                "the root element \(root.expandedName) is not an EPCISDocument ({\(XMLNamespaces.epcis2)}) or EPCISQueryDocument ({\(XMLNamespaces.query2)})")
        }
        var document: JSONObject = ["type": .string(isQuery ? "EPCISQueryDocument" : "EPCISDocument"), "schemaVersion": "2.0"]
        if let created = root.attribute("creationDate") { document["creationDate"] = .string(trim(created)) }
        for attribute in root.attributes where !attribute.namespace.isEmpty && !XMLNamespaces.standard.contains(attribute.namespace) {
            let key = reader.prefixes.curie(namespace: attribute.namespace, prefix: attribute.prefix, localName: attribute.localName)
            document[key] = .string(attribute.value)
        }
        var extensions = JSONObject()
        var looseResults: [XMLElementNode] = []
        for child in root.children {
            switch (child.namespace.isEmpty, child.localName) {
            case (true, let name) where isQuery && ["queryName", "subscriptionID", "resultsBody"].contains(name):
                // Some query documents in the wild put QueryResults' members at the root.
                looseResults.append(child)
            case (true, "EPCISHeader"):
                if let header = try reader.header(child) { document["epcisHeader"] = .object(header) }
            case (true, "EPCISBody"):
                document["epcisBody"] = .object(isQuery ? try reader.queryBody(child) : try reader.body(child))
            case (true, "extension"): try reader.addExtensions(of: child, to: &extensions)
            case (false, _): try reader.addExtension(child, to: &extensions)
            default: throw unexpected(child, in: root)
            }
        }
        if !looseResults.isEmpty, !document.contains("epcisBody") {
            let results = XMLElementNode(
                namespace: "", localName: "QueryResults", prefix: "", attributes: [], children: looseResults, text: "", line: looseResults[0].line)
            let body = XMLElementNode(namespace: "", localName: "EPCISBody", prefix: "", attributes: [], children: [results], text: "", line: results.line)
            document["epcisBody"] = .object(try reader.queryBody(body))
        }
        for (key, value) in extensions { document[key] = value }
        for (prefix, namespace) in root.declarations where !XMLNamespaces.standard.contains(namespace) {
            reader.prefixes.declare(prefix: prefix, namespace: namespace)
        }
        var context: [JSONValue] = [.string(VSCVocabulary.epcisContextURL)]
        for (prefix, namespace) in reader.prefixes.declared { context.append(.object([prefix: .string(namespace)])) }
        var ordered: JSONObject = ["@context": .array(context)]
        for (key, value) in document { ordered[key] = value }
        return ordered
    }

    // MARK: Document parts

    private mutating func body(_ body: XMLElementNode) throws(EPCISXMLError) -> JSONObject {
        var object: JSONObject = ["eventList": []]
        for child in body.children {
            switch (child.namespace.isEmpty, child.localName) {
            case (true, "EventList"): object["eventList"] = .array(try events(child))
            case (true, "extension"): try addExtensions(of: child, to: &object)
            case (false, _): try addExtension(child, to: &object)
            default: throw Self.unexpected(child, in: body)
            }
        }
        return object
    }

    private mutating func queryBody(_ body: XMLElementNode) throws(EPCISXMLError) -> JSONObject {
        guard let results = body.children.first(where: { $0.localName == "QueryResults" }), body.children.count == 1 else {
            throw EPCISXMLError(EPCISXMLError.schemaInvalid, "line \(body.line): the EPCISBody of a query document holds one QueryResults")
        }
        var query = JSONObject()
        for child in results.children {
            switch (child.namespace.isEmpty, child.localName) {
            case (true, "queryName"), (true, "subscriptionID"): query[child.localName] = .string(Self.trim(child.text))
            case (true, "resultsBody"):
                var resultsBody = JSONObject()
                for list in child.children {
                    switch list.localName {
                    case "EventList": resultsBody["eventList"] = .array(try events(list))
                    case "VocabularyList": resultsBody["vocabularyList"] = .array(try vocabularies(list))
                    default: throw Self.unexpected(list, in: child)
                    }
                }
                query["resultsBody"] = .object(resultsBody)
            case (true, "extension"): try addExtensions(of: child, to: &query)
            case (false, _): try addExtension(child, to: &query)
            default: throw Self.unexpected(child, in: results)
            }
        }
        return ["queryResults": .object(query)]
    }

    /// `EPCISHeader`: its master data (2.0 and 1.2 both keep it in the header's extension). The
    /// Standard Business Document Header has no JSON counterpart and is not carried over.
    private mutating func header(_ header: XMLElementNode) throws(EPCISXMLError) -> JSONObject? {
        var object = JSONObject()
        for child in header.children where child.namespace.isEmpty {
            let masterData = child.localName == "EPCISMasterData" ? [child] : child.children.filter { $0.localName == "EPCISMasterData" }
            for data in masterData {
                guard let list = data.children.first(where: { $0.localName == "VocabularyList" }) else { continue }
                object["epcisMasterData"] = .object(["vocabularyList": .array(try vocabularies(list))])
            }
        }
        return object.isEmpty ? nil : object
    }

    /// `VocabularyList/Vocabulary`: `{type, vocabularyElementList: [{id, attributes: [{id, attribute}], children}]}`.
    private mutating func vocabularies(_ list: XMLElementNode) throws(EPCISXMLError) -> [JSONValue] {
        var vocabularies: [JSONValue] = []
        for vocabulary in list.children where vocabulary.localName == "Vocabulary" {
            var object: JSONObject = ["type": .string(Self.trim(vocabulary.attribute("type") ?? ""))]
            var elements: [JSONValue] = []
            for element in vocabulary.children.first(where: { $0.localName == "VocabularyElementList" })?.children ?? [] {
                var entry: JSONObject = ["id": .string(Self.trim(element.attribute("id") ?? ""))]
                var attributes: [JSONValue] = []
                for part in element.children {
                    if part.localName == "attribute" {
                        let value: JSONValue = part.children.isEmpty ? .string(part.text) : try extensionValue(part)
                        attributes.append(.object(["id": .string(Self.trim(part.attribute("id") ?? "")), "attribute": value]))
                    } else if part.localName == "children" {
                        entry["children"] = .array(part.children.map { .string(Self.trim($0.text)) })
                    }
                }
                if !attributes.isEmpty { entry["attributes"] = .array(attributes) }
                elements.append(.object(entry))
            }
            object["vocabularyElementList"] = .array(elements)
            vocabularies.append(.object(object))
        }
        return vocabularies
    }

    /// The events of an `EventList`, with those inside its `extension` (1.x TransformationEvent,
    /// or events of extension types) in document order.
    private mutating func events(_ list: XMLElementNode) throws(EPCISXMLError) -> [JSONValue] {
        var events: [JSONValue] = []
        for child in list.children {
            if child.namespace.isEmpty, child.localName == "extension" {
                events.append(contentsOf: try self.events(child))
                continue
            }
            let type: String
            switch (child.namespace.isEmpty, child.localName) {
            case (true, "ObjectEvent"), (true, "AggregationEvent"), (true, "TransactionEvent"), (true, "TransformationEvent"),
                (true, "AssociationEvent"):
                type = child.localName
            case (false, _): type = prefixes.curie(namespace: child.namespace, prefix: child.prefix, localName: child.localName)
            default: throw Self.unexpected(child, in: list)
            }
            var event: JSONObject = ["type": .string(type)]
            try eventMembers(of: child, into: &event)
            events.append(.object(event))
        }
        return events
    }

    // MARK: Events

    /// The fields of an event element, in document order; `extension` and `baseExtension` (1.x) are
    /// read as if their children stood in the event.
    private mutating func eventMembers(of element: XMLElementNode, into event: inout JSONObject) throws(EPCISXMLError) {
        for child in element.children {
            guard child.namespace.isEmpty else {
                try addExtension(child, to: &event)
                continue
            }
            let name = child.localName
            switch name {
            case "eventTime", "recordTime", "eventTimeZoneOffset", "eventID", "action", "parentID", "transformationID":
                try Self.once(name, in: event, child)
                event[name] = .string(Self.trim(child.text))
            case "certificationInfo":
                let uri = JSONValue.string(Self.trim(child.text))
                switch event[name] {
                case nil: event[name] = uri
                case .array(let uris)?: event[name] = .array(uris + [uri])
                case let single?: event[name] = .array([single, uri])
                }
            case "bizStep":
                try Self.once(name, in: event, child)
                event[name] = .string(CBVVocabulary.bizStep.jsonValue(ofXML: Self.trim(child.text)))
            case "disposition":
                try Self.once(name, in: event, child)
                event[name] = .string(CBVVocabulary.disposition.jsonValue(ofXML: Self.trim(child.text)))
            case "epcList", "childEPCs", "inputEPCList", "outputEPCList":
                try Self.once(name, in: event, child)
                event[name] = .array(try Self.list(child, of: "epc").map { .string(Self.trim($0.text)) })
            case "quantityList", "childQuantityList", "inputQuantityList", "outputQuantityList":
                try Self.once(name, in: event, child)
                event[name] = .array(try Self.list(child, of: "quantityElement").map { (element) throws(EPCISXMLError) in .object(try Self.quantity(element)) })
            case "readPoint", "bizLocation":
                try Self.once(name, in: event, child)
                event[name] = .object(try location(child))
            case "bizTransactionList":
                try Self.once(name, in: event, child)
                event[name] = .array(try Self.list(child, of: "bizTransaction").map { entry in
                    var object = JSONObject()
                    if let type = entry.attribute("type") {
                        object["type"] = .string(CBVVocabulary.bizTransactionType.jsonValue(ofXML: Self.trim(type)))
                    }
                    object["bizTransaction"] = .string(Self.trim(entry.text))
                    return .object(object)
                })
            case "sourceList", "destinationList":
                try Self.once(name, in: event, child)
                let role = String(name.dropLast(4))
                event[name] = .array(try Self.list(child, of: role).map { (entry) throws(EPCISXMLError) in
                    guard let type = entry.attribute("type") else {
                        throw EPCISXMLError(EPCISXMLError.schemaInvalid, "line \(entry.line): <\(role)> needs its type attribute")
                    }
                    return .object([
                        "type": .string(CBVVocabulary.sourceDestType.jsonValue(ofXML: Self.trim(type))), role: .string(Self.trim(entry.text)),
                    ])
                })
            case "sensorElementList":
                try Self.once(name, in: event, child)
                event[name] = .array(try Self.list(child, of: "sensorElement").map { (element) throws(EPCISXMLError) in .object(try sensorElement(element)) })
            case "persistentDisposition":
                try Self.once(name, in: event, child)
                var object = JSONObject()
                for part in child.children {
                    guard part.namespace.isEmpty, part.localName == "set" || part.localName == "unset" else { throw Self.unexpected(part, in: child) }
                    let word = JSONValue.string(CBVVocabulary.disposition.jsonValue(ofXML: Self.trim(part.text)))
                    object[part.localName] = .array((object[part.localName]?.arrayValue ?? []) + [word])
                }
                event[name] = .object(object)
            case "ilmd":
                try Self.once(name, in: event, child)
                var ilmd = JSONObject()
                try addExtensions(of: child, to: &ilmd)
                event[name] = .object(ilmd)
            case "errorDeclaration":
                try Self.once(name, in: event, child)
                event[name] = .object(try errorDeclaration(child))
            case "extension", "baseExtension":
                try eventMembers(of: child, into: &event)
            default:
                throw Self.unexpected(child, in: element)
            }
        }
    }

    private static func quantity(_ element: XMLElementNode) throws(EPCISXMLError) -> JSONObject {
        var object = JSONObject()
        for part in element.children {
            switch (part.namespace.isEmpty, part.localName) {
            case (true, "epcClass"): object["epcClass"] = .string(trim(part.text))
            case (true, "quantity"):
                // `quantity` is nillable: `<quantity xsi:nil="true"/>` says there is none.
                let nilled = part.attributes.contains { $0.namespace == XMLNamespaces.xsi && $0.localName == "nil" && ["true", "1"].contains(trim($0.value)) }
                if !nilled { object["quantity"] = .number(try decimal(part.text, "quantity", line: part.line)) }
            case (true, "uom"): object["uom"] = .string(trim(part.text))
            default: throw unexpected(part, in: element)
            }
        }
        return object
    }

    private mutating func location(_ element: XMLElementNode) throws(EPCISXMLError) -> JSONObject {
        var object = JSONObject()
        for part in element.children {
            switch (part.namespace.isEmpty, part.localName) {
            case (true, "id"): object["id"] = .string(Self.trim(part.text))
            case (true, "extension"): try addExtensions(of: part, to: &object)
            case (false, _): try addExtension(part, to: &object)
            default: throw Self.unexpected(part, in: element)
            }
        }
        return object
    }

    private mutating func errorDeclaration(_ element: XMLElementNode) throws(EPCISXMLError) -> JSONObject {
        var object = JSONObject()
        for part in element.children {
            switch (part.namespace.isEmpty, part.localName) {
            case (true, "declarationTime"): object["declarationTime"] = .string(Self.trim(part.text))
            case (true, "reason"): object["reason"] = .string(CBVVocabulary.errorReason.jsonValue(ofXML: Self.trim(part.text)))
            case (true, "correctiveEventIDs"):
                object["correctiveEventIDs"] = .array(try Self.list(part, of: "correctiveEventID").map { .string(Self.trim($0.text)) })
            case (true, "extension"): try addExtensions(of: part, to: &object)
            case (false, _): try addExtension(part, to: &object)
            default: throw Self.unexpected(part, in: element)
            }
        }
        return object
    }

    // MARK: Sensor data

    private mutating func sensorElement(_ element: XMLElementNode) throws(EPCISXMLError) -> JSONObject {
        var object = JSONObject()
        var reports: [JSONValue] = []
        for part in element.children {
            switch (part.namespace.isEmpty, part.localName) {
            case (true, "sensorMetadata"): object["sensorMetadata"] = .object(try sensorAttributes(part))
            case (true, "sensorReport"):
                reports.append(.object(try sensorAttributes(part)))
                object["sensorReport"] = .array(reports)
            case (true, "extension"): try addExtensions(of: part, to: &object)
            case (false, _): try addExtension(part, to: &object)
            default: throw Self.unexpected(part, in: element)
            }
        }
        return object
    }

    /// The attributes of `sensorMetadata` or `sensorReport` as members: numbers, the boolean, CBV
    /// and GS1 vocabulary values as bare words, attributes in other namespaces as CURIE members.
    private mutating func sensorAttributes(_ element: XMLElementNode) throws(EPCISXMLError) -> JSONObject {
        var object = JSONObject()
        for attribute in element.attributes {
            if !attribute.namespace.isEmpty {
                guard !XMLNamespaces.standard.contains(attribute.namespace) else { continue }
                let key = prefixes.curie(namespace: attribute.namespace, prefix: attribute.prefix, localName: attribute.localName)
                object[key] = .string(attribute.value)
                continue
            }
            let name = attribute.localName
            let value = Self.trim(attribute.value)
            switch name {
            case _ where EPCISXMLLayout.sensorNumbers.contains(name): object[name] = .number(try Self.double(value, name, line: element.line))
            case "booleanValue":
                switch value {
                case "true", "1": object[name] = .bool(true)
                case "false", "0": object[name] = .bool(false)
                default: throw EPCISXMLError(EPCISXMLError.schemaInvalid, "line \(element.line): booleanValue '\(value)' is not an xsd:boolean")
                }
            case "type" where element.localName == "sensorReport": object[name] = .string(CBVVocabulary.measurementType.jsonValue(ofXML: value))
            case "exception": object[name] = .string(CBVVocabulary.sensorAlertType.jsonValue(ofXML: value))
            case "component": object[name] = .string(CBVVocabulary.component.jsonValue(ofXML: value))
            default: object[name] = .string(value)
            }
        }
        return object
    }

    // MARK: User extensions

    /// Adds each child of an `extension` wrapper (1.x) as a member.
    private mutating func addExtensions(of wrapper: XMLElementNode, to object: inout JSONObject) throws(EPCISXMLError) {
        for child in wrapper.children { try addExtension(child, to: &object) }
    }

    /// Adds `element` as the member named by its CURIE; a name met again makes the member an array.
    private mutating func addExtension(_ element: XMLElementNode, to object: inout JSONObject) throws(EPCISXMLError) {
        let key = element.namespace.isEmpty
            ? element.localName : prefixes.curie(namespace: element.namespace, prefix: element.prefix, localName: element.localName)
        let value = try extensionValue(element)
        switch object[key] {
        case nil: object[key] = value
        case .array(let values)?: object[key] = .array(values + [value])
        case let first?: object[key] = .array([first, value])
        }
    }

    /// A leaf's text, or an object of the children's members. Attributes of extension elements
    /// (`xsi:type` and the like) have no place in the JSON form.
    private mutating func extensionValue(_ element: XMLElementNode) throws(EPCISXMLError) -> JSONValue {
        guard !element.children.isEmpty else { return .string(element.text) }
        var object = JSONObject()
        for child in element.children { try addExtension(child, to: &object) }
        return .object(object)
    }

    // MARK: Values

    /// XML Schema's whitespace collapse at the ends, as `xsd:anyURI`, `xsd:dateTime` and tokens do.
    static func trim(_ text: String) -> String {
        let utf8 = text.utf8
        let isSpace = { (byte: UInt8) in byte == 0x20 || byte == 0x0A || byte == 0x09 || byte == 0x0D }
        guard let first = utf8.firstIndex(where: { !isSpace($0) }) else { return "" }
        let last = utf8.lastIndex(where: { !isSpace($0) })!
        if first == utf8.startIndex, utf8.index(after: last) == utf8.endIndex { return text }
        return String(text[first...last])
    }

    /// An `xsd:decimal`.
    private static func decimal(_ text: String, _ name: String, line: Int) throws(EPCISXMLError) -> Double {
        let value = trim(text)
        let digits = value.drop { $0 == "+" || $0 == "-" }
        guard value.count - digits.count <= 1, digits.contains(where: \.isNumber),
            digits.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == ".") }), digits.filter({ $0 == "." }).count <= 1,
            let number = Double(value)
        else { throw EPCISXMLError(EPCISXMLError.schemaInvalid, "line \(line): \(name) '\(value)' is not an xsd:decimal") }
        return number
    }

    /// An `xsd:double` (finite: JSON has no infinities).
    private static func double(_ text: String, _ name: String, line: Int) throws(EPCISXMLError) -> Double {
        guard let number = Double(text), number.isFinite, !text.contains(where: { $0.isLetter && $0 != "e" && $0 != "E" }) else {
            throw EPCISXMLError(EPCISXMLError.schemaInvalid, "line \(line): \(name) '\(text)' is not a finite xsd:double")
        }
        return number
    }

    /// The children of a list wrapper, each of which must be `entry`.
    private static func list(_ wrapper: XMLElementNode, of entry: String) throws(EPCISXMLError) -> [XMLElementNode] {
        for child in wrapper.children where !(child.namespace.isEmpty && child.localName == entry) {
            throw EPCISXMLError(EPCISXMLError.schemaInvalid, "line \(child.line): <\(wrapper.localName)> holds <\(entry)> elements, not <\(child.localName)>")
        }
        return wrapper.children
    }

    private static func once(_ name: String, in event: JSONObject, _ element: XMLElementNode) throws(EPCISXMLError) {
        if event.contains(name) { throw EPCISXMLError(EPCISXMLError.schemaInvalid, "line \(element.line): <\(name)> appears twice in one event") }
    }

    private static func unexpected(_ element: XMLElementNode, in parent: XMLElementNode) -> EPCISXMLError {
        EPCISXMLError(EPCISXMLError.schemaInvalid, "line \(element.line): <\(element.localName)> is not allowed in <\(parent.localName)>")
    }
}
