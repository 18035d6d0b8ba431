import Credentials
import Crypto
import EPCIS
import Encoding
import Foundation
import HTTPTestSupport
import HTTPTypes
import Hummingbird
import Identity
import Logging
import NIOCore
import Server
import ServerTestSupport
import Storage
import Testing

/// A webhook receiver on loopback: it keeps every request it gets and answers 500 to the first
/// `failures` of them (or while `failing`), 200 after.
actor WebhookInbox {
    struct Delivery: Sendable {
        let headers: HTTPFields
        let body: [UInt8]
        let status: HTTPResponse.Status
    }

    private(set) var received: [Delivery] = []
    private var failures: Int
    var failing = false

    init(failures: Int = 0) { self.failures = failures }

    func setFailing(_ value: Bool) { failing = value }

    func receive(_ headers: HTTPFields, _ body: [UInt8]) -> HTTPResponse.Status {
        let status: HTTPResponse.Status = failing || failures > 0 ? .internalServerError : .ok
        if failures > 0 { failures -= 1 }
        received.append(Delivery(headers: headers, body: body, status: status))
        return status
    }

    /// The requests received, once `count` have come in (or what came when `deadline` passed: a test
    /// then fails on its own expectations, not on time).
    func waitFor(_ count: Int, deadline: Duration = .seconds(60)) async -> [Delivery] {
        let end = ContinuousClock.now + deadline
        while received.count < count, ContinuousClock.now < end { try? await Task.sleep(for: .milliseconds(20)) }
        return received
    }

    /// The successful deliveries, once `count` have come in (or when `deadline` passed).
    func waitForDelivered(_ count: Int, deadline: Duration = .seconds(60)) async -> [Delivery] {
        let end = ContinuousClock.now + deadline
        while received.filter({ $0.status == .ok }).count < count, ContinuousClock.now < end { try? await Task.sleep(for: .milliseconds(20)) }
        return received.filter { $0.status == .ok }
    }

    /// Serves the inbox at `POST /hook` on 127.0.0.1 while `body` runs.
    func serve<T: Sendable>(_ body: @Sendable (_ dest: String) async throws -> T) async throws -> T {
        let router = Router()
        router.post("hook") { request, _ -> Response in
            let bytes = try await request.body.collect(upTo: 4 << 20)
            return Response(status: await self.receive(request.headers, Array(bytes.readableBytesView)))
        }
        return try await serveOnLoopback(router, label: "webhook-receiver") { port in try await body("http://127.0.0.1:\(port)/hook") }
    }
}

@Suite("EPCIS 2.0 subscriptions: webhooks with signatures, retries and an outbox; public queries; idempotent capture; paging")
struct EPCISSubscriptionTests {
    typealias Binding = EPCISBindingTests

    /// Test servers may deliver to loopback over http (an explicit setting: deliveries go to public
    /// https destinations only by default), and retry quickly.
    static func loopbackWebhooks(_ configuration: inout ServerConfiguration) {
        configuration.anchorInterval = nil
        configuration.webhookDestinations = OutboundAccess(allowLoopbackHTTP: true)
        configuration.subscriptionDelivery.firstRetryDelay = .milliseconds(50)
        configuration.subscriptionDelivery.maximumRetryDelay = .milliseconds(200)
    }

    static func subscribe(_ client: LoopbackClient, query: String, _ body: String, token: String?) async throws -> LoopbackResponse {
        try await Binding.post(client, "/queries/\(query)/subscriptions", body, token: token)
    }

    static func createQuery(_ client: LoopbackClient, name: String, token: String, query: String = #"{"EQ_bizStep":["shipping"]}"#) async throws {
        let created = try await Binding.post(client, "/queries", #"{"name":"\#(name)","query":\#(query)}"#, token: token)
        #expect(created.status == .created, "\(String(buffer: created.body))")
    }

    static func eventList(_ body: [UInt8]) throws -> (document: JSONValue, events: [JSONValue]) {
        let document = try JSONValue(parsing: body)
        return (document, document["epcisBody"]?["queryResults"]?["resultsBody"]?["eventList"]?.arrayValue ?? [])
    }

    @Test("a stream webhook subscription gets a newly captured matching event, signed with HMAC-SHA256 over the body")
    func streamWebhook() async throws {
        let inbox = WebhookInbox()
        try await inbox.serve { dest in
            try await withLiveServer(configure: Self.loopbackWebhooks) { client, _, admin in
                let issuer = try await CredentialRoutesTests.token(client, role: "issuer", admin: admin)
                try await Self.createQuery(client, name: "shipped", token: issuer)
                let secret = "13df38d8275b13f05704629e5f1cf3d45d6132d5"
                let created = try await Self.subscribe(
                    client, query: "shipped", #"{"dest":"\#(dest)","signatureToken":"\#(secret)","stream":true}"#, token: issuer)
                #expect(created.status == .created, "\(String(buffer: created.body))")
                let subscription = try created.json
                let id = try #require(subscription["subscriptionID"] as? String)
                #expect(created.headers[.location] == "/epcis/2.0/queries/shipped/subscriptions/\(id)")
                #expect(subscription["signatureToken"] == nil, "the secret is never shown back")
                #expect(subscription["stream"] as? Bool == true)

                _ = try await Binding.job(client, try await Binding.capture(client, EPCISRoutesTests.document, token: issuer), token: issuer)
                let deliveries = await inbox.waitFor(1)
                let delivery = try #require(deliveries.first)
                let (document, events) = try Self.eventList(delivery.body)
                #expect(document["type"]?.stringValue == "EPCISQueryDocument")
                #expect(document["epcisBody"]?["queryResults"]?["subscriptionID"]?.stringValue == id)
                #expect(document["epcisBody"]?["queryResults"]?["queryName"]?.stringValue == "shipped")
                #expect(events.map { $0["bizStep"]?.stringValue } == ["shipping"], "only the matching event")
                #expect(delivery.headers[.contentType] == "application/json")
                #expect(delivery.headers[HTTPField.Name("GS1-EPCIS-Version")!] == "2.0.0")
                let mac = HMAC<SHA256>.authenticationCode(for: delivery.body, using: SymmetricKey(data: Array(secret.utf8)))
                #expect(delivery.headers[HTTPField.Name("GS1-Signature")!] == "sha256=" + Hex.encode(Array(mac)))

                let listed = try await Binding.get(client, "/queries/shipped/subscriptions", token: issuer)
                #expect(listed.status == .ok)
                let all = try #require(try JSONSerialization.jsonObject(with: Data(buffer: listed.body)) as? [[String: Any]])
                #expect(all.compactMap { $0["subscriptionID"] as? String } == [id])
                let deleted = try await client.execute(
                    uri: "/epcis/2.0/queries/shipped/subscriptions/\(id)", method: .delete, headers: .bearer(issuer))
                #expect(deleted.status == .noContent)
                let gone = try await Binding.get(client, "/queries/shipped/subscriptions/\(id)", token: issuer)
                #expect(try Binding.problem(gone) == ("epcisException:NoSuchNameException", "epcis_subscription_not_found"))
            }
        }
    }

    /// One shipping event with its own eventID, in a document of its own.
    static func shipping(_ number: Int) -> String {
        """
        {"@context":["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"],"type":"EPCISDocument","schemaVersion":"2.0",
         "creationDate":"2026-03-01T09:00:00Z","epcisBody":{"eventList":[
          {"type":"ObjectEvent","eventID":"urn:uuid:5a1e0000-0000-4000-8000-\(String(format: "%012d", number))",
           "eventTime":"2026-03-02T08:30:00.000Z","eventTimeZoneOffset":"+00:00","epcList":["urn:epc:id:sgtin:0614141.107346.S\(number)"],
           "action":"OBSERVE","bizStep":"shipping","disposition":"in_transit"}]}}
        """
    }

    @Test("two instances on one database, both delivering: a stream subscription gets each event captured on either exactly once", arguments: Binding.storeKinds)
    func severalInstancesDeliverEachEventOnce(_ storeKind: String) async throws {
        let inbox = WebhookInbox()
        try await inbox.serve { dest in
            try await withInstances(2, storeKind: storeKind, configure: Self.loopbackWebhooks) { instances in
                let (first, second) = (instances.clients[0], instances.clients[1])
                let issuer = try await CredentialRoutesTests.token(first, role: "issuer", admin: instances.adminToken)
                try await Self.createQuery(first, name: "shipped", token: issuer)
                let created = try await Self.subscribe(second, query: "shipped", #"{"dest":"\#(dest)","stream":true}"#, token: issuer)
                #expect(created.status == .created, "\(String(buffer: created.body))")
                let count = 8
                for number in 0..<count {
                    let client = number % 2 == 0 ? first : second
                    _ = try await Binding.job(client, try await Binding.capture(client, Self.shipping(number), token: issuer), token: issuer)
                }
                // Every event arrives; then, after several more rounds of both deliverers, none twice.
                func delivered() async throws -> [String] {
                    try await inbox.waitForDelivered(0).flatMap { try Self.eventList($0.body).events.compactMap { $0["eventID"]?.stringValue } }
                }
                let end = ContinuousClock.now + .seconds(60)
                while try await Set(delivered()).count < count, ContinuousClock.now < end { try await Task.sleep(for: .milliseconds(50)) }
                try await Task.sleep(for: .seconds(1))
                let eventIDs = try await delivered()
                #expect(Set(eventIDs).count == count, "\(eventIDs)")
                #expect(eventIDs.count == count, "each event once: \(eventIDs.sorted())")
            }
        }
    }

    @Test("a delivery the receiver answers 500 is retried with backoff until it is answered 200, the same bytes each time")
    func retries() async throws {
        let inbox = WebhookInbox(failures: 2)
        try await inbox.serve { dest in
            try await withLiveServer(configure: Self.loopbackWebhooks) { client, _, admin in
                let issuer = try await CredentialRoutesTests.token(client, role: "issuer", admin: admin)
                try await Self.createQuery(client, name: "shipped", token: issuer)
                let created = try await Self.subscribe(client, query: "shipped", #"{"dest":"\#(dest)","stream":true}"#, token: issuer)
                let id = try #require(try created.json["subscriptionID"] as? String)
                _ = try await Binding.job(client, try await Binding.capture(client, EPCISRoutesTests.document, token: issuer), token: issuer)
                let attempts = await inbox.waitForDelivered(1)
                let all = await inbox.received
                #expect(all.map(\.status) == [.internalServerError, .internalServerError, .ok])
                #expect(Set(all.map(\.body)).count == 1, "every attempt sends the same document")
                #expect(attempts.count == 1)
                #expect(all.allSatisfy { $0.headers[HTTPField.Name("GS1-Signature")!] == nil }, "no signatureToken, no signature")
                var notified: Any?
                let end = ContinuousClock.now + .seconds(30)
                while notified == nil, ContinuousClock.now < end {
                    notified = try await Binding.get(client, "/queries/shipped/subscriptions/\(id)", token: issuer).json["lastNotifiedAt"]
                }
                #expect(notified is String)
            }
        }
    }

    @Test("a document queued before a restart is delivered by the restarted instance")
    func outboxSurvivesRestart() async throws {
        let inbox = WebhookInbox()
        await inbox.setFailing(true)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("voltpass-subscriptions-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        try await inbox.serve { dest in
            let issuer = try await Self.withServer(in: directory) { client, admin in
                let issuer = try await CredentialRoutesTests.token(client, role: "issuer", admin: try #require(admin))
                try await Self.createQuery(client, name: "shipped", token: issuer)
                _ = try await Self.subscribe(client, query: "shipped", #"{"dest":"\#(dest)","stream":true}"#, token: issuer)
                _ = try await Binding.job(client, try await Binding.capture(client, EPCISRoutesTests.document, token: issuer), token: issuer)
                // The document is queued once the receiver has refused it.
                #expect(await inbox.waitFor(1).first?.status == .internalServerError)
                return issuer
            }
            await inbox.setFailing(false)
            try await Self.withServer(in: directory) { client, _ in
                let delivered = await inbox.waitForDelivered(1)
                let events = try Self.eventList(try #require(delivered.first).body).events
                #expect(events.map { $0["bizStep"]?.stringValue } == ["shipping"])
                #expect(try await Binding.get(client, "/queries/shipped/subscriptions", token: issuer).status == .ok)
            }
        }
    }

    /// Starts a server on the SQLite store in `directory` (created on the first start), runs `body`
    /// with a client and the admin token of the first start, and stops it.
    static func withServer<T: Sendable>(
        in directory: URL, _ body: @Sendable (LoopbackClient, String?) async throws -> T
    ) async throws -> T {
        var configuration = ServerConfiguration(dataDirectory: directory, port: 0, publicHost: "localhost:8080")
        configuration.connectionLimits = testConnectionLimits
        loopbackWebhooks(&configuration)
        return try await StoreConfiguration(dataDirectory: directory).withStore { store in
            let (server, report) = try await VoltpassServer.prepare(configuration: configuration, store: store)
            var quiet = Logger(label: "voltpass-test")
            quiet.logLevel = .critical
            do {
                let value = try await server.testOverLoopback(logger: quiet) { client in try await body(client, report.adminToken) }
                await server.close()
                return value
            } catch {
                await server.close()
                throw error
            }
        }
    }

    @Test("subscriptions are refused with stable codes: no token, unknown query, another operator's, bad or private dest, no trigger, bad schedule")
    func refusals() async throws {
        // This server permits one documentation block (TEST-NET-3, never routed) besides public
        // addresses: the configured exception, not a hole. Nothing is delivered in this test (no
        // event is captured and no subscription reports when empty).
        try await withLiveServer(configure: {
            $0.anchorInterval = nil
            $0.webhookDestinations = OutboundAccess(allowList: [OutboundAllowance("203.0.113.0/24")!])
        }) { client, _, admin in
            let issuer = try await CredentialRoutesTests.token(client, role: "issuer", admin: admin)
            let other = try await client.registerOperator("packmaker", companyPrefixes: ["4012345"], admin: admin)
            try await Self.createQuery(client, name: "shipped", token: issuer)
            let stream = #"{"dest":"https://203.0.113.7/hook","stream":true}"#
            let cases: [(query: String, body: String, token: String?, status: HTTPResponse.Status, type: String, code: String)] = [
                ("shipped", stream, nil, .unauthorized, "epcisException:SecurityException", "unauthorized"),
                ("unknown", stream, issuer, .notFound, "epcisException:NoSuchNameException", "epcis_query_not_found"),
                ("shipped", stream, other, .notFound, "epcisException:NoSuchNameException", "epcis_query_not_found"),
                ("shipped", #"{"dest":"ftp://example.com/hook","stream":true}"#, issuer, .badRequest, "epcisException:SubscriptionControlsException",
                 "epcis_subscription_dest_invalid"),
                ("shipped", #"{"dest":"https://user:pw@example.com/hook","stream":true}"#, issuer, .badRequest,
                 "epcisException:SubscriptionControlsException", "epcis_subscription_dest_invalid"),
                ("shipped", #"{"dest":"https://10.1.2.3/hook","stream":true}"#, issuer, .badRequest, "epcisException:SubscriptionControlsException",
                 "epcis_subscription_dest_refused"),
                ("shipped", #"{"dest":"https://169.254.169.254/latest","stream":true}"#, issuer, .badRequest,
                 "epcisException:SubscriptionControlsException", "epcis_subscription_dest_refused"),
                ("shipped", #"{"dest":"http://127.0.0.1:9/hook","stream":true}"#, issuer, .badRequest, "epcisException:SubscriptionControlsException",
                 "epcis_subscription_dest_refused"),
                ("shipped", #"{"dest":"https://203.0.113.7/hook"}"#, issuer, .badRequest, "epcisException:SubscriptionControlsException",
                 "epcis_subscription_trigger_invalid"),
                ("shipped", #"{"dest":"https://203.0.113.7/hook","stream":true,"schedule":{"minute":"5"}}"#, issuer, .badRequest,
                 "epcisException:SubscriptionControlsException", "epcis_subscription_trigger_invalid"),
                ("shipped", #"{"dest":"https://203.0.113.7/hook","schedule":{"minute":"61"}}"#, issuer, .badRequest,
                 "epcisException:SubscriptionControlsException", "epcis_subscription_schedule_invalid"),
                ("shipped", #"{"dest":"https://203.0.113.7/hook","stream":true,"secret":"x"}"#, issuer, .badRequest,
                 "epcisException:SubscriptionControlsException", "epcis_subscription_member_unknown"),
            ]
            for refused in cases {
                let response = try await Self.subscribe(client, query: refused.query, refused.body, token: refused.token)
                #expect(response.status == refused.status, "\(refused.body)")
                #expect(try Binding.problem(response) == (refused.type, refused.code), "\(refused.body)")
            }
            // A scheduled subscription to a permitted address is accepted.
            let scheduled = try await Self.subscribe(
                client, query: "shipped", #"{"dest":"https://203.0.113.7/hook","schedule":{"hour":"1","minute":"5"}}"#,
                token: issuer)
            #expect(scheduled.status == .created)
            let id = try #require(try scheduled.json["subscriptionID"] as? String)
            let foreign = try await Binding.get(client, "/queries/shipped/subscriptions/\(id)", token: other)
            #expect(try Binding.problem(foreign) == ("epcisException:NoSuchNameException", "epcis_query_not_found"))
            let streamWithoutUpgrade = try await Binding.get(client, "/queries/shipped/events?stream=true", token: issuer)
            #expect(try Binding.problem(streamWithoutUpgrade) == ("epcisException:SubscriptionControlsException", "epcis_subscription_websocket_required"))
            // Deleting the query deletes its subscriptions.
            #expect(try await client.execute(uri: "/epcis/2.0/queries/shipped", method: .delete, headers: .bearer(issuer)).status == .noContent)
            try await Self.createQuery(client, name: "shipped", token: issuer)
            let after = try await Binding.get(client, "/queries/shipped/subscriptions/\(id)", token: issuer)
            #expect(try Binding.problem(after).code == "epcis_subscription_not_found")
        }
    }

    static func utc(_ date: Date) -> String { XSDDateTime.format(date) }

    @Test("schedules: fields match, omitted finer fields are their lowest value, coarser ones any")
    func schedules() throws {
        let base = try #require(XSDDateTime.parse("2026-03-02T10:20:30Z"))
        let daily = try QuerySchedule(["hour": "1", "minute": "5"])
        #expect(daily.next(after: base).map(Self.utc) == "2026-03-03T01:05:00Z")
        let halfMinutes = try QuerySchedule(["second": "0,30"])
        #expect(halfMinutes.next(after: base).map(Self.utc) == "2026-03-02T10:21:00Z")
        let weekdays = try QuerySchedule(["dayOfWeek": "[6-7]", "hour": "[8-9]"])
        #expect(weekdays.next(after: base).map(Self.utc) == "2026-03-07T08:00:00Z", "2026-03-07 is a Saturday")
        #expect(QuerySchedule.fields.count == 6)
        #expect(throws: QueryScheduleError.self) { try QuerySchedule(["hour": "24"]) }
        #expect(throws: QueryScheduleError.self) { try QuerySchedule(["minute": "[9-3]"]) }
        #expect(throws: QueryScheduleError.self) { try QuerySchedule([:]) }
        #expect(throws: QueryScheduleError.self) { try QuerySchedule(["weekday": "1"]) }
    }

    @Test("without a token a query sees the public events of every operator; with one, every event of its operators")
    func publicVisibility() async throws {
        try await withLiveServer(configure: { $0.anchorInterval = nil }) { client, _, admin in
            let issuer = try await CredentialRoutesTests.token(client, role: "issuer", admin: admin)
            _ = try await Binding.job(client, try await Binding.capture(client, EPCISRoutesTests.document, token: issuer), token: issuer)
            let mine = try Binding.events(try await Binding.get(client, "/events", token: issuer))
            #expect(mine.count == 3)
            // The transformation carries an extension member (example:line): not public.
            let everyone = try Binding.events(try await Binding.get(client, "/events", token: nil))
            #expect(everyone.map { $0["type"]?.stringValue } == ["ObjectEvent", "AssociationEvent"])
            let older = try await client.execute(uri: "/epcis/events", method: .get)
            let listed = try Self.eventList(Array(older.body.readableBytesView)).events
            #expect(listed.map { $0["type"]?.stringValue } == ["ObjectEvent", "AssociationEvent"], "the older route shows the public the same")
            let olderWithToken = try await client.execute(uri: "/epcis/events", method: .get, headers: .bearer(issuer))
            #expect(try Self.eventList(Array(olderWithToken.body.readableBytesView)).events.count == 3)
            #expect(EventVisibility.isPublic(["type": "ObjectEvent", "sourceList": []]) == false)
            #expect(EventVisibility.isPublic(["type": "ObjectEvent", "readPoint": ["id": "urn:epc:id:sgln:1.2.3"]]))
        }
    }

    @Test("the binding's capture honours Idempotency-Key: the same request answers the same job, another body is refused")
    func idempotentCapture() async throws {
        try await withLiveServer(configure: { $0.anchorInterval = nil }) { client, _, admin in
            let issuer = try await CredentialRoutesTests.token(client, role: "issuer", admin: admin)
            let key: HTTPFields = [HTTPField.Name("Idempotency-Key")!: "capture-1"]
            let first = try await Binding.capture(client, EPCISRoutesTests.document, token: issuer, headers: key)
            #expect(first.status == .accepted)
            let again = try await Binding.capture(client, EPCISRoutesTests.document, token: issuer, headers: key)
            #expect(again.status == .accepted)
            #expect(again.headers[.location] == first.headers[.location])
            #expect(again.headers[HTTPField.Name("Idempotency-Replayed")!] == "true")
            #expect(try again.json["captureID"] as? String == (try first.json["captureID"] as? String))
            #expect(try Binding.events(try await Binding.get(client, "/events?perPage=100", token: issuer)).count == 3, "captured once")
            let jobs = try await Binding.get(client, "/capture", token: issuer)
            #expect((try JSONSerialization.jsonObject(with: Data(buffer: jobs.body)) as? [Any])?.count == 1)
            let other = try await Binding.capture(
                client, EPCISRoutesTests.document.replacingOccurrences(of: "7c9e0c5e-1111", with: "7c9e0c5e-3333"), token: issuer, headers: key)
            #expect(other.status == .unprocessableContent)
            #expect(try Binding.problem(other).code == "idempotency_key_mismatch")
        }
    }

    @Test("10,000 events captured in 1,000-event documents are paged through /events by Link, each once and in order")
    func tenThousandEvents() async throws {
        try await withLiveServer(configure: { $0.anchorInterval = nil }) { client, _, admin in
            let issuer = try await CredentialRoutesTests.token(client, role: "issuer", admin: admin)
            for document in 0..<10 {
                let events = (0..<1_000).map { index in
                    let number = document * 1_000 + index
                    let time = XSDDateTime.format(Date(timeIntervalSince1970: 1_770_000_000 + Double(number)))
                    return #"{"type":"ObjectEvent","eventID":"urn:uuid:00000000-0000-4000-8000-\#(String(format: "%012d", number))","eventTime":"\#(time)","eventTimeZoneOffset":"+00:00","epcList":["urn:epc:id:sgtin:4012345.012345.\#(number)"],"action":"OBSERVE","bizStep":"inspecting"}"#
                }
                let body = #"{"@context":["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"],"type":"EPCISDocument","schemaVersion":"2.0","creationDate":"2026-03-01T09:00:00Z","epcisBody":{"eventList":[\#(events.joined(separator: ","))]}}"#
                let job = try await Binding.job(client, try await Binding.capture(client, body, token: issuer), token: issuer)
                #expect(job["success"] as? Bool == true)
            }
            var seen: [String] = []
            var next: String? = "/events?perPage=1000&EQ_bizStep=inspecting"
            while let page = next {
                let response = try await Binding.get(client, page, token: issuer)
                seen += try Binding.events(response).compactMap { $0["eventID"]?.stringValue }
                next = Binding.next(response)
            }
            let expected = (0..<10_000).map { "urn:uuid:00000000-0000-4000-8000-\(String(format: "%012d", $0))" }
            #expect(seen.count == 10_000)
            #expect(seen == expected)
        }
    }
}
