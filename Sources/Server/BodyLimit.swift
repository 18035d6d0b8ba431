import Encoding
import HTTPTypes
import Hummingbird
import NIOCore

/// Rejects requests whose declared body is larger than the limit before any of it is read; bodies
/// without a declared length (chunked) are bounded when they are collected (`Request.jsonBody`).
/// Either way the answer is `413 body_too_large`, and the connection closes after it (`ConnectionGuard`).
struct BodyLimitMiddleware<Context: RequestContext>: RouterMiddleware {
    let limit: Int

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if let declared = request.headers[.contentLength].flatMap(Int.init), declared > limit {
            throw APIError.bodyTooLarge(limit: limit)
        }
        return try await next(request, context)
    }
}

extension Request {
    /// Collects at most `limit` bytes of the body and parses them strictly as JSON.
    func jsonBody(limit: Int) async throws -> JSONValue {
        var request = self
        let buffer: ByteBuffer
        do {
            buffer = try await request.collectBody(upTo: limit)
        } catch is NIOTooManyBytesError {
            throw APIError.bodyTooLarge(limit: limit)
        }
        return try JSONValue(parsing: Array(buffer.readableBytesView))
    }
}
