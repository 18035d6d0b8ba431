import Credentials
import Encoding
import Foundation

/// A battery's EPCIS history as a UN Transparency Protocol Digital Traceability Event credential
/// (UNTP DTE 0.6.0): the events one operator signed, each reshaped as UNTP models it. The export is
/// lossy where UNTP is narrower than EPCIS: it has no `readPoint`, `recordTime`, `ilmd`,
/// `errorDeclaration`, source or destination lists, and keeps one business transaction. Each event
/// keeps its EPCIS `eventID` as its `id`, so the full event is one query away
/// (`/epcis/2.0/events/{eventID}`) in the operator's signed event credential.
public enum UNTPTraceabilityEvents {
    /// The credential type.
    public static let type = "DigitalTraceabilityEvent"
    /// The UNTP DTE context this writes to.
    public static let contextURL = "https://test.uncefact.org/vocabulary/untp/dte/0.6.0/"
    /// Where GS1's CBV publishes its business steps and dispositions as web vocabulary.
    static let cbvBase = "https://ref.gs1.org/cbv/"

    /// The unsigned credential of `events` (EPCIS 2.0 JSON events with their ids), signed by `issuer`
    /// named `issuerName`, issued at `date`. `name` gives the human name of an identifier (the
    /// battery's model and serial, say). Events UNTP cannot carry are left out (a TransactionEvent
    /// without an owning or possessing party on both sides).
    public static func document(
        events: [(id: String, event: JSONObject)], issuer: String, issuerName: String, id: String, at date: Date, name: (String) -> String
    ) -> JSONObject {
        [
            "@context": ["https://www.w3.org/ns/credentials/v2", .string(contextURL)],
            "type": [.string(type), "VerifiableCredential"],
            "id": .string(id),
            "issuer": ["type": ["CredentialIssuer"], "id": .string(issuer), "name": .string(issuerName)],
            "validFrom": .string(XSDDateTime.format(date)),
            "credentialSubject": .array(events.compactMap { event($0.event, id: $0.id, name: name).map(JSONValue.object) }),
        ]
    }

    /// One EPCIS event as a UNTP event, or nil when UNTP cannot carry it.
    static func event(_ epcis: JSONObject, id: String, name: (String) -> String) -> JSONObject? {
        guard let eventType = epcis["type"]?.stringValue else { return nil }
        var event: JSONObject = ["type": [.string(eventType), "Event"], "id": .string(id)]
        if let time = epcis["eventTime"]?.stringValue { event["eventTime"] = .string(time) }
        if let action = epcis["action"]?.stringValue { event["action"] = .string(action.lowercased()) }
        if let step = epcis["bizStep"]?.stringValue { event["bizStep"] = .string(vocabulary(step, kind: "BizStep", urn: "bizstep")) }
        if let disposition = epcis["disposition"]?.stringValue {
            event["disposition"] = .string(vocabulary(disposition, kind: "Disp", urn: "disp"))
        }
        if let location = epcis["bizLocation"]?["id"]?.stringValue { event["bizLocation"] = .string(location) }
        func items(_ key: String, as target: String) {
            let values = epcis[key]?.arrayValue?.compactMap(\.stringValue) ?? []
            if !values.isEmpty { event[target] = .array(values.map { .object(item($0, name: name)) }) }
        }
        func quantities(_ key: String, as target: String) {
            let elements = epcis[key]?.arrayValue?.compactMap { quantity($0, name: name) } ?? []
            if !elements.isEmpty { event[target] = .array(elements.map(JSONValue.object)) }
        }
        switch eventType {
        case "ObjectEvent":
            items("epcList", as: "epcList")
            quantities("quantityList", as: "quantityList")
        case "AggregationEvent", "AssociationEvent":
            if let parent = epcis["parentID"]?.stringValue { event["parentEPC"] = .object(item(parent, name: name)) }
            items("childEPCs", as: "childEPCList")
            quantities("childQuantityList", as: "childQuantityList")
        case "TransformationEvent":
            items("inputEPCList", as: "inputEPCList")
            items("outputEPCList", as: "outputEPCList")
            quantities("inputQuantityList", as: "inputQuantityList")
            quantities("outputQuantityList", as: "outputQuantityList")
        case "TransactionEvent":
            guard let source = party(epcis["sourceList"]), let destination = party(epcis["destinationList"]) else { return nil }
            event["sourceParty"] = .string(source)
            event["destinationParty"] = .string(destination)
            if let transaction = epcis["bizTransactionList"]?[0]?["bizTransaction"]?.stringValue { event["bizTransaction"] = .string(transaction) }
            items("epcList", as: "epcList")
            quantities("quantityList", as: "quantityList")
        default:
            return nil
        }
        let sensors = epcis["sensorElementList"]?.arrayValue?.compactMap { sensorElement($0, name: name) } ?? []
        if !sensors.isEmpty { event["sensorElementList"] = .array(sensors.map(JSONValue.object)) }
        return event
    }

    /// A CBV business step or disposition as its web vocabulary IRI (`https://ref.gs1.org/cbv/BizStep-shipping`),
    /// from a bare word, a CBV URN or that IRI; any other IRI (a user vocabulary) as it is.
    static func vocabulary(_ value: String, kind: String, urn: String) -> String {
        let urnPrefix = "urn:epcglobal:cbv:\(urn):"
        if value.hasPrefix(urnPrefix) { return cbvBase + kind + "-" + value.dropFirst(urnPrefix.count) }
        return value.contains(":") ? value : cbvBase + kind + "-" + value
    }

    static func item(_ identifier: String, name: (String) -> String) -> JSONObject {
        ["type": ["Item"], "id": .string(identifier), "name": .string(name(identifier))]
    }

    /// A quantity element; UNTP requires the quantity, which EPCIS may leave out.
    static func quantity(_ element: JSONValue, name: (String) -> String) -> JSONObject? {
        guard let productID = element["epcClass"]?.stringValue, let quantity = element["quantity"]?.doubleValue else { return nil }
        var result: JSONObject = [
            "type": ["QuantityElement"], "productId": .string(productID), "productName": .string(name(productID)), "quantity": .number(quantity),
        ]
        if let unit = element["uom"]?.stringValue { result["uom"] = .string(unit) }
        return result
    }

    /// A sensor report's measurement type as its GS1 web vocabulary IRI (`Temperature` and
    /// `gs1:Temperature` are `https://gs1.org/voc/Temperature`); any other IRI as it is.
    static func measurementType(_ value: String) -> String {
        if value.hasPrefix("gs1:") { return "https://gs1.org/voc/" + value.dropFirst(4) }
        return value.contains(":") ? value : "https://gs1.org/voc/" + value
    }

    /// The owning party of a source or destination list, else its possessing party.
    static func party(_ list: JSONValue?) -> String? {
        let entries = list?.arrayValue ?? []
        for role in ["owning_party", "possessing_party"] {
            if let entry = entries.first(where: { vocabulary($0["type"]?.stringValue ?? "", kind: "SDT", urn: "sdt").hasSuffix("SDT-" + role) }) {
                return entry[entry["source"] != nil ? "source" : "destination"]?.stringValue
            }
        }
        return nil
    }

    /// A sensor element: its device and processing method, and the reports with a numeric value.
    static func sensorElement(_ element: JSONValue, name: (String) -> String) -> JSONObject? {
        var result: JSONObject = ["type": ["SensorElement"]]
        var metadata: JSONObject = ["type": ["Sensor"]]
        if let device = element["sensorMetadata"]?["deviceID"]?.stringValue { metadata["device"] = .object(item(device, name: name)) }
        if let method = element["sensorMetadata"]?["dataProcessingMethod"]?.stringValue { metadata["dataProcessingMethod"] = .string(method) }
        if metadata.count > 1 { result["sensorMetadata"] = .object(metadata) }
        let reports: [JSONValue] = (element["sensorReport"]?.arrayValue ?? []).compactMap { report in
            guard let value = report["value"]?.doubleValue else { return nil }
            var data: JSONObject = ["type": ["SensorData"], "value": .number(value)]
            if let time = report["time"]?.stringValue { data["time"] = .string(time) }
            if let kind = report["type"]?.stringValue { data["sensorType"] = .string(measurementType(kind)) }
            if let unit = report["uom"]?.stringValue { data["uom"] = .string(unit) }
            return .object(data)
        }
        if !reports.isEmpty { result["sensorReport"] = .array(reports) }
        return result.count > 1 ? result : nil
    }
}
