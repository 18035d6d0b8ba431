import Credentials
import EPCIS
import Encoding
import Foundation

/// The battery for machines that read the UN Transparency Protocol: its passport (DPP) and its
/// EPCIS history (DTE), each signed once by an operator and then served as signed to anyone, so that
/// a read never opens a key.
extension PassportService {
    /// Signs the battery's public passport as a UNTP Digital Product Passport and stores it (about the
    /// battery), so that reads serve the signed copy and never open a key. Returns the credential.
    public func publishProductPassport(for device: DeviceRecord) async throws -> Credential {
        let verification = try await verify(device.id)
        let (member, issuer) = try await issuing(for: device.operatorID)
        let date = now()
        let document = UNTPProductPassport.document(
            device: device, carrier: member.record, publicAttributes: verification.visiblePassport, id: Self.newCredentialID(), at: date)
        let credential = try await issuer.issue(document)
        try await store.saveCredential(Self.stored(credential, subject: device.id, at: date))
        return credential
    }

    /// The newest UNTP Digital Product Passport the operator published for the battery;
    /// `product_passport_not_published` when there is none.
    public func productPassport(for device: DeviceRecord) async throws -> Credential {
        guard let stored = try await store.newestCredential(subject: device.id, type: UNTPProductPassport.type, issuer: device.operatorID) else {
            throw PassportError("product_passport_not_published", "the operator of \(device.id) has not published a UNTP product passport for it")
        }
        return try Credential(parsing: stored.document)
    }

    /// Signs, as a UNTP Digital Traceability Event credential, the EPCIS events `operatorID` signed
    /// that mention the battery (at most 1,000, oldest first), and stores it about the battery.
    /// `traceability_events_none` when that operator signed none.
    public func publishTraceabilityEvents(for device: DeviceRecord, by operatorID: String) async throws -> Credential {
        let batteryID = EventCredentialIssuer.canonicalIdentifier(device.id)
        let records = try await store.eventRecords(EventQuery(identifier: batteryID, limit: 1_000))
        var events: [(id: String, event: JSONObject)] = []
        for record in records {
            guard let stored = try await store.credential(id: record.credentialID), stored.issuer == operatorID,
                let carried = try? EventCredentialMapping.event(from: try Credential(parsing: stored.document))
            else { continue }
            events.append((carried.eventID, carried.event))
        }
        guard !events.isEmpty else {
            throw PassportError("traceability_events_none", "\(operatorID) signed no EPCIS event that mentions \(device.id)")
        }
        let (member, issuer) = try await issuing(for: operatorID)
        let date = now()
        let name = "\(device.model) \(device.serial)"
        let document = UNTPTraceabilityEvents.document(
            events: events, issuer: operatorID, issuerName: member.record.name, id: Self.newCredentialID(), at: date
        ) { EventCredentialIssuer.canonicalIdentifier($0) == batteryID ? name : $0 }
        let credential = try await issuer.issue(document)
        try await store.saveCredential(Self.stored(credential, subject: device.id, at: date))
        return credential
    }

    /// The newest UNTP Digital Traceability Event credential `issuer` (the battery's operator by
    /// default) published about the battery; `traceability_events_not_published` when there is none.
    public func traceabilityEvents(for device: DeviceRecord, issuer: String? = nil) async throws -> Credential {
        let issuer = issuer ?? device.operatorID
        guard let stored = try await store.newestCredential(subject: device.id, type: UNTPTraceabilityEvents.type, issuer: issuer) else {
            throw PassportError(
                "traceability_events_not_published", "\(issuer) has not published UNTP traceability events for \(device.id)")
        }
        return try Credential(parsing: stored.document)
    }
}
