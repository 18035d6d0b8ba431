import Foundation
import HTTPTypes
import Hummingbird
import Identity
import ServerTestSupport
import Testing

/// The page's provenance: each credential a battery's bill of materials names (here a cell lot's
/// commissioning event), verified on its own, with the other EPCIS events of that lot, each with its
/// own verdict; a revoked event shows as such while the passport stays genuine. The timeline shows
/// the battery's own EPCIS events with their signers.
struct PassportProvenanceTests {
    static let lot = "urn:epc:class:lgtin:4012345.022222.CL-0001"
    static let cells = """
        {"@context":["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"],
         "type":"EPCISDocument","schemaVersion":"2.0","creationDate":"2026-11-01T09:00:00Z",
         "epcisBody":{"eventList":[
          {"type":"ObjectEvent","eventTime":"2026-11-01T08:00:00.000Z","eventTimeZoneOffset":"+00:00","action":"ADD",
           "epcList":[],"quantityList":[{"epcClass":"\(lot)","quantity":16}],"bizStep":"commissioning","disposition":"active"},
          {"type":"ObjectEvent","eventTime":"2026-11-05T08:00:00.000Z","eventTimeZoneOffset":"+00:00","action":"OBSERVE",
           "epcList":[],"quantityList":[{"epcClass":"\(lot)","quantity":16}],"bizStep":"shipping","disposition":"in_transit"}
         ]}}
        """

    static func page(_ client: LoopbackClient, language: String = "en") async throws -> String {
        let response = try await client.execute(
            uri: "/verify/device/P-1", method: .get, headers: [.accept: "text/html", .acceptLanguage: language])
        #expect(response.status == .ok)
        return String(buffer: response.body)
    }

    /// The `<li class="component" …>` of the page's provenance list that mentions `text`.
    static func component(_ page: String, mentioning text: String) -> Substring? {
        page.components(separatedBy: "<li class=\"component\"").dropFirst().first { $0.contains(text) }.map { Substring($0) }
    }

    @Test func componentsAndTheirLotEventsAreVerifiedEachOnTheirOwn() async throws {
        try await withLiveServer { client, _, admin in
            let instance = try await CredentialRoutesTests.token(client, role: "issuer", admin: admin)
            let captured = try await EPCISRoutesTests.capture(client, Self.cells, token: instance)
            #expect(captured.status == .created)
            let ids = try #require(try captured.json["credentialIds"] as? [String])
            let auth = HTTPFields.bearer(try await client.registerOperator("packmaker", admin: admin))
            var device = PassportFixtures.device(serial: "P-1", lot: "PL-1", key: SoftwareSigner.generate(.ed25519))
            device["bom"] = ["hash": .string("sha256:" + String(repeating: "1e", count: 32)), "components": [.string(ids[0]), "urn:uuid:not-held-here"]]
            let issued = try await client.execute(
                uri: "/manufacturing/device/issue", method: .post, headers: auth, body: jsonBody(["operator": "packmaker", "device": .object(device)]))
            #expect(issued.status == .created)
            _ = try await client.execute(uri: "/operators/packmaker/anchor", method: .post, headers: auth)

            let page = try await Self.page(client)
            #expect(page.contains("data-verdict=\"green\""))
            let lot = try #require(Self.component(page, mentioning: ids[0]) ?? Self.component(page, mentioning: "commissioning"))
            #expect(lot.hasPrefix(" data-verified=\"true\""), "\(lot)")
            #expect(lot.contains("commissioning · active") && lot.contains("<code>\(Self.lot)</code>"))
            #expect(lot.contains("shipping · in_transit") && !lot.contains("not verified"), "\(lot)")
            // The timeline lists the battery's own EPCIS events with their signers: its commissioning at end-of-line.
            let timeline = try #require(page.components(separatedBy: "<ol id=\"timeline\">").last?.components(separatedBy: "</ol>").first)
            #expect(timeline.contains("Supply-chain event: commissioning") && timeline.contains("(signed by packmaker)"), "\(timeline)")
            #expect(!timeline.contains("not verified"), "\(timeline)")
            let missing = try #require(Self.component(page, mentioning: "urn:uuid:not-held-here"))
            #expect(missing.hasPrefix(" data-verified=\"false\"") && missing.contains("component_not_found"))

            // The cell maker revokes its shipping event: the page says so of that event only.
            let revoked = try await CredentialRoutesTests.post(
                client, "/credentials/status",
                #"{"credentialId":"\#(ids[1])","credentialStatus":{"type":"BitstringStatusListEntry","statusPurpose":"revocation"},"status":true}"#,
                token: instance)
            #expect(revoked.status == .ok)
            let after = try await Self.page(client)
            let lotAfter = try #require(Self.component(after, mentioning: "commissioning"))
            #expect(lotAfter.hasPrefix(" data-verified=\"true\""))
            #expect(lotAfter.contains("shipping · in_transit") && lotAfter.contains("not verified: revoked"), "\(lotAfter)")
            #expect(after.contains("data-verdict=\"green\""), "the passport itself is still genuine")

            let german = try await Self.page(client, language: "de")
            #expect(german.contains("<h2>Herkunft</h2>") && german.contains("nicht bestätigt: revoked"))
        }
    }
}
