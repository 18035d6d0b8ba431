import Credentials
import Encoding
import Foundation
import Identity

/// Captures EPCIS documents as VSC event credentials: every event validated, signed by the operator
/// as a credential with a revocation entry, and linked to the latest earlier credential about each
/// item (stored, or in the same document). It signs only: the caller commits ``Prepared/stored``
/// with the rest of its unit of work, so a capture is stored whole or not at all.
public struct EventCapture: Sendable {
    let events: any EPCISEventRepository
    let operatorKeys: OperatorKeys
    let statusLists: EventStatusLists
    let cryptosuites: CryptosuitePolicy
    let now: @Sendable () -> Date

    /// The DID that signs the captured events.
    public var issuerDID: String { operatorKeys.did }

    /// Events signed by `operatorKeys`' current key with the suite `cryptosuites` chooses for their
    /// type, linked to those in `events`, with revocation entries from `statusLists`.
    public init(
        events: any EPCISEventRepository, operatorKeys: OperatorKeys, statusLists: EventStatusLists,
        cryptosuites: CryptosuitePolicy = CryptosuitePolicy(), now: @escaping @Sendable () -> Date
    ) {
        self.events = events
        self.operatorKeys = operatorKeys
        self.statusLists = statusLists
        self.cryptosuites = cryptosuites
        self.now = now
    }

    /// A capture signed and ready to commit: the issued credentials and what the store keeps of them.
    public struct Prepared: Sendable {
        public let issued: [IssuedEvent]
        public let stored: [(record: EventRecord, credential: StoredCredential)]
        /// The master data of the document's header, to store with the events.
        public let masterData: [VocabularyElement]
    }

    /// Validates and signs `document`'s events. A document that is not valid EPCIS throws the
    /// `EPCISValidationError` naming every violation; one without events is `epcis_empty_document`.
    public func prepare(_ document: JSONValue) async throws -> Prepared {
        let (events, context) = try EventCredentialIssuer.events(of: document)
        guard !events.isEmpty else { throw EventCaptureError.emptyDocument }
        let (methodID, signer) = try await operatorKeys.currentSigner()
        let issuer = EventCredentialIssuer(
            issuer: try CredentialIssuer(signer: signer, verificationMethod: methodID, policy: cryptosuites, now: now))
        let known = try await self.events.latestCredentials(mentioning: EventCredentialIssuer.identifiers(of: events))
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
        return Prepared(issued: issued, stored: stored, masterData: VocabularyElement.elements(of: document, operator: issuer.issuer.did))
    }
}

/// Why a capture was refused before anything was signed.
public struct EventCaptureError: CodedError, Equatable {
    public let code: String
    public let message: String

    /// A document without events.
    public static let emptyDocument = EventCaptureError(code: "epcis_empty_document", message: "the document has no events to capture")

    /// More events than one revocation list holds.
    public static let tooManyEvents = EventCaptureError(
        code: "epcis_too_many_events", message: "one capture takes at most \(StatusListBitstring.minimumEntryCount) events")
}

/// The revocation lists of captured event credentials, `<prefix>-1`, `<prefix>-2`, …: created when
/// first needed, the next one begun when one is full.
public actor EventStatusLists {
    private let lists: OperatorStatusLists
    private let prefix: String
    private var number = 1

    /// Lists named `<prefix>-1`, `<prefix>-2`, …
    public init(lists: OperatorStatusLists, prefix: String = "epcis") {
        self.lists = lists
        self.prefix = prefix
    }

    /// `count` unused revocation entries, as `credentialStatus` values.
    func entries(_ count: Int) async throws -> [JSONValue] {
        guard count <= StatusListBitstring.minimumEntryCount else { throw EventCaptureError.tooManyEvents }
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
