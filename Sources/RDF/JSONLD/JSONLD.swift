import Encoding
import Foundation

/// JSON-LD 1.1 expansion (§5.1) and deserialization to RDF (§7), in safe mode: whatever the
/// algorithms would silently drop (a property or type that does not expand to an IRI, a relative
/// IRI, a free-floating value) is `jsonld_dropped_term` with its JSON path, so what is signed is all
/// that was written. Contexts come only from the loader.
///
/// Implemented: protected, scoped (property and type, with `@propagate`) and remote contexts,
/// `@vocab`, compact IRIs, type coercion (`@id`, `@vocab`, `@json`, datatypes), default and term
/// languages, containers `@set`, `@list`, `@graph`, `@language` and `@index`, `@included`, and the
/// RDF forms of strings, booleans, numbers, JSON literals and lists. Not implemented (an error, never
/// a silent drop): `@reverse`, `@nest`, `@import`, `@direction`, `@id` and `@type` maps.
///
/// Expansion does not build the expanded JSON document: it produces typed nodes whose values are
/// already RDF literals, and the quad writer walks those.
public struct JSONLD: Sendable {
    public let loader: any JSONLDContextLoader

    public init(loader: any JSONLDContextLoader) {
        self.loader = loader
    }

    /// The document's RDF dataset (blank nodes labelled `b0`, `b1`, … in the order met).
    public func toRDF(_ document: JSONValue) throws(JSONLDError) -> [Quad] {
        var path = ExpansionPath()
        var items = try expand(document, context: ActiveContext(), property: nil, definition: nil, path: &path)
        // A top-level object holding only @graph stands for its contents.
        if items.count == 1, case .node(let node) = items[0], node.isGraphObject, node.id == nil { items = node.graph ?? [] }
        var writer = QuadWriter()
        for item in items { try writer.topLevel(item, graph: nil) }
        return writer.quads
    }

    // MARK: - Expansion

    /// Expands `element`, the value of `property` (whose definition in `context` is `definition`).
    private func expand(
        _ element: JSONValue, context: ActiveContext, property: String?, definition: TermDefinition?, path: inout ExpansionPath
    ) throws(JSONLDError) -> [ExpandedItem] {
        switch element {
        case .null:
            return []
        case .array(let elements):
            var result: [ExpandedItem] = []
            result.reserveCapacity(elements.count)
            for (index, element) in elements.enumerated() {
                path.enter(index)
                defer { path.leave() }
                result += try expand(element, context: context, property: property, definition: definition, path: &path)
            }
            return result
        case .bool, .number, .string:
            guard let property, property != "@graph" else {
                throw JSONLDError(.droppedTerm, "\(path.pointer): a value outside any property")
            }
            // A property-scoped context applies to the property's scalar values too (`@vocab` values name its terms).
            guard let local = definition?.context else {
                return [try expandValue(element, definition: definition, context: context, path: path)]
            }
            let scoped = try context.processing(local, loader: loader, overrideProtected: true, scope: "property:" + property)
            return [try expandValue(element, definition: definition, context: scoped, path: path)]
        case .object(let object):
            return try expandObject(object, context: context, property: property, definition: definition, path: &path)
        }
    }

    private func expandObject(
        _ object: JSONObject, context start: ActiveContext, property: String?, definition: TermDefinition?, path: inout ExpansionPath
    ) throws(JSONLDError) -> [ExpandedItem] {
        var context = start
        // A type-scoped context does not reach nested node objects.
        if let previous = context.previous?.context {
            let keys = object.keys.map { context.expandIRI($0, vocab: true) }
            let isValue = keys.contains("@value")
            let isReference = keys.count == 1 && keys.first == "@id"
            if !isValue, !isReference { context = previous }
        }
        if let scoped = definition?.context, let property {
            // The scoped context comes from `start`'s definition and applies to `context`: both name the result.
            context = try context.processing(scoped, loader: loader, overrideProtected: true, scope: "property:\(start.id):" + property)
        }
        if let local = object["@context"] {
            context = try context.processing(local, loader: loader)
        }
        let typeScoping = context
        // Each key expanded once, and again only if a type-scoped context changes the context.
        var expandedKeys = object.keys.map { context.expandIRI($0, vocab: true) }
        // Type-scoped contexts, applied for the types in lexicographic order.
        let typeKeys = zip(object.keys, expandedKeys).filter { $0.1 == "@type" }.map(\.0)
        for key in typeKeys.sorted() {
            let types = (object[key]?.arrayValue ?? [object[key] ?? .null]).compactMap(\.stringValue).sorted()
            for type in types {
                if let scoped = typeScoping.terms[type]?.context {
                    context = try context.processing(scoped, loader: loader, propagate: false, scope: "type:" + type)
                }
            }
        }
        if context.id != typeScoping.id { expandedKeys = object.keys.map { context.expandIRI($0, vocab: true) } }
        var result = ExpandedObject()
        for ((key, value), expandedKey) in zip(object, expandedKeys) where key != "@context" {
            path.enter(key)
            defer { path.leave() }
            guard let expanded = expandedKey, ActiveContext.hasColon(expanded) || ActiveContext.keywords.contains(expanded) else {
                throw JSONLDError(.droppedTerm, "\(path.pointer): \(key) is not defined by the context and is not an IRI")
            }
            // Most keys are properties: the keyword cases are only looked through for keywords.
            guard expanded.utf8.first == UInt8(ascii: "@") else {
                let values = try expandProperty(key, value: value, context: context, path: &path)
                if !values.isEmpty { result.properties.append((expanded, values)) }
                continue
            }
            switch expanded {
            case "@id":
                guard let id = value.stringValue else { throw JSONLDError(.invalidValue, "\(path.pointer): @id must be a string") }
                try result.setOnce(\.id, to: context.expandIRI(id, vocab: false, documentRelative: true) ?? id, path: path)
            case "@type":
                for (index, item) in (value.arrayValue ?? [value]).enumerated() {
                    guard let name = item.stringValue, let iri = typeScoping.expandIRI(name, vocab: true, documentRelative: true) else {
                        throw JSONLDError(.invalidValue, "\(path.pointer)/\(index): a type must be a string naming an IRI")
                    }
                    result.types.append(iri)
                }
            case "@value":
                guard value.arrayValue == nil, value.objectValue == nil else { throw JSONLDError(.invalidValue, "\(path.pointer): @value must be a scalar") }
                try result.setOnce(\.value, to: value, path: path)
            case "@language":
                guard let language = value.stringValue else { throw JSONLDError(.invalidValue, "\(path.pointer): @language must be a string") }
                try result.setOnce(\.language, to: language.lowercased(), path: path)
            case "@index":
                guard let index = value.stringValue else { throw JSONLDError(.invalidValue, "\(path.pointer): @index must be a string") }
                try result.setOnce(\.index, to: index, path: path)
            case "@graph":
                result.graph = (result.graph ?? []) + (try expand(value, context: context, property: "@graph", definition: nil, path: &path))
            case "@included":
                result.included += try expand(value, context: context, property: "@graph", definition: nil, path: &path)
            case "@set", "@list":
                let items = try expand(value, context: context, property: property, definition: property.flatMap { context.terms[$0] }, path: &path)
                try result.setOnce(expanded == "@set" ? \.set : \.list, to: items, path: path)
            default:
                guard ActiveContext.keywords.contains(expanded) else {
                    throw JSONLDError(.droppedTerm, "\(path.pointer): \(expanded) is not an absolute IRI")
                }
                throw JSONLDError(.unsupported, "\(path.pointer): \(expanded)")
            }
        }
        return try result.finished(path: path)
    }

    /// The items of property `key`'s value, as its definition's container and type make them.
    private func expandProperty(_ key: String, value: JSONValue, context: ActiveContext, path: inout ExpansionPath) throws(JSONLDError) -> [ExpandedItem] {
        let definition = context.terms[key]
        if definition?.reverse == true { throw JSONLDError(.unsupported, "\(path.pointer): @reverse") }
        let container = definition?.container ?? []
        var values: [ExpandedItem] = []
        if definition?.type == "@json" {
            values = [.literal(try Literal.json(value, path: path))]
        } else if container.contains(.language), let map = value.objectValue {
            for language in map.keys.sorted() {
                for item in map[language]!.arrayValue ?? [map[language]!] {
                    guard let text = item.stringValue else { throw JSONLDError(.invalidValue, "\(path.pointer)/\(language): a language map holds strings") }
                    values.append(.literal(.literal(text, datatype: RDFTerm.langString, language: language.lowercased())))
                }
            }
        } else if container.contains(.index), let map = value.objectValue {
            // The index names the values in JSON; RDF does not keep it.
            for index in map.keys.sorted() {
                path.enter(index)
                defer { path.leave() }
                values += try expand(map[index]!, context: context, property: key, definition: definition, path: &path)
            }
        } else if !container.isDisjoint(with: [.id, .type]) {
            throw JSONLDError(.unsupported, "\(path.pointer): @id and @type maps")
        } else {
            values = try expand(value, context: context, property: key, definition: definition, path: &path)
            // A value that expands to nothing (null, a null @value) leaves the key out; an empty array is an empty list.
            if values.isEmpty, value.arrayValue == nil { return [] }
        }
        if container.contains(.list), !values.contains(where: \.isList) {
            values = [.list(values)]
        }
        if container.contains(.graph) {
            values = values.map { item in
                if case .node(let node) = item, node.graph != nil { return item }
                return .node(ExpandedNode(graph: [item]))
            }
        }
        return values
    }

    /// Value Expansion (§5.3) of a scalar under `property`'s definition: a node reference or a literal.
    private func expandValue(_ value: JSONValue, definition: TermDefinition?, context: ActiveContext, path: ExpansionPath) throws(JSONLDError) -> ExpandedItem {
        if let text = value.stringValue {
            switch definition?.type {
            case "@id": return .node(ExpandedNode(id: context.expandIRI(text, vocab: false, documentRelative: true) ?? text))
            case "@vocab": return .node(ExpandedNode(id: context.expandIRI(text, vocab: true, documentRelative: true) ?? text))
            default: break
            }
        }
        if let type = definition?.type, type != "@id", type != "@vocab", type != "@none" {
            return .literal(try Literal.make(value, type: type, language: nil, path: path))
        }
        let language = value.stringValue == nil ? nil : definition?.language ?? context.language
        return .literal(try Literal.make(value, type: nil, language: language, path: path))
    }
}

/// What expanding a JSON value yields, with values already in their RDF form.
enum ExpandedItem {
    /// A value object, as its RDF literal.
    case literal(RDFTerm)
    /// A node object, a node reference, or a graph object.
    case node(ExpandedNode)
    /// A list object.
    case list([ExpandedItem])

    var isList: Bool {
        if case .list = self { return true }
        return false
    }
}

/// An expanded node object: its `@id`, types, properties (an IRI may repeat: RDF does not mind),
/// named graph and included nodes.
struct ExpandedNode {
    var id: String?
    var types: [String] = []
    var properties: [(iri: String, values: [ExpandedItem])] = []
    var graph: [ExpandedItem]?
    var included: [ExpandedItem] = []

    /// A graph object: only `@graph` (and perhaps `@id`), no other data.
    var isGraphObject: Bool { graph != nil && types.isEmpty && properties.isEmpty && included.isEmpty }
}

/// The entries of one JSON object while it is expanded, before it is known to be a value, list,
/// set or node object.
private struct ExpandedObject {
    var id: String?
    var types: [String] = []
    var value: JSONValue?
    var language: String?
    var index: String?
    var list: [ExpandedItem]?
    var set: [ExpandedItem]?
    var graph: [ExpandedItem]?
    var included: [ExpandedItem] = []
    var properties: [(iri: String, values: [ExpandedItem])] = []

    /// Sets a keyword's entry; two keys for one keyword (`id` and `@id`) are an error, not one dropped.
    mutating func setOnce<Value>(_ entry: WritableKeyPath<ExpandedObject, Value?>, to value: Value, path: ExpansionPath) throws(JSONLDError) {
        guard self[keyPath: entry] == nil else { throw JSONLDError(.invalidValue, "\(path.pointer): colliding keywords") }
        self[keyPath: entry] = value
    }

    /// The checks and simplifications that end the expansion of an object (§5.1.2 steps 14–19).
    func finished(path: ExpansionPath) throws(JSONLDError) -> [ExpandedItem] {
        if let value {
            guard id == nil, list == nil, set == nil, graph == nil, included.isEmpty, properties.isEmpty else {
                throw JSONLDError(.invalidValue, "\(path.pointer): a value object holds only @value, @type, @language and @index")
            }
            if value == .null { return [] }
            guard types.count <= 1 else { throw JSONLDError(.invalidValue, "\(path.pointer): a value has one @type") }
            guard types.isEmpty || language == nil else {
                throw JSONLDError(.invalidValue, "\(path.pointer): a value has a @type or a @language, not both")
            }
            if language != nil, value.stringValue == nil {
                throw JSONLDError(.invalidValue, "\(path.pointer): a language-tagged value must be a string")
            }
            return [.literal(try Literal.make(value, type: types.first, language: language, path: path))]
        }
        if let set {
            guard id == nil, types.isEmpty, list == nil, graph == nil, included.isEmpty, properties.isEmpty else {
                throw JSONLDError(.invalidValue, "\(path.pointer): a set object holds only @set and @index")
            }
            return set
        }
        if let list {
            guard id == nil, types.isEmpty, graph == nil, included.isEmpty, properties.isEmpty else {
                throw JSONLDError(.invalidValue, "\(path.pointer): a list object holds only @list and @index")
            }
            return [.list(list)]
        }
        // An object with only a language says nothing (JSON-LD drops it).
        if language != nil, id == nil, types.isEmpty, graph == nil, included.isEmpty, properties.isEmpty { return [] }
        return [.node(ExpandedNode(id: id, types: types, properties: properties, graph: graph, included: included))]
    }
}

/// Where expansion is in the document: the JSON path's components, joined only when an error names them.
struct ExpansionPath {
    private var components: [String] = []

    mutating func enter(_ key: String) { components.append(key) }
    mutating func enter(_ index: Int) { components.append(String(index)) }
    mutating func leave() { components.removeLast() }

    /// The path as `/key/0/…`; `/` for the document itself.
    var pointer: String { components.isEmpty ? "/" : components.map { "/" + $0 }.joined() }
}

/// The RDF literals of JSON values (JSON-LD 1.1 §8.6, Object to RDF).
enum Literal {
    static let rdf = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
    static let xsd = "http://www.w3.org/2001/XMLSchema#"

    /// The literal of a scalar `value` with the datatype IRI `type` or the language tag `language`.
    static func make(_ value: JSONValue, type: String?, language: String?, path: ExpansionPath) throws(JSONLDError) -> RDFTerm {
        if type == "@json" { return try json(value, path: path) }
        switch value {
        case .string(let text):
            if let language { return .literal(text, datatype: RDFTerm.langString, language: language) }
            return .literal(text, datatype: type ?? RDFTerm.xsdString, language: nil)
        case .bool(let flag):
            return .literal(flag ? "true" : "false", datatype: type ?? xsd + "boolean", language: nil)
        case .number(let number):
            let isInteger = number.rounded() == number && abs(number) < 1e21
            if isInteger, type == nil || type == xsd + "integer" {
                let digits = abs(number) < 9e15 ? String(Int64(number)) : String(format: "%.0f", number)
                return .literal(digits, datatype: xsd + "integer", language: nil)
            }
            return .literal(canonicalDouble(number), datatype: type ?? xsd + "double", language: nil)
        default:
            throw JSONLDError(.invalidValue, "\(path.pointer): @value must be a string, number or boolean")
        }
    }

    /// A JSON literal (`rdf:JSON`): the value in JCS.
    static func json(_ value: JSONValue, path: ExpansionPath) throws(JSONLDError) -> RDFTerm {
        guard let canonical = try? JCS.canonicalize(value) else { throw JSONLDError(.invalidValue, "\(path.pointer): a JSON literal that JCS cannot write") }
        return .literal(String(decoding: canonical, as: UTF8.self), datatype: rdf + "JSON", language: nil)
    }

    /// The canonical xsd:double form JSON-LD writes: `1.5E0`, `1.0E21` (C's `%1.15E` with the
    /// mantissa's trailing zeros and the exponent's sign and padding trimmed), on bytes: Foundation's
    /// formatting and `Substring` suffix tests cost more than the rest of a literal.
    static func canonicalDouble(_ number: Double) -> String {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 40) { buffer -> String in
            let written = withVaList([number]) { arguments in
                buffer.withMemoryRebound(to: CChar.self) { vsnprintf($0.baseAddress, 40, "%1.15E", arguments) }
            }
            let count = Int(min(max(written, 0), 39))
            guard let e = buffer[..<count].firstIndex(of: UInt8(ascii: "E")) else {
                return String(decoding: buffer[..<count], as: UTF8.self)  // inf, nan
            }
            var mantissaEnd = e
            while mantissaEnd > 2, buffer[mantissaEnd - 1] == UInt8(ascii: "0"), buffer[mantissaEnd - 2] != UInt8(ascii: ".") { mantissaEnd -= 1 }
            var text = String(decoding: buffer[..<mantissaEnd], as: UTF8.self) + "E"
            var digit = e + 1
            if buffer[digit] == UInt8(ascii: "-") { text += "-" }
            if buffer[digit] == UInt8(ascii: "-") || buffer[digit] == UInt8(ascii: "+") { digit += 1 }
            while digit < count - 1, buffer[digit] == UInt8(ascii: "0") { digit += 1 }
            return text + String(decoding: buffer[digit..<count], as: UTF8.self)
        }
    }
}

/// Writes the quads of expanded nodes (the node map and §7.2 folded into one walk).
private struct QuadWriter {
    var quads: [Quad] = []
    var labels: [String: String] = [:]
    var counter = 0

    mutating func fresh() -> RDFTerm {
        defer { counter += 1 }
        return .blank("b\(counter)")
    }

    mutating func term(_ id: String) throws(JSONLDError) -> RDFTerm {
        if id.hasPrefix("_:") {
            if let label = labels[id] { return .blank(label) }
            let label = fresh()
            labels[id] = label.blankLabel
            return label
        }
        guard Self.isAbsolute(id) else { throw JSONLDError(.droppedTerm, "\(id) is a relative IRI, which RDF cannot hold") }
        return .iri(id)
    }

    /// Whether `iri` starts with a scheme (`ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) ":"`).
    static func isAbsolute(_ iri: String) -> Bool {
        var first = true
        for byte in iri.utf8 {
            let letter = (byte | 0x20) >= UInt8(ascii: "a") && (byte | 0x20) <= UInt8(ascii: "z")
            if byte == UInt8(ascii: ":") { return !first }
            if first {
                guard letter else { return false }
                first = false
            } else {
                guard letter || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || byte == UInt8(ascii: "+") || byte == UInt8(ascii: "-")
                    || byte == UInt8(ascii: ".")
                else { return false }
            }
        }
        return false
    }

    /// An item of the document or of a graph: a node; a value or list there would be dropped.
    mutating func topLevel(_ item: ExpandedItem, graph: RDFTerm?) throws(JSONLDError) {
        guard case .node(let node) = item else {
            throw JSONLDError(.droppedTerm, "a value or list outside any property")
        }
        _ = try self.node(node, graph: graph)
    }

    /// Writes a node's quads into `graph`; returns its subject.
    mutating func node(_ node: ExpandedNode, graph: RDFTerm?) throws(JSONLDError) -> RDFTerm {
        let subject = try node.id.map { id throws(JSONLDError) in try term(id) } ?? fresh()
        for type in node.types {
            quads.append(Quad(subject, .iri(Literal.rdf + "type"), try term(type), graph: graph))
        }
        for (iri, values) in node.properties {
            guard Self.isAbsolute(iri) else { throw JSONLDError(.droppedTerm, "\(iri) is not an absolute IRI") }
            for item in values {
                quads.append(Quad(subject, .iri(iri), try object(item, graph: graph), graph: graph))
            }
        }
        for item in node.graph ?? [] { try topLevel(item, graph: subject) }
        for item in node.included { try topLevel(item, graph: graph) }
        return subject
    }

    /// Object to RDF (§7.3): a literal, a list's head, a graph's name, or a node's subject.
    mutating func object(_ item: ExpandedItem, graph: RDFTerm?) throws(JSONLDError) -> RDFTerm {
        switch item {
        case .literal(let literal): return literal
        case .list(let items): return try list(items, graph: graph)
        case .node(let node) where node.isGraphObject && node.id == nil:
            let name = fresh()
            for contained in node.graph ?? [] { try topLevel(contained, graph: name) }
            return name
        case .node(let node): return try self.node(node, graph: graph)
        }
    }

    mutating func list(_ items: [ExpandedItem], graph: RDFTerm?) throws(JSONLDError) -> RDFTerm {
        guard !items.isEmpty else { return .iri(Literal.rdf + "nil") }
        let heads = items.map { _ in fresh() }
        for (index, item) in items.enumerated() {
            quads.append(Quad(heads[index], .iri(Literal.rdf + "first"), try object(item, graph: graph), graph: graph))
            quads.append(Quad(heads[index], .iri(Literal.rdf + "rest"), index + 1 < heads.count ? heads[index + 1] : .iri(Literal.rdf + "nil"), graph: graph))
        }
        return heads[0]
    }
}
