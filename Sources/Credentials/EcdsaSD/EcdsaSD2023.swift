import Crypto
import Encoding
import Foundation
import Identity
import RDF

/// The secrets an ecdsa-sd-2023 base proof is made with: the HMAC key that names the blank nodes
/// and the proof-scoped P-256 key that signs each statement the holder may disclose. Fresh for every
/// proof; fixed ones only reproduce a published proof.
public struct EcdsaSDSecrets: Sendable {
    /// The HMAC-SHA-256 key, 32 bytes; it goes to the holder inside the base proof.
    public let hmacKey: [UInt8]
    /// Signs every non-mandatory statement (P-256, raw r‖s); used for one proof only.
    public let proofKey: any Signer

    /// Throws PROOF_GENERATION_ERROR unless the HMAC key has 32 bytes and the proof key is P-256.
    public init(hmacKey: [UInt8], proofKey: any Signer) throws(CredentialError) {
        guard hmacKey.count == EcdsaSDProofValue.hmacLength else {
            throw .dataIntegrity(.proofGenerationError, "the ecdsa-sd-2023 HMAC key has 32 bytes, not \(hmacKey.count)")
        }
        guard proofKey.algorithm == .p256, proofKey.publicKey.count == 33 else {
            throw .dataIntegrity(.proofGenerationError, "the ecdsa-sd-2023 proof-scoped key is a P-256 key")
        }
        self.hmacKey = hmacKey
        self.proofKey = proofKey
    }

    /// A new random HMAC key and P-256 key pair.
    public static func fresh() -> EcdsaSDSecrets {
        var generator = SystemRandomNumberGenerator()
        return EcdsaSDSecrets(
            unchecked: (0..<EcdsaSDProofValue.hmacLength).map { _ in UInt8.random(in: .min ... .max, using: &generator) },
            proofKey: SoftwareSigner.generate(.p256))
    }

    private init(unchecked hmacKey: [UInt8], proofKey: any Signer) {
        self.hmacKey = hmacKey
        self.proofKey = proofKey
    }
}

/// ecdsa-sd-2023 (VC-DI-ECDSA §3.6): the issuer's base proof, the holder's derived proofs, and their
/// verification (through `verify`, as every suite). P-256 only: the derived proof's layout fixes a
/// 64-byte base signature and 32-byte labels.
extension DataIntegrity {
    /// Signs `document` with an ecdsa-sd-2023 base proof for its holder (Create Base Proof): the
    /// statements `mandatoryPointers` select are always disclosed, the others each get a signature
    /// by a proof-scoped key so the holder can disclose any of them. Returns the document with the
    /// proof added as `sign` adds one. The base proof is for the holder only: a verifier refuses it
    /// (`selective_disclosure_base_proof`) and wants a proof derived with `deriveSelective`.
    ///
    /// Throws PROOF_GENERATION_ERROR for a suite other than ecdsa-sd-2023, a key other than P-256, a
    /// `previousProof`, a document that is not JSON-LD the bundled contexts define (or whose blank
    /// nodes have no JSON object of their own), or a failing signer; and
    /// `selective_disclosure_pointer_invalid` for a pointer that is not RFC 6901 or names nothing.
    public static func signSelective(
        _ document: JSONObject, options: ProofOptions, mandatoryPointers: [String], signer: some Signer,
        secrets: EcdsaSDSecrets = .fresh()
    ) async throws(CredentialError) -> JSONObject {
        guard options.cryptosuite == .ecdsaSd2023 else {
            throw .dataIntegrity(.proofGenerationError, "a selective disclosure base proof is ecdsa-sd-2023, not \(options.cryptosuite.rawValue)")
        }
        guard signer.algorithm == .p256 else {
            throw .dataIntegrity(.proofGenerationError, "ecdsa-sd-2023 needs a P-256 key, not \(signer.algorithm.rawValue)")
        }
        guard options.previousProof.isEmpty else {
            throw .dataIntegrity(.proofGenerationError, "an ecdsa-sd-2023 proof cannot chain to other proofs: a derived document drops them")
        }
        var unsecured = document
        unsecured.removeValue(forKey: "proof")
        var config = options.json
        if let context = unsecured["@context"] { config["@context"] = context }
        let proofHash = try EcdsaSD.canonicalHash(config, failing: .proofGenerationError)

        // Base Proof Transformation: the canonical statements, grouped by the mandatory pointers.
        let transform = try EcdsaSDTransform(unsecured, hmacKey: secrets.hmacKey)
        let mandatory = Set(try transform.group(mandatoryPointers, kind: "mandatory").matching)
        var mandatoryLines: [UInt8] = []
        var nonMandatory: [String] = []
        for (index, line) in transform.lines.enumerated() {
            if mandatory.contains(index) { mandatoryLines += line.utf8 } else { nonMandatory.append(line) }
        }

        // Base Proof Serialization.
        let publicKey = EcdsaSDProofValue.p256MultikeyHeader + secrets.proofKey.publicKey
        var signatures: [[UInt8]] = []
        signatures.reserveCapacity(nonMandatory.count)
        let baseSignature: [UInt8]
        do {
            for line in nonMandatory { signatures.append(try await secrets.proofKey.sign(Array(line.utf8))) }
            baseSignature = try await signer.sign(proofHash + publicKey + Array(SHA256.hash(data: mandatoryLines)))
        } catch {
            throw .dataIntegrity(.proofGenerationError, "the signer failed: \(error)")
        }
        guard baseSignature.count == EcdsaSDProofValue.signatureLength,
            signatures.allSatisfy({ $0.count == EcdsaSDProofValue.signatureLength })
        else {
            throw .dataIntegrity(.proofGenerationError, "a P-256 signer returned a signature that is not 64 bytes (raw r‖s)")
        }
        config.removeValue(forKey: "@context")
        config["proofValue"] = .string(
            EcdsaSDBaseProof(
                baseSignature: baseSignature, publicKey: publicKey, hmacKey: secrets.hmacKey, signatures: signatures,
                mandatoryPointers: mandatoryPointers
            ).proofValue)
        return withProof(config, added: unsecured, after: document["proof"])
    }

    /// The holder's side (Add Derived Proof): from `document` with its ecdsa-sd-2023 base proof, the
    /// document revealing only the statements the base proof's mandatory pointers and
    /// `selectivePointers` select, with a derived proof a verifier checks. Other proofs are left out.
    /// Nothing else of the document is in the result, neither in the JSON nor in the proof (which
    /// carries only the signatures of the revealed statements).
    ///
    /// Throws PROOF_GENERATION_ERROR when the document has no (or several) ecdsa-sd-2023 base proofs,
    /// its proof is already derived, nothing would be revealed, or the base proof was not made for
    /// this document; MALFORMED_PROOF_ERROR for an unreadable base proof; and
    /// `selective_disclosure_pointer_invalid` for a pointer that is not RFC 6901 or names nothing.
    public static func deriveSelective(_ document: JSONObject, selectivePointers: [String]) throws(CredentialError) -> JSONObject {
        let (proof, path) = try EcdsaSD.baseProof(of: document)
        guard let proofValue = proof["proofValue"]?.stringValue else {
            throw .dataIntegrity(.malformedProofError, "the ecdsa-sd-2023 proof has no 'proofValue' string", path: path + "/proofValue")
        }
        let base: EcdsaSDBaseProof
        switch try EcdsaSDProofValue(parsing: proofValue, path: path + "/proofValue") {
        case .base(let parsed): base = parsed
        case .derived:
            throw .dataIntegrity(.proofGenerationError, "the proof is already a derived proof; derive from the base proof", path: path + "/proofValue")
        }
        let combinedPointers = base.mandatoryPointers + selectivePointers
        guard !combinedPointers.isEmpty else {
            throw .dataIntegrity(.proofGenerationError, "no mandatory and no selective pointers: nothing would be revealed")
        }
        var unsecured = document
        unsecured.removeValue(forKey: "proof")

        // createDisclosureData: the groups, then the indexes and signatures of what is revealed.
        let transform = try EcdsaSDTransform(unsecured, hmacKey: base.hmacKey)
        let mandatory = Set(try transform.group(base.mandatoryPointers, kind: "mandatory").matching)
        let selective = Set(try transform.group(selectivePointers, kind: "selective").matching)
        let combined = try transform.group(combinedPointers, kind: "combined")
        guard base.signatures.count == transform.lines.count - mandatory.count else {
            throw .dataIntegrity(
                .proofGenerationError,
                "the base proof signs \(base.signatures.count) statements, the document has \(transform.lines.count - mandatory.count) "
                    + "that are not mandatory: the proof was not made for this document", path: path + "/proofValue")
        }
        let mandatoryIndexes = combined.matching.enumerated().filter { mandatory.contains($0.element) }.map(\.offset)
        let nonMandatoryIndexes = (0..<transform.lines.count).filter { !mandatory.contains($0) }
        let signatures = zip(nonMandatoryIndexes, base.signatures).filter { selective.contains($0.0) }.map(\.1)

        // The verifier's canonical labels for the revealed statements, mapped to the signed ones.
        let canonical: RDFC10.Result
        do {
            canonical = try RDFC10().canonicalize(combined.quads)
        } catch {
            throw .dataIntegrity(.proofGenerationError, "the revealed statements cannot be canonicalized: \(error)")
        }
        var labelMap: [Int: [UInt8]] = [:]
        for (input, verifierLabel) in canonical.canonicalLabels {
            guard let number = Int(verifierLabel.dropFirst(4)), let signed = transform.labelMap[input],
                let bytes = try? Base64URL.decode(String(signed.dropFirst()))
            else {
                throw .dataIntegrity(.proofGenerationError, "a revealed blank node has no signed label")
            }
            labelMap[number] = bytes
        }
        guard var reveal = try JSONLDSelection.select(combinedPointers, in: unsecured, kind: "combined") else {
            throw .dataIntegrity(.proofGenerationError, "nothing would be revealed")
        }
        var derived = proof
        derived["proofValue"] = .string(
            EcdsaSDDerivedProof(
                baseSignature: base.baseSignature, publicKey: base.publicKey, signatures: signatures, labelMap: labelMap,
                mandatoryIndexes: mandatoryIndexes
            ).proofValue)
        reveal["proof"] = .object(derived)
        return reveal
    }
}

/// The steps of ecdsa-sd-2023 that `DataIntegrity` calls.
enum EcdsaSD {
    /// SHA-256 of the RDFC-1.0 canonical N-Quads of `object` (the proof configuration's hash).
    static func canonicalHash(_ object: JSONObject, failing code: DataIntegrityErrorCode) throws(CredentialError) -> [UInt8] {
        do {
            let dataset = try JSONLD(loader: DataIntegrity.contexts).toRDF(.object(object))
            return Array(SHA256.hash(data: try RDFC10().canonicalize(dataset).nquadsBytes))
        } catch {
            throw .dataIntegrity(code, "the proof configuration cannot be canonicalized: \(error)")
        }
    }

    /// The one ecdsa-sd-2023 proof of `document` and its JSON pointer.
    static func baseProof(of document: JSONObject) throws(CredentialError) -> (proof: JSONObject, path: String) {
        let entries: [JSONValue]
        switch document["proof"] {
        case nil: entries = []
        case .array(let items)?: entries = items
        case let single?: entries = [single]
        }
        let found = entries.enumerated().compactMap { index, entry -> (JSONObject, String)? in
            guard let proof = entry.objectValue, proof["cryptosuite"]?.stringValue == Cryptosuite.ecdsaSd2023.rawValue else { return nil }
            return (proof, document["proof"]?.arrayValue == nil ? "/proof" : "/proof/\(index)")
        }
        guard found.count == 1 else {
            throw .dataIntegrity(
                .proofGenerationError,
                found.isEmpty ? "the document has no ecdsa-sd-2023 base proof" : "the document has \(found.count) ecdsa-sd-2023 proofs; derive from one",
                path: "/proof")
        }
        guard found[0].0["type"]?.stringValue == "DataIntegrityProof" else {
            throw .dataIntegrity(.malformedProofError, "an ecdsa-sd-2023 proof is a DataIntegrityProof", path: found[0].1 + "/type")
        }
        return found[0]
    }

    /// Verify Derived Proof: `document` (unsecured) against `proof` under `config` (the proof
    /// without `proofValue`, with the document's `@context`), the base signature by `key`. Throws
    /// PROOF_VERIFICATION_ERROR (or MALFORMED_PROOF_ERROR for an unusable proof-scoped key), the
    /// path the proof's member.
    static func verify(_ proof: EcdsaSDDerivedProof, config: JSONObject, document: JSONObject, key: PublicKey) throws(CredentialError) {
        func fail(_ message: String) -> CredentialError { .dataIntegrity(.proofVerificationError, message, path: "/proofValue") }
        let proofKey: PublicKey
        do {
            proofKey = try PublicKey(algorithm: .p256, rawRepresentation: Array(proof.publicKey.dropFirst(2)))
        } catch {
            throw .dataIntegrity(.malformedProofError, "the proof-scoped key is not a P-256 public key: \(error.message)", path: "/proofValue")
        }
        let proofHash = try canonicalHash(config, failing: .proofVerificationError)

        // createVerifyData: the revealed statements with the signed labels, split by the mandatory indexes.
        let canonical: RDFC10.Result
        do {
            canonical = try RDFC10().canonicalize(try JSONLD(loader: DataIntegrity.contexts).toRDF(.object(document)))
        } catch {
            throw .dataIntegrity(.proofVerificationError, "\(error)")
        }
        let labels = proof.labels
        if let missing = Set(canonical.canonicalLabels.values).first(where: { labels[$0] == nil }) {
            throw fail("the label map has no label for the blank node _:\(missing)")
        }
        let lines = canonical.lines { labels[$0] ?? $0 }
        if let last = proof.mandatoryIndexes.last, last >= lines.count {
            throw fail("the mandatory index \(last) is beyond the \(lines.count) statements revealed")
        }
        let mandatory = Set(proof.mandatoryIndexes)
        var mandatoryLines: [UInt8] = []
        var nonMandatory: [String] = []
        for (index, line) in lines.enumerated() {
            if mandatory.contains(index) { mandatoryLines += line.utf8 } else { nonMandatory.append(line) }
        }
        guard proof.signatures.count == nonMandatory.count else {
            throw fail("\(proof.signatures.count) signatures for \(nonMandatory.count) non-mandatory statements")
        }
        let toVerify = proofHash + proof.publicKey + Array(SHA256.hash(data: mandatoryLines))
        guard key.verify(signature: proof.baseSignature, message: toVerify) else {
            throw fail("the base signature does not verify: the mandatory statements or the proof options differ from those signed")
        }
        for (index, (signature, line)) in zip(proof.signatures, nonMandatory).enumerated()
        where !proofKey.verify(signature: signature, message: Array(line.utf8)) {
            throw fail("the signature of revealed statement \(index) does not verify")
        }
    }
}
