import Encoding

/// The schema's rules for master data (`epcisHeader.epcisMasterData.vocabularyList` and a query's
/// `resultsBody.vocabularyList`), which Voltpass keeps as JSON rather than typing.
extension EPCISReader {
    /// `epcisMasterData`: an object whose `vocabularyList`, if any, is checked.
    mutating func masterData(_ value: JSONValue) {
        guard case .object(let masterData) = value else {
            report(.invalidValue, "epcisMasterData", "epcisMasterData is an object")
            return
        }
        if let list = masterData["vocabularyList"] {
            member("epcisMasterData") { $0.vocabularyList(list, "vocabularyList") }
        }
    }

    /// A list of vocabularies: each `{type: URI, vocabularyElementList?: [{id: URI, attributes?: [{id: URI,
    /// attribute?: number|string|object}], children?: [URI]}]}`.
    mutating func vocabularyList(_ value: JSONValue, _ key: String) {
        objectList(value, key) { reader, vocabulary in
            reader.requiredURI(vocabulary, "type", in: "a vocabulary")
            guard let elements = vocabulary["vocabularyElementList"] else { return }
            reader.objectList(elements, "vocabularyElementList") { reader, element in
                reader.requiredURI(element, "id", in: "a vocabulary element")
                if let attributes = element["attributes"] {
                    reader.objectList(attributes, "attributes") { reader, attribute in
                        reader.requiredURI(attribute, "id", in: "an attribute")
                        switch attribute["attribute"] {
                        case nil, .number?, .string?, .object?: break
                        default: reader.report(.invalidValue, "attribute", "an attribute value is a number, string or object")
                        }
                    }
                }
                if let children = element["children"], let uris = reader.strings(children, "children") {
                    reader.uris(uris, "children")
                }
            }
        }
    }

    private mutating func requiredURI(_ object: JSONObject, _ key: String, in what: String) {
        guard let value = object[key] else {
            report(.fieldMissing, key, "\(what) requires '\(key)'")
            return
        }
        if let uri = string(value, key) { self.uri(uri, key) }
    }

    /// Runs `check` on each object of the array `value` (member `key`), reporting non-objects.
    private mutating func objectList(_ value: JSONValue, _ key: String, _ check: (inout EPCISReader, JSONObject) -> Void) {
        guard case .array(let elements) = value else {
            report(.invalidValue, key, "'\(key)' is an array of objects")
            return
        }
        member(key) { reader in
            for (index, element) in elements.enumerated() {
                guard case .object(let object) = element else {
                    reader.report(.invalidValue, String(index), "each entry of '\(key)' is an object")
                    continue
                }
                reader.element(index) { check(&$0, object) }
            }
        }
    }
}
