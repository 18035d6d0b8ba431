import EPCIS
import Encoding
import Foundation

/// EPCIS 2.0 event intake: events per second read into the typed model and validated (schema, SHACL
/// and CBV rules), over every event of the GS1 example corpus in turn: from parsed JSON, and from
/// JSON text. The corpus is read from `$VOLTPASS_VECTORS` or `../shared/vectors`. And the XML
/// binding's cost: a 1,000-event capture document read into its JSON-LD form, and a query document
/// of as many events written as XML.
extension Suite {
    static let epcis: [Suite] = [
        Suite(name: "epcis.parse") { seconds in
            let events = try EPCISCorpus.events()
            var index = 0
            return try await measure("epcis.parse + validate (\(events.count) corpus events)", minimumSeconds: seconds) {
                index = (index + 1) % events.count
                let event = try EPCISEvent(json: events[index])
                return event.violations().count + event.eventTime.utf8.count
            }
        },
        Suite(name: "epcis.parse-json-text") { seconds in
            let texts = try EPCISCorpus.events().map { JSONValue.object($0).serialized() }
            let bytes = texts.reduce(0) { $0 + $1.count } / texts.count
            var index = 0
            return try await measure(
                "epcis.parse JSON text + event + validate (mean \(bytes) B)", minimumSeconds: seconds, bytesPerOperation: bytes
            ) {
                index = (index + 1) % texts.count
                let json = try JSONValue(parsing: texts[index])
                let event = try EPCISEvent(json: json.objectValue ?? [:])
                return event.violations().count + event.eventTime.utf8.count
            }
        },
        Suite(name: "epcis.xml-read-1000") { seconds in
            let xml = try Suite.captureXML(round: 1)
            return try await measure("EPCIS XML → JSON-LD form, 1,000-event document (\(xml.count) B)", minimumSeconds: seconds, bytesPerOperation: xml.count) {
                try EPCISXML.read(xml).count
            }
        },
        Suite(name: "epcis.xml-write-1000") { seconds in
            let document = try EPCISQueryDocument(
                context: .array([.string("https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld")]), queryName: "SimpleEventQuery",
                eventList: EPCISDocument(json: Suite.captureDocument(round: 1, events: 1_000)).eventList)
            return await measure("EPCISQueryDocument → EPCIS XML, 1,000 events", minimumSeconds: seconds) {
                EPCISXML.xml(document).count
            }
        },
    ]
}

/// The events of the GS1 EPCIS 2.0 example documents.
private enum EPCISCorpus {
    static func events() throws -> [JSONObject] {
        let environment = ProcessInfo.processInfo.environment["VOLTPASS_VECTORS"].flatMap { $0.isEmpty ? nil : $0 }
        let vectors = environment.map { URL(fileURLWithPath: $0) }
            ?? URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("shared/vectors")
        let folder = vectors.appendingPathComponent("epcis/examples")
        guard let walker = FileManager.default.enumerator(at: folder, includingPropertiesForKeys: nil) else {
            throw CocoaError(.fileNoSuchFile, userInfo: [NSFilePathErrorKey: folder.path])
        }
        var events: [JSONObject] = []
        for case let file as URL in walker where file.pathExtension == "jsonld" {
            // AssociationEvent-h.jsonld repeats a member, which strict JSON refuses: it is left out.
            guard let document = try? JSONValue(parsing: Array(try Data(contentsOf: file))) else { continue }
            let body = document["epcisBody"]
            let list = body?["eventList"] ?? body?["queryResults"]?["resultsBody"]?["eventList"]
            events += list?.arrayValue?.compactMap(\.objectValue) ?? []
        }
        guard !events.isEmpty else { throw CocoaError(.fileReadNoSuchFile, userInfo: [NSFilePathErrorKey: folder.path]) }
        return events
    }
}
