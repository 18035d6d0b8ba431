import EPCIS
import Encoding
import Foundation

/// GS1 identifiers and the CBV 2.0 Event Hash ID: hashes per second for typical events and
/// conversions per second between EPC URNs and GS1 Digital Link URIs.
extension Suite {
    static let epcisHash: [Suite] = [
        Suite(name: "epcis.hash-object-event") { seconds in
            let (event, context) = try GS1BenchFixture.event(GS1BenchFixture.objectEvent)
            return try await measure("epcis.hash ObjectEvent (3 EPCs, readPoint, 3 extensions)", minimumSeconds: seconds) {
                try EventHash.id(of: event, context: context).utf8.count
            }
        },
        Suite(name: "epcis.hash-sensor-event") { seconds in
            let (event, context) = try GS1BenchFixture.event(GS1BenchFixture.sensorEvent)
            return try await measure("epcis.hash ObjectEvent with 2 sensor elements, 6 reports", minimumSeconds: seconds) {
                try EventHash.id(of: event, context: context).utf8.count
            }
        },
        Suite(name: "epcis.hash-prehash-only") { seconds in
            let (event, context) = try GS1BenchFixture.event(GS1BenchFixture.objectEvent)
            return try await measure("epcis.hash pre-hash string only (ObjectEvent)", minimumSeconds: seconds) {
                try EventHash.preHashString(of: event, context: context).utf8.count
            }
        },
        Suite(name: "gs1.convert-urn-to-dl") { seconds in
            await measure("gs1.convert EPC URN (sgtin) -> Digital Link", minimumSeconds: seconds) {
                (try? GS1DigitalLink(identifier: GS1Identifier(epcURN: "urn:epc:id:sgtin:9520123.045678.12345")).uri.utf8.count) ?? 0
            }
        },
        Suite(name: "gs1.convert-dl-to-urn") { seconds in
            await measure("gs1.convert Digital Link (custom domain) -> EPC URN", minimumSeconds: seconds) {
                (try? GS1Identifier(parsing: "https://example.com/passport/01/09520123456788/21/12345")
                    .epcURN(companyPrefixLength: 7).utf8.count) ?? 0
            }
        },
    ]
}

private enum GS1BenchFixture {
    static let objectEvent = """
        {"@context":["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld",{"example":"https://ns.example.com/epcis/"}],
        "type":"EPCISDocument","schemaVersion":"2.0","creationDate":"2024-02-17T11:30:47.0Z","epcisBody":{"eventList":[
        {"type":"ObjectEvent","eventTime":"2024-03-04T11:00:30.000+01:00","eventTimeZoneOffset":"+01:00",
        "recordTime":"2024-03-04T11:00:30.999+01:00",
        "epcList":["urn:epc:id:sgtin:9520123.045678.12345","urn:epc:id:sgtin:9520123.045678.12346","https://id.gs1.org/01/09520123456788/21/12347"],
        "action":"OBSERVE","bizStep":"shipping","disposition":"in_transit","readPoint":{"id":"urn:epc:id:sgln:9520123.00011.0"},
        "bizTransactionList":[{"type":"po","bizTransaction":"urn:epcglobal:cbv:bt:9520123000009:PO-4711"}],
        "example:stateOfCharge":"87.5","example:cycleCount":212,"example:pack":{"example:line":"3"}}]}}
        """

    static let sensorEvent = """
        {"@context":["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld",{"gs1":"https://gs1.org/voc/"}],
        "type":"EPCISDocument","schemaVersion":"2.0","creationDate":"2024-02-17T11:30:47.0Z","epcisBody":{"eventList":[
        {"type":"ObjectEvent","eventTime":"2024-02-16T13:00:00.000+01:00","eventTimeZoneOffset":"+01:00",
        "epcList":["urn:epc:id:sgtin:9520123.045678.12345"],"action":"OBSERVE","bizStep":"inspecting",
        "readPoint":{"id":"urn:epc:id:sgln:9520123.00005.0"},
        "sensorElementList":[
        {"sensorMetadata":{"time":"2024-02-16T12:05:00Z","deviceID":"urn:epc:id:giai:9520123.BMS1"},
        "sensorReport":[{"type":"Temperature","value":26.1,"uom":"CEL"},{"type":"Voltage","value":3.71,"uom":"VLT"},
        {"type":"ElectricCurrent","value":-12.5,"uom":"AMP"}]},
        {"sensorMetadata":{"time":"2024-02-16T12:35:00Z","deviceID":"urn:epc:id:giai:9520123.BMS1"},
        "sensorReport":[{"type":"Temperature","value":26.4,"uom":"CEL"},{"type":"Voltage","value":3.69,"uom":"VLT"},
        {"type":"ElectricCurrent","value":-12.1,"uom":"AMP"}]}]}]}}
        """

    static func event(_ document: String) throws -> (JSONObject, EventHashContext) {
        guard let object = try JSONValue(parsing: document).objectValue, let event = try EventHash.events(of: object).first else {
            throw CocoaError(.coderReadCorrupt)
        }
        return (event, EventHashContext(document: object))
    }
}
