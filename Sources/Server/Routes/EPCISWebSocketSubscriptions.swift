import Credentials
import EPCIS
import Encoding
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdWebSocket
import Identity
import Logging
import NIOCore
import NIOWebSocket
import Storage
import Synchronization

/// What a WebSocket subscription asks for on `GET /epcis/2.0/queries/{queryName}/events`: the query
/// string's `stream=true`, or a schedule (`second`, `minute`, `hour`, `dayOfMonth`, `month`,
/// `dayOfWeek`, not both), with `reportIfEmpty` and `initialRecordTime`.
struct WebSocketSubscriptionParameters: Sendable {
    var trigger: QuerySubscription.Trigger
    var reportIfEmpty: Bool
    var initialRecordTime: Date
    /// Whether `initialRecordTime` was given (otherwise the subscription starts with the events captured from now on).
    var initialRecordTimeGiven: Bool

    /// The schedule parameters of the binding's query string.
    static let scheduleParameters: Set<String> = ["second", "minute", "hour", "dayOfMonth", "month", "dayOfWeek"]

    /// Reads the query string; refusals are `400` with the codes of webhook subscriptions
    /// (`epcis_subscription_trigger_invalid`, the schedule's, `…_initial_record_time_invalid`) and
    /// `epcis_subscription_parameter_unknown`, `epcis_subscription_report_if_empty_invalid`.
    init(_ parameters: Parameters, now: Date) throws {
        if let unknown = parameters.map({ String($0.key) }).sorted().first(where: { !EPCISSubscriptionRoutes.webSocketParameters.contains($0) }) {
            throw APIError(.badRequest, code: "epcis_subscription_parameter_unknown", "'\(unknown)' is not a parameter of a WebSocket subscription")
        }
        var schedule: [String: String] = [:]
        for (name, value) in parameters where Self.scheduleParameters.contains(String(name)) { schedule[String(name)] = String(value) }
        switch (parameters.get("stream"), schedule.isEmpty) {
        case ("true"?, true):
            trigger = .stream
        case (nil, false):
            do {
                trigger = .schedule(try QuerySchedule(given: schedule))
            } catch {
                throw APIError(.badRequest, code: error.code, error.message)
            }
        default:
            throw APIError(
                .badRequest, code: "epcis_subscription_trigger_invalid",
                "a WebSocket subscription has either stream=true or schedule parameters (second, minute, hour, dayOfMonth, month, dayOfWeek)")
        }
        switch parameters.get("reportIfEmpty") {
        case nil, "false"?: reportIfEmpty = false
        case "true"?: reportIfEmpty = true
        default: throw APIError(.badRequest, code: "epcis_subscription_report_if_empty_invalid", "reportIfEmpty is true or false")
        }
        initialRecordTime = now
        initialRecordTimeGiven = false
        if let text = parameters.get("initialRecordTime") {
            guard let time = XSDDateTime.parse(text) else {
                throw APIError(.badRequest, code: "epcis_subscription_initial_record_time_invalid", "initialRecordTime is a date-time with an offset")
            }
            (initialRecordTime, initialRecordTimeGiven) = (time, true)
        }
    }
}

/// Subscriptions to named queries over a WebSocket, the binding's other form (webhooks are
/// `EPCISSubscriptionRoutes`): `GET /epcis/2.0/queries/{queryName}/events?stream=true` (or with a
/// schedule) with `Upgrade: websocket` and a bearer token acting for the query's operators.
///
/// Before the upgrade the request gets the refusals of the query route (401, 403, 404, 400 with its
/// code). Once upgraded, the server sends text messages, each an EPCISQueryDocument like a webhook
/// delivery (`queryResults.subscriptionID` names the connection's subscription) of the new matching
/// events the token's operators signed: on a stream, a moment after each capture (at once for one on
/// this instance, within the poll interval for another instance's); on a schedule, at each time it
/// matches. The messages wait in a queue of ``queueCapacity``; a client that lets it fill is closed
/// with 1008 and `epcis_subscription_websocket_too_slow`. The server closes with 1008 and
/// `epcis_subscription_token_ended` once the token is revoked or expires, and with 1000 and
/// `epcis_query_deleted` once the query is deleted; messages from the client are ignored.
struct EPCISWebSocketSubscriptions: Sendable {
    let binding: EPCISBindingRoutes
    let store: any VoltpassStore
    /// Rung after each capture on this instance.
    let captures: CaptureSignal
    /// How often a subscription looks for events captured by other instances, and for its token and query.
    let pollInterval: Duration
    let now: @Sendable () -> Date

    /// The documents one connection's queue holds before its client counts as too slow.
    static let queueCapacity = 16
    /// The header of the `101` response that says from when events are sent (the binding's `GS1-Query-Min-Record-Time`).
    static let minRecordTimeHeader = HTTPField.Name("GS1-Query-Min-Record-Time")!

    /// The query name of a path that subscribes (`/epcis/2.0/queries/{queryName}/events`); nil for others.
    static func queryName(ofPath path: String) -> String? {
        let parts = path.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 6, parts[0].isEmpty, "\(parts[1])/\(parts[2])" == EPCISBindingRoutes.prefix, parts[3] == "queries", parts[5] == "events",
            let name = String(parts[4]).removingPercentEncoding, EPCISBindingRoutes.isQueryName(name)
        else { return nil }
        return name
    }

    /// The admission the server's HTTP/1 channel asks for each upgrade request.
    var admission: WebSocketAdmission {
        WebSocketAdmission { head, channel, logger in try await admit(head, channel: channel, logger: logger) }
    }

    /// Checks an upgrade request as the query route would (token, query, parameters) and returns the
    /// session that serves it; throws the refusal.
    func admit(_ head: HTTPRequest, channel: any Channel, logger: Logger) async throws -> (
        HTTPFields, WebSocketDataHandler<HTTP1WebSocketUpgradeChannel.Context>
    ) {
        let request = Request(head: head, body: .init(buffer: ByteBuffer()))
        guard request.method == .get, let name = Self.queryName(ofPath: request.uri.path) else {
            throw APIError(.notFound, code: "not_found", "WebSocket subscriptions are at GET /\(EPCISBindingRoutes.prefix)/queries/{queryName}/events")
        }
        let context = VoltpassRequestContext(source: .init(channel: channel, logger: logger))
        let (owner, token) = try await binding.queryOwner(request, context: context)
        guard let named = try await store.namedQuery(name: name, owner: owner) else { throw EPCISBindingRoutes.queryNotFound(name) }
        let parameters = try WebSocketSubscriptionParameters(request.uri.queryParameters, now: now())
        let cursor = parameters.initialRecordTimeGiven ? 0 : try await store.latestEventSequence()
        let subscription = QuerySubscription(
            id: UUID().uuidString.lowercased(), queryName: named.name, owner: named.owner, tokenID: token.id, issuers: token.operators,
            dest: "", signatureToken: nil, trigger: parameters.trigger, reportIfEmpty: parameters.reportIfEmpty,
            initialRecordTime: parameters.initialRecordTime, createdAt: now())
        let headers: HTTPFields = [Self.minRecordTimeHeader: XSDDateTime.format(parameters.initialRecordTime)]
        return (
            headers,
            { inbound, outbound, context in
                await serve(subscription, secretHash: token.secretHash, cursor: cursor, inbound: inbound, outbound: outbound, channel: channel, logger: context.logger)
            }
        )
    }

    /// Why a session ended, and how its connection closes.
    enum SessionEnd: Equatable {
        case clientClosed
        case tokenEnded
        case queryDeleted
        case tooSlow
        case failed

        /// The close code and the stable code in the close frame's reason; nil when the client closed.
        var close: (code: WebSocketErrorCode, reason: String)? {
            switch self {
            case .clientClosed: nil
            case .tokenEnded: (.policyViolation, "epcis_subscription_token_ended")
            case .queryDeleted: (.normalClosure, "epcis_query_deleted")
            case .tooSlow: (.policyViolation, "epcis_subscription_websocket_too_slow")
            case .failed: (.unexpectedServerError, "epcis_subscription_failed")
            }
        }
    }

    /// Serves one connection until the client closes or the subscription ends.
    private func serve(
        _ subscription: QuerySubscription, secretHash: String, cursor: Int64, inbound: WebSocketInboundStream, outbound: WebSocketOutboundWriter,
        channel: any Channel, logger: Logger
    ) async {
        let queue = SubscriberQueue(capacity: Self.queueCapacity)
        let end = await withTaskGroup(of: SessionEnd?.self) { group in
            // The client's messages are read only for its close (pings are answered below this handler).
            group.addTask {
                do { for try await _ in inbound {} } catch {}
                return .clientClosed
            }
            group.addTask {
                for await text in queue.documents {
                    do { try await outbound.write(.text(text)) } catch { return .clientClosed }
                }
                return nil
            }
            group.addTask {
                await produce(subscription, secretHash: secretHash, cursor: cursor, into: queue, logger: logger)
            }
            var end: SessionEnd?
            while end == nil, let next = await group.next() { end = next }
            group.cancelAll()
            return end ?? .clientClosed
        }
        queue.finish()
        guard let close = end.close else { return }
        logger.info("EPCIS WebSocket subscription closed", metadata: ["subscription": "\(subscription.id)", "reason": "\(close.reason)"])
        // A client too slow to read may not read the close frame either: the connection is closed after a moment.
        let sent = await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                (try? await outbound.close(close.code, reason: close.reason)) != nil
            }
            group.addTask {
                try? await Task.sleep(for: .seconds(2))
                return false
            }
            let first = await group.next() ?? false
            group.cancelAll()
            return first
        }
        if !sent { try? await channel.close() }
    }

    /// Queues the documents of the subscription's new events, woken by local captures and every poll
    /// interval, until its token or query ends, its client is too slow or the task is cancelled.
    private func produce(_ subscription: QuerySubscription, secretHash: String, cursor start: Int64, into queue: SubscriberQueue, logger: Logger)
        async -> SessionEnd?
    {
        let (wakeups, listener) = captures.listen()
        defer { captures.stopListening(listener) }
        let ticker = Task { [pollInterval] in
            while !Task.isCancelled {
                captures.ring(listener)
                try? await Task.sleep(for: pollInterval)
            }
        }
        defer { ticker.cancel() }
        var cursor = start
        var nextRun: Date?
        if case .schedule(let schedule) = subscription.trigger { nextRun = schedule.next(after: subscription.createdAt) }
        for await _ in wakeups {
            do {
                guard let token = try await store.token(secretHash: secretHash), token.id == subscription.tokenID, token.isLive(at: now()) else {
                    return .tokenEnded
                }
                guard let named = try await store.namedQuery(name: subscription.queryName, owner: subscription.owner) else { return .queryDeleted }
                if case .schedule(let schedule) = subscription.trigger {
                    guard let due = nextRun, due <= now() else { continue }
                    nextRun = schedule.next(after: now())
                }
                let query = try EPCISEventQuery(parameters: try NamedQuery.parameters(of: named.query))
                var sent = false
                while true {
                    let (events, reached) = try await SubscriptionDelivery.newEvents(
                        in: store, query: query, issuers: subscription.issuers, since: subscription.initialRecordTime, after: cursor,
                        limit: SubscriptionDelivery.eventsPerDocument)
                    cursor = max(cursor, reached)
                    if !events.isEmpty {
                        guard queue.offer(document(subscription, events: events)) else { return .tooSlow }
                        sent = true
                    }
                    if events.count < SubscriptionDelivery.eventsPerDocument { break }
                }
                if case .schedule = subscription.trigger, !sent, subscription.reportIfEmpty {
                    guard queue.offer(document(subscription, events: [])) else { return .tooSlow }
                }
            } catch {
                logger.error("EPCIS WebSocket subscription failed", metadata: ["subscription": "\(subscription.id)", "error": "\(error)"])
                return .failed
            }
        }
        return nil
    }

    private func document(_ subscription: QuerySubscription, events: [CarriedEvent]) -> String {
        let bytes = JSONValue.object(
            EPCISRoutes.queryDocument(events, queryName: subscription.queryName, subscriptionID: subscription.id, creationDate: now())
        ).serialized()
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// The documents waiting for one WebSocket client, at most `capacity`: an offer to a full queue is
/// refused rather than growing it.
struct SubscriberQueue: Sendable {
    /// The queued documents, oldest first; it ends after ``finish()``.
    let documents: AsyncStream<String>
    private let continuation: AsyncStream<String>.Continuation

    init(capacity: Int) {
        (documents, continuation) = AsyncStream.makeStream(of: String.self, bufferingPolicy: .bufferingOldest(capacity))
    }

    /// Queues `document`; false when the queue is full (or finished).
    func offer(_ document: String) -> Bool {
        if case .enqueued = continuation.yield(document) { return true }
        return false
    }

    func finish() {
        continuation.finish()
    }
}

/// Wakes this instance's WebSocket subscriptions: after each capture here, every one of them; and
/// one of them when its own poll interval has passed.
final class CaptureSignal: Sendable {
    private let listeners = Mutex<[UUID: AsyncStream<Void>.Continuation]>([:])

    init() {}

    /// A new listener's wake-ups (at most one waits) and its id.
    func listen() -> (AsyncStream<Void>, UUID) {
        let (stream, continuation) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        let id = UUID()
        listeners.withLock { $0[id] = continuation }
        return (stream, id)
    }

    /// Wakes every listener.
    func ringAll() {
        listeners.withLock { listeners in
            for continuation in listeners.values { continuation.yield() }
        }
    }

    /// Wakes one listener.
    func ring(_ id: UUID) {
        _ = listeners.withLock { $0[id]?.yield() }
    }

    /// Ends a listener's wake-ups.
    func stopListening(_ id: UUID) {
        listeners.withLock { $0.removeValue(forKey: id) }?.finish()
    }
}
