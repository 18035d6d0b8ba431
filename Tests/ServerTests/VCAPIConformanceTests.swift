import Credentials
import Encoding
import Identity
import Foundation
import HTTPTypes
import NIOCore
import ServerTestSupport
import Testing
import VectorSupport

/// The VC API routes against the vectors in place: every test title of the CCG issuer and verifier
/// suites (test-suites/vc-api-*-test-suite.json) is replayed as the suite does it, and the answers
/// are validated against the OpenAPI component schemas of vc-api/components (python-jsonschema).
@Suite("VC API conformance (CCG issuer and verifier suites, OAS component schemas)")
struct VCAPIConformanceTests {
    typealias Mutation = @Sendable (inout JSONObject) -> Void

    /// The `it` titles of one file of a suite.
    static func titles(_ suite: String, file: String) throws -> [String] {
        let json = try #require(try Vectors.json("test-suites/\(suite)") as? [String: Any])
        let files = try #require(json["files"] as? [String: [[String: Any]]])
        let entries = try #require(files[file], "\(suite) has no \(file)")
        return entries.filter { $0["kind"] as? String == "it" }.compactMap { $0["title"] as? String }
    }

    static func post(_ client: LoopbackClient, _ uri: String, _ body: JSONValue, token: String? = nil) async throws -> LoopbackResponse {
        try await client.execute(
            uri: uri, method: .post, headers: token.map { .bearer($0) } ?? [:], body: ByteBuffer(bytes: body.serialized()))
    }

    static func object(_ text: String) throws -> JSONObject {
        try #require(try JSONValue(parsing: Array(text.utf8)).objectValue)
    }

    /// Sets (or, for nil, removes) `member` of the credential, or of its proof with `proof: true`.
    static func set(_ member: String, _ value: JSONValue?, proof: Bool = false) -> Mutation {
        { credential in
            if proof {
                var object = credential["proof"]?.objectValue ?? [:]
                object[member] = value
                credential["proof"] = .object(object)
            } else {
                credential[member] = value
            }
        }
    }

    static func each(_ member: String, _ values: [JSONValue?], wrapped: Bool = false) -> [Mutation] {
        values.map { value in set(member, wrapped ? .array([value ?? .null]) : value) }
    }

    /// tests/10-vc-di.js: what each title does to the valid credential. JavaScript's `undefined`
    /// drops the member when serialized, so it is written as nil.
    static let verifierMutations: [String: [Mutation]] = [
        #"MUST not verify if "@context" property is missing."#: [set("@context", nil)],
        #"MUST not verify if "type" property is missing."#: [set("type", nil)],
        #"MUST not verify if "issuer" property is missing."#: [set("issuer", nil)],
        #"MUST not verify if "credentialSubject" property is missing."#: [set("credentialSubject", nil)],
        #"MUST not verify if "proof" property is missing."#: [set("proof", nil)],
        #"MUST not verify if "proof.type" property is missing."#: [set("type", nil, proof: true)],
        #"MUST not verify if "proof.created" property is missing."#: [set("created", nil, proof: true)],
        #"MUST not verify if "proof.verificationMethod" property is missing."#: [set("verificationMethod", nil, proof: true)],
        #"MUST not verify if "proof.proofValue" property is missing."#: [set("proofValue", nil, proof: true)],
        #"MUST not verify if "proof.proofPurpose" property is missing."#: [set("proofPurpose", nil, proof: true)],
        #"MUST not verify if "@context" is not an array."#: each("@context", ["string", [:], .null, nil, 10, true]),
        #"MUST not verify if "@context" items are not strings or objects."#: each("@context", [[], .null, 10, true], wrapped: true),
        #"MUST not verify if "type" is not an array."#: each("type", ["string", [:], .null, nil, 10, true]),
        #"MUST not verify if "type" items are not strings."#: each("type", [[], [:], .null, 10, true], wrapped: true),
        #"MUST not verify if "issuer" is not an object or a string."#: each("issuer", [[], .null, nil, 10, true]),
        #"MUST not verify if "credentialSubject" is not an object."#: each("credentialSubject", ["string", .null, nil, 10, true, []]),
        #"MUST not verify if "proof" is not an object."#: each("proof", ["string", .null, nil, 10, true, []]),
    ]

    @Test(
        "verifier suite (Data Integrity): a valid VC verifies with 200; every 'MUST not verify' input is refused with 400",
        .vectors)
    func verifierSuite() async throws {
        let titles = try Self.titles("vc-api-verifier-test-suite.json", file: "tests/10-vc-di.js")
        #expect(titles.count == 18)
        try await withLiveServer { client, _, admin in
            let token = try await client.createToken(operators: ["instance"], admin: admin)
            let issued = try await Self.post(client, "/credentials/issue", ["credential": .object(try Self.object(CredentialRoutesTests.issuable()))], token: token)
            let valid = try #require(try JSONValue(parsing: issued.body.readableBytesView).objectValue?["verifiableCredential"]?.objectValue)
            func verify(_ credential: JSONObject) async throws -> LoopbackResponse {
                // As the suite sends it, with the `checks` option of earlier VC API drafts.
                try await Self.post(client, "/credentials/verify", ["verifiableCredential": .object(credential), "options": ["checks": ["proof"]]])
            }
            for title in titles {
                if title == "MUST verify a valid VC." {
                    let response = try await verify(valid)
                    #expect(response.status == .ok, "\(title)")
                    #expect(try response.json["verified"] as? Bool == true, "\(title)")
                    continue
                }
                let mutations = try #require(Self.verifierMutations[title], "no replay of the suite's test '\(title)'")
                for mutate in mutations {
                    var credential = valid
                    mutate(&credential)
                    let response = try await verify(credential)
                    if title.contains("proof.created") {
                        // Data Integrity makes `created` optional: the proof is checked and its signature fails.
                        #expect(response.status == .ok, "\(title)")
                        #expect(try response.json["verified"] as? Bool == false, "\(title)")
                        #expect(try CredentialRoutesTests.codes(response) == ["PROOF_VERIFICATION_ERROR"], "\(title)")
                    } else {
                        #expect(response.status == .badRequest, "\(title): \(String(buffer: response.body))")
                        #expect(response.headers[.contentType] == "application/problem+json", "\(title)")
                    }
                }
            }
        }
    }

    /// tests/10-issuer.js: the request each title sends (from a valid body) and whether it must be
    /// issued (true) or refused with 400 (false).
    static let issuerRequests: [String: (mutations: [Mutation], issued: Bool)] = {
        func credential(_ mutation: @escaping Mutation) -> Mutation {
            { body in
                var object = body["credential"]?.objectValue ?? [:]
                mutation(&object)
                body["credential"] = .object(object)
            }
        }
        func refused(_ mutations: [Mutation]) -> ([Mutation], Bool) { (mutations.map(credential), false) }
        return [
            "MUST successfully issue a credential.": ([{ _ in }], true),
            #"Request body MUST have property "credential"."#: (
                [{ body in
                    body["verifiableCredential"] = body["credential"]
                    body["credential"] = nil
                }], false
            ),
            #"credential MUST have property "@context"."#: refused([set("@context", nil)]),
            #"credential "@context" MUST be an array."#: refused([set("@context", 4)]),
            #"credential "@context" items MUST be strings."#: refused(each("@context", [["foo": true], 4, false, .null], wrapped: true)),
            #"credential MUST have property "type""#: refused([set("type", nil)]),
            #""credential.type" MUST be an array."#: refused([set("type", 4)]),
            #""credential.type" items MUST be strings"#: refused(each("type", [2, .null, ["foo": true], false], wrapped: true)),
            #"credential MUST have property "issuer""#: refused([set("issuer", nil)]),
            #""credential.issuer" MUST be a string or an object"#: refused(each("issuer", [.null, true, 4, []])),
            #"credential MUST have property "credentialSubject""#: refused([set("credentialSubject", nil)]),
            #""credential.credentialSubject" MUST be an object"#: refused(each("credentialSubject", [.null, true, 4, [], "did:example:1234"])),
            #"credential MAY have property "issuanceDate""#: ([credential(set("issuanceDate", "2025-01-01T00:00:00Z"))], true),
            #"credential MAY have property "expirationDate""#: ([credential(set("expirationDate", "2099-01-01T00:00:00Z"))], true),
        ]
    }()

    @Test("issuer suite (Data Integrity): a valid request is issued with 201, every 'MUST' violation is refused with 400", .vectors)
    func issuerSuite() async throws {
        let titles = try Self.titles("vc-api-issuer-test-suite.json", file: "tests/10-issuer.js")
        #expect(titles.count == 14)
        try await withLiveServer { client, _, admin in
            let token = try await client.createToken(operators: ["instance"], admin: admin)
            for title in titles {
                let request = try #require(Self.issuerRequests[title], "no replay of the suite's test '\(title)'")
                for mutate in request.mutations {
                    var body: JSONObject = ["credential": .object(try Self.object(CredentialRoutesTests.issuable()))]
                    mutate(&body)
                    let response = try await Self.post(client, "/credentials/issue", .object(body), token: token)
                    if request.issued {
                        #expect(response.status == .created, "\(title): \(String(buffer: response.body))")
                        #expect(try (response.json["verifiableCredential"] as? [String: Any])?["proof"] != nil, "\(title)")
                    } else {
                        #expect(response.status == .badRequest, "\(title): \(String(buffer: response.body))")
                    }
                }
            }
        }
    }

    /// Validates `document` against `schema` of the component file `file` in vc-api/components
    /// (OpenAPI 3.0 schemas read as JSON Schema draft 4, `$ref`s between the files resolved).
    static let schemaScript = """
        import sys, json, pathlib, yaml
        from jsonschema import Draft4Validator
        from referencing import Registry, Resource
        from referencing.jsonschema import DRAFT4
        base = pathlib.Path(sys.argv[1]).resolve()
        registry = Registry().with_resources(
            (p.as_uri(), Resource.from_contents(yaml.safe_load(p.read_text()), default_specification=DRAFT4))
            for p in base.glob("*.yml"))
        for line in sys.stdin:
            file, schema, document = line.rstrip("\\n").split("\\t", 2)
            reference = {"$ref": (base / file).as_uri() + "#/components/schemas/" + schema}
            errors = Draft4Validator(reference, registry=registry).iter_errors(json.loads(document))
            print("; ".join(sorted(e.message + " at /" + "/".join(map(str, e.absolute_path)) for e in errors)) or "valid")
        """

    static let schemaCheckerAvailable = ReferencePython.canImport("jsonschema", "yaml", "referencing")

    @Test(
        "responses match the VC API component schemas: VerificationResult (credential, presentation), VerifiableCredentialResponse, ProblemDetails",
        .vectors, .enabled(if: schemaCheckerAvailable || Vectors.required, "python3 with jsonschema and PyYAML not found; fails under CI=true"))
    func responsesMatchSchemas() async throws {
        let checks = try await withLiveServer { client, _, admin in
            var checks: [(file: String, schema: String, name: String, body: JSONValue)] = []
            let token = try await client.createToken(operators: ["instance"], admin: admin)
            let issued = try await Self.post(client, "/credentials/issue", ["credential": .object(try Self.object(CredentialRoutesTests.issuable()))], token: token)
            let issuedBody = try JSONValue(parsing: issued.body.readableBytesView)
            checks.append(("VerifiableCredentialResponse.yml", "VerifiableCredentialResponse", "issued", issuedBody))
            let credential = try #require(issuedBody.objectValue?["verifiableCredential"]?.objectValue)
            let everything: JSONValue = ["returnResults": true, "returnProblemDetails": true, "returnCredential": true]

            let verified = try await Self.post(client, "/credentials/verify", ["verifiableCredential": .object(credential), "options": everything])
            let verifiedBody = try JSONValue(parsing: verified.body.readableBytesView)
            #expect(verifiedBody["verified"] == true && verifiedBody["credential"] == .object(credential))
            #expect(verifiedBody["results"]?["proof"]?[0]?["verified"] == true)
            checks.append(("VerifyCredentialResult.yml", "VerificationResult", "verified credential", verifiedBody))

            var tampered = credential
            tampered["credentialSubject"] = ["id": "did:example:cell-7", "stateOfHealth": 99]
            let failed = try await Self.post(client, "/credentials/verify", ["verifiableCredential": .object(tampered), "options": everything])
            let failedBody = try JSONValue(parsing: failed.body.readableBytesView)
            #expect(failed.status == .ok && failedBody["verified"] == false)
            #expect(failedBody["results"]?["proof"]?[0]?["verified"] == false)
            #expect(failedBody["problemDetails"]?[0]?["type"] == "https://w3id.org/security#PROOF_VERIFICATION_ERROR")
            checks.append(("VerifyCredentialResult.yml", "VerificationResult", "tampered credential", failedBody))

            let plain = try await Self.post(client, "/credentials/verify", ["verifiableCredential": .object(credential)])
            let plainBody = try JSONValue(parsing: plain.body.readableBytesView)
            #expect(plainBody["credential"] == nil && plainBody["results"] == nil, "returnCredential and returnResults default to false")
            checks.append(("VerifyCredentialResult.yml", "VerificationResult", "default options", plainBody))

            let refused = try await Self.post(client, "/credentials/verify", ["verifiableCredential": ["type": ["VerifiableCredential"]]])
            let refusedBody = try JSONValue(parsing: refused.body.readableBytesView)
            #expect(refused.status == .badRequest)
            #expect(refusedBody["type"] == "https://www.w3.org/TR/vc-data-model#MALFORMED_VALUE_ERROR")
            #expect(refusedBody["code"] == "missing_context")
            checks.append(("ProblemDetails.yml", "ProblemDetails", "refused credential", refusedBody))
            let unparsable = try await client.execute(uri: "/credentials/verify", method: .post, body: ByteBuffer(string: "{"))
            let unparsableBody = try JSONValue(parsing: unparsable.body.readableBytesView)
            #expect(unparsableBody["type"] == "https://www.w3.org/TR/vc-data-model#PARSING_ERROR" && unparsableBody["title"] == "PARSING_ERROR")
            checks.append(("ProblemDetails.yml", "ProblemDetails", "unparsable request", unparsableBody))

            let challenge = try #require(try await client.execute(uri: "/challenges", method: .post).json["challenge"] as? String)
            let holder = SoftwareSigner.generate(.ed25519)
            let holderDID = DIDKey.did(for: holder.verificationKey)
            let presentation = try await DataIntegrity.sign(
                Presentation.unsecured(holder: holderDID, credentials: [Credential(credential), Credential(tampered)]),
                options: ProofOptions(
                    cryptosuite: .eddsaJcs2022, verificationMethod: holderDID + "#" + holder.verificationKey.multikey,
                    proofPurpose: .authentication, created: Date(), domain: ["verifier.example"], challenge: challenge),
                signer: holder)
            let request: JSONValue = [
                "verifiablePresentation": .object(presentation),
                "options": ["challenge": .string(challenge), "domain": "verifier.example", "returnPresentation": true],
            ]
            let first = try await Self.post(client, "/presentations/verify", request)
            let firstBody = try JSONValue(parsing: first.body.readableBytesView)
            #expect(first.status == .ok && firstBody["verified"] == false, "the tampered credential fails")
            #expect(firstBody["problemDetails"] == [], "the presentation itself verified")
            #expect(firstBody["results"]?["presentation"]?["challenge"]?["verified"] == true)
            #expect(firstBody["results"]?["credentials"]?[0]?["verified"] == true)
            #expect(firstBody["results"]?["credentials"]?[1]?["verified"] == false)
            #expect(firstBody["results"]?["credentials"]?[1]?["problemDetails"]?[0]?["code"] == "PROOF_VERIFICATION_ERROR")
            checks.append(("VerifyPresentationResult.yml", "VerificationResult", "presentation", firstBody))
            let replayed = try await Self.post(client, "/presentations/verify", request)
            let replayedBody = try JSONValue(parsing: replayed.body.readableBytesView)
            #expect(replayed.status == .ok && replayedBody["results"]?["presentation"]?["challenge"]?["verified"] == false)
            checks.append(("VerifyPresentationResult.yml", "VerificationResult", "replayed presentation", replayedBody))

            // An SD-JWT secured credential (vc+sd-jwt), and its holder's presentation of one claim with a KB-JWT.
            let sdHolder = SoftwareSigner.generate(.ed25519)
            var sdCredential = try Self.object(CredentialRoutesTests.issuable())
            sdCredential["credentialSubject"] = ["id": .string(DIDKey.did(for: sdHolder.verificationKey)), "stateOfHealth": 98, "cycles": 412]
            let sdIssued = try await Self.post(
                client, "/credentials/issue", ["credential": .object(sdCredential), "options": ["format": "vc+sd-jwt"]], token: token)
            let sdEnveloped = try #require(try JSONValue(parsing: sdIssued.body.readableBytesView)["verifiableCredential"]?.objectValue)
            let sdVerified = try await Self.post(client, "/credentials/verify", ["verifiableCredential": .object(sdEnveloped), "options": everything])
            let sdVerifiedBody = try JSONValue(parsing: sdVerified.body.readableBytesView)
            #expect(sdVerifiedBody["verified"] == true)
            checks.append(("VerifyCredentialResult.yml", "VerificationResult", "vc+sd-jwt credential", sdVerifiedBody))
            let sdChallenge = try #require(try await client.execute(uri: "/challenges", method: .post).json["challenge"] as? String)
            let presented = try await SDJWTCredential(enveloped: sdEnveloped).present(
                disclosing: ["/credentialSubject/cycles"], challenge: sdChallenge, domain: "verifier.example", signer: sdHolder)
            let sdPresentation = try await Self.post(
                client, "/presentations/verify",
                [
                    "verifiablePresentation": .object(presented.envelopedPresentation),
                    "options": ["challenge": .string(sdChallenge), "domain": "verifier.example", "returnPresentation": true],
                ])
            let sdPresentationBody = try JSONValue(parsing: sdPresentation.body.readableBytesView)
            #expect(sdPresentationBody["verified"] == true)
            checks.append(("VerifyPresentationResult.yml", "VerificationResult", "vc+sd-jwt presentation", sdPresentationBody))
            return checks
        }
        let input = checks.map { "\($0.file)\t\($0.schema)\t\($0.body.serializedString())" }.joined(separator: "\n") + "\n"
        let run = try ReferencePython.run(Self.schemaScript, arguments: [try Vectors.url("vc-api/components").path], input: input)
        #expect(run.status == 0, "\(run.error)")
        #expect(run.lines.count == checks.count, "\(run.output) \(run.error)")
        for (check, verdict) in zip(checks, run.lines) {
            #expect(verdict == "valid", "\(check.name) against \(check.file)#\(check.schema): \(verdict)")
        }
    }
}
