import Credentials
import Encoding
import Foundation

/// An EPCIS 2.0 event query as the REST binding writes it in a URI query string (`eventType`,
/// `GE_eventTime`, `EQ_bizStep`, `MATCH_epc`, …): parsed with every parameter checked, and applied
/// to captured events. Multi-valued parameters are `|`-separated. Identifiers match whether they are
/// written as EPC URNs or GS1 Digital Links (and EPC id patterns `…*` match every instance under
/// them); CBV values match whether bare words, Web URIs or URNs. `WD_readPoint`, `WD_bizLocation`,
/// `HASATTR_…` and `EQ_ATTR_…` draw on the operators' master data: ``resolveMasterData(from:operators:)``
/// looks it up before the query is matched.
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
    /// `WD_readPoint` and `WD_bizLocation`: the locations named, by field; with their descendants once resolved.
    public var locationsWithDescendants: [String: Set<String>] = [:]
    /// `HASATTR_…` and `EQ_ATTR_…`.
    public var masterDataConditions: [MasterDataCondition] = []
    /// The locations each master data condition admits, in the order of ``masterDataConditions``, once resolved.
    public var masterDataMatches: [Set<String>]?
    public var transformationIDs: [String]?
    public var geErrorDeclarationTime: Date?
    public var ltErrorDeclarationTime: Date?
    public var errorReasons: [String]?
    public var correctiveEventIDs: [String]?
    /// `EQ_/GT_/GE_/LT_/LE_quantity`: some quantity element's `quantity` in this relation to the bound.
    public var quantityConditions: [QuantityCondition] = []
    public var sensorConditions: [SensorCondition] = []
    /// `EXISTS_<field>` for `sensorElementList` and extension (CURIE or URI named) fields: whether the field must be there.
    public var existingFields: [String: Bool] = [:]
    /// `maxEventCount`: a result of more events is refused (`epcis_query_too_large`).
    public var maxEventCount: Int?
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

    /// One `<op>_quantity` parameter.
    public struct QuantityCondition: Sendable, Hashable {
        public var comparison: EPCISComparison
        public var bound: Double
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
        "MATCH_inputEPCClass": ["inputQuantityList"],
        "MATCH_outputEPCClass": ["outputQuantityList"],
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
        if eventCountLimit != nil, maxEventCount != nil {
            throw .invalid("maxEventCount", "maxEventCount and eventCountLimit exclude each other")
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
        case "EQ_readPoint": readPoints = try Self.list(name, value)
        case "EQ_bizLocation": bizLocations = try Self.list(name, value)
        case "WD_readPoint", "WD_bizLocation":
            locationsWithDescendants[String(name.dropFirst(3))] = Set(try Self.list(name, value).map(EventCredentialIssuer.canonicalIdentifier))
        case "EQ_eventID": eventIDs = try Self.list(name, value)
        case "EXISTS_errorDeclaration": errorDeclaration = try Self.flag(name, value)
        case "EQ_transformationID": transformationIDs = try Self.list(name, value)
        case "GE_errorDeclarationTime": geErrorDeclarationTime = try Self.time(name, value)
        case "LT_errorDeclarationTime": ltErrorDeclarationTime = try Self.time(name, value)
        case "EQ_errorReason": errorReasons = try Self.list(name, value).map(Self.cbvWord)
        case "EQ_correctiveEventID": correctiveEventIDs = try Self.list(name, value)
        case "EQ_booleanValue":
            guard value == "true" || value == "false" else { throw .invalid(name, "EQ_booleanValue is true or false") }
            sensorConditions.append(.boolean(value == "true"))
        case "maxEventCount":
            guard let count = Int(value), count >= 0 else { throw .invalid(name, "maxEventCount is a non-negative integer") }
            maxEventCount = count
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
            if try applyFiltered(name, value) { return }
            if Self.matchFields[name] != nil {
                identifierMatches.append(IdentifierMatch(parameter: name, values: try Self.list(name, value)))
            } else if let reference = try Self.typedReference(name, value) {
                typedReferences.append(reference)
            } else {
                throw .unknown(name)
            }
        }
    }

    /// The parameters whose names carry a field, unit or attribute: sensor, quantity, `EXISTS_…` and
    /// master data filters. False when `name` is none of them.
    private mutating func applyFiltered(_ name: String, _ value: String) throws(EPCISQueryError) -> Bool {
        if name.hasPrefix("EXISTS_") {
            let field = String(name.dropFirst("EXISTS_".count))
            guard field == "sensorElementList" || field.contains(":") else { return false }
            existingFields[field] = try Self.flag(name, value)
            return true
        }
        if name.hasPrefix("HASATTR_") || name.hasPrefix("EQ_ATTR_") {
            let hasAttribute = name.hasPrefix("HASATTR_")
            let rest = String(name.dropFirst(8))
            let field = hasAttribute ? rest : String(rest.prefix { $0 != "_" })
            guard MasterDataCondition.vocabularies[field] != nil else {
                throw .invalid(name, "master data is kept for readPoint and bizLocation, not '\(field)'")
            }
            if hasAttribute {
                for attribute in try Self.list(name, value) {
                    masterDataConditions.append(MasterDataCondition(field: field, attribute: attribute, values: nil))
                }
            } else {
                let attribute = String(rest.dropFirst(field.count + 1))
                guard !attribute.isEmpty else { throw .unknown(name) }
                masterDataConditions.append(MasterDataCondition(field: field, attribute: attribute, values: try Self.list(name, value)))
            }
            return true
        }
        if let member = name.hasPrefix("EQ_") ? String(name.dropFirst(3)) : nil, let inMetadata = SensorCondition.textMembers[member] {
            var values = try Self.list(name, value)
            if member == "type" { values = values.map(SensorCondition.measurementType) }
            sensorConditions.append(.text(member: member, values: values, inMetadata: inMetadata))
            return true
        }
        guard let split = EPCISComparison.split(name) else { return false }
        let (comparison, rest) = split
        if rest == "quantity" {
            quantityConditions.append(QuantityCondition(comparison: comparison, bound: try Self.number(name, value)))
            return true
        }
        if rest == "percRank" {
            sensorConditions.append(.number(member: rest, uom: nil, comparison: comparison, bound: try Self.number(name, value)))
            return true
        }
        if ["time", "startTime", "endTime"].contains(rest) {
            guard comparison == .eq || comparison == .ge || comparison == .lt else { return false }
            sensorConditions.append(.time(member: rest, comparison: comparison, bound: try Self.time(name, value)))
            return true
        }
        let member = String(rest.prefix { $0 != "_" })
        guard SensorCondition.measuredMembers.contains(member) else { return false }
        let uom = String(rest.dropFirst(member.count + 1))
        guard uom.count >= 2, uom.count <= 3, uom.allSatisfy({ ($0.isASCII && $0.isUppercase) || $0.isNumber }) else {
            throw .invalid(name, "\(name) needs a UN/ECE Recommendation 20 unit after the field, as in GE_\(member)_CEL")
        }
        sensorConditions.append(.number(member: member, uom: uom, comparison: comparison, bound: try Self.number(name, value)))
        return true
    }

    /// The parameters that draw on master data: every `WD_…` location with its descendants, and the
    /// locations each `HASATTR_…`/`EQ_ATTR_…` condition admits, from the master data of `operators`.
    public mutating func resolveMasterData(from repository: any EPCISMasterDataRepository, operators: [String]) async throws {
        for (field, roots) in locationsWithDescendants {
            guard let type = MasterDataCondition.vocabularies[field] else { continue }
            locationsWithDescendants[field] = try await repository.vocabularyDescendants(of: roots.sorted(), type: type, operators: operators)
        }
        guard !masterDataConditions.isEmpty else { return }
        var matches: [Set<String>] = []
        for condition in masterDataConditions {
            guard let type = MasterDataCondition.vocabularies[condition.field] else { continue }
            matches.append(
                try await repository.vocabularyElements(type: type, attribute: condition.attribute, values: condition.values, operators: operators))
        }
        masterDataMatches = matches
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

    private static func flag(_ name: String, _ value: String) throws(EPCISQueryError) -> Bool {
        guard ["", "true", "false"].contains(value) else { throw .invalid(name, "\(name) is true (or empty) or false") }
        return value != "false"
    }

    private static func number(_ name: String, _ value: String) throws(EPCISQueryError) -> Double {
        guard let number = Double(value), number.isFinite else { throw .invalid(name, "\(name) must be a number") }
        return number
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
        if !matchesNewerFilters(event) { return false }
        for reference in typedReferences {
            let entries = event[reference.list]?.arrayValue ?? []
            guard entries.contains(where: { entry in
                Self.cbvWord(entry["type"]?.stringValue ?? "") == reference.type
                    && reference.values.contains(entry[reference.member]?.stringValue ?? "")
            }) else { return false }
        }
        return true
    }

    /// The filters of transformation ids, error declarations, quantities, sensor data, field
    /// existence and master data.
    private func matchesNewerFilters(_ event: JSONObject) -> Bool {
        if let transformationIDs, !transformationIDs.contains(event["transformationID"]?.stringValue ?? "") { return false }
        if geErrorDeclarationTime != nil || ltErrorDeclarationTime != nil || errorReasons != nil || correctiveEventIDs != nil {
            guard let declaration = event["errorDeclaration"] else { return false }
            if geErrorDeclarationTime != nil || ltErrorDeclarationTime != nil {
                guard let time = declaration["declarationTime"]?.stringValue.flatMap(XSDDateTime.parse) else { return false }
                if let geErrorDeclarationTime, time < geErrorDeclarationTime { return false }
                if let ltErrorDeclarationTime, time >= ltErrorDeclarationTime { return false }
            }
            if let errorReasons, !Self.word(declaration["reason"], in: errorReasons) { return false }
            if let correctiveEventIDs {
                let corrective = declaration["correctiveEventIDs"]?.arrayValue?.compactMap(\.stringValue) ?? []
                guard corrective.contains(where: { correctiveEventIDs.contains($0) }) else { return false }
            }
        }
        if !quantityConditions.isEmpty {
            let quantities = ["quantityList", "childQuantityList", "inputQuantityList", "outputQuantityList"].flatMap { list in
                (event[list]?.arrayValue ?? []).compactMap { $0["quantity"]?.doubleValue }
            }
            for condition in quantityConditions where !quantities.contains(where: { condition.comparison.holds($0, condition.bound) }) {
                return false
            }
        }
        for condition in sensorConditions where !condition.isMet(by: event) { return false }
        for (field, wanted) in existingFields where (event[field] != nil) != wanted { return false }
        for (field, locations) in locationsWithDescendants {
            guard let id = event[field]?["id"]?.stringValue, locations.contains(EventCredentialIssuer.canonicalIdentifier(id)) else { return false }
        }
        if !masterDataConditions.isEmpty {
            guard let masterDataMatches else { return false }
            for (condition, locations) in zip(masterDataConditions, masterDataMatches) {
                guard let id = event[condition.field]?["id"]?.stringValue, locations.contains(EventCredentialIssuer.canonicalIdentifier(id)) else {
                    return false
                }
            }
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
