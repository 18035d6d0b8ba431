import Credentials
import Encoding
import Foundation
import Identity
import Ledger
import Readings
import Trie

/// What a scan of a battery shows: green (genuine and in order), amber (genuine, but something needs
/// attention) or red (not genuine, recalled or no longer in service).
public enum PassportVerdict: String, Sendable, Hashable {
    case green, amber, red
}

/// One verification of a battery's passport: the verdict, every failure and warning by code, and the
/// public passport attributes.
public struct PassportVerification: Sendable {
    public var verdict: PassportVerdict
    public var batteryID: String
    public var operatorID: String?
    /// Failures, each with a stable code (e.g. `recalled`, `signature_invalid`, `anchor_stale`).
    public var failures: [VerificationProblem]
    /// Things to know that do not change the verdict (e.g. `issuer_authority_unconfirmed`).
    public var warnings: [VerificationProblem]
    /// The checks that ran, in order.
    public var checks: [String]
    /// The checks among them that could not be made against anything the verifier trusts
    /// independently of the bundle (e.g. `anchor` and `issuer_keys` with no pinned key); their
    /// failures (amber codes) say why. Every other check was verified.
    public var unverified: [String]
    /// Every attribute shown to someone: model, chemistry, status, warranty, firmware, owner, state of
    /// health. What a requester sees is ``visiblePassport``.
    public var passport: JSONObject
    /// The access groups the requester may read: the public one unless a role credential opened more.
    public var accessGroups: Set<AccessGroup> = [.public]
    /// Why a requester who presented a role credential got no more than the public view.
    public var accessRefused: VerificationProblem?
    public var verifiedAt: Date
    /// The operator's anchor as the public chain holds it, when the ledger is on one and was read.
    public var chainAnchor: PublicAnchor?
    /// For an identifier no operator provisioned under a registered company prefix: the proof that the
    /// battery is absent from that operator's trie.
    public var nonMembership: NonMembershipProof?

    /// Failure codes that leave the verdict amber: the battery is genuine but needs attention.
    /// Among them, those that say something could not be verified: `not_anchored`, `anchor_unverified`,
    /// `issuer_key_unpinned`, `anchor_outdated`, `anchor_unconfirmed`.
    public static let amberCodes: Set<String> = [
        "warranty_expired", "warranty_voided", "firmware_advisory", "repurposed", "anchor_stale", "not_anchored", "anchor_unverified",
        "issuer_key_unpinned", "anchor_outdated", "anchor_unconfirmed",
    ]

    public init(
        batteryID: String, operatorID: String?, failures: [VerificationProblem], warnings: [VerificationProblem], checks: [String],
        unverified: [String] = [], passport: JSONObject, verifiedAt: Date
    ) {
        self.batteryID = batteryID
        self.operatorID = operatorID
        self.failures = failures
        self.warnings = warnings
        self.checks = checks
        self.unverified = unverified
        self.passport = passport
        self.verifiedAt = verifiedAt
        verdict = Self.verdict(failures)
    }

    static func verdict(_ failures: [VerificationProblem]) -> PassportVerdict {
        if failures.isEmpty { return .green }
        return failures.allSatisfy({ amberCodes.contains($0.code) }) ? .amber : .red
    }

    /// Adds a failure found outside the bundle (e.g. by the service, against its ledger).
    public mutating func fail(_ problem: VerificationProblem) {
        failures.append(problem)
        verdict = Self.verdict(failures)
    }

    /// The result for an identifier that names no battery of any registered operator.
    public static func unknown(_ identifier: String, code: String = "unknown_device", message: String? = nil, at date: Date)
        -> PassportVerification
    {
        PassportVerification(
            batteryID: identifier, operatorID: nil,
            failures: [VerificationProblem(code: code, message: message ?? "no registered operator has provisioned \(identifier)")],
            warnings: [], checks: ["identity"], passport: [:], verifiedAt: date)
    }

    public var failureCodes: [String] { failures.map(\.code) }

    /// The attributes of ``passport`` the requester's access groups may read.
    public var visiblePassport: JSONObject { PassportAttributeAccess.view(passport, for: accessGroups) }

    public var json: JSONObject {
        [
            "verdict": .string(verdict.rawValue),
            "verified": .bool(verdict != .red),
            "batteryId": .string(batteryID),
            "operator": operatorID.map(JSONValue.string) ?? .null,
            "checks": .array(checks.map(JSONValue.string)),
            "unverified": .array(unverified.map(JSONValue.string)),
            "failures": .array(failures.map(\.json)),
            "warnings": .array(warnings.map(\.json)),
            "passport": .object(visiblePassport),
            "accessGroups": .array(AccessGroup.allCases.filter(accessGroups.contains).map { .string($0.rawValue) }),
            "accessRefused": accessRefused.map(\.json) ?? .null,
            "verifiedAt": .string(XSDDateTime.format(verifiedAt)),
            "nonMembership": nonMembership.map { .object($0.json) } ?? .null,
            "chainAnchor": chainAnchor.map { anchor in
                .object([
                    "chain": .string(anchor.chain), "transaction": .string(anchor.transaction.hex), "outputIndex": .number(Double(anchor.outputIndex)),
                    "root": .string(anchor.root.hex), "sequence": .number(Double(anchor.sequence)),
                    "policyId": .string(Hex.encode(anchor.policyID)), "assetName": .string(Hex.encode(anchor.assetName)),
                    "slot": anchor.slot.map { .number(Double($0)) } ?? .null,
                ])
            } ?? .null,
        ]
    }
}

/// That a key is absent from an operator's passport trie: the MPF proof against the root, and where
/// that root is anchored. Anyone checks it with `MPF.miss(root:key:proof:)` (or `voltpass trie verify --absent`).
public struct NonMembershipProof: Sendable {
    public var operatorID: String
    public var key: [UInt8]
    public var root: Hash32
    public var proof: Proof
    /// The transaction of the operator's checkpoint that anchored `root`, when it is the anchored root.
    public var anchoredIn: Hash32?
    /// The public chain that holds `root` as the operator's anchor now, when it does.
    public var chain: String?

    public var json: JSONObject {
        [
            "operator": .string(operatorID), "key": .string(String(decoding: key, as: UTF8.self)), "root": .string(root.hex),
            "proof": .string(Hex.encode(proof.cbor())), "anchoredIn": anchoredIn.map { .string($0.hex) } ?? .null,
            "chain": chain.map(JSONValue.string) ?? .null,
        ]
    }
}

/// Checks a ``PassportBundle`` with a list of ``PassportPolicy``s, as the credential ``Verifier``
/// does with its policies: every credential's proof, validity and status, that the operator issued
/// them with keys the verifier pins, the ownership chain, the leaf against the credentials and its
/// trie proof against the root of the operator's signed anchor checkpoint, the origin of a
/// second-life passport, the lifecycle status, and (when the scan carried one) the plate token. Each
/// failure carries its stable code; the verdict follows from them.
///
/// Green means checked: the operator's signatures count only with the keys in ``trustedKeys`` (the
/// DID document a bundle carries is the bundle's word, so it is replaced by the pinned keys and
/// compared with them). A verifier that pins no key of the operator cannot say green.
public struct PassportVerifier: Sendable {
    /// The checks, in order.
    public var policies: [any PassportPolicy]
    /// The keys the verifier trusts: a trust file offline, the operator's key history on the service.
    public var trustedKeys: PinnedKeys
    /// Work already done for earlier verifications (proofs, decoded status lists), if shared; share
    /// it only between verifiers with the same trusted keys.
    private let cache: PassportVerificationCache?
    private let now: @Sendable () -> Date

    public init(
        policies: [any PassportPolicy], trustedKeys: PinnedKeys, cache: PassportVerificationCache? = nil,
        now: @escaping @Sendable () -> Date = Date.init
    ) {
        self.policies = policies
        self.trustedKeys = trustedKeys
        self.cache = cache
        self.now = now
    }

    /// The standard checks with `trustedKeys`. `rootInHistory`: whether the trie root the bundle names
    /// has been seen in the operator's history (the service knows; offline it cannot be told apart
    /// from a forged root, so it is trusted only when anchored). `maxCheckpointAge`: how old a
    /// checkpoint may be before the result says the passport may have changed since.
    public init(
        trustedKeys: PinnedKeys, rootInHistory: Bool = false, maxCheckpointAge: TimeInterval? = nil, cache: PassportVerificationCache? = nil,
        now: @escaping @Sendable () -> Date = Date.init
    ) {
        self.init(
            policies: Self.standardPolicies(rootInHistory: rootInHistory, maxCheckpointAge: maxCheckpointAge), trustedKeys: trustedKeys,
            cache: cache, now: now)
    }

    /// Every check a scan runs, in order.
    public static func standardPolicies(rootInHistory: Bool, maxCheckpointAge: TimeInterval? = nil) -> [any PassportPolicy] {
        [
            CredentialsPassportPolicy(), IssuerPassportPolicy(), IssuerKeysPassportPolicy(), OwnershipChainPassportPolicy(),
            LeafPassportPolicy(), TrieProofPassportPolicy(), AnchorPassportPolicy(rootInHistory: rootInHistory, maxAge: maxCheckpointAge),
            AnchorTransactionPassportPolicy(),
            OriginPassportPolicy(), LifecyclePassportPolicy(), PlateTokenPassportPolicy(),
        ]
    }

    /// The bundle's status lists, each verified (its proof, data model and validity) and decoded, by
    /// URL; and why each that could not be used was refused.
    static func statusLists(_ documents: [JSONObject], verifier: Verifier, cache: PassportVerificationCache) async
        -> (lists: [String: StatusListCredential], invalid: [String: StatusListError])
    {
        var lists: [String: StatusListCredential] = [:]
        var invalid: [String: StatusListError] = [:]
        for document in documents {
            guard let url = document["id"]?.stringValue else { continue }
            let digest = PassportVerificationCache.digest(document)
            if let list = cache.statusList(digest) {
                lists[url] = list
                continue
            }
            let result = await verifier.verify(Credential(document))
            guard result.verified else {
                let reasons = result.failures.map { "\($0.code): \($0.message)" }.joined(separator: "; ")
                invalid[url] = StatusListError(.statusListInvalid, "the status list credential does not verify: \(reasons)")
                continue
            }
            do {
                let list = try StatusListCredential(document: document)
                cache.store(list, for: digest)
                lists[url] = list
            } catch {
                invalid[url] = error
            }
        }
        return (lists, invalid)
    }

    /// Verifies `bundle`; `token` is the plate token the scan carried, if any.
    public func verify(_ bundle: PassportBundle, token: [UInt8]? = nil) async -> PassportVerification {
        let date = now()
        // A pinned DID resolves to its pinned keys, never to the document the bundle carries.
        var documents = Dictionary(bundle.didDocuments.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        for did in Set(trustedKeys.keys.map(\.controller)) { documents[did] = trustedKeys.document(for: did) }
        let resolver = BundleResolver(documents: documents)
        let cache = self.cache ?? PassportVerificationCache(capacity: 64)
        let proof = CachedProofPolicy(inner: ProofPolicy(resolver: resolver), cache: cache)
        let documentPolicies: [any CredentialPolicy] = [DataModelPolicy(), proof, ValidityPeriodPolicy()]
        let (lists, invalid) = await Self.statusLists(
            bundle.statusLists, verifier: Verifier(credentialPolicies: documentPolicies, now: { date }), cache: cache)
        let context = PassportContext(
            now: date, trustedKeys: trustedKeys, leaf: Result { () throws(PassportError) in try BatteryLeaf(cbor: bundle.leaf) }, token: token,
            credentialVerifier: Verifier(
                credentialPolicies: documentPolicies + [SnapshotStatusPolicy(lists: lists, invalid: invalid)], now: { date }),
            resolver: resolver, cache: cache)
        var failures: [VerificationProblem] = []
        var warnings: [VerificationProblem] = []
        var checks: [String] = []
        var unverified: [String] = []
        for policy in policies where policy.applies(to: bundle, in: context) {
            checks.append(policy.name)
            let outcome = await policy.evaluate(bundle, in: context)
            if outcome.unverified { unverified.append(policy.name) }
            for failure in outcome.failures where !(failure.code == "recalled" && failures.contains { $0.code == "recalled" }) {
                failures.append(failure)  // a recall shows once, whether the credential or the leaf told
            }
            warnings += outcome.warnings
        }
        return PassportVerification(
            batteryID: bundle.batteryID, operatorID: bundle.operatorID, failures: failures, warnings: warnings, checks: checks,
            unverified: unverified, passport: Self.publicAttributes(bundle, leaf: try? context.leaf.get()), verifiedAt: date)
    }

    /// Nil when the original leaf is Repurposed and the origin proof leads from it to the root the
    /// original operator anchored; otherwise `origin_invalid`.
    static func originProblem(_ origin: BatteryLeaf.Origin, originLeaf: [UInt8]?) -> VerificationProblem? {
        guard let originLeaf, let original = try? BatteryLeaf(cbor: originLeaf) else {
            return VerificationProblem(code: "origin_invalid", message: "the original passport's leaf is missing or malformed")
        }
        guard original.batteryID == origin.batteryID, original.status == .repurposed else {
            return VerificationProblem(code: "origin_invalid", message: "the original leaf is not \(origin.batteryID) in status Repurposed")
        }
        guard MPF.has(root: origin.anchoredRoot, key: Array(origin.batteryID.utf8), value: originLeaf, proof: origin.proof) else {
            return VerificationProblem(
                code: "origin_invalid", message: "the origin proof does not lead to the root \(origin.anchoredRoot.hex) of \(origin.operatorID)")
        }
        return nil
    }

    static func leafMismatches(_ leaf: BatteryLeaf, _ bundle: PassportBundle) -> [VerificationProblem] {
        var problems: [String] = []
        if leaf.batteryID != bundle.batteryID { problems.append("it is the leaf of \(leaf.batteryID)") }
        if leaf.credentials.device != bundle.device.id { problems.append("it names another Device credential") }
        if leaf.credentials.bom != bundle.bom.id { problems.append("it names another BOM credential") }
        if !bundle.ownershipWithheld, leaf.credentials.ownership != bundle.ownership.last?.id {
            problems.append("it names another Ownership credential")
        }
        let keyCredential = bundle.bmsKeys.last ?? bundle.device
        let registered = keyCredential.json["credentialSubject"]?["bmsPublicKeyMultibase"]?.stringValue
        // A Multikey is a two-byte multicodec header and the raw key, base58btc after `z`.
        let registeredKey = registered.flatMap { try? Multibase.decode($0).bytes }.map { Array($0.dropFirst(2)) }
        if registeredKey != leaf.bmsPublicKey {
            problems.append("its BMS key is not the one the credentials register")
        }
        return problems.map { VerificationProblem(code: "leaf_mismatch", message: "the trie leaf does not match the credentials: \($0)") }
    }

    static func statusProblems(_ leaf: BatteryLeaf, at date: Date) -> [VerificationProblem] {
        var problems: [VerificationProblem] = []
        if case .recalled(let id, _) = leaf.recall {
            problems.append(VerificationProblem(code: "recalled", message: "the battery is under recall \(id)"))
        }
        switch leaf.status {
        case .recycled:
            problems.append(VerificationProblem(code: "recycled", message: "the battery was recycled; its passport has ceased"))
        case .repurposed:
            problems.append(VerificationProblem(code: "repurposed", message: "the battery's first life ended; a new operator carries its passport"))
        case .virgin, .active:
            break
        }
        if let warranty = leaf.warranty {
            if warranty.voided {
                problems.append(VerificationProblem(code: "warranty_voided", message: "the warranty was voided"))
            } else if !warranty.covers(date) {
                problems.append(VerificationProblem(code: "warranty_expired", message: "the warranty does not cover today"))
            }
        }
        if let advisory = leaf.firmware.advisory {
            problems.append(VerificationProblem(code: "firmware_advisory", message: "firmware \(leaf.firmware.version): \(advisory)"))
        }
        return problems
    }

    static func publicAttributes(_ bundle: PassportBundle, leaf: BatteryLeaf?) -> JSONObject {
        let subject = bundle.device.json["credentialSubject"]?.objectValue ?? [:]
        var passport: JSONObject = [:]
        for name in ["gtin", "serial", "lot", "model", "batteryCategory", "batteryChemistry", "batteryTechicalProperties",
            "batteryMass", "manufacturingDate", "warrentyPeriod", "firmware"]
        {
            if let value = subject[name] { passport[name] = value }
        }
        passport["manufacturer"] = .string(bundle.operatorID)
        if let owner = bundle.ownership.last?.json["credentialSubject"]?["owner"] { passport["owner"] = owner }
        if let leaf {
            // The leaf is the battery's current state: a firmware update shows, not the version it left the line with.
            passport["firmware"] = .object(["version": .string(leaf.firmware.version), "sha256": .string(Hex.encode(leaf.firmware.hash))])
            passport["status"] = .string(leaf.status.description)
            passport["stateOfHealthPerMille"] = .number(Double(leaf.lastSoH))
            passport["cycleCount"] = .number(Double(leaf.lastCycleCount))
            if case .recalled(let id, _) = leaf.recall { passport["recall"] = .string(id) }
            if let warranty = leaf.warranty {
                passport["warranty"] = .object([
                    "start": .string(XSDDateTime.format(Date(timeIntervalSince1970: Double(warranty.startMilliseconds) / 1000))),
                    "end": .string(XSDDateTime.format(Date(timeIntervalSince1970: Double(warranty.endMilliseconds) / 1000))),
                    "voided": .bool(warranty.voided),
                ])
            }
            if let advisory = leaf.firmware.advisory { passport["firmwareAdvisory"] = .string(advisory) }
            if let origin = leaf.origin {
                passport["origin"] = .object(["operator": .string(origin.operatorID), "batteryId": .string(origin.batteryID)])
            }
        }
        return passport
    }
}
