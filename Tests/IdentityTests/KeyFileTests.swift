import Encoding
import Foundation
import Identity
import Testing
import VectorSupport

@Suite struct KeyFileTests {
    let folder: URL

    init() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("voltpass-keyfile-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    private func mode(_ url: URL) throws -> Int {
        let attributes = try FileManager.default.attributesOfItem(atPath: url.path)
        return try #require(attributes[.posixPermissions] as? Int)
    }

    @Test(arguments: KeyAlgorithm.allCases) func writesAndLoadsAKeyPair(algorithm: KeyAlgorithm) async throws {
        let signer = SoftwareSigner.generate(algorithm)
        let url = folder.appendingPathComponent("operator.key.json")
        try KeyFile.write(signer, to: url, id: "did:web:example.com#key-1", controller: "did:web:example.com")

        #expect(try mode(url) == 0o600)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["operator.key.json"])
        let json = try foundationJSON(Array(try Data(contentsOf: url)))
        #expect(json["type"] as? String == "Multikey")
        #expect(json["id"] as? String == "did:web:example.com#key-1")
        #expect(json["controller"] as? String == "did:web:example.com")
        #expect(json["publicKeyMultibase"] as? String == signer.verificationKey.multikey)
        #expect(json["secretKeyMultibase"] as? String == signer.secretKeyMultibase)

        let loaded = try KeyFile.load(from: url)
        #expect(loaded.publicKey == signer.publicKey)
        let message = Array("reading".utf8)
        #expect(signer.verificationKey.verify(signature: try await loaded.sign(message), message: message))
    }

    /// Replacing a key file keeps mode 0600 even when the old file was readable by others.
    @Test func replacesAnExistingFileAtomically() throws {
        let url = folder.appendingPathComponent("key.json")
        try Data("old".utf8).write(to: url)
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: url.path)
        let signer = SoftwareSigner.generate(.ed25519)
        try KeyFile.write(signer, to: url)
        #expect(try mode(url) == 0o600)
        #expect(try KeyFile.load(from: url).publicKey == signer.publicKey)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["key.json"])
    }

    /// The key pair files of the vectors load as they are.
    @Test(.vectors, arguments: ["vc-di-eddsa/keyPair.json", "vc-di-ecdsa/p256KeyPair.json"])
    func loadsTheVectorKeyPairs(path: String) throws {
        let expected = try VectorJSON.object(path)
        let signer = try KeyFile.load(from: try Vectors.url(path))
        #expect(signer.verificationKey.multikey == expected["publicKeyMultibase"] as? String)
    }

    @Test func unwritableLocationsFailWithACode() {
        let missing = folder.appendingPathComponent("no/such/folder/key.json")
        expectIdentityError(.keyFileUnavailable) { try KeyFile.write(SoftwareSigner.generate(.ed25519), to: missing) }
    }

    @Test func missingFilesFailWithACode() {
        expectIdentityError(.keyFileUnavailable) { try KeyFile.load(from: folder.appendingPathComponent("absent.json")) }
        expectIdentityError(.keyFileUnavailable, "a folder is not a key file") { try KeyFile.load(from: folder) }
    }

    @Test func wrongContentFailsWithACode() throws {
        let other = SoftwareSigner.generate(.ed25519)
        let signer = SoftwareSigner.generate(.p256)
        let cases: [(String, String)] = [
            ("not JSON", "secretKeyMultibase: z42t"),
            ("empty", ""),
            ("array", "[]"),
            ("wrong type", #"{"type":"JsonWebKey","secretKeyMultibase":"\#(signer.secretKeyMultibase)"}"#),
            ("no secret", #"{"type":"Multikey","publicKeyMultibase":"\#(signer.verificationKey.multikey)"}"#),
            ("secret not a string", #"{"type":"Multikey","secretKeyMultibase":42}"#),
            ("garbage secret", #"{"type":"Multikey","secretKeyMultibase":"zzzz"}"#),
            ("public key as secret", #"{"type":"Multikey","secretKeyMultibase":"\#(signer.verificationKey.multikey)"}"#),
            ("mismatched public key",
             #"{"type":"Multikey","publicKeyMultibase":"\#(other.verificationKey.multikey)","secretKeyMultibase":"\#(signer.secretKeyMultibase)"}"#),
            ("public key not a string", #"{"type":"Multikey","publicKeyMultibase":null,"secretKeyMultibase":"\#(signer.secretKeyMultibase)"}"#),
        ]
        for (name, content) in cases {
            let url = folder.appendingPathComponent("\(name).json")
            try Data(content.utf8).write(to: url)
            expectIdentityError(.invalidKeyFile, "\(name)") { try KeyFile.load(from: url) }
        }
        let huge = folder.appendingPathComponent("huge.json")
        try Data(repeating: 0x20, count: 1 << 20).write(to: huge)
        expectIdentityError(.invalidKeyFile, "oversized") { try KeyFile.load(from: huge) }
    }
}
