import Encoding
import Identity
import Ledger
import Passport
import Testing

/// The lifecycle table of the architecture document: which transition is allowed from which status,
/// and who may make it; each refusal with its code. And device specs refused with their codes.
@Suite struct LifecycleTests {
    static let operatorID = "did:web:example.com:operators:acme"
    static let user = KeyHash(publicKey: [UInt8](repeating: 1, count: 32))
    static let other = KeyHash(publicKey: [UInt8](repeating: 2, count: 32))

    static func leaf(_ status: BatteryLeaf.Status = .virgin, reader: KeyHash? = nil) -> BatteryLeaf {
        BatteryLeaf(
            batteryID: "urn:battery:1", status: status, readerKeyHash: reader, bmsPublicKey: [UInt8](repeating: 9, count: 32),
            credentials: .init(device: "urn:d", bom: "urn:b"), firmware: .init(version: "1", hash: [UInt8](repeating: 0, count: 32)))
    }

    let lifecycle = Lifecycle(operatorID: Self.operatorID, recyclers: ["did:web:recycler.example"])

    @Test func firstScanThenReadingsThenTransferThenRecycling() throws {
        var leaf = try lifecycle.apply(.firstScan(reader: Self.user), to: Self.leaf(), by: .reader(Self.user))
        #expect(leaf.status == .active)
        #expect(leaf.readerKeyHash == Self.user)
        leaf = try lifecycle.apply(
            .recordReading(stateOfHealth: 990, cycleCount: 10, counter: 1, slot: 100, rewarded: true), to: leaf, by: .operator(Self.operatorID))
        #expect(leaf.lastRewardedSlot == 100)
        #expect(leaf.lastCounter == 1)
        leaf = try lifecycle.apply(.transferReadingRight(to: Self.other), to: leaf, by: .reader(Self.user))
        #expect(leaf.readerKeyHash == Self.other)
        leaf = try lifecycle.apply(.recycle, to: leaf, by: .recycler("did:web:recycler.example"))
        #expect(leaf.status == .recycled)
        #expect(leaf.readerKeyHash == nil)
    }

    @Test func refusalsCarryTheirCodes() throws {
        let active = Self.leaf(.active, reader: Self.user)
        func code(_ body: () throws(PassportError) -> BatteryLeaf) -> String? {
            do {
                _ = try body()
                return nil
            } catch {
                return error.code
            }
        }
        #expect(code { () throws(PassportError) in try lifecycle.apply(.firstScan(reader: Self.user), to: active, by: .reader(Self.user)) } == "transition_not_allowed")
        #expect(code { () throws(PassportError) in try lifecycle.apply(.transferReadingRight(to: Self.other), to: active, by: .reader(Self.other)) } == "actor_not_authorized")
        #expect(code { () throws(PassportError) in try lifecycle.apply(.recycle, to: active, by: .recycler("did:web:stranger")) } == "actor_not_authorized")
        #expect(code { () throws(PassportError) in try lifecycle.apply(.repurpose, to: active, by: .operator("did:web:another")) } == "actor_not_authorized")
        #expect(code { () throws(PassportError) in
            try lifecycle.apply(.recordReading(stateOfHealth: 1_100, cycleCount: 0, counter: 1, slot: 1, rewarded: false), to: active, by: .operator(Self.operatorID))
        } == "reading_implausible")
        let recycled = Self.leaf(.recycled)
        #expect(code { () throws(PassportError) in try lifecycle.apply(.updateFirmware(.init(version: "2", hash: [UInt8](repeating: 1, count: 32))), to: recycled, by: .operator(Self.operatorID)) } == "transition_not_allowed")
    }

    @Test func deviceSpecsAreCheckedWithCodes() throws {
        let key = SoftwareSigner.generate(.ed25519).verificationKey.multikey
        func spec(_ change: (inout JSONObject) -> Void) -> JSONObject {
            var object: JSONObject = [
                "gtin": "04012345000009", "serial": "S-1", "model": "M", "chemistry": "LFP", "ratedCapacityAh": 100,
                "publicKeyMultibase": .string(key), "firmware": ["version": "1", "sha256": .string(String(repeating: "ab", count: 32))],
                "bom": ["hash": .string("sha256:" + String(repeating: "cd", count: 32))],
            ]
            change(&object)
            return object
        }
        func code(_ object: JSONObject) -> String? {
            do {
                _ = try DeviceSpec(json: object)
                return nil
            } catch {
                return error.code
            }
        }
        #expect(code(spec { _ in }) == nil)
        #expect(code(spec { $0["gtin"] = "04012345000008" }) == "invalid_check_digit")
        #expect(code(spec { $0["serial"] = "has space" }) == "invalid_device")
        #expect(code(spec { $0["publicKeyMultibase"] = "z6MkNotAKey" }) == "invalid_device")
        #expect(code(spec { $0["ratedCapacityAh"] = -1 }) == "invalid_device")
        #expect(code(spec { $0["manufacturingDate"] = "2026-02-30" }) == "invalid_device")
        #expect(code(spec { $0["owner"] = "not a did" }) == "invalid_device")
    }
}
