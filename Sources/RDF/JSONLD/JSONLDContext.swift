import Encoding
import Foundation

/// Where remote `@context` documents come from: only ones bundled and pinned by hash, never the network.
public protocol JSONLDContextLoader: Sendable {
    /// The context document published at `url` (an object with `@context`); `jsonld_context_unknown` otherwise.
    func document(_ url: String) throws(JSONLDError) -> JSONValue
    /// Names the set of documents this loader serves, so processed contexts can be reused across
    /// documents; nil (the default) turns the reuse off.
    var cacheIdentity: String? { get }
}

extension JSONLDContextLoader {
    public var cacheIdentity: String? { nil }
}

/// A JSON-LD processing failure, with a stable code and the JSON path where it happened.
public struct JSONLDError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Kind: String, Sendable {
        /// A context URL no bundled context answers (nothing is fetched).
        case contextUnknown = "jsonld_context_unknown"
        /// A context that is not a valid JSON-LD 1.1 context.
        case invalidContext = "jsonld_invalid_context"
        /// A protected term redefined differently.
        case protectedTermRedefinition = "jsonld_protected_term_redefinition"
        /// Safe mode: a property, type or value that JSON-LD would silently drop.
        case droppedTerm = "jsonld_dropped_term"
        /// A value the algorithm cannot take (an invalid @value, @id, @type, language).
        case invalidValue = "jsonld_invalid_value"
        /// A JSON-LD feature this processor does not implement (named in the message).
        case unsupported = "jsonld_unsupported"
    }

    public let kind: Kind
    public let message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var code: String { kind.rawValue }
    public var description: String { "\(code): \(message)" }
}

/// One term of an active context (JSON-LD 1.1 §4.1): its IRI (nil for a term mapped to null), how
/// its values are typed and contained, its scoped context, and whether it is protected. A class:
/// expansion looks terms up for every key, and a lookup then copies one reference. Not changed
/// once it is in an active context.
final class TermDefinition {
    var iri: String?
    var type: String?
    var container: Containers = []
    /// `.some(nil)` when the term resets the language to none.
    var language: String??
    var context: JSONValue?
    var protected = false
    var prefix = false
    var reverse = false

    /// The container keywords of a definition, as a set of flags.
    struct Containers: OptionSet {
        let rawValue: UInt8
        static let list = Containers(rawValue: 1 << 0)
        static let set = Containers(rawValue: 1 << 1)
        static let graph = Containers(rawValue: 1 << 2)
        static let language = Containers(rawValue: 1 << 3)
        static let index = Containers(rawValue: 1 << 4)
        static let id = Containers(rawValue: 1 << 5)
        static let type = Containers(rawValue: 1 << 6)

        /// The flag of a container keyword (`@list`, …); nil for anything else.
        init?(keyword: String) {
            switch keyword {
            case "@list": self = .list
            case "@set": self = .set
            case "@graph": self = .graph
            case "@language": self = .language
            case "@index": self = .index
            case "@id": self = .id
            case "@type": self = .type
            default: return nil
            }
        }

        init(rawValue: UInt8) { self.rawValue = rawValue }
    }

    /// Equal but for protection (redefining a protected term identically is allowed).
    func sameDefinition(as other: TermDefinition) -> Bool {
        iri == other.iri && type == other.type && container == other.container && language == other.language && context == other.context
            && prefix == other.prefix && reverse == other.reverse
    }
}

/// The active context while a document is expanded.
struct ActiveContext {
    /// Identifies this context among those processing produced (0: the initial context), so a
    /// processing result can be cached by what it started from.
    var id = 0
    var terms: [String: TermDefinition] = [:]
    var vocab: String?
    var base: String?
    var language: String?
    /// The context before a non-propagated (type-scoped) context, restored for nested node objects.
    var previous: Box?

    final class Box {
        let context: ActiveContext
        init(_ context: ActiveContext) { self.context = context }
    }

    static let keywords: Set<String> = [
        "@base", "@container", "@context", "@direction", "@graph", "@id", "@import", "@included", "@index", "@json", "@language",
        "@list", "@nest", "@none", "@prefix", "@propagate", "@protected", "@reverse", "@set", "@type", "@value", "@version", "@vocab",
    ]

    static func hasColon(_ value: String) -> Bool { value.utf8.contains(UInt8(ascii: ":")) }

    static func looksLikeKeyword(_ value: String) -> Bool {
        value.count > 1 && value.first == "@" && value.dropFirst().allSatisfy { $0.isASCII && $0.isLetter }
    }

    /// Context processing (§4.1.2) of `local`, loading remote contexts through `loader`. Results are
    /// remembered (by the context they started from and the local context), since documents of one
    /// kind process the same contexts again and again.
    /// `scope` names a term's scoped context (`property:name`, `type:name`): it is determined by this
    /// context and the name, so the name stands for the local context in the cache key.
    func processing(
        _ local: JSONValue, loader: any JSONLDContextLoader, overrideProtected: Bool = false, propagate: Bool = true, depth: Int = 0,
        scope: String? = nil
    ) throws(JSONLDError) -> ActiveContext {
        let key = ProcessedContexts.Key(
            parent: id, local: scope.map { .string("\u{0}" + $0) } ?? local, overrideProtected: overrideProtected, propagate: propagate)
        if depth == 0, let known = ProcessedContexts.shared.lookup(key, loader: loader) { return known }
        var result = try processingAnew(local, loader: loader, overrideProtected: overrideProtected, propagate: propagate, depth: depth)
        result.id = ProcessedContexts.shared.nextID()
        if depth == 0 { ProcessedContexts.shared.remember(result, for: key, loader: loader) }
        return result
    }

    private func processingAnew(
        _ local: JSONValue, loader: any JSONLDContextLoader, overrideProtected: Bool, propagate: Bool, depth: Int
    ) throws(JSONLDError) -> ActiveContext {
        guard depth < 16 else { throw JSONLDError(.invalidContext, "contexts nested more than 16 deep (a cycle?)") }
        var result = self
        var propagate = propagate
        if let flag = local["@propagate"]?.boolValue { propagate = flag }
        if !propagate, result.previous == nil { result.previous = Box(self) }
        let contexts: [JSONValue] = local.arrayValue ?? [local]
        for context in contexts {
            switch context {
            case .null:
                if !overrideProtected, result.terms.values.contains(where: \.protected) {
                    throw JSONLDError(.invalidContext, "a null context would clear protected terms")
                }
                result = ActiveContext(id: -1, base: base)
            case .string(let url):
                let document = try loader.document(url)
                guard let remote = document["@context"] else { throw JSONLDError(.invalidContext, "\(url) holds no @context") }
                result = try result.processing(remote, loader: loader, overrideProtected: overrideProtected, propagate: true, depth: depth + 1)
                if !propagate, result.previous == nil { result.previous = Box(self) }
            case .object(let object) where object["@context"] != nil:
                // A context wrapped in its own `@context` entry (as remote documents are) is read as that context.
                result = try result.processing(object["@context"]!, loader: loader, overrideProtected: overrideProtected, propagate: propagate, depth: depth + 1)
            case .object(let object):
                if let version = object["@version"], version != .number(1.1) {
                    throw JSONLDError(.invalidContext, "@version must be 1.1")
                }
                if object["@import"] != nil { throw JSONLDError(.unsupported, "@import in a context") }
                if let base = object["@base"] {
                    guard base == .null || base.stringValue != nil else { throw JSONLDError(.invalidContext, "@base must be a string or null") }
                    result.base = base.stringValue
                }
                if let vocab = object["@vocab"] {
                    switch vocab {
                    case .null: result.vocab = nil
                    case .string(let value):
                        result.vocab = result.expandIRI(value, vocab: true, documentRelative: true)
                    default: throw JSONLDError(.invalidContext, "@vocab must be a string or null")
                    }
                }
                if let language = object["@language"] {
                    guard language == .null || language.stringValue != nil else { throw JSONLDError(.invalidContext, "@language must be a string or null") }
                    result.language = language.stringValue?.lowercased()
                }
                let protected = object["@protected"]?.boolValue ?? false
                var defined: [String: Bool] = [:]
                for key in object.keys where !["@base", "@direction", "@import", "@language", "@propagate", "@protected", "@version", "@vocab"].contains(key) {
                    try result.define(key, in: object, defined: &defined, protected: protected, overrideProtected: overrideProtected)
                }
            default:
                throw JSONLDError(.invalidContext, "a context is an object, a URL string, null or an array of them")
            }
        }
        return result
    }

    /// Create Term Definition (§4.2).
    mutating func define(
        _ term: String, in local: JSONObject, defined: inout [String: Bool], protected defaultProtected: Bool, overrideProtected: Bool
    ) throws(JSONLDError) {
        if defined[term] == true { return }
        guard defined[term] == nil else { throw JSONLDError(.invalidContext, "the term \(term) is defined by a cycle") }
        defined[term] = false
        guard let value = local[term] else { return }
        if Self.keywords.contains(term) {
            // Only `@type` may be "redefined", to make it a protected set.
            guard term == "@type", let object = value.objectValue, Set(object.keys).isSubset(of: ["@container", "@protected"]) else {
                throw JSONLDError(.invalidContext, "the keyword \(term) cannot be redefined")
            }
            defined[term] = true
            return
        }
        let previous = terms[term]
        terms[term] = nil
        var map: JSONObject
        switch value {
        case .null: map = ["@id": .null]
        case .string(let id): map = ["@id": .string(id)]
        case .object(let object): map = object
        default: throw JSONLDError(.invalidContext, "the definition of \(term) is not a string, object or null")
        }
        var definition = TermDefinition()
        definition.protected = map["@protected"]?.boolValue ?? defaultProtected
        if let type = map["@type"] {
            guard let name = type.stringValue else { throw JSONLDError(.invalidContext, "the @type of \(term) is not a string") }
            if ["@id", "@vocab", "@json", "@none"].contains(name) {
                definition.type = name
            } else {
                guard let iri = try expandIRI(name, vocab: true, local: local, defined: &defined), iri.contains(":") else {
                    throw JSONLDError(.invalidContext, "the @type of \(term) is not an IRI")
                }
                definition.type = iri
            }
        }
        if let reverse = map["@reverse"] {
            guard let name = reverse.stringValue, let iri = try expandIRI(name, vocab: true, local: local, defined: &defined), iri.contains(":") else {
                throw JSONLDError(.invalidContext, "the @reverse of \(term) is not an IRI")
            }
            definition.iri = iri
            definition.reverse = true
        } else if let id = map["@id"], id.stringValue != term {
            switch id {
            case .null: definition.iri = nil
            case .string(let name):
                guard let iri = try expandIRI(name, vocab: true, local: local, defined: &defined),
                    Self.keywords.contains(iri) || iri.contains(":")
                else { throw JSONLDError(.invalidContext, "the @id of \(term) is not an IRI, blank node or keyword") }
                guard iri != "@context" else { throw JSONLDError(.invalidContext, "\(term) cannot alias @context") }
                definition.iri = iri
                if !term.contains(":"), !term.contains("/"), let last = iri.last, ":/?#[]@".contains(last) || iri.hasPrefix("_:") {
                    definition.prefix = true
                }
            default: throw JSONLDError(.invalidContext, "the @id of \(term) is not a string or null")
            }
        } else if let colon = term.firstIndex(of: ":"), term.index(after: colon) < term.endIndex {
            let prefix = String(term[..<colon])
            let suffix = String(term[term.index(after: colon)...])
            if local[prefix] != nil { try define(prefix, in: local, defined: &defined, protected: defaultProtected, overrideProtected: overrideProtected) }
            if let prefixIRI = terms[prefix]?.iri, !suffix.hasPrefix("//") {
                definition.iri = prefixIRI + suffix
            } else {
                definition.iri = term
            }
        } else if term.contains("/") {
            guard let iri = try expandIRI(term, vocab: true, local: local, defined: &defined), iri.contains(":") else {
                throw JSONLDError(.invalidContext, "the term \(term) does not expand to an IRI")
            }
            definition.iri = iri
        } else if term == "@type" {
            definition.iri = "@type"
        } else if let vocab {
            definition.iri = vocab + term
        } else {
            throw JSONLDError(.invalidContext, "the term \(term) has no @id and there is no @vocab")
        }
        if let container = map["@container"] {
            let names = container.arrayValue ?? [container]
            let flags = names.map { $0.stringValue.flatMap(TermDefinition.Containers.init(keyword:)) }
            guard !flags.isEmpty, flags.allSatisfy({ $0 != nil }) else {
                throw JSONLDError(.invalidContext, "the @container of \(term) is not one JSON-LD knows")
            }
            definition.container = TermDefinition.Containers(flags.compactMap { $0 })
        }
        if let scoped = map["@context"] { definition.context = scoped }
        if let language = map["@language"] {
            guard language == .null || language.stringValue != nil else { throw JSONLDError(.invalidContext, "the @language of \(term) is not a string") }
            definition.language = .some(language.stringValue?.lowercased())
        }
        if map["@nest"] != nil { throw JSONLDError(.unsupported, "@nest in the definition of \(term)") }
        if let prefix = map["@prefix"]?.boolValue { definition.prefix = prefix }
        if let previous, previous.protected, !overrideProtected {
            guard previous.sameDefinition(as: definition) else {
                throw JSONLDError(.protectedTermRedefinition, "the protected term \(term) is redefined")
            }
            definition = previous
        }
        terms[term] = definition
        defined[term] = true
    }

    /// IRI Expansion (§5.2) while a context is being processed: terms of `local` not yet defined are defined first.
    mutating func expandIRI(
        _ value: String, vocab: Bool, documentRelative: Bool = false, local: JSONObject, defined: inout [String: Bool]
    ) throws(JSONLDError) -> String? {
        if Self.keywords.contains(value) { return value }
        if Self.looksLikeKeyword(value) { return nil }
        if local[value] != nil, defined[value] != true {
            try define(value, in: local, defined: &defined, protected: local["@protected"]?.boolValue ?? false, overrideProtected: false)
        }
        if let colon = value.firstIndex(of: ":"), value.index(after: colon) <= value.endIndex {
            let prefix = String(value[..<colon])
            if local[prefix] != nil, defined[prefix] != true {
                try define(prefix, in: local, defined: &defined, protected: local["@protected"]?.boolValue ?? false, overrideProtected: false)
            }
        }
        return expandIRI(value, vocab: vocab, documentRelative: documentRelative)
    }

    /// IRI Expansion (§5.2) against the finished context.
    func expandIRI(_ value: String, vocab: Bool, documentRelative: Bool = false) -> String? {
        if value.utf8.first == UInt8(ascii: "@") {
            if Self.keywords.contains(value) { return value }
            if Self.looksLikeKeyword(value) { return nil }
        }
        if vocab, let definition = terms[value] { return definition.iri }
        if let colon = value.utf8.firstIndex(of: UInt8(ascii: ":")) {
            let prefix = String(value[..<colon])
            let suffix = value[value.utf8.index(after: colon)...]
            if prefix == "_" || suffix.hasPrefix("//") { return value }
            if let definition = terms[prefix], let iri = definition.iri, definition.prefix { return iri + suffix }
            return value
        }
        if vocab, let vocabulary = self.vocab { return vocabulary + value }
        if documentRelative, let base { return Self.resolve(value, against: base) }
        return value
    }

    /// A relative reference resolved against `base` (enough of RFC 3986 for fragments, queries and paths).
    static func resolve(_ reference: String, against base: String) -> String {
        if reference.isEmpty { return base }
        if reference.hasPrefix("#") { return String(base.split(separator: "#", maxSplits: 1)[0]) + reference }
        guard let schemeEnd = base.range(of: "://") else { return base + reference }
        let afterAuthority = base[schemeEnd.upperBound...].firstIndex(of: "/") ?? base.endIndex
        let origin = String(base[..<afterAuthority])
        if reference.hasPrefix("/") { return origin + reference }
        let path = String(base[afterAuthority...].split(separator: "?", maxSplits: 1).first ?? "")
        let directory = path.lastIndex(of: "/").map { String(path[...$0]) } ?? "/"
        return origin + directory + reference
    }
}

/// Processed contexts by what they were processed from, shared by every processor whose loader is the
/// same kind of loader with the same documents (a loader identifies itself by `cacheIdentity`).
final class ProcessedContexts: @unchecked Sendable {
    static let shared = ProcessedContexts()

    struct Key: Hashable {
        var parent: Int
        var local: JSONValue
        var overrideProtected: Bool
        var propagate: Bool
    }

    private let lock = NSLock()
    private var entries: [String: [Key: ActiveContext]] = [:]
    private var counter = 0
    /// Beyond this many results per loader the cache starts over (documents with ever new inline contexts).
    private static let capacity = 4_096

    func nextID() -> Int {
        lock.withLock {
            counter += 1
            return counter
        }
    }

    func lookup(_ key: Key, loader: any JSONLDContextLoader) -> ActiveContext? {
        guard let identity = loader.cacheIdentity else { return nil }
        return lock.withLock { entries[identity]?[key] }
    }

    func remember(_ context: ActiveContext, for key: Key, loader: any JSONLDContextLoader) {
        guard let identity = loader.cacheIdentity else { return }
        lock.withLock {
            if entries[identity, default: [:]].count >= Self.capacity { entries[identity] = [:] }
            entries[identity, default: [:]][key] = context
        }
    }
}
