import Credentials
import Encoding
import Foundation
import Identity
import Ledger
import Trie

/// An operator's signed statement that it anchored a trie root: its DID, the root, a per-operator
/// sequence number, when it signed, and where the root is on the ledger (transaction hash and
/// slot), signed with the operator's key. It is what lets an offline verifier trust a trie root:
/// with the operator's key pinned, nobody else can make one, and it names the root it was made for.
///
/// The signature (Ed25519, or ECDSA P-256 with SHA-256, raw r‖s) is over the Core Deterministic
/// CBOR encoding (RFC 8949 §4.2.1) of one array, whose first item is the domain-separation tag
/// (so the bytes can be nothing else the operator's key signs: credentials, COSE plate tokens):
/// ```cddl
/// checkpoint-signing-input = [
///   tag: "voltpass/anchor-checkpoint/v1",
///   operator: tstr,              ; the operator's DID
///   sequence: uint,              ; 1 for the operator's first checkpoint, then one more each
///   root: bstr .size 32,         ; the anchored trie root
///   transaction: bstr .size 32,  ; the anchoring transaction's hash
///   slot: uint,                  ; its slot
///   issuedAt: uint,              ; seconds since 1970-01-01T00:00:00Z
///   verificationMethod: tstr,    ; the operator's key that signs
/// ]
/// ```
public struct AnchorCheckpoint: Sendable, Hashable {
    /// The `type` of the checkpoint's JSON.
    public static let type = "VoltpassAnchorCheckpoint"
    /// The first item of the signed array.
    public static let domainTag = "voltpass/anchor-checkpoint/v1"

    /// The DID of the operator that anchored and signs.
    public var operatorID: String
    /// The operator's count of checkpoints, this one included.
    public var sequence: UInt64
    public var root: Hash32
    /// The anchoring (or settling) transaction's hash.
    public var transaction: Hash32
    public var slot: UInt64
    /// When the operator signed, in whole seconds.
    public var issuedAt: Date
    /// The verification method of the key that signed, `<operator>#key-n`.
    public var verificationMethod: String
    public var signature: [UInt8]

    /// A checkpoint with these fields; `issuedAt` is rounded down to the second, as it is signed.
    public init(
        operatorID: String, sequence: UInt64, root: Hash32, transaction: Hash32, slot: UInt64, issuedAt: Date, verificationMethod: String,
        signature: [UInt8] = []
    ) {
        self.operatorID = operatorID
        self.sequence = sequence
        self.root = root
        self.transaction = transaction
        self.slot = slot
        self.issuedAt = Date(timeIntervalSince1970: issuedAt.timeIntervalSince1970.rounded(.down))
        self.verificationMethod = verificationMethod
        self.signature = signature
    }

    /// The checkpoint of `anchor`, number `sequence` of its operator, signed at `date` by `signer` as
    /// `verificationMethod`.
    public static func sign(
        _ anchor: AnchorRecord, sequence: UInt64, at date: Date, verificationMethod: String, signer: any Signer
    ) async throws -> AnchorCheckpoint {
        try await AnchorCheckpoint(
            operatorID: anchor.operatorID, sequence: sequence, root: anchor.root, transaction: anchor.transaction, slot: anchor.slot,
            issuedAt: date, verificationMethod: verificationMethod
        ).signed(by: signer)
    }

    /// This checkpoint with the signature of `signer` over its fields.
    public func signed(by signer: any Signer) async throws -> AnchorCheckpoint {
        var checkpoint = self
        checkpoint.signature = try await signer.sign(signingInput)
        return checkpoint
    }

    /// The bytes the signature is over (see the type's documentation).
    public var signingInput: [UInt8] {
        var writer = CBORWriter(capacity: 160 + operatorID.utf8.count + verificationMethod.utf8.count)
        func text(_ value: String) {
            writer.appendHead(.text, UInt64(value.utf8.count))
            writer.appendRaw(value.utf8)
        }
        func bytes(_ value: [UInt8]) {
            writer.appendHead(.bytes, UInt64(value.count))
            writer.appendRaw(value)
        }
        writer.appendHead(.array, 8)
        text(Self.domainTag)
        text(operatorID)
        writer.appendHead(.unsigned, sequence)
        bytes(root.bytes)
        bytes(transaction.bytes)
        writer.appendHead(.unsigned, slot)
        writer.appendHead(.unsigned, UInt64(max(0, issuedAt.timeIntervalSince1970.rounded(.down))))
        text(verificationMethod)
        return writer.bytes
    }

    /// Whether the signature is `key`'s over ``signingInput``.
    public func isSigned(by key: PublicKey) -> Bool {
        key.verify(signature: signature, message: signingInput)
    }

    /// Nil when the signature is by a key `trusted` pins for the checkpoint's operator under its
    /// verification method, valid when the checkpoint was signed; otherwise why not.
    public func signatureProblem(trusted: PinnedKeys) -> String? {
        guard let key = trusted.key(id: verificationMethod), key.controller == operatorID else {
            return "it is signed with \(verificationMethod), which is not a key the verifier holds for \(operatorID)"
        }
        // `issuedAt` is the signing time rounded down to the second: the key must have been valid at
        // some instant of that second.
        let secondEnd = issuedAt.addingTimeInterval(1)
        guard key.validFrom.map({ $0 < secondEnd }) ?? true, key.validUntil.map({ $0 > issuedAt }) ?? true else {
            return "\(verificationMethod) was not a valid key of \(operatorID) at \(XSDDateTime.format(issuedAt))"
        }
        guard isSigned(by: key.publicKey) else {
            return "its signature does not verify with \(verificationMethod)"
        }
        return nil
    }

    // MARK: JSON

    /// The checkpoint as JSON: hashes in lowercase hex, the signature base64url.
    public var json: JSONObject {
        [
            "type": .string(Self.type),
            "operator": .string(operatorID),
            "sequence": .number(Double(sequence)),
            "root": .string(root.hex),
            "transaction": .string(transaction.hex),
            "slot": .number(Double(slot)),
            "issuedAt": .string(XSDDateTime.format(issuedAt)),
            "verificationMethod": .string(verificationMethod),
            "signature": .string(Base64URL.encode(signature)),
        ]
    }

    /// Reads a checkpoint's JSON; anything malformed is `checkpoint_invalid` naming the member.
    public init(json value: JSONValue) throws(PassportError) {
        func invalid(_ member: String, _ message: String) -> PassportError {
            PassportError("checkpoint_invalid", "/\(member) \(message)")
        }
        guard let object = value.objectValue else { throw invalid("", "a checkpoint is a JSON object") }
        guard object["type"]?.stringValue == Self.type else { throw invalid("type", "must be \(Self.type)") }
        func string(_ member: String) throws(PassportError) -> String {
            guard let text = object[member]?.stringValue else { throw invalid(member, "must be a string") }
            return text
        }
        func hash(_ member: String) throws(PassportError) -> Hash32 {
            guard let hash = Hash32(hex: try string(member)) else { throw invalid(member, "must be 64 hex digits") }
            return hash
        }
        func count(_ member: String) throws(PassportError) -> UInt64 {
            // JSON numbers are doubles: whole numbers up to 2^53 are exact.
            guard let number = object[member]?.doubleValue, number >= 0, number <= 9_007_199_254_740_992, number.rounded() == number else {
                throw invalid(member, "must be a whole number from 0 to 2^53")
            }
            return UInt64(number)
        }
        operatorID = try string("operator")
        sequence = try count("sequence")
        root = try hash("root")
        transaction = try hash("transaction")
        slot = try count("slot")
        guard let date = XSDDateTime.parse(try string("issuedAt")), date.timeIntervalSince1970 >= 0,
            date.timeIntervalSince1970.rounded(.down) == date.timeIntervalSince1970
        else {
            throw invalid("issuedAt", "must be a dateTimeStamp in whole seconds after 1970")
        }
        issuedAt = date
        verificationMethod = try string("verificationMethod")
        let encoded = try string("signature")
        guard let signature = try? Base64URL.decode(encoded), !signature.isEmpty else {
            throw invalid("signature", "must be base64url")
        }
        self.signature = signature
    }
}
