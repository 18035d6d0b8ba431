import Credentials
import EPCIS
import Encoding
import Foundation
import Identity
import Ledger
import Trie

/// One battery provisioned at end-of-line: its identifiers, credentials and plate.
public struct ProvisionedDevice: Sendable {
    public let device: DeviceRecord
    public let ownershipCredentialID: String?
    /// The Digital Link URL with the signed plate token, for the QR code and NFC tag.
    public let plateURL: String

    public var json: JSONObject {
        [
            "batteryId": .string(device.id),
            "did": .string(device.did),
            "gtin": .string(device.gtin),
            "serial": .string(device.serial),
            "credentials": .object([
                "device": .string(device.deviceCredentialID),
                "bom": .string(device.bomCredentialID),
                "ownership": ownershipCredentialID.map(JSONValue.string) ?? .null,
                "commissioning": .string(device.commissioningCredentialID),
            ]),
            "plateUrl": .string(plateURL),
        ]
    }
}

/// The battery passport service: provisioning at end-of-line, ownership hand-offs, lifecycle and
/// status changes, anchoring, and the bundles verification runs on. Credentials are signed with the
/// operator's key; each change of a battery updates its leaf in the operator's trie, which the next
/// anchor commits to the ledger.
///
/// Every write is one unit of work: what it signs is signed first, then everything it changes
/// (credentials, status bits, records, feed, EPCIS events, trie nodes and root, and the response kept
/// under its idempotency key) is committed in one transaction by the operator's ``OperatorWriter``,
/// which serializes writes to one operator and runs a write again when another instance committed first.
public struct PassportService: Sendable {
    public let store: any PassportStore
    public let operators: OperatorDirectory
    public let tries: OperatorTries
    public let ledger: any Ledger
    /// Serializes the writes to each operator's trie and records.
    public let writer: OperatorWriter
    /// Where plates point: `http(s)://<publicHost>`.
    public let resolverBase: String
    /// Single-use challenges for field diagnostics.
    public let diagnostics: any SingleUseChallenges
    /// Proofs and status lists already verified, shared by every verification of this service.
    let verificationCache: PassportVerificationCache
    /// Credentials and devices read once (they never change once stored).
    let records = ImmutableRecords()
    /// Bundles as of the trie root they were read at.
    let bundles = BundleCache()
    /// The reads of what changed since a bundle was remembered, shared by concurrent verifications.
    let freshnessReads: FreshnessReads
    /// Stops a write at a named step (crash tests); does nothing in production.
    let faults: any FaultInjector
    /// The cryptosuite the operators choose for each credential type.
    public let cryptosuites: CryptosuitePolicy
    public let now: @Sendable () -> Date

    /// The service over `store`'s passports and `tries`, anchoring on `ledger`; plates point to
    /// `resolverBase`. `faults` stops writes at named steps in crash tests.
    public init(
        store: any PassportStore, operators: OperatorDirectory, tries: OperatorTries, ledger: any Ledger, writer: OperatorWriter = OperatorWriter(),
        resolverBase: String, diagnostics: any SingleUseChallenges = ChallengeStore(), verificationCache: PassportVerificationCache = PassportVerificationCache(),
        faults: any FaultInjector = NoFaults(), cryptosuites: CryptosuitePolicy = CryptosuitePolicy(), now: @escaping @Sendable () -> Date
    ) {
        self.store = store
        self.operators = operators
        self.tries = tries
        self.ledger = ledger
        self.writer = writer
        self.resolverBase = resolverBase
        self.diagnostics = diagnostics
        self.verificationCache = verificationCache
        self.faults = faults
        self.cryptosuites = cryptosuites
        self.now = now
        self.freshnessReads = FreshnessReads(store: store)
    }

    // MARK: - Provisioning

    /// Provisions `specs` for the operator `operatorID`: Device, BOM and (with an owner) Ownership
    /// credentials, one EPCIS commissioning event for the batch, leaves in the operator's trie and
    /// signed plate tokens, all committed in one transaction. All devices are checked first; nothing
    /// is stored when one is refused. `origin`, for a repurposed battery, links each new leaf to the
    /// original one. With `idempotency`, the response is kept with the batch.
    public func provision(
        _ specs: [DeviceSpec], operator operatorID: String, origin: BatteryLeaf.Origin? = nil,
        idempotency: IdempotentWrite<[ProvisionedDevice]>? = nil
    ) async throws -> [ProvisionedDevice] {
        guard (1...10_000).contains(specs.count) else {
            throw PassportError("invalid_device", "a batch has 1 to 10,000 devices, not \(specs.count)")
        }
        let member = try await operators.member(operatorID)
        if let foreign = specs.first(where: { !member.record.owns(gtin: $0.gtin) }) {
            throw PassportError(
                "gtin_not_owned",
                "the GTIN \(foreign.gtin) is not under a company prefix of '\(member.record.name)' "
                    + "(\(member.record.companyPrefixes.isEmpty ? "it has none registered" : member.record.companyPrefixes.joined(separator: ", ")))")
        }
        var seen = Set<String>()
        for spec in specs where !seen.insert(spec.gtin + "/" + spec.serial).inserted {
            throw PassportError("device_exists", "the batch lists \(spec.gtin) serial \(spec.serial) twice")
        }
        let batteryIDs = specs.map(Self.batteryID)
        // Refused before anything is signed or allocated (the commit checks again, atomically).
        if let id = batteryIDs.first(where: try await store.provisionedDeviceIDs(batteryIDs).contains) {
            throw PassportError("device_exists", "\(id) is provisioned already")
        }
        let (methodID, signer) = try await member.keys.currentSigner()
        let issuer = try CredentialIssuer(signer: signer, verificationMethod: methodID, policy: cryptosuites, now: now)
        let lists = try await member.statusLists.service()
        let suspensions = try await lists.allocateEntries(listID: member.record.suspensionList, count: specs.count)
        let ownedCount = specs.filter { $0.owner != nil }.count
        var revocations = ownedCount == 0 ? [] : try await lists.allocateEntries(listID: member.record.revocationList, count: ownedCount)[...]
        let date = now()
        try await faults.reach(.provisionAllocated)

        let commissioning = try await EventCapture(
            events: store, operatorKeys: member.keys, statusLists: member.events, cryptosuites: cryptosuites, now: now)
            .prepare(PassportCredentials.commissioningDocument(batteryIDs: batteryIDs, at: date, gln: member.record.gln))
        let commissioningID = commissioning.issued[0].record.credentialID

        var changes = ChangeSet()
        changes.events = commissioning.stored
        var provisioned: [ProvisionedDevice] = []
        var mutations: [TrieMutation] = []
        for (index, spec) in specs.enumerated() {
            let batteryID = batteryIDs[index]
            let deviceDID = DIDKey.did(for: spec.publicKey)
            let device = try await issuer.issue(PassportCredentials.device(
                spec, id: Self.newCredentialID(), batteryID: batteryID, deviceDID: deviceDID, issuer: member.record.id,
                status: suspensions[index].json, validFrom: date))
            let bom = try await issuer.issue(PassportCredentials.bom(
                batteryID: batteryID, deviceDID: deviceDID, bomHash: spec.bomHash, components: spec.components,
                id: Self.newCredentialID(), issuer: member.record.id, validFrom: date))
            var ownership: Credential?
            if let owner = spec.owner {
                let entry = revocations.removeFirst()
                let credential = try await issuer.issue(PassportCredentials.ownership(
                    batteryID: batteryID, deviceDID: deviceDID, owner: owner, sequence: 1, previous: nil, id: Self.newCredentialID(),
                    issuer: member.record.id, status: entry.json, validFrom: date))
                ownership = credential
                changes.ownership.append(OwnershipRecord(
                    deviceID: batteryID, sequence: 1, owner: owner, credentialID: credential.id!, statusIndex: entry.index,
                    statusList: member.record.revocationList, transferredAt: date))
            }
            let record = DeviceRecord(
                id: batteryID, operatorID: member.record.id, gtin: spec.gtin, serial: spec.serial, lot: spec.lot, model: spec.model,
                did: deviceDID, deviceCredentialID: device.id!, bomCredentialID: bom.id!, commissioningCredentialID: commissioningID,
                deviceStatusIndex: suspensions[index].index, deviceStatusList: member.record.suspensionList, createdAt: date)
            changes.devices.append(record)
            changes.bmsKeys.append(BMSKeyRecord(
                deviceID: batteryID, sequence: 1, publicKeyMultibase: spec.publicKey.multikey, credentialID: device.id!, validFrom: date))
            for credential in [device, bom] + (ownership.map { [$0] } ?? []) {
                changes.credentials.append(Self.stored(credential, subject: deviceDID, at: date))
            }
            changes.feed.append(StatusFeedEntry(
                deviceID: batteryID, kind: .provisioned,
                detail: JSONValue.object(["model": .string(spec.model), "firmware": .string(spec.firmwareVersion)]).serialized(),
                recordedAt: date))
            let leaf = BatteryLeaf(
                batteryID: batteryID, bmsPublicKey: spec.publicKey.rawRepresentation,
                credentials: .init(device: device.id!, bom: bom.id!, ownership: ownership?.id),
                warranty: spec.warrantyMonths.map { Self.warranty(from: spec.manufacturingDate, months: $0, or: date) },
                firmware: .init(version: spec.firmwareVersion, hash: spec.firmwareHash), origin: origin)
            try leaf.validate()
            mutations.append(.insert(key: leaf.key, value: leaf.cbor()))
            let token = try await PlateToken.sign(batteryID: batteryID, operatorID: member.record.id, issuedAt: date, signer: signer)
            provisioned.append(ProvisionedDevice(
                device: record, ownershipCredentialID: ownership?.id,
                plateURL: PlateToken.url(resolverBase: resolverBase, digitalLinkPath: spec.digitalLinkPath, token: token)))
        }
        changes.keep(try idempotency?.response(for: provisioned, at: date))
        try await faults.reach(.provisionSigned)
        try await writer.write(operator: member.record.id) { [changes, mutations] in
            try await commit(changes, mutations: mutations, operator: member.record.id)
        }
        try await faults.reach(.provisionCommitted)
        return provisioned
    }

    /// Registers an economic operator (see ``OperatorDirectory/register(name:gln:companyPrefixes:)``).
    public func registerOperator(name: String, gln: String? = nil, companyPrefixes: [String]) async throws -> OperatorRecord {
        try await operators.register(name: name, gln: gln, companyPrefixes: companyPrefixes)
    }

    // MARK: - Ownership

    /// Hands the battery to `newOwner`: a new Ownership credential that names the one it supersedes,
    /// whose revocation entry is set in the same transaction. Returns the new credential.
    public func transferOwnership(of batteryID: String, to newOwner: String, idempotency: IdempotentWrite<Credential>? = nil) async throws
        -> Credential
    {
        guard (try? DIDURL(newOwner))?.isBareDID == true else {
            throw PassportError("invalid_owner", "the new owner must be a DID, not '\(newOwner)'")
        }
        let device = try await device(batteryID)
        let (member, issuer) = try await issuing(for: device.operatorID)
        return try await writeBattery(device) { root in
            let chain = try await store.ownershipChain(device: batteryID)
            let id = Self.newCredentialID()
            let next = try Lifecycle(operatorID: device.operatorID).apply(
                .setOwnership(credentialID: id), to: try await leaf(of: device, at: root), by: .operator(member.record.id))
            // Handed out once the hand-off is allowed, so a refused one takes no entry.
            let entry = try await member.statusLists.service().allocateEntry(listID: member.record.revocationList)
            let date = now()
            let credential = try await issuer.issue(PassportCredentials.ownership(
                batteryID: batteryID, deviceDID: device.did, owner: newOwner, sequence: chain.count + 1, previous: chain.last?.credentialID,
                id: id, issuer: member.record.id, status: entry.json, validFrom: date))
            var changes = ChangeSet()
            changes.credentials = [Self.stored(credential, subject: device.did, at: date)]
            changes.ownership = [OwnershipRecord(
                deviceID: batteryID, sequence: chain.count + 1, owner: newOwner, credentialID: id, statusIndex: entry.index,
                statusList: member.record.revocationList, transferredAt: date)]
            if let previous = chain.last {
                changes.statusBits = [StatusBitChange(issuer: device.operatorID, listID: previous.statusList, index: previous.statusIndex, value: true, at: date)]
            }
            changes.feed = [Self.feed(batteryID, .ownership, transition: .setOwnership, ["owner": .string(newOwner), "credential": .string(id)], at: date)]
            changes.keep(try idempotency?.response(for: credential, at: date))
            return .init(changes: changes, leaves: [next], output: credential)
        }
    }

    // MARK: - Lifecycle and status

    /// Applies a lifecycle transition to the battery's leaf (the lifecycle rules decide whether the
    /// actor may) and records it in the status feed, in one transaction. Returns the new leaf.
    @discardableResult
    public func change(
        _ batteryID: String, by actor: PassportActor, _ transition: LeafTransition, feed kind: StatusFeedEntry.Kind,
        _ detail: JSONObject = [:], idempotency: IdempotentWrite<BatteryLeaf>? = nil
    ) async throws -> BatteryLeaf {
        let device = try await device(batteryID)
        return try await writeBattery(device) { root in
            let next = try Lifecycle(operatorID: device.operatorID).apply(transition, to: try await leaf(of: device, at: root), by: actor)
            let date = now()
            var changes = ChangeSet()
            changes.feed = [Self.feed(batteryID, kind, transition: transition.kind, detail, at: date)]
            changes.keep(try idempotency?.response(for: next, at: date))
            return .init(changes: changes, leaves: [next], output: next)
        }
    }

    /// Recalls the operator's batteries the selector matches: each leaf shows the recall and each
    /// Device credential is suspended, with the recall record, in one transaction. Returns the recall
    /// with the number of batteries it reached.
    public func recall(
        operator operatorID: String, _ selector: DeviceSelector, reason: String, idempotency: IdempotentWrite<RecallRecord>? = nil
    ) async throws -> RecallRecord {
        guard (1...512).contains(reason.utf8.count) else { throw PassportError("invalid_recall", "a recall needs a reason of 1 to 512 bytes") }
        _ = try await operators.member(operatorID)
        let id = "recall-" + UUID().uuidString.lowercased()
        return try await writer.write(operator: operatorID) {
            let root = try await currentRoot(operatorID)
            let devices = try await store.devices(operator: operatorID, matching: selector)
            let date = now()
            let recall = RecallRecord(id: id, operatorID: operatorID, selector: selector, reason: reason, affected: devices.count, issuedAt: date)
            var changes = ChangeSet()
            changes.recalls = [recall]
            var leaves: [BatteryLeaf] = []
            let lifecycle = Lifecycle(operatorID: operatorID)
            for device in devices {
                changes.statusBits.append(StatusBitChange(
                    issuer: operatorID, listID: device.deviceStatusList, index: device.deviceStatusIndex, value: true, at: date))
                let leaf = try await leaf(of: device, at: root)
                guard !leaf.isRecalled, leaf.status == .virgin || leaf.status == .active else { continue }
                leaves.append(try lifecycle.apply(
                    .recall(id: id, sinceMilliseconds: Int64(date.timeIntervalSince1970 * 1000)), to: leaf, by: .operator(operatorID)))
                changes.feed.append(Self.feed(device.id, .recall, transition: nil, ["recall": .string(id), "reason": .string(reason)], at: date))
            }
            changes.keep(try idempotency?.response(for: recall, at: date))
            try await commitLeaves(leaves, changes, operator: operatorID, basedOn: root)
            return recall
        }
    }

    // MARK: - Committing

    /// Commits the change `stage` makes to one battery, staged against its operator's trie root; the
    /// operator's writer may commit it in one transaction with other batteries' changes (and the
    /// status lists they changed are signed again once for all of them).
    func writeBattery<T: Sendable>(
        _ device: DeviceRecord, _ stage: @escaping @Sendable (Hash32) async throws -> OperatorWriter.Staged<T>
    ) async throws -> T {
        let operatorID = device.operatorID
        let commit = OperatorWriter.GroupCommit(
            currentRoot: { try await currentRoot(operatorID) },
            store: { changes, leaves, root in
                // Every battery write has a leaf, so the root moves; without one it would stay.
                try await store(changes, mutations: leaves.map { .update(key: $0.key, value: $0.cbor()) }, operator: operatorID, basedOn: root)
                    ?? root
            },
            publish: { changes in try await publishStatusLists(changedBy: changes.statusBits) })
        return try await writer.write(operator: operatorID, battery: device.id, stage: stage, commit: commit)
    }

    /// Commits `changes` with the new `leaves` written over the operator's trie, which must still be
    /// at `root`, the root the leaves were read at. The caller holds the operator's writer.
    public func commitLeaves(_ leaves: [BatteryLeaf], _ changes: ChangeSet, operator operatorID: String, basedOn root: Hash32) async throws {
        try await commit(changes, mutations: leaves.map { .update(key: $0.key, value: $0.cbor()) }, operator: operatorID, basedOn: root)
    }

    /// Commits `changes` with `mutations` applied to the operator's trie, in one transaction (see
    /// ``store(_:mutations:operator:basedOn:)``); the caller holds the operator's writer. Status lists
    /// whose bits changed are signed again afterwards.
    public func commit(_ changes: ChangeSet, mutations: [TrieMutation], operator operatorID: String, basedOn root: Hash32? = nil) async throws {
        try await store(changes, mutations: mutations, operator: operatorID, basedOn: root)
        try await publishStatusLists(changedBy: changes.statusBits)
    }

    /// Stores `changes` with `mutations` applied to the operator's trie, in one transaction: the trie
    /// batch is computed from the current root (which must be `root`, when given) and handed over
    /// with the change set; `root_conflict` when another instance moved the root first.
    /// Returns the new root (nil without mutations).
    @discardableResult
    func store(_ changes: ChangeSet, mutations: [TrieMutation], operator operatorID: String, basedOn root: Hash32?) async throws -> Hash32? {
        var changes = changes
        if store.signsStatusListsInTransaction, !changes.statusBits.isEmpty {
            let operators = operators
            changes.statusListSigner = { issuer, listID, bits in
                try await operators.member(issuer).statusLists.service().signedList(listID, bits: bits)
            }
        }
        guard !mutations.isEmpty else {
            try await store.commit(changes)
            return nil
        }
        let store = store
        return try await tries.apply(mutations, operator: operatorID, basedOn: root) { [changes] trie in
            var changes = changes
            changes.trie = trie
            try await store.commit(changes)
        }
    }

    /// Signs again the operators' status lists `statusBits` changed, unless the store signed them in
    /// the transaction that changed them. A failure here leaves the list unpublished (its public copy
    /// answers `status_unreachable`) until the server's next sweep of unpublished lists signs it.
    func publishStatusLists(changedBy statusBits: [StatusBitChange]) async throws {
        guard !store.signsStatusListsInTransaction else { return }
        var seen = Set<String>()
        for bit in statusBits where seen.insert(bit.issuer + " " + bit.listID).inserted {
            try await operators.member(bit.issuer).statusLists.service().publish(listID: bit.listID)
        }
    }

    // MARK: - Reading state

    /// The device with this battery id; `device_not_found` when none is provisioned.
    public func device(_ batteryID: String) async throws -> DeviceRecord {
        if let known = records.device(id: batteryID) { return known }
        guard let device = try await store.device(id: batteryID) else { throw PassportError.deviceNotFound(batteryID) }
        records.remember(device)
        return device
    }

    /// The operator's current trie root: a write reads it before the leaves it changes, and commits
    /// only while the trie is still there.
    public func currentRoot(_ operatorID: String) async throws -> Hash32 {
        try await tries.latest(operator: operatorID).root
    }

    /// The battery's leaf in its operator's trie at `root` (a write reads its leaves at the root it
    /// commits on), or at the current root.
    public func leaf(of device: DeviceRecord, at root: Hash32? = nil) async throws -> BatteryLeaf {
        let key = Array(device.id.utf8)
        let found = if let root { try await tries.get(key, operator: device.operatorID, at: root) } else {
            try await tries.get(key, operator: device.operatorID)
        }
        guard let bytes = found else {
            throw PassportError("leaf_not_found", "the trie of \(device.operatorID) holds no leaf for \(device.id)")
        }
        return try BatteryLeaf(cbor: bytes)
    }

    /// The key of the battery's current BMS module.
    public func currentBMSKey(of device: DeviceRecord) async throws -> PublicKey {
        guard let record = try await store.bmsKeys(device: device.id).last, let key = try? PublicKey(multikey: record.publicKeyMultibase) else {
            throw PassportError("bms_key_missing", "\(device.id) has no registered BMS key")
        }
        return key
    }

    // MARK: - Helpers

    /// The battery id: the canonical GS1 Digital Link URI of GTIN and serial.
    public static func batteryID(_ spec: DeviceSpec) -> String {
        GS1DigitalLink.canonicalStem + spec.digitalLinkPath
    }

    static func newCredentialID() -> String { "urn:uuid:" + UUID().uuidString.lowercased() }

    /// The operator and a credential issuer signing with its current key.
    func issuing(for operatorID: String) async throws -> (member: OperatorDirectory.Member, issuer: CredentialIssuer) {
        let member = try await operators.member(operatorID)
        let (methodID, signer) = try await member.keys.currentSigner()
        return (member, try CredentialIssuer(signer: signer, verificationMethod: methodID, policy: cryptosuites, now: now))
    }

    /// A status feed entry naming the transition it records.
    static func feed(
        _ batteryID: String, _ kind: StatusFeedEntry.Kind, transition: LeafTransition.Kind?, _ detail: JSONObject, at date: Date
    ) -> StatusFeedEntry {
        var detail = detail
        if let transition { detail["transition"] = .string(transition.rawValue) }
        return StatusFeedEntry(deviceID: batteryID, kind: kind, detail: JSONValue.object(detail).serialized(), recordedAt: date)
    }

    static func stored(_ credential: Credential, subject: String, at date: Date) -> StoredCredential {
        StoredCredential(
            id: credential.id!, issuer: credential.issuerID ?? "", types: credential.types, subject: subject, issuedAt: date,
            document: JSONValue.object(credential.json).serialized())
    }

    /// A warranty of `months` from the day of manufacture (`fallback` when the day does not parse).
    static func warranty(from day: String, months: Int, or fallback: Date) -> BatteryLeaf.Warranty {
        let start = XSDDateTime.parse(day + "T00:00:00Z") ?? fallback
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let end = calendar.date(byAdding: .month, value: months, to: start) ?? start
        return BatteryLeaf.Warranty(start: start, end: end)
    }
}
