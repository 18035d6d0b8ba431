import Credentials
import EPCIS
import Encoding
import Foundation

/// Where a battery's parts come from: each credential its bill of materials names (a cell lot's
/// EPCIS event, say), what that event identifies, the other EPCIS events that mention those
/// identifiers, and each credential's own verdict. A passport can be genuine while a component's
/// origin is not: the page shows both.
public struct PassportProvenance: Sendable, Hashable {
    /// The outcome of verifying one credential: its proof by its issuer, its validity period and its
    /// status (``OperatorDirectory/supplyChainVerifier(otherIssuers:otherLists:now:)``).
    public struct Verdict: Sendable, Hashable {
        public var verified: Bool
        /// The failures' stable codes (`revoked`, `proof_invalid`, `component_not_found`, …).
        public var failureCodes: [String]

        init(_ result: VerificationResult) {
            verified = result.verified
            failureCodes = result.failureCodes
        }

        init(failure code: String) {
            verified = false
            failureCodes = [code]
        }
    }

    /// One EPCIS event credential, as a person reads it.
    public struct Event: Sendable, Hashable {
        public var credentialID: String
        /// The DID that signed it, and its registered name when the operator is registered here.
        public var issuer: String
        public var issuerName: String?
        public var eventType: String
        public var bizStep: String?
        public var disposition: String?
        public var eventTime: Date
        public var verdict: Verdict
    }

    /// One credential the bill of materials names.
    public struct Component: Sendable, Hashable {
        public var credentialID: String
        /// The component's own event, when the credential is an EPCIS event credential stored here.
        public var event: Event?
        /// The verdict on the component's credential (`component_not_found` when it is not stored here).
        public var verdict: Verdict
        /// What the component's event identifies (a lot's class, serials), as captured.
        public var identifiers: [String]
        /// The newest other events mentioning those identifiers, oldest first.
        public var events: [Event]
        /// True when older events mention them too, and are not listed.
        public var truncated: Bool
    }

    public var components: [Component]
}

extension PassportService {
    /// How many components a provenance lists, how many events of each it reads, and how many of
    /// those (the newest, where a recall would be) it lists.
    public static let provenanceLimits = (components: 10, eventsRead: 200, eventsPerComponent: 12)

    /// The provenance of `device`: the components its BOM credential names, each verified by
    /// `verifier`, with the events of what each identifies (``PassportProvenance``). Reads only;
    /// signs nothing.
    public func provenance(of device: DeviceRecord, verifier: Verifier) async throws -> PassportProvenance {
        guard let bom = try await store.credential(id: device.bomCredentialID) else { return PassportProvenance(components: []) }
        let names = try Credential(parsing: bom.document).json["credentialSubject"]?["components"]?.arrayValue?.compactMap(\.stringValue) ?? []
        var components: [PassportProvenance.Component] = []
        for credentialID in names.prefix(Self.provenanceLimits.components) {
            guard let stored = try await store.credential(id: credentialID), let credential = try? Credential(parsing: stored.document) else {
                components.append(PassportProvenance.Component(
                    credentialID: credentialID, event: nil, verdict: .init(failure: "component_not_found"), identifiers: [], events: [],
                    truncated: false))
                continue
            }
            let verdict = PassportProvenance.Verdict(await verifier.verify(credential))
            guard let carried = try? EventCredentialMapping.event(from: credential) else {
                components.append(PassportProvenance.Component(
                    credentialID: credentialID, event: nil, verdict: verdict, identifiers: [], events: [], truncated: false))
                continue
            }
            var identifiers: [String] = []
            for identifier in EventIdentifier.all(in: carried.event) where !identifiers.contains(identifier.value) {
                identifiers.append(identifier.value)
            }
            let (events, truncated) = try await supplyChainEvents(
                mentioning: identifiers, excluding: credentialID, limit: Self.provenanceLimits.eventsPerComponent, verifier: verifier)
            components.append(PassportProvenance.Component(
                credentialID: credentialID, event: try await provenanceEvent(carried, of: credential, id: credentialID, verdict: verdict),
                verdict: verdict, identifiers: identifiers, events: events, truncated: truncated))
        }
        return PassportProvenance(components: components)
    }

    /// The newest EPCIS events (at most `limit`) that mention any of `identifiers`, oldest first, each
    /// verified by `verifier`, but the one `excluding` names; and whether older ones were left out.
    public func supplyChainEvents(
        mentioning identifiers: [String], excluding: String? = nil, limit: Int, verifier: Verifier
    ) async throws -> (events: [PassportProvenance.Event], truncated: Bool) {
        var records: [String: EventRecord] = [:]
        for identifier in identifiers {
            let query = EventQuery(identifier: EventCredentialIssuer.canonicalIdentifier(identifier), limit: Self.provenanceLimits.eventsRead)
            for record in try await store.eventRecords(query) where record.credentialID != excluding {
                records[record.credentialID] = record
            }
        }
        let ordered = records.values.sorted { ($0.eventTime, $0.credentialID) < ($1.eventTime, $1.credentialID) }
        var events: [PassportProvenance.Event] = []
        for record in ordered.suffix(limit) {
            guard let stored = try await store.credential(id: record.credentialID), let credential = try? Credential(parsing: stored.document),
                let event = try? EventCredentialMapping.event(from: credential)
            else { continue }
            events.append(try await provenanceEvent(event, of: credential, id: record.credentialID, verdict: .init(await verifier.verify(credential))))
        }
        return (events, ordered.count > limit)
    }

    private func provenanceEvent(
        _ carried: CarriedEvent, of credential: Credential, id: String, verdict: PassportProvenance.Verdict
    ) async throws -> PassportProvenance.Event {
        let issuer = credential.issuerID ?? ""
        let name = try? await operators.member(issuer).record.name
        let event = carried.event
        return PassportProvenance.Event(
            credentialID: id, issuer: issuer, issuerName: name, eventType: event["type"]?.stringValue ?? "",
            bizStep: event["bizStep"]?.stringValue, disposition: event["disposition"]?.stringValue,
            eventTime: event["eventTime"]?.stringValue.flatMap(XSDDateTime.parse) ?? Date(timeIntervalSince1970: 0), verdict: verdict)
    }
}
