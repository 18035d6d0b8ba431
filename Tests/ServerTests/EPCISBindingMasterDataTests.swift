import Encoding
import Foundation
import Server
import ServerTestSupport
import Testing

/// Master data captured with documents and the query parameters that draw on it (`WD_…`,
/// `HASATTR_…`, `EQ_ATTR_…`), and `maxEventCount`, through the binding's routes on both stores.
@Suite("EPCIS 2.0 REST binding: location hierarchies, master data attributes and maxEventCount")
struct EPCISBindingMasterDataTests {
    /// A site with two rooms, one of which has a dock: read points at the site, a room, the dock and
    /// a sibling site; the master data names the children and each room's `cbvmda:sst`.
    static let document = """
        {"@context":["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"],"type":"EPCISDocument","schemaVersion":"2.0",
         "creationDate":"2026-03-01T09:00:00Z",
         "epcisHeader":{"epcisMasterData":{"vocabularyList":[{"type":"urn:epcglobal:epcis:vtype:ReadPoint","vocabularyElementList":[
           {"id":"urn:epc:id:sgln:4012345.00001.0","children":["urn:epc:id:sgln:4012345.00001.1","urn:epc:id:sgln:4012345.00001.2"]},
           {"id":"urn:epc:id:sgln:4012345.00001.1","attributes":[{"id":"urn:epcglobal:cbv:mda#sst","attribute":"201"}],
            "children":["https://id.gs1.org/414/4012345000016/254/9"]},
           {"id":"urn:epc:id:sgln:4012345.00001.2","attributes":[{"id":"urn:epcglobal:cbv:mda#sst","attribute":"202"}]}]}]}},
         "epcisBody":{"eventList":[
           \(event(1, "urn:epc:id:sgln:4012345.00001.0")),\(event(2, "urn:epc:id:sgln:4012345.00001.1")),
           \(event(3, "urn:epc:id:sgln:4012345.00001.9")),\(event(4, "urn:epc:id:sgln:4012345.00002.0"))]}}
        """

    static func event(_ number: Int, _ readPoint: String) -> String {
        #"{"type":"ObjectEvent","eventID":"urn:uuid:00000000-0000-4000-8000-00000000000\#(number)","eventTime":"2026-03-01T10:0\#(number):00Z","eventTimeZoneOffset":"+00:00","epcList":["urn:epc:id:sgtin:0614141.107346.M\#(number)"],"action":"OBSERVE","bizStep":"receiving","readPoint":{"id":"\#(readPoint)"}}"#
    }

    @Test("WD_readPoint finds the location and its descendants, not its siblings; attributes select locations", arguments: EPCISBindingTests.storeKinds)
    func hierarchy(_ storeKind: String) async throws {
        try await withLiveServer(storeKind: storeKind) { client, _, admin in
            let issuer = try await CredentialRoutesTests.token(client, role: "issuer", admin: admin)
            let job = try await EPCISBindingTests.job(client, try await EPCISBindingTests.capture(client, Self.document, token: issuer), token: issuer)
            #expect(job["success"] as? Bool == true)
            func numbers(_ query: String) async throws -> [String] {
                let response = try await EPCISBindingTests.get(client, "/events?" + query, token: issuer)
                return try EPCISBindingTests.events(response).compactMap { $0["eventID"]?.stringValue?.suffix(1).description }
            }
            #expect(try await numbers("WD_readPoint=urn:epc:id:sgln:4012345.00001.0") == ["1", "2", "3"])
            #expect(try await numbers("WD_readPoint=urn:epc:id:sgln:4012345.00001.1") == ["2", "3"])
            #expect(try await numbers("WD_readPoint=urn:epc:id:sgln:4012345.00001.2").isEmpty)
            #expect(try await numbers("EQ_readPoint=urn:epc:id:sgln:4012345.00001.0") == ["1"])
            #expect(try await numbers("WD_bizLocation=urn:epc:id:sgln:4012345.00001.0").isEmpty, "the hierarchy is of read points")
            let sst = EPCISBindingTests.percentEncoded("urn:epcglobal:cbv:mda#sst")
            #expect(try await numbers("HASATTR_readPoint=\(sst)") == ["2"])
            let either = try await numbers("EQ_ATTR_readPoint_\(sst)=202%7C201")
            #expect(either == ["2"])
            #expect(try await numbers("EQ_ATTR_readPoint_\(sst)=203").isEmpty)
        }
    }

    @Test("maxEventCount exceeded is QueryTooLargeException; within it the events come back", arguments: EPCISBindingTests.storeKinds)
    func maxEventCount(_ storeKind: String) async throws {
        try await withLiveServer(storeKind: storeKind) { client, _, admin in
            let issuer = try await CredentialRoutesTests.token(client, role: "issuer", admin: admin)
            _ = try await EPCISBindingTests.job(client, try await EPCISBindingTests.capture(client, Self.document, token: issuer), token: issuer)
            let within = try await EPCISBindingTests.get(client, "/events?maxEventCount=4&perPage=2", token: issuer)
            #expect(try EPCISBindingTests.events(within).count == 2)
            let over = try await EPCISBindingTests.get(client, "/events?maxEventCount=3", token: issuer)
            #expect(over.status == .contentTooLarge)
            let problem = try EPCISBindingTests.problem(over)
            #expect(problem.type == "epcisException:QueryTooLargeException")
            #expect(problem.code == "epcis_query_too_large")
            let both = try await EPCISBindingTests.get(client, "/events?maxEventCount=3&orderBy=eventTime&eventCountLimit=2", token: issuer)
            #expect(both.status == .badRequest)
            #expect(try EPCISBindingTests.problem(both).type == "epcisException:QueryParameterException")
        }
    }
}
