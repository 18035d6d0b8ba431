import Credentials
import EPCIS
import Encoding
import Foundation
import Identity

extension PassportService {
    /// Ends the battery's first life and hands it to `newOperator`: the original leaf becomes
    /// Repurposed and is anchored, then the new operator provisions a passport (new GTIN and serial,
    /// same BMS key) whose leaf links to the original by operator, anchored root and proof.
    ///
    /// The two operators' tries change in two transactions with the anchor between them (the new leaf
    /// names the anchored root). A repurpose cut off after the first goes on where it stopped when it
    /// is sent again: a leaf already Repurposed is anchored and provisioned, not refused.
    public func repurpose(
        _ batteryID: String, to newOperator: String, gtin: String, serial: String, idempotency: IdempotentWrite<[ProvisionedDevice]>? = nil
    ) async throws -> ProvisionedDevice {
        let original = try await device(batteryID)
        guard newOperator != original.operatorID else {
            throw PassportError("invalid_repurpose", "a repurposed battery passes to another operator")
        }
        _ = try await operators.member(newOperator)
        let subject = try await credentialSubject(original.deviceCredentialID)
        let bomSubject = try await credentialSubject(original.bomCredentialID)
        let keys = try await store.bmsKeys(device: batteryID)
        guard let key = keys.last, let publicKey = try? PublicKey(multikey: key.publicKeyMultibase) else {
            throw PassportError("bms_key_missing", "\(batteryID) has no registered BMS key")
        }
        let leaf = try await leaf(of: original)
        var spec = DeviceSpec(
            gtin: gtin, serial: serial, lot: nil, model: subject["model"]?.stringValue ?? original.model,
            category: DeviceSpec.Category(rawValue: subject["batteryCategory"]?.stringValue ?? "") ?? .stationary,
            chemistry: subject["batteryChemistry"]?["shortName"]?.stringValue ?? "unknown",
            ratedCapacityAh: subject["batteryTechicalProperties"]?["ratedCapacity"]?.doubleValue ?? 1,
            manufacturingDate: DeviceSpec.today(now()), publicKey: publicKey, firmwareVersion: leaf.firmware.version,
            firmwareHash: leaf.firmware.hash, bomHash: bomSubject["bomHash"]?.stringValue ?? "",
            components: [original.deviceCredentialID])
        spec.ratedEnergyWh = subject["batteryTechicalProperties"]?["ratedEnergy"]?.doubleValue
        try spec.validate()
        guard try await store.device(id: Self.batteryID(spec)) == nil else {
            throw PassportError("device_exists", "\(Self.batteryID(spec)) is provisioned already")
        }

        if leaf.status != .repurposed {
            try await change(batteryID, by: .operator(original.operatorID), .repurpose, feed: .lifecycle, ["successorOperator": .string(newOperator)])
        }
        let anchor = try await self.anchor(operator: original.operatorID)
        let proof = try await tries.proof(for: Array(batteryID.utf8), operator: original.operatorID)
        guard proof.root == anchor.root else {
            throw PassportError("root_conflict", "the trie of \(original.operatorID) moved while repurposing; try again")
        }
        let origin = BatteryLeaf.Origin(operatorID: original.operatorID, batteryID: batteryID, anchoredRoot: anchor.root, proof: proof.proof)
        return try await provision([spec], operator: newOperator, origin: origin, idempotency: idempotency)[0]
    }

    /// Registers the key of a replaced BMS module: a BMS key credential signed by the operator (naming
    /// the key it replaces), the key's record, the leaf's new key and the feed entry, in one
    /// transaction. Earlier keys stay in the history.
    public func replaceBMSKey(of batteryID: String, with key: PublicKey, idempotency: IdempotentWrite<Credential>? = nil) async throws -> Credential {
        let device = try await device(batteryID)
        let (member, issuer) = try await issuing(for: device.operatorID)
        return try await writeBattery(device) { root in
            let keys = try await store.bmsKeys(device: batteryID)
            guard let previous = keys.last else { throw PassportError("bms_key_missing", "\(batteryID) has no registered BMS key") }
            guard previous.publicKeyMultibase != key.multikey else {
                throw PassportError("bms_key_unchanged", "the key is the battery's current BMS key")
            }
            // The lifecycle decides first, so a recycled battery gets no new key record.
            let next = try Lifecycle(operatorID: device.operatorID).apply(
                .replaceBMSKey(key.rawRepresentation), to: try await leaf(of: device, at: root), by: .operator(device.operatorID))
            let date = now()
            let sequence = previous.sequence + 1
            let credential = try await issuer.issue(PassportCredentials.bmsKey(
                batteryID: batteryID, deviceDID: device.did, key: key, sequence: sequence, previousKey: previous.publicKeyMultibase,
                id: Self.newCredentialID(), issuer: member.record.id, validFrom: date))
            var changes = ChangeSet()
            changes.credentials = [Self.stored(credential, subject: device.did, at: date)]
            changes.bmsKeys = [BMSKeyRecord(
                deviceID: batteryID, sequence: sequence, publicKeyMultibase: key.multikey, credentialID: credential.id!, validFrom: date)]
            changes.feed = [Self.feed(
                batteryID, .bmsKey, transition: nil,
                ["sequence": .number(Double(sequence)), "publicKeyMultibase": .string(key.multikey)], at: date)]
            changes.keep(try idempotency?.response(for: credential, at: date))
            return .init(changes: changes, leaves: [next], output: credential)
        }
    }

    /// A plate URL for the device with a freshly signed token.
    public func plateURL(for device: DeviceRecord) async throws -> String {
        let member = try await operators.member(device.operatorID)
        let (_, signer) = try await member.keys.currentSigner()
        let token = try await PlateToken.sign(batteryID: device.id, operatorID: device.operatorID, issuedAt: now(), signer: signer)
        let path = String(device.id.dropFirst(GS1DigitalLink.canonicalStem.count))
        return PlateToken.url(resolverBase: resolverBase, digitalLinkPath: path, token: token)
    }

    private func credentialSubject(_ id: String) async throws -> JSONObject {
        guard let stored = try await store.credential(id: id),
            let subject = try Credential(parsing: stored.document).json["credentialSubject"]?.objectValue
        else {
            throw PassportError("credential_not_found", "the credential \(id) is missing from the store")
        }
        return subject
    }
}
