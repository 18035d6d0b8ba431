import Credentials
import EPCIS
import Encoding
import Foundation
import Hummingbird
import Identity
import Passport
import Storage

/// Captures EPCIS documents (`POST /epcis/capture`): every event validated, signed by the operator
/// as a VSC credential with a revocation entry, linked to the latest earlier credential about each
/// item (stored or in the same document), and all of them stored in one transaction.
public struct EPCISCaptureService: Sendable {
    let store: any VoltpassStore
    let operatorKeys: OperatorKeys
    let statusLists: EventStatusLists
    let now: @Sendable () -> Date

    /// A capture signed and ready to commit: the issued credentials and what the store keeps of them.
    public struct Prepared: Sendable {
        public let issued: [IssuedEvent]
        public let stored: [(record: EventRecord, credential: StoredCredential)]
    }

    /// Captures `document` in one transaction; a document that is not valid EPCIS throws
    /// `CaptureRefused` (every violation named), one without events `epcis_empty_document`.
    public func capture(_ document: JSONValue, idempotency: IdempotentWrite<[IssuedEvent]>? = nil) async throws -> [IssuedEvent] {
        let prepared = try await prepare(document)
        var changes = ChangeSet()
        changes.events = prepared.stored
        changes.response = try idempotency?.response(for: prepared.issued, at: now())
        try await store.commit(changes)
        return prepared.issued
    }

    /// Validates and signs `document`'s events, linked to the latest stored credential about each
    /// item, without storing anything (the caller commits ``Prepared/stored`` with its other changes).
    public func prepare(_ document: JSONValue) async throws -> Prepared {
        let events: [JSONObject]
        let context: [JSONValue]
        do {
            (events, context) = try EventCredentialIssuer.events(of: document)
        } catch {
            throw CaptureRefused(error)
        }
        guard !events.isEmpty else {
            throw APIError(.badRequest, code: "epcis_empty_document", "the document has no events to capture")
        }
        let (methodID, signer) = try await operatorKeys.currentSigner()
        let issuer = EventCredentialIssuer(issuer: try CredentialIssuer(signer: signer, verificationMethod: methodID, now: now))
        let known = try await store.latestCredentials(mentioning: EventCredentialIssuer.identifiers(of: events))
        let statuses = try await statusLists.entries(events.count)
        let issued = try await issuer.issue(events, context: context, known: known, statuses: statuses)
        let issuedAt = now()
        let stored = issued.map { event in
            (
                record: event.record,
                credential: StoredCredential(
                    id: event.record.credentialID, issuer: issuer.issuer.did, types: event.credential.types,
                    subject: event.record.eventID, issuedAt: issuedAt, document: JSONValue.object(event.credential.json).serialized())
            )
        }
        return Prepared(issued: issued, stored: stored)
    }
}

/// A capture refused because the document is not valid EPCIS: a 400 problem document whose
/// `violations` name each event and member.
public struct CaptureRefused: Error {
    /// The violations, each naming its event and member.
    public let error: EPCISValidationError

    init(_ error: EPCISValidationError) {
        self.error = error
    }

    func response() -> Response {
        let problem = ProblemDetails(status: .badRequest, code: error.code, detail: error.message)
        var object: JSONObject = [
            "type": .string(problem.type), "title": .string(problem.title), "status": .number(Double(problem.status)),
            "detail": .string(problem.detail), "code": .string(problem.code),
        ]
        object["violations"] = .array(
            error.violations.map { violation in
                var item: JSONObject = [
                    "code": .string(violation.code), "pointer": .string(violation.pointer), "message": .string(violation.message),
                ]
                if let index = violation.eventIndex { item["eventIndex"] = .number(Double(index)) }
                return .object(item)
            })
        return .json(.object(object), status: .badRequest, mediaType: ProblemDetails.mediaType)
    }
}

/// The revocation lists of captured event credentials, `epcis-1`, `epcis-2`, …: created when first
/// needed, the next one begun when one is full.
actor EventStatusLists {
    private let lists: OperatorStatusLists
    private let prefix: String
    private var number = 1

    /// Lists named `<prefix>-1`, `<prefix>-2`, …
    init(lists: OperatorStatusLists, prefix: String = "epcis") {
        self.lists = lists
        self.prefix = prefix
    }

    /// `count` unused revocation entries, as `credentialStatus` values.
    func entries(_ count: Int) async throws -> [JSONValue] {
        guard count <= StatusListBitstring.minimumEntryCount else {
            throw APIError(
                .contentTooLarge, code: "epcis_too_many_events",
                "one capture takes at most \(StatusListBitstring.minimumEntryCount) events")
        }
        let service = try await lists.service()
        while true {
            let id = "\(prefix)-\(number)"
            do {
                return try await service.allocateEntries(listID: id, count: count).map { .object($0.json) }
            } catch let error as StatusListError where error.kind == .statusListNotFound {
                do {
                    _ = try await service.createList(id: id, purpose: .revocation)
                } catch let error as StatusListError where error.kind == .statusListExists {
                    continue
                }
            } catch let error as StatusListError where error.kind == .statusListFull {
                number += 1
            }
        }
    }
}
