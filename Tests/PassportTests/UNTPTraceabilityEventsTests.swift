import Encoding
import Foundation
import Passport
import Testing
import VectorSupport

/// EPCIS events as UNTP Digital Traceability Events: every event of GS1's EPCIS 2.0 JSON examples
/// becomes a UNTP event, and the credentials validate against the UNTP DTE 0.6.0 JSON schema
/// (python-jsonschema, Draft 2020-12, formats checked). Only the TransactionEvents UNTP cannot carry
/// (no owning or possessing party on a side) are left out.
@Suite(.enabled(if: Vectors.shouldRun, "the EPCIS and UNTP vectors are absent; set VOLTPASS_VECTORS"))
struct UNTPTraceabilityEventsTests {
    static let schema = "untp/tests-untp/schemas/digitalTraceabilityEvent/v0.6.0/schema.json"

    /// Every event of every example document, with its eventID (or a stand-in URN).
    static func exampleEvents() throws -> [(file: String, id: String, event: JSONObject)] {
        let root = try Vectors.url("epcis/examples")
        let files = FileManager.default.enumerator(atPath: root.path)?.compactMap { $0 as? String }.filter { $0.hasSuffix(".jsonld") || $0.hasSuffix(".json") }
        var events: [(String, String, JSONObject)] = []
        for file in (files ?? []).sorted() {
            // AssociationEvent-h.jsonld repeats a JSON member, which is not JSON the parser accepts.
            guard let document = try? JSONValue(parsing: Array(try Data(contentsOf: root.appendingPathComponent(file)))) else {
                #expect(file.hasSuffix("AssociationEvent-h.jsonld"), "\(file) does not parse")
                continue
            }
            let list = document["epcisBody"]?["eventList"]?.arrayValue ?? document["epcisBody"]?["queryResults"]?["resultsBody"]?["eventList"]?.arrayValue ?? []
            for case .object(let event) in list {
                events.append((file, event["eventID"]?.stringValue ?? "urn:uuid:00000000-0000-4000-8000-\(String(format: "%012d", events.count))", event))
            }
        }
        return events
    }

    @Test func gs1ExamplesBecomeSchemaValidTraceabilityEvents() throws {
        let events = try Self.exampleEvents()
        #expect(events.count >= 55, "\(events.count) events")
        var documents: [JSONValue] = []
        var carried = 0
        for (file, id, event) in events {
            let document = UNTPTraceabilityEvents.document(
                events: [(id, event)], issuer: "did:web:example.com", issuerName: "Example", id: "urn:uuid:\(UUID())", at: Date()
            ) { $0 }
            let subject = document["credentialSubject"]?.arrayValue ?? []
            if subject.isEmpty {
                #expect(event["type"] == "TransactionEvent", "\(file): only a TransactionEvent without parties is left out")
                continue
            }
            carried += 1
            #expect(subject[0]["id"]?.stringValue == id && subject[0]["type"]?[0] == event["type"], "\(file)")
            documents.append(.object(document))
        }
        #expect(carried >= events.count - 3, "\(carried) of \(events.count) carried")
        let validation = try ReferencePython.run(
            """
            import sys, json, jsonschema
            schema = json.load(open(sys.argv[1]))
            validator = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)
            for index, document in enumerate(json.load(sys.stdin)):
                for error in validator.iter_errors(document):
                    # A oneOf over event types: the errors of the branch whose type matched say why.
                    causes = [e for e in error.context if e.validator != 'allOf' and not list(e.relative_path)[:1] == ['type']] or [error]
                    for cause in causes:
                        print(index, '/'.join(map(str, list(error.path) + list(cause.relative_path))), cause.message[:160])
            """, arguments: [try Vectors.url(Self.schema).path], input: String(decoding: JSONValue.array(documents).serialized(), as: UTF8.self))
        #expect(validation.status == 0, "\(validation.error)")
        #expect(validation.lines == [], "UNTP DTE 0.6.0 schema: \(validation.lines.prefix(10))")
    }

    @Test func businessStepsAndDispositionsBecomeCBVWebVocabulary() throws {
        let event: JSONObject = [
            "type": "ObjectEvent", "eventTime": "2026-11-01T08:00:00.000Z", "action": "OBSERVE", "bizStep": "urn:epcglobal:cbv:bizstep:shipping",
            "disposition": "in_transit", "epcList": ["https://id.gs1.org/01/04012345000009/21/P-1"],
            "quantityList": [["epcClass": "urn:epc:class:lgtin:4012345.022222.L1", "quantity": 16, "uom": "KGM"], ["epcClass": "urn:epc:class:lgtin:4012345.022222.L2"]],
        ]
        let document = UNTPTraceabilityEvents.document(
            events: [("urn:uuid:1", event)], issuer: "did:web:example.com", issuerName: "Example", id: "urn:uuid:2", at: Date()
        ) { $0.hasSuffix("P-1") ? "Pack P-1" : $0 }
        let untp = try #require(document["credentialSubject"]?[0])
        #expect(untp["bizStep"] == "https://ref.gs1.org/cbv/BizStep-shipping" && untp["disposition"] == "https://ref.gs1.org/cbv/Disp-in_transit")
        #expect(untp["action"] == "observe" && untp["epcList"]?[0]?["name"] == "Pack P-1")
        #expect(untp["quantityList"]?.arrayValue?.count == 1, "UNTP requires a quantity; the element without one is left out")
    }
}
