import Crypto
import Encoding
import Foundation
import HTTPTypes
import Hummingbird
import Identity
import Logging
import Synchronization

/// Bearer tokens: a random secret is handed out once; only its SHA-256 is stored.
public enum BearerToken {
    /// The prefix that makes Voltpass tokens easy to recognize in logs and secret scanners.
    public static let prefix = "vpt_"

    /// A new random token secret (256 bits).
    public static func generateSecret() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        return prefix + Base64URL.encode(bytes)
    }

    /// The stored form of a secret: lowercase hex SHA-256.
    public static func hash(_ secret: String) -> String {
        Hex.encode(Array(SHA256.hash(data: Array(secret.utf8))))
    }
}

/// Requires `Authorization: Bearer <token>` naming a live token (not revoked, not expired) whose role
/// is one of `roles`; roles do not nest, so an admin token opens only admin routes. Missing, unknown,
/// revoked or expired tokens get 401, a token without the role gets 403. Each write that passes is
/// logged (`audit=write`) with the token, the operator it acted for and the resource.
struct RequireRole: RouterMiddleware {
    typealias Context = VoltpassRequestContext
    let roles: Set<AccessRole>
    let tokens: any AccessTokenRepository
    let failures: FailedAuthentications
    let now: @Sendable () -> Date

    init(_ roles: AccessRole..., tokens: any AccessTokenRepository, failures: FailedAuthentications, now: @escaping @Sendable () -> Date) {
        self.roles = Set(roles)
        self.tokens = tokens
        self.failures = failures
        self.now = now
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let token: AccessTokenRecord
        switch try await BearerAuthentication(tokens: tokens, failures: failures, now: now).authenticate(request, context: context) {
        case .limited(let response): return response
        case .absent: throw APIError.unauthorized("this endpoint requires a bearer token")
        case .token(let live): token = live
        }
        guard roles.contains(token.role) else {
            throw APIError.forbidden("this endpoint requires one of the roles \(roles.map(\.rawValue).sorted())")
        }
        var context = context
        context.token = token
        let response: Response
        do {
            response = try await next(request, context)
        } catch {
            context.logger.notice("write refused", metadata: auditMetadata(token, request, context, outcome: "\(error)"))
            throw error
        }
        context.logger.notice("write", metadata: auditMetadata(token, request, context, outcome: "\(response.status.code)"))
        return response
    }

    private func auditMetadata(_ token: AccessTokenRecord, _ request: Request, _ context: Context, outcome: String) -> Logger.Metadata {
        [
            "audit": "write", "token": .string(token.id), "role": .string(token.role.rawValue),
            "operator": .string(context.actingFor.operator ?? "-"), "method": .string(request.method.rawValue),
            "resource": .string(request.uri.path), "outcome": .string(outcome),
        ]
    }
}

/// Reads the bearer token of a request: absent, live, or refused with 401 (counted against the
/// client's budget of failures); a client over its budget gets 429 whatever it sends, so guessing
/// learns nothing.
struct BearerAuthentication {
    let tokens: any AccessTokenRepository
    let failures: FailedAuthentications
    let now: @Sendable () -> Date

    enum Outcome {
        case absent
        case token(AccessTokenRecord)
        case limited(Response)
    }

    func authenticate(_ request: Request, context: VoltpassRequestContext) async throws -> Outcome {
        let client = failures.clients.key(for: request, peer: context.remoteAddress)
        if case .limited(let retryAfter) = failures.limiter.check(client) {
            return .limited(RateLimitMiddleware.tooManyRequests(retryAfter: retryAfter, "too many failed authentications from this client"))
        }
        guard let header = request.headers[.authorization] else { return .absent }
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else {
            _ = failures.limiter.admit(client)
            throw APIError.unauthorized("the Authorization header must be 'Bearer <token>'")
        }
        let hash = BearerToken.hash(parts[1].trimmingCharacters(in: .whitespaces))
        guard let token = try await tokens.token(secretHash: hash), BearerToken.equal(token.secretHash, hash), token.isLive(at: now()) else {
            _ = failures.limiter.admit(client)
            throw APIError.unauthorized("the bearer token is unknown, revoked or expired")
        }
        return .token(token)
    }
}

/// How route groups check bearer tokens: the token store, the clock, and the budget of failed
/// authentications shared by every group.
struct Authenticator: Sendable {
    let tokens: any AccessTokenRepository
    let failures: FailedAuthentications
    let now: @Sendable () -> Date

    /// The middleware that requires a live token with `role`.
    func require(_ role: AccessRole) -> RequireRole {
        RequireRole(role, tokens: tokens, failures: failures, now: now)
    }

    /// Reads a bearer token where one is optional (public routes that show more to an operator).
    var optional: BearerAuthentication { BearerAuthentication(tokens: tokens, failures: failures, now: now) }
}

/// The failed authentications each client may make (by default 20 at once, then 10 a minute). A
/// client over it gets `429 rate_limited` for every authenticated request until its budget refills.
struct FailedAuthentications: Sendable {
    let limiter: ClientRateLimiter
    let clients: ClientIdentification

    init(clients: ClientIdentification, limit: RateLimit) {
        self.limiter = ClientRateLimiter(limit)
        self.clients = clients
    }
}

extension BearerToken {
    /// Compares two token hashes in time independent of where they differ.
    static func equal(_ left: String, _ right: String) -> Bool {
        let (a, b) = (Array(left.utf8), Array(right.utf8))
        guard a.count == b.count else { return false }
        return zip(a, b).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
    }
}

extension VoltpassRequestContext {
    /// Checks that the request's token acts for the operator with DID `did` (403 `operator_forbidden`
    /// otherwise) and records it as the operator of the audit line.
    func authorize(operator did: String) throws {
        guard let token, token.actsFor(did) else {
            throw APIError(.forbidden, code: "operator_forbidden", "this token does not act for \(did)")
        }
        actingFor.record(did)
    }
}
