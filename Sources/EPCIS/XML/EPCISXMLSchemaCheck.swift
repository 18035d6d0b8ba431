/// The structure the EPCIS 2.0 XML schema (`EPCglobal-epcis-2_0.xsd`) demands of a captured
/// EPCISDocument, checked in Swift so the product needs no schema files at run time: the root's
/// required attributes, the document, body and event list layout, and in every event the order,
/// number and presence of its fields and the shape of their content. Values (date-times, URIs,
/// offsets, CBV words) are the JSON validator's, after the mapping; numbers and booleans the
/// mapping checks. Elements of other namespaces are accepted where the schema's wildcards are.
///
/// EPCIS 1.x documents (namespace `urn:epcglobal:epcis:xsd:1`) are held to the layout only as
/// far as the 2.0 mapping reads them.
enum EPCISXMLSchemaCheck {
    static func check(_ root: XMLElementNode) throws(EPCISXMLError) {
        guard root.namespace == XMLNamespaces.epcis2, root.localName == "EPCISDocument" else { return }
        for name in ["schemaVersion", "creationDate"] where root.attribute(name) == nil {
            throw invalid(root, "<EPCISDocument> needs its \(name) attribute")
        }
        let version = EPCISXMLReader.trim(root.attribute("schemaVersion") ?? "")
        guard !version.isEmpty, version.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == ".") }) else {
            throw invalid(root, "schemaVersion '\(version)' is not an xsd:decimal")
        }
        try sequence(root, ["EPCISHeader", "EPCISBody", "extension"], required: ["EPCISBody"])
        for body in root.children where body.namespace.isEmpty && body.localName == "EPCISBody" {
            try sequence(body, ["EventList", "extension"], required: [])
            for list in body.children where list.namespace.isEmpty && list.localName == "EventList" {
                for event in list.children {
                    guard event.namespace.isEmpty else { throw invalid(event, "<\(event.localName)> in another namespace belongs in the EventList's <extension>") }
                    if event.localName == "extension" {
                        // 2.0's event list extension holds event types of other namespaces (1.x put TransformationEvent there).
                        if let standard = event.children.first(where: { $0.namespace.isEmpty }) {
                            throw invalid(standard, "<\(standard.localName)> belongs in the EventList itself in EPCIS 2.0, not in its <extension>")
                        }
                        continue
                    }
                    guard let fields = EPCISXMLLayout.fields(of: event.localName) else {
                        throw invalid(event, "<\(event.localName)> is not an EPCIS 2.0 event type")
                    }
                    try self.event(event, fields: EPCISXMLLayout.common + fields)
                }
            }
        }
    }

    /// Checks `element`'s unqualified children against `order` (each at most once, in that
    /// order, `required` present); elements of other namespaces may only follow them.
    private static func sequence(_ element: XMLElementNode, _ order: [String], required: [String]) throws(EPCISXMLError) {
        var position = 0
        var sawOther = false
        for child in element.children {
            guard child.namespace.isEmpty else {
                sawOther = true
                continue
            }
            guard !sawOther else { throw invalid(child, "<\(child.localName)> comes after extension elements of other namespaces in <\(element.localName)>") }
            guard let index = order[position...].firstIndex(of: child.localName) else {
                if order.contains(child.localName) { throw invalid(child, "<\(child.localName)> is out of order or repeated in <\(element.localName)>") }
                throw invalid(child, "<\(child.localName)> is not allowed in <\(element.localName)>")
            }
            position = index + 1
        }
        for name in required where !element.children.contains(where: { $0.namespace.isEmpty && $0.localName == name }) {
            throw invalid(element, "<\(element.localName)> needs <\(name)>")
        }
    }

    private static func event(_ event: XMLElementNode, fields: [String]) throws(EPCISXMLError) {
        try sequence(event, fields, required: ["eventTime", "eventTimeZoneOffset"] + EPCISXMLLayout.required(of: event.localName))
        for child in event.children where child.namespace.isEmpty {
            switch child.localName {
            case "epcList", "childEPCs", "inputEPCList", "outputEPCList": try entries(child, "epc", atLeastOne: false)
            case "quantityList", "childQuantityList", "inputQuantityList", "outputQuantityList":
                try entries(child, "quantityElement", atLeastOne: false, structured: true)
                for element in child.children {
                    try sequence(element, ["epcClass", "quantity", "uom"], required: ["epcClass"])
                    try noOthers(element)
                    if element.children.contains(where: { $0.localName == "uom" }), !element.children.contains(where: { $0.localName == "quantity" }) {
                        throw invalid(element, "a quantityElement's uom needs its quantity")
                    }
                }
            case "bizTransactionList": try entries(child, "bizTransaction", atLeastOne: true)
            case "sourceList": try entries(child, "source", atLeastOne: true)
            case "destinationList": try entries(child, "destination", atLeastOne: true)
            case "readPoint", "bizLocation": try sequence(child, ["id", "extension"], required: ["id"])
            case "sensorElementList":
                try entries(child, "sensorElement", atLeastOne: true, structured: true)
                for element in child.children {
                    try reportsFirst(element)
                }
            case "persistentDisposition":
                var sawSet = false
                for part in child.children {
                    switch (part.namespace.isEmpty, part.localName) {
                    case (true, "unset") where !sawSet: break
                    case (true, "set"): sawSet = true
                    default: throw invalid(part, "<persistentDisposition> holds <unset> elements, then <set> elements")
                    }
                }
            case "extension", "baseExtension":
                // 2.0 keeps no standard field in an event's extension (1.x did): only other namespaces.
                if let field = child.children.first(where: { $0.namespace.isEmpty }) {
                    throw invalid(field, "<\(field.localName)> belongs in the event itself in EPCIS 2.0, not in <\(child.localName)>")
                }
            case "errorDeclaration":
                guard child.children.contains(where: { $0.namespace.isEmpty && $0.localName == "declarationTime" }) else {
                    throw invalid(child, "<errorDeclaration> needs <declarationTime>")
                }
            case "eventTime", "recordTime", "eventTimeZoneOffset", "eventID", "certificationInfo", "action", "bizStep", "disposition",
                "parentID", "transformationID":
                guard child.children.isEmpty else { throw invalid(child, "<\(child.localName)> holds text, not elements") }
                if child.localName == "action", !["ADD", "OBSERVE", "DELETE"].contains(EPCISXMLReader.trim(child.text)) {
                    throw invalid(child, "action is ADD, OBSERVE or DELETE, not '\(child.text)'")
                }
            default: break
            }
        }
    }

    /// `sensorMetadata?`, `sensorReport+`, `extension?`, then elements of other namespaces.
    private static func reportsFirst(_ element: XMLElementNode) throws(EPCISXMLError) {
        var phase = 0
        var sawOther = false
        for child in element.children {
            guard child.namespace.isEmpty else {
                sawOther = true
                continue
            }
            switch child.localName {
            case "sensorMetadata" where phase == 0 && !sawOther: phase = 1
            case "sensorReport" where phase <= 2 && !sawOther: phase = 2
            case "extension" where phase == 2 && !sawOther: phase = 3
            default: throw invalid(child, "<\(child.localName)> is out of place in <sensorElement> (sensorMetadata, sensorReport…, extension)")
            }
        }
        guard phase >= 2 else { throw invalid(element, "<sensorElement> needs at least one <sensorReport>") }
    }

    /// The entries of a list wrapper: `name` elements only (text only, unless they are `structured`).
    private static func entries(_ list: XMLElementNode, _ name: String, atLeastOne: Bool, structured: Bool = false) throws(EPCISXMLError) {
        for child in list.children where !(child.namespace.isEmpty && child.localName == name) {
            throw invalid(child, "<\(list.localName)> holds only <\(name)> elements")
        }
        for child in list.children where !structured && !child.children.isEmpty {
            throw invalid(child, "<\(name)> holds text, not elements")
        }
        if atLeastOne, list.children.isEmpty { throw invalid(list, "<\(list.localName)> needs at least one <\(name)>") }
    }

    private static func noOthers(_ element: XMLElementNode) throws(EPCISXMLError) {
        if let other = element.children.first(where: { !$0.namespace.isEmpty }) {
            throw invalid(other, "<\(element.localName)> has no room for <\(other.prefix):\(other.localName)>")
        }
    }

    private static func invalid(_ element: XMLElementNode, _ message: String) -> EPCISXMLError {
        EPCISXMLError(EPCISXMLError.schemaInvalid, "line \(element.line): \(message)")
    }
}
