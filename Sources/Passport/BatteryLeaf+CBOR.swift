import Encoding
import Ledger
import Trie

/// The leaf as Plutus data, CBOR-encoded the way Cardano serialises datums (Aiken `cbor.serialise`,
/// `serialiseData`): constructor `i` is tag `121 + i`, its fields a list; non-empty lists are
/// indefinite-length (`9f … ff`), empty lists `80`; byte strings longer than 64 bytes are split into
/// 64-byte chunks; text is UTF-8 bytes, times are POSIX milliseconds, `Maybe` is `Just = 121([x])`,
/// `Nothing = 122([])`, `Bool` is `False = 121([])`, `True = 122([])`.
///
/// ```
/// BatteryLeaf = 121([ batteryId, status, readerPkh: Maybe bytes28, bmsPublicKey,
///                     lastSoH, lastCycleCount, lastCounter, lastReadingSlot, lastRewardedSlot,
///                     121([deviceCredential, bomCredential, ownershipCredential: Maybe]),
///                     warranty: Maybe 121([start, end, voided: Bool]),
///                     recall: 121([]) | 122([recallId, since]),
///                     121([firmwareVersion, firmwareHash, advisory: Maybe]),
///                     origin: Maybe 121([operator, batteryId, anchoredRoot, proof]) ])
/// status = 121([]) Virgin | 122([]) Active | 123([]) Repurposed | 124([]) Recycled
/// proof  = the Merkle Patricia Forestry proof's own Plutus data (see `Proof.cbor()`)
/// ```
extension BatteryLeaf {
    /// The leaf's bytes, the trie value.
    public func cbor() -> [UInt8] {
        var writer = PlutusWriter()
        writer.constructor(0) { w in
            w.bytes(batteryID.utf8)
            w.constructor(status.rawValue) { _ in }
            w.maybe(readerKeyHash) { $0.bytes($1.bytes) }
            w.bytes(bmsPublicKey)
            w.integer(Int64(lastSoH))
            w.integer(Int64(lastCycleCount))
            w.integer(Int64(lastCounter))
            w.integer(Int64(lastReadingSlot))
            w.integer(Int64(lastRewardedSlot))
            w.constructor(0) { w in
                w.bytes(credentials.device.utf8)
                w.bytes(credentials.bom.utf8)
                w.maybe(credentials.ownership) { $0.bytes($1.utf8) }
            }
            w.maybe(warranty) { w, warranty in
                w.constructor(0) { w in
                    w.integer(warranty.startMilliseconds)
                    w.integer(warranty.endMilliseconds)
                    w.constructor(warranty.voided ? 1 : 0) { _ in }
                }
            }
            switch recall {
            case .none:
                w.constructor(0) { _ in }
            case .recalled(let id, let since):
                w.constructor(1) { w in
                    w.bytes(id.utf8)
                    w.integer(since)
                }
            }
            w.constructor(0) { w in
                w.bytes(firmware.version.utf8)
                w.bytes(firmware.hash)
                w.maybe(firmware.advisory) { $0.bytes($1.utf8) }
            }
            w.maybe(origin) { w, origin in
                w.constructor(0) { w in
                    w.bytes(origin.operatorID.utf8)
                    w.bytes(origin.batteryID.utf8)
                    w.bytes(origin.anchoredRoot.bytes)
                    w.raw(origin.proof.cbor())
                }
            }
        }
        return writer.bytes
    }

    /// Reads a leaf from its bytes. Anything but the exact encoding `cbor()` writes for a valid leaf
    /// is refused: `leaf_malformed` (not CBOR, wrong shape, with the field named), `leaf_invalid`
    /// (a field out of range) or `leaf_not_canonical` (the right data in another encoding, which
    /// would hash to another trie value).
    public init(cbor bytes: [UInt8]) throws(PassportError) {
        guard bytes.count <= 64 * 1024 else { throw .leafMalformed("a leaf has at most 64 KiB, not \(bytes.count) bytes") }
        let data: CBOR
        do {
            data = try CBOR.decode(bytes, options: CBORDecodingOptions(maxDepth: 16, maxItems: 20_000))
        } catch {
            throw .leafMalformed("not CBOR: \(error.message)")
        }
        let reader = PlutusReader()
        let fields = try reader.constructor(data, at: "leaf", index: 0, count: 14)
        let credentialFields = try reader.constructor(fields[9], at: "credentials", index: 0, count: 3)
        let firmwareFields = try reader.constructor(fields[12], at: "firmware", index: 0, count: 3)
        let status = try reader.constructor(fields[1], at: "status", count: 0)
        guard let statusValue = Status(rawValue: status.index) else {
            throw .leafMalformed("status: constructor \(status.index) is not Virgin, Active, Repurposed or Recycled")
        }
        let recall: Recall
        let recallFields = try reader.constructor(fields[11], at: "recall")
        switch (recallFields.index, recallFields.fields.count) {
        case (0, 0): recall = .none
        case (1, 2):
            recall = .recalled(
                id: try reader.text(recallFields.fields[0], at: "recall id"),
                sinceMilliseconds: try reader.integer(recallFields.fields[1], at: "recall time"))
        default: throw .leafMalformed("recall: expected 121([]) or 122([id, since])")
        }
        self.init(
            batteryID: try reader.text(fields[0], at: "batteryId"),
            status: statusValue,
            readerKeyHash: try reader.maybe(fields[2], at: "readerPkh") { (item, path) throws(PassportError) in
                guard let hash = KeyHash(bytes: try reader.bytes(item, at: path)) else {
                    throw .leafMalformed("\(path): a key hash has 28 bytes")
                }
                return hash
            },
            bmsPublicKey: try reader.bytes(fields[3], at: "bmsPublicKey"),
            lastSoH: Int(try reader.integer(fields[4], at: "lastSoH")),
            lastCycleCount: Int(try reader.integer(fields[5], at: "lastCycleCount")),
            lastCounter: try reader.slot(fields[6], at: "lastCounter"),
            lastReadingSlot: try reader.slot(fields[7], at: "lastReadingSlot"),
            lastRewardedSlot: try reader.slot(fields[8], at: "lastRewardedSlot"),
            credentials: CredentialIDs(
                device: try reader.text(credentialFields[0], at: "device credential"),
                bom: try reader.text(credentialFields[1], at: "BOM credential"),
                ownership: try reader.maybe(credentialFields[2], at: "ownership credential") { (item, path) throws(PassportError) in
                    try reader.text(item, at: path)
                }),
            warranty: try reader.maybe(fields[10], at: "warranty") { (item, path) throws(PassportError) in
                let parts = try reader.constructor(item, at: path, index: 0, count: 3)
                let voided = try reader.constructor(parts[2], at: "\(path) voided", count: 0)
                guard voided.index <= 1 else { throw .leafMalformed("\(path) voided: a Bool is 121([]) or 122([])") }
                return Warranty(
                    startMilliseconds: try reader.integer(parts[0], at: "\(path) start"),
                    endMilliseconds: try reader.integer(parts[1], at: "\(path) end"), voided: voided.index == 1)
            },
            recall: recall,
            firmware: Firmware(
                version: try reader.text(firmwareFields[0], at: "firmware version"),
                hash: try reader.bytes(firmwareFields[1], at: "firmware hash"),
                advisory: try reader.maybe(firmwareFields[2], at: "firmware advisory") { (item, path) throws(PassportError) in
                    try reader.text(item, at: path)
                }),
            origin: try reader.maybe(fields[13], at: "origin") { (item, path) throws(PassportError) in
                let parts = try reader.constructor(item, at: path, index: 0, count: 4)
                guard let root = Hash32(bytes: try reader.bytes(parts[2], at: "\(path) root")) else {
                    throw .leafMalformed("\(path) root: a root has 32 bytes")
                }
                let proof: Proof
                do {
                    proof = try Proof(cbor: try parts[3].encode())
                } catch {
                    throw .leafMalformed("\(path) proof: \(error)")
                }
                return Origin(
                    operatorID: try reader.text(parts[0], at: "\(path) operator"),
                    batteryID: try reader.text(parts[1], at: "\(path) batteryId"), anchoredRoot: root, proof: proof)
            })
        try validate()
        guard cbor() == bytes else {
            throw PassportError("leaf_not_canonical", "the leaf is not in its canonical Plutus data encoding")
        }
    }
}

/// Writes Plutus data as Cardano serialises it.
struct PlutusWriter {
    private(set) var writer = CBORWriter(capacity: 256)
    var bytes: [UInt8] { writer.bytes }

    /// Constructor `index` (0…6, tags 121…127) with the fields `body` writes.
    mutating func constructor(_ index: Int, _ body: (inout PlutusWriter) -> Void) {
        writer.appendHead(.tag, UInt64(121 + index))
        var fields = PlutusWriter()
        body(&fields)
        if fields.bytes.isEmpty {
            writer.appendHead(.array, 0)
        } else {
            writer.beginIndefiniteArray()
            writer.appendRaw(fields.bytes)
            writer.appendBreak()
        }
    }

    mutating func maybe<T>(_ value: T?, _ body: (inout PlutusWriter, T) -> Void) {
        if let value {
            constructor(0) { body(&$0, value) }
        } else {
            constructor(1) { _ in }
        }
    }

    mutating func bytes(_ value: some Collection<UInt8>) {
        let value = Array(value)
        guard value.count > 64 else {
            writer.appendHead(.bytes, UInt64(value.count))
            writer.appendRaw(value)
            return
        }
        writer.beginIndefiniteBytes()
        for start in stride(from: 0, to: value.count, by: 64) {
            let end = min(start + 64, value.count)
            writer.appendHead(.bytes, UInt64(end - start))
            writer.appendRaw(value[start..<end])
        }
        writer.appendBreak()
    }

    mutating func integer(_ value: Int64) {
        if value >= 0 {
            writer.appendHead(.unsigned, UInt64(value))
        } else {
            writer.appendHead(.negative, UInt64(-(value + 1)))
        }
    }

    mutating func raw(_ bytes: [UInt8]) { writer.appendRaw(bytes) }
}

/// Reads Plutus data fields, naming the field in every failure.
struct PlutusReader {
    func constructor(_ item: CBOR, at path: String) throws(PassportError) -> (index: Int, fields: [CBOR]) {
        guard case .tagged(let tag, let content) = item, (121...127).contains(tag), let fields = content.arrayValue else {
            throw .leafMalformed("\(path): expected a Plutus constructor (tag 121…127 over a list)")
        }
        return (Int(tag - 121), fields)
    }

    func constructor(_ item: CBOR, at path: String, count: Int) throws(PassportError) -> (index: Int, fields: [CBOR]) {
        let value = try constructor(item, at: path)
        guard value.fields.count == count else {
            throw .leafMalformed("\(path): expected \(count) fields, found \(value.fields.count)")
        }
        return value
    }

    func constructor(_ item: CBOR, at path: String, index: Int, count: Int) throws(PassportError) -> [CBOR] {
        let value = try constructor(item, at: path, count: count)
        guard value.index == index else {
            throw .leafMalformed("\(path): expected constructor \(index) (tag \(121 + index)), found \(value.index)")
        }
        return value.fields
    }

    func maybe<T>(_ item: CBOR, at path: String, _ body: (CBOR, String) throws(PassportError) -> T) throws(PassportError) -> T? {
        let value = try constructor(item, at: path)
        switch (value.index, value.fields.count) {
        case (0, 1): return try body(value.fields[0], path)
        case (1, 0): return nil
        default: throw .leafMalformed("\(path): a Maybe is 121([value]) or 122([])")
        }
    }

    func bytes(_ item: CBOR, at path: String) throws(PassportError) -> [UInt8] {
        guard let bytes = item.bytesValue else { throw .leafMalformed("\(path): expected a byte string") }
        return bytes
    }

    func text(_ item: CBOR, at path: String) throws(PassportError) -> String {
        let bytes = try bytes(item, at: path)
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw .leafMalformed("\(path): the bytes are not UTF-8 text")
        }
        return text
    }

    func integer(_ item: CBOR, at path: String) throws(PassportError) -> Int64 {
        guard let value = item.intValue else { throw .leafMalformed("\(path): expected an integer within 64 bits") }
        return value
    }

    func slot(_ item: CBOR, at path: String) throws(PassportError) -> UInt64 {
        let value = try integer(item, at: path)
        guard value >= 0 else { throw .leafMalformed("\(path): a slot is not negative") }
        return UInt64(value)
    }
}
