import Encoding
import Foundation
import Testing
import VectorSupport

@testable import Credentials

@Suite("Bitstring Status List: bitstring and encodedList")
struct StatusListBitstringTests {
    @Test(.vectors) func encodedListVectorsDecodeToTheListedBits() throws {
        let file = try #require(try Vectors.json("status-list/encoded-lists.json") as? [String: Any])
        let vectors = try #require(file["vectors"] as? [[String: Any]])
        #expect(vectors.count == 7)
        for vector in vectors {
            let name = try #require(vector["name"] as? String)
            let encoded = try #require(vector["encodedList"] as? String)
            let decoded = try #require(vector["decoded"] as? [String: Any])
            if decoded["decode_error"] != nil {
                let error = #expect(throws: StatusListError.self, "\(name)") { try StatusListBitstring(encodedList: encoded) }
                #expect(error?.code == "status_list_invalid", "\(name)")
                continue
            }
            let bitstring: StatusListBitstring
            if decoded["multibase_prefix_u"] as? Bool == true {
                bitstring = try StatusListBitstring(encodedList: encoded)
            } else {
                bitstring = StatusListBitstring(bytes: try StatusListGzip.decompress(try Base64URL.decode(encoded)))
            }
            #expect(bitstring.bytes.count == decoded["uncompressed_bytes"] as? Int, "\(name)")
            #expect(bitstring.entryCount == decoded["bit_length"] as? Int, "\(name)")
            #expect(bitstring.nonZeroIndices == decoded["set_indices_left_to_right"] as? [Int], "\(name)")
            let meetsMinimum = try #require(decoded["meets_131072_minimum"] as? Bool)
            if meetsMinimum {
                try bitstring.checkMinimumLength()
            } else {
                let error = #expect(throws: StatusListError.self, "\(name)") { try bitstring.checkMinimumLength() }
                #expect(error?.code == "status_list_length_error", "\(name)")
            }
            // Our encoding of the decoded bits decodes to the same bits (GZIP is not canonical: compare bits).
            let again = try StatusListBitstring(encodedList: bitstring.encodedList)
            #expect(again == bitstring, "\(name)")
        }
    }

    @Test(.vectors) func locallyDerivedFullSizeListDecodes() throws {
        let vector = try #require(try Vectors.json("status-list/derived-local-131072.json") as? [String: Any])
        let bitstring = try StatusListBitstring(encodedList: try #require(vector["encodedList"] as? String))
        #expect(bitstring.entryCount == vector["bit_length"] as? Int)
        #expect(bitstring.nonZeroIndices == vector["set_indices"] as? [Int])
        try bitstring.checkMinimumLength()
        #expect(try bitstring.status(at: 94567) == 1)
        #expect(try bitstring.status(at: 94566) == 0)
    }

    @Test func bitOrderIsMostSignificantBitFirst() throws {
        var bitstring = StatusListBitstring(entryCount: 16)
        try bitstring.setStatus(1, at: 0)
        try bitstring.setStatus(1, at: 9)
        #expect(bitstring.bytes == [0x80, 0x40])
        try bitstring.setStatus(0, at: 0)
        #expect(bitstring.bytes == [0x00, 0x40])
    }

    @Test func multiBitEntriesReadMostSignificantBitFirst() throws {
        var bitstring = StatusListBitstring(entryCount: 8, statusSize: 2)
        try bitstring.setStatus(2, at: 0)
        try bitstring.setStatus(3, at: 3)
        try bitstring.setStatus(1, at: 5)
        #expect(bitstring.bytes == [0x83, 0x10])  // 10 00 00 11 | 00 01 00 00
        #expect(try (0..<8).map { try bitstring.status(at: $0) } == [2, 0, 0, 3, 0, 1, 0, 0])
    }

    @Test func indicesPastTheEndAreRangeErrors() {
        var bitstring = StatusListBitstring()
        for index in [-1, StatusListBitstring.minimumEntryCount, Int.max] {
            #expect((#expect(throws: StatusListError.self) { try bitstring.status(at: index) })?.code == "range_error")
            #expect((#expect(throws: StatusListError.self) { try bitstring.setStatus(1, at: index) })?.code == "range_error")
        }
    }

    @Test func roundTripsRandomLists() throws {
        var random = SeededRandom(seed: 7)
        for density in [0, 1, 50, 5000, 131_072] {
            var bitstring = StatusListBitstring()
            for _ in 0..<density { try bitstring.setStatus(1, at: Int.random(in: 0..<bitstring.entryCount, using: &random)) }
            let encoded = try bitstring.encodedList
            #expect(try StatusListBitstring(encodedList: encoded) == bitstring)
        }
        let empty = try StatusListBitstring().encodedList
        #expect(empty.utf8.count < 200, "an empty 16 KiB list compresses to under 200 characters, got \(empty.utf8.count)")
    }

    @Test func malformedEncodedListsAreInvalid() throws {
        let good = try StatusListBitstring().encodedList
        let withoutPrefix = String(good.dropFirst())
        for bad in ["", "z" + withoutPrefix, withoutPrefix, "u", "u!!!!", "u" + Base64URL.encode([0x1F, 0x8B, 8, 0])] {
            let error = #expect(throws: StatusListError.self, "\(bad)") { try StatusListBitstring(encodedList: bad) }
            #expect(error?.code == "status_list_invalid", "\(bad)")
        }
    }
}
