import Foundation
import HTTPTypes
import HummingbirdWSClient
import Logging
import NIOCore
@testable import Server
import ServerTestSupport
import Testing

/// WebSocket subscriptions of the EPCIS binding (`GET /epcis/2.0/queries/{name}/events?stream=true`
/// with `Upgrade: websocket`) against a live server on loopback, with hummingbird-websocket's client.
@Suite("EPCIS 2.0 subscriptions over WebSocket")
struct EPCISWebSocketSubscriptionTests {
    typealias Binding = EPCISBindingTests
    typealias Subscriptions = EPCISSubscriptionTests

    /// What one client saw: the text messages, and the close frame the server sent.
    actor Session {
        private(set) var messages: [String] = []
        private(set) var connected = false

        func open() { connected = true }
        func receive(_ text: String) { messages.append(text) }

        /// Waits (bounded against hanging only) until the client is connected.
        func waitUntilConnected() async {
            let end = ContinuousClock.now + .seconds(60)
            while !connected, ContinuousClock.now < end { try? await Task.sleep(for: .milliseconds(20)) }
        }
    }

    /// Connects to `path` with `token` and reads messages until the server closes, or until `stopAfter`
    /// messages came (then the client closes); returns the server's close frame, if it sent one.
    static func subscribe(port: Int, path: String, token: String, session: Session, stopAfter: Int? = nil) async throws -> WebSocketCloseFrame? {
        var logger = Logger(label: "ws-test-client")
        logger.logLevel = .warning
        return try await WebSocketClient.connect(
            url: "ws://127.0.0.1:\(port)/epcis/2.0\(path)",
            configuration: .init(maxFrameSize: 1 << 16, additionalHeaders: [.authorization: "Bearer \(token)"]), logger: logger
        ) { inbound, _, _ in
            await session.open()
            var count = 0
            for try await message in inbound.messages(maxSize: 1 << 22) {
                guard case .text(let text) = message else { continue }
                await session.receive(text)
                count += 1
                if let stopAfter, count >= stopAfter { return }
            }
        }
    }

    /// An issuer token acting for the instance's operator, and its id.
    static func tokenWithID(_ client: LoopbackClient, admin: String) async throws -> (secret: String, id: String) {
        let body = try JSONSerialization.data(withJSONObject: ["role": "issuer", "operators": ["instance"]])
        let created = try await client.execute(uri: "/admin/tokens", method: .post, headers: .bearer(admin), body: ByteBuffer(bytes: body))
        let json = try created.json
        return (try #require(json["token"] as? String), try #require(json["id"] as? String))
    }

    @Test("a stream subscription receives a newly captured matching event as an EPCISQueryDocument")
    func streamReceivesCapturedEvent() async throws {
        try await withLiveServer(configure: { $0.anchorInterval = nil }) { client, _, admin in
            let port = try #require(client.port)
            let issuer = try await CredentialRoutesTests.token(client, role: "issuer", admin: admin)
            try await Subscriptions.createQuery(client, name: "shipped", token: issuer)
            let session = Session()
            let listening = Task { try await Self.subscribe(port: port, path: "/queries/shipped/events?stream=true", token: issuer, session: session, stopAfter: 1) }
            await session.waitUntilConnected()
            _ = try await Binding.job(client, try await Binding.capture(client, EPCISRoutesTests.document, token: issuer), token: issuer)
            _ = try await listening.value
            let text = try #require(await session.messages.first)
            let (document, events) = try Subscriptions.eventList(Array(text.utf8))
            #expect(document["type"]?.stringValue == "EPCISQueryDocument")
            #expect(document["epcisBody"]?["queryResults"]?["queryName"]?.stringValue == "shipped")
            #expect(document["epcisBody"]?["queryResults"]?["subscriptionID"]?.stringValue?.isEmpty == false)
            #expect(events.map { $0["bizStep"]?.stringValue } == ["shipping"], "only the matching event")
        }
    }

    /// Sends an upgrade request over a raw connection and returns the answer.
    static func upgrade(port: Int, path: String, token: String?) async throws -> RawResponse {
        let connection = try await RawConnection.open(port: port)
        defer { Task { await connection.close() } }
        let authorization = token.map { "Authorization: Bearer \($0)\r\n" } ?? ""
        try await connection.send(
            "GET /epcis/2.0\(path) HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\(authorization)\r\n")
        return try await connection.response()
    }

    @Test("upgrade requests are refused with the binding's problems before any upgrade: no token, another operator's query, bad parameters")
    func refusedBeforeUpgrade() async throws {
        try await withLiveServer(configure: { $0.anchorInterval = nil }) { client, _, admin in
            let port = try #require(client.port)
            let issuer = try await CredentialRoutesTests.token(client, role: "issuer", admin: admin)
            let other = try await client.registerOperator("packmaker", companyPrefixes: ["4012345"], admin: admin)
            try await Subscriptions.createQuery(client, name: "shipped", token: issuer)
            let cases: [(path: String, token: String?, status: Int, type: String, code: String)] = [
                ("/queries/shipped/events?stream=true", nil, 401, "epcisException:SecurityException", "unauthorized"),
                ("/queries/shipped/events?stream=true", other, 404, "epcisException:NoSuchNameException", "epcis_query_not_found"),
                ("/queries/unknown/events?stream=true", issuer, 404, "epcisException:NoSuchNameException", "epcis_query_not_found"),
                ("/queries/shipped/events?stream=yes", issuer, 400, "epcisException:SubscriptionControlsException", "epcis_subscription_trigger_invalid"),
                ("/queries/shipped/events?stream=true&minute=5", issuer, 400, "epcisException:SubscriptionControlsException",
                 "epcis_subscription_trigger_invalid"),
                ("/queries/shipped/events?minute=61", issuer, 400, "epcisException:SubscriptionControlsException", "epcis_subscription_schedule_invalid"),
                ("/queries/shipped/events?stream=true&perPage=5", issuer, 400, "epcisException:SubscriptionControlsException",
                 "epcis_subscription_parameter_unknown"),
                ("/queries/shipped/events?stream=true&reportIfEmpty=maybe", issuer, 400, "epcisException:SubscriptionControlsException",
                 "epcis_subscription_report_if_empty_invalid"),
            ]
            for refused in cases {
                let response = try await Self.upgrade(port: port, path: refused.path, token: refused.token)
                #expect(response.status == refused.status, "\(refused.path)")
                let problem = try response.json
                #expect(problem["type"] as? String == refused.type, "\(refused.path)")
                #expect(problem["code"] as? String == refused.code, "\(refused.path)")
            }
            let admitted = try await Self.upgrade(port: port, path: "/queries/shipped/events?minute=5&hour=1", token: issuer)
            #expect(admitted.status == 101, "the binding's schedule form")
            #expect(admitted.headers["gs1-query-min-record-time"] != nil)
        }
    }

    @Test("the server closes the connection when the token is revoked, and when the query is deleted")
    func closedWhenTokenOrQueryEnds() async throws {
        try await withLiveServer(configure: { $0.anchorInterval = nil }) { client, _, admin in
            let port = try #require(client.port)
            let (issuer, id) = try await Self.tokenWithID(client, admin: admin)
            try await Subscriptions.createQuery(client, name: "shipped", token: issuer)
            let revokedSession = Session()
            let revoking = Task { try await Self.subscribe(port: port, path: "/queries/shipped/events?stream=true", token: issuer, session: revokedSession) }
            await revokedSession.waitUntilConnected()

            let keeper = try await CredentialRoutesTests.token(client, role: "issuer", admin: admin)
            try await Subscriptions.createQuery(client, name: "received", token: keeper)
            let deletedSession = Session()
            let deleting = Task {
                try await Self.subscribe(port: port, path: "/queries/received/events?stream=true", token: keeper, session: deletedSession)
            }
            await deletedSession.waitUntilConnected()

            #expect(try await client.execute(uri: "/admin/tokens/\(id)", method: .delete, headers: .bearer(admin)).status == .ok)
            let revokedClose = try await revoking.value
            #expect(revokedClose?.closeCode == .policyViolation)
            #expect(revokedClose?.reason == "epcis_subscription_token_ended")

            #expect(try await client.execute(uri: "/epcis/2.0/queries/received", method: .delete, headers: .bearer(keeper)).status == .noContent)
            let deletedClose = try await deleting.value
            #expect(deletedClose?.closeCode == .normalClosure)
            #expect(deletedClose?.reason == "epcis_query_deleted")
        }
    }

    @Test("a connection's queue is bounded: an offer to a full queue is refused")
    func queueIsBounded() {
        let queue = SubscriberQueue(capacity: 2)
        #expect(queue.offer("a"))
        #expect(queue.offer("b"))
        #expect(!queue.offer("c"))
    }

    @Test("only the binding's events path of a query subscribes")
    func subscribingPaths() {
        #expect(EPCISWebSocketSubscriptions.queryName(ofPath: "/epcis/2.0/queries/shipped/events") == "shipped")
        #expect(EPCISWebSocketSubscriptions.queryName(ofPath: "/epcis/2.0/queries/shipped") == nil)
        #expect(EPCISWebSocketSubscriptions.queryName(ofPath: "/epcis/2.0/events") == nil)
        #expect(EPCISWebSocketSubscriptions.queryName(ofPath: "/other/2.0/queries/shipped/events") == nil)
    }
}
