import Crypto
import Encoding
import Foundation
import HTTPTypes
import Hummingbird
import Passport
import Storage

/// Safe re-sends of writes: the `Idempotency-Key` request header (IETF httpapi draft
/// "The Idempotency-Key HTTP Header Field"). A write that succeeds records its response under the
/// caller's key in the same transaction as its changes; a re-send with the same key and the same
/// request gets that response again (marked `Idempotency-Replayed: true`) and changes nothing. The
/// same key with another request is refused with 422 `idempotency_key_mismatch`, and while the first
/// request runs on this instance a second one gets 409 `idempotency_key_in_flight`. A write that fails
/// records nothing, so its re-send runs it again. Keys are kept per caller (the bearer token).
struct IdempotencyKeys: Sendable {
    let store: any ChangeSetRepository
    let now: @Sendable () -> Date
    private let inFlight = KeysInFlight()

    init(store: any ChangeSetRepository, now: @escaping @Sendable () -> Date) {
        self.store = store
        self.now = now
    }

    static let header = HTTPField.Name("Idempotency-Key")!
    static let replayedHeader = HTTPField.Name("Idempotency-Replayed")!

    /// Runs the write `operation` for `request` (whose parsed JSON body is `body`), answering with
    /// `status` and `json(output)`, under the request's idempotency key when it carries one. `headers`
    /// adds response headers derived from the JSON answered (a `Location`), to a replay too.
    func run<Output: Sendable>(
        _ request: Request, context: VoltpassRequestContext, body: JSONValue, status: HTTPResponse.Status,
        json: @escaping @Sendable (Output) -> JSONValue, headers: @escaping @Sendable (JSONValue) -> HTTPFields = { _ in [:] },
        _ operation: (IdempotentWrite<Output>?) async throws -> Output
    ) async throws -> Response {
        let respond = { (answer: JSONValue) -> Response in
            var response = Response.json(answer, status: status)
            response.headers.append(contentsOf: headers(answer))
            return response
        }
        guard let raw = request.headers[Self.header] else {
            return respond(json(try await operation(nil)))
        }
        let key = try Self.key(raw)
        let scope = context.token?.id ?? "public"
        let fingerprint = Self.fingerprint(request, body: body)
        if let recorded = try await store.recordedResponse(scope: scope, key: key) {
            return try Self.replay(recorded, fingerprint: fingerprint, headers: headers)
        }
        guard await inFlight.claim(scope, key) else {
            throw APIError(.conflict, code: "idempotency_key_in_flight", "a request with this Idempotency-Key is still running; retry later")
        }
        do {
            let write = IdempotentWrite<Output>(scope: scope, key: key, fingerprint: fingerprint) { output in
                .init(status: Int(status.code), contentType: "application/json", body: json(output).serialized())
            }
            let output = try await operation(write)
            await inFlight.release(scope, key)
            return respond(json(output))
        } catch {
            await inFlight.release(scope, key)
            // Another instance ran the same key meanwhile (this one then finds the key taken, or the
            // devices it provisioned already there): answer as a re-send.
            guard let recorded = try await store.recordedResponse(scope: scope, key: key) else { throw error }
            return try Self.replay(recorded, fingerprint: fingerprint, headers: headers)
        }
    }

    /// ``run(_:context:body:status:json:_:)`` for a write outside the database's unit of work (a
    /// ledger transaction, an operator or token record): its JSON response is recorded once the write
    /// succeeded, so only a crash between the two lets a re-send run it again. The members named in
    /// `withheld` (secrets shown once) are left out of the recorded response, and so out of a replay.
    func runThenRecord(
        _ request: Request, context: VoltpassRequestContext, body: JSONValue, status: HTTPResponse.Status, withheld: [String] = [],
        _ operation: () async throws -> JSONValue
    ) async throws -> Response {
        try await run(request, context: context, body: body, status: status, json: { $0 }) { write in
            let output = try await operation()
            guard let write else { return output }
            var recorded = output
            if case .object(var members) = output {
                for name in withheld { members[name] = nil }
                recorded = .object(members)
            }
            var changes = ChangeSet()
            changes.keep(try write.response(for: recorded, at: now()))
            try await store.commit(changes)
            return output
        }
    }

    private static func replay(
        _ recorded: RecordedResponse, fingerprint: [UInt8], headers derived: (JSONValue) -> HTTPFields
    ) throws -> Response {
        guard recorded.fingerprint == fingerprint else {
            throw APIError(
                .unprocessableContent, code: "idempotency_key_mismatch",
                "this Idempotency-Key was used for another request; use a new key for a new request")
        }
        var headers: HTTPFields = [.contentType: recorded.contentType]
        headers[replayedHeader] = "true"
        if let answer = try? JSONValue(parsing: recorded.body) { headers.append(contentsOf: derived(answer)) }
        return .bytes(recorded.body, status: HTTPResponse.Status(code: recorded.status), headers: headers)
    }

    /// The key: a Structured Fields string (`"…"`) or, as many clients send it, the bare text; 1 to
    /// 255 printable ASCII characters.
    static func key(_ raw: String) throws -> String {
        var key = raw.trimmingCharacters(in: .whitespaces)
        if key.count >= 2, key.hasPrefix("\""), key.hasSuffix("\"") { key = String(key.dropFirst().dropLast()) }
        guard (1...255).contains(key.utf8.count), key.utf8.allSatisfy({ (0x20...0x7E).contains($0) && $0 != 0x22 && $0 != 0x5C })
        else {
            throw APIError(.badRequest, code: "invalid_idempotency_key", "the Idempotency-Key must be 1 to 255 printable ASCII characters")
        }
        return key
    }

    /// SHA-256 of method, path and the body in canonical JSON (RFC 8785): the same request, however
    /// its JSON is spaced or ordered, has the same fingerprint.
    static func fingerprint(_ request: Request, body: JSONValue) -> [UInt8] {
        var bytes = Array("\(request.method.rawValue) \(request.uri.path)\n".utf8)
        bytes += (try? JCS.canonicalize(body)) ?? body.serialized()
        return Array(SHA256.hash(data: bytes))
    }
}

/// The keys whose first request is running on this instance.
private actor KeysInFlight {
    private var running: Set<[String]> = []

    func claim(_ scope: String, _ key: String) -> Bool { running.insert([scope, key]).inserted }

    func release(_ scope: String, _ key: String) { running.remove([scope, key]) }
}
