import Credentials
import Encoding
import Foundation
import Ledger
import Passport
import Readings
import Trie

/// What the page tells of a battery's life besides its verdict: who carries its passport, what
/// happened to it (the operator's status feed, the supply-chain events that name it and the ledger's
/// accepted readings), where its parts come from and where its passport is anchored.
struct PassportHistory: Sendable {
    /// One accepted signed reading: its ledger id, the slot of the commitment that dates it, and what
    /// the BMS measured.
    struct Reading: Sendable {
        let id: Hash32
        let slot: UInt64
        let stateOfHealthPerMille: Int
        let cycleCount: Int
    }

    /// The operator's name as registered.
    let operatorName: String
    /// Newest first, as the feed keeps them.
    let feed: [StatusFeedEntry]
    /// Incorporated readings, oldest first.
    let readings: [Reading]
    /// The operator's newest signed anchor checkpoint.
    let checkpoint: AnchorCheckpoint?
    /// The newest EPCIS events that name the battery (commissioning, shipping, receiving, …), each verified.
    let events: [PassportProvenance.Event]
    /// Where its components come from, each verified.
    let provenance: PassportProvenance?

    /// How many of the battery's EPCIS events the timeline shows.
    static let eventLimit = 20

    /// The history of `batteryID`, carried by `operatorID`; its components verified by `verification`.
    static func read(
        batteryID: String, operatorID: String, service: PassportService, verification: ServiceVerification
    ) async throws -> PassportHistory {
        let name = try await service.operators.member(operatorID).record.name
        let feed = try await service.store.statusFeed(device: batteryID, limit: 50)
        let readings = try await service.ledger.readings(battery: batteryID).compactMap { record -> Reading? in
            guard case .incorporated = record.status, let signed = try? SignedReading(decoding: record.submission.reading) else { return nil }
            let state = signed.reading.state
            return Reading(
                id: record.id, slot: record.commitmentSlot, stateOfHealthPerMille: Int(state.stateOfHealthPerMille),
                cycleCount: Int(state.cycleCount))
        }
        let verifier = service.operators.supplyChainVerifier(
            otherIssuers: verification.resolver,
            otherLists: OperatorStatusListFetcher(lists: verification.statusLists, remote: verification.remoteStatusLists), now: service.now)
        let events = try await service.supplyChainEvents(mentioning: [batteryID], limit: eventLimit, verifier: verifier).events
        var provenance: PassportProvenance?
        if let device = try await service.store.device(id: batteryID) { provenance = try await service.provenance(of: device, verifier: verifier) }
        return PassportHistory(
            operatorName: name, feed: feed, readings: readings, checkpoint: try await service.store.latestCheckpoint(operator: operatorID),
            events: events, provenance: provenance)
    }

    /// The timeline's entries, newest first: what happened, when, and who signed it, in `language`.
    /// `details`: whether the reader may see what each change was (new owners).
    func timeline(details: Bool, in language: PageLanguage) -> [(date: String, text: String)] {
        var entries = feed.map { entry in (date: XSDDateTime.format(entry.recordedAt), text: describe(entry, details: details, in: language)) }
        for event in events {
            let what = PageText.supplyChainEvent(language, [event.bizStep ?? event.eventType, event.disposition].compactMap { $0 }.joined(separator: " · "))
            var text = PageText.signedBy(language, what, event.issuerName ?? event.issuer)
            if !event.verdict.verified { text += " " + PageText.notVerified(language, event.verdict.failureCodes.joined(separator: ", ")) }
            entries.append((date: XSDDateTime.format(event.eventTime), text: text))
        }
        entries.sort { $0.date > $1.date }
        return entries
    }

    private func describe(_ entry: StatusFeedEntry, details: Bool, in language: PageLanguage) -> String {
        let detail = (try? JSONValue(parsing: entry.detail))?.objectValue ?? [:]
        let what: String
        switch entry.kind {
        case .provisioned:
            what = PageText.manufacturedEvent(language)
        case .ownership:
            what = details ? detail["owner"]?.stringValue.map { PageText.handedOverTo(language, $0) } ?? PageText.handedOver(language) : PageText.handedOver(language)
        case .recall:
            what = PageText.recalledEvent(language, detail["reason"]?.stringValue ?? "")
        case .firmware:
            let version = detail["version"]?.stringValue ?? ""
            what = detail["advisory"]?.stringValue.map { PageText.firmwareAdvisoryEvent(language, version, $0) } ?? PageText.firmwareInstalled(language, version)
        case .warranty:
            what = PageText.warrantyVoided(language)
        case .bmsKey:
            what = PageText.bmsReplaced(language)
        case .lifecycle:
            switch detail["transition"]?.stringValue {
            case "recycle": what = PageText.recycledEvent(language)
            case "repurpose": what = PageText.repurposedEvent(language)
            case "endRecall": what = PageText.recallEnded(language)
            case let other: what = PageText.passportUpdated(language, other ?? "")
            }
        }
        return PageText.signedBy(language, what, operatorName)
    }
}
