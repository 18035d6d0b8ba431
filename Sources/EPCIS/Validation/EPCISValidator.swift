import Encoding

/// Checks EPCIS 2.0 events and documents against the EPCIS JSON schema, the SHACL shapes and the
/// CBV 2.0 vocabularies: required and forbidden fields per event type, formats (date-time, URI,
/// time-zone offset, unit codes), the "what" each event type must name, and vocabulary words. Every
/// violation is collected with the event index and a JSON Pointer to the member.
public enum EPCISValidator {
    /// Every violation in an EPCIS document, EPCIS query document or single event (which must carry
    /// its own `@context`), structural ones included, in document order.
    public static func violations(in json: JSONValue) -> [EPCISViolation] {
        inspect(json).violations
    }

    /// What `json` reads as, when it reads cleanly, and every violation in it.
    enum Parsed {
        case document(EPCISDocument)
        case queryDocument(EPCISQueryDocument)
        case event(EPCISEvent)
    }

    static func inspect(_ json: JSONValue) -> (parsed: Parsed?, violations: [EPCISViolation]) {
        var reader = EPCISReader()
        guard case .object(let object) = json else {
            reader.report(.invalidDocument, nil, "an EPCIS document or event is a JSON object")
            return (nil, reader.violations)
        }
        var parsed: Parsed?
        switch object["type"]?.stringValue {
        case "EPCISDocument":
            if let document = EPCISDocument.read(object, &reader) {
                document.check(&reader)
                parsed = .document(document)
            } else {
                checkReadableEvents(in: json, at: ["epcisBody", "eventList"], &reader)
            }
        case "EPCISQueryDocument":
            if let document = EPCISQueryDocument.read(object, &reader) {
                document.check(&reader)
                parsed = .queryDocument(document)
            } else {
                checkReadableEvents(in: json, at: ["epcisBody", "queryResults", "resultsBody", "eventList"], &reader)
            }
        default:
            if let event = EPCISEvent.read(object, &reader) {
                check(event, standalone: true, &reader)
                parsed = .event(event)
            }
        }
        return (parsed, inDocumentOrder(reader.violations))
    }

    /// The valid document or event `json` reads as; throws every violation otherwise.
    static func requireValid(_ json: JSONValue) throws(EPCISValidationError) -> Parsed {
        let (parsed, violations) = inspect(json)
        guard violations.isEmpty, let parsed else { throw EPCISValidationError(violations) }
        return parsed
    }

    /// The error for input of another kind than `expected`.
    static func wrongKind(_ expected: String) -> EPCISValidationError {
        EPCISValidationError([EPCISViolation(.invalidDocument, at: "/type", "expected \(expected)")])
    }

    /// When a document did not read cleanly, still checks the rules of each event that did, so one
    /// broken event does not hide the others' violations.
    private static func checkReadableEvents(in json: JSONValue, at path: ArraySlice<String>, _ reader: inout EPCISReader) {
        guard let key = path.first, let value = json[key] else { return }
        guard path.count == 1 else {
            reader.member(key) { checkReadableEvents(in: value, at: path.dropFirst(), &$0) }
            return
        }
        guard case .array(let events) = value else { return }
        reader.member(key) { reader in
            for (index, element) in events.enumerated() {
                var scratch = EPCISReader()
                guard case .object(let object) = element, let event = EPCISEvent.read(object, &scratch) else { continue }
                reader.eventIndex = index
                reader.element(index) { check(event, standalone: false, &$0) }
            }
            reader.eventIndex = nil
        }
    }

    /// Violations sorted by event (document-level ones first), keeping their order within an event.
    static func inDocumentOrder(_ violations: [EPCISViolation]) -> [EPCISViolation] {
        violations.enumerated()
            .sorted { ($0.element.eventIndex ?? -1, $0.offset) < ($1.element.eventIndex ?? -1, $1.offset) }
            .map(\.element)
    }

    // MARK: Events

    /// Members each of the five event types may have besides the common ones (`propertyNames`).
    private static let typeMembers: [String: Set<String>] = [
        "ObjectEvent": [
            "action", "epcList", "quantityList", "bizStep", "disposition", "persistentDisposition", "readPoint",
            "bizLocation", "bizTransactionList", "sourceList", "destinationList", "sensorElementList", "ilmd",
        ],
        "AggregationEvent": aggregationMembers,
        "AssociationEvent": aggregationMembers,
        "TransactionEvent": [
            "bizTransactionList", "parentID", "epcList", "quantityList", "action", "bizStep", "disposition",
            "readPoint", "bizLocation", "sourceList", "destinationList", "sensorElementList",
        ],
        "TransformationEvent": [
            "inputEPCList", "inputQuantityList", "outputEPCList", "outputQuantityList", "transformationID", "bizStep",
            "disposition", "persistentDisposition", "readPoint", "bizLocation", "bizTransactionList", "sourceList",
            "destinationList", "sensorElementList", "ilmd",
        ],
    ]

    private static let aggregationMembers: Set<String> = [
        "parentID", "childEPCs", "childQuantityList", "action", "bizStep", "disposition", "readPoint", "bizLocation",
        "bizTransactionList", "sourceList", "destinationList", "sensorElementList",
    ]

    /// Checks one event, reporting at the reader's position.
    static func check(_ event: EPCISEvent, standalone: Bool, _ reader: inout EPCISReader) {
        if standalone, event.context == nil {
            reader.report(.fieldMissing, "@context", "an event sent on its own carries its @context")
        }
        if let context = event.context { reader.context(context) }
        reader.dateTime(event.eventTime, "eventTime")
        if !EPCISFormat.isTimeZoneOffset(event.eventTimeZoneOffset) {
            reader.report(
                .invalidValue, "eventTimeZoneOffset",
                "'\(event.eventTimeZoneOffset)' is not a time-zone offset from -13:59 to +14:00 (±HH:MM)")
        }
        reader.dateTime(event.recordTime, "recordTime")
        if let eventID = event.eventID {
            if !EPCISFormat.isURI(eventID) || !(eventID.hasPrefix("urn:uuid:") || eventID.hasPrefix("ni:///")) {
                reader.report(
                    .invalidValue, "eventID", "an eventID is a urn:uuid: URI or an event hash ni:/// URI, not '\(eventID)'")
            }
        }
        if let info = event.certificationInfo {
            switch info {
            case .single(let uri): reader.uri(uri, "certificationInfo")
            case .list(let uris): reader.uris(uris, "certificationInfo")
            }
        }
        if let declaration = event.errorDeclaration {
            reader.member("errorDeclaration") { reader in
                reader.dateTime(declaration.declarationTime, "declarationTime")
                reader.vocabulary(declaration.reason, "reason", .errorReason)
                reader.uris(declaration.correctiveEventIDs, "correctiveEventIDs")
                reader.extensionNames(declaration.extensions, in: "errorDeclaration")
            }
        }
        guard let allowed = typeMembers[event.type.name] else {
            if !EPCISFormat.isURI(event.type.name) {
                reader.report(
                    .invalidValue, "type",
                    "'\(event.type.name)' is neither one of the five EPCIS event types nor a URI naming an extension event")
            }
            return
        }
        checkMembers(of: event, allowed: allowed, &reader)
        checkFields(of: event, &reader)
        checkWhat(of: event, &reader)
    }

    /// Fields this event type must have, or must not have.
    private static func checkMembers(of event: EPCISEvent, allowed: Set<String>, _ reader: inout EPCISReader) {
        let name = event.type.name
        for member in event.standardMemberNames where !allowed.contains(member) {
            reader.report(.fieldForbidden, member, "\(name) has no '\(member)'")
        }
        reader.extensionNames(event.extensions, in: name)
        if event.type != .transformationEvent, event.action == nil {
            reader.report(.fieldMissing, "action", "\(name) requires 'action' (ADD, OBSERVE or DELETE)")
        }
        if event.type == .associationEvent, event.parentID == nil {
            reader.report(.fieldMissing, "parentID", "AssociationEvent requires 'parentID'")
        }
        if event.type == .transactionEvent, event.bizTransactionList?.isEmpty ?? true {
            reader.report(.fieldMissing, "bizTransactionList", "TransactionEvent requires at least one bizTransaction")
        }
        if event.type == .objectEvent, event.ilmd != nil, let action = event.action, action != .add {
            reader.report(.fieldForbidden, "ilmd", "ilmd belongs to an ObjectEvent with action ADD, not \(action.rawValue)")
        }
    }

    /// The format and vocabulary of each field present.
    private static func checkFields(of event: EPCISEvent, _ reader: inout EPCISReader) {
        reader.vocabulary(event.bizStep, "bizStep", .bizStep)
        reader.vocabulary(event.disposition, "disposition", .disposition)
        if let persistent = event.persistentDisposition {
            reader.member("persistentDisposition") { reader in
                for (key, words) in [("set", persistent.set), ("unset", persistent.unset)] {
                    guard let words else { continue }
                    if words.isEmpty { reader.report(.fieldMissing, key, "'\(key)' lists at least one disposition") }
                    reader.unique(words, key)
                    reader.member(key) { reader in
                        for (index, word) in words.enumerated() { reader.vocabulary(word, String(index), .disposition) }
                    }
                }
            }
        }
        for (key, location) in [("readPoint", event.readPoint), ("bizLocation", event.bizLocation)] {
            if let location { reader.member(key) { $0.uri(location.id, "id") } }
        }
        reader.uri(event.parentID, "parentID")
        reader.uri(event.transformationID, "transformationID")
        let uniqueLists = event.type == .objectEvent || event.type == .transformationEvent
        reader.uris(event.epcList, "epcList", unique: uniqueLists)
        reader.uris(event.childEPCs, "childEPCs")
        reader.uris(event.inputEPCList, "inputEPCList", unique: uniqueLists)
        reader.uris(event.outputEPCList, "outputEPCList", unique: uniqueLists)
        let quantityLists = [
            ("quantityList", event.quantityList), ("childQuantityList", event.childQuantityList),
            ("inputQuantityList", event.inputQuantityList), ("outputQuantityList", event.outputQuantityList),
        ]
        for (key, list) in quantityLists {
            reader.each(list, key) { reader, element in
                reader.uri(element.epcClass, "epcClass")
                if let uom = element.uom, !EPCISFormat.isUnitCode(uom) {
                    reader.report(.invalidValue, "uom", "'\(uom)' is not a UN/ECE Rec. 20 unit code (2-3 of A-Z, 0-9)")
                }
            }
        }
        reader.each(event.bizTransactionList, "bizTransactionList") { reader, transaction in
            reader.uri(transaction.bizTransaction, "bizTransaction")
            reader.vocabulary(transaction.type, "type", .bizTransactionType)
        }
        for (key, role, list) in [("sourceList", "source", event.sourceList), ("destinationList", "destination", event.destinationList)] {
            reader.each(list, key) { reader, entry in
                reader.vocabulary(entry.type, "type", .sourceDestType)
                reader.uri(entry.id, role)
            }
        }
        reader.each(event.sensorElementList, "sensorElementList") { reader, element in checkSensorElement(element, &reader) }
        if let ilmd = event.ilmd { reader.member("ilmd") { $0.extensionNames(ilmd, in: "ilmd") } }
    }

    private static func checkSensorElement(_ element: SensorElement, _ reader: inout EPCISReader) {
        reader.extensionNames(element.extensions, in: "a sensor element")
        if let metadata = element.sensorMetadata {
            reader.member("sensorMetadata") { reader in
                for (key, time) in [("time", metadata.time), ("startTime", metadata.startTime), ("endTime", metadata.endTime)] {
                    reader.dateTime(time, key)
                }
                let uris = [
                    ("deviceID", metadata.deviceID), ("deviceMetadata", metadata.deviceMetadata), ("rawData", metadata.rawData),
                    ("dataProcessingMethod", metadata.dataProcessingMethod), ("bizRules", metadata.bizRules),
                ]
                for (key, uri) in uris { reader.uri(uri, key) }
                reader.extensionNames(metadata.extensions, in: "sensorMetadata")
            }
        }
        if element.sensorReport.isEmpty {
            reader.report(.fieldMissing, "sensorReport", "a sensor element has at least one sensor report")
        }
        reader.each(element.sensorReport, "sensorReport") { reader, report in
            reader.vocabulary(report.type, "type", .measurementType)
            reader.vocabulary(report.exception, "exception", .sensorAlertType)
            reader.vocabulary(report.component, "component", .component)
            reader.dateTime(report.time, "time")
            for (key, uri) in report.uriMembers { reader.uri(uri, key) }
            if let hex = report.hexBinaryValue, !EPCISFormat.isHexBinary(hex) {
                reader.report(.invalidValue, "hexBinaryValue", "'\(hex)' is not hexadecimal")
            }
            reader.extensionNames(report.extensions, in: "a sensor report")
        }
    }

    /// What the event is about: the "what" dimension each event type must have.
    private static func checkWhat(of event: EPCISEvent, _ reader: inout EPCISReader) {
        let nonEmpty = { (list: [Any]?) in !(list?.isEmpty ?? true) }
        switch event.type {
        case .objectEvent:
            let sensors = nonEmpty(event.sensorElementList) && event.readPoint != nil
            if event.epcList == nil, !nonEmpty(event.quantityList), !sensors {
                reader.report(
                    .fieldMissing, "epcList",
                    "an ObjectEvent names its objects: epcList, quantityList, or sensorElementList with readPoint")
            }
        case .aggregationEvent, .associationEvent:
            if let action = event.action, action != .delete, !nonEmpty(event.childEPCs), !nonEmpty(event.childQuantityList) {
                reader.report(
                    .fieldMissing, "childEPCs",
                    "\(event.type.name) with action other than DELETE names its children: childEPCs or childQuantityList")
            }
        case .transactionEvent:
            if let action = event.action, action != .delete, event.epcList == nil, !nonEmpty(event.quantityList) {
                reader.report(
                    .fieldMissing, "epcList", "TransactionEvent with action other than DELETE has epcList or quantityList")
            }
        case .transformationEvent:
            let inputs = nonEmpty(event.inputEPCList) || nonEmpty(event.inputQuantityList)
            let outputs = nonEmpty(event.outputEPCList) || nonEmpty(event.outputQuantityList)
            if !(inputs && outputs), !(event.transformationID != nil && (inputs || outputs)) {
                let missing = inputs ? "outputEPCList" : "inputEPCList"
                reader.report(
                    .fieldMissing, missing,
                    "a TransformationEvent has inputs and outputs, or a transformationID and inputs or outputs")
            }
        case .other:
            break
        }
    }
}

extension EPCISEvent {
    /// The violations of the rules for this event's type; `standalone` for an event sent on its own,
    /// which must carry its `@context`.
    public func violations(standalone: Bool = false) -> [EPCISViolation] {
        var reader = EPCISReader()
        EPCISValidator.check(self, standalone: standalone, &reader)
        return reader.violations
    }

    /// Reads and validates an event sent on its own (with its `@context`), throwing every
    /// violation, structural or not.
    public init(validating json: JSONValue) throws(EPCISValidationError) {
        guard case .event(let event) = try EPCISValidator.requireValid(json) else {
            throw EPCISValidator.wrongKind("an event, not a document")
        }
        self = event
    }

    /// Throws every violation of the rules for this event's type.
    public func validate(standalone: Bool = false) throws(EPCISValidationError) {
        let violations = violations(standalone: standalone)
        if !violations.isEmpty { throw EPCISValidationError(violations) }
    }

    /// The names of the standard fields that are set.
    var standardMemberNames: [String] {
        let present: [(String, Bool)] = [
            ("action", action != nil), ("bizStep", bizStep != nil), ("disposition", disposition != nil),
            ("persistentDisposition", persistentDisposition != nil), ("readPoint", readPoint != nil),
            ("bizLocation", bizLocation != nil), ("parentID", parentID != nil), ("epcList", epcList != nil),
            ("childEPCs", childEPCs != nil), ("inputEPCList", inputEPCList != nil), ("outputEPCList", outputEPCList != nil),
            ("quantityList", quantityList != nil), ("childQuantityList", childQuantityList != nil),
            ("inputQuantityList", inputQuantityList != nil), ("outputQuantityList", outputQuantityList != nil),
            ("transformationID", transformationID != nil), ("bizTransactionList", bizTransactionList != nil),
            ("sourceList", sourceList != nil), ("destinationList", destinationList != nil),
            ("sensorElementList", sensorElementList != nil), ("ilmd", ilmd != nil),
        ]
        return present.compactMap { $0.1 ? $0.0 : nil }
    }
}

// MARK: Checks of single values, reported at the reader's position

extension EPCISReader {
    mutating func uri(_ value: String?, _ key: String) {
        if let value, !EPCISFormat.isURI(value) { report(.invalidValue, key, "'\(value)' is not a URI") }
    }

    mutating func uris(_ values: [String]?, _ key: String, unique: Bool = false) {
        guard let values else { return }
        member(key) { reader in
            for (index, value) in values.enumerated() { reader.uri(value, String(index)) }
        }
        if unique { self.unique(values, key) }
    }

    mutating func unique(_ values: [String], _ key: String) {
        var seen = Set<String>()
        for (index, value) in values.enumerated() where !seen.insert(value).inserted {
            member(key) { $0.report(.invalidValue, String(index), "'\(value)' appears twice in '\(key)'") }
        }
    }

    mutating func dateTime(_ value: String?, _ key: String) {
        if let value, !EPCISFormat.isDateTime(value) {
            report(.invalidValue, key, "'\(value)' is not an RFC 3339 date-time with a time-zone")
        }
    }

    mutating func vocabulary(_ value: String?, _ key: String, _ vocabulary: CBVVocabulary) {
        guard let value else { return }
        switch vocabulary.fit(value) {
        case .valid:
            break
        case .reservedURI:
            report(.invalidValue, key, "EPCIS JSON writes the \(vocabulary.rawValue) '\(value)' as its bare CBV word")
        case .unknownWord:
            report(.unknownVocabulary, key, "'\(value)' is not a CBV 2.0 \(vocabulary.rawValue) value nor a URI")
        }
    }

    /// Extension members must be named by a URI or CURIE.
    mutating func extensionNames(_ extensions: JSONObject, in what: String) {
        for key in extensions.keys where !EPCISFormat.isURI(key) {
            report(.fieldForbidden, key, "'\(key)' is not a field of \(what); an extension is named by a URI or CURIE")
        }
    }

    /// `@context`: a URI, an object, or an array of distinct URIs and objects.
    mutating func context(_ value: JSONValue) {
        switch value {
        case .string(let uri): self.uri(uri, "@context")
        case .object: break
        case .array(let entries):
            var seen = Set<JSONValue>()
            member("@context") { reader in
                for (index, entry) in entries.enumerated() {
                    switch entry {
                    case .string(let uri): reader.uri(uri, String(index))
                    case .object: break
                    default: reader.report(.invalidValue, String(index), "a @context entry is a URI or an object")
                    }
                    if !seen.insert(entry).inserted {
                        reader.report(.invalidValue, String(index), "a @context entry appears twice")
                    }
                }
            }
        default:
            report(.invalidValue, "@context", "@context is a URI, an object or an array of them")
        }
    }

    /// Runs `check` on each element of `list` (member `key`) with the pointer at the element.
    mutating func each<T>(_ list: [T]?, _ key: String, _ check: (inout EPCISReader, T) -> Void) {
        guard let list else { return }
        member(key) { reader in
            for (index, element) in list.enumerated() { reader.element(index) { check(&$0, element) } }
        }
    }
}
