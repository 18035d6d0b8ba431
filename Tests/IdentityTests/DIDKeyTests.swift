import Encoding
import Foundation
import Identity
import Testing
import VectorSupport

@Suite struct DIDKeyTests {
    /// The did:key spec's example document (Ed25519 with the derived X25519 key agreement key), exactly.
    @Test(.vectors) func producesTheSpecDocumentExactly() async throws {
        let spec = try VectorJSON.object("did-key/spec-test-vectors.json")
        let expected = try #require(spec["spec_did_document_ed25519_x25519"] as? NSDictionary)
        let did = try #require(expected["id"] as? String)
        let document = try DIDKey.document(for: did)
        #expect(try foundationJSON(document.serialized) == expected)
        #expect(document.json.keys == [
            "@context", "id", "verificationMethod", "authentication", "assertionMethod", "capabilityDelegation",
            "capabilityInvocation", "keyAgreement",
        ])
        #expect(try await DIDKeyResolver().resolve(did + "#" + did.dropFirst("did:key:".count)) == document)
    }

    /// Every DID of the spec's test vector appendix: Ed25519, P-256 and P-384 resolve to documents whose
    /// method id, raw key and X25519 derivation match the vectors; the other key types are refused.
    @Test(.vectors) func resolvesOrRefusesEveryDidOfTheSpec() throws {
        let spec = try VectorJSON.object("did-key/spec-test-vectors.json")
        let entries = try #require(spec["dids"] as? [[String: Any]])
        #expect(entries.count == 8)
        var resolved = 0
        for entry in entries {
            let did = try #require(entry["did"] as? String)
            switch entry["multicodec_name"] as? String {
            case "ed25519-pub", "p256-pub", "p384-pub":
                let document = try DIDKey.document(for: did, options: .init(enableEncryptionKeyDerivation: false))
                let methodID = try #require(entry["verification_method_id"] as? String)
                let method = try #require(document.verificationMethod(id: methodID))
                #expect(method.type == "Multikey")
                #expect(method.controller == did)
                #expect(Vectors.hex(try method.publicKey().rawRepresentation) == entry["raw_public_key_hex"] as? String)
                for relationship in [VerificationRelationship.authentication, .assertionMethod, .capabilityInvocation, .capabilityDelegation] {
                    #expect(document.isAuthorized(methodID: methodID, for: relationship, at: nil))
                }
                #expect(document.json["keyAgreement"] == nil)
                #expect(document.json["@context"] == ["https://www.w3.org/ns/did/v1.1"])
                if let derived = entry["derived_x25519_multibase_computed"] as? String {
                    let withKeyAgreement = try DIDKey.document(for: did)
                    let agreement = try #require(withKeyAgreement.json["keyAgreement"]?[0])
                    #expect(agreement["publicKeyMultibase"]?.stringValue == derived)
                    #expect(agreement["id"]?.stringValue == did + "#" + derived)
                }
                resolved += 1
            default:
                expectIdentityError(.unsupportedPublicKeyType, "\(did)") { try DIDKey.document(for: did) }
            }
        }
        #expect(resolved == 4)
    }

    /// The JsonWebKey form carries the spec's computed JWKs.
    @Test(.vectors) func jsonWebKeyFormat() throws {
        let spec = try VectorJSON.object("did-key/spec-test-vectors.json")
        let p256 = try #require((spec["dids"] as? [[String: Any]])?.first { $0["section"] as? String == "P-256" })
        let did = try #require(p256["did"] as? String)
        let document = try DIDKey.document(for: did, options: .init(publicKeyFormat: .jsonWebKey))
        let method = try #require(document.verificationMethods.first)
        #expect(method.type == "JsonWebKey")
        #expect(method.json["publicKeyMultibase"] == nil)
        let jwk = try foundationJSON(JSONValue.object(try #require(method.json["publicKeyJwk"]?.objectValue)).serialized())
        #expect(jwk == (try #require(p256["jwk_computed"] as? NSDictionary)))
        #expect(try method.publicKey() == DIDKey.publicKey(of: did))
    }

    /// Legacy P-256 and P-384 vectors: the JWK x/y (and the private d) agree with the decompressed
    /// Multikey; P-521 is refused.
    @Test(.vectors) func legacyNistCurveVectorsCrossCheck() throws {
        let vectors = try VectorJSON.object("did-key/legacy-test-vectors/nist-curves.json")
        var p256 = 0
        var p384 = 0
        for (did, value) in vectors {
            let entry = try #require(value as? [String: Any])
            let method = try #require(entry["verificationMethod"] as? [String: Any])
            if did.hasPrefix("did:key:z82L") {
                let key = try DIDKey.publicKey(of: did)
                #expect(key.algorithm == .p384)
                let jwk = try #require(method["publicKeyJwk"] as? [String: String])
                #expect(key.jwk["crv"]?.stringValue == "P-384")
                #expect(key.jwk["x"]?.stringValue == jwk["x"])
                #expect(key.jwk["y"]?.stringValue == jwk["y"])
                #expect(try PublicKey(jwk: key.jwk) == key)
                let d = try Base64URL.decode(try #require((method["privateKeyJwk"] as? [String: String])?["d"]))
                #expect(try SoftwareSigner(algorithm: .p384, secretKey: d).verificationKey == key)
                p384 += 1
            } else if did.hasPrefix("did:key:zDna") {
                let key = try DIDKey.publicKey(of: did)
                if let jwk = method["publicKeyJwk"] as? [String: String] {
                    #expect(key.jwk["x"]?.stringValue == jwk["x"])
                    #expect(key.jwk["y"]?.stringValue == jwk["y"])
                    let d = try Base64URL.decode(try #require((method["privateKeyJwk"] as? [String: String])?["d"]))
                    #expect(try SoftwareSigner(algorithm: .p256, secretKey: d).verificationKey == key)
                } else {
                    // The P256Key2021 entry gives the compressed key and secret in base58.
                    let raw = try Base58BTC.decode(try #require(method["publicKeyBase58"] as? String))
                    #expect(key.rawRepresentation == raw)
                    let secret = try Base58BTC.decode(try #require(method["privateKeyBase58"] as? String))
                    #expect(try SoftwareSigner(algorithm: .p256, secretKey: secret).verificationKey == key)
                }
                p256 += 1
            } else {
                expectIdentityError(.unsupportedPublicKeyType, "\(did) (P-521)") { try DIDKey.publicKey(of: did) }
            }
        }
        #expect(p256 == 3)
        #expect(p384 == 2)
    }

    /// Legacy Ed25519 vectors: the seed gives the DID's key, and the derived X25519 key is the
    /// published key agreement key (its id, and its base58 or JWK form).
    @Test(.vectors) func legacyEd25519VectorsCrossCheck() throws {
        let vectors = try VectorJSON.object("did-key/legacy-test-vectors/ed25519-x25519.json")
        #expect(vectors.count == 5)
        for (did, value) in vectors {
            let entry = try #require(value as? [String: Any])
            let seedHex = try #require(entry["seed"] as? String)
            let seed = try #require(Vectors.bytes(hex: seedHex))
            let signer = try SoftwareSigner(algorithm: .ed25519, secretKey: seed)
            #expect(DIDKey.did(for: signer.verificationKey) == did)

            let agreement = try #require(entry["keyAgreementKeyPair"] as? [String: Any])
            let agreementID = try #require(agreement["id"] as? String)
            let derived = try #require(try DIDKey.document(for: did).json["keyAgreement"]?[0])
            // Most legacy entries give the id relative to the DID.
            #expect(derived["id"]?.stringValue == (agreementID.hasPrefix("#") ? did + agreementID : agreementID))
            if let base58 = agreement["publicKeyBase58"] as? String {
                let multibase = try #require(derived["publicKeyMultibase"]?.stringValue)
                #expect(try Multicodec.split(Multibase.decode(multibase).bytes).payload == Base58BTC.decode(base58))
            }
            if let jwk = agreement["publicKeyJwk"] as? NSDictionary {
                let asJWK = try DIDKey.document(for: did, options: .init(publicKeyFormat: .jsonWebKey))
                let derivedJWK = try #require(asJWK.json["keyAgreement"]?[0]?["publicKeyJwk"])
                #expect(try foundationJSON(derivedJWK.serialized()) == jwk)
            }
        }
    }

    /// Legacy X25519 and secp256k1 DIDs are valid did:keys of types Voltpass does not handle.
    @Test(.vectors) func legacyUnsupportedKeyTypesAreRefused() throws {
        let x25519 = try #require(try VectorJSON.object("did-key/legacy-test-vectors/x25519.json")["didDocument"] as? [String: Any])
        let secp256k1 = try VectorJSON.object("did-key/legacy-test-vectors/secp256k1.json")
        let dids = Array(x25519.keys) + Array(secp256k1.keys)
        #expect(dids.count == 10)
        for did in dids {
            expectIdentityError(.unsupportedPublicKeyType, "\(did)") { try DIDKey.document(for: did) }
        }
    }

    @Test(arguments: KeyAlgorithm.allCases) func createsAndResolvesDIDs(algorithm: KeyAlgorithm) async throws {
        let key = SoftwareSigner.generate(algorithm).verificationKey
        let did = DIDKey.did(for: key)
        #expect(did == "did:key:" + key.multikey)
        #expect(try DIDKey.publicKey(of: did) == key)
        let document = try await DIDKeyResolver().resolve(did)
        #expect(document.id == did)
        #expect(try document.verificationMethods.first?.publicKey() == key)
        #expect(try DIDKey.document(for: "did:key:1:" + key.multikey).id == "did:key:1:" + key.multikey)
    }

    @Test func malformedDIDsFailWithTheSpecCodes() {
        let ed25519 = SoftwareSigner.generate(.ed25519).publicKey
        let cases: [(IdentityError.Kind, String)] = [
            (.invalidDid, "did:key:"),
            (.invalidDid, "did:key"),
            (.invalidDid, "did:KEY:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"),
            (.invalidDid, "DID:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"),
            (.invalidDid, "did:web:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"),
            (.invalidDid, "did:key:u7QEub_zjZwHceRSI4NCxdFzB4zpMHJ_MQcY702Q9vgJw5g"),
            (.invalidDid, "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2do0"),
            (.invalidDid, "did:key:0:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"),
            (.invalidDid, "did:key:v1:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"),
            (.invalidDid, "did:key:1:2:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"),
            (.invalidDid, "did:key:z"),
            (.invalidDid, "did:key:z6Mk hello"),
            (.invalidPublicKeyLength, "did:key:" + multikey(code: 0xed, Array(ed25519.dropLast()))),
            (.invalidPublicKeyLength, "did:key:" + multikey(code: 0x1200, [UInt8](repeating: 2, count: 32))),
            (.invalidPublicKeyLength, "did:key:" + multikey(code: 0xe7, [UInt8](repeating: 2, count: 32))),
            (.invalidPublicKeyLength, "did:key:" + multikey(code: 0x1201, [UInt8](repeating: 2, count: 33))),
            (.invalidPublicKey, "did:key:" + multikey(code: 0x1200, [2] + [UInt8](repeating: 0, count: 31) + [1])),
            (.invalidPublicKey, "did:key:" + multikey(code: 0xed, [2] + [UInt8](repeating: 0, count: 31))),
            (.unsupportedPublicKeyType, "did:key:" + multikey(code: 0x1205, [UInt8](repeating: 1, count: 270))),
        ]
        for (kind, did) in cases {
            expectIdentityError(kind, "\(did)") { try DIDKey.document(for: did) }
        }
    }
}
