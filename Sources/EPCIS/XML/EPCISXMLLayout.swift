/// Where each field of an event goes in EPCIS 2.0 XML: the element sequences of the XML schema
/// (`EPCglobal-epcis-2_0.xsd`), which the writer follows and the schema check holds captures to.
enum EPCISXMLLayout {
    /// The fields every event starts with (`EPCISEventType`).
    static let common = ["eventTime", "recordTime", "eventTimeZoneOffset", "eventID", "errorDeclaration", "certificationInfo", "baseExtension"]

    /// The fields of each event type after the common ones, in schema order (each type ends with
    /// `extension` and then elements of other namespaces).
    static func fields(of type: String) -> [String]? {
        switch type {
        case "ObjectEvent":
            ["epcList", "action", "bizStep", "disposition", "readPoint", "bizLocation", "bizTransactionList", "quantityList",
             "sourceList", "destinationList", "sensorElementList", "persistentDisposition", "ilmd", "extension"]
        case "AggregationEvent":
            ["parentID", "childEPCs", "action", "bizStep", "disposition", "readPoint", "bizLocation", "bizTransactionList",
             "childQuantityList", "sourceList", "destinationList", "sensorElementList", "persistentDisposition", "extension"]
        case "TransactionEvent":
            ["bizTransactionList", "parentID", "epcList", "action", "bizStep", "disposition", "readPoint", "bizLocation",
             "quantityList", "sourceList", "destinationList", "sensorElementList", "persistentDisposition", "extension"]
        case "TransformationEvent":
            ["inputEPCList", "inputQuantityList", "outputEPCList", "outputQuantityList", "transformationID", "bizStep",
             "disposition", "readPoint", "bizLocation", "bizTransactionList", "sourceList", "destinationList",
             "sensorElementList", "persistentDisposition", "ilmd", "extension"]
        case "AssociationEvent":
            ["parentID", "childEPCs", "childQuantityList", "action", "bizStep", "disposition", "readPoint", "bizLocation",
             "bizTransactionList", "sourceList", "destinationList", "sensorElementList", "persistentDisposition", "extension"]
        default: nil
        }
    }

    /// The fields the schema requires of each event type besides `eventTime` and `eventTimeZoneOffset`.
    static func required(of type: String) -> [String] {
        switch type {
        case "TransformationEvent": []
        case "TransactionEvent": ["bizTransactionList", "action"]
        case "AssociationEvent": ["parentID", "action"]
        default: ["action"]
        }
    }

    /// The attributes of `sensorReport` whose values are `xsd:double`.
    static let sensorNumbers: Set<String> = ["value", "minValue", "maxValue", "meanValue", "sDev", "percRank", "percValue"]
}
