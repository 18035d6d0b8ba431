import Encoding
import Foundation
import Testing
import Trie
import VectorSupport

/// Reading the MPF vector files (in place, from `../shared/vectors/mpf/`).
enum MPFVectors {
    static func load(_ name: String) throws -> JSONValue {
        try JSONValue(parsing: [UInt8](Vectors.data("mpf/\(name)")))
    }
}

extension JSONValue {
    /// The bytes of a hex string field.
    func hexBytes(_ key: String) throws -> [UInt8] {
        try #require(self[key]?.stringValue.flatMap { Vectors.bytes(hex: $0) }, "field \(key) is not hex")
    }

    /// A 32-byte hash field.
    func hash(_ key: String) throws -> Hash32 {
        try #require(self[key]?.stringValue.flatMap { Hash32(hex: $0) }, "field \(key) is not a 32-byte hash")
    }

    /// The elements of an array field.
    func list(_ key: String) throws -> [JSONValue] {
        try #require(self[key]?.arrayValue, "field \(key) is not an array")
    }
}

/// Checks one vector proof both ways: JSON and CBOR decode to the same steps, and both encodings
/// are reproduced exactly. Returns the proof.
func checkedProof(json: JSONValue?, cbor: JSONValue?) throws -> Proof {
    let json = try #require(json)
    let cborBytes = try #require(cbor?.stringValue.flatMap { Vectors.bytes(hex: $0) })
    let fromJSON = try Proof(json: json)
    let fromCBOR = try Proof(cbor: cborBytes)
    #expect(fromJSON == fromCBOR)
    #expect(Vectors.hex(fromJSON.cbor()) == Vectors.hex(cborBytes))
    #expect(fromJSON.toJSON() == json)
    return fromJSON
}

/// A trie holding `items` (key, value), built in one batch.
func trie(_ items: [([UInt8], [UInt8])], store: (any NodeStore)? = nil) async throws -> MerkleTrie {
    let trie = try await MerkleTrie(store: store)
    try await trie.apply(items.map { .insert(key: $0.0, value: $0.1) })
    return trie
}
