import Credentials
import Crypto
import Encoding
import Foundation
import Identity
import Ledger
import Passport
import Readings
import RDF
import Testing
import Trie
import VectorSupport

/// The formats the passport emits, read by independent implementations: the leaf's Plutus data by
/// cbor2, the plate token by pycose and cbor2, and the battery credentials by a JSON-LD processor
/// (PyLD) with the bundled VC 2.0 context and our battery context. Skipped without python3 and those
/// packages, except under `CI=true`.
@Suite(.enabled(if: ReferencePython.canImport("cbor2", "pycose", "pyld") || Vectors.required, "cbor2, pycose or pyld not installed"))
struct PassportCrossCheckTests {
    /// Prints a CBOR item as JSON: `{"tag": n, "fields": [...]}` for a Plutus constructor, hex for
    /// bytes, numbers as they are; arrays as lists.
    static let plutusScript = """
        import sys, json, cbor2
        def plain(item):
            if isinstance(item, cbor2.CBORTag):
                return {"tag": item.tag, "fields": [plain(x) for x in item.value]}
            if isinstance(item, bytes):
                return item.hex()
            if isinstance(item, (list, tuple)):
                return [plain(x) for x in item]
            return item
        print(json.dumps(plain(cbor2.loads(bytes.fromhex(sys.argv[1]))), separators=(",", ":")))
        """

    @Test func cbor2ReadsTheLeafAsPlutusData() async throws {
        let reader = KeyHash(publicKey: SoftwareSigner.generate(.ed25519).publicKey)
        let proof = Proof(steps: [.leaf(skip: 0, key: Hash32(hashing: [1]), value: Hash32(hashing: [2]))])
        let leaf = BatteryLeaf(
            batteryID: "https://id.gs1.org/01/04012345000009/21/X-1", status: .active, readerKeyHash: reader,
            bmsPublicKey: SoftwareSigner.generate(.ed25519).publicKey, lastSoH: 950, lastCycleCount: 120, lastCounter: 7,
            lastReadingSlot: 4_000, lastRewardedSlot: 3_000,
            credentials: .init(device: "urn:uuid:d", bom: "urn:uuid:b", ownership: nil),
            warranty: .init(startMilliseconds: 1_700_000_000_000, endMilliseconds: 2_000_000_000_000, voided: true),
            recall: .recalled(id: "recall-1", sinceMilliseconds: 1_800_000_000_000),
            firmware: .init(version: "2.0", hash: [UInt8](repeating: 0xab, count: 32), advisory: "update"),
            origin: .init(operatorID: "did:web:a", batteryID: "urn:x", anchoredRoot: Hash32(hashing: [3]), proof: proof))
        let run = try ReferencePython.run(Self.plutusScript, arguments: [Hex.encode(leaf.cbor())])
        #expect(run.status == 0, "\(run.error)")
        let decoded = try #require(try JSONSerialization.jsonObject(with: Data(run.output.utf8)) as? [String: Any])
        #expect(decoded["tag"] as? Int == 121)
        let fields = try #require(decoded["fields"] as? [Any])
        #expect(fields.count == 14)
        #expect(fields[0] as? String == Hex.encode(Array(leaf.batteryID.utf8)))
        #expect((fields[1] as? [String: Any])?["tag"] as? Int == 122, "Active is constructor 1")
        #expect(((fields[2] as? [String: Any])?["fields"] as? [String])?.first == reader.hex, "Just readerPkh")
        #expect(fields[4] as? Int == 950)
        #expect(fields[5] as? Int == 120)
        #expect(fields[6] as? Int == 7)
        #expect(fields[7] as? Int == 4_000)
        #expect(fields[8] as? Int == 3_000)
        let credentials = try #require((fields[9] as? [String: Any])?["fields"] as? [Any])
        #expect((credentials[2] as? [String: Any])?["tag"] as? Int == 122, "Nothing for no ownership")
        let warranty = try #require(((fields[10] as? [String: Any])?["fields"] as? [Any])?.first as? [String: Any])
        #expect((warranty["fields"] as? [Any])?.first as? Int == 1_700_000_000_000)
        #expect(((warranty["fields"] as? [Any])?.last as? [String: Any])?["tag"] as? Int == 122, "True")
        #expect((fields[11] as? [String: Any])?["tag"] as? Int == 122, "recalled")
        #expect(try BatteryLeaf(cbor: leaf.cbor()) == leaf)
    }

    static let tokenScript = """
        import sys, cbor2, collections.abc as abc
        from pycose.messages import Sign1Message
        from pycose.keys import OKPKey
        from pycose.keys.curves import Ed25519
        item = cbor2.loads(bytes.fromhex(sys.argv[2]))
        if item.tag != 18: sys.exit('not tag 18')
        fields = [dict(v) if isinstance(v, abc.Mapping) else v for v in item.value]
        message = Sign1Message.from_cose_obj(fields, True)
        message.key = OKPKey(crv=Ed25519, x=bytes.fromhex(sys.argv[1]))
        claims = cbor2.loads(message.payload)
        print('ok' if message.verify_signature() else 'bad')
        print(claims[1]); print(claims[2]); print(claims[6])
        """

    @Test func pycoseVerifiesThePlateToken() async throws {
        let signer = SoftwareSigner.generate(.ed25519)
        let date = Date(timeIntervalSince1970: 1_764_547_200)
        let token = try await PlateToken.sign(
            batteryID: "https://id.gs1.org/01/04012345000009/21/X-1", operatorID: "did:web:example.com:operators:acme", issuedAt: date,
            signer: signer)
        let run = try ReferencePython.run(Self.tokenScript, arguments: [Hex.encode(signer.publicKey), Hex.encode(token)])
        #expect(run.lines == ["ok", "did:web:example.com:operators:acme", "https://id.gs1.org/01/04012345000009/21/X-1", "1764547200"], "\(run.error)")
    }

    static let jsonLDScript = """
        import json, sys
        from pyld import jsonld
        files = {"https://www.w3.org/ns/credentials/v2": sys.argv[1], sys.argv[3]: sys.argv[2]}
        def loader(url, options=None):
            if url not in files:
                raise jsonld.JsonLdError("not bundled: " + url, "loading document failed")
            return {"contextUrl": None, "documentUrl": url, "document": json.load(open(files[url]))}
        for line in sys.stdin.read().split("\\n"):
            credential = json.loads(line)
            try:
                node = jsonld.expand(credential, {"documentLoader": loader})[0]
            except Exception as error:
                print("error " + str(error).replace("\\n", " ")[:300]); continue
            subject = node.get("https://www.w3.org/2018/credentials#credentialSubject", [{}])[0]
            expected = len([k for k in credential["credentialSubject"] if k != "id"])
            got = len([k for k in subject if not k.startswith("@")])
            print("ok" if got == expected else "subject members dropped: %d of %d kept" % (got, expected))
            samm = set()
            def collect(node):
                for key, values in node.items():
                    if key.startswith("urn:samm:"): samm.add(key)
                    for value in values if isinstance(values, list) else []:
                        if isinstance(value, dict): collect(value)
            collect(subject)
            print(" ".join(sorted(samm)))
        """

    /// One credential of each kind the passport issues (Device, BOM, Ownership, BMS key), unsigned.
    static func batteryDocuments(issuer: String) -> [JSONObject] {
        let key = SoftwareSigner.generate(.p256).verificationKey
        let spec = DeviceSpec(
            gtin: "04012345000009", serial: "X-1", lot: "L-7", model: "LFP-280Ah-Pack", chemistry: "LFP", ratedCapacityAh: 280,
            ratedEnergyWh: 14_336, nominalVoltage: 51.2, massKg: 98.5, manufacturingDate: "2026-11-30", publicKey: key,
            firmwareVersion: "1.4.2", firmwareHash: [UInt8](repeating: 1, count: 32), bomHash: "sha256:" + String(repeating: "2a", count: 32),
            components: ["urn:uuid:cells"], warrantyMonths: 120)
        let status: JSONObject = [
            "id": "https://example.com/status/1#5", "type": "BitstringStatusListEntry", "statusPurpose": "suspension",
            "statusListIndex": "5", "statusListCredential": "https://example.com/status/1",
        ]
        let battery = "https://id.gs1.org/01/04012345000009/21/X-1"
        let device = DIDKey.did(for: key)
        return [
            PassportCredentials.device(spec, id: "urn:uuid:1", batteryID: battery, deviceDID: device, issuer: issuer, status: status, validFrom: Date()),
            PassportCredentials.bom(
                batteryID: battery, deviceDID: device, bomHash: spec.bomHash, components: spec.components, id: "urn:uuid:2", issuer: issuer,
                validFrom: Date()),
            PassportCredentials.ownership(
                batteryID: battery, deviceDID: device, owner: "did:web:integrator.example", sequence: 2, previous: "urn:uuid:3", id: "urn:uuid:4",
                issuer: issuer, status: status, validFrom: Date()),
            PassportCredentials.bmsKey(
                batteryID: battery, deviceDID: device, key: SoftwareSigner.generate(.ed25519).verificationKey, sequence: 2,
                previousKey: key.multikey, id: "urn:uuid:5", issuer: issuer, validFrom: Date()),
        ]
    }

    /// Our own credentials expand in safe mode with the bundled battery context, so they can take
    /// the RDFC suites as well: each signs and verifies with eddsa-rdfc-2022 and ecdsa-rdfc-2019.
    @Test func batteryCredentialsSignAndVerifyWithTheRDFCSuites() async throws {
        for (suite, algorithm) in [(Cryptosuite.eddsaRdfc2022, KeyAlgorithm.ed25519), (.ecdsaRdfc2019, .p256), (.ecdsaRdfc2019, .p384)] {
            let issuer = try CredentialIssuer(didKeySigner: .generate(algorithm), cryptosuite: suite)
            for document in Self.batteryDocuments(issuer: issuer.did) {
                let credential = try await issuer.issue(document)
                #expect(credential.json["proof"]?["cryptosuite"]?.stringValue == suite.rawValue)
                let result = await Verifier.standard(resolver: DIDKeyResolver()).verify(credential)
                #expect(result.verified, "\(suite.rawValue) \(credential.types): \(result.failures)")
            }
        }
    }

    /// An independent RDFC verifier: PyLD's URDNA2015 (RDFC-1.0) over the same pinned contexts, then
    /// `cryptography`'s Ed25519 and P-256 ECDSA over SHA-256(config) ‖ SHA-256(document). It prints,
    /// per credential, the verdict and the SHA-256 of its canonical N-Quads of the document.
    static let rdfcScript = """
        import json, sys, hashlib
        from pyld import jsonld
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric import ec
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
        from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
        files = json.load(open(sys.argv[1]))
        def loader(url, options=None):
            if url not in files:
                raise jsonld.JsonLdError("not bundled: " + url, "loading document failed")
            return {"contextUrl": None, "documentUrl": url, "document": json.load(open(files[url]))}
        ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
        def b58(text):
            n = 0
            for c in text: n = n * 58 + ALPHABET.index(c)
            return b"\\0" * (len(text) - len(text.lstrip("1"))) + n.to_bytes((n.bit_length() + 7) // 8, "big")
        def canon(doc):
            return jsonld.normalize(doc, {"algorithm": "URDNA2015", "format": "application/n-quads", "documentLoader": loader}).encode()
        for line in sys.stdin.read().split("\\n"):
            doc = json.loads(line)
            proof = doc.pop("proof")
            config = {k: v for k, v in proof.items() if k != "proofValue"}
            config["@context"] = doc["@context"]
            document = canon(doc)
            data = hashlib.sha256(canon(config)).digest() + hashlib.sha256(document).digest()
            key = b58(proof["verificationMethod"].split("#")[1][1:])
            signature = b58(proof["proofValue"][1:])
            try:
                if key[:2] == b"\\xed\\x01":
                    Ed25519PublicKey.from_public_bytes(key[2:]).verify(signature, data)
                else:
                    public = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), key[2:])
                    der = encode_dss_signature(int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big"))
                    public.verify(der, data, ec.ECDSA(hashes.SHA256()))
                verdict = "ok"
            except Exception:
                verdict = "bad"
            print(verdict, hashlib.sha256(document).hexdigest())
        """

    /// Our eddsa-rdfc-2022 and ecdsa-rdfc-2019 (P-256) battery credentials verify in the independent
    /// verifier above, with the same canonical N-Quads as ours; a changed value does not verify there.
    @Test func anIndependentRDFCVerifierAcceptsOurCredentials() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("contexts-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        var files: JSONObject = [:]
        for (index, (url, bytes)) in BundledContexts.shippedBytes.sorted(by: { $0.key < $1.key }).enumerated() {
            let file = directory.appendingPathComponent("\(index).jsonld")
            try Data(bytes).write(to: file)
            files[url] = .string(file.path)
        }
        let map = directory.appendingPathComponent("map.json")
        try Data(JSONValue.object(files).serialized()).write(to: map)

        var lines: [String] = []
        var expected: [String] = []
        for (suite, algorithm) in [(Cryptosuite.eddsaRdfc2022, KeyAlgorithm.ed25519), (.ecdsaRdfc2019, .p256)] {
            let issuer = try CredentialIssuer(didKeySigner: .generate(algorithm), cryptosuite: suite)
            for document in Self.batteryDocuments(issuer: issuer.did) {
                var credential = try await issuer.issue(document).json
                var unsigned = credential
                unsigned.removeValue(forKey: "proof")
                let nquads = try RDFC10().canonicalize(try JSONLD(loader: BundledContexts()).toRDF(.object(unsigned))).nquads
                lines.append(JSONValue.object(credential).serializedString())
                expected.append("ok " + Hex.encode(Array(SHA256.hash(data: Array(nquads.utf8)))))
                credential["validFrom"] = "2020-01-01T00:00:00Z"
                lines.append(JSONValue.object(credential).serializedString())
            }
        }
        let run = try ReferencePython.run(Self.rdfcScript, arguments: [map.path], input: lines.joined(separator: "\n"))
        #expect(run.status == 0, "\(run.error)")
        #expect(run.lines.count == lines.count)
        for (index, line) in run.lines.enumerated() {
            if index.isMultiple(of: 2) {
                #expect(line == expected[index / 2], "credential \(index / 2)")
            } else {
                #expect(line.hasPrefix("bad "), "a changed credential verified: \(index)")
            }
        }
    }

    @Test(.vectors) func batteryCredentialsExpandWithoutLoss() async throws {
        let issuer = try CredentialIssuer(didKeySigner: .generate(.ed25519))
        let documents = Self.batteryDocuments(issuer: issuer.did)
        var lines: [String] = []
        for document in documents {
            lines.append(JSONValue.object(try await issuer.issue(document).json).serializedString())
        }
        let context = FileManager.default.temporaryDirectory.appendingPathComponent("battery-\(UUID().uuidString).jsonld")
        try Data(try #require(BundledContexts.shippedBytes[PassportCredentials.contextURL])).write(to: context)
        defer { try? FileManager.default.removeItem(at: context) }
        let run = try ReferencePython.run(
            Self.jsonLDScript, arguments: [try Vectors.url("contexts/credentials-v2.jsonld").path, context.path, PassportCredentials.contextURL],
            input: lines.joined(separator: "\n"))
        // Per credential: whether every subject member expanded, then the Battery Pass IRIs it expanded to.
        #expect(run.lines.count == 8 && stride(from: 0, to: run.lines.count, by: 2).allSatisfy { run.lines[$0] == "ok" }, "\(run.lines) \(run.error)")
        // The Device credential's Annex XIII attributes expand to properties of the published Battery Pass aspect models (v1.2).
        let deviceIRIs = Set((run.lines.count > 1 ? run.lines[1] : "").split(separator: " ").map(String.init))
        #expect(deviceIRIs.count == 14, "\(deviceIRIs.sorted())")
        let properties = try BatteryPassModel.propertyIRIs()
        #expect(deviceIRIs.subtracting(properties).isEmpty, "not Battery Pass properties: \(deviceIRIs.subtracting(properties).sorted())")
    }
}
