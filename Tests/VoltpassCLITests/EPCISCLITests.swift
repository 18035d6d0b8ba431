import Foundation
import Testing

@Suite("voltpass epcis and chain")
struct EPCISCLITests {
    static let document = #"""
        {"@context":["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"],"type":"EPCISDocument",
         "schemaVersion":"2.0","creationDate":"2026-03-01T09:00:00Z","epcisBody":{"eventList":[
          {"type":"ObjectEvent","eventTime":"2026-03-01T10:00:00.000+01:00","eventTimeZoneOffset":"+01:00",
           "epcList":["urn:epc:id:sgtin:0614141.107346.2017"],"action":"ADD","bizStep":"commissioning"},
          {"type":"ObjectEvent","eventTime":"2026-03-02T10:00:00.000+01:00","eventTimeZoneOffset":"+01:00",
           "epcList":["https://id.gs1.org/01/10614141073464/21/2017"],"action":"OBSERVE","bizStep":"shipping"},
          {"type":"ObjectEvent","eventTime":"2026-03-03T10:00:00.000+01:00","eventTimeZoneOffset":"+01:00",
           "epcList":["urn:epc:id:sgtin:0614141.107346.2017"],"action":"OBSERVE","bizStep":"receiving"}]}}
        """#

    @Test("issue signs each event, extract gives the events back, chain verify follows the links and names a gap")
    func issueExtractVerify() async throws {
        try await CredentialCLITests.withDirectory { directory in
            let key = directory.appendingPathComponent("key.json").path
            #expect(try await CLI.run(["key", "generate", "--out", key]).status == 0)
            let input = try await CredentialCLITests.write(Self.document, to: directory.appendingPathComponent("doc.json"))
            let issued = try await CLI.run(["epcis", "issue", "--key", key, input])
            #expect(issued.status == 0, "\(issued.error)")
            let credentials = try #require(try JSONSerialization.jsonObject(with: Data(issued.output.utf8)) as? [[String: Any]])
            #expect(credentials.count == 3)
            let all = try await CredentialCLITests.write(issued.output, to: directory.appendingPathComponent("all.json"))

            let extracted = try await CLI.run(["epcis", "extract", all])
            #expect(extracted.status == 0, "\(extracted.error)")
            let events = try await #require(
                ((try CredentialCLITests.json(extracted.output)["epcisBody"] as? [String: Any])?["eventList"]) as? [[String: Any]])
            #expect(events.map { $0["bizStep"] as? String } == ["commissioning", "shipping", "receiving"])

            let verified = try await CLI.run(["chain", "verify", "--no-status", "--json", all])
            #expect(verified.status == 0, "\(verified.output)")

            // Only the last credential: its predecessor cannot be retrieved.
            let last = try await CredentialCLITests.write(
                try CredentialCLITests.serialized(credentials[2]), to: directory.appendingPathComponent("last.json"))
            let gap = try await CLI.run(["chain", "verify", "--no-status", "--json", last])
            #expect(gap.status == 1)
            await #expect(CredentialCLITests.codes(try CredentialCLITests.json(gap.output)) == ["missing_predecessor"])
        }
    }

    @Test("a document with a bad event exits 1 naming the event and member; no files is a usage error")
    func refusals() async throws {
        try await CredentialCLITests.withDirectory { directory in
            let key = directory.appendingPathComponent("key.json").path
            #expect(try await CLI.run(["key", "generate", "--out", key]).status == 0)
            let bad = Self.document.replacingOccurrences(of: #""action":"ADD""#, with: #""action":"CREATE""#)
            let input = try await CredentialCLITests.write(bad, to: directory.appendingPathComponent("bad.json"))
            let refused = try await CLI.run(["epcis", "issue", "--key", key, input])
            #expect(refused.status == 1)
            #expect(refused.error.contains("/epcisBody/eventList/0/action"))
            #expect(refused.output.isEmpty)
            #expect(try await CLI.run(["chain", "verify"]).status == 2)
        }
    }
}
