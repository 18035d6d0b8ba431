import Credentials
import EPCIS
import Encoding
import Foundation
import HTTPTypes
import Hummingbird
import Identity
import Storage

/// Subscriptions to named queries of the EPCIS 2.0 REST binding, under
/// `/epcis/2.0/queries/{queryName}/subscriptions`: created, listed, read and deleted by tokens acting
/// for the query's operators. A subscription delivers to its webhook `dest` (see
/// ``SubscriptionDelivery``) only the events of the creating token's operators. Refusals are
/// `400 epcisException:SubscriptionControlsException` with a stable code (`epcis_subscription_…`).
struct EPCISSubscriptionRoutes {
    let binding: EPCISBindingRoutes
    let store: any VoltpassStore
    /// Where webhooks may be delivered: checked when a subscription is created, and again on every delivery.
    let destinations: OutboundAccess
    let resolver: any HostNameResolver
    let maxBodySize: Int
    let now: @Sendable () -> Date

    /// The most subscriptions one named query has.
    static let maxPerQuery = 100
    /// The members a subscription request may have.
    static let members: Set<String> = ["dest", "signatureToken", "stream", "schedule", "reportIfEmpty", "initialRecordTime"]
    /// The query-string parameters that make `GET /queries/{name}/events` a WebSocket subscription.
    static let webSocketParameters: Set<String> = [
        "stream", "reportIfEmpty", "initialRecordTime", "second", "minute", "hour", "dayOfMonth", "month", "dayOfWeek",
    ]

    func add(to router: Router<VoltpassRequestContext>) {
        let group = router.group(RouterPath(EPCISBindingRoutes.prefix)).add(middleware: EPCISBindingMiddleware())
        group.post("queries/:queryName/subscriptions") { request, context -> Response in
            let (named, token) = try await namedQuery(request, context: context)
            let subscription = try await newSubscription(
                try RequestBody(try await request.jsonBody(limit: maxBodySize)), query: named, token: token)
            guard try await store.subscriptions(queryName: named.name, owner: named.owner, limit: Self.maxPerQuery).count < Self.maxPerQuery else {
                throw APIError(
                    .badRequest, code: "epcis_subscription_limit_reached", "a named query has at most \(Self.maxPerQuery) subscriptions")
            }
            let nextRunAt: Date?
            if case .schedule(let schedule) = subscription.trigger { nextRunAt = schedule.next(after: subscription.createdAt) } else { nextRunAt = nil }
            // Without an initialRecordTime the subscription starts with the events captured from now on.
            let cursor = subscription.initialRecordTime == subscription.createdAt ? try await store.latestEventSequence() : 0
            try await store.saveSubscription(subscription, cursor: cursor, nextRunAt: nextRunAt)
            let state = SubscriptionState(subscription: subscription, cursor: cursor, nextRunAt: nextRunAt, lastNotifiedAt: nil)
            var response = Response.json(.object(Self.json(state)), status: .created)
            response.headers[.location] = "/\(EPCISBindingRoutes.prefix)/queries/\(named.name)/subscriptions/\(subscription.id)"
            return response
        }
        group.get("queries/:queryName/subscriptions") { request, context -> Response in
            let (named, _) = try await namedQuery(request, context: context)
            let states = try await store.subscriptions(queryName: named.name, owner: named.owner, limit: Self.maxPerQuery)
            return .json(.array(states.map { .object(Self.json($0)) }))
        }
        group.get("queries/:queryName/subscriptions/:subscriptionID") { request, context -> Response in
            let (named, _) = try await namedQuery(request, context: context)
            let id = try context.parameters.require("subscriptionID")
            guard let state = try await store.subscription(id: id, queryName: named.name, owner: named.owner) else { throw Self.notFound(id) }
            return .json(.object(Self.json(state)))
        }
        group.delete("queries/:queryName/subscriptions/:subscriptionID") { request, context -> Response in
            let (named, _) = try await namedQuery(request, context: context)
            let id = try context.parameters.require("subscriptionID")
            guard try await store.deleteSubscription(id: id, queryName: named.name, owner: named.owner) else { throw Self.notFound(id) }
            return Response(status: .noContent)
        }
    }

    static func notFound(_ id: String) -> APIError {
        APIError(.notFound, code: "epcis_subscription_not_found", "no subscription \(id) of this query")
    }

    /// The named query of the path, of the token's operators, and the token.
    private func namedQuery(_ request: Request, context: VoltpassRequestContext) async throws -> (NamedQuery, AccessTokenRecord) {
        let (owner, token) = try await binding.queryOwner(request, context: context)
        let name = try context.parameters.require("queryName")
        guard let named = try await store.namedQuery(name: name, owner: owner) else { throw EPCISBindingRoutes.queryNotFound(name) }
        return (named, token)
    }

    /// The subscription a request body asks for: a `dest` the webhook policy permits, either
    /// `"stream": true` or a `schedule`, an optional `signatureToken`, `reportIfEmpty` and `initialRecordTime`.
    private func newSubscription(_ body: RequestBody, query: NamedQuery, token: AccessTokenRecord) async throws -> QuerySubscription {
        if let unknown = body.object.keys.sorted().first(where: { !Self.members.contains($0) }) {
            throw APIError(.badRequest, code: "epcis_subscription_member_unknown", "'\(unknown)' is not a member of a subscription")
        }
        let dest = try await Self.destination(try body.requiredString("dest"), access: destinations, resolver: resolver)
        let signatureToken = try body.string("signatureToken")
        if let signatureToken, !(1...1_024).contains(signatureToken.utf8.count) {
            throw APIError(.badRequest, code: "epcis_subscription_signature_token_invalid", "signatureToken is 1 to 1,024 bytes")
        }
        let trigger: QuerySubscription.Trigger
        switch (try body.bool("stream"), body.object["schedule"]) {
        case (true?, nil):
            trigger = .stream
        case (false?, .object(let schedule)?), (nil, .object(let schedule)?):
            do {
                trigger = .schedule(try QuerySchedule(schedule))
            } catch {
                throw APIError(.badRequest, code: error.code, error.message)
            }
        default:
            throw APIError(
                .badRequest, code: "epcis_subscription_trigger_invalid", "a subscription has either \"stream\": true or a \"schedule\" object")
        }
        let date = now()
        var initialRecordTime = date
        if let text = try body.string("initialRecordTime") {
            guard let time = XSDDateTime.parse(text) else {
                throw APIError(.badRequest, code: "epcis_subscription_initial_record_time_invalid", "initialRecordTime is a date-time with an offset")
            }
            initialRecordTime = time
        }
        return QuerySubscription(
            id: UUID().uuidString.lowercased(), queryName: query.name, owner: query.owner, tokenID: token.id, issuers: token.operators,
            dest: dest.absoluteString, signatureToken: signatureToken, trigger: trigger, reportIfEmpty: try body.bool("reportIfEmpty") ?? false,
            initialRecordTime: initialRecordTime, createdAt: date)
    }

    /// A webhook URL: absolute http or https without credentials (`epcis_subscription_dest_invalid`),
    /// to a destination `access` permits, every address its host resolves to included
    /// (`epcis_subscription_dest_refused`): https to public addresses unless configured otherwise.
    static func destination(_ text: String, access: OutboundAccess, resolver: any HostNameResolver) async throws -> URL {
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), ["http", "https"].contains(scheme), let rawHost = url.host,
            !rawHost.isEmpty, url.user == nil, url.password == nil
        else {
            throw APIError(.badRequest, code: "epcis_subscription_dest_invalid", "dest must be an absolute http or https URL without credentials")
        }
        let refused = APIError(
            .badRequest, code: "epcis_subscription_dest_refused",
            "dest is not a destination this service delivers to (https to public addresses, unless its configuration permits more)")
        guard access.permitsScheme(scheme, host: rawHost) else { throw refused }
        let host = rawHost.hasPrefix("[") && rawHost.hasSuffix("]") ? String(rawHost.dropFirst().dropLast()) : rawHost
        let addresses: [IPAddress]
        if let literal = IPAddress(host) {
            addresses = [literal]
        } else {
            addresses = (try? await resolver.addresses(of: host)) ?? []
        }
        guard !addresses.isEmpty, addresses.allSatisfy({ access.permits($0, of: host) }) else { throw refused }
        return url
    }

    /// A subscription as the binding shows it (its `signatureToken` never).
    static func json(_ state: SubscriptionState) -> JSONObject {
        let subscription = state.subscription
        var object: JSONObject = [
            "subscriptionID": .string(subscription.id), "queryName": .string(subscription.queryName), "dest": .string(subscription.dest),
            "createdAt": .string(XSDDateTime.format(subscription.createdAt)),
            "initialRecordTime": .string(XSDDateTime.format(subscription.initialRecordTime)),
        ]
        switch subscription.trigger {
        case .stream: object["stream"] = true
        case .schedule(let schedule):
            var fields: JSONObject = [:]
            for (name, value) in schedule.given.sorted(by: { $0.key < $1.key }) { fields[name] = .string(value) }
            object["schedule"] = .object(fields)
            object["reportIfEmpty"] = .bool(subscription.reportIfEmpty)
        }
        if let lastNotifiedAt = state.lastNotifiedAt { object["lastNotifiedAt"] = .string(XSDDateTime.format(lastNotifiedAt)) }
        return object
    }
}
