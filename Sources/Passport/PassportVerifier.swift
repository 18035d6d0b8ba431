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
    /// Public attributes: model, chemistry, status, warranty, firmware, owner, state of health.
    public var passport: JSONObject
    public var verifiedAt: Date

    /// Failure codes that leave the verdict amber: the battery is genuine but needs attention.
    public static let amberCodes: Set<String> = [
        "warranty_expired", "warranty_voided", "firmware_advisory", "repurposed", "anchor_stale", "not_anchored",
    ]

    public init(
        batteryID: String, operatorID: String?, failures: [VerificationProblem], warnings: [VerificationProblem], checks: [String],
        passport: JSONObject, verifiedAt: Date
    ) {
        self.batteryID = batteryID
        self.operatorID = operatorID
        self.failures = failures
        self.warnings = warnings
        self.checks = checks
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

    public var json: JSONObject {
        [
            "verdict": .string(verdict.rawValue),
            "verified": .bool(verdict != .red),
            "batteryId": .string(batteryID),
            "operator": operatorID.map(JSONValue.string) ?? .null,
            "checks": .array(checks.map(JSONValue.string)),
            "failures": .array(failures.map(\.json)),
            "warnings": .array(warnings.map(\.json)),
            "passport": .object(passport),
            "verifiedAt": .string(XSDDateTime.format(verifiedAt)),
        ]
    }
}

/// Checks a ``PassportBundle``: every credential's proof, validity and status, that the operator
/// issued them, the ownership chain, the leaf against the credentials and its trie proof against the
/// anchored root, the lifecycle status, and (when the scan carried one) the plate token.
public struct PassportVerifier: Sendable {
    /// Whether the operator is known to be authorized (registered with this instance); otherwise the
    /// result warns `issuer_authority_unconfirmed`.
    public var operatorAuthorized: Bool
    /// Whether the trie root the bundle names has been seen in the operator's history (the service
    /// knows; offline it cannot be told apart from a forged root, so it is trusted only when anchored).
    public var rootInHistory: Bool
    /// Work already done for earlier verifications (proofs, decoded status lists), if shared.
    private let cache: PassportVerificationCache?
    private let now: @Sendable () -> Date

    public init(
        operatorAuthorized: Bool, rootInHistory: Bool = false, cache: PassportVerificationCache? = nil,
        now: @escaping @Sendable () -> Date = Date.init
    ) {
        self.operatorAuthorized = operatorAuthorized
        self.rootInHistory = rootInHistory
        self.cache = cache
        self.now = now
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
        var failures: [VerificationProblem] = []
        var warnings: [VerificationProblem] = []
        var checks: [String] = []
        let resolver = BundleResolver(documents: Dictionary(bundle.didDocuments.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a }))
        let cache = self.cache ?? PassportVerificationCache(capacity: 64)
        let proof = CachedProofPolicy(inner: ProofPolicy(resolver: resolver), cache: cache)
        let documentPolicies: [any CredentialPolicy] = [DataModelPolicy(), proof, ValidityPeriodPolicy()]
        let (lists, invalid) = await Self.statusLists(
            bundle.statusLists, verifier: Verifier(credentialPolicies: documentPolicies, now: { date }), cache: cache)
        let verifier = Verifier(
            credentialPolicies: documentPolicies + [SnapshotStatusPolicy(lists: lists, invalid: invalid)], now: { date })

        // Credentials: proofs, validity, status; every one issued by the operator.
        checks.append("credentials")
        let current = bundle.ownership.last
        for credential in [bundle.device, bundle.bom] + bundle.ownership + bundle.bmsKeys {
            let result = await verifier.verify(credential)
            for failure in result.failures {
                if failure.code == "revoked", credential.id != nil, credential.id != current?.id,
                    bundle.ownership.contains(where: { $0.id == credential.id })
                {
                    continue  // a superseded owner's credential is revoked by the hand-off
                }
                if failure.code == "suspended", credential.id == bundle.device.id {
                    failures.append(VerificationProblem(code: "recalled", message: "the Device credential is suspended by a recall", credentialId: credential.id))
                    continue
                }
                failures.append(failure)
            }
            if credential.issuerID != bundle.operatorID {
                failures.append(VerificationProblem(
                    code: "issuer_mismatch", message: "issued by \(credential.issuerID ?? "nobody"), not by the operator \(bundle.operatorID)",
                    credentialId: credential.id))
            }
        }
        checks.append("issuer_authority")
        if !operatorAuthorized {
            warnings.append(VerificationProblem(
                code: "issuer_authority_unconfirmed", message: "\(bundle.operatorID) is not confirmed by a registry this verifier trusts"))
        }

        // Ownership chain: each hand-off names the credential it supersedes.
        checks.append("ownership_chain")
        for (index, credential) in bundle.ownership.enumerated() {
            let previous = credential.json["credentialSubject"]?["previousOwnership"]?.stringValue
            let expected = index == 0 ? nil : bundle.ownership[index - 1].id
            if previous != expected {
                failures.append(VerificationProblem(
                    code: "ownership_chain_broken", message: "ownership credential \(index + 1) does not supersede the one before it",
                    credentialId: credential.id))
            }
        }

        // The leaf: it must describe these credentials and be proven in the anchored trie.
        checks.append("leaf")
        var leaf: BatteryLeaf?
        do {
            let decoded = try BatteryLeaf(cbor: bundle.leaf)
            leaf = decoded
            failures += Self.leafMismatches(decoded, bundle)
        } catch {
            failures.append(VerificationProblem(code: error.code, message: error.message))
        }
        checks.append("trie_proof")
        if !MPF.has(root: bundle.trieRoot, key: Array(bundle.batteryID.utf8), value: bundle.leaf, proof: bundle.proof) {
            failures.append(VerificationProblem(
                code: "trie_proof_invalid", message: "the leaf and proof do not lead to the trie root \(bundle.trieRoot.hex)"))
        }
        checks.append("anchor")
        if let anchor = bundle.anchor {
            if anchor.root != bundle.trieRoot {
                if rootInHistory {
                    failures.append(VerificationProblem(
                        code: "anchor_stale", message: "the passport changed after the last anchor (slot \(anchor.slot)); the next batch anchors it"))
                } else {
                    failures.append(VerificationProblem(
                        code: "root_mismatch", message: "the trie root \(bundle.trieRoot.hex) is not the anchored root \(anchor.root.hex)"))
                }
            }
        } else {
            failures.append(VerificationProblem(code: "not_anchored", message: "the operator has not anchored its trie root yet"))
        }

        if let origin = leaf?.origin {
            checks.append("origin")
            if let problem = Self.originProblem(origin, originLeaf: bundle.originLeaf) { failures.append(problem) }
        }

        // Lifecycle, recall, warranty and firmware.
        checks.append("lifecycle")
        if let leaf {
            failures += Self.statusProblems(leaf, at: date, hasSuspendedCredential: failures.contains { $0.code == "recalled" })
        }

        if let token {
            checks.append("plate_token")
            if let problem = await PlateToken.check(
                token, batteryID: bundle.batteryID, operatorID: bundle.operatorID, resolver: resolver, cache: cache)
            {
                failures.append(problem)
            }
        }
        return PassportVerification(
            batteryID: bundle.batteryID, operatorID: bundle.operatorID, failures: failures, warnings: warnings, checks: checks,
            passport: Self.publicAttributes(bundle, leaf: leaf), verifiedAt: date)
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
        if leaf.credentials.ownership != bundle.ownership.last?.id { problems.append("it names another Ownership credential") }
        let keyCredential = bundle.bmsKeys.last ?? bundle.device
        let registered = keyCredential.json["credentialSubject"]?["bmsPublicKeyMultibase"]?.stringValue
        // A Multikey is a two-byte multicodec header and the raw key, base58btc after `z`.
        let registeredKey = registered.flatMap { try? Multibase.decode($0).bytes }.map { Array($0.dropFirst(2)) }
        if registeredKey != leaf.bmsPublicKey {
            problems.append("its BMS key is not the one the credentials register")
        }
        return problems.map { VerificationProblem(code: "leaf_mismatch", message: "the trie leaf does not match the credentials: \($0)") }
    }

    static func statusProblems(_ leaf: BatteryLeaf, at date: Date, hasSuspendedCredential: Bool) -> [VerificationProblem] {
        var problems: [VerificationProblem] = []
        if case .recalled(let id, _) = leaf.recall, !hasSuspendedCredential {
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
