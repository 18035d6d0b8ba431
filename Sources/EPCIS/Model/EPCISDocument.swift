import Encoding

/// An EPCIS 2.0 document (`"type": "EPCISDocument"`): header fields, the optional `epcisHeader`
/// (master data), and the event list. Extension members are kept as they arrived and the member order
/// is remembered, so `json` of a parsed document is its input.
public struct EPCISDocument: Sendable, Hashable {
    public var context: JSONValue
    public var id: String?
    /// `2.0` for EPCIS 2.0.
    public var schemaVersion: String
    public var creationDate: String
    public var instanceIdentifier: String?
    /// The sender (an SGLN, as EPC URN or Digital Link).
    public var sender: String?
    public var receiver: String?
    /// The header with master data (`epcisMasterData.vocabularyList`), as it arrived.
    public var epcisHeader: JSONObject?
    public var eventList: [EPCISEvent]
    /// Members of `epcisBody` other than `eventList`, in arrival order.
    public var bodyExtensions: JSONObject = [:]
    /// Extension members of the document (CURIE or URI names), in arrival order.
    public var extensions: JSONObject = [:]
    var memberOrder = MemberOrder()
    var bodyOrder = MemberOrder()

    public init(context: JSONValue, schemaVersion: String = "2.0", creationDate: String, eventList: [EPCISEvent]) {
        self.context = context
        self.schemaVersion = schemaVersion
        self.creationDate = creationDate
        self.eventList = eventList
    }

    /// Reads a document, checking the JSON types of its members and of every event's; throws every
    /// structural problem. The rules of the schema are `validate()`'s.
    public init(json: JSONValue) throws(EPCISValidationError) {
        var reader = EPCISReader()
        guard case .object(let object) = json, let document = Self.read(object, &reader), reader.violations.isEmpty else {
            if reader.violations.isEmpty { reader.report(.invalidDocument, nil, "an EPCIS document is a JSON object") }
            throw EPCISValidationError(reader.violations)
        }
        self = document
    }

    /// Reads and validates a document, throwing every violation, structural or not, in document order.
    public init(validating json: JSONValue) throws(EPCISValidationError) {
        guard case .document(let document) = try EPCISValidator.requireValid(json) else {
            throw EPCISValidator.wrongKind("an EPCISDocument")
        }
        self = document
    }

    /// Throws every violation of the EPCIS schema in the document and its events.
    public func validate() throws(EPCISValidationError) {
        var reader = EPCISReader()
        check(&reader)
        if !reader.violations.isEmpty { throw EPCISValidationError(EPCISValidator.inDocumentOrder(reader.violations)) }
    }

    /// The document as EPCIS JSON.
    public var json: JSONObject {
        let body = bodyOrder.arrange([("eventList", .array(eventList.map { .object($0.json) }))], extensions: bodyExtensions)
        let string = { (value: String?) in value.map(JSONValue.string) }
        return memberOrder.arrange(
            [
                ("@context", context), ("type", "EPCISDocument"), ("id", string(id)), ("schemaVersion", .string(schemaVersion)),
                ("creationDate", .string(creationDate)), ("instanceIdentifier", string(instanceIdentifier)),
                ("sender", string(sender)), ("receiver", string(receiver)), ("epcisHeader", epcisHeader.map(JSONValue.object)),
                ("epcisBody", .object(body)),
            ], extensions: extensions)
    }

    /// Reads a document, reporting every structural problem; nil unless it and all its events read cleanly.
    static func read(_ object: JSONObject, _ reader: inout EPCISReader) -> EPCISDocument? {
        let before = reader.violations.count
        var context: JSONValue?
        var schemaVersion: String?
        var creationDate: String?
        var events: [EPCISEvent]?
        var document = EPCISDocument(context: .null, creationDate: "", eventList: [])
        document.memberOrder = MemberOrder(object.keys)
        for (key, value) in object {
            switch key {
            case "@context": context = value
            case "type": reader.documentType(value, expected: "EPCISDocument")
            case "id": document.id = reader.string(value, key)
            case "schemaVersion": schemaVersion = reader.string(value, key)
            case "creationDate": creationDate = reader.string(value, key)
            case "instanceIdentifier": document.instanceIdentifier = reader.string(value, key)
            case "sender": document.sender = reader.string(value, key)
            case "receiver": document.receiver = reader.string(value, key)
            case "epcisHeader": document.epcisHeader = reader.object(value, key) { object, _ in object }
            case "epcisBody":
                reader.object(value, key) { (body: JSONObject, reader: inout EPCISReader) -> Void? in
                    document.bodyOrder = MemberOrder(body.keys)
                    for (key, value) in body where key != "eventList" { document.bodyExtensions[key] = value }
                    events = readEventList(body, in: "epcisBody", &reader)
                    return ()
                }
            default: document.extensions[key] = value
            }
        }
        let what = "an EPCISDocument"
        let checked = (
            reader.required(context, "@context", of: object, in: what),
            reader.required(schemaVersion, "schemaVersion", of: object, in: what),
            reader.required(creationDate, "creationDate", of: object, in: what),
            reader.required(object["epcisBody"], "epcisBody", of: object, in: what)
        )
        guard reader.violations.count == before, let context = checked.0, let version = checked.1,
            let created = checked.2, let events
        else { return nil }
        document.context = context
        document.schemaVersion = version
        document.creationDate = created
        document.eventList = events
        return document
    }

    /// Checks the document's rules and each event's, reporting at the reader's position.
    func check(_ reader: inout EPCISReader) {
        reader.context(context)
        reader.uri(id, "id")
        if !EPCISFormat.isVersion(schemaVersion) {
            reader.report(.invalidValue, "schemaVersion", "'\(schemaVersion)' is not a version such as 2.0")
        }
        reader.dateTime(creationDate, "creationDate")
        reader.extensionNames(extensions, in: "an EPCISDocument")
        if let epcisHeader {
            reader.member("epcisHeader") { reader in
                var header = epcisHeader
                if let masterData = header.removeValue(forKey: "epcisMasterData") {
                    reader.masterData(masterData)
                }
                reader.extensionNames(header, in: "epcisHeader")
            }
        }
        reader.member("epcisBody") { reader in
            reader.member("eventList") { reader in checkEvents(eventList, &reader) }
        }
    }
}

/// An EPCIS 2.0 query document (`"type": "EPCISQueryDocument"`): the events a query returned, under
/// `epcisBody.queryResults.resultsBody.eventList`, with the query's name and subscription. Member
/// order and extensions are kept at every level, so `json` of a parsed document is its input.
public struct EPCISQueryDocument: Sendable, Hashable {
    public var context: JSONValue
    public var id: String?
    public var schemaVersion: String?
    public var creationDate: String?
    public var queryName: String
    public var subscriptionID: String?
    public var eventList: [EPCISEvent]
    /// Master data returned with the events (`resultsBody.vocabularyList`), as it arrived.
    public var vocabularyList: JSONValue?
    /// Extension members of the document, of `epcisBody`, of `queryResults` and of `resultsBody`.
    public var extensions: JSONObject = [:]
    public var bodyExtensions: JSONObject = [:]
    public var queryResultsExtensions: JSONObject = [:]
    public var resultsBodyExtensions: JSONObject = [:]
    var memberOrder = MemberOrder()
    var bodyOrder = MemberOrder()
    var queryResultsOrder = MemberOrder()
    var resultsBodyOrder = MemberOrder()

    public init(context: JSONValue, queryName: String, eventList: [EPCISEvent]) {
        self.context = context
        self.queryName = queryName
        self.eventList = eventList
    }

    /// Reads a query document, checking the JSON types of its members and of every event's; throws
    /// every structural problem. The rules of the schema are `validate()`'s.
    public init(json: JSONValue) throws(EPCISValidationError) {
        var reader = EPCISReader()
        guard case .object(let object) = json, let document = Self.read(object, &reader), reader.violations.isEmpty else {
            if reader.violations.isEmpty { reader.report(.invalidDocument, nil, "an EPCIS query document is a JSON object") }
            throw EPCISValidationError(reader.violations)
        }
        self = document
    }

    /// Reads and validates a query document, throwing every violation, structural or not, in document order.
    public init(validating json: JSONValue) throws(EPCISValidationError) {
        guard case .queryDocument(let document) = try EPCISValidator.requireValid(json) else {
            throw EPCISValidator.wrongKind("an EPCISQueryDocument")
        }
        self = document
    }

    /// Throws every violation of the EPCIS schema in the document and its events.
    public func validate() throws(EPCISValidationError) {
        var reader = EPCISReader()
        check(&reader)
        if !reader.violations.isEmpty { throw EPCISValidationError(EPCISValidator.inDocumentOrder(reader.violations)) }
    }

    /// The document as EPCIS JSON.
    public var json: JSONObject {
        let results = resultsBodyOrder.arrange(
            [("eventList", .array(eventList.map { .object($0.json) })), ("vocabularyList", vocabularyList)],
            extensions: resultsBodyExtensions)
        let query = queryResultsOrder.arrange(
            [
                ("queryName", .string(queryName)), ("subscriptionID", subscriptionID.map(JSONValue.string)),
                ("resultsBody", .object(results)),
            ], extensions: queryResultsExtensions)
        let body = bodyOrder.arrange([("queryResults", .object(query))], extensions: bodyExtensions)
        return memberOrder.arrange(
            [
                ("@context", context), ("type", "EPCISQueryDocument"), ("id", id.map(JSONValue.string)),
                ("schemaVersion", schemaVersion.map(JSONValue.string)), ("creationDate", creationDate.map(JSONValue.string)),
                ("epcisBody", .object(body)),
            ], extensions: extensions)
    }

    static func read(_ object: JSONObject, _ reader: inout EPCISReader) -> EPCISQueryDocument? {
        let before = reader.violations.count
        var context: JSONValue?
        var queryName: String?
        var events: [EPCISEvent]?
        var document = EPCISQueryDocument(context: .null, queryName: "", eventList: [])
        document.memberOrder = MemberOrder(object.keys)
        for (key, value) in object {
            switch key {
            case "@context": context = value
            case "type": reader.documentType(value, expected: "EPCISQueryDocument")
            case "id": document.id = reader.string(value, key)
            case "schemaVersion": document.schemaVersion = reader.string(value, key)
            case "creationDate": document.creationDate = reader.string(value, key)
            case "epcisBody":
                reader.object(value, key) { (body: JSONObject, reader: inout EPCISReader) -> Void? in
                    document.bodyOrder = MemberOrder(body.keys)
                    for (key, value) in body where key != "queryResults" { document.bodyExtensions[key] = value }
                    guard let results = reader.required(body["queryResults"], "queryResults", of: body, in: "epcisBody")
                    else { return nil }
                    reader.object(results, "queryResults") { (query: JSONObject, reader: inout EPCISReader) -> Void? in
                        document.queryResultsOrder = MemberOrder(query.keys)
                        for (key, value) in query {
                            switch key {
                            case "queryName": queryName = reader.string(value, key)
                            case "subscriptionID": document.subscriptionID = reader.string(value, key)
                            case "resultsBody":
                                reader.object(value, key) { (results: JSONObject, reader: inout EPCISReader) -> Void? in
                                    document.resultsBodyOrder = MemberOrder(results.keys)
                                    for (key, value) in results where key != "eventList" {
                                        if key == "vocabularyList" {
                                            document.vocabularyList = value
                                        } else {
                                            document.resultsBodyExtensions[key] = value
                                        }
                                    }
                                    events = readEventList(results, in: "resultsBody", &reader)
                                    return ()
                                }
                            default: document.queryResultsExtensions[key] = value
                            }
                        }
                        _ = reader.required(queryName, "queryName", of: query, in: "queryResults")
                        _ = reader.required(query["resultsBody"], "resultsBody", of: query, in: "queryResults")
                        return ()
                    }
                    return ()
                }
            default: document.extensions[key] = value
            }
        }
        let what = "an EPCISQueryDocument"
        let checkedContext = reader.required(context, "@context", of: object, in: what)
        _ = reader.required(object["epcisBody"], "epcisBody", of: object, in: what)
        guard reader.violations.count == before, let checkedContext, let queryName, let events else { return nil }
        document.context = checkedContext
        document.queryName = queryName
        document.eventList = events
        return document
    }

    /// Checks the document's rules and each event's, reporting at the reader's position.
    func check(_ reader: inout EPCISReader) {
        reader.context(context)
        reader.uri(id, "id")
        if let schemaVersion, !EPCISFormat.isVersion(schemaVersion) {
            reader.report(.invalidValue, "schemaVersion", "'\(schemaVersion)' is not a version such as 2.0")
        }
        reader.dateTime(creationDate, "creationDate")
        reader.extensionNames(extensions, in: "an EPCISQueryDocument")
        reader.member("epcisBody") { reader in
            reader.extensionNames(bodyExtensions, in: "epcisBody")
            reader.member("queryResults") { reader in
                reader.extensionNames(queryResultsExtensions, in: "queryResults")
                reader.member("resultsBody") { reader in
                    reader.extensionNames(resultsBodyExtensions, in: "resultsBody")
                    if let vocabularyList { reader.vocabularyList(vocabularyList, "vocabularyList") }
                    reader.member("eventList") { reader in checkEvents(eventList, &reader) }
                }
            }
        }
    }
}

/// Reads `eventList` of `container` (reporting it missing), each event with its index; nil when
/// any event did not read cleanly (the problems are reported).
private func readEventList(_ container: JSONObject, in what: String, _ reader: inout EPCISReader) -> [EPCISEvent]? {
    guard let list = reader.required(container["eventList"], "eventList", of: container, in: what) else { return nil }
    guard case .array(let elements) = list else {
        reader.report(.invalidValue, "eventList", "eventList is an array of events")
        return nil
    }
    return reader.member("eventList") { reader in
        var events: [EPCISEvent] = []
        events.reserveCapacity(elements.count)
        var complete = true
        for (index, element) in elements.enumerated() {
            reader.eventIndex = index
            defer { reader.eventIndex = nil }
            guard case .object(let object) = element else {
                reader.report(.invalidValue, String(index), "each entry of eventList is an event object")
                complete = false
                continue
            }
            if let event = reader.element(index, { EPCISEvent.read(object, &$0) }) {
                events.append(event)
            } else {
                complete = false
            }
        }
        return complete ? events : nil
    }
}

/// Checks each event of an event list, with the reader at the list.
private func checkEvents(_ events: [EPCISEvent], _ reader: inout EPCISReader) {
    for (index, event) in events.enumerated() {
        reader.eventIndex = index
        reader.element(index) { EPCISValidator.check(event, standalone: false, &$0) }
    }
    reader.eventIndex = nil
}
