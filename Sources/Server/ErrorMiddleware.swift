import Encoding
import Hummingbird
import Logging
import Passport

/// Turns every error that escapes a route into an RFC 9457 problem document with a stable code.
/// Errors that are not the client's fault are logged and reported without internal detail.
struct ProblemMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            let (problem, headers, members) = Self.problem(for: error, logger: context.logger)
            return problem.response(headers: headers, members: members)
        }
    }

    /// The problem document for `error`, with the headers and extension members it comes with.
    static func problem(for error: any Error, logger: Logger) -> (ProblemDetails, HTTPFields, JSONObject) {
        switch error {
        case let error as APIError:
            var headers: HTTPFields = [:]
            if error.status == .unauthorized { headers[.wwwAuthenticate] = "Bearer realm=\"voltpass\"" }
            return (ProblemDetails(status: error.status, code: error.code, detail: error.message), headers, [:])
        case let error as AmbiguousIdentifier:
            return (
                ProblemDetails(status: ProblemStatus.status(forCode: error.code), code: error.code, detail: error.message), [:],
                ["candidates": .array(error.candidates.map(JSONValue.string))]
            )
        case let error as any CodedError:
            let status = ProblemStatus.status(forCode: error.code)
            guard status.code >= 500 else { return (ProblemDetails(status: status, code: error.code, detail: error.message), [:], [:]) }
            logger.error("request failed", metadata: ["code": "\(error.code)", "error": "\(error.message)"])
            // A fault of the server may name files, hosts or internals: the client gets the code only.
            let detail = ProblemStatus.retryable.contains(error.code) ? error.message : "the server could not complete the request (\(error.code))"
            return (ProblemDetails(status: status, code: error.code, detail: detail), [:], [:])
        case let error as HTTPError:
            let (code, detail) = Self.describe(error)
            return (ProblemDetails(status: error.status, code: code, detail: detail), [:], [:])
        default:
            logger.error("unexpected error", metadata: ["error": "\(String(reflecting: error))"])
            return (ProblemDetails(status: .internalServerError, code: "internal_error", detail: "an internal error occurred"), [:], [:])
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

/// The HTTP status of each domain error code: the one table that decides it.
enum ProblemStatus {
    /// Server-side codes whose message only says what to retry, so it is shown to the client.
    static let retryable: Set<String> = ["node_missing", "trie_busy", "status_unreachable", "ledger_busy", "chain_unreachable", "chain_in_doubt"]

    /// The status for `code`; input errors are 400 unless listed here.
    static func status(forCode code: String) -> HTTPResponse.Status {
        byCode[code] ?? .badRequest
    }

    private static let byCode: [String: HTTPResponse.Status] = {
        let groups: [(HTTPResponse.Status, [String])] = [
            (.notFound, [
                "notFound", "not_found", "status_list_not_found", "credential_not_found", "device_not_found", "operator_not_found",
                "leaf_not_found", "token_not_found", "product_passport_not_published", "traceability_events_not_published", "link_type_not_found",
            ]),
            (.conflict, [
                "credential_exists", "status_list_exists", "status_list_full", "operator_exists", "device_exists",
                "ownership_conflict", "bms_key_conflict", "recall_exists", "root_conflict", "incorporation_conflict", "incorporation_busy",
                "idempotency_key_exists", "ambiguous_identifier", "company_prefix_taken", "checkpoint_conflict", "anchor_unchanged",
                "epcis_query_exists",
            ]),
            (.unprocessableContent, ["status_update_invalid", "range_error", "transition_not_allowed", "traceability_events_none"]),
            // A signed reading refused by a hard gate or by the ledger's commitment rules.
            (.unprocessableContent, [
                "signature_invalid", "battery_mismatch", "challenge_mismatch", "stale_challenge", "counter_not_increasing",
                "soh_increased", "cycles_decreased", "commitment_not_found", "commitment_consumed", "commitment_owner_mismatch",
                "commitment_battery_mismatch", "submitter_signature_invalid", "reader_signature_invalid", "battery_not_in_service",
                "reading_malformed", "reading_unsupported_version", "reading_missing_field", "reading_unknown_field",
                "reading_invalid_field", "reading_out_of_range", "reading_detached_payload", "cose_malformed", "cose_unexpected_tag",
                "cose_missing_algorithm", "cose_unsupported_algorithm", "cose_critical_header_unknown",
            ]),
            (.forbidden, ["actor_not_authorized", "operator_forbidden", "gtin_not_owned"]),
            (.contentTooLarge, ["epcis_too_many_events", "body_too_large"]),
            // The HTTP edge: a body that stopped arriving, a client over its rate limit.
            (.requestTimeout, ["request_timeout"]),
            (.tooManyRequests, ["rate_limited"]),
            (.badGateway, ["networkError", "documentTooLarge"]),
            // A trie that kept moving under a read: the read may simply be tried again.
            // A status list whose latest change is being signed: asked again, it is there.
            (.serviceUnavailable, ["storage_unavailable", "node_missing", "trie_busy", "status_unreachable"]),
            (.internalServerError, ["storage_corrupt", "schema_too_new", "internal_error", "node_corrupt"]),
            // The ledger: other instances kept appending first, or it is closing (shutdown); its own faults.
            (.serviceUnavailable, ["ledger_busy", "ledger_closed"]),
            (.internalServerError, [
                "ledger_corrupt", "ledger_io", "journal_corrupt", "slot_regression", "clock_before_genesis", "genesis_mismatch",
            ]),
            // The ledger on Cardano: the chain backend silent or a submission not yet settled (retry), the
            // service's address out of ada (the operator funds it), the chain refusing what was built.
            (.serviceUnavailable, ["chain_unreachable", "chain_in_doubt", "wallet_insufficient", "ledger_diverged"]),
            (.badGateway, ["chain_rejected", "chain_response_invalid", "chain_script_failed"]),
            (.unprocessableContent, ["amount_below_minimum", "reward_below_minimum", "pool_rest_below_minimum"]),
            (.internalServerError, ["transaction_too_large", "batch_unsupported"]),
            // The instance's own keys: a damaged key file or an HSM problem is never the client's fault.
            (.serviceUnavailable, ["hsm_unavailable"]),
            (.internalServerError, [
                "keyFileUnavailable", "invalidKeyFile", "hsm_login_failed", "hsm_key_not_found", "hsm_key_ambiguous",
                "hsm_key_unsupported", "hsm_not_configured", "pkcs11_uri_invalid", "hsm_error",
            ]),
        ]
        return Dictionary(groups.flatMap { status, codes in codes.map { ($0, status) } }, uniquingKeysWith: { first, _ in first })
    }()
}
