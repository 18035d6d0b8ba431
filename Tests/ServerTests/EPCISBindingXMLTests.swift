import EPCIS
import Encoding
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import ServerTestSupport
import Testing
import VectorSupport

/// The EPCIS 2.0 REST binding in XML: captures sent as `application/xml` or `text/xml`, queries
/// answered as XML EPCISQueryDocuments when `Accept` prefers XML, `GS1-CBV-XML-Format`, and hostile
/// or invalid XML refused on receipt.
@Suite("EPCIS 2.0 REST binding in XML: capture, queries, CBV formats and refusals")
struct EPCISBindingXMLTests {
    static let base = EPCISBindingTests.base

    /// The JSON test document of the older route's tests, as EPCIS 2.0 XML.
    static func xmlDocument() throws -> (xml: String, events: [EPCISEvent]) {
        let document = try EPCISDocument(json: JSONValue(parsing: Array(EPCISRoutesTests.document.utf8)))
        return (String(decoding: EPCISXML.xml(document), as: UTF8.self), document.eventList)
    }

    static func captureXML(_ client: LoopbackClient, _ xml: String, token: String, contentType: String = "application/xml") async throws -> LoopbackResponse {
        var headers = HTTPFields.bearer(token)
        headers[.contentType] = contentType
        return try await client.execute(uri: base + "/capture", method: .post, headers: headers, body: ByteBuffer(string: xml))
    }

    /// The events of an XML answer, read back by our XML reader.
    static func xmlEvents(_ response: LoopbackResponse) throws -> [EPCISEvent] {
        #expect(response.status == .ok, "\(String(buffer: response.body))")
        #expect(response.headers[.contentType] == "application/xml; charset=utf-8")
        let json = try EPCISXML.read(Array(response.body.readableBytesView))
        return try EPCISQueryDocument(json: .object(json)).eventList
    }

    static func jsonEvents(_ response: LoopbackResponse) throws -> [EPCISEvent] {
        try EPCISBindingTests.events(response).map { try EPCISEvent(json: try #require($0.objectValue)) }
    }

    @Test("an XML capture is signed and stored like a JSON one and reads back the same in JSON and in XML")
    func captureInXMLQueryInBoth() async throws {
        try await withLiveServer { client, _, admin in
            let issuer = try await CredentialRoutesTests.token(client, role: "issuer", admin: admin)
            let (xml, events) = try Self.xmlDocument()
            let job = try await EPCISBindingTests.job(client, try await Self.captureXML(client, xml, token: issuer), token: issuer)
            #expect(job["success"] as? Bool == true, "\(job)")
            #expect((job["eventIDs"] as? [Any])?.count == 3)

            let json = try await EPCISBindingTests.get(client, "/events", token: issuer)
            #expect(json.headers[.contentType] == "application/json")
            let stored = try Self.jsonEvents(json)
            #expect(stored.map { $0.with(eventID: nil) } == events.map { $0.with(eventID: nil) })
            let jsonDocument = try EPCISBindingTests.body(json)
            let capturedHashes = try EventHash.ids(ofDocument: try #require(try EPCISRoutesTests.document.parsedObject()))
            #expect(try EventHash.ids(ofDocument: try #require(jsonDocument.objectValue)) == capturedHashes)

            for accept in ["application/xml", "text/xml", "application/json;q=0.5, application/xml"] {
                let answer = try await EPCISBindingTests.get(client, "/events", token: issuer, headers: [.accept: accept])
                #expect(try Self.xmlEvents(answer) == stored, "\(accept)")
            }
            let preferJSON = try await EPCISBindingTests.get(client, "/events", token: issuer, headers: [.accept: "application/xml;q=0.4, application/json"])
            #expect(preferJSON.headers[.contentType] == "application/json")

            let id = try #require(stored.first?.eventID)
            let one = try await EPCISBindingTests.get(client, "/events/" + EPCISBindingTests.percentEncoded(id), token: issuer, headers: [.accept: "application/xml"])
            #expect(try Self.xmlEvents(one) == [stored[0]])

            let created = try await client.execute(
                uri: Self.base + "/queries", method: .post, headers: .bearer(issuer),
                body: ByteBuffer(string: #"{"name":"shipped","query":{"EQ_bizStep":["shipping"]}}"#))
            #expect(created.status == .created)
            let named = try await EPCISBindingTests.get(client, "/queries/shipped/events", token: issuer, headers: [.accept: "application/xml"])
            let text = String(buffer: named.body)
            #expect(text.contains("<queryName>shipped</queryName>"))
            #expect(try Self.xmlEvents(named).map(\.bizStep) == ["shipping"])
        }
    }

    @Test("a JSON capture reads back in XML as the same events, with the same event hashes")
    func captureInJSONQueryInXML() async throws {
        try await withLiveServer { client, _, admin in
            let issuer = try await CredentialRoutesTests.token(client, role: "issuer", admin: admin)
            _ = try await EPCISBindingTests.job(client, try await EPCISBindingTests.capture(client, EPCISRoutesTests.document, token: issuer), token: issuer)
            let json = try await EPCISBindingTests.get(client, "/events", token: issuer)
            let xml = try await EPCISBindingTests.get(client, "/events", token: issuer, headers: [.accept: "application/xml"])
            #expect(try Self.xmlEvents(xml) == Self.jsonEvents(json))
            let fromXML = try EPCISXML.read(Array(xml.body.readableBytesView))
            #expect(try EventHash.ids(ofDocument: fromXML) == EventHash.ids(ofDocument: try #require(EPCISBindingTests.body(json).objectValue)))
        }
    }

    @Test("an EPCIS 1.2 XML capture is converted to 2.0 and stored as such")
    func epcis1Point2Capture() async throws {
        try await withLiveServer { client, _, admin in
            let issuer = try await CredentialRoutesTests.token(client, role: "issuer", admin: admin)
            let xml = """
                <?xml version="1.0" encoding="UTF-8"?>
                <epcis:EPCISDocument xmlns:epcis="urn:epcglobal:epcis:xsd:1" xmlns:ex="https://example.com/ns/" schemaVersion="1.2" creationDate="2026-03-01T09:00:00Z">
                  <EPCISBody><EventList>
                    <ObjectEvent>
                      <eventTime>2026-03-01T10:00:00.000+01:00</eventTime><eventTimeZoneOffset>+01:00</eventTimeZoneOffset>
                      <baseExtension><eventID>urn:uuid:7c9e0c5e-1111-4b0a-9a9e-0000000012a1</eventID></baseExtension>
                      <epcList><epc>\(EPCISRoutesTests.item)</epc></epcList><action>ADD</action>
                      <bizStep>urn:epcglobal:cbv:bizstep:commissioning</bizStep><disposition>urn:epcglobal:cbv:disp:active</disposition>
                      <extension><ilmd><ex:lot>L1</ex:lot></ilmd></extension>
                    </ObjectEvent>
                    <extension><TransformationEvent>
                      <eventTime>2026-03-01T11:00:00.000+01:00</eventTime><eventTimeZoneOffset>+01:00</eventTimeZoneOffset>
                      <inputQuantityList><quantityElement><epcClass>\(EPCISRoutesTests.lot)</epcClass><quantity>2</quantity><uom>KGM</uom></quantityElement></inputQuantityList>
                      <outputEPCList><epc>\(EPCISRoutesTests.pack)</epc></outputEPCList>
                    </TransformationEvent></extension>
                  </EventList></EPCISBody>
                </epcis:EPCISDocument>
                """
            let job = try await EPCISBindingTests.job(client, try await Self.captureXML(client, xml, token: issuer), token: issuer)
            #expect(job["success"] as? Bool == true, "\(job)")
            let stored = try Self.jsonEvents(try await EPCISBindingTests.get(client, "/events", token: issuer))
            #expect(stored.map(\.type) == [.objectEvent, .transformationEvent])
            #expect(stored.first?.eventID == "urn:uuid:7c9e0c5e-1111-4b0a-9a9e-0000000012a1")
            #expect(stored.first?.bizStep == "commissioning")
            #expect(stored.first?.disposition == "active")
            #expect(stored.first?.ilmd == ["ex:lot": "L1"])
        }
    }

    static let xmllint = ["/usr/bin/xmllint", "/usr/local/bin/xmllint", "/opt/homebrew/bin/xmllint"].first { FileManager.default.isExecutableFile(atPath: $0) }

    @Test(
        "the XML answers (a page, one event, a per-dimension resource; each CBV format) validate against GS1's query XSD",
        .vectors, .enabled(if: xmllint != nil || Vectors.required, "xmllint (apt libxml2-utils) not found; fails under CI=true"))
    func answersValidateAgainstTheXSD() async throws {
        let xmllint = try #require(Self.xmllint, "apt-get install libxml2-utils")
        let schema = try Vectors.url("epcis/xsd/EPCglobal-epcis-query-2_0.xsd").path
        try await withLiveServer { client, _, admin in
            let issuer = try await CredentialRoutesTests.token(client, role: "issuer", admin: admin)
            _ = try await EPCISBindingTests.job(client, try await EPCISBindingTests.capture(client, EPCISRoutesTests.document, token: issuer), token: issuer)
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("voltpass-xsd-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: directory) }
            let id = try #require(try Self.jsonEvents(try await EPCISBindingTests.get(client, "/events", token: issuer)).first?.eventID)
            var files: [String] = []
            for format in CBVXMLFormat.allCases {
                for uri in ["/events?perPage=2", "/events/" + EPCISBindingTests.percentEncoded(id), "/bizSteps/shipping/events"] {
                    let answer = try await EPCISBindingTests.get(
                        client, uri, token: issuer, headers: [.accept: "application/xml", HTTPField.Name("GS1-CBV-XML-Format")!: format.rawValue])
                    #expect(answer.status == .ok)
                    let file = directory.appendingPathComponent("answer\(files.count).xml")
                    try Data(answer.body.readableBytesView).write(to: file)
                    files.append(file.path)
                }
            }
            let process = Process()
            process.executableURL = URL(fileURLWithPath: xmllint)
            process.arguments = ["--noout", "--nonet", "--schema", schema] + files
            let pipe = Pipe()
            process.standardOutput = pipe
            process.standardError = pipe
            try process.run()
            let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            #expect(process.terminationStatus == 0, "\(output)")
            #expect(output.split(separator: "\n").filter { $0.hasSuffix(" validates") }.count == files.count, "\(output)")
        }
    }

    @Test("GS1-CBV-XML-Format: URNs by default, Web URIs on request, anything else 406")
    func cbvFormats() async throws {
        try await withLiveServer { client, _, admin in
            let issuer = try await CredentialRoutesTests.token(client, role: "issuer", admin: admin)
            let (xml, _) = try Self.xmlDocument()
            _ = try await EPCISBindingTests.job(client, try await Self.captureXML(client, xml, token: issuer, contentType: "text/xml; charset=utf-8"), token: issuer)
            let urn = try await EPCISBindingTests.get(client, "/events", token: issuer, headers: [.accept: "application/xml"])
            #expect(String(buffer: urn.body).contains("<bizStep>urn:epcglobal:cbv:bizstep:shipping</bizStep>"))
            let web = try await EPCISBindingTests.get(
                client, "/events", token: issuer, headers: [.accept: "application/xml", HTTPField.Name("GS1-CBV-XML-Format")!: "Always_Web_URI"])
            #expect(String(buffer: web.body).contains("<bizStep>https://ref.gs1.org/cbv/BizStep-shipping</bizStep>"))
            #expect(web.headers[HTTPField.Name("GS1-CBV-XML-Format")!] == "Always_Web_URI")
            #expect(try Self.xmlEvents(web) == Self.xmlEvents(urn))
            let refused = try await EPCISBindingTests.get(
                client, "/events", token: issuer, headers: [.accept: "application/xml", HTTPField.Name("GS1-CBV-XML-Format")!: "Sometimes"])
            #expect(refused.status == .notAcceptable)
            #expect(try EPCISBindingTests.problem(refused) == ("epcisException:NotAcceptableException", "epcis_cbv_xml_format_unsupported"))
        }
    }

    @Test("an event with several certificationInfo URIs (JSON allows them, the XSD one) is answered in JSON, refused in XML")
    func severalCertificationsHaveNoXML() async throws {
        try await withLiveServer { client, _, admin in
            let issuer = try await CredentialRoutesTests.token(client, role: "issuer", admin: admin)
            let document = """
                {"@context":["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"],"type":"EPCISDocument","schemaVersion":"2.0",
                 "creationDate":"2026-03-01T09:00:00Z","epcisBody":{"eventList":[
                  {"type":"ObjectEvent","eventID":"urn:uuid:ce271f1c-0000-4000-8000-000000000001","eventTime":"2026-03-02T08:30:00.000Z",
                   "eventTimeZoneOffset":"+00:00","epcList":["urn:epc:id:sgtin:0614141.107346.C1"],"action":"OBSERVE",
                   "certificationInfo":["https://accreditation-council.example.org/certificate/ABC12345","https://example.org/c/2"]}]}}
                """
            _ = try await EPCISBindingTests.job(client, try await EPCISBindingTests.capture(client, document, token: issuer), token: issuer)
            let json = try await EPCISBindingTests.get(client, "/events", token: issuer)
            #expect(try EPCISBindingTests.events(json).first?["certificationInfo"]?.arrayValue?.count == 2)
            let xml = try await EPCISBindingTests.get(client, "/events", token: issuer, headers: [.accept: "application/xml"])
            #expect(xml.status == .notAcceptable)
            #expect(try EPCISBindingTests.problem(xml) == ("epcisException:NotAcceptableException", "epcis_xml_unrepresentable"))
        }
    }

    @Test("hostile, malformed or schema-breaking XML is refused on receipt with its code, and nothing is stored")
    func refusals() async throws {
        try await withLiveServer { client, _, admin in
            let issuer = try await CredentialRoutesTests.token(client, role: "issuer", admin: admin)
            let (xml, _) = try Self.xmlDocument()
            let laughs = "<?xml version=\"1.0\"?><!DOCTYPE d [<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;\">]>"
            let body = try #require(xml.firstIndex(of: "\n")).utf16Offset(in: xml)
            let withoutDeclaration = String(xml.dropFirst(body + 1))
            let cases: [(String, String)] = [
                (laughs + withoutDeclaration, "xml_doctype_forbidden"),
                ("<!DOCTYPE d SYSTEM \"file:///etc/passwd\">" + withoutDeclaration, "xml_doctype_forbidden"),
                (xml.replacingOccurrences(of: "shipping", with: "&xxe;"), "xml_entity_undeclared"),
                (xml.replacingOccurrences(of: "</EventList>", with: ""), "xml_malformed"),
                (xml.replacingOccurrences(of: "encoding=\"UTF-8\"", with: "encoding=\"ISO-8859-1\""), "xml_encoding_unsupported"),
                (xml.replacingOccurrences(of: "urn:epcglobal:epcis:xsd:2", with: "urn:example:other"), "xml_not_epcis_document"),
                (xml.replacingOccurrences(of: "<action>OBSERVE</action>", with: ""), "xml_schema_invalid"),
                (xml.replacingOccurrences(of: "</ObjectEvent>", with: String(repeating: "<ex:a xmlns:ex=\"urn:x\">", count: 60) + "</ObjectEvent>"), "xml_too_deep"),
            ]
            for (document, code) in cases {
                let response = try await Self.captureXML(client, document, token: issuer)
                #expect(response.status == .badRequest, "\(code): \(String(buffer: response.body))")
                #expect(try EPCISBindingTests.problem(response) == ("epcisException:ValidationException", code))
            }
            #expect(try EPCISBindingTests.events(try await EPCISBindingTests.get(client, "/events", token: issuer)).isEmpty)
            let jobs = try await EPCISBindingTests.get(client, "/capture", token: issuer)
            #expect(try EPCISBindingTests.body(jobs).arrayValue?.isEmpty == true)
        }
    }
}

extension EPCISEvent {
    /// The event with another eventID (the capture adds the event hash to events that had none).
    fileprivate func with(eventID: String?) -> EPCISEvent {
        var event = self
        event.eventID = eventID
        return event
    }
}

extension String {
    /// The JSON object this text is.
    fileprivate func parsedObject() throws -> JSONObject? { try JSONValue(parsing: Array(utf8)).objectValue }
}
