import Credentials
import Encoding
import Foundation
import HSMTestSupport
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Identity
import Server
import ServerTestSupport
import Storage
import Testing

/// Operator keys held in a PKCS#11 token (SoftHSM2): generated there on bootstrap and rotation,
/// referenced from the key records by PKCS#11 URI, signing for the instance and its operators.
@Suite("Operator keys in an HSM", .serialized, .enabled(if: SoftHSM.shouldRun, "SoftHSM2 is not installed (Debian package softhsm2)"))
struct OperatorKeysHSMTests {
    static func withStore<T: Sendable>(_ body: @Sendable (any VoltpassStore, URL) async throws -> T) async throws -> T {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("voltpass-hsm-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        return try await StoreConfiguration(dataDirectory: directory).withStore { store in try await body(store, directory) }
    }

    /// A DID per test: the tests share one token, and keys are found by their own labels anyway.
    static func did() -> String { "did:web:hsm-\(UUID().uuidString.prefix(8).lowercased()).example" }

    @Test("bootstrap and rotation generate keys in the token; old and new keys both sign")
    func bootstrapAndRotateInTheToken() async throws {
        let token = try PKCS11Token.open(try SoftHSM.configuration(.server))
        try await Self.withStore { store, directory in
            let did = Self.did()
            let keys = OperatorKeys(did: did, store: store, dataDirectory: directory, custody: .hsm(token))
            #expect(try await keys.bootstrap())
            #expect(!FileManager.default.fileExists(atPath: directory.appendingPathComponent("keys").path))
            let (firstID, first) = try await keys.currentSigner()
            #expect(first is PKCS11Signer)

            _ = try await keys.rotate(to: .p256)
            let (secondID, second) = try await keys.currentSigner()
            #expect(secondID != firstID)
            #expect(second.algorithm == .p256)

            let records = try await store.keys(controller: did)
            #expect(records.count == 2)
            #expect(records.allSatisfy { PKCS11URI.isPKCS11URI($0.secretLocation ?? "") })
            #expect(records[0].validUntil != nil && records[1].validUntil == nil)

            // Both keys sign, and each signature verifies against its method in the DID document.
            let document = try await keys.document()
            let message = Array("anchored root 7f3a".utf8)
            for record in records {
                let signer = try token.signer(for: try PKCS11URI(parsing: try #require(record.secretLocation)))
                let method = try #require(document.verificationMethods.first { $0.id == record.id })
                let key = try method.publicKey()
                #expect(key.verify(signature: try await signer.sign(message), message: message), "\(record.id)")
            }
        }
    }

    @Test("keys already in key files keep working under HSM custody; HSM keys need the HSM")
    func keyFilesAndHSMKeysSideBySide() async throws {
        let token = try PKCS11Token.open(try SoftHSM.configuration(.server))
        try await Self.withStore { store, directory in
            let did = Self.did()
            #expect(try await OperatorKeys(did: did, store: store, dataDirectory: directory).bootstrap())
            let withHSM = OperatorKeys(did: did, store: store, dataDirectory: directory, custody: .hsm(token))
            #expect(try await withHSM.currentSigner().signer is SoftwareSigner)

            _ = try await withHSM.rotate(to: .ed25519)
            #expect(try await withHSM.currentSigner().signer is PKCS11Signer)
            let unconfigured = await #expect(throws: HSMError.self) {
                _ = try await OperatorKeys(did: did, store: store, dataDirectory: directory).currentSigner()
            }
            #expect(unconfigured?.kind == .notConfigured)
        }
    }

    @Test("serve with an HSM: instance and operator keys live in the token; credentials verify across a rotation")
    func serverKeysInTheToken() async throws {
        let hsm = try SoftHSM.configuration(.server)
        try await withLiveServer(configure: { $0.hsm = hsm }) { client, server, admin in
            let auth = HTTPFields.bearer(admin)
            let issuerAuth = HTTPFields.bearer(try await client.createToken(operators: ["instance"], admin: admin))
            let instance = try await server.store.keys(controller: server.operatorKeys.did)
            #expect(instance.count == 1 && PKCS11URI.isPKCS11URI(instance[0].secretLocation ?? ""))

            func issue(_ id: String) async throws -> String {
                let body = #"{"credential":{"@context":["https://www.w3.org/ns/credentials/v2"],"id":"\#(id)","type":["VerifiableCredential"],"issuer":"\#(server.operatorKeys.did)","credentialSubject":{"id":"did:example:cell-7","stateOfHealth":98}}}"#
                let issued = try await client.execute(uri: "/credentials/issue", method: .post, headers: issuerAuth, body: ByteBuffer(string: body))
                #expect(issued.status == .created)
                let object = try #require(try issued.json["verifiableCredential"])
                return String(decoding: try JSONSerialization.data(withJSONObject: object), as: UTF8.self)
            }
            func verified(_ credential: String) async throws -> Bool {
                let response = try await client.execute(
                    uri: "/credentials/verify", method: .post, body: ByteBuffer(string: #"{"verifiableCredential":\#(credential)}"#))
                return try response.json["verified"] as? Bool == true
            }
            let before = try await issue("urn:uuid:hsm-1")
            let rotated = try await client.execute(
                uri: "/admin/keys/rotate", method: .post, headers: auth, body: ByteBuffer(string: #"{"type":"p256"}"#))
            #expect(rotated.status == .ok)
            let after = try await issue("urn:uuid:hsm-2")
            #expect(try await verified(before))
            #expect(try await verified(after))
            #expect(try Credential(parsing: Array(after.utf8)).proofs.first?["cryptosuite"] == "ecdsa-jcs-2019")

            let registered = try await client.execute(
                uri: "/operators", method: .post, headers: auth, body: ByteBuffer(string: #"{"name":"hsm-cellmaker"}"#))
            #expect(registered.status == .created)
            let member = try await server.passports.operators.member(named: "hsm-cellmaker")
            let operatorKeys = try await server.store.keys(controller: member.record.id)
            #expect(operatorKeys.count == 1 && PKCS11URI.isPKCS11URI(operatorKeys[0].secretLocation ?? ""))
            #expect(try await member.keys.currentSigner().signer is PKCS11Signer)
            let keyFiles = server.configuration.dataDirectory.appendingPathComponent("keys")
            #expect(!FileManager.default.fileExists(atPath: keyFiles.path))
        }
    }
}

/// A damaged operator key file answers a request with a server error that shows neither the secret
/// nor where it lives.
@Suite("Damaged key files")
struct DamagedKeyFileTests {
    @Test("issuing with a damaged key file is a 500 without the secret or the path")
    func damagedKeyFileDoesNotLeak() async throws {
        try await withLiveServer { client, server, admin in
            let issuer = try await client.createToken(operators: ["instance"], admin: admin)
            let folder = server.configuration.dataDirectory.appendingPathComponent("keys")
            let file = folder.appendingPathComponent(try #require(try FileManager.default.contentsOfDirectory(atPath: folder.path).first))
            let text = String(decoding: try Data(contentsOf: file), as: UTF8.self)
            let object = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
            let secret = try #require(object["secretKeyMultibase"] as? String)
            // One character of the secret replaced by one outside base58: the file still parses as JSON.
            let damaged = secret.prefix(10) + "0" + secret.dropFirst(11)
            try Data(text.replacingOccurrences(of: secret, with: String(damaged)).utf8).write(to: file)

            let body = #"{"credential":\#(CredentialRoutesTests.issuable())}"#
            let response = try await client.execute(
                uri: "/credentials/issue", method: .post, headers: .bearer(issuer), body: ByteBuffer(string: body))
            #expect(response.status == .internalServerError)
            #expect(try response.json["code"] as? String == "invalidKeyFile")
            let answer = String(buffer: response.body)
            let characters = Array(secret)
            for start in 0...(characters.count - 8) {
                let piece = String(characters[start..<(start + 8)])
                #expect(!answer.contains(piece), "the answer holds part of the secret: \(answer)")
            }
            #expect(!answer.contains(folder.path) && !answer.contains(file.lastPathComponent), "\(answer)")
        }
    }
}
