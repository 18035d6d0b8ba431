import EPCIS
import Encoding
import Foundation
import Hummingbird
import Passport

extension EventCapture {
    /// Prepares `document` (see ``EventCapture/prepare(_:)``) and commits its events, with the
    /// response kept under its idempotency key, in one transaction.
    public func capture(
        _ document: JSONValue, into store: any ChangeSetRepository, idempotency: IdempotentWrite<[IssuedEvent]>? = nil, at date: Date
    ) async throws -> [IssuedEvent] {
        let prepared = try await prepare(document)
        var changes = ChangeSet()
        changes.events = prepared.stored
        changes.masterData = prepared.masterData
        changes.keep(try idempotency?.response(for: prepared.issued, at: date))
        try await store.commit(changes)
        return prepared.issued
    }
}

extension EPCISValidationError {
    /// A capture refused because the document is not valid EPCIS: a 400 problem document whose
    /// `violations` name each event and member.
    func problemResponse() -> Response {
        let problem = ProblemDetails(status: .badRequest, code: code, detail: message)
        var object: JSONObject = [
            "type": .string(problem.type), "title": .string(problem.title), "status": .number(Double(problem.status)),
            "detail": .string(problem.detail), "code": .string(problem.code),
        ]
        object["violations"] = .array(
            violations.map { violation in
                var item: JSONObject = [
                    "code": .string(violation.code), "pointer": .string(violation.pointer), "message": .string(violation.message),
                ]
                if let index = violation.eventIndex { item["eventIndex"] = .number(Double(index)) }
                return .object(item)
            })
        return .json(.object(object), status: .badRequest, mediaType: ProblemDetails.mediaType)
    }
}
