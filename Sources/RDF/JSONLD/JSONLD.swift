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
public struct JSONLD: Sendable {
    public let loader: any JSONLDContextLoader

    public init(loader: any JSONLDContextLoader) {
        self.loader = loader
    }

    /// The expanded form of `document`: an array of node objects.
    public func expand(_ document: JSONValue) throws(JSONLDError) -> [JSONValue] {
        var path = ExpansionPath()
        let expanded = try expand(document, context: ActiveContext(), property: nil, definition: nil, path: &path)
        switch expanded {
        case nil: return []
        case .array(let items)?: return items
        case let item?:
            // A top-level object holding only @graph stands for its contents.
            if let object = item.objectValue, object.count == 1, let graph = object["@graph"]?.arrayValue { return graph }
            return [item]
        }
    }

    /// The document's RDF dataset (blank nodes labelled `b0`, `b1`, … in the order met).
    public func toRDF(_ document: JSONValue) throws(JSONLDError) -> [Quad] {
        var writer = QuadWriter()
        for item in try expand(document) {
            guard let object = item.objectValue else { continue }
            if object.keys.allSatisfy({ $0 == "@graph" }), let graph = object["@graph"]?.arrayValue {
                for node in graph { _ = try writer.node(node, graph: nil) }
            } else {
                _ = try writer.node(item, graph: nil)
            }
        }
        return writer.quads
    }

    // MARK: - Expansion

    /// Expands `element`, the value of `property` (whose definition in `context` is `definition`).
    private func expand(
        _ element: JSONValue, context: ActiveContext, property: String?, definition: TermDefinition?, path: inout ExpansionPath
    ) throws(JSONLDError) -> JSONValue? {
        switch element {
        case .null:
            return nil
        case .array(let items):
            var result: [JSONValue] = []
            result.reserveCapacity(items.count)
            for (index, item) in items.enumerated() {
                path.enter(index)
                defer { path.leave() }
                switch try expand(item, context: context, property: property, definition: definition, path: &path) {
                case nil: continue
                case .array(let nested)?: result += nested
                case let value?: result.append(value)
                }
            }
            return .array(result)
        case .bool, .number, .string:
            guard let property, property != "@graph" else {
                throw JSONLDError(.droppedTerm, "\(path.pointer): a value outside any property")
            }
            // A property-scoped context applies to the property's scalar values too (`@vocab` values name its terms).
            guard let local = definition?.context else {
                return expandValue(element, definition: definition, context: context)
            }
            let scoped = try context.processing(local, loader: loader, overrideProtected: true, scope: "property:" + property)
            return expandValue(element, definition: definition, context: scoped)
        case .object(let object):
            return try expandObject(object, context: context, property: property, definition: definition, path: &path)
        }
    }

    private func expandObject(
        _ object: JSONObject, context start: ActiveContext, property: String?, definition: TermDefinition?, path: inout ExpansionPath
    ) throws(JSONLDError) -> JSONValue? {
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
        var result = JSONObject()
        func append(_ key: String, _ values: [JSONValue]) {
            result[key] = .array((result[key]?.arrayValue ?? []) + values)
        }
        // In the object's own order: the result is read as a set of properties (toRdf).
        for ((key, value), expandedKey) in zip(object, expandedKeys) where key != "@context" {
            path.enter(key)
            defer { path.leave() }
            guard let expanded = expandedKey, ActiveContext.hasColon(expanded) || ActiveContext.keywords.contains(expanded) else {
                throw JSONLDError(.droppedTerm, "\(path.pointer): \(key) is not defined by the context and is not an IRI")
            }
            switch expanded {
            case "@id":
                guard let id = value.stringValue else { throw JSONLDError(.invalidValue, "\(path.pointer): @id must be a string") }
                result["@id"] = .string(context.expandIRI(id, vocab: false, documentRelative: true) ?? id)
            case "@type":
                var types: [JSONValue] = []
                for (index, item) in (value.arrayValue ?? [value]).enumerated() {
                    guard let name = item.stringValue, let iri = typeScoping.expandIRI(name, vocab: true, documentRelative: true) else {
                        throw JSONLDError(.invalidValue, "\(path.pointer)/\(index): a type must be a string naming an IRI")
                    }
                    types.append(.string(iri))
                }
                append("@type", types)
            case "@value":
                guard value.arrayValue == nil, value.objectValue == nil else { throw JSONLDError(.invalidValue, "\(path.pointer): @value must be a scalar") }
                result["@value"] = value
            case "@language":
                guard let language = value.stringValue else { throw JSONLDError(.invalidValue, "\(path.pointer): @language must be a string") }
                result["@language"] = .string(language.lowercased())
            case "@index":
                guard value.stringValue != nil else { throw JSONLDError(.invalidValue, "\(path.pointer): @index must be a string") }
                result["@index"] = value
            case "@graph", "@included", "@set":
                let items = try expand(value, context: context, property: expanded == "@set" ? property : "@graph",
                    definition: expanded == "@set" ? property.flatMap { context.terms[$0] } : nil, path: &path)
                append(expanded, items?.arrayValue ?? [])
            case "@list":
                let items = try expand(value, context: context, property: property, definition: property.flatMap { context.terms[$0] }, path: &path)
                result["@list"] = .array(items?.arrayValue ?? [])
            default:
                if ActiveContext.keywords.contains(expanded) { throw JSONLDError(.unsupported, "\(path.pointer): \(expanded)") }
                try expandProperty(key, iri: expanded, value: value, context: context, path: &path, into: &result)
            }
        }
        return try finish(result, property: property, path: path)
    }

    private func expandProperty(
        _ key: String, iri: String, value: JSONValue, context: ActiveContext, path: inout ExpansionPath, into result: inout JSONObject
    ) throws(JSONLDError) {
        let definition = context.terms[key]
        if definition?.reverse == true { throw JSONLDError(.unsupported, "\(path.pointer): @reverse") }
        let container = definition?.container ?? []
        var values: [JSONValue] = []
        if definition?.type == "@json" {
            values = [.object(["@value": value, "@type": "@json"])]
        } else if container.contains("@language"), let map = value.objectValue {
            for language in map.keys.sorted() {
                for item in map[language]!.arrayValue ?? [map[language]!] {
                    guard let text = item.stringValue else { throw JSONLDError(.invalidValue, "\(path.pointer)/\(language): a language map holds strings") }
                    values.append(.object(["@value": .string(text), "@language": .string(language.lowercased())]))
                }
            }
        } else if container.contains("@index"), let map = value.objectValue {
            for index in map.keys.sorted() {
                path.enter(index)
                defer { path.leave() }
                for var item in try expand(map[index]!, context: context, property: key, definition: definition, path: &path)?.arrayValue ?? [] {
                    if case .object(var object) = item, object["@index"] == nil {
                        object["@index"] = .string(index)
                        item = .object(object)
                    }
                    values.append(item)
                }
            }
        } else if container.contains("@id") || container.contains("@type") {
            throw JSONLDError(.unsupported, "\(path.pointer): @id and @type maps")
        } else {
            guard let expanded = try expand(value, context: context, property: key, definition: definition, path: &path) else { return }
            values = expanded.arrayValue ?? [expanded]
        }
        if container.contains("@list"), !values.contains(where: { $0["@list"] != nil }) {
            values = [.object(["@list": .array(values)])]
        }
        if container.contains("@graph") {
            values = values.map { item in
                guard let object = item.objectValue, object["@graph"] == nil else { return item }
                return .object(["@graph": .array([item])])
            }
        }
        if let existing = result[iri]?.arrayValue { values = existing + values }
        result[iri] = .array(values)
    }

    /// Value Expansion (§5.3) of a scalar under `property`'s definition.
    private func expandValue(_ value: JSONValue, definition: TermDefinition?, context: ActiveContext) -> JSONValue {
        if let text = value.stringValue {
            switch definition?.type {
            case "@id": return .object(["@id": .string(context.expandIRI(text, vocab: false, documentRelative: true) ?? text)])
            case "@vocab": return .object(["@id": .string(context.expandIRI(text, vocab: true, documentRelative: true) ?? text)])
            default: break
            }
        }
        var result: JSONObject = ["@value": value]
        if let type = definition?.type, type != "@id", type != "@vocab", type != "@none" {
            result["@type"] = .string(type)
        } else if value.stringValue != nil {
            let language = definition?.language ?? context.language
            if let language { result["@language"] = .string(language) }
        }
        return .object(result)
    }

    /// The checks and simplifications that end the expansion of an object.
    private func finish(_ result: JSONObject, property: String?, path: ExpansionPath) throws(JSONLDError) -> JSONValue? {
        if let value = result["@value"] {
            if value == .null { return nil }
            if result["@language"] != nil, value.stringValue == nil { throw JSONLDError(.invalidValue, "\(path.pointer): a language-tagged value must be a string") }
            if let type = result["@type"]?.arrayValue {
                guard type.count == 1 else { throw JSONLDError(.invalidValue, "\(path.pointer): a value has one @type") }
                var simplified = result
                simplified["@type"] = type[0]
                return .object(simplified)
            }
            return .object(result)
        }
        if let set = result["@set"] { return set }
        if result.keys.allSatisfy({ $0 == "@language" }) { return nil }
        return .object(result)
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

/// Writes the quads of expanded node objects (the node map and §7.2 folded into one walk).
private struct QuadWriter {
    var quads: [Quad] = []
    var labels: [String: String] = [:]
    var counter = 0

    static let rdf = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
    static let xsd = "http://www.w3.org/2001/XMLSchema#"

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

    /// Writes a node object's quads into `graph`; returns its subject.
    mutating func node(_ value: JSONValue, graph: RDFTerm?) throws(JSONLDError) -> RDFTerm {
        guard let object = value.objectValue else { throw JSONLDError(.invalidValue, "a node is an object") }
        let subject = try object["@id"]?.stringValue.map { id throws(JSONLDError) in try term(id) } ?? fresh()
        for type in object["@type"]?.arrayValue ?? [] {
            guard let name = type.stringValue else { continue }
            quads.append(Quad(subject, .iri(Self.rdf + "type"), try term(name), graph: graph))
        }
        // In the object's own order: a dataset is a set, and RDFC labels do not depend on the order.
        for (key, values) in object where !key.hasPrefix("@") {
            guard Self.isAbsolute(key) else { throw JSONLDError(.droppedTerm, "\(key) is not an absolute IRI") }
            for item in values.arrayValue ?? [] {
                if let target = try self.object(item, graph: graph) { quads.append(Quad(subject, .iri(key), target, graph: graph)) }
            }
        }
        if let contents = object["@graph"]?.arrayValue {
            for item in contents { _ = try node(item, graph: subject) }
        }
        for item in object["@included"]?.arrayValue ?? [] { _ = try node(item, graph: graph) }
        return subject
    }

    /// Object to RDF (§7.3): a literal, a list's head, a graph's name, or a node's subject.
    mutating func object(_ item: JSONValue, graph: RDFTerm?) throws(JSONLDError) -> RDFTerm? {
        guard let object = item.objectValue else { return nil }
        if let value = object["@value"] { return try literal(value, type: object["@type"]?.stringValue, language: object["@language"]?.stringValue) }
        if let list = object["@list"]?.arrayValue { return try self.list(list, graph: graph) }
        if object["@graph"] != nil, object["@id"] == nil {
            let name = fresh()
            for contained in object["@graph"]?.arrayValue ?? [] { _ = try node(contained, graph: name) }
            return name
        }
        return try node(item, graph: graph)
    }

    mutating func list(_ items: [JSONValue], graph: RDFTerm?) throws(JSONLDError) -> RDFTerm {
        guard !items.isEmpty else { return .iri(Self.rdf + "nil") }
        let heads = items.map { _ in fresh() }
        for (index, item) in items.enumerated() {
            if let value = try object(item, graph: graph) { quads.append(Quad(heads[index], .iri(Self.rdf + "first"), value, graph: graph)) }
            quads.append(Quad(heads[index], .iri(Self.rdf + "rest"), index + 1 < heads.count ? heads[index + 1] : .iri(Self.rdf + "nil"), graph: graph))
        }
        return heads[0]
    }

    func literal(_ value: JSONValue, type: String?, language: String?) throws(JSONLDError) -> RDFTerm {
        if type == "@json" {
            guard let canonical = try? JCS.canonicalize(value) else { throw JSONLDError(.invalidValue, "a JSON literal that JCS cannot write") }
            return .literal(String(decoding: canonical, as: UTF8.self), datatype: Self.rdf + "JSON", language: nil)
        }
        switch value {
        case .string(let text):
            if let language { return .literal(text, datatype: RDFTerm.langString, language: language) }
            return .literal(text, datatype: type ?? RDFTerm.xsdString, language: nil)
        case .bool(let flag):
            return .literal(flag ? "true" : "false", datatype: type ?? Self.xsd + "boolean", language: nil)
        case .number(let number):
            let isInteger = number.rounded() == number && abs(number) < 1e21
            if isInteger, type == nil || type == Self.xsd + "integer" {
                let digits = abs(number) < 9e15 ? String(Int64(number)) : String(format: "%.0f", number)
                return .literal(digits, datatype: Self.xsd + "integer", language: nil)
            }
            return .literal(Self.canonicalDouble(number), datatype: type ?? Self.xsd + "double", language: nil)
        default:
            throw JSONLDError(.invalidValue, "@value must be a string, number or boolean")
        }
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
