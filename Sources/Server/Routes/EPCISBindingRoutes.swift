import Credentials
import Crypto
import EPCIS
import Encoding
import Foundation
import HTTPTypes
import Hummingbird
import Identity
import Passport
import Storage

/// The EPCIS 2.0 REST binding (GS1's `openapi.yaml`) under `/epcis/2.0`: capture as jobs, the
/// query language over `/events` and the per-dimension resources, the `GS1-*` version headers and
/// the binding's problem types, and named queries (their subscriptions in `EPCISSubscriptionRoutes`).
/// Capture needs a token acting for the instance's operator; a query with a live token sees the events
/// its operators signed, and without a token the public events (``EventVisibility``) of every operator here.
struct EPCISBindingRoutes {
    let store: any VoltpassStore
    let capture: EventCapture
    let authenticator: Authenticator
    let idempotency: IdempotencyKeys
    /// Woken when a capture stored events, so stream subscriptions deliver them at once.
    let subscriptions: SubscriptionDelivery
    let pageTokens: EPCISPageTokens
    let maxBodySize: Int
    let now: @Sendable () -> Date

    /// Where the binding is mounted.
    static let prefix = "epcis/2.0"
    /// How many events one page holds when `perPage` is not given.
    static let defaultPerPage = 30
    /// How many stored events one request looks at, at most, to fill a page (a sparse query answers
    /// a short page with a `next` link instead of scanning on).
    static let scanBudget = 20_000

    func add(to router: Router<VoltpassRequestContext>) {
        let binding = router.group(RouterPath(Self.prefix)).add(middleware: EPCISBindingMiddleware())
        let capturing = binding.group("capture").add(middleware: authenticator.require(.issuer))
        capturing.post { request, context -> Response in
            try context.authorize(operator: capture.issuerDID)
            let behaviour = try Self.errorBehaviour(request.headers[.gs1CaptureErrorBehaviour])
            let document = try await EPCISXMLBinding.captureDocument(request, limit: maxBodySize)
            // A re-send under the same Idempotency-Key answers the same job and captures nothing again.
            let response = try await idempotency.run(
                request, context: context, body: document, status: .accepted, json: { .object(Self.json($0)) },
                headers: { answer in [.location: "/\(Self.prefix)/capture/\(answer["captureID"]?.stringValue ?? "")"] }
            ) { write in try await runJob(document, behaviour: behaviour, idempotency: write) }
            subscriptions.eventsCaptured()
            return response
        }
        capturing.get { request, context -> Response in
            try context.authorize(operator: capture.issuerDID)
            return try await listJobs(request, context: context)
        }
        capturing.get(":captureID") { _, context -> Response in
            try context.authorize(operator: capture.issuerDID)
            let id = try context.parameters.require("captureID")
            guard let job = try await store.captureJob(id: id, operator: capture.issuerDID) else {
                throw APIError(.notFound, code: "epcis_capture_job_not_found", "no capture job \(id) of this operator")
            }
            return .json(.object(Self.json(job)))
        }

        binding.get("events") { request, context in try await query(request, context: context) }
        binding.get("events/:eventID") { request, context -> Response in
            let id = try EPCISRoutes.decoded(try context.parameters.require("eventID"), name: "eventID")
            return try await query(request, context: context, fixed: [("EQ_eventID", id)], single: true)
        }
        binding.get("eventTypes") { request, context -> Response in
            _ = try await audience(request, context: context)
            return .json([
                "@context": .string(VSCVocabulary.epcisContextURL), "type": "Collection",
                "member": .array(EPCISEventQuery.eventTypeNames.sorted().map { .string($0) }),
            ])
        }
        let dimensions: [(path: String, parameter: String, name: String)] = [
            ("eventTypes/:eventType/events", "eventType", "eventType"), ("epcs/:epc/events", "MATCH_anyEPC", "epc"),
            ("bizSteps/:bizStep/events", "EQ_bizStep", "bizStep"), ("bizLocations/:bizLocation/events", "EQ_bizLocation", "bizLocation"),
            ("readPoints/:readPoint/events", "EQ_readPoint", "readPoint"), ("dispositions/:disposition/events", "EQ_disposition", "disposition"),
        ]
        for dimension in dimensions {
            binding.get(RouterPath(dimension.path)) { request, context -> Response in
                let value = try EPCISRoutes.decoded(try context.parameters.require(dimension.name), name: dimension.name)
                return try await query(request, context: context, fixed: [(dimension.parameter, value)])
            }
        }
        addNamedQueries(to: binding)
    }

    // MARK: - Named queries

    /// `/queries`: named queries of the token's operators (their subscriptions: `EPCISSubscriptionRoutes`).
    private func addNamedQueries(to binding: RouterGroup<VoltpassRequestContext>) {
        binding.post("queries") { request, context -> Response in
            let owner = try await queryOwner(request, context: context).owner
            let body = try RequestBody(try await request.jsonBody(limit: maxBodySize))
            let name = try body.requiredString("name")
            guard Self.isQueryName(name) else {
                throw APIError(.badRequest, code: "epcis_query_name_invalid", "a query name is 1 to 128 of A-Z a-z 0-9 . _ ~ -")
            }
            guard let definition = body.object["query"]?.objectValue else { throw RequestBody.invalid("/query", "must be an object") }
            let parameters = try NamedQuery.parameters(of: definition)
            if let paging = parameters.first(where: { EPCISEventQuery.pagingParameters.contains($0.name) }) {
                throw EPCISQueryError.unknown(paging.name)
            }
            _ = try EPCISEventQuery(parameters: parameters)
            try await store.saveNamedQuery(NamedQuery(name: name, owner: owner, query: definition, createdAt: now()))
            return Response(status: .created, headers: [.location: "/\(Self.prefix)/queries/\(name)"])
        }
        binding.get("queries") { request, context -> Response in
            let owner = try await queryOwner(request, context: context).owner
            let queries = try await store.namedQueries(owner: owner, limit: Self.maxNamedQueries)
            return .json(.array(queries.map { .object(["name": .string($0.name), "query": .object($0.query)]) }))
        }
        binding.get("queries/:queryName") { request, context -> Response in
            let named = try await namedQuery(request, context: context)
            return .json(["name": .string(named.name), "query": .object(named.query)])
        }
        binding.delete("queries/:queryName") { request, context -> Response in
            let owner = try await queryOwner(request, context: context).owner
            let name = try context.parameters.require("queryName")
            guard try await store.deleteNamedQuery(name: name, owner: owner) else { throw Self.queryNotFound(name) }
            return Response(status: .noContent)
        }
        binding.get("queries/:queryName/events") { request, context -> Response in
            let named = try await namedQuery(request, context: context)
            if request.uri.queryParameters.contains(where: { EPCISSubscriptionRoutes.webSocketParameters.contains(String($0.key)) }) {
                // The refusals of an upgrade request (whose upgrade was refused before it got here), then the missing upgrade.
                _ = try WebSocketSubscriptionParameters(request.uri.queryParameters, now: now())
                throw APIError(
                    .badRequest, code: "epcis_subscription_websocket_required",
                    "stream and schedule parameters subscribe over a WebSocket (Upgrade: websocket); POST /queries/{name}/subscriptions for a webhook")
            }
            if let extra = request.uri.queryParameters.first(where: { !EPCISEventQuery.pagingParameters.contains(String($0.key)) }) {
                throw EPCISQueryError.unknown(String(extra.key))
            }
            return try await query(request, context: context, fixed: try NamedQuery.parameters(of: named.query), queryName: named.name)
        }
    }

    /// The most named queries `GET /queries` lists.
    static let maxNamedQueries = 1_000

    static func isQueryName(_ name: String) -> Bool {
        (1...128).contains(name.count) && name.unicodeScalars.allSatisfy { $0.isASCII && (CharacterSet.alphanumerics.contains($0) || "._~-".unicodeScalars.contains($0)) }
    }

    static func queryNotFound(_ name: String) -> APIError {
        APIError(.notFound, code: "epcis_query_not_found", "no query named '\(name)' of this token's operators")
    }

    /// Whose named queries the caller reaches: its token's operators (401 without a token, 403 for a
    /// token acting for none).
    func queryOwner(_ request: Request, context: VoltpassRequestContext) async throws -> (owner: String, token: AccessTokenRecord) {
        guard let token = try await audience(request, context: context).token else {
            throw APIError.unauthorized("named queries and their subscriptions need a bearer token")
        }
        guard !token.operators.isEmpty else { throw APIError.forbidden("named queries belong to operators; this token acts for none") }
        return (NamedQuery.owner(operators: token.operators), token)
    }

    func namedQuery(_ request: Request, context: VoltpassRequestContext) async throws -> NamedQuery {
        let owner = try await queryOwner(request, context: context).owner
        let name = try context.parameters.require("queryName")
        guard let named = try await store.namedQuery(name: name, owner: owner) else { throw Self.queryNotFound(name) }
        return named
    }

    // MARK: - Capture jobs

    /// The `GS1-Capture-Error-Behaviour` asked for: `rollback` when absent; `all` and others are refused.
    static func errorBehaviour(_ header: String?) throws -> CaptureJob.ErrorBehaviour {
        guard let header else { return .rollback }
        guard let behaviour = CaptureJob.ErrorBehaviour(rawValue: header) else {
            throw APIError(
                .badRequest, code: "epcis_capture_error_behaviour_invalid", "GS1-Capture-Error-Behaviour is rollback or proceed, not '\(header)'")
        }
        return behaviour
    }

    /// Runs one capture job to its end: the events it captures and the job are committed in one
    /// transaction; a job that captures nothing is stored on its own with its errors. Under an
    /// idempotency key, the job's answer is recorded in the same transaction.
    func runJob(
        _ document: JSONValue, behaviour: CaptureJob.ErrorBehaviour, idempotency: IdempotentWrite<CaptureJob>? = nil
    ) async throws -> CaptureJob {
        var job = CaptureJob(
            id: UUID().uuidString.lowercased(), operatorDID: capture.issuerDID, errorBehaviour: behaviour, createdAt: now())
        var changes = ChangeSet()
        do {
            let (prepared, refused) = try await prepare(document, behaviour: behaviour)
            job.finishedAt = now()
            job.eventIDs = prepared.issued.map(\.record.eventID)
            job.failures = refused
            changes.events = prepared.stored
            changes.masterData = prepared.masterData
            changes.captureJobs = [job]
            changes.keep(try idempotency?.response(for: job, at: now()))
            try await store.commit(changes)
            return job
        } catch let refusal as EPCISValidationError {
            job.failures = Self.failures(refusal)
        } catch let refusal as EventCaptureError where refusal == .emptyDocument {
            job.failures = [.init(code: refusal.code, message: refusal.message)]
        } catch let refusal as EventCredentialError {
            job.failures = [.init(code: refusal.code, message: refusal.message)]
        }
        job.finishedAt = now()
        changes.captureJobs = [job]
        changes.keep(try idempotency?.response(for: job, at: now()))
        try await store.commit(changes)
        return job
    }

    /// The document signed and ready to commit, and the events left out: with `proceed`, an
    /// EPCISDocument whose invalid events are each named is captured without them.
    private func prepare(
        _ document: JSONValue, behaviour: CaptureJob.ErrorBehaviour
    ) async throws -> (EventCapture.Prepared, [CaptureJob.Failure]) {
        do {
            return (try await capture.prepare(document), [])
        } catch let refusal as EPCISValidationError where behaviour == .proceed {
            let invalid = Set(refusal.violations.compactMap(\.eventIndex))
            guard refusal.violations.allSatisfy({ $0.eventIndex != nil }), document["type"]?.stringValue == "EPCISDocument",
                case .object(var root) = document, case .object(var body)? = root["epcisBody"],
                let events = body["eventList"]?.arrayValue, invalid.count < events.count
            else { throw refusal }
            body["eventList"] = .array(events.enumerated().filter { !invalid.contains($0.offset) }.map(\.element))
            root["epcisBody"] = .object(body)
            return (try await capture.prepare(.object(root)), Self.failures(refusal))
        }
    }

    static func failures(_ refusal: EPCISValidationError) -> [CaptureJob.Failure] {
        refusal.violations.map { .init(code: $0.code, message: $0.message, pointer: $0.pointer, eventIndex: $0.eventIndex) }
    }

    /// A capture job as the binding's `CaptureJob`, each error an RFC 7807 problem.
    static func json(_ job: CaptureJob) -> JSONObject {
        var object: JSONObject = [
            "captureID": .string(job.id), "createdAt": .string(XSDDateTime.format(job.createdAt)), "running": .bool(job.running),
            "success": .bool(job.success), "captureErrorBehaviour": .string(job.errorBehaviour.rawValue),
            "errors": .array(job.failures.map { failure in
                var problem: JSONObject = [
                    "type": .string(EPCISException.validation.type), "title": .string(EPCISException.validation.title), "status": 400,
                    "detail": .string(failure.message), "code": .string(failure.code),
                ]
                if let pointer = failure.pointer { problem["pointer"] = .string(pointer) }
                if let index = failure.eventIndex { problem["eventIndex"] = .number(Double(index)) }
                return .object(problem)
            }),
            "eventIDs": .array(job.eventIDs.map { .string($0) }),
        ]
        if let finishedAt = job.finishedAt { object["finishedAt"] = .string(XSDDateTime.format(finishedAt)) }
        return object
    }

    private func listJobs(_ request: Request, context: VoltpassRequestContext) async throws -> Response {
        let parameters = Array(request.uri.queryParameters).map { (name: String($0.key), value: String($0.value)) }
        if let unknown = parameters.first(where: { !EPCISEventQuery.pagingParameters.contains($0.name) }) {
            throw EPCISQueryError.unknown(unknown.name)
        }
        let perPage = try Self.perPage(request.uri.queryParameters.get("perPage"))
        let scope = context.token?.id ?? ""
        let after: CaptureJobPosition? = try request.uri.queryParameters.get("nextPageToken").map {
            try pageTokens.read($0, scope: scope, query: "capture", now: now())
        }
        let jobs = try await store.captureJobs(operator: capture.issuerDID, after: after, limit: perPage + 1)
        var headers: HTTPFields = [.contentType: "application/json"]
        if jobs.count > perPage, let last = jobs.prefix(perPage).last {
            let position = CaptureJobPosition(createdAt: Int64((last.createdAt.timeIntervalSince1970 * 1_000_000).rounded()), id: last.id)
            let token = try pageTokens.issue(position, scope: scope, query: "capture", now: now())
            Self.addNextLink(&headers, path: "/\(Self.prefix)/capture", parameters: [], token: token, perPage: perPage)
            headers[.gs1NextPageTokenExpires] = XSDDateTime.format(token.expires)
        }
        return .bytes(JSONValue.array(jobs.prefix(perPage).map { .object(Self.json($0)) }).serialized(), headers: headers)
    }

    // MARK: - Queries

    /// Whose events the caller sees: a token's operators' events, or without a token the public
    /// events of every operator of this instance.
    func audience(_ request: Request, context: VoltpassRequestContext) async throws -> EventAudience {
        switch try await authenticator.optional.authenticate(request, context: context) {
        case .absent: return EventAudience(scope: "public", issuers: try await store.localOperatorDIDs(), publicOnly: true, token: nil)
        case .limited(let response): throw EPCISAuthenticationLimited(retryAfter: response.headers[.retryAfter] ?? "1")
        case .token(let token): return EventAudience(scope: token.id, issuers: token.operators, publicOnly: false, token: token)
        }
    }

    /// Answers an EPCIS query: the query string's parameters with `fixed` (from the path) added, one
    /// page of matching events as an EPCISQueryDocument (of `queryName`) and a `Link` to the next page
    /// when there is one. `single` answers one event or 404.
    private func query(
        _ request: Request, context: VoltpassRequestContext, fixed: [(name: String, value: String)] = [], single: Bool = false,
        queryName: String = "SimpleEventQuery"
    ) async throws -> Response {
        let audience = try await audience(request, context: context)
        let (scope, issuers) = (audience.scope, audience.issuers)
        // Hummingbird decodes the values only; a name may carry an encoded IRI (`EQ_ATTR_readPoint_urn%3A…`).
        let given = Array(request.uri.queryParameters).map { (name: String($0.key).removingPercentEncoding ?? String($0.key), value: String($0.value)) }
        var query = try EPCISEventQuery(parameters: fixed + given)
        try await query.resolveMasterData(from: store, operators: issuers)
        let perPage = try Self.perPage(request.uri.queryParameters.get("perPage"))
        let fingerprint = request.uri.path + "?" + given.filter { !EPCISEventQuery.pagingParameters.contains($0.name) }
            .map { "\($0.name)=\($0.value)" }.sorted().joined(separator: "&")
        var page = EPCISPageTokens.EventPage(after: nil, remaining: query.eventCountLimit)
        if let token = request.uri.queryParameters.get("nextPageToken") {
            page = try pageTokens.read(token, scope: scope, query: fingerprint, now: now())
        }
        if let limit = query.maxEventCount, page.after == nil {
            // The whole result is counted before the first page: more than maxEventCount events, or
            // more stored events to look at than one request may, is QueryTooLargeException.
            let counted = try await scan(query, audience: audience, after: nil, wanted: limit + 1)
            guard counted.found.count <= limit, counted.exhausted || counted.found.count > limit else {
                throw Self.queryTooLarge(
                    counted.found.count > limit
                        ? "the query matches more than maxEventCount (\(limit)) events"
                        : "the query's events could not be counted within one request's scan of \(Self.scanBudget) stored events; narrow it")
            }
        }
        let wanted = min(perPage, page.remaining ?? perPage)
        let (found, after, exhausted) = try await scan(query, audience: audience, after: page.after, wanted: wanted)
        if single, found.isEmpty {
            throw APIError(.notFound, code: "epcis_event_not_found", "no event with this eventID is visible to this token")
        }
        var headers: HTTPFields = [:]
        let remaining = page.remaining.map { $0 - found.count }
        if !single, !exhausted, remaining.map({ $0 > 0 }) ?? true, let after {
            let token = try pageTokens.issue(EPCISPageTokens.EventPage(after: after, remaining: remaining), scope: scope, query: fingerprint, now: now())
            Self.addNextLink(&headers, path: request.uri.path, parameters: given, token: token, perPage: perPage)
            headers[.gs1NextPageTokenExpires] = XSDDateTime.format(token.expires)
        }
        let document = EPCISRoutes.queryDocument(found, queryName: queryName, creationDate: now())
        return try EPCISXMLBinding.queryResponse(document, request: request, headers: headers)
    }

    /// Scans the audience's events in the query's order from `after` until `wanted` match, the store
    /// has no more (`exhausted`) or ``scanBudget`` events were looked at; `after` is where the scan stopped.
    private func scan(
        _ query: EPCISEventQuery, audience: EventAudience, after start: EventPosition?, wanted: Int
    ) async throws -> (found: [CarriedEvent], after: EventPosition?, exhausted: Bool) {
        var found: [CarriedEvent] = []
        var after = start
        var scanned = 0
        let batch = 500
        while found.count < wanted, scanned < Self.scanBudget {
            let rows = try await store.scanEvents(
                EventScan(
                    issuers: audience.issuers, identifier: query.indexedIdentifier, eventType: query.indexedEventType,
                    order: query.order ?? .eventTime, descending: query.order == nil ? false : query.descending, after: after, limit: batch))
            for (index, row) in rows.enumerated() {
                scanned += 1
                after = row.position
                let carried = try EventCredentialMapping.event(from: Credential(parsing: row.document))
                if query.matches(carried.event, eventID: carried.eventID, recordTime: row.recordTime), audience.sees(carried.event) {
                    found.append(carried)
                }
                if found.count == wanted {
                    return (found, after, rows.count < batch && index == rows.count - 1)
                }
            }
            if rows.count < batch { return (found, after, true) }
        }
        return (found, after, false)
    }

    /// `413 epcisException:QueryTooLargeException`.
    static func queryTooLarge(_ detail: String) -> APIError {
        APIError(.contentTooLarge, code: "epcis_query_too_large", detail)
    }

    static func perPage(_ text: String?) throws -> Int {
        guard let text else { return defaultPerPage }
        guard let value = Int(text), (1...EPCISEventQuery.maxPerPage).contains(value) else {
            throw EPCISQueryError.invalid("perPage", "perPage is an integer from 1 to \(EPCISEventQuery.maxPerPage)")
        }
        return value
    }

    /// Adds `Link: <path?…&perPage=…&nextPageToken=…>; rel="next"` (RFC 8288).
    static func addNextLink(
        _ headers: inout HTTPFields, path: String, parameters: [(name: String, value: String)], token: EPCISPageTokens.Issued, perPage: Int
    ) {
        let kept = parameters.filter { !EPCISEventQuery.pagingParameters.contains($0.name) } + [
            ("perPage", String(perPage)), ("nextPageToken", token.text),
        ]
        let query = kept.map { "\(Self.queryEncoded($0.0))=\(Self.queryEncoded($0.1))" }.joined(separator: "&")
        headers[.link] = "<\(path)?\(query)>; rel=\"next\""
    }

    private static func queryEncoded(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~:")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }
}

/// Whose events a caller sees: every event the ``issuers`` signed, or only their public ones
/// (``EventVisibility``) when ``publicOnly``. Page tokens are bound to ``scope``.
struct EventAudience: Sendable {
    let scope: String
    let issuers: [String]
    let publicOnly: Bool
    /// The caller's token; nil for the public.
    let token: AccessTokenRecord?

    func sees(_ event: JSONObject) -> Bool { !publicOnly || EventVisibility.isPublic(event) }
}

/// Page tokens of the binding's `nextPageToken`: where the next page starts, bound by an HMAC to
/// the bearer token that asked and to the query, and expiring after an hour. A token cannot be
/// forged, moved to another query or used by another caller (`epcis_page_token_invalid`). The key
/// is drawn when the process starts: a restart, or another instance, refuses earlier tokens and
/// the client starts the query again.
struct EPCISPageTokens: Sendable {
    let key: SymmetricKey
    let lifetime: TimeInterval

    init(key: SymmetricKey = SymmetricKey(size: .bits256), lifetime: TimeInterval = 3_600) {
        self.key = key
        self.lifetime = lifetime
    }

    /// Where an event query's next page starts and how many events `eventCountLimit` still allows.
    struct EventPage: Codable {
        var after: EventPosition?
        var remaining: Int?
    }

    /// A token as handed out, and when it stops working.
    struct Issued {
        let text: String
        let expires: Date
    }

    private struct Envelope<Position: Codable>: Codable {
        var scope: String
        var query: String
        var expires: Double
        var position: Position
    }

    /// A token for the page after `position` of `query`, for the bearer token `scope`.
    func issue<Position: Codable>(_ position: Position, scope: String, query: String, now: Date) throws -> Issued {
        let expires = now.addingTimeInterval(lifetime)
        let payload = try JSONEncoder().encode(Envelope(scope: scope, query: query, expires: expires.timeIntervalSince1970, position: position))
        let mac = HMAC<SHA256>.authenticationCode(for: payload, using: key)
        return Issued(text: Base64URL.encode(Array(payload)) + "." + Base64URL.encode(Array(mac)), expires: expires)
    }

    /// Where the page of `text` starts, when `text` was issued here for `query` and `scope` and has not expired.
    func read<Position: Codable>(_ text: String, scope: String, query: String, now: Date) throws -> Position {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2, let payload = try? Base64URL.decode(String(parts[0])), let mac = try? Base64URL.decode(String(parts[1])),
            HMAC<SHA256>.isValidAuthenticationCode(mac, authenticating: payload, using: key),
            let envelope = try? JSONDecoder().decode(Envelope<Position>.self, from: Data(payload)),
            envelope.scope == scope, envelope.query == query
        else { throw EPCISQueryError.forgedPageToken }
        guard now.timeIntervalSince1970 < envelope.expires else { throw EPCISQueryError.expiredPageToken }
        return envelope.position
    }
}

/// A client over its budget of failed authentications, refused before its token is looked at:
/// `429 rate_limited` with `Retry-After` (as the other routes answer it).
struct EPCISAuthenticationLimited: Error {
    let retryAfter: String
}

/// The binding's `epcisException:…` problem types.
struct EPCISException {
    let type: String
    let title: String

    static let validation = EPCISException(type: "epcisException:ValidationException", title: "Validation exception")
    static let queryParameter = EPCISException(type: "epcisException:QueryParameterException", title: "Invalid query parameter")
    static let security = EPCISException(type: "epcisException:SecurityException", title: "Access denied")
    static let noSuchName = EPCISException(type: "epcisException:NoSuchNameException", title: "Resource not found")
    static let notAcceptable = EPCISException(type: "epcisException:NotAcceptableException", title: "Not acceptable")
    static let resourceExists = EPCISException(type: "epcisException:ResourceAlreadyExistsException", title: "Resource already exists")
    static let queryTooLarge = EPCISException(type: "epcisException:QueryTooLargeException", title: "Query result too large")
    static let captureLimit = EPCISException(type: "epcisException:CaptureLimitExceededException", title: "Capture payload too large")
    static let unsupportedMediaType = EPCISException(type: "epcisException:UnsupportedMediaTypeException", title: "Unsupported media type")
    static let implementation = EPCISException(type: "epcisException:ImplementationException", title: "Implementation exception")
    static let subscriptionControls = EPCISException(type: "epcisException:SubscriptionControlsException", title: "Subscription error")

    /// The exception the binding names for a problem with `status` and `code`.
    static func of(status: Int, code: String) -> EPCISException {
        switch status {
        case 400 where code.hasPrefix("epcis_subscription_"): .subscriptionControls
        case 400: code.hasPrefix("epcis_query_") || code.hasPrefix("epcis_page_token_") ? .queryParameter : .validation
        case 401, 403, 429: .security
        case 404: .noSuchName
        case 406: .notAcceptable
        case 409: .resourceExists
        case 413 where code == "epcis_query_too_large": .queryTooLarge
        case 413: .captureLimit
        case 415: .unsupportedMediaType
        default: status >= 500 ? .implementation : .validation
        }
    }
}

/// What every binding response carries: the versions it speaks (`GS1-EPCIS-Version: 2.0.0`,
/// `GS1-CBV-Version: 2.0.0`) and `GS1-EPC-Format: Never_Translates` (events come back as captured), a
/// request for another version (406 `epcis_version_unsupported`) or for EPCs translated to one form
/// (406 `epcis_epc_format_unsupported`) refused, and errors as problems of the binding's
/// `epcisException:…` types, each with its Voltpass code.
struct EPCISBindingMiddleware: RouterMiddleware {
    typealias Context = VoltpassRequestContext

    static let epcisVersion = "2.0.0"
    static let cbvVersion = "2.0.0"

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response: Response
        do {
            try Self.checkVersions(request.headers)
            if request.method == .get { try Self.checkEPCFormat(request.headers) }
            response = try await next(request, context)
        } catch {
            var (problem, headers, members) = ProblemMiddleware<Context>.problem(for: error, logger: context.logger)
            if let limited = error as? EPCISAuthenticationLimited {
                problem = ProblemDetails(status: .tooManyRequests, code: "rate_limited", detail: "too many failed authentications from this client")
                headers[.retryAfter] = limited.retryAfter
            }
            let exception = EPCISException.of(status: problem.status, code: problem.code)
            problem.type = exception.type
            problem.title = exception.title
            if let error = error as? EPCISQueryError { members["parameter"] = .string(error.parameter) }
            response = problem.response(headers: headers, members: members)
        }
        response.headers[.gs1EPCISVersion] = Self.epcisVersion
        response.headers[.gs1CBVVersion] = Self.cbvVersion
        response.headers[.gs1EPCFormat] = "Never_Translates"
        return response
    }

    /// Refuses a read that asks for every EPC as a Digital Link or as an EPC URN: events are
    /// answered exactly as captured (`No_Preference` and `Never_Translates` are served).
    static func checkEPCFormat(_ headers: HTTPFields) throws {
        guard let format = headers[.gs1EPCFormat], !["No_Preference", "Never_Translates"].contains(format) else { return }
        throw APIError(
            .notAcceptable, code: "epcis_epc_format_unsupported",
            "events are answered as captured (GS1-EPC-Format: Never_Translates or No_Preference), not '\(format)'")
    }

    /// Refuses a request that asks for an EPCIS or CBV version other than 2.0.
    static func checkVersions(_ headers: HTTPFields) throws {
        let asked: [(HTTPField.Name, String)] = [
            (.gs1EPCISVersion, "EPCIS"), (.gs1CBVVersion, "CBV"), (.gs1EPCISMin, "EPCIS"), (.gs1EPCISMax, "EPCIS"), (.gs1CBVMin, "CBV"),
            (.gs1CBVMax, "CBV"),
        ]
        for (name, standard) in asked {
            guard let value = headers[name] else { continue }
            let parts = value.split(separator: ".").map { Int($0) }
            guard !parts.isEmpty, parts.allSatisfy({ $0 != nil }) else {
                throw APIError(.notAcceptable, code: "epcis_version_unsupported", "\(name) '\(value)' is not a version number")
            }
            let version = parts.compactMap { $0 } + [0, 0]
            let supported: Bool
            switch name {
            case .gs1EPCISMin, .gs1CBVMin: supported = (version[0], version[1]) <= (2, 0)
            case .gs1EPCISMax, .gs1CBVMax: supported = (version[0], version[1]) >= (2, 0)
            default: supported = version[0] == 2 && version[1] == 0
            }
            guard supported else {
                throw APIError(.notAcceptable, code: "epcis_version_unsupported", "this repository speaks \(standard) 2.0 only (\(name): \(value))")
            }
        }
    }
}

extension HTTPField.Name {
    static let gs1EPCISVersion = Self("GS1-EPCIS-Version")!
    static let gs1CBVVersion = Self("GS1-CBV-Version")!
    static let gs1EPCISMin = Self("GS1-EPCIS-Min")!
    static let gs1EPCISMax = Self("GS1-EPCIS-Max")!
    static let gs1CBVMin = Self("GS1-CBV-Min")!
    static let gs1CBVMax = Self("GS1-CBV-Max")!
    static let gs1CaptureErrorBehaviour = Self("GS1-Capture-Error-Behaviour")!
    static let gs1NextPageTokenExpires = Self("GS1-Next-Page-Token-Expires")!
    static let link = Self("Link")!
    static let gs1EPCFormat = Self("GS1-EPC-Format")!
}
