import Encoding

/// One entry of `sensorElementList`: optional metadata shared by its reports, and the reports.
public struct SensorElement: Sendable, Hashable {
    public var sensorMetadata: SensorMetadata?
    public var sensorReport: [SensorReport]
    /// Extension members, in arrival order.
    public var extensions: JSONObject = [:]
    var memberOrder = MemberOrder()

    public init(sensorMetadata: SensorMetadata? = nil, sensorReport: [SensorReport]) {
        self.sensorMetadata = sensorMetadata
        self.sensorReport = sensorReport
    }

    static func read(_ object: JSONObject, _ reader: inout EPCISReader) -> SensorElement? {
        var metadata: SensorMetadata?
        var reports: [SensorReport]?
        var extensions = JSONObject()
        for (key, value) in object {
            switch key {
            case "sensorMetadata": metadata = reader.object(value, key, SensorMetadata.read)
            case "sensorReport": reports = reader.objects(value, key, SensorReport.read)
            default: extensions[key] = value
            }
        }
        guard let reports = reader.required(reports, "sensorReport", of: object, in: "a sensor element") else { return nil }
        var element = SensorElement(sensorMetadata: metadata, sensorReport: reports)
        element.extensions = extensions
        element.memberOrder = MemberOrder(object.keys)
        return element
    }

    /// The element as EPCIS JSON.
    public var json: JSONObject {
        memberOrder.arrange(
            [
                ("sensorMetadata", sensorMetadata.map { .object($0.json) }),
                ("sensorReport", .array(sensorReport.map { .object($0.json) })),
            ], extensions: extensions)
    }
}

/// What a sensor element's reports have in common: when, which device, raw data, processing, rules.
public struct SensorMetadata: Sendable, Hashable {
    public var time: String?
    public var startTime: String?
    public var endTime: String?
    public var deviceID: String?
    public var deviceMetadata: String?
    public var rawData: String?
    public var dataProcessingMethod: String?
    public var bizRules: String?
    /// Extension members, in arrival order.
    public var extensions: JSONObject = [:]
    var memberOrder = MemberOrder()

    public init() {}

    static func read(_ object: JSONObject, _ reader: inout EPCISReader) -> SensorMetadata? {
        var metadata = SensorMetadata()
        metadata.memberOrder = MemberOrder(object.keys)
        for (key, value) in object {
            switch key {
            case "time": metadata.time = reader.string(value, key)
            case "startTime": metadata.startTime = reader.string(value, key)
            case "endTime": metadata.endTime = reader.string(value, key)
            case "deviceID": metadata.deviceID = reader.string(value, key)
            case "deviceMetadata": metadata.deviceMetadata = reader.string(value, key)
            case "rawData": metadata.rawData = reader.string(value, key)
            case "dataProcessingMethod": metadata.dataProcessingMethod = reader.string(value, key)
            case "bizRules": metadata.bizRules = reader.string(value, key)
            default: metadata.extensions[key] = value
            }
        }
        return metadata
    }

    /// The standard members in canonical order (nil when unset).
    var standardMembers: [(String, JSONValue?)] {
        [
            ("time", time.map(JSONValue.string)), ("startTime", startTime.map(JSONValue.string)),
            ("endTime", endTime.map(JSONValue.string)), ("deviceID", deviceID.map(JSONValue.string)),
            ("deviceMetadata", deviceMetadata.map(JSONValue.string)), ("rawData", rawData.map(JSONValue.string)),
            ("dataProcessingMethod", dataProcessingMethod.map(JSONValue.string)),
            ("bizRules", bizRules.map(JSONValue.string)),
        ]
    }

    /// The metadata as EPCIS JSON.
    public var json: JSONObject { memberOrder.arrange(standardMembers, extensions: extensions) }
}

/// One sensor reading: its measurement type (CBV/GS1 `Temperature`, `Voltage`, … or a URI) and
/// value(s), with the statistics, exception, component and context the standard defines.
public struct SensorReport: Sendable, Hashable {
    /// The measurement type (`type` in JSON).
    public var type: String
    /// `ALARM_CONDITION`, `ERROR_CONDITION` or a URI.
    public var exception: String?
    public var deviceID: String?
    public var deviceMetadata: String?
    public var rawData: String?
    public var dataProcessingMethod: String?
    public var bizRules: String?
    public var time: String?
    public var microorganism: String?
    public var chemicalSubstance: String?
    public var coordinateReferenceSystem: String?
    public var value: Double?
    /// The CBV component (`x`, `latitude`, …) or a URI.
    public var component: String?
    public var stringValue: String?
    public var booleanValue: Bool?
    public var hexBinaryValue: String?
    public var uriValue: String?
    public var minValue: Double?
    public var maxValue: Double?
    public var meanValue: Double?
    public var sDev: Double?
    public var percRank: Double?
    public var percValue: Double?
    /// The unit (UN/ECE Rec. 20 code).
    public var uom: String?
    /// Extension members, in arrival order.
    public var extensions: JSONObject = [:]
    var memberOrder = MemberOrder()

    public init(type: String) { self.type = type }

    static func read(_ object: JSONObject, _ reader: inout EPCISReader) -> SensorReport? {
        var type: String?
        var report = SensorReport(type: "")
        report.memberOrder = MemberOrder(object.keys)
        for (key, value) in object {
            switch key {
            case "type": type = reader.string(value, key)
            case "exception": report.exception = reader.string(value, key)
            case "deviceID": report.deviceID = reader.string(value, key)
            case "deviceMetadata": report.deviceMetadata = reader.string(value, key)
            case "rawData": report.rawData = reader.string(value, key)
            case "dataProcessingMethod": report.dataProcessingMethod = reader.string(value, key)
            case "bizRules": report.bizRules = reader.string(value, key)
            case "time": report.time = reader.string(value, key)
            case "microorganism": report.microorganism = reader.string(value, key)
            case "chemicalSubstance": report.chemicalSubstance = reader.string(value, key)
            case "coordinateReferenceSystem": report.coordinateReferenceSystem = reader.string(value, key)
            case "value": report.value = reader.number(value, key)
            case "component": report.component = reader.string(value, key)
            case "stringValue": report.stringValue = reader.string(value, key)
            case "booleanValue": report.booleanValue = reader.bool(value, key)
            case "hexBinaryValue": report.hexBinaryValue = reader.string(value, key)
            case "uriValue": report.uriValue = reader.string(value, key)
            case "minValue": report.minValue = reader.number(value, key)
            case "maxValue": report.maxValue = reader.number(value, key)
            case "meanValue": report.meanValue = reader.number(value, key)
            case "sDev": report.sDev = reader.number(value, key)
            case "percRank": report.percRank = reader.number(value, key)
            case "percValue": report.percValue = reader.number(value, key)
            case "uom": report.uom = reader.string(value, key)
            default: report.extensions[key] = value
            }
        }
        guard let type = reader.required(type, "type", of: object, in: "a sensor report") else { return nil }
        report.type = type
        return report
    }

    /// The URI-valued members that are set, with their names.
    var uriMembers: [(String, String)] {
        [
            ("deviceID", deviceID), ("deviceMetadata", deviceMetadata), ("rawData", rawData),
            ("dataProcessingMethod", dataProcessingMethod), ("bizRules", bizRules), ("microorganism", microorganism),
            ("chemicalSubstance", chemicalSubstance), ("coordinateReferenceSystem", coordinateReferenceSystem),
            ("uriValue", uriValue),
        ].compactMap { name, value in value.map { (name, $0) } }
    }

    /// The report as EPCIS JSON.
    public var json: JSONObject {
        let string = { (value: String?) in value.map(JSONValue.string) }
        let number = { (value: Double?) in value.map(JSONValue.number) }
        return memberOrder.arrange(
            [
                ("type", .string(type)), ("exception", string(exception)), ("deviceID", string(deviceID)),
                ("deviceMetadata", string(deviceMetadata)), ("rawData", string(rawData)),
                ("dataProcessingMethod", string(dataProcessingMethod)), ("bizRules", string(bizRules)),
                ("time", string(time)), ("microorganism", string(microorganism)),
                ("chemicalSubstance", string(chemicalSubstance)),
                ("coordinateReferenceSystem", string(coordinateReferenceSystem)), ("value", number(value)),
                ("component", string(component)), ("stringValue", string(stringValue)),
                ("booleanValue", booleanValue.map(JSONValue.bool)), ("hexBinaryValue", string(hexBinaryValue)),
                ("uriValue", string(uriValue)), ("minValue", number(minValue)), ("maxValue", number(maxValue)),
                ("meanValue", number(meanValue)), ("sDev", number(sDev)), ("percRank", number(percRank)),
                ("percValue", number(percValue)), ("uom", string(uom)),
            ], extensions: extensions)
    }
}
