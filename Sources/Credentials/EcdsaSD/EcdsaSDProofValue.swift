import Encoding
import Identity

/// The two `proofValue`s of ecdsa-sd-2023 (VC-DI-ECDSA §3.5.2–3.5.7): multibase base64url-no-pad
/// (`u…`) of a three-byte header, `d9 5d 00` for the issuer's base proof and `d9 5d 01` for a
/// holder's derived proof, then one CBOR array without tags.
enum EcdsaSDProofValue {
    case base(EcdsaSDBaseProof)
    case derived(EcdsaSDDerivedProof)

    static let baseHeader: [UInt8] = [0xd9, 0x5d, 0x00]
    static let derivedHeader: [UInt8] = [0xd9, 0x5d, 0x01]
    /// The Multikey header of a P-256 public key (multicodec 0x1200 as a varint).
    static let p256MultikeyHeader: [UInt8] = [0x80, 0x24]
    /// A proof-scoped public key: the Multikey header and the compressed point.
    static let publicKeyLength = 35
    static let signatureLength = 64
    /// The HMAC key, and each label of a label map: SHA-256 sized.
    static let hmacLength = 32
    /// The longest `proofValue` read (characters): about 90,000 signed statements, far more than any
    /// credential has; longer is MALFORMED_PROOF_ERROR before any decoding.
    static let maxLength = 8 << 20

    /// Reads a `proofValue`; MALFORMED_PROOF_ERROR (at `path`) for anything but a well-formed base or
    /// derived proof with components of the sizes P-256 gives them.
    init(parsing proofValue: String, path: String) throws(CredentialError) {
        func malformed(_ message: String) -> CredentialError {
            .dataIntegrity(.malformedProofError, "the ecdsa-sd-2023 proofValue \(message)", path: path)
        }
        guard proofValue.utf8.count <= Self.maxLength else { throw malformed("is longer than \(Self.maxLength) characters") }
        guard proofValue.utf8.first == UInt8(ascii: "u"), let decoded = try? Multibase.decode(proofValue) else {
            throw malformed("must be multibase base64url without padding ('u…')")
        }
        let bytes = decoded.bytes
        let isBase = bytes.starts(with: Self.baseHeader)
        guard isBase || bytes.starts(with: Self.derivedHeader) else {
            throw malformed("does not start with the header bytes d95d00 (base proof) or d95d01 (derived proof)")
        }
        let components: [CBOR]
        do {
            // Every data item takes at least one byte; the nesting is two arrays deep at most.
            let body = Array(bytes.dropFirst(3))
            let item = try CBOR.decode(body, options: CBORDecodingOptions(rules: .standard, maxDepth: 3, maxItems: max(body.count, 1)))
            guard let array = item.arrayValue, array.count == 5 else { throw malformed("must hold a CBOR array of five components") }
            components = array
        } catch let error as CredentialError {
            throw error
        } catch {
            throw malformed("is not CBOR: \(error)")
        }
        func byteString(_ index: Int, _ name: String, count: Int) throws(CredentialError) -> [UInt8] {
            guard let value = components[index].bytesValue, value.count == count else {
                throw malformed("component \(index) (\(name)) must be a byte string of \(count) bytes")
            }
            return value
        }
        func signatures(_ index: Int) throws(CredentialError) -> [[UInt8]] {
            guard let items = components[index].arrayValue else { throw malformed("component \(index) (signatures) must be an array") }
            var signatures: [[UInt8]] = []
            signatures.reserveCapacity(items.count)
            for item in items {
                guard let signature = item.bytesValue, signature.count == Self.signatureLength else {
                    throw malformed("component \(index) (signatures) must hold \(Self.signatureLength)-byte signatures")
                }
                signatures.append(signature)
            }
            return signatures
        }
        let baseSignature = try byteString(0, "baseSignature", count: Self.signatureLength)
        let publicKey = try byteString(1, "publicKey", count: Self.publicKeyLength)
        guard publicKey.starts(with: Self.p256MultikeyHeader) else {
            throw malformed("component 1 (publicKey) must be a P-256 Multikey (header 8024)")
        }
        if isBase {
            let hmacKey = try byteString(2, "hmacKey", count: Self.hmacLength)
            let signatures = try signatures(3)
            guard let items = components[4].arrayValue else { throw malformed("component 4 (mandatoryPointers) must be an array") }
            var pointers: [String] = []
            pointers.reserveCapacity(items.count)
            for item in items {
                guard let pointer = item.textValue else { throw malformed("component 4 (mandatoryPointers) must hold strings") }
                pointers.append(pointer)
            }
            self = .base(
                EcdsaSDBaseProof(
                    baseSignature: baseSignature, publicKey: publicKey, hmacKey: hmacKey, signatures: signatures, mandatoryPointers: pointers))
            return
        }
        let signatures = try signatures(2)
        guard let entries = components[3].mapValue else { throw malformed("component 3 (labelMap) must be a map") }
        var labelMap: [Int: [UInt8]] = [:]
        var seen = Set<[UInt8]>()
        for entry in entries {
            guard let key = entry.key.uint64Value, key <= UInt64(UInt32.max), let label = entry.value.bytesValue,
                label.count == Self.hmacLength
            else {
                throw malformed("component 3 (labelMap) must map integers to \(Self.hmacLength)-byte labels")
            }
            // Two blank nodes given one label would merge statements: the map must be one-to-one.
            guard seen.insert(label).inserted else { throw malformed("component 3 (labelMap) gives one label to two blank nodes") }
            labelMap[Int(key)] = label
        }
        guard let indexItems = components[4].arrayValue else { throw malformed("component 4 (mandatoryIndexes) must be an array") }
        var indexes: [Int] = []
        indexes.reserveCapacity(indexItems.count)
        for item in indexItems {
            guard let index = item.uint64Value, index <= UInt64(Int32.max), indexes.last.map({ $0 < Int(index) }) ?? true else {
                throw malformed("component 4 (mandatoryIndexes) must be increasing non-negative integers")
            }
            indexes.append(Int(index))
        }
        self = .derived(
            EcdsaSDDerivedProof(
                baseSignature: baseSignature, publicKey: publicKey, signatures: signatures, labelMap: labelMap, mandatoryIndexes: indexes))
    }

    /// Header, CBOR, multibase. Byte strings, arrays and maps only: the encoding cannot fail.
    static func serialize(header: [UInt8], _ components: [CBOR]) -> String {
        var writer = CBORWriter()
        writer.appendRaw(header)
        do {
            try writer.append(.array(components))
        } catch {
            preconditionFailure("byte strings, text, integers, arrays and integer-keyed maps always encode: \(error)")
        }
        return Multibase.encode(writer.bytes, as: .base64url)
    }
}

/// What the issuer gives the holder (serializeBaseProofValue): the base signature over the proof
/// configuration, the proof-scoped key and the mandatory statements; that key; the HMAC key that
/// names the blank nodes; one signature per non-mandatory statement; the mandatory pointers.
struct EcdsaSDBaseProof: Equatable {
    var baseSignature: [UInt8]
    /// The proof-scoped P-256 public key as Multikey bytes (`80 24` and the compressed point).
    var publicKey: [UInt8]
    var hmacKey: [UInt8]
    var signatures: [[UInt8]]
    var mandatoryPointers: [String]

    var proofValue: String {
        EcdsaSDProofValue.serialize(
            header: EcdsaSDProofValue.baseHeader,
            [
                .bytes(baseSignature), .bytes(publicKey), .bytes(hmacKey), .array(signatures.map { .bytes($0) }),
                .array(mandatoryPointers.map { .text($0) }),
            ])
    }
}

/// What the holder gives a verifier (serializeDerivedProofValue): the base signature and key, the
/// signatures of the revealed non-mandatory statements, the label map from the verifier's canonical
/// blank node labels (`c14nN` as N) to the HMAC labels signed (their bytes), and the positions of the
/// mandatory statements among the revealed ones.
struct EcdsaSDDerivedProof: Equatable {
    var baseSignature: [UInt8]
    var publicKey: [UInt8]
    var signatures: [[UInt8]]
    var labelMap: [Int: [UInt8]]
    var mandatoryIndexes: [Int]

    var proofValue: String {
        EcdsaSDProofValue.serialize(
            header: EcdsaSDProofValue.derivedHeader,
            [
                .bytes(baseSignature), .bytes(publicKey), .array(signatures.map { .bytes($0) }),
                .map(labelMap.map { CBOR.Pair(.unsigned(UInt64($0.key)), .bytes($0.value)) }),
                .array(mandatoryIndexes.map { .unsigned(UInt64($0)) }),
            ])
    }

    /// The label map with its labels as written in N-Quads: `c14nN` → `u` + base64url of the label.
    var labels: [String: String] {
        Dictionary(uniqueKeysWithValues: labelMap.map { ("c14n\($0.key)", "u" + Base64URL.encode($0.value)) })
    }
}
