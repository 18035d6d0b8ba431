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

    /// A damaged key file fails with a code and a message that holds no part of the secret (no 8
    /// characters in a row of its multibase or hex form) and not the file's path or name.
    @Test(arguments: KeyAlgorithm.allCases) func damagedFilesNeverLeakTheSecretOrThePath(algorithm: KeyAlgorithm) throws {
        let signer = SoftwareSigner.generate(algorithm)
        let secret = signer.secretKeyMultibase
        let url = folder.appendingPathComponent("operator-\(algorithm.rawValue)-secret-name.key.json")
        try KeyFile.write(signer, to: url)
        let original = String(decoding: try Data(contentsOf: url), as: UTF8.self)
        let characters = Array(secret)
        func replacing(_ index: Int, with character: Character) -> String {
            var damaged = characters
            damaged[index] = character
            return String(damaged)
        }
        let other = SoftwareSigner.generate(algorithm)
        let damaged: [(String, String)] = [
            ("truncated in the secret", String(original.prefix(upTo: original.range(of: secret)!.upperBound).dropLast(3))),
            ("secret cut short", original.replacingOccurrences(of: secret, with: String(secret.dropLast(4)))),
            ("secret extended", original.replacingOccurrences(of: secret, with: secret + "zz")),
            ("a character outside base58", original.replacingOccurrences(of: secret, with: replacing(20, with: "0"))),
            ("a flipped character", original.replacingOccurrences(of: secret, with: replacing(30, with: characters[30] == "A" ? "B" : "A"))),
            ("no multibase prefix", original.replacingOccurrences(of: secret, with: String(secret.dropFirst()))),
            ("another multibase", original.replacingOccurrences(of: secret, with: "u" + secret.dropFirst())),
            ("closing quote lost", original.replacingOccurrences(of: secret + "\"", with: secret)),
            ("the secret as the type", #"{"type":"\#(secret)"}"#),
            ("the secret as the public key", #"{"publicKeyMultibase":"\#(secret)","secretKeyMultibase":"\#(other.secretKeyMultibase)"}"#),
            ("the secret as a key name", #"{"\#(secret)":1}"#),
            ("the secret alone", secret),
            ("the secret in an array", #"["\#(secret)"]"#),
            ("the secret as a number", original.replacingOccurrences(of: "\"\(secret)\"", with: "1\(secret)")),
            ("a byte-order mark and a trailing comma", "\u{FEFF}" + original.replacingOccurrences(of: "}", with: ",}")),
            ("the secret with a control character", original.replacingOccurrences(of: secret, with: replacing(12, with: "\u{01}"))),
        ]
        let hex = signer.secretKey.map { String(format: "%02x", $0) }.joined()
        let forbidden = Set(
            [secret, hex, hex.uppercased()].flatMap { text in
                let characters = Array(text)
                return (0...(characters.count - 8)).map { String(characters[$0..<($0 + 8)]) }
            })
        for (name, content) in damaged {
            try Data(content.utf8).write(to: url)
            do throws(IdentityError) {
                _ = try KeyFile.load(from: url)
                Issue.record("\(name): the damaged file loaded")
            } catch {
                #expect(error.kind == .invalidKeyFile, "\(name): \(error)")
                for text in [error.message, "\(error)", String(reflecting: error)] {
                    #expect(!text.contains(folder.path) && !text.contains(url.lastPathComponent), "\(name): \(text)")
                    #expect(!forbidden.contains { text.contains($0) }, "\(name): \(text)")
                }
            }
        }
        // Unreadable files name neither their path.
        for missing in [folder.appendingPathComponent("absent-secret-name.json"), folder] {
            do throws(IdentityError) {
                _ = try KeyFile.load(from: missing)
                Issue.record("loaded \(missing)")
            } catch {
                #expect(error.kind == .keyFileUnavailable)
                #expect(!error.message.contains(folder.lastPathComponent) && !error.message.contains("secret-name"), "\(error)")
            }
        }
        do throws(IdentityError) {
            try KeyFile.write(signer, to: folder.appendingPathComponent("no/such/folder/secret-name.json"))
            Issue.record("wrote into a missing folder")
        } catch {
            #expect(error.kind == .keyFileUnavailable)
            #expect(!error.message.contains(folder.lastPathComponent) && !error.message.contains("secret-name"), "\(error)")
        }
    }
}
