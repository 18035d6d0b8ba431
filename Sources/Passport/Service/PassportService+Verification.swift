import Credentials
import EPCIS
import Encoding
import Foundation
import Identity
import Trie

/// What a scan carried: a serial, a Digital Link (URL or path, with or without the plate token), or
/// the token alone.
public struct ScannedIdentifier: Sendable {
    public enum Kind: Sendable {
        case batteryID(String)
        case serial(String)
    }

    public let kind: Kind
    public let token: [UInt8]?

    /// Reads what was scanned. A Digital Link names GTIN and serial (its `t` parameter is the plate
    /// token); a string that decodes as a signed token names its battery; anything else is a serial.
    public init(_ text: String) throws {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty, trimmed.utf8.count <= 2_048 else {
            throw PassportError("invalid_identifier", "a serial, Digital Link or token has 1 to 2,048 bytes")
        }
        if let range = trimmed.range(of: "/01/") {
            let path = String(trimmed[range.lowerBound...])
            let parts = path.split(separator: "?", maxSplits: 1)
            var token: [UInt8]?
            if parts.count == 2 {
                for item in parts[1].split(separator: "&") where item.hasPrefix(PlateToken.queryItem + "=") {
                    guard let bytes = try? Base64URL.decode(String(item.dropFirst(2))) else {
                        throw PassportError("invalid_identifier", "the plate token is not base64url")
                    }
                    token = bytes
                }
            }
            let link: GS1DigitalLink
            do {
                link = try GS1DigitalLink(parsing: GS1DigitalLink.canonicalStem + String(parts[0]))
            } catch {
                throw PassportError("invalid_identifier", "not a GS1 Digital Link: \(error.message)")
            }
            kind = .batteryID(link.canonical.uri)
            self.token = token
        } else if trimmed.utf8.count > 40, let bytes = try? Base64URL.decode(trimmed),
            let subject = PlateToken.unverifiedSubject(of: bytes)
        {
            kind = .batteryID(subject)
            token = bytes
        } else {
            kind = .serial(trimmed)
            token = nil
        }
    }
}

extension PassportService {
    /// The battery a scan names, nil when no registered operator provisioned it.
    public func device(scanned identifier: ScannedIdentifier) async throws -> DeviceRecord? {
        switch identifier.kind {
        case .batteryID(let id):
            if let device = records.device(id: id) { return device }
            let device = try await store.device(id: id)
            if let device { records.remember(device) }
            return device
        case .serial(let serial):
            let matches = try await store.devices(serial: serial, limit: AmbiguousIdentifier.candidateLimit + 1)
            guard matches.count <= 1 else { throw AmbiguousIdentifier(serial: serial, candidates: matches.map(\.id)) }
            if let device = matches.first {
                records.remember(device)
                bundles.remember(serial: serial, batteryID: device.id)
            }
            return matches.first
        }
    }

    /// Everything needed to verify the battery offline (see ``PassportBundle``), read as of one trie
    /// root: every write that changes the records a bundle carries moves the root in the same
    /// transaction, so a bundle whose root did not move while it was read is consistent; otherwise it
    /// is read again.
    /// A trie that moves under every one of ``bundleAttempts`` reads is `trie_busy` (try again),
    /// never a bundle mixing two states (which would verify red).
    public func bundle(for device: DeviceRecord) async throws -> PassportBundle {
        if let known = bundles.entry(device.id) {
            let (fresh, member) = try await freshness(of: known, device: device, serial: nil)
            if fresh.trieRoot == known.root { return try await current(known, fresh: fresh, member: member) }
        }
        return try await readConsistentBundle(for: device)
    }

    /// The battery a scan names with its bundle; nil when no registered operator provisioned it. A
    /// serial that named one battery before, whose bundle is remembered, is checked in one round trip:
    /// the devices with that serial together with the freshness reads.
    private func scannedBundle(_ identifier: ScannedIdentifier) async throws -> (DeviceRecord, PassportBundle)? {
        if case .serial(let serial) = identifier.kind, let id = bundles.batteryID(serial: serial), let known = bundles.entry(id),
            let device = records.device(id: id)
        {
            let (fresh, member) = try await freshness(of: known, device: device, serial: serial)
            if fresh.serialMatches[serial] == [id] {
                let bundle = fresh.trieRoot == known.root
                    ? try await current(known, fresh: fresh, member: member) : try await readConsistentBundle(for: device)
                return (device, bundle)
            }
        }
        guard let device = try await device(scanned: identifier) else { return nil }
        return (device, try await bundle(for: device))
    }

    /// What changed since `known` was read (and, for a serial, the devices with it), in one round trip
    /// shared with the verifications of the operator's batteries waiting at the same time.
    private func freshness(of known: BundleCache.Entry, device: DeviceRecord, serial: String?) async throws
        -> (VerificationFreshness, OperatorDirectory.Member)
    {
        let member = try await operators.member(device.operatorID)
        let fresh = try await freshnessReads.read(
            operator: device.operatorID, statusListIssuer: member.statusLists.issuerDID, statusLists: known.statusListIDs, serial: serial)
        return (fresh, member)
    }

    /// The bundle read from the stores as of one trie root, and remembered.
    private func readConsistentBundle(for device: DeviceRecord) async throws -> PassportBundle {
        for _ in 0..<Self.bundleAttempts {
            let (bundle, statusListIDs) = try await readBundle(for: device)
            if try await tries.latest(operator: device.operatorID).root == bundle.trieRoot {
                bundles.remember(BundleCache.Entry(root: bundle.trieRoot, bundle: bundle, statusListIDs: statusListIDs))
                return bundle
            }
        }
        throw PassportError("trie_busy", "the trie of \(device.operatorID) changed under \(Self.bundleAttempts) reads of \(device.id); try again")
    }

    /// How many times a bundle is read while the operator's trie keeps moving under it.
    private static let bundleAttempts = 16

    /// A remembered bundle with what changes without moving the trie root brought up to date (its
    /// status lists, the operator's checkpoint, DID document and the origin's leaf); dated now.
    private func current(_ known: BundleCache.Entry, fresh: VerificationFreshness, member: OperatorDirectory.Member) async throws
        -> PassportBundle
    {
        var bundle = known.bundle
        var statusLists: [JSONObject] = []
        for listID in known.statusListIDs {
            if let revision = fresh.publishedRevisions[listID], let parsed = await member.statusLists.parsedCredential(listID: listID, revision: revision) {
                statusLists.append(parsed)
            } else {
                statusLists.append(try await member.statusLists.publishedCredential(listID: listID))
            }
        }
        bundle.statusLists = statusLists
        bundle.anchor = try await checkpoint(operator: bundle.operatorID, sequence: fresh.checkpointSequence)
        bundle.didDocuments = [try await member.keys.document()]
        if let origin = try BatteryLeaf(cbor: bundle.leaf).origin {
            bundle.originLeaf = try await tries.get(Array(origin.batteryID.utf8), operator: origin.operatorID)
        }
        bundle.createdAt = Self.bundleDate(now())
        return bundle
    }

    /// The operator's newest checkpoint, read from the store unless it is the one seen last.
    private func checkpoint(operator operatorID: String, sequence: Int?) async throws -> AnchorCheckpoint? {
        guard let sequence else { return nil }
        if let known = bundles.checkpoint(operator: operatorID, sequence: sequence) { return known }
        let latest = try await store.latestCheckpoint(operator: operatorID)
        if let latest { bundles.remember(latest) }
        return latest
    }

    /// The bundle's creation time: now, rounded up to the second.
    private static func bundleDate(_ date: Date) -> Date { Date(timeIntervalSince1970: date.timeIntervalSince1970.rounded(.up)) }

    /// The bundle read from the stores, and the status lists it carries (device list first).
    private func readBundle(for device: DeviceRecord) async throws -> (PassportBundle, [String]) {
        let member = try await operators.member(device.operatorID)
        // The proof first: the records read after it are checked against its root.
        let proof = try await tries.proof(for: Array(device.id.utf8), operator: device.operatorID)
        let chain = try await store.ownershipChain(device: device.id)
        let keys = try await store.bmsKeys(device: device.id)
        func credential(_ id: String) async throws -> Credential {
            if let known = records.credential(id) { return known }
            guard let stored = try await store.credential(id: id) else {
                throw PassportError("credential_not_found", "the credential \(id) of \(device.id) is missing from the store")
            }
            let credential = try Credential(parsing: stored.document)
            records.remember(credential, id: id)
            return credential
        }
        var ownership: [Credential] = []
        for link in chain { ownership.append(try await credential(link.credentialID)) }
        var bmsKeys: [Credential] = []
        for key in keys.dropFirst() { bmsKeys.append(try await credential(key.credentialID)) }
        let statusListIDs = [device.deviceStatusList] + Set(chain.map(\.statusList)).sorted()
        var statusLists: [JSONObject] = []
        for listID in statusListIDs { statusLists.append(try await member.statusLists.publishedCredential(listID: listID)) }
        guard let leaf = proof.value else {
            throw PassportError("leaf_not_found", "the trie of \(device.operatorID) holds no leaf for \(device.id)")
        }
        // The stored checkpoint, signed when the root was anchored: a read never opens a secret key.
        let anchor = try await store.latestCheckpoint(operator: device.operatorID)
        if let anchor { bundles.remember(anchor) }
        var bundle = PassportBundle(
            batteryID: device.id, operatorID: device.operatorID, device: try await credential(device.deviceCredentialID),
            bom: try await credential(device.bomCredentialID), ownership: ownership, bmsKeys: bmsKeys,
            didDocuments: [try await member.keys.document()], statusLists: statusLists, leaf: leaf, trieRoot: proof.root,
            proof: proof.proof, anchor: anchor, createdAt: Self.bundleDate(now()))
        if let anchor { bundle.anchorTransaction = try await ledger.anchoringTransaction(anchor.transaction) }
        if let origin = try BatteryLeaf(cbor: leaf).origin {
            bundle.originLeaf = try await tries.get(Array(origin.batteryID.utf8), operator: origin.operatorID)
        }
        return (bundle, statusListIDs)
    }

    /// Verifies what a scan carried: the battery's bundle, and the plate token when there was one.
    /// The operator's signatures (credentials, checkpoint) are checked against its key history in the
    /// store, the keys this service trusts.
    public func verify(_ text: String) async throws -> PassportVerification {
        let identifier = try ScannedIdentifier(text)
        guard let (device, bundle) = try await scannedBundle(identifier) else {
            return try await notIssued(identifier, scanned: text)
        }
        var rootInHistory = false
        if let anchor = bundle.anchor, anchor.root != bundle.trieRoot {
            rootInHistory = try await tries.history(operator: device.operatorID, limit: 10_000).contains { $0.root == anchor.root }
        }
        let trusted = try PinnedKeys(history: try await operators.member(device.operatorID).keys.history())
        let verifier = PassportVerifier(trustedKeys: trusted, rootInHistory: rootInHistory, cache: verificationCache, now: now)
        var result = await verifier.verify(bundle, token: identifier.token)
        if let origin = try BatteryLeaf(cbor: bundle.leaf).origin,
            try await !ledger.anchorHistory(operator: origin.operatorID).contains(where: { $0.root == origin.anchoredRoot })
        {
            result.fail(VerificationProblem(
                code: "origin_not_anchored", message: "\(origin.operatorID) never anchored the root \(origin.anchoredRoot.hex) the origin names"))
        }
        if let chain = ledger.publicChain, let checkpoint = bundle.anchor {
            await confirmOnChain(checkpoint, chain: chain, into: &result)
        }
        return result
    }

    /// The verdict on an identifier no operator provisioned. When it is a Digital Link whose GTIN
    /// belongs to a registered operator (by its GS1 company prefix), the check `non_membership` proves
    /// the battery absent from that operator's passport trie, and says whether that root is the one it
    /// anchored (and, on a public chain, the one the chain holds): "provably not issued by …".
    private func notIssued(_ identifier: ScannedIdentifier, scanned text: String) async throws -> PassportVerification {
        guard case .batteryID(let batteryID) = identifier.kind, let link = try? GS1DigitalLink(parsing: batteryID),
            link.identifier.key.ai == "01",
            let owner = try await store.operators().first(where: { record in
                record.companyPrefixes.contains { link.identifier.key.value.dropFirst().hasPrefix($0) }
            })
        else { return .unknown(text, at: now()) }
        guard let proof = try? await tries.proof(for: Array(batteryID.utf8), operator: owner.id), !proof.isMember, proof.verifies() else {
            return .unknown(text, at: now())
        }
        let checkpoint = try await store.latestCheckpoint(operator: owner.id)
        let onChain = ledger.publicChain == nil ? nil : try? await ledger.anchorOnChain(operator: owner.id)
        let anchored = checkpoint?.root == proof.root
        var message = "\(owner.name) (\(owner.id)) did not issue \(batteryID): it is absent from its passport trie at root \(proof.root.hex)"
        if let checkpoint, anchored {
            message += ", the root it anchored in transaction \(checkpoint.transaction.hex) (slot \(checkpoint.slot))"
            if let onChain, onChain.root == proof.root { message += ", which \(onChain.chain) holds" }
        } else {
            message += " (not yet anchored: the operator's trie changed since its last anchor)"
        }
        var result = PassportVerification.unknown(text, message: message, at: now())
        result.checks.append("non_membership")
        result.nonMembership = NonMembershipProof(
            operatorID: owner.id, key: proof.key, root: proof.root, proof: proof.proof, anchoredIn: anchored ? checkpoint?.transaction : nil,
            chain: onChain?.root == proof.root ? onChain?.chain : nil)
        return result
    }

    /// The check `anchor_on_chain`: the root of the operator's checkpoint is the one the public chain
    /// holds in the operator's anchor now, read through the chain backend. Otherwise (no anchor on
    /// chain yet, another root, the chain unreadable) the verdict is amber, `anchor_unconfirmed`.
    private func confirmOnChain(_ checkpoint: AnchorCheckpoint, chain: String, into result: inout PassportVerification) async {
        result.checks.append("anchor_on_chain")
        let problem: String
        do {
            if let onChain = try await ledger.anchorOnChain(operator: checkpoint.operatorID) {
                result.chainAnchor = onChain
                if onChain.root == checkpoint.root { return }
                problem = "\(chain) holds root \(onChain.root.hex) (move \(onChain.sequence), transaction \(onChain.transaction.hex)), not the checkpoint's \(checkpoint.root.hex)"
            } else {
                problem = "\(chain) holds no anchor of \(checkpoint.operatorID) yet"
            }
        } catch {
            problem = "\(chain) could not be read: \(error)"
        }
        result.unverified.append("anchor_on_chain")
        result.fail(VerificationProblem(code: "anchor_unconfirmed", message: problem))
    }
}

extension PassportService {
    /// The type of the passport a holder discloses from.
    public static let passportDisclosureType = "BatteryPassportDisclosure"

    /// The battery's current passport attributes (all access groups) as a credential its operator
    /// signs as an SD-JWT (`vc+sd-jwt`), each attribute disclosable on its own: the holder shows
    /// each reader only the attributes its access group may read. The subject is the battery's
    /// identifier; there is no key binding (a battery identifier names no holder key).
    public func passportDisclosure(for device: DeviceRecord) async throws -> SDJWTCredential {
        let verification = try await verify(device.id)
        let member = try await operators.member(device.operatorID)
        let (methodID, signer) = try await member.keys.currentSigner()
        let issuer = try CredentialIssuer(signer: signer, verificationMethod: methodID, now: now)
        var subject: JSONObject = ["id": .string(device.id)]
        for (name, value) in verification.passport { subject[name] = value }
        let document: JSONObject = [
            "@context": ["https://www.w3.org/ns/credentials/v2", .string(PassportCredentials.contextURL)],
            "type": ["VerifiableCredential", .string(Self.passportDisclosureType)],
            "issuer": .string(member.record.id), "validFrom": .string(XSDDateTime.format(now())),
            "credentialSubject": .object(subject),
        ]
        return try await issuer.issueSDJWT(document)
    }
}
