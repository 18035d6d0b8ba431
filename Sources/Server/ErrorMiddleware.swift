import Encoding
import Hummingbird
import Logging

/// Turns every error that escapes a route into an RFC 9457 problem document with a stable code.
/// Errors that are not the client's fault are logged and reported without internal detail.
struct ProblemMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as APIError {
            return try error.response(from: request, context: context)
        } catch let error as any CodedError {
            let status = Self.status(forCode: error.code)
            if status.code >= 500 {
                context.logger.error("request failed", metadata: ["code": "\(error.code)", "error": "\(error.message)"])
            }
            return ProblemDetails(status: status, code: error.code, detail: error.message).response()
        } catch let error as HTTPError {
            let (code, detail) = Self.describe(error)
            return ProblemDetails(status: error.status, code: code, detail: detail).response()
        } catch {
            context.logger.error("unexpected error", metadata: ["error": "\(String(reflecting: error))"])
            return ProblemDetails(status: .internalServerError, code: "internal_error", detail: "an internal error occurred")
                .response()
        }
    }

    /// The HTTP status for a domain error code; input errors are 400 unless listed here.
    static func status(forCode code: String) -> HTTPResponse.Status {
        switch code {
        case "notFound", "not_found", "status_list_not_found", "credential_not_found", "device_not_found", "operator_not_found",
            "leaf_not_found":
            .notFound
        case "credential_exists", "status_list_exists", "status_list_full", "operator_exists", "device_exists",
            "ownership_conflict", "bms_key_conflict", "recall_exists", "root_conflict":
            .conflict
        case "status_update_invalid", "range_error", "transition_not_allowed": .unprocessableContent
        // A signed reading refused by a hard gate or by the ledger's commitment rules.
        case "signature_invalid", "battery_mismatch", "challenge_mismatch", "stale_challenge", "counter_not_increasing",
            "soh_increased", "cycles_decreased", "commitment_not_found", "commitment_consumed", "commitment_owner_mismatch",
            "commitment_battery_mismatch", "submitter_signature_invalid", "reader_signature_invalid", "battery_not_in_service",
            "reading_malformed", "reading_unsupported_version", "reading_missing_field", "reading_unknown_field",
            "reading_invalid_field", "reading_out_of_range", "reading_detached_payload", "cose_malformed", "cose_unexpected_tag",
            "cose_missing_algorithm", "cose_unsupported_algorithm", "cose_critical_header_unknown":
            .unprocessableContent
        case "actor_not_authorized": .forbidden
        case "resolutionTimeout": .gatewayTimeout
        case "networkError", "documentTooLarge": .badGateway
        case "storage_unavailable": .serviceUnavailable
        case "storage_corrupt", "schema_too_new", "internal_error": .internalServerError
        default: .badRequest
        }
    }

    /// Codes for the errors Hummingbird raises itself (unknown route, body too large, ...).
    static func describe(_ error: HTTPError) -> (code: String, detail: String) {
        switch error.status {
        case .notFound: ("not_found", error.body ?? "no such resource")
        case .methodNotAllowed: ("method_not_allowed", error.body ?? "method not allowed on this resource")
        case .contentTooLarge: ("body_too_large", error.body ?? "the request body is too large")
        case .unsupportedMediaType: ("unsupported_media_type", error.body ?? "unsupported media type")
        default: ("http_\(error.status.code)", error.body ?? error.status.reasonPhrase)
        }
    }
}
