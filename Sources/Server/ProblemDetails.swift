import Encoding
import Foundation
import HTTPTypes
import Hummingbird

/// An RFC 9457 problem details document, with the stable machine `code` every Voltpass error carries.
public struct ProblemDetails: Sendable, Equatable, Codable {
    /// A URI naming the problem type: a VC Data Model, Data Integrity or Bitstring Status List error
    /// type where one applies (`https://www.w3.org/TR/vc-data-model#PARSING_ERROR`), otherwise
    /// `https://voltpass.dev/problems/<code>` (see `ProblemType`).
    public var type: String
    /// The standard error name of the type (`PARSING_ERROR`), otherwise the status's reason phrase.
    public var title: String
    public var status: Int
    public var detail: String
    /// The stable error code, e.g. `unauthorized`, `json_syntax`, `methodNotSupported`.
    public var code: String

    public init(status: HTTPResponse.Status, code: String, detail: String) {
        let type = ProblemType(code: code)
        self.type = type.uri
        self.title = type.standardName ?? status.reasonPhrase
        self.status = status.code
        self.detail = detail
        self.code = code
    }

    /// The media type of problem documents.
    public static let mediaType = "application/problem+json"

    /// The document as a response, with `members` added (RFC 9457 extension members).
    public func response(headers extra: HTTPFields = [:], members: JSONObject = [:]) -> Response {
        var object: JSONObject = [
            "type": .string(type), "title": .string(title), "status": .number(Double(status)),
            "detail": .string(detail), "code": .string(code),
        ]
        for (key, value) in zip(members.keys, members.values) where !object.contains(key) { object[key] = value }
        var headers = extra
        headers[.contentType] = Self.mediaType
        return Response.bytes(JSONValue.object(object).serialized(), status: .init(code: status), headers: headers)
    }
}

/// An error raised by the HTTP layer itself, with its status and code.
public struct APIError: CodedError, HTTPResponseError {
    public let status: HTTPResponse.Status
    public let code: String
    public let message: String

    public init(_ status: HTTPResponse.Status, code: String, _ message: String) {
        self.status = status
        self.code = code
        self.message = message
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var headers: HTTPFields = [:]
        if status == .unauthorized { headers[.wwwAuthenticate] = "Bearer realm=\"voltpass\"" }
        return ProblemDetails(status: status, code: code, detail: message).response(headers: headers)
    }

    static func unauthorized(_ message: String) -> APIError { APIError(.unauthorized, code: "unauthorized", message) }
    static func forbidden(_ message: String) -> APIError { APIError(.forbidden, code: "forbidden", message) }
    static func notFound(_ message: String) -> APIError { APIError(.notFound, code: "not_found", message) }
    static func bodyTooLarge(limit: Int) -> APIError {
        APIError(.contentTooLarge, code: "body_too_large", "the request body exceeds the limit of \(limit) bytes")
    }
}

extension Response {
    /// A response carrying raw bytes with a content type.
    static func bytes(_ bytes: [UInt8], status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) -> Response {
        var headers = headers
        headers[.contentLength] = String(bytes.count)
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    /// A JSON response in the given media type (default `application/json`).
    static func json(
        _ value: JSONValue, status: HTTPResponse.Status = .ok, mediaType: String = "application/json"
    ) -> Response {
        bytes(value.serialized(), status: status, headers: [.contentType: mediaType])
    }
}
