import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Identity
import Server
import ServerTestSupport
import Storage
import Testing

@Suite("HTTP service")
struct ServerTests {
    @Test("GET /health reports the store")
    func health() async throws {
        try await withLiveServer { client, _, _ in
            let response = try await client.execute(uri: "/health", method: .get)
            #expect(response.status == .ok)
            let body = try response.json
            #expect(body["status"] as? String == "ok")
            #expect(body["storage"] as? String == "sqlite")
            #expect(body["did"] as? String == "did:web:localhost%3A8080")
        }
    }

    @Test("GET /.well-known/did.json serves the operator's did:web document")
    func didDocument() async throws {
        try await withLiveServer { client, _, _ in
            let response = try await client.execute(uri: "/.well-known/did.json", method: .get)
            #expect(response.status == .ok)
            #expect(response.headers[.contentType] == "application/did+json")
            let document = try DIDDocument(parsing: Array(buffer: response.body))
            #expect(document.id == "did:web:localhost%3A8080")
            let method = try #require(document.verificationMethods.first)
            #expect(document.isAuthorized(methodID: method.id, for: .assertionMethod, at: Date()))
            #expect(try method.publicKey().algorithm == .ed25519)
        }
    }

    @Test("a write request without a token gets 401 with a problem document")
    func writeWithoutToken() async throws {
        try await withLiveServer { client, _, _ in
            let response = try await client.execute(
                uri: "/admin/tokens", method: .post, body: ByteBuffer(string: #"{"role":"issuer"}"#))
            #expect(response.status == .unauthorized)
            #expect(response.headers[.contentType] == "application/problem+json")
            #expect(response.headers[.wwwAuthenticate]?.hasPrefix("Bearer") == true)
            let problem = try response.json
            #expect(problem["code"] as? String == "unauthorized")
            #expect(problem["status"] as? Int == 401)
            #expect(problem["type"] as? String == "https://voltpass.dev/problems/unauthorized")
        }
    }

    @Test("an unknown token gets 401, a token without the role 403")
    func roles() async throws {
        try await withLiveServer { client, _, adminToken in
            let unknown = try await client.execute(uri: "/admin/tokens", method: .get, headers: .bearer("vpt_nope"))
            #expect(unknown.status == .unauthorized)
            let malformed = try await client.execute(
                uri: "/admin/tokens", method: .get, headers: [.authorization: "Basic dm9sdDpwYXNz"])
            #expect(try malformed.json["code"] as? String == "unauthorized")

            let created = try await client.execute(
                uri: "/admin/tokens", method: .post, headers: .bearer(adminToken),
                body: ByteBuffer(string: #"{"role":"issuer","label":"line 3","operators":["instance"]}"#))
            #expect(created.status == .created)
            let issuerToken = try #require(try created.json["token"] as? String)
            #expect(try created.json["role"] as? String == "issuer")

            let forbidden = try await client.execute(uri: "/admin/tokens", method: .get, headers: .bearer(issuerToken))
            #expect(forbidden.status == .forbidden)
            #expect(try forbidden.json["code"] as? String == "forbidden")

            let listed = try await client.execute(uri: "/admin/tokens", method: .get, headers: .bearer(adminToken))
            let tokens = try JSONSerialization.jsonObject(with: Data(buffer: listed.body)) as? [[String: Any]]
            #expect(tokens?.count == 2)
            #expect(tokens?.contains { $0["token"] != nil } == false, "secrets are never listed")
        }
    }

    @Test("bad request bodies get their own codes")
    func badBodies() async throws {
        try await withLiveServer(maxBodySize: 4096) { client, _, adminToken in
            let cases: [(body: String, status: HTTPResponse.Status, code: String)] = [
                (#"{"role": "issuer",}"#, .badRequest, "json_syntax"),
                (#"{"role":"issuer","role":"admin"}"#, .badRequest, "json_duplicate_key"),
                (String(repeating: "[", count: 1000), .badRequest, "json_depth_exceeded"),
                (#"{"role":"owner"}"#, .badRequest, "invalid_role"),
                (#"{"label":"no role"}"#, .badRequest, "invalid_request"),
                (#"{"role":""# + String(repeating: "x", count: 5000) + #""}"#, .contentTooLarge, "body_too_large"),
            ]
            for (body, status, code) in cases {
                let response = try await client.execute(
                    uri: "/admin/tokens", method: .post, headers: .bearer(adminToken), body: ByteBuffer(string: body))
                #expect(response.status == status, "\(code)")
                #expect(try response.json["code"] as? String == code)
                #expect(response.headers[.contentType] == "application/problem+json")
            }
        }
    }

    @Test("DID resolution errors are problem documents with the DID codes")
    func resolutionErrors() async throws {
        try await withLiveServer { client, _, _ in
            let unsupported = try await client.execute(uri: "/identifiers/did:example:123", method: .get)
            #expect(unsupported.status == .badRequest)
            #expect(try unsupported.json["code"] as? String == "methodNotSupported")

            let invalid = try await client.execute(uri: "/identifiers/not-a-did", method: .get)
            #expect(try invalid.json["code"] as? String == "invalidDid")

            let badKey = try await client.execute(uri: "/identifiers/did:key:z6MkhaX", method: .get)
            #expect(badKey.status == .badRequest)

            let key = "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"
            let resolved = try await client.execute(uri: "/identifiers/\(key)", method: .get)
            #expect(resolved.status == .ok)
            #expect(try DIDDocument(parsing: Array(buffer: resolved.body)).id == key)

            let own = try await client.execute(uri: "/identifiers/did:web:localhost%3A8080", method: .get)
            #expect(own.status == .ok)

            let missing = try await client.execute(uri: "/no/such/route", method: .get)
            #expect(missing.status == .notFound)
            #expect(try missing.json["code"] as? String == "not_found")
        }
    }

    @Test("key rotation keeps the retired key for what it signed before (REQ-NF05)")
    func rotation() async throws {
        try await withLiveServer { client, server, adminToken in
            let (firstID, firstSigner) = try await server.operatorKeys.currentSigner()
            let message = Array("device credential".utf8)
            let signature = try await firstSigner.sign(message)
            let signedAt = Date()

            let rotated = try await client.execute(
                uri: "/admin/keys/rotate", method: .post, headers: .bearer(adminToken),
                body: ByteBuffer(string: #"{"type":"p256"}"#))
            #expect(rotated.status == .ok)
            let document = try DIDDocument(parsing: Array(buffer: rotated.body))
            #expect(document.verificationMethods.count == 2)

            let (secondID, secondSigner) = try await server.operatorKeys.currentSigner()
            #expect(secondID != firstID)
            #expect(secondSigner.algorithm == .p256)

            // The old key still verifies what it signed while it was current, and only that.
            let retired = try #require(document.verificationMethod(id: firstID))
            #expect(retired.revoked != nil)
            #expect(try retired.publicKey().verify(signature: signature, message: message))
            #expect(document.isAuthorized(methodID: firstID, for: .assertionMethod, at: signedAt))
            #expect(!document.isAuthorized(methodID: firstID, for: .assertionMethod, at: Date().addingTimeInterval(1)))
            #expect(document.isAuthorized(methodID: secondID, for: .assertionMethod, at: Date().addingTimeInterval(1)))

            let served = try await client.execute(uri: "/.well-known/did.json", method: .get)
            #expect(try DIDDocument(parsing: Array(buffer: served.body)) == document)
        }
    }

    @Test("a second start on the same data keeps the DID and key and creates no new admin token")
    func restart() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("voltpass-restart-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let configuration = ServerConfiguration(dataDirectory: directory, port: 0, publicHost: "localhost:8080")
        let store = StoreConfiguration(dataDirectory: directory)
        let first = try await store.withStore { store in
            let (server, report) = try await VoltpassServer.prepare(configuration: configuration, store: store)
            return (report.adminToken, try await server.operatorKeys.document())
        }
        let second = try await store.withStore { store in
            let (server, report) = try await VoltpassServer.prepare(configuration: configuration, store: store)
            return (report.adminToken, try await server.operatorKeys.document())
        }
        #expect(first.0 != nil)
        #expect(second.0 == nil)
        #expect(first.1 == second.1)
        let keyFiles = try FileManager.default.contentsOfDirectory(atPath: directory.appendingPathComponent("keys").path)
        #expect(keyFiles.count == 1)
        let attributes = try FileManager.default.attributesOfItem(
            atPath: directory.appendingPathComponent("keys/\(keyFiles[0])").path)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
    }

    @Test("a ledger that is closing answers 503 ledger_closed, with the code only")
    func closedLedgerIsUnavailable() async throws {
        try await withLiveServer { client, server, admin in
            let token = try await client.registerOperator("packmaker", admin: admin)
            await server.close()
            let response = try await client.execute(
                uri: "/operators/packmaker/reward-pool", method: .post, headers: .bearer(token), body: ByteBuffer(string: #"{"amount":5}"#))
            #expect(response.status == .serviceUnavailable)
            #expect(try response.json["code"] as? String == "ledger_closed")
        }
    }
}

@Suite("Operator keys")
struct OperatorKeysTests {
    @Test("a rotation interrupted before the DID document was saved heals on the next start")
    func interruptedRotationHeals() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("voltpass-keys-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        try await StoreConfiguration(dataDirectory: directory).withStore { store in
            let did = "did:web:localhost%3A8080"
            let keys = OperatorKeys(did: did, store: store, dataDirectory: directory)
            #expect(try await keys.bootstrap())
            let before = try await keys.document()

            // The records of a rotation are saved, the document is not (as if the process died there).
            let records = try await store.keys(controller: did)
            let rotated = try KeyRotation.rotate(
                records, controller: did, to: SoftwareSigner.generate(.p256), at: Date().addingTimeInterval(1))
            for record in rotated { try await store.saveKey(record) }
            #expect(try await keys.document() == before)

            #expect(try await keys.bootstrap() == false)
            let healed = try await keys.document()
            #expect(healed.verificationMethods.count == 2)
            #expect(healed == (try DIDWeb.document(did: did, keys: rotated)))
        }
    }
}
