import Credentials
import EPCIS
import Encoding
import Foundation
import Hummingbird
import Identity
import Passport
import Storage

/// The supply-chain side: stored credentials by id, chain verification, the VSC context, and the
/// EPCIS query and traceability subset over captured events (all public reads).
struct EPCISRoutes {
    let store: any VoltpassStore
    let capture: EventCapture
    let changes: any ChangeSetRepository
    let verification: ServiceVerification
    let authenticator: Authenticator
    let idempotency: IdempotencyKeys
    let maxBodySize: Int
    let now: @Sendable () -> Date

    /// The most events one query returns.
    static let maxEvents = 10_000

    static func capturedJSON(_ captured: [IssuedEvent]) -> JSONValue {
        [
            "credentialIds": .array(captured.map { .string($0.record.credentialID) }),
            "eventIds": .array(captured.map { .string($0.record.eventID) }),
        ]
    }

    func add(to router: Router<VoltpassRequestContext>) {
        // POST /epcis/capture (an EPCIS document): every event validated (one bad event refuses the
        // document, naming each violation's event and member), signed by the operator as a VSC
        // credential with a revocation entry, linked to its predecessors, stored together. 201 with
        // the credential ids in event order.
        router.group().add(middleware: authenticator.require(.issuer))
            .post("epcis/capture") { request, context -> Response in
                try context.authorize(operator: capture.issuerDID)
                let body = try await request.jsonBody(limit: maxBodySize)
                do {
                    return try await idempotency.run(request, context: context, body: body, status: .created, json: Self.capturedJSON) {
                        try await capture.capture(body, into: changes, idempotency: $0, at: now())
                    }
                } catch let refusal as EPCISValidationError {
                    return refusal.problemResponse()
                }
            }
        // GET /credentials/{id}: a stored credential exactly as issued.
        router.get("credentials/:id") { _, context -> Response in
            let id = try Self.decoded(try context.parameters.require("id"), name: "credential id")
            guard let stored = try await store.credential(id: id) else {
                throw APIError(.notFound, code: "credential_not_found", "no credential with id \(id) is stored here")
            }
            return .bytes(stored.document, headers: [.contentType: "application/vc+ld+json"])
        }
        // POST /chains/verify {verifiableCredential | credentialId, credentials?}: the credential and
        // every predecessor its links reach, found among `credentials` and then in the store.
        router.post("chains/verify") { request, context -> Response in
            let body = try RequestBody(try await request.jsonBody(limit: maxBodySize))
            let credential = try await chainHead(body)
            let given = try (body.object["credentials"]?.arrayValue ?? []).enumerated().map { index, value in
                do {
                    return try Credential(value)
                } catch {
                    throw RequestBody.invalid("/credentials/\(index)", "must be a credential object")
                }
            }
            var verifier = verification.credentialVerifier(issuerBinding: .didRequired)
            verifier.credentialPolicies.append(
                EventChainPolicy(
                    fetcher: FirstFoundFetcher([CredentialSet(given), RepositoryCredentialFetcher(store)]),
                    proof: ProofPolicy(resolver: verification.resolver), status: verification.statusPolicy()))
            let result = await verifier.verify(credential)
            context.logger.audit(result, of: "chain")
            return Self.response(result)
        }
        // GET /epcis/events?epc=…&bizStep=…&eventType=…&limit=…: an EPCISQueryDocument of the matching
        // events, oldest first, with the id of the credential carrying each: the public events
        // (EventVisibility), and every event of the operators of a bearer token when one is given.
        router.get("epcis/events") { request, context -> Response in
            var operators: Set<String> = []
            switch try await authenticator.optional.authenticate(request, context: context) {
            case .absent: break
            case .token(let token): operators = Set(token.operators)
            case .limited(let response): return response
            }
            let parameters = request.uri.queryParameters
            let limit = try Self.limit(parameters.get("limit"))
            let query = EventQuery(
                identifier: parameters.get("epc").map(EventCredentialIssuer.canonicalIdentifier), bizStep: parameters.get("bizStep"),
                eventType: parameters.get("eventType"), limit: limit)
            let records = try await store.eventRecords(query)
            return .json(.object(try await queryDocument(records, readBy: operators)), mediaType: "application/ld+json")
        }
        // GET /epcis/trace?identifier=…&direction=upstream|downstream: what an item was made of, or
        // what was made of it (recall reach), with the events concerned.
        router.get("epcis/trace") { request, _ -> Response in
            let parameters = request.uri.queryParameters
            guard let identifier = parameters.get("identifier"), !identifier.isEmpty else {
                throw APIError(.badRequest, code: "invalid_request", "the query parameter 'identifier' is required")
            }
            let name = parameters.get("direction") ?? TraceDirection.downstream.rawValue
            guard let direction = TraceDirection(rawValue: name) else {
                throw APIError(.badRequest, code: "invalid_request", "direction must be upstream or downstream")
            }
            let trace = try await Traceability(repository: store).trace(
                EventCredentialIssuer.canonicalIdentifier(identifier), direction: direction, limit: try Self.limit(parameters.get("limit")))
            return .json([
                "identifier": .string(identifier), "direction": .string(direction.rawValue),
                "identifiers": .array(trace.identifiers.map { .string($0) }),
                "events": .array(trace.events.map { .object(Self.summary($0)) }),
                "truncated": .bool(trace.truncated),
            ])
        }
    }

    /// The credential a chain verification starts from: given, or stored under `credentialId`.
    private func chainHead(_ body: RequestBody) async throws -> Credential {
        if let document = body.object["verifiableCredential"] {
            guard let object = document.objectValue else {
                throw RequestBody.invalid("/verifiableCredential", "must be an object")
            }
            return Credential(object)
        }
        let id = try body.requiredString("credentialId")
        guard let stored = try await store.credential(id: id) else {
            throw APIError(.notFound, code: "credential_not_found", "no credential with id \(id) is stored here")
        }
        return try Credential(parsing: stored.document)
    }

    /// An EPCIS 2.0 query document listing the events of `records` that are public or signed by one
    /// of `operators`, with the credential ids beside.
    private func queryDocument(_ records: [EventRecord], readBy operators: Set<String>) async throws -> JSONObject {
        var carried: [CarriedEvent] = []
        var shown: [EventRecord] = []
        for record in records {
            guard let stored = try await store.credential(id: record.credentialID) else {
                throw StorageError.corrupt("the event credential \(record.credentialID) is indexed but not stored")
            }
            let event = try EventCredentialMapping.event(from: Credential(parsing: stored.document))
            guard operators.contains(stored.issuer) || EventVisibility.isPublic(event.event) else { continue }
            carried.append(event)
            shown.append(record)
        }
        var document = Self.queryDocument(carried, creationDate: now())
        var context = document["@context"]?.arrayValue ?? []
        context.append(["vsc": .string(VSCVocabulary.namespace)])
        document["@context"] = .array(context)
        document["vsc:credentials"] = .array(shown.map { .string($0.credentialID) })
        return document
    }

    /// An EPCIS 2.0 query document (the results of `queryName`) listing `events` exactly as captured.
    static func queryDocument(
        _ events: [CarriedEvent], queryName: String = "SimpleEventQuery", subscriptionID: String? = nil, creationDate: Date
    ) -> JSONObject {
        let document = EventCredentialMapping.document(of: events, creationDate: creationDate)
        var results: JSONObject = ["queryName": .string(queryName), "resultsBody": ["eventList": document["epcisBody"]?["eventList"] ?? []]]
        if let subscriptionID { results["subscriptionID"] = .string(subscriptionID) }
        return [
            "@context": document["@context"] ?? .array([]),
            "type": "EPCISQueryDocument",
            "schemaVersion": "2.0",
            "creationDate": document["creationDate"] ?? .null,
            "epcisBody": ["queryResults": .object(results)],
        ]
    }

    static func summary(_ record: EventRecord) -> JSONObject {
        var object: JSONObject = [
            "credentialId": .string(record.credentialID), "eventId": .string(record.eventID),
            "eventType": .string(record.eventType), "eventTime": .string(XSDDateTime.format(record.eventTime)),
        ]
        if let bizStep = record.bizStep { object["bizStep"] = .string(bizStep) }
        return object
    }

    private static func limit(_ text: String?) throws -> Int {
        guard let text else { return 1_000 }
        guard let limit = Int(text), limit > 0, limit <= maxEvents else {
            throw APIError(.badRequest, code: "invalid_request", "limit must be an integer from 1 to \(maxEvents)")
        }
        return limit
    }

    static func decoded(_ raw: String, name: String) throws -> String {
        guard let decoded = raw.removingPercentEncoding, !decoded.isEmpty else {
            throw APIError(.badRequest, code: "invalid_request", "the \(name) '\(raw)' is not valid percent-encoded UTF-8")
        }
        return decoded
    }
}

extension EPCISRoutes {
    /// A chain verification as the body (Voltpass's own shape, not the VC API's): 200 when it
    /// verified; otherwise a 400 problem document (`verification_failed`) with the result's members.
    static func response(_ result: VerificationResult) -> Response {
        guard !result.verified, case .object(var object) = result.json else { return .json(result.json) }
        let problem = ProblemDetails(
            status: .badRequest, code: "verification_failed", detail: "verification failed: " + result.failureCodes.joined(separator: ", "))
        object["type"] = .string(problem.type)
        object["title"] = .string(problem.title)
        object["status"] = .number(Double(problem.status))
        object["detail"] = .string(problem.detail)
        object["code"] = .string(problem.code)
        return .json(.object(object), status: .badRequest, mediaType: ProblemDetails.mediaType)
    }
}
