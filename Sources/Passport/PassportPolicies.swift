import Credentials
import Foundation
import Identity
import Trie

/// One check of a passport bundle, as a ``CredentialPolicy`` is one check of a credential: a stable
/// name listed in the result's `checks`, and the failures and warnings it finds, each by code.
public protocol PassportPolicy: Sendable {
    /// Stable name listed in ``PassportVerification/checks``, e.g. `leaf` or `anchor`.
    var name: String { get }
    /// Whether the check concerns this bundle (an origin only a second-life passport has, a plate
    /// token only a scan carries); true unless a policy says otherwise.
    func applies(to bundle: PassportBundle, in context: PassportContext) -> Bool
    func evaluate(_ bundle: PassportBundle, in context: PassportContext) async -> PassportOutcome
}

extension PassportPolicy {
    public func applies(to bundle: PassportBundle, in context: PassportContext) -> Bool { true }
}

/// What a passport policy found.
public struct PassportOutcome: Sendable {
    public var failures: [VerificationProblem]
    public var warnings: [VerificationProblem]

    public init(failures: [VerificationProblem] = [], warnings: [VerificationProblem] = []) {
        self.failures = failures
        self.warnings = warnings
    }
}

/// What every passport policy may use besides the bundle: the time, the leaf decoded once, the plate
/// token of the scan, the credential verifier over the bundle's DID documents and status lists.
public struct PassportContext: Sendable {
    public let now: Date
    /// The bundle's leaf, or why it does not decode.
    public let leaf: Result<BatteryLeaf, PassportError>
    /// The plate token the scan carried, if any.
    public let token: [UInt8]?
    /// Checks a credential's data model, proof (keys from the bundle's DID documents), validity and
    /// status (against the bundle's verified status lists).
    public let credentialVerifier: Verifier
    let resolver: BundleResolver
    let cache: PassportVerificationCache
}

/// `credentials`: each credential's data model, proof, validity and status. A superseded owner's
/// revoked Ownership credential is expected; a suspended Device credential is `recalled`.
public struct CredentialsPassportPolicy: PassportPolicy {
    public let name = "credentials"

    public init() {}

    public func evaluate(_ bundle: PassportBundle, in context: PassportContext) async -> PassportOutcome {
        var failures: [VerificationProblem] = []
        let current = bundle.ownership.last
        for credential in [bundle.device, bundle.bom] + bundle.ownership + bundle.bmsKeys {
            for failure in await context.credentialVerifier.verify(credential).failures {
                if failure.code == "revoked", credential.id != nil, credential.id != current?.id,
                    bundle.ownership.contains(where: { $0.id == credential.id })
                {
                    continue  // a superseded owner's credential is revoked by the hand-off
                }
                if failure.code == "suspended", credential.id == bundle.device.id {
                    failures.append(VerificationProblem(
                        code: "recalled", message: "the Device credential is suspended by a recall", credentialId: credential.id))
                    continue
                }
                failures.append(failure)
            }
        }
        return PassportOutcome(failures: failures)
    }
}

/// `issuer_authority`: every credential issued by the operator (`issuer_mismatch`), and whether the
/// operator is confirmed (a warning otherwise).
public struct IssuerPassportPolicy: PassportPolicy {
    public let name = "issuer_authority"
    public let operatorAuthorized: Bool

    public init(operatorAuthorized: Bool) {
        self.operatorAuthorized = operatorAuthorized
    }

    public func evaluate(_ bundle: PassportBundle, in context: PassportContext) async -> PassportOutcome {
        var outcome = PassportOutcome()
        for credential in [bundle.device, bundle.bom] + bundle.ownership + bundle.bmsKeys where credential.issuerID != bundle.operatorID {
            outcome.failures.append(VerificationProblem(
                code: "issuer_mismatch", message: "issued by \(credential.issuerID ?? "nobody"), not by the operator \(bundle.operatorID)",
                credentialId: credential.id))
        }
        if !operatorAuthorized {
            outcome.warnings.append(VerificationProblem(
                code: "issuer_authority_unconfirmed", message: "\(bundle.operatorID) is not confirmed by a registry this verifier trusts"))
        }
        return outcome
    }
}

/// `ownership_chain`: each hand-off names the Ownership credential it supersedes.
public struct OwnershipChainPassportPolicy: PassportPolicy {
    public let name = "ownership_chain"

    public init() {}

    public func evaluate(_ bundle: PassportBundle, in context: PassportContext) async -> PassportOutcome {
        var failures: [VerificationProblem] = []
        for (index, credential) in bundle.ownership.enumerated() {
            let previous = credential.json["credentialSubject"]?["previousOwnership"]?.stringValue
            let expected = index == 0 ? nil : bundle.ownership[index - 1].id
            if previous != expected {
                failures.append(VerificationProblem(
                    code: "ownership_chain_broken", message: "ownership credential \(index + 1) does not supersede the one before it",
                    credentialId: credential.id))
            }
        }
        return PassportOutcome(failures: failures)
    }
}

/// `leaf`: the leaf decodes and describes these credentials and BMS key (`leaf_mismatch`).
public struct LeafPassportPolicy: PassportPolicy {
    public let name = "leaf"

    public init() {}

    public func evaluate(_ bundle: PassportBundle, in context: PassportContext) async -> PassportOutcome {
        switch context.leaf {
        case .success(let leaf): PassportOutcome(failures: PassportVerifier.leafMismatches(leaf, bundle))
        case .failure(let error): PassportOutcome(failures: [VerificationProblem(code: error.code, message: error.message)])
        }
    }
}

/// `trie_proof`: the leaf and its proof lead to the trie root the bundle names.
public struct TrieProofPassportPolicy: PassportPolicy {
    public let name = "trie_proof"

    public init() {}

    public func evaluate(_ bundle: PassportBundle, in context: PassportContext) async -> PassportOutcome {
        guard !MPF.has(root: bundle.trieRoot, key: Array(bundle.batteryID.utf8), value: bundle.leaf, proof: bundle.proof) else {
            return PassportOutcome()
        }
        return PassportOutcome(failures: [VerificationProblem(
            code: "trie_proof_invalid", message: "the leaf and proof do not lead to the trie root \(bundle.trieRoot.hex)")])
    }
}

/// `anchor`: the trie root is the one anchored (`not_anchored`; `root_mismatch`, or `anchor_stale`
/// when the verifier knows the root from the operator's history).
public struct AnchorPassportPolicy: PassportPolicy {
    public let name = "anchor"
    public let rootInHistory: Bool

    public init(rootInHistory: Bool) {
        self.rootInHistory = rootInHistory
    }

    public func evaluate(_ bundle: PassportBundle, in context: PassportContext) async -> PassportOutcome {
        guard let anchor = bundle.anchor else {
            return PassportOutcome(failures: [VerificationProblem(code: "not_anchored", message: "the operator has not anchored its trie root yet")])
        }
        guard anchor.root != bundle.trieRoot else { return PassportOutcome() }
        if rootInHistory {
            return PassportOutcome(failures: [VerificationProblem(
                code: "anchor_stale", message: "the passport changed after the last anchor (slot \(anchor.slot)); the next batch anchors it")])
        }
        return PassportOutcome(failures: [VerificationProblem(
            code: "root_mismatch", message: "the trie root \(bundle.trieRoot.hex) is not the anchored root \(anchor.root.hex)")])
    }
}

/// `origin`, for a second-life passport: the original leaf is Repurposed and proven in the root the
/// original operator anchored (`origin_invalid`).
public struct OriginPassportPolicy: PassportPolicy {
    public let name = "origin"

    public init() {}

    public func applies(to bundle: PassportBundle, in context: PassportContext) -> Bool {
        (try? context.leaf.get())?.origin != nil
    }

    public func evaluate(_ bundle: PassportBundle, in context: PassportContext) async -> PassportOutcome {
        guard let origin = (try? context.leaf.get())?.origin,
            let problem = PassportVerifier.originProblem(origin, originLeaf: bundle.originLeaf)
        else { return PassportOutcome() }
        return PassportOutcome(failures: [problem])
    }
}

/// `lifecycle`: recall, end of life, warranty and firmware advisories, from the leaf.
public struct LifecyclePassportPolicy: PassportPolicy {
    public let name = "lifecycle"

    public init() {}

    public func evaluate(_ bundle: PassportBundle, in context: PassportContext) async -> PassportOutcome {
        guard let leaf = try? context.leaf.get() else { return PassportOutcome() }
        return PassportOutcome(failures: PassportVerifier.statusProblems(leaf, at: context.now))
    }
}

/// `plate_token`, when the scan carried one: signed by the operator for this battery.
public struct PlateTokenPassportPolicy: PassportPolicy {
    public let name = "plate_token"

    public init() {}

    public func applies(to bundle: PassportBundle, in context: PassportContext) -> Bool { context.token != nil }

    public func evaluate(_ bundle: PassportBundle, in context: PassportContext) async -> PassportOutcome {
        guard let token = context.token,
            let problem = await PlateToken.check(
                token, batteryID: bundle.batteryID, operatorID: bundle.operatorID, resolver: context.resolver, cache: context.cache)
        else { return PassportOutcome() }
        return PassportOutcome(failures: [problem])
    }
}
