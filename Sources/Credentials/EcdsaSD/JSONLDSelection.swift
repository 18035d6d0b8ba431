import Encoding

/// A selection of a compact JSON-LD document by JSON pointers (VC-DI-ECDSA §3.4.11–3.4.13,
/// selectJsonLd): each pointer's target whole, and on the way to it every object's `id` (unless a
/// blank node identifier) and `type`, so the selection's statements are statements of the document.
/// Arrays keep the selected elements in their order, without the gaps.
enum JSONLDSelection {
    /// The selection of `pointers` in `document`, with its `@context`; nil when there are no
    /// pointers. A pointer that is not RFC 6901 or names nothing in the document is
    /// `selective_disclosure_pointer_invalid`, `kind` ("mandatory", "selective") saying whose.
    static func select(_ pointers: [String], in document: JSONObject, kind: String) throws(CredentialError) -> JSONObject? {
        guard !pointers.isEmpty else { return nil }
        var root = Node.initial(.object(document))
        if let context = document["@context"] { root.set("@context", .leaf(context), first: true) }
        for pointer in pointers {
            guard let tokens = JSONPointer.referenceTokens(pointer) else {
                throw .dataIntegrity(.selectiveDisclosurePointerInvalid, "the \(kind) pointer '\(pointer)' is not a JSON pointer (RFC 6901)")
            }
            guard root.select(tokens[...], in: .object(document)) else {
                throw .dataIntegrity(.selectiveDisclosurePointerInvalid, "the \(kind) pointer '\(pointer)' names nothing in the document")
            }
        }
        return root.json.objectValue
    }

    /// A selection under construction: objects with their members in order, arrays as the selected
    /// elements by index.
    private indirect enum Node {
        case leaf(JSONValue)
        case object(keys: [String], members: [String: Node])
        case array([Int: Node])

        /// The initial selection of a value (createInitialSelection): an object's non-blank `id` and
        /// its `type` (either spelling); an empty array; a scalar as itself.
        static func initial(_ value: JSONValue) -> Node {
            switch value {
            case .object(let object):
                var node = Node.object(keys: [], members: [:])
                for key in ["id", "@id"] {
                    if let id = object[key], !(id.stringValue?.hasPrefix("_:") ?? false) { node.set(key, .leaf(id)) }
                }
                for key in ["type", "@type"] {
                    if let type = object[key] { node.set(key, .leaf(type)) }
                }
                return node
            case .array: return .array([:])
            default: return .leaf(value)
            }
        }

        mutating func set(_ key: String, _ node: Node, first: Bool = false) {
            guard case .object(var keys, var members) = self else { return }
            if members[key] == nil {
                if first { keys.insert(key, at: 0) } else { keys.append(key) }
            }
            members[key] = node
            self = .object(keys: keys, members: members)
        }

        /// Selects the value `tokens` name inside `source` (which this node selects from); false
        /// when there is none.
        mutating func select(_ tokens: ArraySlice<String>, in source: JSONValue) -> Bool {
            guard let token = tokens.first else {
                self = merged(with: source)
                return true
            }
            switch (self, source) {
            case (.leaf, .object), (.leaf, .array):
                // Selected whole already: what lies inside is in the selection.
                return Self.exists(tokens, in: source)
            case (.object(let keys, var members), .object(let object)):
                guard let child = object[token] else { return false }
                var node = members[token] ?? .initial(child)
                guard node.select(tokens.dropFirst(), in: child) else { return false }
                members[token] = node
                self = .object(keys: members.count > keys.count ? keys + [token] : keys, members: members)
                return true
            case (.array(var elements), .array(let items)):
                guard let index = Self.index(token), index < items.count else { return false }
                var node = elements[index] ?? .initial(items[index])
                guard node.select(tokens.dropFirst(), in: items[index]) else { return false }
                elements[index] = node
                self = .array(elements)
                return true
            default:
                return false
            }
        }

        /// The whole of `source` as selected: an object keeps the members already selected first (the
        /// spec's `{...selected, ...copy(value)}`), anything else is replaced.
        private func merged(with source: JSONValue) -> Node {
            guard case .object(let keys, _) = self, case .object(let object) = source else { return .leaf(source) }
            var order = keys.filter { object.contains($0) }
            let known = Set(order)
            order += object.keys.filter { !known.contains($0) }
            return .leaf(.object(JSONObject(uniqueMembers: order.map { ($0, object[$0]!) })))
        }

        private static func exists(_ tokens: ArraySlice<String>, in source: JSONValue) -> Bool {
            guard let token = tokens.first else { return true }
            switch source {
            case .object(let object): return object[token].map { exists(tokens.dropFirst(), in: $0) } ?? false
            case .array(let items):
                guard let index = index(token), index < items.count else { return false }
                return exists(tokens.dropFirst(), in: items[index])
            default: return false
            }
        }

        /// An array index as RFC 6901 writes it: digits without a leading zero.
        private static func index(_ token: String) -> Int? {
            guard !token.isEmpty, token.utf8.count <= 9, token.utf8.allSatisfy({ (0x30...0x39).contains($0) }),
                token == "0" || token.utf8.first != 0x30
            else { return nil }
            return Int(token)
        }

        var json: JSONValue {
            switch self {
            case .leaf(let value): value
            case .object(let keys, let members): .object(JSONObject(uniqueMembers: keys.map { ($0, members[$0]!.json) }))
            case .array(let elements): .array(elements.keys.sorted().map { elements[$0]!.json })
            }
        }
    }
}

extension JSONObject {
    /// An object from members whose keys are known to be distinct.
    init(uniqueMembers members: [(String, JSONValue)]) {
        self.init()
        for (key, value) in members { self[key] = value }
    }
}
