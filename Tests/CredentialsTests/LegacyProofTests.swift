import Encoding
import Foundation
import Identity
import Testing
import VectorSupport

@testable import Credentials

/// The legacy Linked Data suites (VC 1.1 deployments), verified and never issued: Ed25519Signature2018,
/// JsonWebSignature2020 (Ed25519 and P-256) and EcdsaSecp256r1Signature2019 (detached JWS and
/// `proofValue`). An independent implementation (Python: PyLD's URDNA2015 over the same bundled
/// contexts, `cryptography`'s Ed25519 and ECDSA) signs; Voltpass verifies, and refuses tampering.
@Suite struct LegacyProofTests {
    static let did = "did:web:legacy.example"
    static let now = XSDDateTime.parse("2025-01-01T00:00:00Z")!
    static let contexts = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Sources/RDF/Contexts")
    static let pythonAvailable = ReferencePython.canImport("pyld", "cryptography")

    /// A VC 1.1 credential: the 2018 context, which defines Ed25519Signature2018 and
    /// EcdsaSecp256r1Signature2019 (JsonWebSignature2020 adds jws-2020/v1), and `issuanceDate`.
    static let credential: JSONValue = [
        "@context": [
            "https://www.w3.org/2018/credentials/v1",
            ["AlumniCredential": "https://schema.org/AlumniCredential", "alumniOf": "https://schema.org/alumniOf"],
        ],
        "id": "http://example.edu/credentials/1872",
        "type": ["VerifiableCredential", "AlumniCredential"],
        "issuer": .string(did),
        "issuanceDate": "2020-03-10T04:24:12.164Z",
        "credentialSubject": ["id": "did:example:ebfeb1f712ebc6f1c276e12ec21", "alumniOf": "Example University"],
    ]

    /// Signs the credential with each legacy suite and key type, from fixed keys; prints the issuer's
    /// DID document (Ed25519VerificationKey2018 and JsonWebKey2020 methods) and the signed credentials.
    static let signer = ##"""
            import sys, json, hashlib, base64, copy
            from pyld import jsonld
            from cryptography.hazmat.primitives import hashes, serialization
            from cryptography.hazmat.primitives.asymmetric import ec, ed25519
            from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

            folder = sys.argv[1]
            pins = json.load(open(folder + "/context-map.json"))
            def loader(url, options=None):
                with open(folder + "/" + pins[url]["file"], "rb") as f:
                    raw = f.read()
                assert hashlib.sha256(raw).hexdigest() == pins[url]["sha256"], url
                return {"contextUrl": None, "documentUrl": url, "document": json.loads(raw)}
            def canonical(document):
                return jsonld.normalize(document, {"algorithm": "URDNA2015", "format": "application/n-quads", "documentLoader": loader}).encode()
            def b64url(data):
                return base64.urlsafe_b64encode(data).rstrip(b"=").decode()
            ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
            def b58(data):
                n, text = int.from_bytes(data, "big"), ""
                while n: n, r = divmod(n, 58); text = ALPHABET[r] + text
                return "1" * (len(data) - len(data.lstrip(b"\0"))) + text
            def raw_ecdsa(der):
                r, s = decode_dss_signature(der)
                return r.to_bytes(32, "big") + s.to_bytes(32, "big")

            request = json.load(sys.stdin)
            did = request["did"]
            ed = ed25519.Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
            p256 = ec.derive_private_key(0x1D5C3A0A21D6D1B4E9F70C3B8A1E2F4051627384950A1B2C3D4E5F60718293A4, ec.SECP256R1())
            ed_raw = ed.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
            numbers = p256.public_key().public_numbers()
            p256_jwk = {"kty": "EC", "crv": "P-256", "x": b64url(numbers.x.to_bytes(32, "big")), "y": b64url(numbers.y.to_bytes(32, "big"))}
            ed_jwk = {"kty": "OKP", "crv": "Ed25519", "x": b64url(ed_raw)}
            methods = [
                {"id": did + "#ed-2018", "type": "Ed25519VerificationKey2018", "controller": did, "publicKeyBase58": b58(ed_raw)},
                {"id": did + "#ed-jwk", "type": "JsonWebKey2020", "controller": did, "publicKeyJwk": ed_jwk},
                {"id": did + "#p256-jwk", "type": "JsonWebKey2020", "controller": did, "publicKeyJwk": p256_jwk},
            ]
            did_document = {
                "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/suites/ed25519-2018/v1", "https://w3id.org/security/suites/jws-2020/v1"],
                "id": did, "verificationMethod": methods, "assertionMethod": [m["id"] for m in methods],
            }
            canonical(did_document)  # the DID document itself is valid JSON-LD with the bundled contexts

            def sign(name, credential, suite, method, alg, form="jws"):
                document = copy.deepcopy(credential)
                proof = {"type": suite, "created": "2024-05-01T10:00:00Z", "verificationMethod": did + method, "proofPurpose": "assertionMethod"}
                options = dict(proof, **{"@context": document["@context"]})
                data = hashlib.sha256(canonical(options)).digest() + hashlib.sha256(canonical(document)).digest()
                if form == "jws":
                    header = b64url(json.dumps({"alg": alg, "b64": False, "crit": ["b64"]}, separators=(",", ":")).encode())
                    message = header.encode() + b"." + data
                    signature = ed.sign(message) if alg == "EdDSA" else raw_ecdsa(p256.sign(message, ec.ECDSA(hashes.SHA256())))
                    proof["jws"] = header + ".." + b64url(signature)
                else:
                    proof["proofValue"] = "z" + b58(raw_ecdsa(p256.sign(data, ec.ECDSA(hashes.SHA256()))))
                document["proof"] = proof
                return name, document

            v1 = request["credential"]
            jws2020 = dict(v1, **{"@context": v1["@context"][:1] + ["https://w3id.org/security/suites/jws-2020/v1"] + v1["@context"][1:]})
            signed = dict([
                sign("Ed25519Signature2018", v1, "Ed25519Signature2018", "#ed-2018", "EdDSA"),
                sign("JsonWebSignature2020/Ed25519", jws2020, "JsonWebSignature2020", "#ed-jwk", "EdDSA"),
                sign("JsonWebSignature2020/P-256", jws2020, "JsonWebSignature2020", "#p256-jwk", "ES256"),
                sign("EcdsaSecp256r1Signature2019/jws", v1, "EcdsaSecp256r1Signature2019", "#p256-jwk", "ES256"),
                sign("EcdsaSecp256r1Signature2019/proofValue", v1, "EcdsaSecp256r1Signature2019", "#p256-jwk", None, "proofValue"),
            ])
            print(json.dumps({"didDocument": did_document, "signed": signed}))
            """##

    /// The signed credentials by name (suite, or suite/key), and a resolver for the issuer's DID document.
    static func pythonSigned() throws -> (documents: [String: JSONObject], resolver: FixedDIDResolver) {
        let request: JSONValue = ["did": .string(did), "credential": credential]
        let run = try ReferencePython.run(signer, arguments: [contexts.path], input: request.serializedString())
        try #require(run.status == 0, "\(run.error)")
        let output = try #require(try JSONValue(parsing: Array(run.output.utf8)).objectValue)
        let didDocument = try DIDDocument(try #require(output["didDocument"]))
        var documents: [String: JSONObject] = [:]
        for (name, document) in try #require(output["signed"]?.objectValue) { documents[name] = document.objectValue }
        return (documents, FixedDIDResolver(documents: [did: didDocument]))
    }

    static func verify(_ document: JSONObject, resolver: any DIDResolver) async throws(CredentialError) -> [VerifiedProof] {
        try await DataIntegrity.verify(document, resolver: resolver, expectation: ProofExpectation(now: now))
    }

    /// The Data Integrity error `document` fails with, if any.
    static func failure(_ document: JSONObject, resolver: any DIDResolver) async -> CredentialError? {
        do {
            _ = try await verify(document, resolver: resolver)
            return nil
        } catch {
            return error
        }
    }

    @Test(.enabled(if: pythonAvailable || Vectors.required, "python3 with pyld and cryptography not found; fails under CI=true"))
    func pythonSignedLegacyProofsVerify() async throws {
        let (documents, resolver) = try Self.pythonSigned()
        #expect(documents.keys.sorted() == [
            "EcdsaSecp256r1Signature2019/jws", "EcdsaSecp256r1Signature2019/proofValue", "Ed25519Signature2018",
            "JsonWebSignature2020/Ed25519", "JsonWebSignature2020/P-256",
        ])
        let verifier = Verifier.standard(resolver: resolver, now: { Self.now })
        for (name, document) in documents.sorted(by: { $0.key < $1.key }) {
            let proofs = try await Self.verify(document, resolver: resolver)
            #expect(proofs.map(\.controller) == [Self.did], "\(name)")
            let result = await verifier.verify(document: .object(document))
            #expect(result.verified, "\(name): \(result.failures)")
        }
    }

    @Test(.enabled(if: pythonAvailable || Vectors.required, "python3 with pyld and cryptography not found; fails under CI=true"))
    func tamperedLegacyProofsFail() async throws {
        let (documents, resolver) = try Self.pythonSigned()
        for (name, document) in documents.sorted(by: { $0.key < $1.key }) {
            var claim = document
            claim["credentialSubject"] = ["id": "did:example:ebfeb1f712ebc6f1c276e12ec21", "alumniOf": "Other University"]
            let created = Self.editingProof(document) { $0["created"] = "2024-05-01T10:00:01Z" }
            let member = document["proof"]?["jws"] != nil ? "jws" : "proofValue"
            let value = try #require(document["proof"]?[member]?.stringValue)
            // Another valid character in the signature's first position changes the signature bytes.
            let index = value.index(value.endIndex, offsetBy: -20)
            let flipped = value[index] == "A" ? "B" : "A"
            let signature = Self.editingProof(document) { $0[member] = .string(value.replacingCharacters(in: index...index, with: flipped)) }
            for (what, tampered) in [("claim", claim), ("created", created), ("signature", signature)] {
                let error = await Self.failure(tampered, resolver: resolver)
                #expect(error?.code == "PROOF_VERIFICATION_ERROR", "\(name), \(what): \(String(describing: error))")
            }
        }
    }

    /// `document` with its (single) proof edited.
    static func editingProof(_ document: JSONObject, _ edit: (inout JSONObject) -> Void) -> JSONObject {
        var proof = document["proof"]?.objectValue ?? [:]
        edit(&proof)
        var edited = document
        edited["proof"] = .object(proof)
        return edited
    }

    /// A JsonWebSignature2020 proof whose `jws` header is `header` (base64url of the JSON), with a
    /// zero signature: refused before any key is resolved.
    static func jwsProof(type: String = "JsonWebSignature2020", header: String, payload: String = "", signatureBytes: Int = 64) -> JSONObject {
        var document = credential.objectValue!
        let jws = Base64URL.encode(Array(header.utf8)) + "." + payload + "." + Base64URL.encode([UInt8](repeating: 0, count: signatureBytes))
        document["proof"] = [
            "type": .string(type), "created": "2024-05-01T10:00:00Z", "verificationMethod": .string(did + "#key-1"),
            "proofPurpose": "assertionMethod", "jws": .string(jws),
        ]
        return document
    }

    @Test func malformedAndUnsupportedProofsHaveStableCodes() async throws {
        let resolver = FixedDIDResolver(documents: [:])
        let cases: [(String, JSONObject, String, String)] = [
            ("b64 true", Self.jwsProof(header: #"{"alg":"EdDSA","b64":true,"crit":["b64"]}"#), "MALFORMED_PROOF_ERROR", "/proof/jws"),
            ("no crit", Self.jwsProof(header: #"{"alg":"EdDSA","b64":false}"#), "MALFORMED_PROOF_ERROR", "/proof/jws"),
            ("crit other", Self.jwsProof(header: #"{"alg":"EdDSA","b64":false,"crit":["b64","exp"]}"#), "MALFORMED_PROOF_ERROR", "/proof/jws"),
            ("attached payload", Self.jwsProof(header: #"{"alg":"EdDSA","b64":false,"crit":["b64"]}"#, payload: "e30"), "MALFORMED_PROOF_ERROR", "/proof/jws"),
            ("no alg", Self.jwsProof(header: #"{"b64":false,"crit":["b64"]}"#), "MALFORMED_PROOF_ERROR", "/proof/jws"),
            ("short signature", Self.jwsProof(header: #"{"alg":"ES384","b64":false,"crit":["b64"]}"#), "MALFORMED_PROOF_ERROR", "/proof/jws"),
            ("unknown alg", Self.jwsProof(header: #"{"alg":"HS256","b64":false,"crit":["b64"]}"#), "unsupported_cryptosuite", "/proof/jws"),
            (
                "ES256 for Ed25519Signature2018", Self.jwsProof(type: "Ed25519Signature2018", header: #"{"alg":"ES256","b64":false,"crit":["b64"]}"#),
                "unsupported_cryptosuite", "/proof/jws"
            ),
            ("unknown legacy type", Self.jwsProof(type: "RsaSignature2018", header: #"{"alg":"PS256","b64":false,"crit":["b64"]}"#), "unsupported_cryptosuite", "/proof/type"),
        ]
        let valid = Self.jwsProof(header: #"{"alg":"EdDSA","b64":false,"crit":["b64"]}"#)
        let noCreated = Self.editingProof(valid) { $0["created"] = nil }
        let both = Self.editingProof(Self.jwsProof(type: "EcdsaSecp256r1Signature2019", header: #"{"alg":"ES256","b64":false,"crit":["b64"]}"#)) {
            $0["proofValue"] = "z1111"
        }
        let twoParts = Self.editingProof(valid) { $0["jws"] = "eyJhbGciOiJFZERTQSJ9.AAAA" }
        let more: [(String, JSONObject, String, String)] = [
            ("no created", noCreated, "MALFORMED_PROOF_ERROR", "/proof/created"),
            ("jws and proofValue", both, "MALFORMED_PROOF_ERROR", "/proof"),
            ("two parts", twoParts, "MALFORMED_PROOF_ERROR", "/proof/jws"),
        ]
        for (name, document, code, path) in cases + more {
            let error = await Self.failure(document, resolver: resolver)
            #expect(error?.code == code && error?.path == path, "\(name): \(String(describing: error))")
        }
    }

    /// A JWS whose `alg` names another key algorithm than the verification method's key.
    @Test func algorithmNotMatchingTheKeyFails() async throws {
        let ed25519 = SoftwareSigner.generate(.ed25519).verificationKey
        let didDocument = try DIDDocument([
            "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/suites/jws-2020/v1"],
            "id": .string(Self.did),
            "verificationMethod": [
                ["id": "#key-1", "type": "JsonWebKey2020", "controller": .string(Self.did), "publicKeyJwk": .object(ed25519.jwk)]
            ],
            "assertionMethod": ["#key-1"],
        ])
        let resolver = FixedDIDResolver(documents: [Self.did: didDocument])
        let error = await Self.failure(Self.jwsProof(header: #"{"alg":"ES256","b64":false,"crit":["b64"]}"#), resolver: resolver)
        #expect(error?.code == "PROOF_VERIFICATION_ERROR" && error?.path == "/proof/verificationMethod", "\(String(describing: error))")
    }

    /// VC 1.1 credentials (first context `https://www.w3.org/2018/credentials/v1`) are verified with
    /// VC 1.1's dates, and never accepted as issuance input.
    @Test func dataModel11CredentialsAreHeldToTheirDates() throws {
        let object = try #require(Self.credential.objectValue)
        let credential = Credential(object)
        #expect(DataModelValidator.validate(credential).isEmpty)
        #expect(credential.validFrom == XSDDateTime.parse("2020-03-10T04:24:12.164Z"))
        #expect(DataModelValidator.validate(credential, mode: .issuance).map(\.code) == ["invalid_context"])
        var undated = object
        undated["issuanceDate"] = nil
        #expect(DataModelValidator.validate(Credential(undated)).map(\.code) == ["missing_issuance_date"])
        var reversed = object
        reversed["expirationDate"] = "2019-01-01T00:00:00Z"
        #expect(DataModelValidator.validate(Credential(reversed)).map(\.code) == ["invalid_validity_period"])
        #expect(Credential(reversed).validUntil == XSDDateTime.parse("2019-01-01T00:00:00Z"))
    }

    /// The DI assertion suite's VC 1.1 inputs through the whole verifier: the Ok ones verify, the Fail
    /// ones fail on their proofs (not on the data model).
    @Test(.vectors) func diAssertionVC11InputsVerify() async throws {
        let folder = "test-suites/di-assertion-inputs/eddsa-rdfc-2022"
        let names = try FileManager.default.contentsOfDirectory(atPath: try Vectors.url(folder).path).filter { $0.hasPrefix("1.1-") }.sorted()
        #expect(names.count == 6)
        let verifier = Verifier.standard(
            resolver: MethodDispatchResolver(["key": DIDKeyResolver()]), now: { XSDDateTime.parse("2024-01-01T00:00:00Z")! })
        for name in names {
            let result = await verifier.verify(document: try JSONValue(parsing: Array(try Vectors.data(folder + "/" + name))))
            if name.contains("Ok") {
                #expect(result.verified, "\(name): \(result.failures)")
            } else {
                let codes = result.failures.map(\.code)
                #expect(!result.verified && codes.contains("PROOF_VERIFICATION_ERROR") && !codes.contains("invalid_context"), "\(name): \(codes)")
            }
        }
    }

    /// The Tractus-X DPP verification examples carry JsonWebSignature2020 proofs whose JWS header has
    /// neither `alg` nor `crit` (`{"typ": "vc+ld", "b64": false, "crv": "Ed25519"}`): not a JWS
    /// (RFC 7515 requires `alg`, RFC 7797 `crit`), so refused as malformed before any key or context.
    @Test(.vectors) func tractusXExamplesAreRefusedAsMalformed() async throws {
        for name in ["DigitalProductPassCDC-Example.jsonld", "DigitalProductPassCSC-Example.jsonld", "AttributeCertificationRecord-Example.jsonld"] {
            let document = try #require(try JSONValue(parsing: Array(try Vectors.data("batterypass/tractusx/" + name))).objectValue)
            #expect(document["proof"]?["type"] == "JsonWebSignature2020")
            let error = await Self.failure(document, resolver: FixedDIDResolver(documents: [:]))
            #expect(error?.code == "MALFORMED_PROOF_ERROR" && error?.path == "/proof/jws", "\(name): \(String(describing: error))")
        }
    }
}
