import Encoding
import Foundation
import Testing
import VectorSupport

@testable import EPCIS

/// One step of a path into a JSON value.
enum JSONStep: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, Sendable {
    case key(String)
    case index(Int)

    init(stringLiteral value: String) { self = .key(value) }
    init(integerLiteral value: Int) { self = .index(value) }
}

extension JSONValue {
    /// Changes the value at `path` (nil when absent; set nil to remove it).
    mutating func edit(_ path: ArraySlice<JSONStep>, _ change: (inout JSONValue?) -> Void) {
        guard let step = path.first else { return }
        switch (step, self) {
        case (.key(let key), .object(var object)):
            var child = object[key]
            if path.count == 1 {
                change(&child)
            } else {
                var value = child ?? .object([:])
                value.edit(path.dropFirst(), change)
                child = value
            }
            object[key] = child
            self = .object(object)
        case (.index(let index), .array(var array)):
            if path.count == 1 {
                var child: JSONValue? = array[index]
                change(&child)
                if let child { array[index] = child } else { array.remove(at: index) }
            } else {
                array[index].edit(path.dropFirst(), change)
            }
            self = .array(array)
        default:
            Issue.record("the path does not fit the document")
        }
    }
}

/// One way to break a valid example document, and the violation it must cause.
struct Mutation: Sendable, CustomTestStringConvertible {
    let name: String
    let file: String
    /// The event changed, or nil for a change to the document itself.
    let event: Int?
    let path: [JSONStep]
    /// The new value, or nil to remove the member.
    let value: JSONValue?
    let kind: EPCISViolation.Kind
    /// The member reported, relative to the event (or the document).
    let pointer: String
    /// Whether the EPCIS JSON schema states the rule (false for SHACL-only rules).
    var inJSONSchema = true

    var testDescription: String { name }

    static let objectEvents = "epcis/examples/Example_9.6.1-ObjectEvent.jsonld"
    static let fullObjectEvent = "epcis/examples/WithFullCombinationOfFields/object_event_all_possible_fields.jsonld"
    static let aggregation = "epcis/examples/Example_9.6.3-AggregationEvent.jsonld"
    static let transformation = "epcis/examples/Example_9.6.4-TransformationEvent.jsonld"
    static let transactions = "epcis/examples/Example-TransactionEvents-2020_07_03y.jsonld"
    static let association = "epcis/examples/AssociationEvent/AssociationEvent-a.jsonld"
    static let queryDocument = "epcis/examples/EPCISQueryDocument.jsonld"

    static func event(
        _ name: String, _ file: String, _ event: Int = 0, _ path: [JSONStep], _ value: JSONValue?,
        _ kind: EPCISViolation.Kind, _ pointer: String, inJSONSchema: Bool = true
    ) -> Mutation {
        Mutation(
            name: name, file: file, event: event, path: path, value: value, kind: kind, pointer: pointer,
            inJSONSchema: inJSONSchema)
    }

    static func document(_ name: String, _ file: String, _ path: [JSONStep], _ value: JSONValue?, _ kind: EPCISViolation.Kind, _ pointer: String) -> Mutation {
        Mutation(name: name, file: file, event: nil, path: path, value: value, kind: kind, pointer: pointer)
    }

    static let all: [Mutation] = [
        event("eventTime dropped", objectEvents, 1, ["eventTime"], nil, .fieldMissing, "/eventTime"),
        event("eventTimeZoneOffset dropped", objectEvents, 0, ["eventTimeZoneOffset"], nil, .fieldMissing, "/eventTimeZoneOffset"),
        event("action dropped from ObjectEvent", objectEvents, 0, ["action"], nil, .fieldMissing, "/action"),
        event("action dropped from AggregationEvent", aggregation, 0, ["action"], nil, .fieldMissing, "/action"),
        event("action dropped from TransactionEvent", transactions, 1, ["action"], nil, .fieldMissing, "/action"),
        event("action dropped from AssociationEvent", association, 0, ["action"], nil, .fieldMissing, "/action"),
        event("action on a TransformationEvent", transformation, 0, ["action"], "ADD", .fieldForbidden, "/action"),
        event("action not ADD/OBSERVE/DELETE", objectEvents, 0, ["action"], "MODIFY", .invalidValue, "/action"),
        event("bizStep not a CBV word", objectEvents, 0, ["bizStep"], "shipping_out", .unknownVocabulary, "/bizStep"),
        event(
            "bizStep as CBV URN", objectEvents, 0, ["bizStep"], "urn:epcglobal:cbv:bizstep:shipping", .invalidValue,
            "/bizStep"),
        event("disposition not a CBV word", objectEvents, 1, ["disposition"], "in transit", .unknownVocabulary, "/disposition"),
        event("time-zone offset past +14:00", objectEvents, 0, ["eventTimeZoneOffset"], "+14:30", .invalidValue, "/eventTimeZoneOffset"),
        event("time-zone offset without colon", objectEvents, 0, ["eventTimeZoneOffset"], "+0100", .invalidValue, "/eventTimeZoneOffset"),
        event("eventTime month 13", objectEvents, 0, ["eventTime"], "2005-13-03T20:33:31.116-06:00", .invalidValue, "/eventTime"),
        event("eventTime 29 February 2021", objectEvents, 0, ["eventTime"], "2021-02-29T20:33:31Z", .invalidValue, "/eventTime"),
        event("eventTime without zone", objectEvents, 0, ["eventTime"], "2005-04-03T20:33:31.116", .invalidValue, "/eventTime"),
        event("recordTime a number", fullObjectEvent, 0, ["recordTime"], 20_200_101, .invalidValue, "/recordTime"),
        event(
            "quantity as a string", fullObjectEvent, 0, ["quantityList", 0, "quantity"], "200", .invalidValue,
            "/quantityList/0/quantity"),
        event("uom lower case", fullObjectEvent, 0, ["quantityList", 0, "uom"], "kg", .invalidValue, "/quantityList/0/uom"),
        event(
            "quantity element without epcClass", fullObjectEvent, 0, ["quantityList", 0, "epcClass"], nil, .fieldMissing,
            "/quantityList/0/epcClass"),
        event(
            "quantity element with an extension", fullObjectEvent, 0, ["quantityList", 0, "example:note"], "x",
            .fieldForbidden, "/quantityList/0/example:note"),
        event("parentID dropped from AssociationEvent", association, 0, ["parentID"], nil, .fieldMissing, "/parentID"),
        event("bizTransactionList dropped from TransactionEvent", transactions, 0, ["bizTransactionList"], nil, .fieldMissing, "/bizTransactionList"),
        event("empty bizTransactionList on TransactionEvent", transactions, 0, ["bizTransactionList"], [], .fieldMissing, "/bizTransactionList"),
        event("childEPCs on ObjectEvent", objectEvents, 0, ["childEPCs"], ["urn:epc:id:sgtin:0614141.107346.1"], .fieldForbidden, "/childEPCs"),
        event("parentID on TransformationEvent", transformation, 0, ["parentID"], "urn:epc:id:sscc:0614141.1234567890", .fieldForbidden, "/parentID"),
        event("ilmd on an OBSERVE ObjectEvent", objectEvents, 0, ["ilmd"], ["cbvmda:lotNumber": "L1"], .fieldForbidden, "/ilmd"),
        event("ilmd on AggregationEvent", aggregation, 0, ["ilmd"], ["cbvmda:lotNumber": "L1"], .fieldForbidden, "/ilmd"),
        event("ilmd member not a URI", transformation, 0, ["ilmd", "lot number"], "L1", .fieldForbidden, "/ilmd/lot number"),
        event("extension not named by a URI", objectEvents, 1, ["myField"], "x", .fieldForbidden, "/myField"),
        event("readPoint without id", objectEvents, 0, ["readPoint", "id"], nil, .fieldMissing, "/readPoint/id"),
        event("readPoint id not a URI", objectEvents, 0, ["readPoint", "id"], "shelf 3", .invalidValue, "/readPoint/id"),
        event("epcList entry not a URI", objectEvents, 0, ["epcList", 0], "0614141.107346.2017", .invalidValue, "/epcList/0"),
        event(
            "epcList entry twice", objectEvents, 0, ["epcList", 1], "urn:epc:id:sgtin:0614141.107346.2017", .invalidValue,
            "/epcList/1"),
        event("ObjectEvent without what", objectEvents, 0, ["epcList"], nil, .fieldMissing, "/epcList"),
        event("AssociationEvent ADD without children", association, 0, ["childEPCs"], nil, .fieldMissing, "/childEPCs"),
        event("TransformationEvent without outputs", transformation, 0, ["outputEPCList"], nil, .fieldMissing, "/outputEPCList"),
        event(
            "bizTransaction type not a CBV word", objectEvents, 0, ["bizTransactionList", 0, "type"], "purchase_order",
            .unknownVocabulary, "/bizTransactionList/0/type"),
        event(
            "bizTransaction with an extra member", objectEvents, 0, ["bizTransactionList", 0, "note"], "x", .fieldForbidden,
            "/bizTransactionList/0/note"),
        event("source type not a CBV word", fullObjectEvent, 0, ["sourceList", 0, "type"], "owner", .unknownVocabulary, "/sourceList/0/type"),
        event("source without source", fullObjectEvent, 0, ["sourceList", 1, "source"], nil, .fieldMissing, "/sourceList/1/source"),
        event(
            "destination without type", fullObjectEvent, 0, ["destinationList", 0, "type"], nil, .fieldMissing,
            "/destinationList/0/type"),
        event(
            "sensor report without type", fullObjectEvent, 0, ["sensorElementList", 0, "sensorReport", 0, "type"], nil,
            .fieldMissing, "/sensorElementList/0/sensorReport/0/type"),
        event(
            "measurement type misspelt", fullObjectEvent, 0, ["sensorElementList", 0, "sensorReport", 0, "type"], "Temprature",
            .unknownVocabulary, "/sensorElementList/0/sensorReport/0/type"),
        event(
            "measurement type as GS1 voc URI", fullObjectEvent, 0, ["sensorElementList", 0, "sensorReport", 0, "type"],
            "https://gs1.org/voc/Temperature", .invalidValue, "/sensorElementList/0/sensorReport/0/type"),
        event(
            "sensor exception not an alert type", fullObjectEvent, 0, ["sensorElementList", 0, "sensorReport", 0, "exception"],
            "ALARM", .unknownVocabulary, "/sensorElementList/0/sensorReport/0/exception"),
        event(
            "sensor hexBinaryValue not hex", fullObjectEvent, 0, ["sensorElementList", 0, "sensorReport", 0, "hexBinaryValue"],
            "XYZ", .invalidValue, "/sensorElementList/0/sensorReport/0/hexBinaryValue"),
        event(
            "sensor value a string", fullObjectEvent, 0, ["sensorElementList", 0, "sensorReport", 0, "value"], "26.0",
            .invalidValue, "/sensorElementList/0/sensorReport/0/value"),
        event(
            "sensor component not a CBV word", fullObjectEvent, 0, ["sensorElementList", 0, "sensorReport", 0, "component"],
            "width", .unknownVocabulary, "/sensorElementList/0/sensorReport/0/component"),
        event(
            "sensor time not a date-time", fullObjectEvent, 0, ["sensorElementList", 0, "sensorMetadata", "time"], "yesterday",
            .invalidValue, "/sensorElementList/0/sensorMetadata/time"),
        event(
            "empty sensorReport", fullObjectEvent, 0, ["sensorElementList", 0, "sensorReport"], [], .fieldMissing,
            "/sensorElementList/0/sensorReport"),
        event(
            "sensor element without sensorReport", fullObjectEvent, 0, ["sensorElementList", 0, "sensorReport"], nil,
            .fieldMissing, "/sensorElementList/0/sensorReport"),
        event(
            "error reason not a CBV word", fullObjectEvent, 0, ["errorDeclaration", "reason"], "oops", .unknownVocabulary,
            "/errorDeclaration/reason"),
        event(
            "errorDeclaration without declarationTime", fullObjectEvent, 0, ["errorDeclaration", "declarationTime"], nil,
            .fieldMissing, "/errorDeclaration/declarationTime"),
        event("empty persistentDisposition", fullObjectEvent, 0, ["persistentDisposition"], [:], .fieldMissing, "/persistentDisposition/set"),
        event(
            "persistent disposition not a CBV word", fullObjectEvent, 0, ["persistentDisposition", "set", 0], "complete",
            .unknownVocabulary, "/persistentDisposition/set/0"),
        event(
            "empty persistent disposition set", fullObjectEvent, 0, ["persistentDisposition", "set"], [], .fieldMissing,
            "/persistentDisposition/set"),
        event("certificationInfo not a URI", fullObjectEvent, 0, ["certificationInfo"], "certificate 12", .invalidValue, "/certificationInfo"),
        event("event type neither standard nor a URI", objectEvents, 0, ["type"], "FooEvent", .invalidValue, "/type"),
        event(
            "eventID neither urn:uuid nor ni", objectEvents, 0, ["eventID"], "https://example.com/events/1", .invalidValue,
            "/eventID", inJSONSchema: false),
        document("schemaVersion dropped", objectEvents, ["schemaVersion"], nil, .fieldMissing, "/schemaVersion"),
        document("schemaVersion not a version", objectEvents, ["schemaVersion"], "two", .invalidValue, "/schemaVersion"),
        document("creationDate not a date-time", objectEvents, ["creationDate"], "2005-07-11", .invalidValue, "/creationDate"),
        document("@context dropped", objectEvents, ["@context"], nil, .fieldMissing, "/@context"),
        document("document extension not named by a URI", objectEvents, ["comment"], "x", .fieldForbidden, "/comment"),
        document("eventList dropped", objectEvents, ["epcisBody", "eventList"], nil, .fieldMissing, "/epcisBody/eventList"),
        document(
            "query document without queryName", queryDocument, ["epcisBody", "queryResults", "queryName"], nil, .fieldMissing,
            "/epcisBody/queryResults/queryName"),
    ]

    /// The example document with this change applied.
    func apply() throws -> JSONValue {
        var document = try EPCISCorpus.document(file)
        var full: [JSONStep] = []
        if let event {
            full = document["type"] == "EPCISQueryDocument"
                ? ["epcisBody", "queryResults", "resultsBody", "eventList", .index(event)] : ["epcisBody", "eventList", .index(event)]
        }
        document.edit((full + path)[...]) { $0 = value }
        return document
    }

    /// The pointer of the violation in the whole document.
    var documentPointer: String { event.map { "/epcisBody/eventList/\($0)" + pointer } ?? pointer }
}

@Suite("EPCIS validation")
struct EPCISValidationTests {
    @Test(.vectors)
    func everyExampleDocumentValidates() throws {
        for path in try EPCISCorpus.examples() + EPCISCorpus.files(under: "epcis/event-hash") {
            let json = try EPCISCorpus.document(path)
            #expect(EPCISValidator.violations(in: json).isEmpty, "\(path): \(EPCISValidator.violations(in: json))")
            if json["type"] == "EPCISQueryDocument" {
                try EPCISQueryDocument(validating: json).validate()
            } else {
                try EPCISDocument(validating: json).validate()
            }
        }
    }

    @Test(.vectors, arguments: Mutation.all)
    func mutationIsReportedWithItsField(_ mutation: Mutation) throws {
        let violations = EPCISValidator.violations(in: try mutation.apply())
        let match = violations.first { $0.pointer == mutation.documentPointer }
        #expect(match?.kind == mutation.kind, "\(violations)")
        #expect(match?.eventIndex == mutation.event)
        #expect(violations.allSatisfy { $0.eventIndex == mutation.event }, "only the changed event is blamed: \(violations)")
    }

    /// The CBV word lists in code are exactly those of the CBV 2.0 vocabulary file.
    @Test(.vectors)
    func vocabulariesAreTheCBVOnes() throws {
        let file = try #require(Vectors.json("epcis/cbv/cbv-vocabulary.json") as? [String: Any])
        let vocabularies = try #require(file["vocabularies"] as? [String: [String: Any]])
        #expect(Set(vocabularies.keys) == Set(CBVVocabulary.allCases.map(\.rawValue)))
        for vocabulary in CBVVocabulary.allCases {
            #expect(vocabulary.words == Set(vocabularies[vocabulary.rawValue]?.keys ?? [:].keys), "\(vocabulary)")
        }
    }

    @Test(.vectors)
    func everyBrokenEventIsReported() throws {
        var document = try EPCISCorpus.document("epcis/examples/WithErrorDeclaration/ErrorDeclarationAndCorrectiveEvent.jsonld")
        document.edit(["epcisBody", "eventList", 0, "eventTime"]) { $0 = 1 }
        document.edit(["epcisBody", "eventList", 1, "action"]) { $0 = "ADD" }
        document.edit(["epcisBody", "eventList", 1, "bizStep"]) { $0 = "making" }
        let error = try #require(throws: EPCISValidationError.self) { try EPCISDocument(validating: document) }
        #expect(
            error.violations.map { "\($0.eventIndex ?? -1) \($0.code) \($0.pointer)" } == [
                "0 epcis_invalid_value /epcisBody/eventList/0/eventTime",
                "1 epcis_field_forbidden /epcisBody/eventList/1/action",
                "1 epcis_unknown_vocabulary /epcisBody/eventList/1/bizStep",
            ])
        #expect(error.code == "epcis_invalid_value")
        #expect(error.message.contains("event 1"))
    }

    @Test
    func aBareEventNeedsItsContext() throws {
        let event: JSONValue = [
            "type": "ObjectEvent", "action": "OBSERVE", "eventTime": "2024-01-01T00:00:00Z", "eventTimeZoneOffset": "+00:00",
            "epcList": ["urn:epc:id:sgtin:4012345.011111.1"],
        ]
        #expect(EPCISValidator.violations(in: event).map(\.pointer) == ["/@context"])
        var withContext = event
        withContext.edit(["@context"]) { $0 = ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"] }
        #expect(EPCISValidator.violations(in: withContext).isEmpty)
        #expect(try EPCISEvent(validating: withContext).epcList == ["urn:epc:id:sgtin:4012345.011111.1"])
        #expect(throws: EPCISValidationError.self) { try EPCISDocument(validating: withContext) }
        #expect(EPCISValidator.violations(in: "ObjectEvent").map(\.code) == ["epcis_invalid_document"])
    }

    /// The full ObjectEvent example with one random member replaced by a random JSON value, or
    /// removed; the same documents on every run.
    static func damagedDocuments(count: Int) throws -> [JSONValue] {
        let document = try EPCISCorpus.document(Mutation.fullObjectEvent)
        let event = try #require(EPCISCorpus.events(of: document).first)
        var random = SeededRandom(seed: 0x6570_6369_73)
        let junk: [JSONValue] = [
            .null, true, 0, -1.5, "", "x", "urn:uuid:1", "2024-02-30T00:00:00Z", "+14:00", [], [1, "a"], [:],
            ["id": 5], ["type": "Temperature"], [["epcClass": "urn:x"]],
        ]
        var documents: [JSONValue] = []
        while documents.count < count {
            var value = event
            var path: [JSONStep] = []
            var cursor = value
            while Int.random(in: 0..<3, using: &random) > 0 {
                if case .object(let object) = cursor, !object.isEmpty {
                    let key = object.keys[Int.random(in: 0..<object.count, using: &random)]
                    path.append(.key(key))
                    cursor = object[key]!
                } else if case .array(let array) = cursor, !array.isEmpty {
                    let index = Int.random(in: 0..<array.count, using: &random)
                    path.append(.index(index))
                    cursor = array[index]
                } else {
                    break
                }
            }
            guard !path.isEmpty else { continue }
            let replacement = Bool.random(using: &random) ? nil : junk[Int.random(in: 0..<junk.count, using: &random)]
            value.edit(path[...]) { $0 = replacement }
            var damaged = document
            damaged.edit(["epcisBody", "eventList", 0]) { $0 = value }
            documents.append(damaged)
        }
        return documents
    }

    /// Damaged input is always a list of violations, never a crash; what passes still round-trips.
    @Test(.vectors)
    func randomDamageIsReportedNotFatal() throws {
        var damaged = 0
        for document in try Self.damagedDocuments(count: 400) {
            let violations = EPCISValidator.violations(in: document)
            if violations.isEmpty {
                let parsed = try EPCISDocument(validating: document)
                #expect(JSONValue.object(parsed.json).serialized() == document.serialized())
            } else {
                damaged += 1
                #expect(violations.allSatisfy { $0.pointer.hasPrefix("/epcisBody/eventList/0") && $0.eventIndex == 0 })
                #expect(throws: EPCISValidationError.self) { try EPCISDocument(validating: document) }
            }
        }
        #expect(damaged > 100)
    }

    @Test
    func formats() {
        for valid in [
            "urn:epc:id:sgtin:0614141.107346.2017", "https://id.gs1.org/01/09520123456788/21/12345?17=201225",
            "ni:///sha-256;df7bb3c352fef055578554f09f5e2aa41782150ced7bd0b8af24dd3ccb30ba69?ver=CBV2.0", "example:myField",
            "urn:epc:idpat:sgtin:4012345.098765.*", "http://[::1]:8080/a%20b#frag", "mailto:a@example.com",
        ] {
            #expect(EPCISFormat.isURI(valid), "\(valid)")
        }
        for invalid in ["", "myField", "1abc:x", "urn:epc id", "https://a.example/%zz", "https://a.example:80x/", "a:b#c#d"] {
            #expect(!EPCISFormat.isURI(invalid), "\(invalid)")
        }
        for valid in ["2005-04-03T20:33:31.116-06:00", "2020-02-29T00:00:00Z", "2019-10-07t15:00:00.000z", "2013-06-08T14:58:56.591+14:00"] {
            #expect(EPCISFormat.isDateTime(valid), "\(valid)")
        }
        for invalid in ["2005-04-03", "2005-04-03T20:33:31", "2019-02-29T00:00:00Z", "2005-04-03T24:00:00Z", "2005-04-03T20:33:31.Z", "0000-01-01T00:00:00Z", "2005-04-03T20:33:31+0100"] {
            #expect(!EPCISFormat.isDateTime(invalid), "\(invalid)")
        }
        for valid in ["+00:00", "-13:59", "+14:00", "-14:00", "+05:30"] { #expect(EPCISFormat.isTimeZoneOffset(valid), "\(valid)") }
        for invalid in ["+14:01", "+15:00", "01:00", "+1:00", "+01:60", "Z"] { #expect(!EPCISFormat.isTimeZoneOffset(invalid), "\(invalid)") }
    }

    /// python-jsonschema (Draft 7, formats asserted) over the published EPCIS JSON schema agrees with
    /// us on every example document and every mutation the schema states.
    @Test(.vectors, .enabled(if: schemaCheckerAvailable || Vectors.required, "python3 with jsonschema, rfc3986-validator, rfc3339-validator not found; fails under CI=true"))
    func jsonSchemaAgrees() throws {
        try #require(Self.schemaCheckerAvailable, "pip install -r .ci/requirements-test.txt (jsonschema and its uri and date-time format checkers)")
        var documents: [(String, JSONValue)] = []
        for path in try EPCISCorpus.examples() + EPCISCorpus.files(under: "epcis/event-hash") {
            documents.append((path, try EPCISCorpus.document(path)))
        }
        let withURNs = "epcis/event-hash/gs1-epcis-WithEventHashID/event_with_identical_hash_id_7.json"
        documents.append((withURNs, try JSONValue(parsing: Array(Vectors.data(withURNs)))))
        for mutation in Mutation.all where mutation.inJSONSchema {
            documents.append((mutation.name, try mutation.apply()))
        }
        let mutations = documents.count
        for (index, document) in try Self.damagedDocuments(count: 120).enumerated() {
            documents.append(("random damage \(index)", document))
        }
        let lines = documents.map { String(decoding: $0.1.serialized(), as: UTF8.self) }.joined(separator: "\n")
        let run = try ReferencePython.run(Self.script, arguments: [try Vectors.url("epcis/schema/EPCIS-JSON-Schema.json").path], input: lines)
        try #require(run.status == 0, "\(run.error)")
        try #require(run.lines.count == documents.count)
        var rejected = 0
        for ((name, json), verdict) in zip(documents, run.lines) {
            let ours = EPCISValidator.violations(in: json)
            #expect(ours.isEmpty == (verdict == "valid"), "\(name): jsonschema says \(verdict), we found \(ours)")
            if verdict != "valid" { rejected += 1 }
        }
        let rejectedBeforeDamage = zip(documents, run.lines).prefix(mutations).filter { $0.1 != "valid" }.count
        #expect(rejectedBeforeDamage == Mutation.all.filter(\.inJSONSchema).count + 1)
        #expect(rejected > rejectedBeforeDamage + 50)
    }

    static let schemaCheckerAvailable = ReferencePython.canImport("jsonschema", "rfc3986_validator", "rfc3339_validator")

    static let script = """
        import json, sys
        from jsonschema import Draft7Validator
        assert {"uri", "date-time"} <= set(Draft7Validator.FORMAT_CHECKER.checkers), "format checkers missing"
        validator = Draft7Validator(json.load(open(sys.argv[1])), format_checker=Draft7Validator.FORMAT_CHECKER)
        for line in sys.stdin.read().split("\\n"):
            errors = list(validator.iter_errors(json.loads(line)))
            print("valid" if not errors else "invalid " + "; ".join(e.message[:80] for e in errors[:2]).replace("\\n", " "))
        """
}
