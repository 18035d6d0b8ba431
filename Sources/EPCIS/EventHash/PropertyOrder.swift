/// The canonical order of EPCIS event fields in the pre-hash string (CBV 2.0 section 8.9.1, as
/// the reference generator lists them), with the order of each container's children.
struct PropertyOrder: Sendable {
    let name: String
    let children: [PropertyOrder]?

    private init(_ name: String, _ children: [PropertyOrder]? = nil) {
        self.name = name
        self.children = children
    }

    private static let epcs = [PropertyOrder("epc")]
    private static let quantities = [PropertyOrder("quantityElement", [.init("epcClass"), .init("quantity"), .init("uom")])]

    private static let sensorMetadata = ["time", "startTime", "endTime", "deviceID", "deviceMetadata", "rawData",
        "dataProcessingMethod", "bizRules"].map { PropertyOrder($0) }

    private static let sensorReport = ["type", "exception", "deviceID", "deviceMetadata", "rawData",
        "dataProcessingMethod", "time", "microorganism", "chemicalSubstance", "value", "component", "stringValue",
        "booleanValue", "hexBinaryValue", "uriValue", "minValue", "maxValue", "meanValue", "sDev", "percRank",
        "percValue", "uom", "coordinateReferenceSystem"].map { PropertyOrder($0) }

    /// The top-level order. The typed lists (bizTransactionList, sourceList, destinationList) are
    /// named but their entries never match by name, so they are hashed with the unordered fields,
    /// exactly as the reference generator does.
    static let event: [PropertyOrder] = [
        .init("eventTime"), .init("eventTimeZoneOffset"), .init("certificationInfo"), .init("parentID"),
        .init("epcList", epcs), .init("inputEPCList", epcs), .init("childEPCs", epcs),
        .init("quantityList", quantities), .init("childQuantityList", quantities), .init("inputQuantityList", quantities),
        .init("outputEPCList", epcs), .init("outputQuantityList", quantities),
        .init("action"), .init("transformationID"), .init("bizStep"), .init("disposition"),
        .init("persistentDisposition", [.init("set"), .init("unset")]),
        .init("readPoint", [.init("id")]), .init("bizLocation", [.init("id")]),
        .init("bizTransactionList", []), .init("sourceList", []), .init("destinationList", []),
        .init("sensorElementList", [.init("sensorElement", [.init("sensorMetadata", sensorMetadata), .init("sensorReport", sensorReport)])]),
    ]
}
