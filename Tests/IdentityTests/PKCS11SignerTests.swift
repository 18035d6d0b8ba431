import CPKCS11
import Crypto
import Foundation
import HSMTestSupport
import Testing

@testable import Identity

/// The PKCS#11 signer against a real module: SoftHSM2 with a token in a temporary directory.
@Suite(.serialized, .enabled(if: SoftHSM.shouldRun, "SoftHSM2 is not installed (Debian package softhsm2)"))
struct PKCS11SignerTests {
    let token: PKCS11Token

    init() throws {
        token = try PKCS11Token.open(try SoftHSM.configuration(.identity))
    }

    /// A fresh label, so tests never see each other's keys.
    private func label(_ prefix: String) -> String { "\(prefix)-\(UUID().uuidString.prefix(8))" }

    private func randomID() -> [UInt8] { (0..<8).map { _ in UInt8.random(in: 0...255) } }

    /// Verifies with swift-crypto directly, independently of `PublicKey`.
    private func verifies(_ signature: [UInt8], _ message: [UInt8], algorithm: KeyAlgorithm, publicKey: [UInt8]) throws -> Bool {
        switch algorithm {
        case .ed25519:
            return try Curve25519.Signing.PublicKey(rawRepresentation: publicKey).isValidSignature(signature, for: message)
        case .p256:
            let key = try P256.Signing.PublicKey(compressedRepresentation: publicKey)
            return key.isValidSignature(try P256.Signing.ECDSASignature(rawRepresentation: signature), for: message)
        case .p384:
            let key = try P384.Signing.PublicKey(compressedRepresentation: publicKey)
            return key.isValidSignature(try P384.Signing.ECDSASignature(rawRepresentation: signature), for: message)
        }
    }

    @Test(arguments: KeyAlgorithm.allCases)
    func generatesInTheTokenAndSignsVerifiably(algorithm: KeyAlgorithm) async throws {
        let signer = try token.generateKeyPair(algorithm, label: label("gen"), id: randomID())
        #expect(signer.algorithm == algorithm)
        #expect(signer.publicKey.count == [.ed25519: 32, .p256: 33, .p384: 49][algorithm])
        #expect(signer.uri.token == SoftHSM.Token.identity.label)

        let message = Array("pack 0042: state of health 97%".utf8)
        let signature = try await signer.sign(message)
        #expect(signature.count == algorithm.signatureLength)
        #expect(try verifies(signature, message, algorithm: algorithm, publicKey: signer.publicKey))
        #expect(try !verifies(signature, message + [0], algorithm: algorithm, publicKey: signer.publicKey))
        #expect(try !verifies(signature, message, algorithm: algorithm, publicKey: SoftwareSigner.generate(algorithm).publicKey))
        let empty = try await signer.sign([])
        #expect(try verifies(empty, [], algorithm: algorithm, publicKey: signer.publicKey))
        if algorithm == .ed25519 {
            // Pure Ed25519 (RFC 8032) is deterministic.
            #expect(try await signer.sign(message) == signature)
        }

        // Found again from its reference, as OperatorKeys does from a key record.
        let reopened = try token.signer(for: try PKCS11URI(parsing: signer.uri.description))
        #expect(reopened.algorithm == algorithm)
        #expect(reopened.publicKey == signer.publicKey)
        #expect(try verifies(try await reopened.sign(message), message, algorithm: algorithm, publicKey: signer.publicKey))
    }

    /// The private key is a token object that is sensitive and not extractable: its value cannot be read.
    @Test(arguments: KeyAlgorithm.allCases)
    func privateKeysNeverLeaveTheToken(algorithm: KeyAlgorithm) throws {
        let signer = try token.generateKeyPair(algorithm, label: label("sensitive"), id: randomID())
        let handle = try token.privateKeyHandle(for: signer.uri)
        let flags = try token.withSession { session throws(HSMError) in
            var values: [[UInt8]] = []
            for type in [CKA_TOKEN, CKA_SENSITIVE, CKA_EXTRACTABLE, CKA_SIGN] {
                values.append(try token.attribute(type, of: handle, session: session))
            }
            return values
        }
        #expect(flags == [[1], [1], [0], [1]])
        do throws(HSMError) {
            _ = try token.withSession { session throws(HSMError) in try token.attribute(CKA_VALUE, of: handle, session: session) }
            Issue.record("the private key's value was readable")
        } catch {
            #expect(error.kind == .failed)
            #expect(error.returnValue == "CKR_ATTRIBUTE_SENSITIVE")
        }
    }

    @Test func findsAKeyByLabelOrById() throws {
        let name = label("lookup")
        let id = randomID()
        let signer = try token.generateKeyPair(.p256, label: name, id: id)
        #expect(try token.signer(for: PKCS11URI(token: token.label, object: name)).publicKey == signer.publicKey)
        #expect(try token.signer(for: PKCS11URI(id: id)).publicKey == signer.publicKey)
        #expect(try token.signer(for: PKCS11URI(object: name, id: id)).publicKey == signer.publicKey)
    }

    @Test func anUnknownObjectIsKeyNotFound() throws {
        for uri in [
            PKCS11URI(token: token.label, object: "no-such-key"), PKCS11URI(id: [0xDE, 0xAD]),
            PKCS11URI(token: "another-token", object: "no-such-key"), PKCS11URI(serial: "0000", object: "no-such-key"),
        ] {
            do throws(HSMError) {
                _ = try token.signer(for: uri)
                Issue.record("found \(uri)")
            } catch {
                #expect(error.kind == .keyNotFound, "\(uri)")
                #expect(error.code == "hsm_key_not_found")
            }
        }
        // The public half alone is not a key pair either; a label shared by two pairs is ambiguous.
        let shared = label("twice")
        let first = try token.generateKeyPair(.ed25519, label: shared, id: randomID())
        _ = try token.generateKeyPair(.ed25519, label: shared, id: randomID())
        #expect((#expect(throws: HSMError.self) { try token.signer(for: PKCS11URI(object: shared)) })?.kind == .keyAmbiguous)
        #expect(try token.signer(for: PKCS11URI(object: shared, id: first.uri.id)).publicKey == first.publicKey)
    }

    @Test func aWrongPinIsLoginFailedAndNeverShown() throws {
        var configuration = try SoftHSM.configuration(.wrongPIN)
        configuration.pin = HSMPIN("wrong-pin-8462")
        do throws(HSMError) {
            _ = try PKCS11Token.open(configuration)
            Issue.record("logged in with a wrong PIN")
        } catch {
            #expect(error.kind == .loginFailed)
            #expect(error.code == "hsm_login_failed")
            #expect(error.returnValue == "CKR_PIN_INCORRECT")
            for text in [error.message, "\(error)", String(reflecting: error)] {
                #expect(!text.contains("8462"))
            }
        }
        // Neither the configuration nor the PIN show it when printed, dumped or logged.
        var dumped = ""
        dump(configuration, to: &dumped)
        for text in ["\(configuration)", String(reflecting: configuration), dumped, "\(configuration.pin)"] {
            #expect(!text.contains("8462"), "\(text)")
        }
    }

    @Test func anUnknownTokenOrModuleIsUnavailable() throws {
        var configuration = try SoftHSM.configuration(.identity)
        configuration.tokenLabel = "no-such-token"
        #expect((#expect(throws: HSMError.self) { try PKCS11Token.open(configuration) })?.kind == .unavailable)
    }

    /// Eight tasks sign at once with both keys; every signature verifies.
    @Test func signsFromManyTasksAtOnce() async throws {
        let signers = [
            try token.generateKeyPair(.p256, label: label("busy"), id: randomID()),
            try token.generateKeyPair(.ed25519, label: label("busy"), id: randomID()),
        ]
        let verified = try await withThrowingTaskGroup(of: Int.self) { group in
            for task in 0..<8 {
                group.addTask {
                    var count = 0
                    for round in 0..<25 {
                        let signer = signers[(task + round) % 2]
                        let message = Array("task \(task) round \(round)".utf8)
                        let signature = try await signer.sign(message)
                        if try verifies(signature, message, algorithm: signer.algorithm, publicKey: signer.publicKey) { count += 1 }
                    }
                    return count
                }
            }
            return try await group.reduce(0, +)
        }
        #expect(verified == 8 * 25)
    }
}

/// Modules that cannot be used fail with `hsm_unavailable` and a message without their path.
@Suite struct PKCS11ModuleLoadingTests {
    @Test func aMissingOrForeignLibraryIsUnavailable() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("voltpass-module-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let notALibrary = folder.appendingPathComponent("libfake-pkcs11.so")
        try Data("not an ELF file".utf8).write(to: notALibrary)
        for path in [folder.appendingPathComponent("libabsent.so").path, notALibrary.path, folder.path] {
            let configuration = HSMConfiguration(modulePath: path, tokenLabel: "voltpass", pin: HSMPIN("1234"))
            do throws(HSMError) {
                _ = try PKCS11Token.open(configuration)
                Issue.record("opened \(path)")
            } catch {
                #expect(error.kind == .unavailable)
                #expect(!error.message.contains(folder.path), "\(error.message)")
                #expect(!error.message.contains(folder.lastPathComponent), "\(error.message)")
            }
        }
    }
}
