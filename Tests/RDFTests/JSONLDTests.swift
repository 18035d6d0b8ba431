import Crypto
import Encoding
import Foundation
import RDF
import Testing
import VectorSupport

/// The contexts of `../shared/vectors/contexts`, each checked against the SHA-256 its map pins.
struct VectorContexts: JSONLDContextLoader {
    let documents: [String: JSONValue]

    init() throws {
        let map = try JSONValue(parsing: Array(try Vectors.data("contexts/context-map.json")))
        var documents: [String: JSONValue] = [:]
        for (url, entry) in map.objectValue ?? [:] {
            guard let file = entry["file"]?.stringValue, let pinned = entry["sha256"]?.stringValue else { continue }
            let bytes = Array(try Vectors.data("contexts/\(file)"))
            guard Hex.encode(Array(SHA256.hash(data: bytes))) == pinned else { throw JSONLDError(.invalidContext, "\(file) does not match its pinned hash") }
            documents[url] = try JSONValue(parsing: bytes)
        }
        self.documents = documents
    }

    func document(_ url: String) throws(JSONLDError) -> JSONValue {
        guard let document = documents[url] else { throw JSONLDError(.contextUnknown, "no bundled context for \(url)") }
        return document
    }
}

/// JSON-LD to RDF and RDFC-1.0 against the W3C Data Integrity vectors: the canonical N-Quads of the
/// unsigned credential and of the proof configuration are the vectors' own, byte for byte; safe mode
/// refuses what JSON-LD would drop.
@Suite(.enabled(if: Vectors.shouldRun, "the vectors are absent; fails under CI=true"))
struct JSONLDTests {
    static func json(_ path: String) throws -> JSONValue { try JSONValue(parsing: Array(try Vectors.data(path))) }

    static func canonical(_ document: JSONValue) throws -> String {
        try RDFC10().canonicalize(try JSONLD(loader: try VectorContexts()).toRDF(document)).nquads
    }

    @Test func eddsaRdfc2022DocumentAndProofConfigurationCanonicalizeAsTheVectorsSay() throws {
        let unsigned = try Self.json("vc-di-eddsa/unsigned.json")
        #expect(try Self.canonical(unsigned) == String(decoding: try Vectors.data("vc-di-eddsa/eddsa-rdfc-2022/canonDocDataInt.txt"), as: UTF8.self))
        let proof = try Self.json("vc-di-eddsa/eddsa-rdfc-2022/proofConfigDataInt.json")
        #expect(try Self.canonical(proof) == String(decoding: try Vectors.data("vc-di-eddsa/eddsa-rdfc-2022/proofCanonDataInt.txt"), as: UTF8.self))
    }

    /// Numbers that are not integers become xsd:double in JSON-LD's canonical form (%1.15E, trimmed),
    /// 16 significant digits at most: the same lexical forms pyld and jsonld.js write.
    /// RDFC-1.0 sorts by code point; byte order of UTF-8 is the same order, also past the BMP where
    /// UTF-16 order (and Swift's default String order for some scalars) differs.
    @Test func codePointOrderIsUTF8ByteOrder() {
        let words = ["b", "a", "ab", "", "\u{FFFD}", "\u{1F600}", "\u{E9}", "e", "\u{10000}", "\u{FF5E}", "A"]
        let expected = words.sorted { $0.unicodeScalars.map(\.value).lexicographicallyPrecedes($1.unicodeScalars.map(\.value)) }
        #expect(words.sorted(by: NQuads.codePointOrder) == expected)
        #expect(!NQuads.codePointOrder("a", "a"))
    }

    @Test func doublesTakeTheCanonicalLexicalForm() throws {
        let context: JSONValue = ["@context": ["v": ["@id": "https://example.org/v"]], "@id": "https://example.org/s"]
        for (number, lexical) in [
            (51.2, "5.12E1"), (1.5, "1.5E0"), (1e21, "1.0E21"), (-0.001, "-1.0E-3"), (0.30000000000000004, "3.0E-1"), (1.7976931348623157e308, "1.797693134862316E308"),
        ] {
            var document = context.objectValue!
            document["v"] = .number(number)
            let quads = try JSONLD(loader: try VectorContexts()).toRDF(.object(document))
            #expect(quads.map(\.object) == [.literal(lexical, datatype: "http://www.w3.org/2001/XMLSchema#double", language: nil)], "\(number)")
        }
    }

    @Test func safeModeRefusesWhatJSONLDWouldDrop() throws {
        let processor = JSONLD(loader: try VectorContexts())
        // The credentials context has no @vocab: a term it does not define would be dropped.
        let undefined: JSONValue = [
            "@context": ["https://www.w3.org/ns/credentials/v2"], "id": "urn:uuid:1", "type": ["VerifiableCredential"],
            "issuer": "https://vc.example/issuers/1", "credentialSubject": ["id": "did:example:1", "undefinedTerm": "dropped by plain JSON-LD"],
        ]
        #expect { try processor.toRDF(undefined) } throws: {
            ($0 as? JSONLDError)?.kind == .droppedTerm && ($0 as? JSONLDError)?.message.hasPrefix("/credentialSubject/undefinedTerm") == true
        }
        var unknownContext = try Self.json("vc-di-eddsa/unsigned.json").objectValue ?? [:]
        unknownContext["@context"] = ["https://www.w3.org/ns/credentials/v2", "https://attacker.example/context"]
        #expect { try processor.toRDF(.object(unknownContext)) } throws: { ($0 as? JSONLDError)?.kind == .contextUnknown }
        // Redefining a protected term of the credentials context is refused.
        var redefined = try Self.json("vc-di-eddsa/unsigned.json").objectValue ?? [:]
        redefined["@context"] = ["https://www.w3.org/ns/credentials/v2", "https://www.w3.org/ns/credentials/examples/v2", ["id": "https://attacker.example/id"]]
        #expect { try processor.toRDF(.object(redefined)) } throws: { ($0 as? JSONLDError)?.kind == .protectedTermRedefinition }
    }
}
