import Credentials
import Encoding
import Foundation
import Identity
import Testing
import VectorSupport

@testable import EPCIS

/// REQ-F01 and REQ-F02 over the whole GS1 example corpus: every event becomes a valid, verifiable
/// VSC credential, and reading the event back out of the signed, serialized and re-parsed credential
/// gives the source event byte for byte.
@Suite("EPCIS events as credentials: the example corpus")
struct EventCredentialRoundTripTests {
    static let resolver = MethodDispatchResolver(["key": DIDKeyResolver()])

    @Test(.vectors)
    func everyExampleEventRoundTrips() async throws {
        let issuer = EventCredentialIssuer(issuer: try CredentialIssuer(didKeySigner: .generate(.ed25519)))
        let verifier = Verifier.standard(resolver: Self.resolver)
        var seenTypes: Set<String> = []
        var count = 0
        for path in try EPCISCorpus.examples() {
            let document = try EPCISCorpus.document(path)
            let source = EPCISCorpus.events(of: document)
            let (events, context) = try EventCredentialIssuer.events(of: document)
            #expect(events.count == source.count, "\(path)")
            let issued = try await issuer.issue(events, context: context)
            for (index, event) in issued.enumerated() {
                let bytes = JSONValue.object(event.credential.json).serialized()
                let reparsed = try Credential(parsing: bytes)
                let result = await verifier.verify(reparsed)
                #expect(result.verified, "\(path) event \(index): \(result.failures)")
                let carried = try EventCredentialMapping.event(from: reparsed)
                #expect(JSONValue.object(carried.event).serialized() == source[index].serialized(), "\(path) event \(index)")
                #expect(carried.eventID == (source[index]["eventID"]?.stringValue ?? event.record.eventID))
                #expect(carried.documentContext == (document["@context"]?.arrayValue ?? [document["@context"] ?? .null]))
                seenTypes.formUnion(reparsed.types)
                count += 1
            }
        }
        #expect(count == 56, "the 47 example documents hold 56 events")
        #expect(seenTypes.isSuperset(of: VSCVocabulary.credentialTypes.values))
    }

    @Test("events without an eventID are identified by their CBV 2.0 event hash")
    func eventHashIsTheIDWhenAbsent() async throws {
        var event: JSONObject = [
            "type": "ObjectEvent", "eventTime": "2026-03-01T10:00:00.000+01:00", "eventTimeZoneOffset": "+01:00",
            "epcList": ["urn:epc:id:sgtin:0614141.107346.2017"], "action": "OBSERVE", "bizStep": "shipping",
        ]
        let context: [JSONValue] = [.string(VSCVocabulary.epcisContextURL)]
        let issuer = EventCredentialIssuer(issuer: try CredentialIssuer(didKeySigner: .generate(.ed25519)))
        let issued = try await issuer.issue([event], context: context)
        let expected = try EventHash.id(of: event, context: EventHashContext(documentContext: .array(context)))
        #expect(issued[0].record.eventID == expected)
        #expect(issued[0].credential.subjectID == expected)
        event["eventID"] = "urn:uuid:8a1c2f8e-0d6e-4c4e-9d62-5d0a6c3f0b11"
        #expect(try await issuer.issue([event], context: context)[0].record.eventID == "urn:uuid:8a1c2f8e-0d6e-4c4e-9d62-5d0a6c3f0b11")
    }

    @Test("a business transaction without a type hashes as its value alone, as the reference generator does")
    func untypedBusinessTransaction() throws {
        let event: JSONObject = [
            "type": "TransactionEvent", "eventTime": "2026-03-01T10:00:00Z", "eventTimeZoneOffset": "+00:00",
            "epcList": ["urn:epc:id:sgtin:0614141.107346.2017"], "action": "ADD",
            "bizTransactionList": [["bizTransaction": "urn:epc:id:gdti:95252084.0001.0003555480001000"]],
        ]
        let preHash = try EventHash.preHashString(of: event)
        #expect(preHash.contains("bizTransactionListbizTransaction="))
        #expect(!preHash.contains("bizTransactionListbizTransaction=urn:epc:id:gdti:95252084.0001.0003555480001000type"))
        var missingValue = event
        missingValue["bizTransactionList"] = [["type": "po"]]
        #expect(throws: EventHashError.self) { try EventHash.preHashString(of: missingValue) }
    }

    @Test("links follow each item through the document and across captures, by its canonical identifier")
    func linking() async throws {
        let issuer = EventCredentialIssuer(issuer: try CredentialIssuer(didKeySigner: .generate(.ed25519)))
        func event(_ epc: String, _ step: String) -> JSONObject {
            [
                "type": "ObjectEvent", "eventTime": "2026-03-01T10:00:00Z", "eventTimeZoneOffset": "+00:00",
                "epcList": [.string(epc)], "action": "OBSERVE", "bizStep": .string(step),
            ]
        }
        let urn = "urn:epc:id:sgtin:0614141.107346.2017"
        let link = "https://example.com/01/10614141073464/21/2017?linkType=all"
        let canonical = EventCredentialIssuer.canonicalIdentifier(urn)
        #expect(canonical == "https://id.gs1.org/01/10614141073464/21/2017")
        #expect(EventCredentialIssuer.canonicalIdentifier(link) == canonical)
        #expect(EventCredentialIssuer.canonicalIdentifier("urn:example:thing") == "urn:example:thing")
        let earlier = "urn:uuid:00000000-0000-4000-8000-0000000000aa"
        let issued = try await issuer.issue(
            [event(urn, "receiving"), event(link, "shipping"), event("urn:example:other", "inspecting")],
            context: [.string(VSCVocabulary.epcisContextURL)], known: [canonical: earlier])
        #expect(issued[0].record.predecessors == [earlier])
        #expect(issued[1].record.predecessors == [issued[0].record.credentialID])
        #expect(issued[2].record.predecessors.isEmpty)
        #expect(issued[1].record.identifiers == [EventIdentifier(canonical, .what)])
    }

    @Test("a document with a bad event is refused whole, naming the event and member")
    func badDocument() throws {
        let document = try JSONValue(
            parsing: Array(
                #"""
                {"@context":["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"],"type":"EPCISDocument",
                 "schemaVersion":"2.0","creationDate":"2026-03-01T09:00:00Z","epcisBody":{"eventList":[
                  {"type":"ObjectEvent","eventTime":"2026-03-01T10:00:00Z","eventTimeZoneOffset":"+00:00","epcList":[],"action":"OBSERVE"},
                  {"type":"ObjectEvent","eventTime":"2026-03-01T10:00:00Z","eventTimeZoneOffset":"+00:00","epcList":["urn:x:1"],"action":"MOVE"}]}}
                """#.utf8))
        #expect {
            try EventCredentialIssuer.events(of: document)
        } throws: { error in
            let violations = (error as? EPCISValidationError)?.violations ?? []
            return violations.contains { $0.eventIndex == 1 && $0.pointer == "/epcisBody/eventList/1/action" }
        }
    }
}
