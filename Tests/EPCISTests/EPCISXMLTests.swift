import EPCIS
import Encoding
import Foundation
import Testing
import VectorSupport

/// The EPCIS XML binding: GS1's XML vectors read into our model, checked against the reference
/// Event Hash IDs, round trips between XML and JSON-LD, our XML checked by xmllint against GS1's
/// XSD, and hostile XML refused by code.
@Suite("EPCIS XML: reading, writing, event hashes, the XSD and hostile input")
struct EPCISXMLTests {
    /// Paths (relative to the vectors folder) of every `.xml` under `folder`, sorted.
    static func xmlFiles(under folder: String) throws -> [String] {
        let root = try Vectors.url(folder)
        guard let walker = FileManager.default.enumerator(at: root, includingPropertiesForKeys: nil) else { return [] }
        return walker.compactMap { $0 as? URL }.filter { $0.pathExtension == "xml" }
            .map { folder + "/" + $0.path.dropFirst(root.path.count + 1) }.sorted()
    }

    /// Vectors that are not EPCIS documents: capture-job answers and a master-data document.
    static func isOtherDocument(_ path: String) -> Bool {
        path.contains("/CaptureJob/") || path.hasSuffix("/Example-masterData.xml")
    }

    /// Vectors the XSD accepts but the JSON binding does not: a sensorReport without `type` (optional
    /// in the XSD, required by the JSON schema), so our model refuses their JSON form.
    static let jsonSchemaRefuses: Set<String> = ["epcis/xml/WithSensorData/SensorDataExamples.xml"]

    /// Events whose reference hash from XML differs from the hash of the same event in JSON: the
    /// reference generator hashes an XML attribute's text as written, where from JSON it hashes
    /// `booleanValue: true` as `True` and expands a value's declared prefix (`example:z` to its
    /// IRI); its XML path expands only `gs1:`. Our JSON form of these events is the standard's, so
    /// their hashes are the JSON ones. (Indices within `SensorDataExamples.xml`.)
    static let referenceXMLQuirks: Set<Int> = [5, 6, 7, 8, 9, 11]

    static func bytes(_ path: String) throws -> [UInt8] { Array(try Vectors.data(path)) }

    /// The events of a document's JSON form, read by our model (throws when the model refuses it).
    static func events(_ json: JSONObject) throws -> [EPCISEvent] {
        if json["type"]?.stringValue == "EPCISQueryDocument" { return try EPCISQueryDocument(json: .object(json)).eventList }
        return try EPCISDocument(json: .object(json)).eventList
    }

    /// The document's JSON form written as XML and read back.
    static func throughXML(_ json: JSONObject) throws -> JSONObject {
        let xml: [UInt8]
        if json["type"]?.stringValue == "EPCISQueryDocument" {
            xml = EPCISXML.xml(try EPCISQueryDocument(json: .object(json)))
        } else {
            xml = EPCISXML.xml(try EPCISDocument(json: .object(json)))
        }
        return try EPCISXML.read(xml)
    }

    // MARK: - Vectors

    @Test(.vectors)
    func everyXMLVectorReads() throws {
        let paths = try Self.xmlFiles(under: "epcis/xml") + Self.xmlFiles(under: "epcis/event-hash")
        #expect(paths.count >= 60)
        var events = 0
        for path in paths {
            if Self.isOtherDocument(path) {
                #expect(Self.code(try Self.bytes(path), checkingSchema: false) == EPCISXMLError.notEPCIS, "\(path)")
                continue
            }
            let json = try EPCISXML.read(Self.bytes(path), checkingSchema: false)
            if Self.jsonSchemaRefuses.contains(path) {
                #expect(throws: EPCISValidationError.self) { try Self.events(json) }
                continue
            }
            events += try Self.events(json).count
        }
        #expect(events > 100)
    }

    /// The reference generator's hashes of the XML inputs: our XML → JSON-LD mapping gives the
    /// events the reference reads from the same XML, field for field.
    @Test(.vectors)
    func eventHashesOfXMLInputsMatchTheReference() throws {
        let folder = "epcis/event-hash/examples"
        var checked = 0
        for path in try Self.xmlFiles(under: folder) {
            let hashes = String(decoding: try Vectors.data(String(path.dropLast(4)) + ".hashes"), as: UTF8.self)
                .split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            let json = try EPCISXML.read(Self.bytes(path), checkingSchema: false)
            let ids = try EventHash.ids(ofDocument: json)
            #expect(ids.count == hashes.count, "\(path)")
            for (index, (ours, reference)) in zip(ids, hashes).enumerated() {
                if path.hasSuffix("/SensorDataExamples.xml"), Self.referenceXMLQuirks.contains(index) {
                    #expect(ours != reference, "\(path) event \(index) is listed as a reference quirk but agrees")
                    continue
                }
                #expect(ours == reference, "\(path) event \(index)")
                checked += 1
            }
        }
        #expect(checked >= 25)
    }

    @Test(.vectors)
    func eventsOfExpectedEqualDocumentsHashEqual() throws {
        let paths = try Self.xmlFiles(under: "epcis/event-hash/expected_equal") + Self.xmlFiles(under: "epcis/xml/WithEventHashID")
        #expect(paths.count == 16)
        for path in paths {
            let ids = try EventHash.ids(ofDocument: try EPCISXML.read(Self.bytes(path), checkingSchema: false))
            #expect(ids.count >= 1, "\(path)")
            #expect(Set(ids).count == 1, "\(path): \(ids)")
        }
    }

    @Test(.vectors)
    func schemaCheckAcceptsGS1sOwn2Point0Documents() throws {
        let paths = try Self.xmlFiles(under: "epcis/xml").filter { !Self.isOtherDocument($0) }
        for path in paths {
            #expect(throws: Never.self, "\(path)") { try EPCISXML.read(Self.bytes(path)) }
        }
    }

    // MARK: - Round trips

    /// XML → JSON-LD → XML → JSON-LD gives the same events (member for member) and the same hashes.
    @Test(.vectors)
    func xmlToJSONAndBack() throws {
        for path in try Self.xmlFiles(under: "epcis/xml") + Self.xmlFiles(under: "epcis/event-hash")
        where !Self.isOtherDocument(path) && !Self.jsonSchemaRefuses.contains(path) {
            let json = try EPCISXML.read(Self.bytes(path), checkingSchema: false)
            let again = try Self.throughXML(json)
            #expect(try Self.events(again) == Self.events(json), "\(path)")
            #expect(try EventHash.ids(ofDocument: again) == EventHash.ids(ofDocument: json), "\(path)")
        }
    }

    /// JSON-LD → XML → JSON-LD: every official JSON example comes back as the same events by their
    /// Event Hash IDs. User-extension values have no JSON types in XML (GS1's own twins map
    /// `<ext1:boolean>true</ext1:boolean>` to `"true"`), so they are compared as the strings XML
    /// gives back.
    @Test(.vectors)
    func jsonToXMLAndBack() throws {
        var documents = 0
        for path in try EPCISCorpus.examples() + EPCISCorpus.files(under: "epcis/event-hash")
        where !EPCISCorpus.duplicateMemberDocuments.contains(path) {
            guard case .object(let json) = try EPCISCorpus.document(path), (try? Self.events(json)) != nil else { continue }
            let back = try Self.throughXML(json)
            #expect(try EventHash.ids(ofDocument: back) == EventHash.ids(ofDocument: Self.extensionsAsText(json)), "\(path)")
            #expect(try Self.events(back).count == Self.events(json).count, "\(path)")
            documents += 1
        }
        #expect(documents >= 60)
    }

    /// The document with every scalar under a CURIE- or IRI-named member written as XML text.
    static func extensionsAsText(_ object: JSONObject, inExtension: Bool = false) -> JSONObject {
        var result = JSONObject()
        for (key, value) in object {
            result[key] = key == "@context" ? value : extensionsAsText(value, inExtension: inExtension || key.contains(":"))
        }
        return result
    }

    static func extensionsAsText(_ value: JSONValue, inExtension: Bool) -> JSONValue {
        switch value {
        case .object(let object): .object(extensionsAsText(object, inExtension: inExtension))
        case .array(let elements): .array(elements.map { extensionsAsText($0, inExtension: inExtension) })
        case .bool(let flag) where inExtension: .string(flag ? "true" : "false")
        case .number(let number) where inExtension: .string((try? ES6Number.format(number)) ?? "")
        default: value
        }
    }

    @Test
    func cbvFormats() throws {
        var event = EPCISEvent(type: .objectEvent, eventTime: "2024-01-01T00:00:00Z", eventTimeZoneOffset: "+00:00")
        event.action = .observe
        event.epcList = ["urn:epc:id:sgtin:0614141.107346.2017"]
        event.bizStep = "shipping"
        event.disposition = "in_transit"
        event.bizTransactionList = [BizTransaction("urn:epc:id:gdti:0614141.00001.1618034", type: "po")]
        let document = EPCISQueryDocument(context: .array([.string("https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld")]), queryName: "q", eventList: [event])
        let urn = String(decoding: EPCISXML.xml(document, cbvFormat: .alwaysURN), as: UTF8.self)
        #expect(urn.contains("<bizStep>urn:epcglobal:cbv:bizstep:shipping</bizStep>"))
        #expect(urn.contains("type=\"urn:epcglobal:cbv:btt:po\""))
        let web = String(decoding: EPCISXML.xml(document, cbvFormat: .alwaysWebURI), as: UTF8.self)
        #expect(web.contains("<disposition>https://ref.gs1.org/cbv/Disp-in_transit</disposition>"))
        #expect(web.contains("type=\"https://ref.gs1.org/cbv/BTT-po\""))
        for format in CBVXMLFormat.allCases {
            let back = try EPCISXML.read(EPCISXML.xml(document, cbvFormat: format))
            #expect(try Self.events(back) == [event], "\(format)")
        }
    }

    @Test
    func epcis1Point2LayoutIsConvertedTo2Point0() throws {
        let xml = """
            <epcis:EPCISDocument xmlns:epcis="urn:epcglobal:epcis:xsd:1" xmlns:ex="https://example.com/ns/" schemaVersion="1.2" creationDate="2020-01-01T00:00:00Z">
              <EPCISBody><EventList>
                <ObjectEvent>
                  <eventTime>2020-01-01T00:00:00.000+01:00</eventTime><eventTimeZoneOffset>+01:00</eventTimeZoneOffset>
                  <baseExtension><eventID>urn:uuid:0b8a6b5e-4a8a-4e3b-9f43-2b8d07d6b0a1</eventID>
                    <errorDeclaration><declarationTime>2020-01-02T00:00:00Z</declarationTime><reason>urn:epcglobal:cbv:er:incorrect_data</reason></errorDeclaration>
                  </baseExtension>
                  <epcList/><action>ADD</action><bizStep>urn:epcglobal:cbv:bizstep:commissioning</bizStep>
                  <extension>
                    <quantityList><quantityElement><epcClass>urn:epc:class:lgtin:4012345.012345.998877</epcClass><quantity>200.50</quantity><uom>KGM</uom></quantityElement></quantityList>
                    <ilmd><ex:lot>L1</ex:lot></ilmd>
                  </extension>
                  <ex:note>n</ex:note>
                </ObjectEvent>
                <extension><TransformationEvent>
                  <eventTime>2020-01-01T00:00:00Z</eventTime><eventTimeZoneOffset>+00:00</eventTimeZoneOffset>
                  <inputEPCList><epc>urn:epc:id:sgtin:0614141.107346.2017</epc></inputEPCList>
                  <outputEPCList><epc>urn:epc:id:sgtin:0614141.107346.2018</epc></outputEPCList>
                </TransformationEvent></extension>
              </EventList></EPCISBody>
            </epcis:EPCISDocument>
            """
        let json = try EPCISXML.read(Array(xml.utf8))
        let document = try EPCISDocument(validating: .object(json))
        #expect(document.schemaVersion == "2.0")
        let object = try #require(document.eventList.first)
        #expect(object.eventID == "urn:uuid:0b8a6b5e-4a8a-4e3b-9f43-2b8d07d6b0a1")
        #expect(object.errorDeclaration?.reason == "incorrect_data")
        #expect(object.bizStep == "commissioning")
        #expect(object.quantityList == [QuantityElement(epcClass: "urn:epc:class:lgtin:4012345.012345.998877", quantity: 200.5, uom: "KGM")])
        #expect(object.ilmd == ["ex:lot": "L1"])
        #expect(object.extensions == ["ex:note": "n"])
        #expect(document.eventList.last?.type == .transformationEvent)
        #expect(json["@context"] == .array([.string("https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"), ["ex": "https://example.com/ns/"]]))
    }

    // MARK: - The XSD (xmllint)

    static let xmllint = ["/usr/bin/xmllint", "/usr/local/bin/xmllint", "/opt/homebrew/bin/xmllint"].first { FileManager.default.isExecutableFile(atPath: $0) }

    /// Every XML we write (each vector and each official JSON example, as an EPCISDocument and as an
    /// EPCISQueryDocument, in each CBV format) validates against GS1's EPCIS 2.0 XSD.
    @Test(.vectors, .enabled(if: xmllint != nil || Vectors.required, "xmllint (apt libxml2-utils) not found; fails under CI=true"))
    func everythingWeWriteValidatesAgainstTheXSD() throws {
        let xmllint = try #require(Self.xmllint, "apt-get install libxml2-utils")
        var documents: [(String, JSONObject)] = []
        for path in try Self.xmlFiles(under: "epcis/xml") + Self.xmlFiles(under: "epcis/event-hash")
        where !Self.isOtherDocument(path) && !Self.jsonSchemaRefuses.contains(path) {
            documents.append((path, try EPCISXML.read(Self.bytes(path), checkingSchema: false)))
        }
        for path in try EPCISCorpus.examples() + EPCISCorpus.files(under: "epcis/event-hash") where !EPCISCorpus.duplicateMemberDocuments.contains(path) {
            if case .object(let json) = try EPCISCorpus.document(path), (try? Self.events(json)) != nil { documents.append((path, json)) }
        }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("voltpass-xsd-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        var queryFiles: [String] = []
        var documentFiles: [String] = []
        for (index, (_, json)) in documents.enumerated() {
            let events = try Self.events(json)
            let context = json["@context"] ?? .null
            for format in CBVXMLFormat.allCases {
                let query = EPCISXML.xml(EPCISQueryDocument(context: context, queryName: "SimpleEventQuery", eventList: events), cbvFormat: format)
                let queryFile = directory.appendingPathComponent("q\(index)-\(format.rawValue).xml")
                try Data(query).write(to: queryFile)
                queryFiles.append(queryFile.path)
            }
            var document = EPCISDocument(context: context, creationDate: "2024-01-01T00:00:00Z", eventList: events)
            document.schemaVersion = "2.0"
            let documentFile = directory.appendingPathComponent("d\(index).xml")
            try Data(EPCISXML.xml(document)).write(to: documentFile)
            documentFiles.append(documentFile.path)
        }
        for (schema, files) in [("EPCglobal-epcis-query-2_0.xsd", queryFiles), ("EPCglobal-epcis-2_0.xsd", documentFiles)] {
            let run = try Self.run(xmllint, ["--noout", "--nonet", "--schema", try Vectors.url("epcis/xsd/\(schema)").path] + files)
            let failures = run.split(separator: "\n").filter { !$0.hasSuffix(" validates") }
            #expect(failures.isEmpty, "\(schema): \(failures.prefix(12).joined(separator: "\n"))")
            #expect(run.split(separator: "\n").filter { $0.hasSuffix(" validates") }.count == files.count)
        }
    }

    /// Runs a program and gives back what it wrote to standard output and error together.
    static func run(_ program: String, _ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: program)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: output, as: UTF8.self)
    }

    // MARK: - Hostile and invalid XML

    static let event = """
        <ObjectEvent><eventTime>2020-01-01T00:00:00Z</eventTime><eventTimeZoneOffset>+00:00</eventTimeZoneOffset>\
        <epcList><epc>urn:epc:id:sgtin:0614141.107346.2017</epc></epcList><action>OBSERVE</action></ObjectEvent>
        """

    static func document(_ events: String, prolog: String = "", rootAttributes: String = "") -> String {
        prolog + """
            <epcis:EPCISDocument xmlns:epcis="urn:epcglobal:epcis:xsd:2" schemaVersion="2.0" creationDate="2020-01-01T00:00:00Z"\(rootAttributes)>\
            <EPCISBody><EventList>\(events)</EventList></EPCISBody></epcis:EPCISDocument>
            """
    }

    static func code(_ text: String) -> String? { code(Array(text.utf8)) }

    static func code(_ bytes: [UInt8], limits: XMLLimits = XMLLimits(), checkingSchema: Bool = true) -> String? {
        do {
            _ = try EPCISXML.read(bytes, limits: limits, checkingSchema: checkingSchema)
            return nil
        } catch {
            return error.code
        }
    }

    @Test
    func aWellFormedDocumentReads() throws {
        #expect(Self.code(Self.document(Self.event)) == nil)
        #expect(Self.code(Self.document(Self.event, prolog: "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<!-- c -->\n<!DOCTYPE epcis>\n")) == nil)
    }

    @Test
    func documentTypeDeclarationsAreRefused() {
        let laughs = """
            <?xml version="1.0"?>
            <!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">\
            <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
            """
        #expect(Self.code(Self.document(Self.event.replacingOccurrences(of: "OBSERVE", with: "&lol3;"), prolog: laughs)) == EPCISXMLError.doctypeForbidden)
        let external = "<!DOCTYPE d [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]>"
        #expect(Self.code(Self.document(Self.event.replacingOccurrences(of: "OBSERVE", with: "&xxe;"), prolog: external)) == EPCISXMLError.doctypeForbidden)
        #expect(Self.code(Self.document(Self.event, prolog: "<!DOCTYPE d SYSTEM \"http://169.254.169.254/x.dtd\">")) == EPCISXMLError.doctypeForbidden)
        #expect(Self.code(Self.document(Self.event, prolog: "<!DOCTYPE d PUBLIC \"-//x//y\" \"x.dtd\">")) == EPCISXMLError.doctypeForbidden)
        #expect(Self.code(Self.document(Self.event.replacingOccurrences(of: "OBSERVE", with: "&xxe;"))) == EPCISXMLError.entityUndeclared)
        #expect(Self.code(Self.document("<!ENTITY x \"y\">" + Self.event)) == EPCISXMLError.doctypeForbidden)
    }

    @Test
    func limitsAreEnforcedAsTheDocumentIsRead() {
        let deep = String(repeating: "<a>", count: 100_000) + String(repeating: "</a>", count: 100_000)
        #expect(Self.code(Self.document(Self.event.replacingOccurrences(of: "</ObjectEvent>", with: "<x:e xmlns:x=\"urn:x\">\(deep)</x:e></ObjectEvent>"))) == EPCISXMLError.tooDeep)
        #expect(Self.code(String(repeating: "<a>", count: 1_000_000)) == EPCISXMLError.tooDeep)
        let huge = String(repeating: "x", count: 70_000)
        #expect(Self.code(Self.document(Self.event, rootAttributes: " a=\"\(huge)\"")) == EPCISXMLError.tooLarge)
        #expect(Self.code(Self.document(Self.event.replacingOccurrences(of: "OBSERVE", with: huge))) == EPCISXMLError.tooLarge)
        #expect(Self.code(Self.document(Self.event.replacingOccurrences(of: "OBSERVE", with: String(repeating: "&amp;", count: 70_000)))) == EPCISXMLError.tooLarge)
        let attributes = (0..<100).map { " a\($0)=\"v\"" }.joined()
        #expect(Self.code(Self.document(Self.event, rootAttributes: attributes)) == EPCISXMLError.tooLarge)
        #expect(Self.code(Self.document(Self.event.replacingOccurrences(of: "ObjectEvent>", with: String(repeating: "n", count: 300) + ">"))) == EPCISXMLError.tooLarge)
        let limits = XMLLimits(maxElements: 20)
        #expect(Self.code(Array(Self.document(Self.event + Self.event + Self.event).utf8), limits: limits) == EPCISXMLError.tooLarge)
    }

    @Test
    func malformedInputIsRefused() {
        let cases: [(String, String)] = [
            ("", EPCISXMLError.malformed),
            ("not xml", EPCISXMLError.malformed),
            (Self.document(Self.event).replacingOccurrences(of: "</EventList>", with: ""), EPCISXMLError.malformed),
            (Self.document(Self.event).replacingOccurrences(of: "</epcis:EPCISDocument>", with: ""), EPCISXMLError.malformed),
            (Self.document(Self.event) + "<more/>", EPCISXMLError.malformed),
            (Self.document(Self.event, rootAttributes: " a=\"1\" a=\"2\""), EPCISXMLError.malformed),
            (Self.document(Self.event, rootAttributes: " a=\"<\""), EPCISXMLError.malformed),
            (Self.document(Self.event.replacingOccurrences(of: "OBSERVE", with: "A & B")), EPCISXMLError.malformed),
            (Self.document(Self.event.replacingOccurrences(of: "OBSERVE", with: "&#0;")), EPCISXMLError.malformed),
            (Self.document(Self.event.replacingOccurrences(of: "OBSERVE", with: "\u{01}")), EPCISXMLError.malformed),
            (Self.document(Self.event, prolog: "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>"), EPCISXMLError.encodingUnsupported),
            (Self.document(Self.event, prolog: "<?xml version=\"1.0\" encoding=\"UTF-16\"?>"), EPCISXMLError.encodingUnsupported),
            (Self.document(Self.event).replacingOccurrences(of: "urn:epcglobal:epcis:xsd:2", with: "urn:example:not-epcis"), EPCISXMLError.notEPCIS),
            (Self.document(Self.event).replacingOccurrences(of: "epcis:EPCISDocument", with: "epcis:Document"), EPCISXMLError.notEPCIS),
            (Self.document(Self.event.replacingOccurrences(of: "<action>", with: "<x:note>1</x:note><action>")), EPCISXMLError.namespaceUndeclared),
        ]
        for (xml, code) in cases {
            #expect(Self.code(xml) == code, "\(xml.prefix(120))")
        }
        #expect(Self.code([0xFF, 0xFE] + Array("<a/>".utf8)) == EPCISXMLError.encodingUnsupported)
        #expect(Self.code(Array(Self.document(Self.event).utf8).map { $0 == UInt8(ascii: "O") ? 0xC0 : $0 }) == EPCISXMLError.malformed)
    }

    @Test
    func schemaViolationsAreRefused() {
        let cases = [
            Self.event.replacingOccurrences(of: "<action>OBSERVE</action>", with: ""),
            Self.event.replacingOccurrences(of: "<action>OBSERVE</action>", with: "<action>LOOK</action>"),
            Self.event.replacingOccurrences(of: "<epcList>", with: "<action>ADD</action><epcList>"),
            Self.event.replacingOccurrences(of: "<action>", with: "<colour>red</colour><action>"),
            Self.event.replacingOccurrences(of: "<eventTime>2020-01-01T00:00:00Z</eventTime>", with: ""),
            Self.event.replacingOccurrences(of: "<epc>", with: "<id>").replacingOccurrences(of: "</epc>", with: "</id>"),
            Self.event.replacingOccurrences(
                of: "</action>", with: "</action><quantityList><quantityElement><epcClass>urn:epc:class:lgtin:4012345.012345.1</epcClass><quantity>many</quantity></quantityElement></quantityList>"),
            Self.event.replacingOccurrences(of: "</action>", with: "</action><sensorElementList><sensorElement><sensorReport value=\"hot\"/></sensorElement></sensorElementList>"),
            Self.event.replacingOccurrences(of: "ObjectEvent", with: "QuantityEvent"),
            Self.event.replacingOccurrences(
                of: "</action>", with: "</action><extension><quantityList><quantityElement><epcClass>urn:epc:class:lgtin:4012345.012345.1</epcClass></quantityElement></quantityList></extension>"),
            Self.event.replacingOccurrences(of: "</action>", with: "</action><x:a xmlns:x=\"urn:x\"/><bizStep>urn:epcglobal:cbv:bizstep:shipping</bizStep>"),
        ]
        for event in cases {
            #expect(Self.code(Self.document(event)) == EPCISXMLError.schemaInvalid, "\(event)")
        }
        #expect(Self.code(Self.document(Self.event).replacingOccurrences(of: " creationDate=\"2020-01-01T00:00:00Z\"", with: "")) == EPCISXMLError.schemaInvalid)
        #expect(Self.code(Self.document("<extension>" + Self.event + "</extension>")) == EPCISXMLError.schemaInvalid)
    }
}
