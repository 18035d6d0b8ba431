import Encoding

/// The XML-shaped tree the Event Hash ID algorithm walks: every JSON member becomes an element with a
/// name, a text value and child elements, with the JSON/XML differences of EPCIS 2.0 (list wrappers,
/// `inputEPCList` vs `epc`, quantity elements) corrected so both serialisations give the same tree.
final class HashNode {
    var name: String
    var text: String
    var children: [HashNode]
    /// A `bizTransactionList`, `sourceList` or `destinationList` entry: its first two members (type and
    /// value, in the order they were written), hashed as a unit and never by name.
    let isPair: Bool

    init(name: String, text: String = "", children: [HashNode] = [], isPair: Bool = false) {
        self.name = name
        self.text = text
        self.children = children
        self.isPair = isPair
    }
}

/// Builds the tree of one event.
struct HashTreeBuilder {
    let context: EventHashContext
    /// Bare vocabulary values found in the event, by the full IRI they resolve to.
    private var expandedIRIs: [String] = []

    init(context: EventHashContext, event: JSONObject) {
        self.context = context
        self.expandedIRIs = Self.expandedVocabularyIRIs(in: event)
    }

    /// The event's root element (named by its `type`), structure-corrected.
    func tree(of event: JSONObject) throws(EventHashError) -> HashNode {
        guard case .string(let type)? = event["type"] else {
            throw EventHashError(EventHashError.invalidEvent, "the event has no string 'type'")
        }
        var event = event
        for field in context.ignoredFields { _ = event.removeValue(forKey: field) }
        let root = HashNode(name: type, children: try members(of: event))
        try Self.correctStructure(root)
        return root
    }

    private static let ignoredMembers: Set<String> = ["#text", "rdfs:comment", "comment", "@context"]

    private func members(of object: JSONObject) throws(EventHashError) -> [HashNode] {
        var children: [HashNode] = []
        for (key, value) in object where !Self.ignoredMembers.contains(key) {
            let name = expandName(key)
            if case .array(let elements) = value {
                for element in elements { children.append(try node(name, element)) }
            } else {
                children.append(try node(name, value))
            }
        }
        return children
    }

    private func node(_ name: String, _ value: JSONValue) throws(EventHashError) -> HashNode {
        switch value {
        case .object(let object):
            let text: String
            if case .string(let inner)? = object["#text"] { text = inner } else { text = "" }
            return HashNode(name: name, text: text, children: try members(of: object))
        case .array(let elements):
            var children: [HashNode] = []
            for element in elements { children.append(try node("", element)) }
            return HashNode(name: name, children: children)
        case .string(let string): return HashNode(name: name, text: expandValue(string))
        case .number(let number): return HashNode(name: name, text: EventHashValues.pythonString(number))
        case .bool(let flag): return HashNode(name: name, text: flag ? "True" : "False")
        case .null: return HashNode(name: name, text: "None")
        }
    }

    /// `prefix:local` with a declared prefix becomes `{namespace}local`.
    private func expandName(_ key: String) -> String {
        guard !context.namespaces.isEmpty, let colon = key.utf8.firstIndex(of: UInt8(ascii: ":")),
            let namespace = context.namespaces[String(key[..<colon])]
        else { return key }
        return "{" + namespace + "}" + key[key.utf8.index(after: colon)...]
    }

    /// Values: a bare vocabulary term becomes its IRI (when exactly one IRI of the event ends in it),
    /// then a declared `prefix:local` becomes `namespacelocal`.
    private func expandValue(_ value: String) -> String {
        var value = value
        var match: String?
        var matches = 0
        let length = value.utf8.count
        for iri in expandedIRIs where iri.utf8.count > length {
            let boundary = iri.utf8[iri.utf8.index(iri.utf8.endIndex, offsetBy: -length - 1)]
            if (boundary == UInt8(ascii: "-") || boundary == UInt8(ascii: "/")) && iri.utf8.reversed().starts(with: value.utf8.reversed()) {
                matches += 1
                match = iri
            }
        }
        if matches == 1, let match { value = match }
        if !context.namespaces.isEmpty, let colon = value.utf8.firstIndex(of: UInt8(ascii: ":")),
            let namespace = context.namespaces[String(value[..<colon])]
        {
            return namespace + value[value.utf8.index(after: colon)...]
        }
        return value
    }

    // MARK: Vocabulary expansion

    /// The CBV / GS1 vocabulary IRIs that JSON-LD expansion of the event yields: bare terms and
    /// `cbv:` / `gs1:` CURIEs of the vocabulary-typed fields, and such IRIs written out anywhere.
    private static func expandedVocabularyIRIs(in event: JSONObject) -> [String] {
        var found = Set<String>()
        func expand(_ value: JSONValue?, _ vocabulary: EventHashVocabulary.Vocabulary) {
            switch value {
            case .string(let term)?:
                if let iri = vocabulary.expand(term) {
                    found.insert(iri)
                } else if term.hasPrefix("cbv:") {
                    found.insert("https://ref.gs1.org/cbv/" + term.dropFirst(4))
                } else if term.hasPrefix("gs1:") {
                    found.insert("https://gs1.org/voc/" + term.dropFirst(4))
                }
            case .array(let terms)?: terms.forEach { expand($0, vocabulary) }
            default: break
            }
        }
        func entries(_ value: JSONValue?) -> [JSONObject] {
            switch value {
            case .array(let elements)?: elements.compactMap(\.objectValue)
            case .object(let object)?: [object]
            default: []
            }
        }
        expand(event["bizStep"], EventHashVocabulary.bizStep)
        expand(event["disposition"], EventHashVocabulary.disposition)
        for persistent in entries(event["persistentDisposition"]) {
            expand(persistent["set"], EventHashVocabulary.disposition)
            expand(persistent["unset"], EventHashVocabulary.disposition)
        }
        for transaction in entries(event["bizTransactionList"]) {
            expand(transaction["type"], EventHashVocabulary.bizTransactionType)
        }
        for party in entries(event["sourceList"]) + entries(event["destinationList"]) {
            expand(party["type"], EventHashVocabulary.sourceDestinationType)
        }
        for element in entries(event["sensorElementList"]) {
            for report in entries(element["sensorReport"]) {
                expand(report["type"], EventHashVocabulary.measurementType)
                expand(report["exception"], EventHashVocabulary.sensorAlertType)
                expand(report["component"], EventHashVocabulary.component)
            }
        }
        for declaration in entries(event["errorDeclaration"]) {
            expand(declaration["reason"], EventHashVocabulary.errorReason)
        }
        func absolute(_ value: JSONValue) {
            switch value {
            case .string(let text) where text.hasPrefix("https://ref.gs1.org/cbv") || text.hasPrefix("https://gs1.org/voc"):
                found.insert(text)
            case .array(let elements): elements.forEach(absolute)
            case .object(let object): object.values.forEach(absolute)
            default: break
            }
        }
        absolute(.object(event))
        return found.sorted()
    }

    // MARK: JSON/XML structure correction

    private static let typedLists: Set<String> = ["sourceList", "destinationList", "bizTransactionList"]

    /// Regroups `xyzList` members (EPCIS fields, not user extensions, whose XML keeps its own
    /// structure) into one list element of `xyz` children (typed lists into pairs),
    /// `childEPCs` members into one element of `epc` children, recursively, then renames the
    /// JSON-only names to their XML equivalents.
    private static func correctStructure(_ node: HashNode) throws(EventHashError) {
        var lists: [(String, [HashNode])] = []
        var kept: [HashNode] = []
        var childEPCs: [HashNode] = []
        for child in node.children {
            if !child.isPair, child.name.hasSuffix("List"), !child.name.contains("{"), !child.name.contains(":") {
                let listName = child.name
                child.name = String(listName.dropLast(4))
                if let index = lists.firstIndex(where: { $0.0 == listName }) {
                    lists[index].1.append(child)
                } else {
                    lists.append((listName, [child]))
                }
            } else if !child.isPair, child.name == "childEPCs" {
                childEPCs.append(HashNode(name: "epc", text: child.text))
            } else {
                kept.append(child)
            }
        }
        for (name, elements) in lists {
            if typedLists.contains(name) {
                var pairs: [HashNode] = []
                for element in elements {
                    // The type is optional (a bizTransaction may have none); the value is not.
                    guard element.children.contains(where: { $0.name == element.name }) else {
                        throw EventHashError(EventHashError.invalidEvent, "an entry of \(name) needs a value")
                    }
                    pairs.append(HashNode(name: "", children: Array(element.children.prefix(2)), isPair: true))
                }
                kept.append(HashNode(name: name, children: pairs))
            } else {
                kept.append(HashNode(name: name, children: elements))
            }
        }
        if !childEPCs.isEmpty { kept.append(HashNode(name: "childEPCs", children: childEPCs)) }
        node.children = kept
        for child in kept where !child.isPair && !typedLists.contains(child.name) {
            try correctStructure(child)
        }
        switch node.name {
        case "inputEPC", "outputEPC": node.name = "epc"
        case "inputQuantity", "outputQuantity", "childQuantity": node.name = "quantityElement"
        case "quantity" where !node.children.isEmpty: node.name = "quantityElement"
        default: break
        }
    }
}
