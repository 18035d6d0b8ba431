import COSE
import Encoding
import Foundation
import Identity
import Readings
import Testing
import VectorSupport

/// One cose-wg/Examples file (vectors/cose, format in examples.cddl), read with Foundation's JSON.
struct COSEVector {
    let path: String
    let fail: Bool
    let payload: [UInt8]
    let externalAAD: [UInt8]
    let toBeSigned: [UInt8]
    let output: [UInt8]
    let signer: [String: Any]

    init(_ path: String) throws {
        self.path = path
        let root = try #require(try Vectors.json("cose/" + path) as? [String: Any], "\(path) is not an object")
        let input = try #require(root["input"] as? [String: Any])
        fail = root["fail"] as? Bool ?? false
        if let hex = input["plaintext_hex"] as? String {
            payload = try #require(Vectors.bytes(hex: hex))
        } else {
            let text = try #require(input["plaintext"] as? String)
            payload = Array(text.utf8)
        }
        signer = try #require(input["sign0"] as? [String: Any])
        externalAAD = try #require(Vectors.bytes(hex: signer["external"] as? String ?? ""))
        let intermediates = try #require(root["intermediates"] as? [String: Any])
        let toBeSignedHex = try #require(intermediates["ToBeSign_hex"] as? String)
        toBeSigned = try #require(Vectors.bytes(hex: toBeSignedHex))
        let output = try #require(root["output"] as? [String: Any])
        let outputHex = try #require(output["cbor"] as? String)
        self.output = try #require(Vectors.bytes(hex: outputHex))
    }

    private var key: [String: Any] { signer["key"] as? [String: Any] ?? [:] }

    /// A key member given as base64url (`x`) or hex (`x_hex`).
    func keyBytes(_ name: String) throws -> [UInt8]? {
        if let hex = key[name + "_hex"] as? String { return try #require(Vectors.bytes(hex: hex)) }
        if let text = key[name] as? String { return try Base64URL.decode(text) }
        return nil
    }

    /// The vector's public key as a COSE_Key map (RFC 9053 §7 kty and crv numbers).
    func coseKey() throws -> CBOR {
        let kty: Int64 = key["kty"] as? String == "OKP" ? 1 : 2
        let curves: [String: Int64] = ["P-256": 1, "P-384": 2, "P-521": 3, "Ed25519": 6, "Ed448": 7]
        let name = try #require(key["crv"] as? String)
        let curve = try #require(curves[name])
        let x = try #require(try keyBytes("x"))
        var map: [CBOR.Pair] = [.init(1, CBOR(kty)), .init(-1, CBOR(curve)), .init(-2, .bytes(x))]
        if let y = try keyBytes("y") { map.append(.init(-3, .bytes(y))) }
        return .map(map)
    }

    /// The vector's public key.
    func publicKey() throws -> PublicKey { try COSEKey(cbor: coseKey()).publicKey }

    /// The vector's private key as a signer.
    func softwareSigner() throws -> SoftwareSigner {
        let algorithm: KeyAlgorithm = key["kty"] as? String == "OKP" ? .ed25519 : .p256
        let secret = try #require(try keyBytes("d"))
        return try SoftwareSigner(algorithm: algorithm, secretKey: secret)
    }
}
