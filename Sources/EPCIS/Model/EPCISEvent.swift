import Encoding

/// The type of an EPCIS event: one of the five EPCIS 2.0 types, or an extension event type (a URI).
public enum EPCISEventType: Sendable, Hashable {
    case objectEvent
    case aggregationEvent
    case transactionEvent
    case transformationEvent
    case associationEvent
    /// An extension event type; only the common event fields are defined for it.
    case other(String)

    /// The type for a JSON `type` value.
    public init(name: String) {
        switch name {
        case "ObjectEvent": self = .objectEvent
        case "AggregationEvent": self = .aggregationEvent
        case "TransactionEvent": self = .transactionEvent
        case "TransformationEvent": self = .transformationEvent
        case "AssociationEvent": self = .associationEvent
        default: self = .other(name)
        }
    }

    /// The JSON `type` value, e.g. `ObjectEvent`.
    public var name: String {
        switch self {
        case .objectEvent: "ObjectEvent"
        case .aggregationEvent: "AggregationEvent"
        case .transactionEvent: "TransactionEvent"
        case .transformationEvent: "TransformationEvent"
        case .associationEvent: "AssociationEvent"
        case .other(let name): name
        }
    }
}

/// What an event did to the objects it names.
public enum EPCISAction: String, Sendable, Hashable, CaseIterable {
    case add = "ADD"
    case observe = "OBSERVE"
    case delete = "DELETE"
}

/// One EPCIS 2.0 event (ObjectEvent, AggregationEvent, TransactionEvent, TransformationEvent,
/// AssociationEvent, or an extension type) with every standard field typed and extension members
/// (CURIE or URI names) kept as they arrived.
///
/// All five types share this one value: which fields a type may or must have is checked by
/// `validate()`, as the EPCIS JSON schema does. Times, offsets, numbers and identifiers are kept as
/// they arrived (nothing is normalized), and the member order is remembered, so `json` of a parsed
/// event is the input, member for member.
public struct EPCISEvent: Sendable, Hashable {
    public var type: EPCISEventType
    /// The event's own `@context` (required on an event sent on its own, absent inside a document).
    public var context: JSONValue?
    public var eventTime: String
    public var eventTimeZoneOffset: String
    public var recordTime: String?
    public var eventID: String?
    public var certificationInfo: CertificationInfo?
    public var errorDeclaration: ErrorDeclaration?
    public var action: EPCISAction?
    /// A CBV bizStep word (`shipping`) or a URI.
    public var bizStep: String?
    /// A CBV disposition word (`in_transit`) or a URI.
    public var disposition: String?
    public var persistentDisposition: PersistentDisposition?
    public var readPoint: EPCISLocation?
    public var bizLocation: EPCISLocation?
    public var parentID: String?
    public var epcList: [String]?
    public var childEPCs: [String]?
    public var inputEPCList: [String]?
    public var outputEPCList: [String]?
    public var quantityList: [QuantityElement]?
    public var childQuantityList: [QuantityElement]?
    public var inputQuantityList: [QuantityElement]?
    public var outputQuantityList: [QuantityElement]?
    public var transformationID: String?
    public var bizTransactionList: [BizTransaction]?
    public var sourceList: [SourceOrDestination]?
    public var destinationList: [SourceOrDestination]?
    public var sensorElementList: [SensorElement]?
    /// Instance/lot master data: members named by URIs or CURIEs (`cbvmda:lotNumber`, …).
    public var ilmd: JSONObject?
    /// Members that are not standard EPCIS fields (CURIE or URI names), in arrival order.
    public var extensions: JSONObject = [:]
    var memberOrder = MemberOrder()

    /// An event with the fields every event has; set the others as needed.
    public init(type: EPCISEventType, eventTime: String, eventTimeZoneOffset: String) {
        self.type = type
        self.eventTime = eventTime
        self.eventTimeZoneOffset = eventTimeZoneOffset
    }

    /// Reads an event from EPCIS JSON. Checks the JSON types of the standard fields and the members
    /// every event must have (`type`, `eventTime`, `eventTimeZoneOffset`, and those required inside
    /// nested objects); the rules of the event's type are `validate()`'s. Every problem is reported.
    public init(json: JSONObject) throws(EPCISValidationError) {
        var reader = EPCISReader()
        guard let event = Self.read(json, &reader), reader.violations.isEmpty else {
            throw EPCISValidationError(reader.violations)
        }
        self = event
    }

    /// The event as EPCIS JSON: a parsed event gives back its input exactly.
    public var json: JSONObject {
        let string = { (value: String?) in value.map(JSONValue.string) }
        let strings = { (values: [String]?) in values.map { JSONValue.array($0.map(JSONValue.string)) } }
        let quantities = { (values: [QuantityElement]?) in values.map { JSONValue.array($0.map { .object($0.json) }) } }
        return memberOrder.arrange(
            [
                ("@context", context), ("type", .string(type.name)), ("eventTime", .string(eventTime)),
                ("eventTimeZoneOffset", .string(eventTimeZoneOffset)), ("recordTime", string(recordTime)),
                ("eventID", string(eventID)), ("certificationInfo", certificationInfo?.json),
                ("errorDeclaration", errorDeclaration.map { .object($0.json) }), ("parentID", string(parentID)),
                ("epcList", strings(epcList)), ("childEPCs", strings(childEPCs)),
                ("inputEPCList", strings(inputEPCList)), ("outputEPCList", strings(outputEPCList)),
                ("quantityList", quantities(quantityList)), ("childQuantityList", quantities(childQuantityList)),
                ("inputQuantityList", quantities(inputQuantityList)),
                ("outputQuantityList", quantities(outputQuantityList)), ("transformationID", string(transformationID)),
                ("action", action.map { .string($0.rawValue) }), ("bizStep", string(bizStep)),
                ("disposition", string(disposition)),
                ("persistentDisposition", persistentDisposition.map { .object($0.json) }),
                ("readPoint", readPoint.map { .object($0.json) }), ("bizLocation", bizLocation.map { .object($0.json) }),
                ("bizTransactionList", bizTransactionList.map { .array($0.map { .object($0.json) }) }),
                ("sourceList", sourceList.map { .array($0.map { .object($0.json(role: "source")) }) }),
                ("destinationList", destinationList.map { .array($0.map { .object($0.json(role: "destination")) }) }),
                ("sensorElementList", sensorElementList.map { .array($0.map { .object($0.json) }) }),
                ("ilmd", ilmd.map(JSONValue.object)),
            ], extensions: extensions)
    }

    /// The event type's JSON name, e.g. `ObjectEvent`.
    public var typeName: String { type.name }

    /// Every EPC and EPC class the event names (epcList, parentID, childEPCs, the input and output
    /// lists, and the epcClass of each quantity element), each once, in that order.
    public var allIdentifiers: [String] {
        var seen = Set<String>()
        var identifiers: [String] = []
        let add = { (identifier: String) in
            if seen.insert(identifier).inserted { identifiers.append(identifier) }
        }
        epcList?.forEach(add)
        parentID.map(add)
        childEPCs?.forEach(add)
        inputEPCList?.forEach(add)
        outputEPCList?.forEach(add)
        for list in [quantityList, childQuantityList, inputQuantityList, outputQuantityList] {
            list?.forEach { add($0.epcClass) }
        }
        return identifiers
    }

    /// Reads an event, reporting every problem to `reader`; nil when the event is unusable.
    static func read(_ object: JSONObject, _ reader: inout EPCISReader) -> EPCISEvent? {
        let before = reader.violations.count
        var type: String?
        var eventTime: String?
        var offset: String?
        var event = EPCISEvent(type: .objectEvent, eventTime: "", eventTimeZoneOffset: "")
        event.memberOrder = MemberOrder(object.keys)
        for (key, value) in object {
            switch key {
            case "@context": event.context = value
            case "type": type = reader.string(value, key)
            case "eventTime": eventTime = reader.string(value, key)
            case "eventTimeZoneOffset": offset = reader.string(value, key)
            case "recordTime": event.recordTime = reader.string(value, key)
            case "eventID": event.eventID = reader.string(value, key)
            case "certificationInfo": event.certificationInfo = CertificationInfo.read(value, &reader)
            case "errorDeclaration": event.errorDeclaration = reader.object(value, key, ErrorDeclaration.read)
            case "action":
                guard let word = reader.string(value, key) else { continue }
                event.action = EPCISAction(rawValue: word)
                if event.action == nil { reader.report(.invalidValue, key, "action is ADD, OBSERVE or DELETE, not '\(word)'") }
            case "bizStep": event.bizStep = reader.string(value, key)
            case "disposition": event.disposition = reader.string(value, key)
            case "persistentDisposition": event.persistentDisposition = reader.object(value, key, PersistentDisposition.read)
            case "readPoint": event.readPoint = reader.object(value, key, EPCISLocation.read)
            case "bizLocation": event.bizLocation = reader.object(value, key, EPCISLocation.read)
            case "parentID": event.parentID = reader.string(value, key)
            case "epcList": event.epcList = reader.strings(value, key)
            case "childEPCs": event.childEPCs = reader.strings(value, key)
            case "inputEPCList": event.inputEPCList = reader.strings(value, key)
            case "outputEPCList": event.outputEPCList = reader.strings(value, key)
            case "quantityList": event.quantityList = reader.objects(value, key, QuantityElement.read)
            case "childQuantityList": event.childQuantityList = reader.objects(value, key, QuantityElement.read)
            case "inputQuantityList": event.inputQuantityList = reader.objects(value, key, QuantityElement.read)
            case "outputQuantityList": event.outputQuantityList = reader.objects(value, key, QuantityElement.read)
            case "transformationID": event.transformationID = reader.string(value, key)
            case "bizTransactionList": event.bizTransactionList = reader.objects(value, key, BizTransaction.read)
            case "sourceList":
                event.sourceList = reader.objects(value, key) { SourceOrDestination.read($0, role: "source", &$1) }
            case "destinationList":
                event.destinationList = reader.objects(value, key) { SourceOrDestination.read($0, role: "destination", &$1) }
            case "sensorElementList": event.sensorElementList = reader.objects(value, key, SensorElement.read)
            case "ilmd": event.ilmd = reader.object(value, key) { object, _ in object }
            default: event.extensions[key] = value
            }
        }
        let what = "every EPCIS event"
        let checkedType = reader.required(type, "type", of: object, in: what)
        let checkedTime = reader.required(eventTime, "eventTime", of: object, in: what)
        let checkedOffset = reader.required(offset, "eventTimeZoneOffset", of: object, in: what)
        guard reader.violations.count == before, let checkedType, let checkedTime, let checkedOffset else { return nil }
        event.type = EPCISEventType(name: checkedType)
        event.eventTime = checkedTime
        event.eventTimeZoneOffset = checkedOffset
        return event
    }
}
