import Foundation
import HTTPTypes
import Hummingbird
import Identity
import NIOCore

/// Answers `429 rate_limited` with `Retry-After` (seconds) to a client over its `ClientRateLimiter`
/// budget; other requests go on.
struct RateLimitMiddleware: RouterMiddleware {
    typealias Context = VoltpassRequestContext

    let limiter: ClientRateLimiter
    let clients: ClientIdentification

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        switch limiter.admit(clients.key(for: request, peer: context.remoteAddress)) {
        case .admitted:
            return try await next(request, context)
        case .limited(let retryAfter):
            return Self.tooManyRequests(retryAfter: retryAfter, "too many requests from this client")
        }
    }

    /// `429 rate_limited` with `Retry-After` in whole seconds.
    static func tooManyRequests(retryAfter: Duration, _ reason: String) -> Response {
        let seconds = max(1, Int((Double(retryAfter.components.seconds) + Double(retryAfter.components.attoseconds) / 1e18).rounded(.up)))
        return ProblemDetails(
            status: ProblemStatus.status(forCode: "rate_limited"), code: "rate_limited", detail: "\(reason); try again in \(seconds) s"
        ).response(headers: [.retryAfter: String(seconds)])
    }
}

/// Who a request comes from, for per-client limits: the address of the connection's peer; when that
/// peer is a trusted proxy, the nearest address in `X-Forwarded-For` that is not one. IPv6 clients are
/// keyed by their /64 network (one subscriber's usual allocation), IPv4 clients by their address.
public struct ClientIdentification: Sendable {
    /// Proxies whose `X-Forwarded-For` is believed; none by default, so the header is ignored.
    public let trustedProxies: [AddressRange]

    public init(trustedProxies: [AddressRange] = []) {
        self.trustedProxies = trustedProxies
    }

    private static let forwardedFor = HTTPField.Name("X-Forwarded-For")!  // a valid token

    /// The client key of a request that came from `peer`.
    public func key(for request: Request, peer: SocketAddress?) -> String {
        guard let text = peer?.ipAddress, var address = IPAddress(text) else { return "unknown" }
        if isTrusted(address) {
            let hops = request.headers[values: Self.forwardedFor].flatMap { $0.split(separator: ",") }
            for hop in hops.reversed() {
                guard let forwarded = IPAddress(hop.trimmingCharacters(in: .whitespaces)) else { break }
                address = forwarded
                if !isTrusted(forwarded) { break }
            }
        }
        let client = address.unmapped
        return client.isIPv4 ? client.description : AddressRange("\(client)/64")?.description ?? client.description
    }

    private func isTrusted(_ address: IPAddress) -> Bool {
        trustedProxies.contains { $0.contains(address) }
    }
}
