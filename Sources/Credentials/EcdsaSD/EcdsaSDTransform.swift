import Crypto
import Encoding
import Foundation
import RDF

/// The document side of ecdsa-sd-2023 (VC-DI-ECDSA §3.4, canonicalizeAndGroup): the canonical
/// N-Quads with HMAC-derived blank node labels, and which of them the statements a group of JSON
/// pointers selects are.
///
/// Selections are separate JSON-LD documents, so their blank nodes must be recognized as the
/// document's: every node object without an `@id` is first given a skolem `@id` (an IRI no document
/// holds), which the selections copy; in the RDF the skolem IRIs become blank nodes again. A document
/// with blank nodes that have no JSON object of their own (`@list` items, graph containers, `_:`
/// identifiers) is refused with PROOF_GENERATION_ERROR: their statements could not be told apart.
struct EcdsaSDTransform {
    /// The document's canonical N-Quads, one line each, blank nodes labelled `u` + base64url(HMAC(c14nN)).
    let lines: [String]
    /// Each blank node (by its skolem label) → its HMAC label.
    let labelMap: [String: String]
    /// The skolemized compact document, what the groups select from.
    private let skolemized: JSONObject
    private let prefix: String
    private let lineIndexes: [[UInt8]: Int]

    /// A group of statements: the positions in `lines` of those its pointers select (ascending), and
    /// the selection's quads with the skolem labels.
    struct Group {
        let matching: [Int]
        let quads: [Quad]
    }

    /// Canonicalizes `document` (unsecured) with HMAC-SHA-256 under `hmacKey` as the label map
    /// (createHmacIdLabelMapFunction, labelReplacementCanonicalizeNQuads).
    init(_ document: JSONObject, hmacKey: [UInt8]) throws(CredentialError) {
        prefix = "urn:bnid:\(UUID().uuidString.lowercased()):"
        let named = try Self.skolemize(document, prefix: prefix)
        skolemized = named.document
        let quads = named.quads
        let canonical: RDFC10.Result
        do {
            canonical = try RDFC10().canonicalize(quads)
        } catch {
            throw .dataIntegrity(.proofGenerationError, "the document cannot be canonicalized: \(error)")
        }
        let key = SymmetricKey(data: hmacKey)
        var hmacLabels: [String: String] = [:]
        for label in Set(canonical.canonicalLabels.values) {
            hmacLabels[label] = "u" + Base64URL.encode(Array(HMAC<SHA256>.authenticationCode(for: Array(label.utf8), using: key)))
        }
        labelMap = canonical.canonicalLabels.mapValues { hmacLabels[$0]! }
        lines = canonical.lines { hmacLabels[$0] ?? $0 }
        var indexes: [[UInt8]: Int] = [:]
        for (index, line) in lines.enumerated() { indexes[Array(line.utf8)] = index }
        lineIndexes = indexes
    }

    /// The statements `pointers` select (selectCanonicalNQuads, then matching against `lines`).
    /// A pointer that names nothing, or part of a value that is signed whole (inside a JSON
    /// literal), is `selective_disclosure_pointer_invalid`.
    func group(_ pointers: [String], kind: String) throws(CredentialError) -> Group {
        guard let selection = try JSONLDSelection.select(pointers, in: skolemized, kind: kind) else {
            return Group(matching: [], quads: [])
        }
        let quads = Self.deskolemized(try Self.dataset(.object(selection), "the \(kind) selection"), prefix: prefix)
        var matching = Set<Int>()
        for quad in quads {
            var unlabelled: String?
            let relabelled = Quad(
                relabel(quad.subject, &unlabelled), quad.predicate, relabel(quad.object, &unlabelled),
                graph: quad.graph.map { relabel($0, &unlabelled) })
            guard unlabelled == nil, let index = lineIndexes[Array(NQuads.line(relabelled).utf8)] else {
                throw .dataIntegrity(
                    .selectiveDisclosurePointerInvalid,
                    "the \(kind) pointers select part of a value that is signed as a whole (\(pointers.joined(separator: ", ")))")
            }
            matching.insert(index)
        }
        return Group(matching: matching.sorted(), quads: quads)
    }

    private func relabel(_ term: RDFTerm, _ unlabelled: inout String?) -> RDFTerm {
        guard case .blank(let label) = term else { return term }
        guard let hmacLabel = labelMap[label] else {
            unlabelled = label
            return term
        }
        return .blank(hmacLabel)
    }

    // MARK: - Skolemization

    /// The document with `@id` = `prefix` + N on each object that can be a node object without an
    /// id: first on every candidate, then (if some were not node objects after all, e.g. inside a
    /// JSON literal) only on those whose IRI the RDF holds. The RDF must then be the document's,
    /// statement for statement, with no blank node left. Returns the document so named and its
    /// deskolemized quads.
    static func skolemize(_ document: JSONObject, prefix: String) throws(CredentialError) -> (document: JSONObject, quads: [Quad]) {
        let original = try dataset(.object(document), "the document")
        var counter = 0
        var candidate = named(.object(document), prefix: prefix, keep: nil, counter: &counter)
        var quads = try dataset(candidate, "the document")
        var found = Set<Int>()
        for quad in quads {
            for term in [quad.subject, quad.object, quad.graph] {
                if case .iri(let iri)? = term, iri.hasPrefix(prefix), let number = Int(iri.dropFirst(prefix.count)) { found.insert(number) }
            }
        }
        if found.count < counter {
            counter = 0
            candidate = named(.object(document), prefix: prefix, keep: found, counter: &counter)
            quads = try dataset(candidate, "the document")
        }
        guard !quads.contains(where: { $0.subject.blankLabel != nil || $0.object.blankLabel != nil || $0.graph?.blankLabel != nil }) else {
            throw .dataIntegrity(
                .proofGenerationError,
                "ecdsa-sd-2023 cannot sign blank nodes that have no JSON object of their own (@list items, graph containers, '_:' identifiers)")
        }
        let unnamed = deskolemized(quads, prefix: prefix)
        guard isomorphic(original, unnamed), let object = candidate.objectValue else {
            throw .dataIntegrity(.proofGenerationError, "naming the document's blank nodes changed its RDF; it cannot be selectively disclosed")
        }
        return (object, unnamed)
    }

    /// `value` with `@id`s added, numbering the candidates in document order; with `keep`, only those.
    private static func named(_ value: JSONValue, prefix: String, keep: Set<Int>?, counter: inout Int) -> JSONValue {
        switch value {
        case .array(let items):
            return .array(items.map { named($0, prefix: prefix, keep: keep, counter: &counter) })
        case .object(let object):
            var copy = JSONObject()
            for (key, member) in object {
                copy[key] = key == "@context" ? member : named(member, prefix: prefix, keep: keep, counter: &counter)
            }
            let keys = object.keys.filter { $0 != "@context" }
            let isCandidate =
                !object.contains("id") && !object.contains("@id") && !keys.contains(where: { ["@value", "@list", "@set"].contains($0) })
                && keys != ["@graph"]
            if isCandidate {
                if keep?.contains(counter) ?? true { copy["@id"] = .string(prefix + String(counter)) }
                counter += 1
            }
            return .object(copy)
        default:
            return value
        }
    }

    /// The quads with each skolem IRI a blank node again (toDeskolemizedNQuads); the labels are the
    /// skolem numbers, the same in the document and in every selection.
    static func deskolemized(_ quads: [Quad], prefix: String) -> [Quad] {
        func term(_ term: RDFTerm) -> RDFTerm {
            guard case .iri(let iri) = term, iri.hasPrefix(prefix) else { return term }
            return .blank("s" + iri.dropFirst(prefix.count))
        }
        return quads.map { Quad(term($0.subject), $0.predicate, term($0.object), graph: $0.graph.map(term)) }
    }

    /// The RDF dataset of a JSON-LD document with the bundled contexts; PROOF_GENERATION_ERROR if it has none.
    static func dataset(_ document: JSONValue, _ what: String) throws(CredentialError) -> [Quad] {
        do {
            return try JSONLD(loader: DataIntegrity.contexts).toRDF(document)
        } catch {
            throw .dataIntegrity(.proofGenerationError, "\(what) is not JSON-LD the bundled contexts define: \(error)")
        }
    }

    /// Whether two datasets written in the same order are the same up to blank node labels.
    private static func isomorphic(_ a: [Quad], _ b: [Quad]) -> Bool {
        guard a.count == b.count else { return false }
        var forward: [String: String] = [:]
        var backward: [String: String] = [:]
        func same(_ x: RDFTerm?, _ y: RDFTerm?) -> Bool {
            guard case .blank(let left)? = x, case .blank(let right)? = y else { return x == y }
            if let known = forward[left] { return known == right }
            guard backward[right] == nil else { return false }
            forward[left] = right
            backward[right] = left
            return true
        }
        return zip(a, b).allSatisfy { same($0.subject, $1.subject) && $0.predicate == $1.predicate && same($0.object, $1.object) && same($0.graph, $1.graph) }
    }
}
