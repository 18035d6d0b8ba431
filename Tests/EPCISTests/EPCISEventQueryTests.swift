import EPCIS
import Encoding
import Foundation
import Testing

@Suite("EPCIS query language: parameters and matching")
struct EPCISEventQueryTests {
    static let event: JSONObject = {
        let text = """
            {"type":"ObjectEvent","eventID":"urn:uuid:00000000-0000-4000-8000-000000000001","eventTime":"2026-03-02T08:30:00.000+01:00",
             "eventTimeZoneOffset":"+01:00","epcList":["https://id.gs1.org/01/10614141073464/21/2017"],"action":"OBSERVE",
             "bizStep":"shipping","disposition":"https://ref.gs1.org/cbv/Disp-in_transit","readPoint":{"id":"urn:epc:id:sgln:0614141.07346.1234"},
             "bizTransactionList":[{"type":"po","bizTransaction":"urn:epcglobal:cbv:bt:0614141073467:PO-1"}],
             "sourceList":[{"type":"owning_party","source":"urn:epc:id:pgln:4012345.00001"}],
             "quantityList":[{"epcClass":"urn:epc:class:lgtin:4012345.012345.998877","quantity":2}]}
            """
        return try! JSONValue(parsing: Array(text.utf8)).objectValue!
    }()
    static let recorded = Date(timeIntervalSince1970: 1_800_000_000)

    static func query(_ pairs: [(String, String)]) throws(EPCISQueryError) -> EPCISEventQuery {
        try EPCISEventQuery(parameters: pairs.map { (name: $0.0, value: $0.1) })
    }

    static func matches(_ pairs: [(String, String)]) throws -> Bool {
        try query(pairs).matches(event, eventID: "urn:uuid:00000000-0000-4000-8000-000000000001", recordTime: recorded)
    }

    @Test("each parameter keeps the event when it fits and drops it when it does not")
    func eachParameter() throws {
        let cases: [((String, String), (String, String))] = [
            (("eventType", "ObjectEvent|AggregationEvent"), ("eventType", "TransformationEvent")),
            (("GE_eventTime", "2026-03-02T07:30:00Z"), ("GE_eventTime", "2026-03-02T07:30:00.001Z")),
            (("LT_eventTime", "2026-03-02T07:30:00.001Z"), ("LT_eventTime", "2026-03-02T07:30:00Z")),
            (("GE_recordTime", "2027-01-15T08:00:00Z"), ("GE_recordTime", "2027-01-15T08:00:00.001Z")),
            (("LT_recordTime", "2027-01-15T08:00:01Z"), ("LT_recordTime", "2027-01-15T08:00:00Z")),
            (("EQ_action", "OBSERVE"), ("EQ_action", "ADD|DELETE")),
            (("EQ_bizStep", "urn:epcglobal:cbv:bizstep:shipping"), ("EQ_bizStep", "receiving")),
            (("EQ_disposition", "in_transit"), ("EQ_disposition", "https://ref.gs1.org/cbv/Disp-active")),
            (("EQ_readPoint", "urn:epc:id:sgln:0614141.07346.1234"), ("WD_readPoint", "urn:epc:id:sgln:0614141.07346.0")),
            (("MATCH_epc", "urn:epc:id:sgtin:0614141.107346.2017"), ("MATCH_epc", "urn:epc:id:sgtin:0614141.107346.2018")),
            (("MATCH_epc", "urn:epc:idpat:sgtin:0614141.107346.*"), ("MATCH_epc", "urn:epc:idpat:sgtin:0614141.107347.*")),
            (("MATCH_anyEPC", "https://id.gs1.org/01/10614141073464/21/2017"), ("MATCH_parentID", "urn:epc:id:sgtin:0614141.107346.2017")),
            (("MATCH_epcClass", "https://id.gs1.org/01/04012345123456/10/998877"), ("MATCH_inputEPC", "urn:epc:id:sgtin:0614141.107346.2017")),
            (("MATCH_anyEPCClass", "urn:epc:class:lgtin:4012345.012345.998877"), ("MATCH_outputEPC", "urn:epc:id:sgtin:0614141.107346.2017")),
            (("EQ_bizTransaction_po", "urn:epcglobal:cbv:bt:0614141073467:PO-1"), ("EQ_bizTransaction_inv", "urn:epcglobal:cbv:bt:0614141073467:PO-1")),
            (("EQ_source_owning_party", "urn:epc:id:pgln:4012345.00001"), ("EQ_destination_owning_party", "urn:epc:id:pgln:4012345.00001")),
            (("EQ_eventID", "urn:uuid:00000000-0000-4000-8000-000000000001"), ("EQ_eventID", "urn:uuid:00000000-0000-4000-8000-000000000002")),
            (("EXISTS_errorDeclaration", "false"), ("EXISTS_errorDeclaration", "true")),
        ]
        for (kept, dropped) in cases {
            #expect(try Self.matches([kept]), "\(kept)")
            #expect(try !Self.matches([dropped]), "\(dropped)")
        }
        #expect(try !Self.matches([("EQ_bizLocation", "urn:epc:id:sgln:0614141.07346.1234")]), "the event has no bizLocation")
        #expect(try !Self.matches([("EXISTS_errorDeclaration", "")]), "no value means true")
    }

    @Test("unknown, repeated and malformed parameters are refused with their codes")
    func refusals() {
        let cases: [([(String, String)], String)] = [
            ([("EQ_colour", "red")], "epcis_query_parameter_unknown"),
            ([("EQ_bizTransaction_", "x")], "epcis_query_parameter_unknown"),
            ([("EQ_action", "ADD"), ("EQ_action", "DELETE")], "epcis_query_parameter_repeated"),
            ([("EQ_action", "MOVE")], "epcis_query_parameter_invalid"),
            ([("GE_eventTime", "yesterday")], "epcis_query_parameter_invalid"),
            ([("eventType", "PartyEvent")], "epcis_query_parameter_invalid"),
            ([("MATCH_epc", "a||b")], "epcis_query_parameter_invalid"),
            ([("orderBy", "quantity")], "epcis_query_parameter_invalid"),
            ([("orderBy", "eventTime"), ("orderDirection", "UP")], "epcis_query_parameter_invalid"),
            ([("eventCountLimit", "5")], "epcis_query_parameter_invalid"),
            ([("orderBy", "eventTime"), ("eventCountLimit", "-1")], "epcis_query_parameter_invalid"),
            ([("EXISTS_errorDeclaration", "maybe")], "epcis_query_parameter_invalid"),
        ]
        for (pairs, code) in cases {
            do {
                _ = try Self.query(pairs)
                Issue.record("\(pairs) was accepted")
            } catch {
                #expect(error.code == code, "\(pairs)")
            }
        }
    }

    @Test("the index narrows a scan by one plain identifier and one event type only")
    func indexedNarrowing() throws {
        let query = try Self.query([("MATCH_epc", "urn:epc:id:sgtin:0614141.107346.2017"), ("eventType", "ObjectEvent")])
        #expect(query.indexedIdentifier == "https://id.gs1.org/01/10614141073464/21/2017")
        #expect(query.indexedEventType == "ObjectEvent")
        #expect(try Self.query([("MATCH_epc", "urn:epc:idpat:sgtin:0614141.107346.*")]).indexedIdentifier == nil)
        #expect(try Self.query([("MATCH_epc", "a|b"), ("eventType", "ObjectEvent|AggregationEvent")]).indexedEventType == nil)
        let ordered = try Self.query([("orderBy", "recordTime")])
        #expect(ordered.order == .recordTime && ordered.descending)
    }
}
