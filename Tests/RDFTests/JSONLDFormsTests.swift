import Encoding
import RDF
import Testing
import VectorSupport

/// The JSON-LD forms credentials rarely use (containers, value, list and set objects, empty
/// objects and arrays, named and included graphs) give the canonical N-Quads pyld gives, and what
/// JSON-LD would drop or cannot read is refused with its code.
@Suite struct JSONLDFormsTests {
    static let pyldAvailable = ReferencePython.canImport("pyld")

    /// Contexts are inline: nothing is loaded.
    struct NoContexts: JSONLDContextLoader {
        func document(_ url: String) throws(JSONLDError) -> JSONValue { throw JSONLDError(.contextUnknown, url) }
    }

    static let context: JSONValue = [
        "@vocab": "https://example.org/v#", "id": "@id", "type": "@type",
        "items": ["@container": "@list"], "tags": ["@container": "@set"], "names": ["@container": "@language"],
        "byKey": ["@container": "@index"], "claims": ["@container": "@graph"], "raw": ["@type": "@json"],
        "link": ["@type": "@id"], "kind": ["@type": "@vocab"], "when": ["@type": "http://www.w3.org/2001/XMLSchema#dateTime"],
    ]

    static func document(_ members: JSONObject) -> JSONValue {
        var document: JSONObject = ["@context": context, "id": "https://example.org/s"]
        for (key, value) in members { document[key] = value }
        return .object(document)
    }

    static let documents: [(String, JSONValue)] = [
        ("an empty object is a blank node", document(["child": [:]])),
        ("an empty array under a list container is rdf:nil", document(["items": []])),
        ("null under a list container leaves the key out", document(["items": .null, "other": 1])),
        ("a list of values and nodes", document(["items": [1, "two", ["id": "https://example.org/3"], ["name": "four"]]])),
        ("list and set objects", document(["explicit": ["@list": [true, 2.5]], "tags": ["@set": ["a", "b", "a"]]])),
        ("language and index maps", document(["names": ["en": "Cell", "DE": ["Zelle", "Akku"]], "byKey": ["k1": ["name": "x"], "k2": "plain"]])),
        ("value objects with types and languages", document(["typed": ["@value": "2025-01-01", "@type": "http://www.w3.org/2001/XMLSchema#date"], "tagged": ["@value": "Batterie", "@language": "de"], "when": "2025-07-01T10:00:00Z"])),
        ("JSON literals, IRIs and vocabulary terms", document(["raw": ["b": [1, 2], "a": "x"], "link": "https://example.org/l", "kind": "Pack"])),
        ("a graph container and a named graph", document(["claims": ["id": "https://example.org/c", "name": "inside"], "@graph": [["id": "https://example.org/g1", "name": "g"]]])),
        ("included nodes and blank node identifiers", document(["@included": [["id": "_:x", "name": "included"]], "ref": ["id": "_:x"], "type": ["A", "B"]])),
        ("numbers", document(["n": [0, -3, 51.2, 1e21, 1.0e-7, 12345678901234567]])),
        // Two literals that Swift's `==` calls equal (canonically equivalent) and RDF does not.
        ("literals equal only under Unicode normalization", document([
            "child": [["name": ["\u{e9}t\u{e9}", "e\u{301}te\u{301}"]], ["name": "\u{e9}t\u{e9}"]],
        ])),
    ]

    @Test(.enabled(if: pyldAvailable || Vectors.required, "python3 with pyld not found; fails under CI=true"))
    func formsCanonicalizeAsPyldDoes() throws {
        let script = """
            import sys, json
            from pyld import jsonld
            for line in sys.stdin:
                doc = json.loads(line)
                out = jsonld.normalize(doc, {'algorithm': 'URDNA2015', 'format': 'application/n-quads'})
                print(json.dumps(out))
            """
        let input = Self.documents.map { $0.1.serializedString() + "\n" }.joined()
        let run = try ReferencePython.run(script, input: input)
        try #require(run.status == 0, "\(run.error)")
        let expected = try run.lines.map { try JSONValue(parsing: Array($0.utf8)).stringValue ?? "" }
        try #require(expected.count == Self.documents.count)
        for ((name, document), pyld) in zip(Self.documents, expected) {
            let ours = try RDFC10().canonicalize(try JSONLD(loader: NoContexts()).toRDF(document)).nquads
            #expect(!pyld.isEmpty, "\(name)")
            #expect(ours == pyld, "\(name)")
        }
    }

    /// RDF terms are their code points: canonically equivalent strings are different terms, so a
    /// blank node's hash counts both (with Swift's `==` they collapsed, and labels then depended on
    /// the process's hash seed).
    @Test func termsDifferByCodePoints() {
        let composed = RDFTerm.string("\u{e9}t\u{e9}")
        let decomposed = RDFTerm.string("e\u{301}te\u{301}")
        #expect(composed != decomposed)
        #expect(Set([composed, decomposed, composed]).count == 2)
        #expect(RDFTerm.iri("https://example.org/\u{e9}") != RDFTerm.iri("https://example.org/e\u{301}"))
    }

    @Test func whatJSONLDWouldDropOrCannotReadIsRefused() throws {
        let processor = JSONLD(loader: NoContexts())
        let refused: [(String, JSONValue, JSONLDError.Kind)] = [
            ("two keys for @id", Self.document(["@id": "https://example.org/other"]), .invalidValue),
            ("a value object with a property", Self.document(["v": ["@value": 1, "name": "x"]]), .invalidValue),
            ("a value object with a type and a language", Self.document(["v": ["@value": "x", "@type": "https://example.org/t", "@language": "en"]]), .invalidValue),
            ("a set object with a type", Self.document(["v": ["@set": [1], "@type": "https://example.org/t"]]), .invalidValue),
            ("a free-floating value in a graph", Self.document(["@graph": [["@value": 1]]]), .droppedTerm),
            ("a relative IRI", Self.document(["link": "relative/path"]), .droppedTerm),
            ("a reverse property", .object(["@context": ["r": ["@reverse": "https://example.org/r"]], "@id": "https://example.org/s", "r": ["@id": "https://example.org/o"]]), .unsupported),
        ]
        for (name, document, kind) in refused {
            #expect(throws: JSONLDError.self, "\(name)") { try processor.toRDF(document) }
            do {
                _ = try processor.toRDF(document)
            } catch {
                #expect(error.kind == kind, "\(name): \(error)")
            }
        }
    }
}
