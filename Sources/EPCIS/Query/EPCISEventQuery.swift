import Credentials
import Encoding
import Foundation

/// An EPCIS 2.0 event query as the REST binding writes it in a URI query string (`eventType`,
/// `GE_eventTime`, `EQ_bizStep`, `MATCH_epc`, …): parsed with every parameter checked, and applied
/// to captured events. Multi-valued parameters are `|`-separated. Identifiers match whether they are
/// written as EPC URNs or GS1 Digital Links (and EPC id patterns `…*` match every instance under
/// them); CBV values match whether bare words, Web URIs or URNs. `WD_readPoint` and `WD_bizLocation`
/// match the location itself: no location hierarchy (master data) is kept.
public struct EPCISEventQuery: Sendable, Hashable {
    public var eventTypes: [String]?
    public var geEventTime: Date?
    public var ltEventTime: Date?
    public var geRecordTime: Date?
    public var ltRecordTime: Date?
    public var actions: [String]?
    public var bizSteps: [String]?
    public var dispositions: [String]?
    public var readPoints: [String]?
    public var bizLocations: [String]?
    public var eventIDs: [String]?
    /// `EXISTS_errorDeclaration`: true keeps only events with an error declaration, false only events without.
    public var errorDeclaration: Bool?
    /// `MATCH_…` parameters: the fields searched and the (canonical) identifiers or patterns sought.
    public var identifierMatches: [IdentifierMatch] = []
    /// `EQ_bizTransaction_<type>`, `EQ_source_<type>`, `EQ_destination_<type>`.
    public var typedReferences: [TypedReferenceMatch] = []
    public var order: EventScanOrder?
    public var descending = true
    public var eventCountLimit: Int?

    public init() {}

    /// The most events one page holds.
    public static let maxPerPage = 1_000

    /// One `MATCH_…` parameter.
    public struct IdentifierMatch: Sendable, Hashable {
        public var parameter: String
        public var values: [String]
    }

    /// One `EQ_<list>_<type>` parameter: the entries of `list` with a type matching `type` whose id is one of `values`.
    public struct TypedReferenceMatch: Sendable, Hashable {
        public var list: String
        public var member: String
        public var type: String
        public var values: [String]
    }

    /// The names of the parameters that paging handles, which the query leaves to its caller.
    public static let pagingParameters: Set<String> = ["perPage", "nextPageToken"]

    /// The event fields each `MATCH_…` parameter searches: instance lists by name, class lists by `epcClass`.
    static let matchFields: [String: [String]] = [
        "MATCH_epc": ["epcList", "childEPCs"],
        "MATCH_parentID": ["parentID"],
        "MATCH_inputEPC": ["inputEPCList"],
        "MATCH_outputEPC": ["outputEPCList"],
        "MATCH_anyEPC": ["epcList", "childEPCs", "inputEPCList", "outputEPCList", "parentID"],
        "MATCH_epcClass": ["quantityList", "childQuantityList"],
        "MATCH_anyEPCClass": ["quantityList", "childQuantityList", "inputQuantityList", "outputQuantityList"],
    ]

    /// The five EPCIS 2.0 event types.
    public static let eventTypeNames: Set<String> = ["ObjectEvent", "AggregationEvent", "TransactionEvent", "TransformationEvent", "AssociationEvent"]

    /// Parses the query string's `parameters` (name, raw value), leaving out ``pagingParameters``.
    /// An unknown parameter, a repeated one, or a malformed value throws ``EPCISQueryError``.
    public init(parameters: [(name: String, value: String)]) throws(EPCISQueryError) {
        var seen = Set<String>()
        for (name, value) in parameters where !Self.pagingParameters.contains(name) {
            guard seen.insert(name).inserted else { throw .repeated(name) }
            try apply(name, value)
        }
        if eventCountLimit != nil, order == nil {
            throw .invalid("eventCountLimit", "eventCountLimit needs orderBy")
        }
    }

    private mutating func apply(_ name: String, _ value: String) throws(EPCISQueryError) {
        switch name {
        case "eventType":
            let types = try Self.list(name, value)
            if let unknown = types.first(where: { !Self.eventTypeNames.contains($0) }) {
                throw .invalid(name, "'\(unknown)' is not an EPCIS 2.0 event type")
            }
            eventTypes = types
        case "GE_eventTime": geEventTime = try Self.time(name, value)
        case "LT_eventTime": ltEventTime = try Self.time(name, value)
        case "GE_recordTime": geRecordTime = try Self.time(name, value)
        case "LT_recordTime": ltRecordTime = try Self.time(name, value)
        case "EQ_action":
            let values = try Self.list(name, value)
            if let unknown = values.first(where: { !["ADD", "OBSERVE", "DELETE"].contains($0) }) {
                throw .invalid(name, "'\(unknown)' is not ADD, OBSERVE or DELETE")
            }
            actions = values
        case "EQ_bizStep": bizSteps = try Self.list(name, value).map(Self.cbvWord)
        case "EQ_disposition": dispositions = try Self.list(name, value).map(Self.cbvWord)
        case "EQ_readPoint", "WD_readPoint": readPoints = (readPoints ?? []) + (try Self.list(name, value))
        case "EQ_bizLocation", "WD_bizLocation": bizLocations = (bizLocations ?? []) + (try Self.list(name, value))
        case "EQ_eventID": eventIDs = try Self.list(name, value)
        case "EXISTS_errorDeclaration":
            guard ["", "true", "false"].contains(value) else { throw .invalid(name, "EXISTS_errorDeclaration is true (or empty) or false") }
            errorDeclaration = value != "false"
        case "orderBy":
            guard let order = EventScanOrder(rawValue: value) else {
                throw .invalid(name, "orderBy is eventTime or recordTime (ordering by extension fields is not supported)")
            }
            self.order = order
        case "orderDirection":
            guard value == "ASC" || value == "DESC" else { throw .invalid(name, "orderDirection is ASC or DESC") }
            descending = value == "DESC"
        case "eventCountLimit":
            guard let limit = Int(value), limit > 0 else { throw .invalid(name, "eventCountLimit is a positive integer") }
            eventCountLimit = limit
        default:
            if Self.matchFields[name] != nil {
                identifierMatches.append(IdentifierMatch(parameter: name, values: try Self.list(name, value)))
            } else if let reference = try Self.typedReference(name, value) {
                typedReferences.append(reference)
            } else {
                throw .unknown(name)
            }
        }
    }

    /// `EQ_bizTransaction_<type>`, `EQ_source_<type>` or `EQ_destination_<type>`; nil for any other name.
    private static func typedReference(_ name: String, _ value: String) throws(EPCISQueryError) -> TypedReferenceMatch? {
        let families = [
            ("EQ_bizTransaction_", "bizTransactionList", "bizTransaction"), ("EQ_source_", "sourceList", "source"),
            ("EQ_destination_", "destinationList", "destination"),
        ]
        guard let (prefix, list, member) = families.first(where: { name.hasPrefix($0.0) }) else { return nil }
        let type = String(name.dropFirst(prefix.count))
        guard !type.isEmpty else { throw .unknown(name) }
        return TypedReferenceMatch(list: list, member: member, type: cbvWord(type), values: try Self.list(name, value))
    }

    private static func list(_ name: String, _ value: String) throws(EPCISQueryError) -> [String] {
        let values = value.split(separator: "|", omittingEmptySubsequences: false).map(String.init)
        guard !values.isEmpty, values.allSatisfy({ !$0.isEmpty }) else { throw .invalid(name, "\(name) needs one or more '|'-separated values") }
        return values
    }

    private static func time(_ name: String, _ value: String) throws(EPCISQueryError) -> Date {
        guard let date = XSDDateTime.parse(value) else { throw .invalid(name, "\(name) must be a date-time with a time zone offset") }
        return date
    }

    /// A CBV value as its bare word: `https://ref.gs1.org/cbv/BizStep-shipping` and
    /// `urn:epcglobal:cbv:bizstep:shipping` both become `shipping`; other values stay as they are.
    static func cbvWord(_ value: String) -> String {
        for prefix in ["https://ref.gs1.org/cbv/", "http://ref.gs1.org/cbv/"] where value.hasPrefix(prefix) {
            let rest = value.dropFirst(prefix.count)
            if let dash = rest.firstIndex(of: "-") { return String(rest[rest.index(after: dash)...]) }
        }
        if value.hasPrefix("urn:epcglobal:cbv:") {
            let parts = value.split(separator: ":")
            if parts.count == 5 { return String(parts[4]) }
        }
        return value
    }

    // MARK: - Matching

    /// Whether `event`, whose id is `eventID` (its `eventID`, or its event hash) and which was
    /// captured at `recordTime`, satisfies every parameter.
    public func matches(_ event: JSONObject, eventID: String, recordTime: Date) -> Bool {
        if let eventTypes, !eventTypes.contains(event["type"]?.stringValue ?? "") { return false }
        if geEventTime != nil || ltEventTime != nil {
            guard let time = event["eventTime"]?.stringValue.flatMap(XSDDateTime.parse) else { return false }
            if let geEventTime, time < geEventTime { return false }
            if let ltEventTime, time >= ltEventTime { return false }
        }
        if let geRecordTime, recordTime < geRecordTime { return false }
        if let ltRecordTime, recordTime >= ltRecordTime { return false }
        if let actions, !actions.contains(event["action"]?.stringValue ?? "") { return false }
        if let bizSteps, !Self.word(event["bizStep"], in: bizSteps) { return false }
        if let dispositions, !Self.word(event["disposition"], in: dispositions) { return false }
        if let readPoints, !readPoints.contains(event["readPoint"]?["id"]?.stringValue ?? "") { return false }
        if let bizLocations, !bizLocations.contains(event["bizLocation"]?["id"]?.stringValue ?? "") { return false }
        if let eventIDs, !eventIDs.contains(eventID) { return false }
        if let errorDeclaration, errorDeclaration != (event["errorDeclaration"] != nil) { return false }
        for match in identifierMatches where !Self.identifiers(in: event, fields: Self.matchFields[match.parameter] ?? []).contains(where: { candidate in
            match.values.contains { Self.identifier(candidate, matches: $0) }
        }) {
            return false
        }
        for reference in typedReferences {
            let entries = event[reference.list]?.arrayValue ?? []
            guard entries.contains(where: { entry in
                Self.cbvWord(entry["type"]?.stringValue ?? "") == reference.type
                    && reference.values.contains(entry[reference.member]?.stringValue ?? "")
            }) else { return false }
        }
        return true
    }

    private static func word(_ value: JSONValue?, in words: [String]) -> Bool {
        guard let text = value?.stringValue else { return false }
        return words.contains(cbvWord(text))
    }

    /// The identifiers the named fields hold: strings, lists of strings, or quantity elements' `epcClass`.
    private static func identifiers(in event: JSONObject, fields: [String]) -> [String] {
        fields.flatMap { field -> [String] in
            guard let value = event[field] else { return [] }
            if let text = value.stringValue { return [text] }
            return (value.arrayValue ?? []).compactMap { $0.stringValue ?? $0["epcClass"]?.stringValue }
        }
    }

    /// Whether `candidate` is the identifier `sought` (in either spelling), or falls under it when
    /// `sought` is an EPC pattern ending in `*`.
    static func identifier(_ candidate: String, matches sought: String) -> Bool {
        let canonical = EventCredentialIssuer.canonicalIdentifier(candidate)
        if sought.hasSuffix("*") {
            let base = EventCredentialIssuer.canonicalIdentifier(sought)
            guard base != sought else { return candidate.hasPrefix(String(sought.dropLast())) }
            return canonical == base || canonical.hasPrefix(base + "/")
        }
        return canonical == EventCredentialIssuer.canonicalIdentifier(sought)
    }

    /// One identifier the store's index can narrow a scan by (every event the query matches mentions
    /// it), when a `MATCH_…` parameter names exactly one identifier that is not a pattern.
    public var indexedIdentifier: String? {
        guard let match = identifierMatches.first(where: { $0.values.count == 1 && !$0.values[0].hasSuffix("*") }) else { return nil }
        return EventCredentialIssuer.canonicalIdentifier(match.values[0])
    }

    /// The event type the index can narrow a scan by, when exactly one is asked for.
    public var indexedEventType: String? {
        eventTypes?.count == 1 ? eventTypes?.first : nil
    }
}

/// Why a query string was refused: the binding's `QueryParameterException`.
public struct EPCISQueryError: CodedError, Equatable {
    public let code: String
    public let message: String
    /// The parameter at fault.
    public let parameter: String

    public static func unknown(_ name: String) -> EPCISQueryError {
        EPCISQueryError(code: "epcis_query_parameter_unknown", message: "'\(name)' is not a query parameter this repository supports", parameter: name)
    }

    public static func repeated(_ name: String) -> EPCISQueryError {
        EPCISQueryError(code: "epcis_query_parameter_repeated", message: "'\(name)' is given more than once; list values with '|'", parameter: name)
    }

    /// A `nextPageToken` that this instance did not issue for this query and caller, or that was altered.
    public static let forgedPageToken = EPCISQueryError(
        code: "epcis_page_token_invalid", message: "the nextPageToken was not issued for this query and token, or was altered",
        parameter: "nextPageToken")

    /// A `nextPageToken` past its expiry.
    public static let expiredPageToken = EPCISQueryError(
        code: "epcis_page_token_expired", message: "the nextPageToken has expired; run the query again", parameter: "nextPageToken")

    public static func invalid(_ name: String, _ message: String) -> EPCISQueryError {
        EPCISQueryError(code: "epcis_query_parameter_invalid", message: message, parameter: name)
    }
}
