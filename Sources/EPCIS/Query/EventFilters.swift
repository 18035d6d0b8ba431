import Credentials
import Encoding
import Foundation

/// A comparison the query language writes as the prefix of a parameter's name: `EQ_`, `GT_`, `GE_`, `LT_`, `LE_`.
public enum EPCISComparison: String, Sendable, Hashable, CaseIterable {
    case eq = "EQ_"
    case gt = "GT_"
    case ge = "GE_"
    case lt = "LT_"
    case le = "LE_"

    /// Whether `value` stands in this relation to `bound`.
    public func holds<T: Comparable>(_ value: T, _ bound: T) -> Bool {
        switch self {
        case .eq: value == bound
        case .gt: value > bound
        case .ge: value >= bound
        case .lt: value < bound
        case .le: value <= bound
        }
    }

    /// The comparison `name` starts with, and the rest of the name.
    static func split(_ name: String) -> (EPCISComparison, String)? {
        allCases.first { name.hasPrefix($0.rawValue) }.map { ($0, String(name.dropFirst($0.rawValue.count))) }
    }
}

/// One condition on an event's sensor data (`sensorElementList`): every one given must be met by
/// some sensor report of the event (each condition on its own, possibly by different reports).
public enum SensorCondition: Sendable, Hashable {
    /// A report member (`type`, `microorganism`, `stringValue`, …) equal to one of the values; with
    /// `inMetadata`, the member may also stand in the element's `sensorMetadata` (`deviceID`,
    /// `dataProcessingMethod`, `bizRules`).
    case text(member: String, values: [String], inMetadata: Bool)
    /// `EQ_booleanValue`.
    case boolean(Bool)
    /// `<op>_<member>_<uom>` on `value`, `minValue`, `maxValue`, `meanValue`, `sDev` or `percValue`
    /// of a report in unit `uom`; `uom` nil for `percRank`, which has none.
    case number(member: String, uom: String?, comparison: EPCISComparison, bound: Double)
    /// `EQ_time`, `GE_time`, `LT_time` (the report's or its metadata's `time`), and `startTime` and
    /// `endTime` of the metadata.
    case time(member: String, comparison: EPCISComparison, bound: Date)

    /// The report members the `EQ_…` text parameters compare, and whether the metadata holds them too.
    static let textMembers: [String: Bool] = [
        "type": false, "deviceID": true, "dataProcessingMethod": true, "bizRules": true, "microorganism": false,
        "chemicalSubstance": false, "stringValue": false, "hexBinaryValue": false, "uriValue": false,
    ]
    /// The report members compared by number, in a unit named after them.
    static let measuredMembers: Set<String> = ["value", "minValue", "maxValue", "meanValue", "sDev", "percValue"]

    /// Whether some sensor report of `event` meets the condition.
    func isMet(by event: JSONObject) -> Bool {
        for element in event["sensorElementList"]?.arrayValue ?? [] {
            let metadata = element["sensorMetadata"]?.objectValue ?? [:]
            for report in element["sensorReport"]?.arrayValue?.compactMap(\.objectValue) ?? [] where isMet(by: report, metadata: metadata) {
                return true
            }
        }
        return false
    }

    private func isMet(by report: JSONObject, metadata: JSONObject) -> Bool {
        switch self {
        case .text(let member, let values, let inMetadata):
            let found = [report[member]?.stringValue, inMetadata ? metadata[member]?.stringValue : nil].compactMap { $0 }
            return found.contains { text in
                switch member {
                case "type": values.contains(Self.measurementType(text))
                case "hexBinaryValue": values.contains { $0.caseInsensitiveCompare(text) == .orderedSame }
                default: values.contains(text)
                }
            }
        case .boolean(let wanted):
            return report["booleanValue"]?.boolValue == wanted
        case .number(let member, let uom, let comparison, let bound):
            if let uom, report["uom"]?.stringValue != uom { return false }
            guard let value = report[member]?.doubleValue else { return false }
            return comparison.holds(value, bound)
        case .time(let member, let comparison, let bound):
            let sources = member == "time" ? [report, metadata] : [metadata]
            return sources.contains { source in
                guard let time = source[member]?.stringValue.flatMap(XSDDateTime.parse) else { return false }
                return comparison.holds(time, bound)
            }
        }
    }

    /// A measurement type as its bare word: `gs1:Temperature` and `https://gs1.org/voc/Temperature`
    /// are `Temperature`; other types (extension URIs, CURIEs) stay as they are.
    static func measurementType(_ type: String) -> String {
        for prefix in ["gs1:", "https://gs1.org/voc/", "http://gs1.org/voc/"] where type.hasPrefix(prefix) {
            return String(type.dropFirst(prefix.count))
        }
        return type
    }
}

/// `HASATTR_<field>` (the value names an attribute) and `EQ_ATTR_<field>_<attribute>` (the attribute
/// has one of the values): conditions on the master data of the location in the event's `field`.
public struct MasterDataCondition: Sendable, Hashable {
    /// `readPoint` or `bizLocation`.
    public var field: String
    public var attribute: String
    /// The attribute's wanted values; nil when the attribute only has to be there.
    public var values: [String]?

    /// The fields whose master data is kept, and the vocabulary each draws on.
    public static let vocabularies: [String: String] = [
        "readPoint": VocabularyElement.readPointType, "bizLocation": VocabularyElement.businessLocationType,
    ]
}

/// One element of a master data vocabulary, as an EPCIS document's
/// `epcisHeader.epcisMasterData.vocabularyList` carries it, kept per operator: its attributes
/// (`id` and value as text) and the children of a hierarchy (`WD_…` parameters).
public struct VocabularyElement: Sendable, Hashable {
    public var operatorDID: String
    /// The vocabulary type, e.g. `urn:epcglobal:epcis:vtype:ReadPoint`.
    public var type: String
    /// The element's id, in canonical identifier form.
    public var id: String
    /// The attributes as captured (an object attribute as its JSON text); nil when the element names none.
    public var attributes: [Attribute]?
    /// The direct children's ids (canonical); nil when the element names none.
    public var children: [String]?

    /// One master data attribute.
    public struct Attribute: Sendable, Hashable {
        public var id: String
        public var value: String

        public init(id: String, value: String) {
            self.id = id
            self.value = value
        }
    }

    public init(operatorDID: String, type: String, id: String, attributes: [Attribute]?, children: [String]?) {
        self.operatorDID = operatorDID
        self.type = type
        self.id = id
        self.attributes = attributes
        self.children = children
    }

    /// The vocabulary of read points (CBV 2.0, section on master data).
    public static let readPointType = "urn:epcglobal:epcis:vtype:ReadPoint"
    /// The vocabulary of business locations.
    public static let businessLocationType = "urn:epcglobal:epcis:vtype:BusinessLocation"

    /// The vocabulary elements of `document`'s header, for `operatorDID`. The document has been
    /// validated against the EPCIS schema, so every vocabulary has a `type` and every element an `id`;
    /// entries without them are not master data and are passed over.
    public static func elements(of document: JSONValue, operator operatorDID: String) -> [VocabularyElement] {
        let vocabularies = document["epcisHeader"]?["epcisMasterData"]?["vocabularyList"]?.arrayValue ?? []
        return vocabularies.flatMap { vocabulary -> [VocabularyElement] in
            guard let type = vocabulary["type"]?.stringValue else { return [] }
            return (vocabulary["vocabularyElementList"]?.arrayValue ?? []).compactMap { element in
                guard let id = element["id"]?.stringValue else { return nil }
                let attributes = element["attributes"]?.arrayValue?.compactMap { attribute -> Attribute? in
                    guard let name = attribute["id"]?.stringValue else { return nil }
                    return Attribute(id: name, value: attributeText(attribute["attribute"]))
                }
                let children = element["children"]?.arrayValue?.compactMap(\.stringValue).map(EventCredentialIssuer.canonicalIdentifier)
                return VocabularyElement(
                    operatorDID: operatorDID, type: type, id: EventCredentialIssuer.canonicalIdentifier(id), attributes: attributes,
                    children: children)
            }
        }
    }

    /// An attribute value as text: a string as it is, a number or an object as its JSON, none as empty.
    static func attributeText(_ value: JSONValue?) -> String {
        guard let value else { return "" }
        if let text = value.stringValue { return text }
        return String(decoding: value.serialized(), as: UTF8.self)
    }
}

/// Master data a query draws on, kept per operator.
public protocol EPCISMasterDataRepository: Sendable {
    /// `roots` and every element below them in `type`'s hierarchy (children, their children, …) of
    /// the `operators`' master data, as canonical ids.
    func vocabularyDescendants(of roots: [String], type: String, operators: [String]) async throws -> Set<String>
    /// The elements of `type` (of the `operators`) with the attribute `attribute`, whose value is one
    /// of `values` when given.
    func vocabularyElements(type: String, attribute: String, values: [String]?, operators: [String]) async throws -> Set<String>
}
