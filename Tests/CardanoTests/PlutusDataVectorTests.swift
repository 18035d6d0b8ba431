import Cardano
import Encoding
import Foundation
import Testing
import VectorSupport

/// Every entry of `cardano/plutus-data.json`: published and derived bytes are reproduced exactly from
/// the cardano-cli "detailed schema" JSON, with their datum hash; non-canonical bytes decode to the
/// same value and re-encode to the Haskell form.
@Suite struct PlutusDataVectorTests {
    struct Entry {
        let description: String
        let kind: String
        /// nil for the two pycardano redeemer entries, whose `json` is null.
        let value: PlutusData?
        let cbor: [UInt8]
        let datumHash: String?
        let haskellCanonical: [UInt8]?
    }

    static func entries() throws -> [Entry] {
        // JSON numbers here exceed 64 bits; quote them before parsing so none is rounded through Double.
        let text = String(decoding: try Vectors.data("cardano/plutus-data.json"), as: UTF8.self)
        let quoted = text.replacingOccurrences(
            of: #""int":\s*(-?[0-9]+)"#, with: #""int": "$1""#, options: .regularExpression)
        let raw = try #require(try JSONSerialization.jsonObject(with: Data(quoted.utf8)) as? [[String: Any]])
        return try raw.map { entry in
            Entry(
                description: entry["description"] as? String ?? "",
                kind: try #require(entry["kind"] as? String),
                value: entry["json"] is NSNull ? nil : try DetailedSchema.data(entry["json"] as Any),
                cbor: try VectorFields.hex(entry, "cbor"),
                datumHash: entry["datum_hash"] as? String,
                haskellCanonical: (entry["haskell_canonical_cbor"] as? String).flatMap { Vectors.bytes(hex: $0) })
        }
    }

    @Test(.vectors) func allThirtyFiveEntries() throws {
        let entries = try Self.entries()
        #expect(entries.count == 35)
        var exact = 0
        for entry in entries {
            guard let value = entry.value else { continue }  // redeemers: see the next test
            let decoded = try PlutusData(cbor: entry.cbor)
            #expect(decoded == value, "decode: \(entry.description)")
            if entry.kind == "published-pycardano-noncanonical" {
                #expect(value.cborBytes != entry.cbor, "should differ from pycardano: \(entry.description)")
                if let canonical = entry.haskellCanonical {
                    #expect(value.cborBytes == canonical, "Haskell form: \(entry.description)")
                }
                continue
            }
            #expect(Vectors.hex(value.cborBytes) == Vectors.hex(entry.cbor), "encode: \(entry.description)")
            if let hash = entry.datumHash {
                #expect(Vectors.hex(value.hash) == hash, "hash: \(entry.description)")
            }
            exact += 1
        }
        #expect(exact == 32)
    }

    /// The two entries that are whole legacy redeemers `[tag, index, data, [mem, steps]]`: the published
    /// one re-encodes exactly; pycardano's empty indefinite list `9fff` decodes to the same empty list and
    /// re-encodes as `80`.
    @Test(.vectors) func legacyRedeemerEntries() throws {
        let redeemers = try Self.entries().filter { $0.value == nil }
        #expect(redeemers.map(\.kind) == ["published-pycardano", "published-pycardano-noncanonical"])
        let published = try Redeemer(cbor: redeemers[0].cbor)
        #expect(published.tag == .spend && published.index == 0)
        #expect(published.memory == 1_000_000 && published.steps == 1_000_000)
        let map: PlutusData = .map([PlutusData.Pair(.int(1), .bytes([0x31])), PlutusData.Pair(.int(2), .bytes([0x32]))])
        #expect(published.data == .constr(130, [.int(123), .bytes(Array("234".utf8)), .list([.int(4), .int(5), .int(6)]), map]))
        #expect(published.legacyCBORBytes == redeemers[0].cbor)
        let empty = try Redeemer(cbor: redeemers[1].cbor)
        #expect(empty.data == .constr(130, [.int(123), .bytes(Array("234".utf8)), .list([]), map]))
        #expect(Vectors.hex(empty.legacyCBORBytes).contains("433233348" + "0a2"))
        #expect(empty.legacyCBORBytes != redeemers[1].cbor)
        // Both decode through the witness-set reader too (array form).
        #expect(try Redeemer.all(cbor: [0x81] + redeemers[0].cbor) == [published])
    }

    @Test func unitDatumHash() {
        #expect(Vectors.hex(PlutusData.unit.cborBytes) == "d87980")
        #expect(Vectors.hex(PlutusData.unit.hash) == "923918e403bf43c34b4ef6b48eb2ee04babed17320d8d1b9ff9ad086e86f44ec")
    }
}

/// The cardano-cli "detailed schema" JSON (`constructor`/`fields`, `map` of `k`/`v`, `list`, `int`, `bytes`),
/// with `int` given as a decimal string.
enum DetailedSchema {
    struct Malformed: Error {}

    static func data(_ json: Any) throws -> PlutusData {
        guard let object = json as? [String: Any] else { throw Malformed() }
        if let index = object["constructor"] as? Int, let fields = object["fields"] as? [Any] {
            return .constr(UInt64(index), try fields.map(data))
        }
        if let entries = object["map"] as? [[String: Any]] {
            return .map(try entries.map { PlutusData.Pair(try data($0["k"] as Any), try data($0["v"] as Any)) })
        }
        if let elements = object["list"] as? [Any] { return .list(try elements.map(data)) }
        if let decimal = object["int"] as? String, let integer = PlutusInteger(decimal: decimal) {
            return .integer(integer)
        }
        if let number = object["int"] as? Int64 { return .int(number) }
        if let hex = object["bytes"] as? String, let bytes = Vectors.bytes(hex: hex) { return .bytes(bytes) }
        throw Malformed()
    }
}
