import Credentials
import EPCIS
import Encoding
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Server
import ServerTestSupport
import RDF
import Testing

@Suite("HTTP EPCIS capture, query, traceability and chains")
struct EPCISRoutesTests {
    static let item = "urn:epc:id:sgtin:0614141.107346.2017"
    /// The same item as a GS1 Digital Link (GTIN 10614141073464).
    static let itemLink = "https://id.gs1.org/01/10614141073464/21/2017"
    static let pack = "urn:epc:id:sgtin:0614141.107346.PACK1"
    static let lot = "urn:epc:class:lgtin:4012345.012345.998877"

    /// Commissioning of the item from a lot (transformation), shipping it (by its Digital Link, no
    /// eventID), then assembling it into a pack.
    static let document = """
        {"@context":["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld",{"example":"https://ns.example.com/epcis/"}],
         "type":"EPCISDocument","schemaVersion":"2.0","creationDate":"2026-03-01T09:00:00Z",
         "epcisBody":{"eventList":[
          {"type":"TransformationEvent","eventID":"urn:uuid:7c9e0c5e-1111-4b0a-9a9e-000000000001",
           "eventTime":"2026-03-01T10:00:00.000+01:00","eventTimeZoneOffset":"+01:00",
           "inputQuantityList":[{"epcClass":"\(lot)","quantity":12.5,"uom":"KGM"}],
           "outputEPCList":["\(item)"],"bizStep":"commissioning","example:line":"L7"},
          {"type":"ObjectEvent","eventTime":"2026-03-02T08:30:00.000Z","eventTimeZoneOffset":"+00:00",
           "epcList":["\(itemLink)"],"action":"OBSERVE","bizStep":"shipping","disposition":"in_transit"},
          {"type":"AssociationEvent","eventID":"urn:uuid:7c9e0c5e-1111-4b0a-9a9e-000000000003",
           "eventTime":"2026-03-03T12:00:00.000+01:00","eventTimeZoneOffset":"+01:00",
           "parentID":"\(pack)","childEPCs":["\(item)"],"action":"ADD","bizStep":"assembling"}
         ]}}
        """

    static func capture(_ client: LoopbackClient, _ body: String, token: String?) async throws -> LoopbackResponse {
        try await CredentialRoutesTests.post(client, "/epcis/capture", body, token: token)
    }

    static func get(_ client: LoopbackClient, _ uri: String) async throws -> LoopbackResponse {
        try await client.execute(uri: uri, method: .get)
    }

    static func credential(_ client: LoopbackClient, _ id: String) async throws -> Credential {
        let response = try await get(client, "/credentials/\(id)")
        #expect(response.status == .ok)
        return try Credential(parsing: Array(Data(buffer: response.body)))
    }

    @Test("a captured document becomes linked, signed event credentials that give back each event exactly")
    func captureLinksAndRoundTrips() async throws {
        try await withLiveServer { client, server, admin in
            let issuer = try await CredentialRoutesTests.token(client, role: "issuer", admin: admin)
            #expect(try await Self.capture(client, Self.document, token: nil).status == .unauthorized)
            let captured = try await Self.capture(client, Self.document, token: issuer)
            #expect(captured.status == .created)
            let ids = try #require(try captured.json["credentialIds"] as? [String])
            let eventIDs = try #require(try captured.json["eventIds"] as? [String])
            #expect(ids.count == 3)
            #expect(eventIDs[0] == "urn:uuid:7c9e0c5e-1111-4b0a-9a9e-000000000001")
            #expect(eventIDs[1].hasPrefix("ni:///sha-256;") && eventIDs[1].hasSuffix("?ver=CBV2.0"))

            let operatorDID = await server.operatorKeys.did
            let input = try #require(try JSONValue(parsing: Array(Self.document.utf8))["epcisBody"]?["eventList"]?.arrayValue)
            for (index, id) in ids.enumerated() {
                let credential = try await Self.credential(client, id)
                #expect(credential.types.contains(VSCVocabulary.credentialTypes[input[index]["type"]?.stringValue ?? ""] ?? "?"))
                #expect(credential.issuerID == operatorDID)
                #expect(credential.json["credentialStatus"] != nil)
                let carried = try EventCredentialMapping.event(from: credential)
                #expect(JSONValue.object(carried.event).serialized() == input[index].serialized())
                #expect(carried.eventID == eventIDs[index])
            }
            // The shipping event names the item by its Digital Link: it links to the commissioning event.
            #expect(try await EventCredentialMapping.event(from: Self.credential(client, ids[1])).predecessors == [ids[0]])
            #expect(try await EventCredentialMapping.event(from: Self.credential(client, ids[2])).predecessors == [ids[1]])

            let chain = try await CredentialRoutesTests.post(client, "/chains/verify", #"{"credentialId":"\#(ids[2])"}"#)
            #expect(chain.status == .ok, "\(String(buffer: chain.body))")
            #expect(try chain.json["checks"] as? [String] == ["data_model", "proof", "validity_period", "status", "issuer_authority", "chain"])

            let revoked = try await CredentialRoutesTests.post(
                client, "/credentials/status",
                #"{"credentialId":"\#(ids[0])","credentialStatus":{"statusPurpose":"revocation"},"status":true}"#, token: issuer)
            #expect(revoked.status == .ok)
            let broken = try await CredentialRoutesTests.post(client, "/chains/verify", #"{"credentialId":"\#(ids[2])"}"#)
            #expect(broken.status == .badRequest)
            let failures = try #require(try broken.json["failures"] as? [[String: Any]])
            #expect(failures.compactMap { $0["code"] as? String } == ["predecessor_revoked"])
            #expect(failures.first?["credentialId"] as? String == ids[0])
        }
    }

    @Test("query by item (either form), business step and type (the public sees public events, a token its operators' too); trace downstream from the lot and upstream from the pack")
    func queryAndTrace() async throws {
        try await withLiveServer { client, _, admin in
            let issuer = try await CredentialRoutesTests.token(client, role: "issuer", admin: admin)
            let ids = try #require(try await Self.capture(client, Self.document, token: issuer).json["credentialIds"] as? [String])
            let byLink = try await Self.get(client, "/epcis/events?epc=\(Self.itemLink)")
            #expect(byLink.status == .ok)
            #expect(try byLink.json["type"] as? String == "EPCISQueryDocument")
            // The public sees the public events: the transformation carries an extension member.
            #expect(try byLink.json["vsc:credentials"] as? [String] == Array(ids.dropFirst()))
            let byLinkWithToken = try await client.execute(uri: "/epcis/events?epc=\(Self.itemLink)", method: .get, headers: .bearer(issuer))
            #expect(try byLinkWithToken.json["vsc:credentials"] as? [String] == ids)
            let shipped = try await Self.get(client, "/epcis/events?epc=\(Self.item)&bizStep=shipping")
            #expect(try shipped.json["vsc:credentials"] as? [String] == [ids[1]])
            let results = try #require(try shipped.json["epcisBody"] as? [String: Any])
            let events = ((results["queryResults"] as? [String: Any])?["resultsBody"] as? [String: Any])?["eventList"] as? [[String: Any]]
            #expect(events?.first?["bizStep"] as? String == "shipping")
            let transformations = try await client.execute(uri: "/epcis/events?eventType=TransformationEvent", method: .get, headers: .bearer(issuer))
            #expect(try transformations.json["vsc:credentials"] as? [String] == [ids[0]])
            #expect(try await Self.get(client, "/epcis/events?eventType=TransformationEvent").json["vsc:credentials"] as? [String] == [])

            let down = try await Self.get(client, "/epcis/trace?identifier=\(Self.lot)&direction=downstream")
            #expect(down.status == .ok)
            let reached = try #require(try down.json["identifiers"] as? [String])
            #expect(reached.count == 3)
            #expect(reached.last == EventCredentialIssuer.canonicalIdentifier(Self.pack))
            let up = try await Self.get(client, "/epcis/trace?identifier=\(Self.pack)&direction=upstream")
            #expect((try up.json["events"] as? [[String: Any]])?.count == 3)
            #expect(try await Self.get(client, "/epcis/trace?identifier=x&direction=sideways").status == .badRequest)
            #expect(try await Self.get(client, "/epcis/events?limit=0").status == .badRequest)
        }
    }

    @Test("a bad event refuses the whole document, naming the event and member; nothing is stored")
    func badEventRefusesDocument() async throws {
        try await withLiveServer { client, _, admin in
            let issuer = try await CredentialRoutesTests.token(client, role: "issuer", admin: admin)
            let bad = Self.document.replacingOccurrences(
                of: #""outputEPCList":["#, with: #""action":"ADD","outputEPCList":["#)
            let refused = try await Self.capture(client, bad, token: issuer)
            #expect(refused.status == .badRequest)
            #expect(refused.headers[.contentType] == "application/problem+json")
            let violations = try #require(try refused.json["violations"] as? [[String: Any]])
            #expect(violations.first?["eventIndex"] as? Int == 0)
            #expect(violations.first?["pointer"] as? String == "/epcisBody/eventList/0/action")
            #expect(violations.first?["code"] as? String == "epcis_field_forbidden")
            let none = try await Self.get(client, "/epcis/events")
            #expect(try none.json["vsc:credentials"] as? [String] == [])
            #expect(try await Self.capture(client, "[1]", token: issuer).status == .badRequest)
            #expect(try await Self.get(client, "/credentials/urn:uuid:none").status == .notFound)
        }
    }

    /// Voltpass's own contexts at the paths of their IRIs (and the older /contexts/… paths): the exact
    /// bytes every Voltpass verifier has pinned, which is what a credential's RDFC hash rests on.
    @Test("the VSC and battery contexts are served at their IRIs' paths, pinned bytes")
    func context() async throws {
        try await withLiveServer { client, _, _ in
            for (path, url) in [
                ("/ns/vsc/v1", VSCVocabulary.contextURL), ("/contexts/vsc/v1", VSCVocabulary.contextURL),
                ("/ns/battery/v1", "https://voltpass.dev/ns/battery/v1"), ("/contexts/battery/v1", "https://voltpass.dev/ns/battery/v1"),
                ("/ns/battery/v2", "https://voltpass.dev/ns/battery/v2"), ("/contexts/battery/v2", "https://voltpass.dev/ns/battery/v2"),
            ] {
                let response = try await Self.get(client, path)
                #expect(response.status == .ok, "\(path)")
                #expect(response.headers[.contentType] == "application/ld+json")
                #expect(Array(Data(buffer: response.body)) == BundledContexts.shippedBytes[url], "\(path)")
            }
            let terms = try #require(try await Self.get(client, "/ns/vsc/v1").json["@context"] as? [String: Any])
            #expect(terms["VscObjectEventCredential"] as? String == "vsc:VscObjectEventCredential")
            #expect(terms["@protected"] as? Bool == true)
        }
    }
}
