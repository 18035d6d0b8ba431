import Crypto
import Encoding
import Foundation
import HTTPTypes
import Hummingbird
import Identity

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

/// Requires `Authorization: Bearer <token>` naming a live token whose role is one of `roles`.
/// Missing or unknown tokens get 401, a token without the role gets 403.
struct RequireRole: RouterMiddleware {
    typealias Context = VoltpassRequestContext
    let roles: Set<AccessRole>
    let tokens: any AccessTokenRepository

    init(_ roles: AccessRole..., tokens: any AccessTokenRepository) {
        self.roles = Set(roles).union([.admin])
        self.tokens = tokens
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let header = request.headers[.authorization] else {
            throw APIError.unauthorized("this endpoint requires a bearer token")
        }
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else {
            throw APIError.unauthorized("the Authorization header must be 'Bearer <token>'")
        }
        let secret = parts[1].trimmingCharacters(in: .whitespaces)
        guard let token = try await tokens.token(secretHash: BearerToken.hash(secret)), token.revokedAt == nil else {
            throw APIError.unauthorized("the bearer token is unknown or revoked")
        }
        guard roles.contains(token.role) else {
            throw APIError.forbidden("this endpoint requires one of the roles \(roles.map(\.rawValue).sorted())")
        }
        var context = context
        context.token = token
        return try await next(request, context)
    }
}
