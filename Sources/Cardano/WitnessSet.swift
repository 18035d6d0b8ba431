import Crypto
import Foundation
import Encoding

/// A vkey witness `[vkey, signature]`: an Ed25519 public key and its signature over the 32-byte tx id.
public struct VKeyWitness: Sendable, Hashable {
    /// The 32-byte Ed25519 public key.
    public let vkey: [UInt8]
    /// The 64-byte Ed25519 signature.
    public let signature: [UInt8]

    /// Creates a witness from its parts (`cardano_invalid_length` on wrong sizes).
    public init(vkey: [UInt8], signature: [UInt8]) throws(CardanoError) {
        guard vkey.count == 32, signature.count == 64 else {
            throw CardanoError(.invalidLength, "a vkey witness is a 32-byte key and a 64-byte signature")
        }
        self.vkey = vkey
        self.signature = signature
    }

    /// Signs `id` with `key` (Ed25519, deterministic per RFC 8032).
    public init(signing id: TransactionID, with key: Curve25519.Signing.PrivateKey) throws(CardanoError) {
        let signature: Data
        do { signature = try key.signature(for: id.bytes) } catch {
            throw CardanoError(.invalidLength, "Ed25519 signing failed: \(error)")
        }
        try self.init(vkey: Array(key.publicKey.rawRepresentation), signature: Array(signature))
    }

    /// Whether the signature verifies over `id`.
    public func verifies(over id: TransactionID) -> Bool {
        guard let key = try? Curve25519.Signing.PublicKey(rawRepresentation: vkey) else { return false }
        return key.isValidSignature(signature, for: id.bytes)
    }

    /// The witness's key hash: BLAKE2b-224 of the vkey.
    public var keyHash: [UInt8] { Blake2b.hash224(vkey) }

    var cbor: CBOR { .array([.bytes(vkey), .bytes(signature)]) }
}

/// The witness set `{0: vkey witnesses, 4: datums, 5: redeemers, 7: Plutus V3 scripts, …}`.
///
/// Built sets are written with keys ascending, `#6.258` around vkey witnesses, datums and scripts (the
/// Conway ledger's own form), and redeemers in the map form. A decoded set keeps the exact bytes of
/// every entry in `rawFields`, which `ScriptDataHash` needs for the redeemers (5) and datums (4).
public struct WitnessSet: Sendable, Hashable {
    /// 0: vkey witnesses.
    public var vkeyWitnesses: [VKeyWitness]
    /// 4: datums supplied by the transaction.
    public var plutusData: [PlutusData]
    /// 5: redeemers.
    public var redeemers: [Redeemer]
    /// 7: Plutus V3 scripts (flat-encoded bytes, as in the blueprint's compiled code after one CBOR unwrap).
    public var plutusV3Scripts: [[UInt8]]
    /// Native scripts (key 1).
    public var nativeScripts: [NativeScript]
    /// Each entry of a decoded witness set as received, by key (empty for a built one).
    public private(set) var rawFields: [UInt64: [UInt8]]

    /// Creates a witness set.
    public init(
        vkeyWitnesses: [VKeyWitness] = [], plutusData: [PlutusData] = [], redeemers: [Redeemer] = [],
        plutusV3Scripts: [[UInt8]] = [], nativeScripts: [NativeScript] = []
    ) {
        self.vkeyWitnesses = vkeyWitnesses
        self.plutusData = plutusData
        self.redeemers = redeemers
        self.plutusV3Scripts = plutusV3Scripts
        self.nativeScripts = nativeScripts
        rawFields = [:]
    }

    /// Reads a witness set, keeping each entry's bytes; keys 0, 4, 5 and 7 are also decoded, the others
    /// are kept raw only.
    /// `allowingLongByteStrings` accepts Plutus data with definite byte strings over 64 bytes, which the
    /// ledger rejects.
    public init(cbor bytes: [UInt8], allowingLongByteStrings: Bool = false) throws(CardanoError) {
        self.init()
        for entry in try CBORSpans.mapEntries(bytes, context: "witness set") {
            guard let key = entry.key.uint64Value else {
                throw CardanoError(.invalidWitnessSet, "witness set keys are unsigned integers")
            }
            rawFields[key] = Array(bytes[entry.range])
            if key == 4 { plutusData = try PlutusData.list(
                    fromWitnessSetEntry: Array(bytes[entry.range]), allowingLongByteStrings: allowingLongByteStrings) }
            if key == 5 { redeemers = try Redeemer.all(
                    cbor: Array(bytes[entry.range]), allowingLongByteStrings: allowingLongByteStrings) }
            if key == 7 {
                let scripts: [CBOR]
                do { scripts = try TransactionBody.setElements(entry.value, field: "Plutus V3 scripts") } catch {
                    throw CardanoError(.invalidWitnessSet, error.message)
                }
                plutusV3Scripts = try scripts.map { (script) throws(CardanoError) in
                    guard let bytes = script.bytesValue else {
                        throw CardanoError(.invalidWitnessSet, "a Plutus V3 script is a byte string")
                    }
                    return bytes
                }
            }
            if key == 1 {
                let elements: [CBOR]
                do { elements = try TransactionBody.setElements(entry.value, field: "native scripts") } catch {
                    throw CardanoError(.invalidWitnessSet, error.message)
                }
                nativeScripts = try elements.map { (element) throws(CardanoError) in try NativeScript(cbor: element) }
            }
            if key == 0 {
                let elements: [CBOR]
                do { elements = try TransactionBody.setElements(entry.value, field: "vkey witnesses") } catch {
                    throw CardanoError(.invalidWitnessSet, error.message)
                }
                vkeyWitnesses = try elements.map { (element) throws(CardanoError) in
                    guard let pair = element.arrayValue, pair.count == 2, let vkey = pair[0].bytesValue,
                        let signature = pair[1].bytesValue
                    else { throw CardanoError(.invalidWitnessSet, "a vkey witness is [bytes, bytes]") }
                    return try VKeyWitness(vkey: vkey, signature: signature)
                }
            }
        }
    }

    /// The serialised datums (key 4) as they are or will be in the transaction; nil when there are none.
    public var datumsBytes: [UInt8]? {
        if let raw = rawFields[4] { return raw }
        guard !plutusData.isEmpty else { return nil }
        var writer = CBORWriter()
        writer.appendHead(.tag, 258)
        writer.appendHead(.array, UInt64(plutusData.count))
        for datum in plutusData { writer.appendPlutusData(datum) }
        return writer.bytes
    }

    /// The serialised redeemers (key 5) as they are or will be in the transaction; nil when there are none.
    public var redeemersBytes: [UInt8]? {
        if let raw = rawFields[5] { return raw }
        guard !redeemers.isEmpty else { return nil }
        return Redeemer.mapBytes(redeemers)
    }

    /// The serialised witness set of a built set (keys ascending).
    public func cborBytes() -> [UInt8] {
        var entries: [(UInt64, [UInt8])] = []
        if !vkeyWitnesses.isEmpty {
            var writer = CBORWriter()
            writer.appendHead(.tag, 258)
            writer.appendHead(.array, UInt64(vkeyWitnesses.count))
            for witness in vkeyWitnesses {
                writer.appendHead(.array, 2)
                writer.appendHead(.bytes, 32)
                writer.appendRaw(witness.vkey)
                writer.appendHead(.bytes, 64)
                writer.appendRaw(witness.signature)
            }
            entries.append((0, writer.bytes))
        }
        if !nativeScripts.isEmpty {
            entries.append((1, (try? CBOR.tagged(258, .array(nativeScripts.map(\.cbor))).encode()) ?? []))
        }
        if let datums = datumsBytes { entries.append((4, datums)) }
        if let redeemers = redeemersBytes { entries.append((5, redeemers)) }
        if !plutusV3Scripts.isEmpty {
            var writer = CBORWriter()
            writer.appendHead(.tag, 258)
            writer.appendHead(.array, UInt64(plutusV3Scripts.count))
            for script in plutusV3Scripts {
                writer.appendHead(.bytes, UInt64(script.count))
                writer.appendRaw(script)
            }
            entries.append((7, writer.bytes))
        }
        for (key, raw) in rawFields where ![0, 1, 4, 5, 7].contains(key) { entries.append((key, raw)) }
        entries.sort { $0.0 < $1.0 }
        var writer = CBORWriter()
        writer.appendHead(.map, UInt64(entries.count))
        for (key, raw) in entries {
            writer.appendHead(.unsigned, key)
            writer.appendRaw(raw)
        }
        return writer.bytes
    }
}

/// A redeemer: the data and execution budget given to one script run.
public struct Redeemer: Sendable, Hashable {
    /// What the script is run for.
    public enum Tag: UInt8, Sendable, Hashable {
        case spend = 0, mint = 1, cert = 2, reward = 3, voting = 4, proposing = 5
    }

    /// The purpose.
    public var tag: Tag
    /// The index of the input (sorted), policy (sorted), certificate, … it belongs to.
    public var index: UInt32
    /// The redeemer data.
    public var data: PlutusData
    /// Memory units.
    public var memory: UInt64
    /// CPU steps.
    public var steps: UInt64

    /// Creates a redeemer.
    public init(tag: Tag, index: UInt32, data: PlutusData, memory: UInt64, steps: UInt64) {
        self.tag = tag
        self.index = index
        self.data = data
        self.memory = memory
        self.steps = steps
    }

    /// The map form `{[tag, index] => [data, [mem, steps]]}`, keys in bytewise order of their encoding.
    static func mapBytes(_ redeemers: [Redeemer]) -> [UInt8] {
        let entries = redeemers.map { redeemer -> ([UInt8], Redeemer) in
            var key = CBORWriter()
            key.appendHead(.array, 2)
            key.appendHead(.unsigned, UInt64(redeemer.tag.rawValue))
            key.appendHead(.unsigned, UInt64(redeemer.index))
            return (key.bytes, redeemer)
        }.sorted { $0.0.lexicographicallyPrecedes($1.0) }
        var writer = CBORWriter()
        writer.appendHead(.map, UInt64(entries.count))
        for (key, redeemer) in entries {
            writer.appendRaw(key)
            writer.appendHead(.array, 2)
            writer.appendPlutusData(redeemer.data)
            writer.appendHead(.array, 2)
            writer.appendHead(.unsigned, redeemer.memory)
            writer.appendHead(.unsigned, redeemer.steps)
        }
        return writer.bytes
    }
}
