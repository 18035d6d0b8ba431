import EPCIS
import Encoding
import Credentials
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Identity
import NIOCore
import Server
import ServerTestSupport
import Testing
import VectorSupport

/// The EPCIS 2.0 REST binding under /epcis/2.0, as an EPCIS client uses it.
@Suite("EPCIS 2.0 REST binding: capture jobs, the query language, versions and problems")
struct EPCISBindingTests {
    static let base = "/epcis/2.0"

    static func capture(
        _ client: LoopbackClient, _ body: String, token: String?, headers extra: HTTPFields = [:]
    ) async throws -> LoopbackResponse {
        var headers = token.map { HTTPFields.bearer($0) } ?? [:]
        headers.append(contentsOf: extra)
        return try await client.execute(uri: base + "/capture", method: .post, headers: headers, body: ByteBuffer(string: body))
    }

    static func get(_ client: LoopbackClient, _ uri: String, token: String?, headers extra: HTTPFields = [:]) async throws -> LoopbackResponse {
        var headers = token.map { HTTPFields.bearer($0) } ?? [:]
        headers.append(contentsOf: extra)
        return try await client.execute(uri: uri.hasPrefix(base) ? uri : base + uri, method: .get, headers: headers)
    }

    /// The capture job a 202 points to.
    static func job(_ client: LoopbackClient, _ accepted: LoopbackResponse, token: String) async throws -> [String: Any] {
        #expect(accepted.status == .accepted, "\(String(buffer: accepted.body))")
        let location = try #require(accepted.headers[.location])
        let job = try await get(client, location, token: token)
        #expect(job.status == .ok)
        return try job.json
    }

    static func body(_ response: LoopbackResponse) throws -> JSONValue {
        try JSONValue(parsing: Array(response.body.readableBytesView))
    }

    /// The events of an EPCISQueryDocument response, as the server serialized them.
    static func events(_ response: LoopbackResponse) throws -> [JSONValue] {
        #expect(response.status == .ok, "\(String(buffer: response.body))")
        let document = try body(response)
        #expect(document["type"]?.stringValue == "EPCISQueryDocument")
        return try #require(document["epcisBody"]?["queryResults"]?["resultsBody"]?["eventList"]?.arrayValue)
    }

    /// The target of a `Link: <…>; rel="next"` header.
    static func next(_ response: LoopbackResponse) -> String? {
        guard let link = response.headers[HTTPField.Name("Link")!], link.hasSuffix("rel=\"next\""), let end = link.firstIndex(of: ">") else { return nil }
        return String(link[link.index(after: link.startIndex)..<end])
    }

    static func problem(_ response: LoopbackResponse) throws -> (type: String, code: String) {
        #expect(response.headers[.contentType] == "application/problem+json")
        let json = try response.json
        return (json["type"] as? String ?? "", json["code"] as? String ?? "")
    }

    static func percentEncoded(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~"))) ?? text
    }

    // MARK: - Capture jobs

    @Test("capture answers 202 with the job's Location; rollback stores all or nothing, proceed stores the valid events; jobs are listed and paged")
    func captureJobs() async throws {
        try await withLiveServer { client, _, admin in
            let issuer = try await CredentialRoutesTests.token(client, role: "issuer", admin: admin)
            let done = try await Self.job(client, try await Self.capture(client, EPCISRoutesTests.document, token: issuer), token: issuer)
            #expect(done["running"] as? Bool == false)
            #expect(done["success"] as? Bool == true)
            #expect(done["captureErrorBehaviour"] as? String == "rollback")
            #expect((done["errors"] as? [Any])?.isEmpty == true)
            #expect((done["eventIDs"] as? [String])?.count == 3)
            #expect(done["finishedAt"] is String)

            // The first event (a transformation) gets an action, which it may not have.
            let bad = EPCISRoutesTests.document
                .replacingOccurrences(of: #""outputEPCList":["#, with: #""action":"ADD","outputEPCList":["#)
                .replacingOccurrences(of: "7c9e0c5e-1111", with: "7c9e0c5e-2222")
            let rolledBack = try await Self.job(client, try await Self.capture(client, bad, token: issuer), token: issuer)
            #expect(rolledBack["success"] as? Bool == false)
            #expect(rolledBack["running"] as? Bool == false)
            let errors = try #require(rolledBack["errors"] as? [[String: Any]])
            #expect(errors.first?["type"] as? String == "epcisException:ValidationException")
            #expect(errors.first?["code"] as? String == "epcis_field_forbidden")
            #expect(errors.first?["eventIndex"] as? Int == 0)
            #expect((rolledBack["eventIDs"] as? [String]) == [])
            let afterRollback = try Self.events(try await Self.get(client, "/events?perPage=100", token: issuer))
            #expect(afterRollback.count == 3, "nothing of the refused document is stored")

            let proceeded = try await Self.job(
                client, try await Self.capture(client, bad, token: issuer, headers: [.init("GS1-Capture-Error-Behaviour")!: "proceed"]), token: issuer)
            #expect(proceeded["success"] as? Bool == false)
            #expect(proceeded["captureErrorBehaviour"] as? String == "proceed")
            #expect((proceeded["eventIDs"] as? [String])?.count == 2)
            #expect((proceeded["errors"] as? [[String: Any]])?.compactMap { $0["eventIndex"] as? Int } == [0])
            let afterProceed = try Self.events(try await Self.get(client, "/events?perPage=100", token: issuer))
            #expect(afterProceed.count == 5)

            let empty = try await Self.job(
                client,
                try await Self.capture(
                    client, #"{"@context":["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"],"type":"EPCISDocument","schemaVersion":"2.0","creationDate":"2026-03-01T09:00:00Z","epcisBody":{"eventList":[]}}"#,
                    token: issuer), token: issuer)
            #expect((empty["errors"] as? [[String: Any]])?.first?["code"] as? String == "epcis_empty_document")

            // Four jobs, newest first, two a page.
            var ids: [String] = []
            var uri: String? = "/capture?perPage=2"
            while let page = uri {
                let response = try await Self.get(client, page, token: issuer)
                #expect(response.status == .ok)
                let jobs = try #require(try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [[String: Any]])
                ids += jobs.compactMap { $0["captureID"] as? String }
                uri = Self.next(response)
            }
            #expect(ids.count == 4 && Set(ids).count == 4)
            #expect(ids.first == empty["captureID"] as? String)
            #expect(ids.last == done["captureID"] as? String)

            let syntax = try await Self.capture(client, "{not json", token: issuer)
            #expect(syntax.status == .badRequest)
            #expect(try Self.problem(syntax).type == "epcisException:ValidationException")
            let behaviour = try await Self.capture(client, EPCISRoutesTests.document, token: issuer, headers: [.init("GS1-Capture-Error-Behaviour")!: "all"])
            #expect(try Self.problem(behaviour).code == "epcis_capture_error_behaviour_invalid")
        }
    }

    @Test("capture jobs are the operator's: no token is 401, another operator's token 403, an unknown id 404, all with the binding's types; queries without a token see the public events")
    func captureJobsAreTheOperators() async throws {
        try await withLiveServer(configure: { $0.anchorInterval = nil }) { client, _, admin in
            let issuer = try await CredentialRoutesTests.token(client, role: "issuer", admin: admin)
            let other = try await client.registerOperator("cellmaker", companyPrefixes: ["4068194"], admin: admin)
            let accepted = try await Self.capture(client, EPCISRoutesTests.document, token: issuer)
            let location = try #require(accepted.headers[.location])

            let anonymous = try await Self.capture(client, EPCISRoutesTests.document, token: nil)
            #expect(anonymous.status == .unauthorized)
            #expect(try Self.problem(anonymous) == ("epcisException:SecurityException", "unauthorized"))
            let foreignCapture = try await Self.capture(client, EPCISRoutesTests.document, token: other)
            #expect(foreignCapture.status == .forbidden)
            #expect(try Self.problem(foreignCapture) == ("epcisException:SecurityException", "operator_forbidden"))
            let foreignJob = try await Self.get(client, location, token: other)
            #expect(foreignJob.status == .forbidden)
            #expect(try Self.problem(foreignJob).code == "operator_forbidden")
            #expect(try await Self.get(client, "/capture", token: other).status == .forbidden)
            let unknown = try await Self.get(client, "/capture/0b6a5f0e-0000-4000-8000-000000000000", token: issuer)
            #expect(unknown.status == .notFound)
            #expect(try Self.problem(unknown) == ("epcisException:NoSuchNameException", "epcis_capture_job_not_found"))

            // The other operator's token sees none of the instance's events; no token sees the public
            // ones (the transformation carries an extension member, so it is not public).
            #expect(try Self.events(try await Self.get(client, "/events", token: other)).isEmpty)
            #expect(try Self.events(try await Self.get(client, "/events", token: issuer)).count == 3)
            #expect(try Self.events(try await Self.get(client, "/events", token: nil)).count == 2)
        }
    }

    @Test("an operator's token sees the commissioning events of its own batteries and not the instance's; the instance's token the reverse")
    func operatorsSeeTheirOwnEvents() async throws {
        try await withLiveServer(configure: { $0.anchorInterval = nil }) { client, _, admin in
            let instance = try await CredentialRoutesTests.token(client, role: "issuer", admin: admin)
            let pack = try await client.registerOperator("packmaker", companyPrefixes: ["4012345"], admin: admin)
            let cell = try await client.registerOperator("cellmaker", companyPrefixes: ["4068194"], admin: admin)
            _ = try await Self.capture(client, EPCISRoutesTests.document, token: instance)
            let device = PassportFixtures.device(serial: "VP-1", lot: "L1", key: SoftwareSigner.generate(.ed25519))
            #expect(try await client.post("/manufacturing/device/issue", ["operator": "packmaker", "device": .object(device)], token: pack).status == .created)

            let own = try Self.events(try await Self.get(client, "/events", token: pack))
            #expect(own.count == 1)
            #expect(own.first?["bizStep"]?.stringValue == "commissioning")
            let epc = try #require(own.first?["epcList"]?[0]?.stringValue)
            #expect(try Self.events(try await Self.get(client, "/epcs/\(Self.percentEncoded(epc))/events", token: pack)).count == 1)
            #expect(try Self.events(try await Self.get(client, "/epcs/\(Self.percentEncoded(epc))/events", token: instance)).isEmpty)
            #expect(try Self.events(try await Self.get(client, "/events", token: instance)).count == 3)
            #expect(try Self.events(try await Self.get(client, "/events", token: cell)).isEmpty)
        }
    }

    @Test("guessing tokens on the query routes is rate limited like every authenticated route, with Retry-After")
    func failedAuthenticationIsLimited() async throws {
        try await withLiveServer(configure: { $0.failedAuthenticationLimit = RateLimit(requestsPerMinute: 1, burst: 3) }) { client, _, admin in
            let issuer = try await CredentialRoutesTests.token(client, role: "issuer", admin: admin)
            var statuses: [HTTPResponse.Status] = []
            for attempt in 0..<4 {
                statuses.append(try await Self.get(client, "/events", token: "vpt_guess\(attempt)").status)
            }
            #expect(statuses == [.unauthorized, .unauthorized, .unauthorized, .tooManyRequests])
            let limited = try await Self.get(client, "/events", token: issuer)
            #expect(limited.status == .tooManyRequests)
            #expect(try Self.problem(limited) == ("epcisException:SecurityException", "rate_limited"))
            #expect(Int(limited.headers[.retryAfter] ?? "") ?? 0 >= 1)
        }
    }

    @Test("every response names EPCIS and CBV 2.0.0 and Never_Translates; a request for another version or for translated EPCs is 406 NotAcceptableException")
    func versionHeaders() async throws {
        try await withLiveServer { client, _, admin in
            let issuer = try await CredentialRoutesTests.token(client, role: "issuer", admin: admin)
            let accepted = try await Self.capture(client, EPCISRoutesTests.document, token: issuer, headers: [.init("GS1-EPCIS-Version")!: "2.0.0"])
            #expect(accepted.status == .accepted)
            #expect(accepted.headers[.init("GS1-EPCIS-Version")!] == "2.0.0")
            #expect(accepted.headers[.init("GS1-CBV-Version")!] == "2.0.0")
            let asked: [(String, String, HTTPResponse.Status)] = [
                ("GS1-EPCIS-Version", "1.2", .notAcceptable), ("GS1-CBV-Version", "1.2.0", .notAcceptable), ("GS1-EPCIS-Version", "two", .notAcceptable),
                ("GS1-EPCIS-Min", "2.1", .notAcceptable), ("GS1-EPCIS-Max", "1.2", .notAcceptable), ("GS1-EPCIS-Min", "1.0", .ok),
                ("GS1-CBV-Version", "2.0", .ok),
            ]
            for (name, value, status) in asked {
                let response = try await Self.get(client, "/events", token: issuer, headers: [.init(name)!: value])
                #expect(response.status == status, "\(name): \(value)")
                #expect(response.headers[.init("GS1-EPCIS-Version")!] == "2.0.0")
                if status == .notAcceptable {
                    #expect(try Self.problem(response) == ("epcisException:NotAcceptableException", "epcis_version_unsupported"))
                }
            }
            // Events come back as captured: a read asking for translated EPCs is refused, one without a preference served.
            for (format, status) in [("Always_GS1_Digital_Link", HTTPResponse.Status.notAcceptable), ("Always_EPC_URN", .notAcceptable), ("No_Preference", .ok), ("Never_Translates", .ok)] {
                let response = try await Self.get(client, "/events", token: issuer, headers: [.init("GS1-EPC-Format")!: format])
                #expect(response.status == status, "\(format)")
                #expect(response.headers[.init("GS1-EPC-Format")!] == "Never_Translates")
                if status == .notAcceptable { #expect(try Self.problem(response).code == "epcis_epc_format_unsupported") }
            }
        }
    }

    // MARK: - Queries

    @Test("query parameters, per-dimension resources, ordering, eventCountLimit and paging by Link")
    func queries() async throws {
        try await withLiveServer { client, _, admin in
            let issuer = try await CredentialRoutesTests.token(client, role: "issuer", admin: admin)
            let job = try await Self.job(client, try await Self.capture(client, EPCISRoutesTests.document, token: issuer), token: issuer)
            let ids = try #require(job["eventIDs"] as? [String])
            func eventIDs(_ uri: String) async throws -> [String] {
                let events = try Self.events(try await Self.get(client, uri, token: issuer))
                return events.map { $0["eventID"]?.stringValue ?? "hash" }
            }
            let (transformation, shipping, association) = (ids[0], "hash", ids[2])
            let item = Self.percentEncoded(EPCISRoutesTests.item)
            let link = Self.percentEncoded(EPCISRoutesTests.itemLink)
            let cases: [(String, [String])] = [
                ("/events", [transformation, shipping, association]),
                ("/events?eventType=ObjectEvent%7CAssociationEvent", [shipping, association]),
                ("/events?GE_eventTime=2026-03-02T08:30:00Z&LT_eventTime=2026-03-03T11:00:00.001Z", [shipping, association]),
                ("/events?EQ_action=ADD", [association]),
                ("/events?EQ_bizStep=https://ref.gs1.org/cbv/BizStep-shipping", [shipping]),
                ("/events?EQ_disposition=in_transit", [shipping]),
                ("/events?MATCH_epc=\(item)", [shipping, association]),
                ("/events?MATCH_anyEPC=\(link)", [transformation, shipping, association]),
                ("/events?MATCH_outputEPC=\(item)", [transformation]),
                ("/events?MATCH_parentID=\(Self.percentEncoded(EPCISRoutesTests.pack))", [association]),
                ("/events?MATCH_anyEPCClass=\(Self.percentEncoded(EPCISRoutesTests.lot))", [transformation]),
                ("/events?EQ_eventID=\(ids[2])", [association]),
                ("/events?EXISTS_errorDeclaration", []),
                ("/events?EXISTS_errorDeclaration=false", [transformation, shipping, association]),
                ("/events?GE_recordTime=2000-01-01T00:00:00Z", [transformation, shipping, association]),
                ("/events?LT_recordTime=2000-01-01T00:00:00Z", []),
                ("/events?orderBy=eventTime", [association, shipping, transformation]),
                ("/events?orderBy=eventTime&orderDirection=ASC&eventCountLimit=2", [transformation, shipping]),
                ("/events?orderBy=eventTime&eventCountLimit=1", [association]),
                ("/events/\(ids[1].addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")", [shipping]),
                ("/eventTypes/TransformationEvent/events", [transformation]),
                ("/epcs/\(link)/events", [transformation, shipping, association]),
                ("/epcs/\(item)/events?EQ_bizStep=assembling", [association]),
                ("/bizSteps/shipping/events", [shipping]),
                ("/dispositions/in_transit/events", [shipping]),
                ("/readPoints/urn:epc:id:sgln:0614141.07346.1234/events", []),
                ("/bizLocations/urn:epc:id:sgln:0614141.07346.1234/events", []),
            ]
            for (uri, expected) in cases {
                #expect(try await eventIDs(uri) == expected, "\(uri)")
            }
            let types = try await Self.get(client, "/eventTypes", token: issuer)
            #expect((try types.json["member"] as? [String])?.count == 5)
            #expect(try await Self.get(client, "/events/urn:uuid:0b6a5f0e-0000-4000-8000-000000000000", token: issuer).status == .notFound)

            // One event a page, oldest first, following Link; eventCountLimit holds across pages.
            for (first, expected) in [("/events?perPage=1", 3), ("/events?perPage=1&orderBy=recordTime&orderDirection=ASC&eventCountLimit=2", 2)] {
                var seen: [String] = []
                var uri: String? = first
                while let page = uri {
                    let response = try await Self.get(client, page, token: issuer)
                    seen += try Self.events(response).map { $0["eventID"]?.stringValue ?? "hash" }
                    #expect(seen.count <= expected)
                    uri = Self.next(response)
                    if uri != nil { #expect(response.headers[.init("GS1-Next-Page-Token-Expires")!] != nil) }
                }
                #expect(seen == Array([transformation, shipping, association].prefix(expected)), "\(first)")
            }
        }
    }

    @Test("hostile queries are refused with QueryParameterException and a stable code, never served")
    func hostileQueries() async throws {
        try await withLiveServer(configure: { $0.anchorInterval = nil }) { client, _, admin in
            let issuer = try await CredentialRoutesTests.token(client, role: "issuer", admin: admin)
            let reader = try await CredentialRoutesTests.token(client, role: "reader", admin: admin)
            let other = try await client.registerOperator("cellmaker", companyPrefixes: ["4068194"], admin: admin)
            _ = try await Self.capture(client, EPCISRoutesTests.document, token: issuer)
            let first = try await Self.get(client, "/events?perPage=1", token: issuer)
            let token = try #require(Self.next(first).flatMap { URLComponents(string: $0)?.queryItems?.first { $0.name == "nextPageToken" }?.value })
            let parts = token.split(separator: ".").map(String.init)
            var payload = try Base64URL.decode(parts[0])
            payload[payload.count / 2] ^= 1
            let forged = Base64URL.encode(payload) + "." + parts[1]
            let cases: [(String, String?, String)] = [
                ("/events?EQ_colour=red", issuer, "epcis_query_parameter_unknown"),
                ("/events?limit=5", issuer, "epcis_query_parameter_unknown"),
                ("/events?EQ_action=ADD&EQ_action=DELETE", issuer, "epcis_query_parameter_repeated"),
                ("/events?GE_eventTime=yesterday", issuer, "epcis_query_parameter_invalid"),
                ("/events?eventCountLimit=3", issuer, "epcis_query_parameter_invalid"),
                ("/events?orderBy=quantity", issuer, "epcis_query_parameter_invalid"),
                ("/events?perPage=100000000", issuer, "epcis_query_parameter_invalid"),
                ("/events?perPage=99999999999999999999999", issuer, "epcis_query_parameter_invalid"),
                ("/events?perPage=0", issuer, "epcis_query_parameter_invalid"),
                ("/events?perPage=-1", issuer, "epcis_query_parameter_invalid"),
                ("/events?nextPageToken=AAAA.BBBB", issuer, "epcis_page_token_invalid"),
                ("/events?nextPageToken=%00%FF", issuer, "epcis_page_token_invalid"),
                ("/events?perPage=1&nextPageToken=\(forged)", issuer, "epcis_page_token_invalid"),
                // A page token is the query's and the caller's: another query, another token's holder.
                ("/events?perPage=1&EQ_action=ADD&nextPageToken=\(token)", issuer, "epcis_page_token_invalid"),
                ("/events?perPage=1&nextPageToken=\(token)", reader, "epcis_page_token_invalid"),
                ("/events?perPage=1&nextPageToken=\(token)", other, "epcis_page_token_invalid"),
                ("/capture?nextPageToken=\(token)", issuer, "epcis_page_token_invalid"),
                ("/capture?perPage=5000", issuer, "epcis_query_parameter_invalid"),
                ("/capture?status=running", issuer, "epcis_query_parameter_unknown"),
                ("/eventTypes/PartyEvent/events", issuer, "epcis_query_parameter_invalid"),
                ("/bizSteps/shipping/events?EQ_bizStep=receiving", issuer, "epcis_query_parameter_repeated"),
            ]
            for (uri, caller, code) in cases {
                let response = try await Self.get(client, uri, token: caller)
                #expect(response.status == .badRequest, "\(uri)")
                #expect(try Self.problem(response) == ("epcisException:QueryParameterException", code), "\(uri)")
            }
            // The genuine token still works for its caller and query.
            #expect(try Self.events(try await Self.get(client, "/events?perPage=1&nextPageToken=\(token)", token: issuer)).count == 1)
        }
    }

    /// The stores a test runs on: SQLite, and PostgreSQL when `VOLTPASS_POSTGRES_URL` names a server.
    static let storeKinds = ["sqlite"] + (ProcessInfo.processInfo.environment["VOLTPASS_POSTGRES_URL"] == nil ? [] : ["postgresql"])

    /// `count` ObjectEvents a minute apart, every third one shipping and the others receiving.
    static func manyEvents(_ count: Int) -> String {
        let events = (0..<count).map { index in
            let time = XSDDateTime.format(Date(timeIntervalSince1970: 1_780_000_000 + Double(index) * 60))
            return #"{"type":"ObjectEvent","eventID":"urn:uuid:00000000-0000-4000-8000-\#(String(format: "%012d", index))","eventTime":"\#(time)","eventTimeZoneOffset":"+00:00","epcList":["urn:epc:id:sgtin:0614141.107346.S\#(index)"],"action":"OBSERVE","bizStep":"\#(index % 3 == 0 ? "shipping" : "receiving")"}"#
        }
        return #"{"@context":["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"],"type":"EPCISDocument","schemaVersion":"2.0","creationDate":"2026-03-01T09:00:00Z","epcisBody":{"eventList":[\#(events.joined(separator: ","))]}}"#
    }

    @Test("paging over 601 events (beyond one scan batch), dense and sparse, ascending and descending, meets every event once in order", arguments: storeKinds)
    func pagingOverManyEvents(_ storeKind: String) async throws {
        try await withLiveServer(maxBodySize: 1 << 22, storeKind: storeKind) { client, _, admin in
            let issuer = try await CredentialRoutesTests.token(client, role: "issuer", admin: admin)
            let count = 601
            let job = try await Self.job(client, try await Self.capture(client, Self.manyEvents(count), token: issuer), token: issuer)
            #expect((job["eventIDs"] as? [String])?.count == count)
            func walk(_ first: String) async throws -> (ids: [Int], pages: Int) {
                var ids: [Int] = []
                var pages = 0
                var uri: String? = first
                while let page = uri {
                    let response = try await Self.get(client, page, token: issuer)
                    ids += try Self.events(response).compactMap { $0["eventID"]?.stringValue.flatMap { Int($0.suffix(12)) } }
                    pages += 1
                    uri = Self.next(response)
                }
                return (ids, pages)
            }
            let all = Array(0..<count)
            let dense = try await walk("/events?perPage=250")
            #expect(dense.ids == all)
            #expect(dense.pages == 3)
            #expect(try await walk("/events?perPage=1000&orderBy=eventTime").ids == all.reversed())
            let shipping = all.filter { $0 % 3 == 0 }
            #expect(try await walk("/bizSteps/shipping/events?perPage=70").ids == shipping)
            #expect(try await walk("/events?EQ_bizStep=shipping&perPage=60&orderBy=recordTime&eventCountLimit=150").ids == Array(shipping.reversed().prefix(150)))
        }
    }

    // MARK: - Named queries

    static func post(_ client: LoopbackClient, _ uri: String, _ body: String, token: String?) async throws -> LoopbackResponse {
        try await client.execute(
            uri: base + uri, method: .post, headers: token.map { .bearer($0) } ?? [:], body: ByteBuffer(string: body))
    }

    @Test("named queries: created, listed, run with paging and the requester's visibility, deleted; refused with codes")
    func namedQueries() async throws {
        try await withLiveServer(configure: { $0.anchorInterval = nil }) { client, _, admin in
            let issuer = try await CredentialRoutesTests.token(client, role: "issuer", admin: admin)
            let reader = try await CredentialRoutesTests.token(client, role: "reader", admin: admin)
            let other = try await client.registerOperator("cellmaker", companyPrefixes: ["4068194"], admin: admin)
            _ = try await Self.capture(client, EPCISRoutesTests.document, token: issuer)
            let definition = #"{"name":"assembled-or-shipped","query":{"EQ_bizStep":["assembling","shipping"],"orderBy":"eventTime","orderDirection":"ASC","eventCountLimit":5}}"#
            let created = try await Self.post(client, "/queries", definition, token: issuer)
            #expect(created.status == .created)
            #expect(created.headers[.location] == "/epcis/2.0/queries/assembled-or-shipped")
            let again = try await Self.post(client, "/queries", definition, token: issuer)
            #expect(again.status == .conflict)
            #expect(try Self.problem(again) == ("epcisException:ResourceAlreadyExistsException", "epcis_query_exists"))

            let read = try await Self.get(client, "/queries/assembled-or-shipped", token: issuer)
            #expect(try read.json["name"] as? String == "assembled-or-shipped")
            #expect((try read.json["query"] as? [String: Any])?["EQ_bizStep"] as? [String] == ["assembling", "shipping"])
            let listed = try await Self.get(client, "/queries", token: reader)
            #expect((try JSONSerialization.jsonObject(with: Data(buffer: listed.body)) as? [[String: Any]])?.compactMap { $0["name"] as? String } == ["assembled-or-shipped"])

            // Run by a token of the same operators, a page at a time; the document names the query.
            var steps: [String] = []
            var uri: String? = "/queries/assembled-or-shipped/events?perPage=1"
            while let page = uri {
                let response = try await Self.get(client, page, token: reader)
                #expect(try Self.body(response)["epcisBody"]?["queryResults"]?["queryName"]?.stringValue == "assembled-or-shipped")
                steps += try Self.events(response).compactMap { $0["bizStep"]?.stringValue }
                uri = Self.next(response)
            }
            #expect(steps == ["shipping", "assembling"])
            let narrowed = try await Self.get(client, "/queries/assembled-or-shipped/events?EQ_action=ADD", token: issuer)
            #expect(try Self.problem(narrowed) == ("epcisException:QueryParameterException", "epcis_query_parameter_unknown"))

            // Another operator's token does not see the query (nor could it see the events).
            let foreign = try await Self.get(client, "/queries/assembled-or-shipped/events", token: other)
            #expect(foreign.status == .notFound)
            #expect(try Self.problem(foreign) == ("epcisException:NoSuchNameException", "epcis_query_not_found"))
            #expect(try await client.execute(uri: Self.base + "/queries/assembled-or-shipped", method: .delete, headers: .bearer(other)).status == .notFound)

            let refusals: [(String, HTTPResponse.Status, String)] = [
                (#"{"name":"bad name!","query":{}}"#, .badRequest, "epcis_query_name_invalid"),
                (#"{"name":"q","query":{"EQ_colour":["red"]}}"#, .badRequest, "epcis_query_parameter_unknown"),
                (#"{"name":"q","query":{"EQ_action":["MOVE"]}}"#, .badRequest, "epcis_query_parameter_invalid"),
                (#"{"name":"q","query":{"EQ_bizStep":[1]}}"#, .badRequest, "epcis_query_parameter_invalid"),
                (#"{"name":"q","query":{"perPage":5}}"#, .badRequest, "epcis_query_parameter_unknown"),
                (#"{"name":"q","query":"EQ_bizStep=shipping"}"#, .badRequest, "invalid_request"),
                (#"{"query":{}}"#, .badRequest, "invalid_request"),
            ]
            for (body, status, code) in refusals {
                let response = try await Self.post(client, "/queries", body, token: issuer)
                #expect(response.status == status, "\(body)")
                #expect(try Self.problem(response).code == code, "\(body)")
            }
            #expect(try await Self.post(client, "/queries", definition, token: nil).status == .unauthorized)
            #expect(try await Self.post(client, "/queries", definition, token: admin).status == .forbidden)

            #expect(try await client.execute(uri: Self.base + "/queries/assembled-or-shipped", method: .delete, headers: .bearer(issuer)).status == .noContent)
            #expect(try await Self.get(client, "/queries/assembled-or-shipped", token: issuer).status == .notFound)
        }
    }

    // MARK: - GS1's examples

    /// Every JSON example document of GS1's EPCIS repository, by its path under `epcis/examples`.
    static func examples() throws -> [(name: String, text: String)] {
        let root = try Vectors.url("epcis/examples")
        let files = FileManager.default.enumerator(at: root, includingPropertiesForKeys: nil)?.compactMap { $0 as? URL } ?? []
        return try files.filter { $0.pathExtension == "jsonld" }.map {
            (String($0.path.dropFirst(root.path.count + 1)), try String(contentsOf: $0, encoding: .utf8))
        }.sorted { $0.name < $1.name }
    }

    /// An event serialized without the `@context` a bare event carries (a document's events have none).
    static func withoutContext(_ event: JSONValue) -> [UInt8] {
        guard case .object(var members) = event else { return event.serialized() }
        members["@context"] = nil
        return JSONValue.object(members).serialized()
    }

    @Test(
        "every GS1 example the capture accepts goes through POST /capture and reads back, unchanged, by each of its dimensions",
        .enabled(if: Vectors.shouldRun, "the shared vectors are not found; set VOLTPASS_VECTORS"))
    func examplesRoundTrip() async throws {
        try await withLiveServer(maxBodySize: 1 << 22) { client, _, admin in
            let issuer = try await CredentialRoutesTests.token(client, role: "issuer", admin: admin)
            var refused: [String] = []
            for example in try Self.examples() {
                let accepted = try await Self.capture(client, example.text, token: issuer)
                // A document that is not JSON the parser takes (one example repeats a member) is refused on receipt.
                if accepted.status == .badRequest {
                    #expect(try Self.problem(accepted).type == "epcisException:ValidationException")
                    refused.append(example.name)
                    continue
                }
                let job = try await Self.job(client, accepted, token: issuer)
                guard job["success"] as? Bool == true else {
                    // Events the capture refuses are named in the job's errors.
                    #expect((job["errors"] as? [Any])?.isEmpty == false, "\(example.name)")
                    refused.append(example.name)
                    continue
                }
                let document = try JSONValue(parsing: Array(example.text.utf8))
                let sent = document["epcisBody"]?["eventList"]?.arrayValue
                    ?? document["epcisBody"]?["queryResults"]?["resultsBody"]?["eventList"]?.arrayValue ?? [document]
                let eventIDs = try #require(job["eventIDs"] as? [String])
                #expect(eventIDs.count == sent.count, "\(example.name)")
                for (event, eventID) in zip(sent, eventIDs) {
                    var resources = ["/events/\(Self.percentEncoded(eventID))", "/eventTypes/\(event["type"]?.stringValue ?? "")/events"]
                    let epcs = ["epcList", "childEPCs", "inputEPCList", "outputEPCList"].compactMap { event[$0]?.arrayValue?.first?.stringValue }
                        + [event["parentID"]?.stringValue].compactMap { $0 }
                    resources += epcs.prefix(1).map { "/epcs/\(Self.percentEncoded($0))/events" }
                    for (field, path) in [("bizStep", "bizSteps"), ("disposition", "dispositions")] {
                        if let value = event[field]?.stringValue { resources.append("/\(path)/\(Self.percentEncoded(value))/events") }
                    }
                    for (field, path) in [("bizLocation", "bizLocations"), ("readPoint", "readPoints")] {
                        if let value = event[field]?["id"]?.stringValue { resources.append("/\(path)/\(Self.percentEncoded(value))/events") }
                    }
                    for resource in resources {
                        let found = try Self.events(try await Self.get(client, resource + (resource.contains("?") ? "&" : "?") + "perPage=1000", token: issuer))
                        #expect(found.contains { Self.withoutContext($0) == Self.withoutContext(event) }, "\(example.name): \(resource)")
                    }
                }
            }
            #expect(refused == ["AssociationEvent/AssociationEvent-h.jsonld"], "only the example with a repeated member is refused")
        }
    }
}
