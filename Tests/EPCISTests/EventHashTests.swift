import EPCIS
import Encoding
import Foundation
import Testing
import VectorSupport

/// The CBV 2.0 Event Hash ID against the reference generator's corpus in `epcis/event-hash/`.
/// Only the JSON/JSON-LD documents are used: Voltpass captures EPCIS JSON, so the `.xml` inputs
/// (the XML-only `expected_equal` sets, the XML `gs1-epcis-WithEventHashID` set) are out of scope.
@Suite struct EventHashTests {
    private static let folder = "epcis/event-hash/examples"
    /// Pre-hash files the vectors README marks as stale (their `.hashes` stay authoritative).
    private static let stalePreHashes: Set<String> = [
        "epcisDocWithAllGS1Keys", "epcisDocWithCustomSchemaInContext", "epcisDocWithDefaultSchemaInContext",
    ]

    private static func lines(_ path: String) throws -> [String] {
        String(decoding: try Vectors.data(path), as: UTF8.self)
            .split(separator: "\n", omittingEmptySubsequences: true).map(String.init)
    }

    private static func document(_ path: String) throws -> JSONObject {
        try #require(try JSONValue(parsing: Vectors.data(path)).objectValue)
    }

    private static func jsonDocuments() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: Vectors.url(folder).path)
            .filter { $0.hasSuffix(".jsonld") }.map { String($0.dropLast(7)) }.sorted()
    }

    @Test(.vectors) func hashesMatchTheReference() throws {
        var checked = 0
        for name in try Self.jsonDocuments() {
            let expected = try Self.lines("\(Self.folder)/\(name).hashes")
            let ids = try EventHash.ids(ofDocument: Self.document("\(Self.folder)/\(name).jsonld"))
            #expect(ids == expected, "\(name)")
            checked += expected.count
        }
        #expect(checked == 43)
    }

    @Test(.vectors) func preHashStringsMatchByteForByte() throws {
        var checked = 0
        for name in try Self.jsonDocuments() where !Self.stalePreHashes.contains(name) {
            guard let expected = try? Self.lines("\(Self.folder)/\(name).prehashes") else { continue }
            let document = try Self.document("\(Self.folder)/\(name).jsonld")
            let context = EventHashContext(document: document)
            let strings = try EventHash.events(of: document).map { try EventHash.preHashString(of: $0, context: context) }
            #expect(strings == expected, "\(name)")
            for (line, id) in zip(expected, try Self.lines("\(Self.folder)/\(name).hashes")) {
                #expect(EventHash.id(preHashString: line) == id)
            }
            checked += strings.count
        }
        #expect(checked == 37)
    }

    /// Different serialisations of one event (precision, time zones, order) hash equal.
    @Test(.vectors) func equivalentSerialisationsHashEqual() throws {
        for path in ["epcis/event-hash/expected_equal/ReferenceEventHashAlgorithm.json"] {
            let ids = try EventHash.ids(ofDocument: Self.document(path))
            #expect(ids.count > 1)
            #expect(Set(ids).count == 1, "\(path)")
        }
    }

    private static func event(_ json: String) throws -> JSONObject {
        try #require(try JSONValue(parsing: json).objectValue)
    }

    @Test func timesAreUTCWithRoundedMilliseconds() throws {
        let base = #"{"type":"ObjectEvent","action":"OBSERVE","eventTimeZoneOffset":"+02:00","eventTime":"#
        let cases = [
            ("2024-02-29T23:59:59.9995+02:00", "2024-02-29T22:00:00.000Z"),  // half to even rounds up into the next second
            ("2024-01-01T00:30:00.0005-01:00", "2024-01-01T01:30:00.000Z"),  // half to even stays
            ("2024-01-01T00:30:00.0015Z", "2024-01-01T00:30:00.002Z"),
            ("2024-01-01T00:30Z", "2024-01-01T00:30:00.000Z"),
            ("1999-12-31T23:59:59.123456789+0100", "1999-12-31T22:59:59.123Z"),
        ]
        for (time, utc) in cases {
            let text = try EventHash.preHashString(of: Self.event(base + "\"\(time)\"}"))
            #expect(text.hasPrefix("eventType=ObjectEventeventTime=\(utc)eventTimeZoneOffset=+02:00"), "\(time) -> \(text)")
        }
        // Not a date-time: hashed as written.
        let odd = try EventHash.preHashString(of: Self.event(base + #""yesterday"}"#))
        #expect(odd.contains("eventTime=yesterday"))
    }

    @Test func numbersLoseRedundantDigits() throws {
        let event = try Self.event(
            #"{"type":"ObjectEvent","action":"OBSERVE","eventTime":"2024-01-01T00:00:00Z","eventTimeZoneOffset":"+00:00","#
                + #""quantityList":[{"epcClass":"urn:epc:class:lgtin:4012345.012345.998877","quantity":200.0,"uom":"KGM"},"#
                + #"{"epcClass":"urn:epc:idpat:sgtin:4012345.012345.*","quantity":"0.500"}]}"#)
        let text = try EventHash.preHashString(of: event)
        #expect(text.contains(
            "quantityListquantityElementepcClass=https://id.gs1.org/01/04012345123456/10/998877quantity=200uom=KGM"
                + "quantityElementepcClass=https://id.gs1.org/01/04012345123456quantity=0.5action=OBSERVE"))
    }

    @Test func extensionNamesDependOnTheDeclaredNamespace() throws {
        let event = try Self.event(
            #"{"type":"ObjectEvent","action":"OBSERVE","eventTime":"2024-01-01T00:00:00Z","eventTimeZoneOffset":"+00:00","#
                + #""eventID":"ni:///sha-256;00?ver=CBV2.0","recordTime":"2025-01-01T00:00:00Z","ex:soc":"87.5"}"#)
        let declared = EventHashContext(namespaces: ["ex": "https://example.com/battery/"])
        #expect(try EventHash.preHashString(of: event, context: declared).hasSuffix("{https://example.com/battery/}soc=87.5"))
        #expect(try EventHash.preHashString(of: event).hasSuffix("ex:soc=87.5"))
        #expect(try EventHash.id(of: event, context: declared) != EventHash.id(of: event))
        // eventID and recordTime never count.
        var stripped = event
        _ = stripped.removeValue(forKey: "eventID")
        _ = stripped.removeValue(forKey: "recordTime")
        #expect(try EventHash.id(of: stripped) == EventHash.id(of: event))
        #expect(try EventHash.id(of: event).hasPrefix("ni:///sha-256;"))
    }

    @Test func malformedEventsGetCodes() throws {
        #expect(throws: EventHashError.self) { try EventHash.preHashString(of: Self.event(#"{"action":"OBSERVE"}"#)) }
        let oneMemberSource = try Self.event(#"{"type":"ObjectEvent","sourceList":[{"type":"owning_party"}]}"#)
        do {
            _ = try EventHash.preHashString(of: oneMemberSource)
            Issue.record("a one-member source entry must be rejected")
        } catch {
            #expect(error.code == EventHashError.invalidEvent)
        }
        let empty = try Self.event(#"{"type":"EPCISDocument","epcisBody":{}}"#)
        do {
            _ = try EventHash.ids(ofDocument: empty)
            Issue.record("a document without events must be rejected")
        } catch {
            #expect(error.code == EventHashError.noEvents)
        }
    }
}
