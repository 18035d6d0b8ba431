import Credentials
import Encoding
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Identity
import Passport
import Server
import ServerTestSupport
import Testing

/// The passport's access groups over HTTP: a scan shows the public attributes; a presentation of a
/// role credential from an authority the access registry lists, bound to a challenge and this
/// resolver's domain, shows its groups; an expired, foreign or replayed one gets the public view and
/// the code saying why; the battery's operator sees everything with its token.
@Suite("HTTP passport access groups")
struct PassportAccessRoutesTests {
    let authority = try! CredentialIssuer(didKeySigner: SoftwareSigner.generate(.ed25519))
    let roleIssuer = try! CredentialIssuer(didKeySigner: SoftwareSigner.generate(.ed25519))
    let holder = SoftwareSigner.generate(.ed25519)
    var holderDID: String { DIDKey.did(for: holder.verificationKey) }

    func registry() async throws -> JSONObject {
        let registry = IssuerRegistry(
            id: "https://authority.example/passport-roles", trustFramework: "https://authority.example/battery-passport-access",
            authority: authority.did,
            issuers: [.init(issuer: roleIssuer.did, credentialTypes: [PassportAccess.roleCredentialType])])
        return try await registry.signed(signer: authority.signer, verificationMethod: authority.verificationMethod, now: Date())
    }

    func roleCredential(_ role: String, by issuer: CredentialIssuer, validUntil: String? = nil) async throws -> JSONObject {
        var document: JSONObject = [
            "@context": ["https://www.w3.org/ns/credentials/v2", .string(PassportCredentials.contextURL)],
            "type": ["VerifiableCredential", .string(PassportAccess.roleCredentialType)],
            "validFrom": "2025-01-01T00:00:00Z",
            "credentialSubject": ["id": .string(holderDID), "role": .string(role)],
        ]
        if let validUntil { document["validUntil"] = .string(validUntil) }
        return try await issuer.issue(document).json
    }

    func presentation(_ credentials: [JSONObject], challenge: String, domain: String) async throws -> JSONObject {
        let options = ProofOptions(
            cryptosuite: .eddsaJcs2022, verificationMethod: holderDID + "#" + holder.verificationKey.multikey, proofPurpose: .authentication,
            created: Date(), domain: [domain], challenge: challenge)
        return try await DataIntegrity.sign(
            Presentation.unsecured(holder: holderDID, credentials: credentials.map(Credential.init)), options: options, signer: holder)
    }

    /// Scans `path` presenting `credentials` for a fresh challenge (or `challenge`): the response JSON.
    func scan(
        _ client: LoopbackClient, _ path: String, presenting credentials: [JSONObject], domain: String, challenge: String? = nil
    ) async throws -> [String: Any] {
        let issued = try #require(try await client.execute(uri: "/challenges", method: .post).json["challenge"] as? String)
        let vp = try await presentation(credentials, challenge: challenge ?? issued, domain: domain)
        let body: JSONValue = ["verifiablePresentation": .object(vp), "options": ["challenge": .string(issued)]]
        let response = try await client.execute(
            uri: path, method: .post, headers: [.accept: "application/json", .contentType: "application/json"],
            body: ByteBuffer(bytes: body.serialized()))
        #expect(response.status == .ok, "\(String(buffer: response.body))")
        return try response.json
    }

    @Test func rolesOpenTheirGroupsAndEverythingElseGetsThePublicView() async throws {
        let registry = try await registry()
        try await withLiveServer(configure: {
            $0.accessRegistry = registry
            $0.anchorInterval = nil  // the verdict stays the same between the scans
        }) { client, server, admin in
            let auth = HTTPFields.bearer(try await client.registerOperator("packmaker", admin: admin))
            var device = PassportFixtures.device(serial: "AG-1", lot: "LOT-1", key: SoftwareSigner.generate(.ed25519))
            device["owner"] = .string(DIDKey.did(for: SoftwareSigner.generate(.ed25519).verificationKey))
            let issued = try await client.execute(
                uri: "/manufacturing/device/issue", method: .post, headers: auth, body: jsonBody(["operator": "packmaker", "device": .object(device)]))
            #expect(issued.status == .created)
            let path = "/verify/device/AG-1"
            let domain = server.passports.resolverBase
            func attributes(_ json: [String: Any]) -> Set<String> { Set((json["passport"] as? [String: Any] ?? [:]).keys) }
            func refusal(_ json: [String: Any]) -> String? { (json["accessRefused"] as? [String: Any])?["code"] as? String }

            // A plain scan: the public attributes only.
            let plain = try await client.execute(uri: path, method: .get, headers: [.accept: "application/json"]).json
            #expect(plain["accessGroups"] as? [String] == ["public"])
            #expect(attributes(plain).isDisjoint(with: ["owner", "stateOfHealthPerMille", "cycleCount", "status"]))
            #expect(attributes(plain).isSuperset(of: ["serial", "batteryChemistry", "manufacturer"]))

            // A repairer's role credential opens the legitimate-interest group.
            let repairer = try await scan(client, path, presenting: [try await roleCredential("repairer", by: roleIssuer)], domain: domain)
            #expect(repairer["accessGroups"] as? [String] == ["public", "legitimate-interest"], "\(repairer["accessRefused"] ?? "")")
            #expect(attributes(repairer).isSuperset(of: ["owner", "stateOfHealthPerMille", "cycleCount", "status", "serial"]))
            #expect(repairer["verdict"] as? String == plain["verdict"] as? String)

            // Expired, foreign, unknown role, bound to another domain, or none: the public view and why.
            let refused: [(String, [JSONObject], String, String)] = [
                ("expired", [try await roleCredential("repairer", by: roleIssuer, validUntil: "2025-06-01T00:00:00Z")], domain, "expired"),
                ("foreign", [try await roleCredential("recycler", by: authority)], domain, "issuer_not_authorized"),
                ("unknown role", [try await roleCredential("inspector", by: roleIssuer)], domain, "access_role_unknown"),
                ("other domain", [try await roleCredential("repairer", by: roleIssuer)], "https://elsewhere.example", "INVALID_DOMAIN_ERROR"),
                ("no role credential", [], domain, "access_role_missing"),
            ]
            for (name, credentials, boundTo, code) in refused {
                let json = try await scan(client, path, presenting: credentials, domain: boundTo)
                #expect(json["accessGroups"] as? [String] == ["public"], "\(name)")
                #expect(refusal(json) == code, "\(name)")
                #expect(attributes(json) == attributes(plain), "\(name)")
            }
            // A presentation for a challenge this resolver did not issue (or already used).
            let replayed = try await scan(
                client, path, presenting: [try await roleCredential("repairer", by: roleIssuer)], domain: domain, challenge: "made-up")
            #expect(refusal(replayed) == "INVALID_CHALLENGE_ERROR")

            // The offline bundle: a recycler's role credential brings the Ownership credentials, a plain
            // request or a refused presentation does not.
            func ownershipCount(_ json: [String: Any]) -> Int? {
                ((json["credentials"] as? [String: Any])?["ownership"] as? [Any])?.count
            }
            let recyclerBundle = try await scan(
                client, "/passports/AG-1/bundle", presenting: [try await roleCredential("recycler", by: roleIssuer)], domain: domain)
            #expect(ownershipCount(recyclerBundle) == 1 && recyclerBundle["ownershipWithheld"] == nil)
            let foreignBundle = try await scan(
                client, "/passports/AG-1/bundle", presenting: [try await roleCredential("recycler", by: authority)], domain: domain)
            #expect(ownershipCount(foreignBundle) == 0 && foreignBundle["ownershipWithheld"] as? Bool == true)
            #expect(refusal(foreignBundle) == "issuer_not_authorized")
            let plainBundle = try await client.execute(uri: "/passports/AG-1/bundle", method: .get).json
            #expect(ownershipCount(plainBundle) == 0)

            // The passport record: status and what each feed entry changed only for the operator.
            let record = try await client.execute(uri: "/passports/AG-1", method: .get).json
            #expect(record["status"] == nil && record["accessGroups"] as? [String] == ["public"])
            let feed = try #require(record["feed"] as? [[String: Any]])
            #expect(!feed.isEmpty && feed.allSatisfy { $0["detail"] == nil })
            let operatorRecord = try await client.execute(uri: "/passports/AG-1", method: .get, headers: auth).json
            #expect(operatorRecord["status"] as? String == "Virgin")
            #expect((operatorRecord["feed"] as? [[String: Any]])?.contains { $0["detail"] != nil } == true)

            // The page says which view it is; the operator's token sees everything.
            let page = String(buffer: try await client.execute(uri: path, method: .get, headers: [.accept: "text/html"]).body)
            #expect(page.contains("The public attributes."))
            var asOperator = auth
            asOperator[.accept] = "application/json"
            let operatorView = try await client.execute(uri: path, method: .get, headers: asOperator).json
            #expect(operatorView["accessGroups"] as? [String] == ["public", "legitimate-interest", "authorities"])
            #expect(attributes(operatorView).contains("owner"))

            // The operator hands a holder the whole passport as an SD-JWT; the holder shows a recycler the
            // state of health and the chemistry, and nothing else, and the recycler verifies it.
            let handed = try await client.execute(uri: "/passports/AG-1/disclosure", method: .post, headers: auth)
            #expect(handed.status == .created, "\(String(buffer: handed.body))")
            let enveloped = try #require(try handed.json["verifiableCredential"] as? [String: Any])
            let disclosure = try SDJWTCredential(dataURL: try #require(enveloped["id"] as? String))
            let shown = try disclosure.present(disclosing: ["/credentialSubject/stateOfHealthPerMille", "/credentialSubject/batteryChemistry"])
            // The recycler resolves the operator's did:web document (here from this server, not over HTTPS).
            let didDocument = try DIDDocument(
                parsing: Array(buffer: try await client.execute(uri: "/operators/packmaker/did.json", method: .get).body))
            let verified = await Verifier.standard(resolver: OneDocument(document: didDocument)).verify(shown)
            #expect(verified.verified, "\(verified.failures)")
            let subject = try #require(shown.document["credentialSubject"]?.objectValue)
            #expect(Set(subject.keys) == ["id", "stateOfHealthPerMille", "batteryChemistry"])
            // The issuer-signed JWT and the two disclosures shown; the other attributes stay salted digests.
            #expect(shown.serialization.split(separator: "~").count == 3)
            let unauthenticated = try await client.execute(uri: "/passports/AG-1/disclosure", method: .post)
            #expect(unauthenticated.status == .unauthorized)
        }
    }

    @Test func withoutAnAccessRegistryEveryRequesterSeesThePublicView() async throws {
        try await withLiveServer { client, server, admin in
            let auth = HTTPFields.bearer(try await client.registerOperator("packmaker", admin: admin))
            let device = PassportFixtures.device(serial: "AG-2", lot: "LOT-1", key: SoftwareSigner.generate(.ed25519))
            let issued = try await client.execute(
                uri: "/manufacturing/device/issue", method: .post, headers: auth, body: jsonBody(["operator": "packmaker", "device": .object(device)]))
            #expect(issued.status == .created)
            let json = try await scan(
                client, "/verify/device/AG-2", presenting: [try await roleCredential("repairer", by: roleIssuer)], domain: server.passports.resolverBase)
            #expect(json["accessGroups"] as? [String] == ["public"])
            #expect((json["accessRefused"] as? [String: Any])?["code"] as? String == "access_registry_unconfigured")
        }
    }

    @Test func anAccessRegistryThatDoesNotVerifyStopsTheStart() async throws {
        var registry = try await registry()
        registry["id"] = "https://authority.example/tampered"
        await #expect(throws: ConfigurationError.self) {
            try await withLiveServer(configure: { $0.accessRegistry = registry }) { _, _, _ in }
        }
    }
}

/// Resolves one DID document: the operator's, as its server publishes it.
struct OneDocument: DIDResolver {
    let document: DIDDocument

    func resolve(_ did: String) async throws -> DIDDocument {
        guard try DIDURL(did).did == document.id else { throw IdentityError(.notFound, "no document for \(did)") }
        return document
    }
}
