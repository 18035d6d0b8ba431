import Cardano
import Credentials
import Encoding
import Foundation
import Identity
import Ledger
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
    /// Whether the check could not be made against anything the verifier trusts independently of the
    /// bundle (no pinned key, no anchor); its failures then say why (amber codes).
    public var unverified: Bool

    public init(failures: [VerificationProblem] = [], warnings: [VerificationProblem] = [], unverified: Bool = false) {
        self.failures = failures
        self.warnings = warnings
        self.unverified = unverified
    }
}

/// What every passport policy may use besides the bundle: the time, the leaf decoded once, the plate
/// token of the scan, the keys the verifier pins, the credential verifier over the bundle's DID
/// documents (a pinned DID's replaced by its pinned keys) and status lists.
public struct PassportContext: Sendable {
    public let now: Date
    /// The keys the verifier trusts without the bundle's word for them.
    public let trustedKeys: PinnedKeys
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
/// verifier confirms the operator by pinning its keys (the warning `issuer_authority_unconfirmed`
/// otherwise).
public struct IssuerPassportPolicy: PassportPolicy {
    public let name = "issuer_authority"

    public init() {}

    public func evaluate(_ bundle: PassportBundle, in context: PassportContext) async -> PassportOutcome {
        var outcome = PassportOutcome()
        for credential in [bundle.device, bundle.bom] + bundle.ownership + bundle.bmsKeys where credential.issuerID != bundle.operatorID {
            outcome.failures.append(VerificationProblem(
                code: "issuer_mismatch", message: "issued by \(credential.issuerID ?? "nobody"), not by the operator \(bundle.operatorID)",
                credentialId: credential.id))
        }
        if !context.trustedKeys.pins(bundle.operatorID) {
            outcome.warnings.append(VerificationProblem(
                code: "issuer_authority_unconfirmed", message: "\(bundle.operatorID) is not confirmed by keys or a registry this verifier trusts"))
        }
        return outcome
    }
}

/// `issuer_keys`: every key of the operator that signs the bundle's credentials and status lists is
/// one the verifier pins (`key_not_pinned`), and the DID document the bundle carries gives each of
/// them the pinned key (`did_document_mismatch`), so a swapped DID document is caught. (The proofs
/// themselves are checked with the pinned keys, whatever the carried document says.) When the
/// verifier pins no key of the operator, the signatures could only be checked against the carried
/// document: `issuer_key_unpinned` (amber), and the check is unverified.
public struct IssuerKeysPassportPolicy: PassportPolicy {
    public let name = "issuer_keys"

    public init() {}

    public func evaluate(_ bundle: PassportBundle, in context: PassportContext) async -> PassportOutcome {
        let operatorID = bundle.operatorID
        guard context.trustedKeys.pins(operatorID) else {
            return PassportOutcome(
                failures: [VerificationProblem(
                    code: "issuer_key_unpinned",
                    message: "no key of \(operatorID) is pinned (no trust file, or it does not list the operator): "
                        + "the signatures were checked only against the DID document the bundle carries")],
                unverified: true)
        }
        let carried = bundle.didDocuments.first { $0.id == operatorID }
        var failures: [VerificationProblem] = []
        for methodID in Self.verificationMethods(bundle) where (try? DIDURL(methodID))?.did == operatorID {
            guard let pinned = context.trustedKeys.key(id: methodID) else {
                failures.append(VerificationProblem(
                    code: "key_not_pinned", message: "\(methodID) signs in the bundle but is not a key the verifier pins for \(operatorID)"))
                continue
            }
            guard let method = carried?.verificationMethod(id: methodID), let key = try? method.publicKey() else {
                failures.append(VerificationProblem(
                    code: "did_document_mismatch", message: "the DID document in the bundle lacks the pinned key \(methodID)"))
                continue
            }
            if key != pinned.publicKey {
                failures.append(VerificationProblem(
                    code: "did_document_mismatch", message: "the DID document in the bundle gives \(methodID) another key than the pinned one"))
            }
        }
        return PassportOutcome(failures: failures)
    }

    /// The verification methods the proofs of the bundle's credentials and status lists name, each once.
    static func verificationMethods(_ bundle: PassportBundle) -> [String] {
        let documents = ([bundle.device, bundle.bom] + bundle.ownership + bundle.bmsKeys).map(\.json) + bundle.statusLists
        var methods: [String] = []
        for document in documents {
            let proofs: [JSONValue]
            switch document["proof"] {
            case .array(let items)?: proofs = items
            case let proof?: proofs = [proof]
            case nil: proofs = []
            }
            for proof in proofs {
                if let method = proof["verificationMethod"]?.stringValue, !methods.contains(method) { methods.append(method) }
            }
        }
        return methods
    }
}

/// `ownership_chain`: each hand-off names the Ownership credential it supersedes. A bundle that
/// withholds its Ownership credentials (the public one) has no chain to check, and its result says so
/// (`ownership_withheld`, a warning).
public struct OwnershipChainPassportPolicy: PassportPolicy {
    public let name = "ownership_chain"

    public init() {}

    public func applies(to bundle: PassportBundle, in context: PassportContext) -> Bool { !bundle.ownershipWithheld }

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
        case .success(let leaf):
            let withheld = bundle.ownershipWithheld ? [
                VerificationProblem(
                    code: "ownership_withheld",
                    message: "the bundle carries no Ownership credentials (who owns the battery is for persons with a legitimate interest)")
            ] : []
            return PassportOutcome(failures: PassportVerifier.leafMismatches(leaf, bundle), warnings: withheld)
        case .failure(let error):
            return PassportOutcome(failures: [VerificationProblem(code: error.code, message: error.message)])
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

/// `anchor`: the bundle's trie root is the one the operator's signed checkpoint names, and the
/// checkpoint is signed with a key the verifier pins for the operator, valid when it signed.
/// - No checkpoint: `not_anchored` (amber; the root is unverified).
/// - The operator not pinned: `anchor_unverified` (amber; its signature could only be checked
///   against the bundle's own DID document, which proves nothing).
/// - A checkpoint of another operator, by a key not pinned, by a key not valid at its time, or whose
///   signature does not verify: `anchor_signature_invalid`.
/// - Another root: `anchor_stale` (amber) when the verifier knows the root from the operator's
///   history (the service does), otherwise `root_mismatch`.
/// - Older than `maxAge` when one is set: `anchor_outdated` (amber; a newer state may exist).
public struct AnchorPassportPolicy: PassportPolicy {
    public let name = "anchor"
    public let rootInHistory: Bool
    /// How old a checkpoint may be before the result says so, if that matters to the verifier.
    public let maxAge: TimeInterval?

    public init(rootInHistory: Bool, maxAge: TimeInterval? = nil) {
        self.rootInHistory = rootInHistory
        self.maxAge = maxAge
    }

    public func evaluate(_ bundle: PassportBundle, in context: PassportContext) async -> PassportOutcome {
        guard let checkpoint = bundle.anchor else {
            return PassportOutcome(
                failures: [VerificationProblem(
                    code: "not_anchored", message: "the bundle carries no anchor checkpoint, so nothing vouches for its trie root")],
                unverified: true)
        }
        var outcome = PassportOutcome()
        if checkpoint.operatorID != bundle.operatorID {
            outcome.failures.append(VerificationProblem(
                code: "anchor_signature_invalid", message: "the checkpoint is of \(checkpoint.operatorID), not of \(bundle.operatorID)"))
        } else if !context.trustedKeys.pins(bundle.operatorID) {
            outcome.failures.append(VerificationProblem(
                code: "anchor_unverified",
                message: "no key of \(bundle.operatorID) is pinned, so the checkpoint's signature cannot show the operator made it"))
            outcome.unverified = true
        } else if let problem = checkpoint.signatureProblem(trusted: context.trustedKeys) {
            outcome.failures.append(VerificationProblem(code: "anchor_signature_invalid", message: "the anchor checkpoint is not the operator's: \(problem)"))
        }
        if checkpoint.root != bundle.trieRoot {
            outcome.failures.append(
                rootInHistory
                    ? VerificationProblem(
                        code: "anchor_stale",
                        message: "the passport changed after the last anchor (checkpoint \(checkpoint.sequence), slot \(checkpoint.slot)); the next batch anchors it")
                    : VerificationProblem(
                        code: "root_mismatch", message: "the trie root \(bundle.trieRoot.hex) is not the anchored root \(checkpoint.root.hex)"))
        }
        if let maxAge, context.now.timeIntervalSince(checkpoint.issuedAt) > maxAge {
            outcome.failures.append(VerificationProblem(
                code: "anchor_outdated",
                message: "the checkpoint was signed at \(XSDDateTime.format(checkpoint.issuedAt)), more than \(Int(maxAge)) s ago: the passport may have changed since"))
        }
        return outcome
    }
}

/// `anchor_transaction`, when the bundle carries the public chain's anchoring transaction: its id is
/// the transaction the signed checkpoint names, it is signed by the Cardano key the operator's DID
/// document lists (service `CardanoPaymentAddress`), and its output at that address holds the
/// operator's anchor token with the checkpoint's root in its datum (`anchor_transaction_mismatch`; bytes that are no Cardano
/// transaction are `anchor_transaction_invalid`). That the chain holds the transaction any indexer of
/// the chain confirms by its id; the service's own verdict reads it (`anchor_on_chain`).
public struct AnchorTransactionPassportPolicy: PassportPolicy {
    public let name = "anchor_transaction"

    public init() {}

    public func applies(to bundle: PassportBundle, in context: PassportContext) -> Bool { bundle.anchorTransaction != nil }

    public func evaluate(_ bundle: PassportBundle, in context: PassportContext) async -> PassportOutcome {
        guard let carried = bundle.anchorTransaction else { return PassportOutcome() }
        func mismatch(_ message: String) -> PassportOutcome {
            PassportOutcome(failures: [VerificationProblem(code: "anchor_transaction_mismatch", message: message)])
        }
        guard let checkpoint = bundle.anchor else { return mismatch("the bundle carries an anchoring transaction but no checkpoint naming it") }
        guard carried.chain.hasPrefix("cardano") else {
            return PassportOutcome(failures: [VerificationProblem(code: "anchor_transaction_invalid", message: "\(carried.chain) is not a chain this verifier reads")])
        }
        let transaction: Transaction
        do {
            transaction = try Transaction(cbor: carried.cbor)
        } catch {
            return PassportOutcome(failures: [VerificationProblem(code: "anchor_transaction_invalid", message: "the anchoring transaction does not decode: \(error.message)")])
        }
        guard transaction.id.bytes == checkpoint.transaction.bytes else {
            return mismatch("the carried transaction is \(transaction.id), the checkpoint names \(checkpoint.transaction.hex)")
        }
        guard transaction.body.outputs.indices.contains(carried.outputIndex) else {
            return mismatch("the transaction has no output \(carried.outputIndex)")
        }
        let output = transaction.body.outputs[carried.outputIndex]
        // The operator's DID document names the Cardano key that anchors its trie: that key signed the transaction.
        guard let listed = bundle.didDocuments.first(where: { $0.id == bundle.operatorID })?.cardanoPaymentAddress,
            let address = try? EnterpriseAddress(bech32: listed), case .keyHash(let keyHash) = address.credential
        else { return mismatch("the DID document of \(bundle.operatorID) lists no Cardano payment address to bind the transaction to") }
        guard transaction.witnessSet.vkeyWitnesses.contains(where: { $0.keyHash == keyHash && $0.verifies(over: transaction.id) }) else {
            return mismatch("the transaction is not signed by \(listed), the Cardano key the DID document of \(bundle.operatorID) lists")
        }
        guard output.address == address.bytes else {
            return mismatch("output \(carried.outputIndex) is not at \(listed), the address the DID document lists")
        }
        let token = CardanoLedger.anchorAssetName(operator: bundle.operatorID)
        guard output.value.assets.assets.values.contains(where: { $0[token] == 1 }) else {
            return mismatch("output \(carried.outputIndex) holds no anchor token of \(bundle.operatorID)")
        }
        guard let datum = try? output.datum?.inlineData(), let state = try? RootAnchor.State(datum: datum) else {
            return mismatch("output \(carried.outputIndex) has no root-anchor datum")
        }
        guard state.root == checkpoint.root.bytes else {
            return mismatch("output \(carried.outputIndex) anchors \(Hex.encode(state.root)), the checkpoint \(checkpoint.root.hex)")
        }
        return PassportOutcome()
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
