import Foundation
import RDF
import Testing
import VectorSupport

/// The W3C RDF Dataset Canonicalization test suite (`../shared/vectors/rdf-canon`, read where it is):
/// every evaluation test's canonical N-Quads and, where given, its issued identifiers map, SHA-256 or
/// SHA-384 as the manifest says; the poison clique ends in `rdfc_too_complex`, not a hang.
@Suite(.enabled(if: Vectors.shouldRun, "the rdf-canon vectors are absent; fails under CI=true"))
struct RDFCanonTests {
    struct Entry: Sendable, CustomTestStringConvertible {
        let id: String
        let name: String
        let sha384: Bool
        let kind: String
        let hasMap: Bool
        var testDescription: String { "\(id) \(name)" }
    }

    /// The manifest's rows (`test,name,comment,complexity,approval,hashAlgorithm,rdfc10,rdfc10map`)
    /// whose files the folder holds (the copy here has 46 of the suite's 65).
    static let entries: [Entry] = manifest.filter { (try? Vectors.url("rdf-canon/rdfc10/\($0.id)-in.nq")) != nil }

    static let manifest: [Entry] = {
        guard let text = try? String(decoding: Vectors.data("rdf-canon/manifest.csv"), as: UTF8.self) else { return [] }
        return text.split(whereSeparator: \.isNewline).dropFirst().compactMap { line in
            let fields = csvFields(String(line))
            guard fields.count >= 8 else { return nil }
            return Entry(id: fields[0], name: fields[1], sha384: fields[5] == "SHA384", kind: fields[6], hasMap: fields[7] == "TRUE")
        }
    }()

    static func csvFields(_ line: String) -> [String] {
        var fields: [String] = []
        var current = ""
        var quoted = false
        for character in line {
            if character == "\"" {
                quoted.toggle()
            } else if character == ",", !quoted {
                fields.append(current)
                current = ""
            } else {
                current.append(character)
            }
        }
        fields.append(current)
        return fields
    }

    static func file(_ name: String) throws -> String {
        String(decoding: try Vectors.data("rdf-canon/rdfc10/\(name)"), as: UTF8.self)
    }

    @Test func theManifestIsRead() {
        #expect(Self.manifest.count == 65)
        #expect(Self.entries.count >= 46, "\(Self.entries.count) of the manifest's tests have their files")
        #expect(Self.entries.filter { $0.kind == "RDFC10NegativeEvalTest" }.count == 1)
        #expect(Self.entries.contains { $0.sha384 })
    }

    @Test(arguments: entries)
    func canonicalizes(_ entry: Entry) throws {
        let input = try Self.file("\(entry.id)-in.nq")
        let algorithm = RDFC10(hash: entry.sha384 ? .sha384 : .sha256)
        if entry.kind == "RDFC10NegativeEvalTest" {
            #expect { try algorithm.canonicalize(nquads: input) } throws: { ($0 as? RDFError)?.kind == .tooComplex }
            return
        }
        let result = try algorithm.canonicalize(try NQuads.parse(input))
        #expect(result.nquads == (try Self.file("\(entry.id)-rdfc10.nq")))
        if entry.hasMap {
            let expected = try #require(try JSONSerialization.jsonObject(with: try Vectors.data("rdf-canon/rdfc10/\(entry.id)-rdfc10map.json")) as? [String: String])
            #expect(result.canonicalLabels == expected)
        }
    }

    @Test func malformedNQuadsAreRefusedWithTheLine() {
        for text in ["<a> <b> .", "<a> \"lit\" <c> .", "<a> <b> <c>", "<a> <b> \"unclosed .", "<a b> <b> <c> .", "<a> <b> \"x\"@ .", "_: <b> <c> ."] {
            #expect(throws: RDFError.self, "\(text)") { try NQuads.parse(text) }
        }
        #expect((try? NQuads.parse("# a comment\n\n<urn:a> <urn:b> <urn:c> . # trailing\n"))?.count == 1)
    }
}
