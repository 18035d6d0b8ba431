import Encoding
import Foundation
import Identity
import Testing
import VectorSupport

@testable import Credentials

/// The SD-JWT vectors in `sd-jwt/`: every disclosure digest of RFC 9901 and SD-JWT VC draft-18, every
/// compact example verified (issuer signature, disclosures, KB-JWT), and the behaviour specs of
/// sd-jwt-python and of the two specifications' example generators issued, presented and verified.
@Suite(.vectors) struct SDJWTVectorTests {
    static func object(_ path: String) throws -> JSONObject {
        try #require(try JSONValue(parsing: Array(try Vectors.data(path))).objectValue)
    }

    /// Whether `value` still holds SD-JWT machinery: `_sd`, `_sd_alg` or `{"...": digest}` elements.
    static func holdsDigests(_ value: JSONValue) -> Bool {
        switch value {
        case .object(let members): members["_sd"] != nil || members["_sd_alg"] != nil || members.values.contains(where: holdsDigests)
        case .array(let elements): elements.contains { $0.objectValue?.keys == ["..."] || holdsDigests($0) }
        default: false
        }
    }

    @Test(arguments: [("sd-jwt/rfc9901-disclosures.json", 87), ("sd-jwt/sd-jwt-vc-18-disclosures.json", 37)])
    func everyDisclosureDigestRecomputes(file: String, count: Int) throws {
        let entries = try #require(try Self.object(file)["disclosures"]?.arrayValue)
        #expect(entries.count == count)
        for entry in entries {
            let disclosure = try SDJWTDisclosure(parsing: try #require(entry["disclosure"]?.stringValue))
            #expect(JSONValue.string(disclosure.digest(.sha256)) == entry["sha256"], "\(entry["label"] ?? "")")
            let contents = try #require(entry["contents"]?.arrayValue)
            #expect(JSONValue.string(disclosure.salt) == contents.first)
            #expect(disclosure.claimName == (contents.count == 3 ? contents[1].stringValue : nil))
            #expect(disclosure.value == contents.last)
        }
    }

    @Test func theInlineExamplesShowThatEveryEncodingHasItsOwnDigest() throws {
        let examples = try Self.object("sd-jwt/rfc9901-inline-examples.json")
        let property = try #require(examples["object_property"]?.objectValue)
        let disclosure = try SDJWTDisclosure(parsing: try #require(property["disclosure"]?.stringValue))
        #expect(JSONValue.string(disclosure.digest(.sha256)) == property["sha256"])
        #expect(disclosure.digest(.sha256) == "X9yH0Ajrdm1Oij4tWso9UzzKJvPoDxwmuEcO3XAdRC0")
        var digests: Set<String> = [disclosure.digest(.sha256)]
        for text in try #require(property["equivalent_encodings_same_claim_different_digest"]?.arrayValue).compactMap(\.stringValue) {
            let equivalent = try SDJWTDisclosure(parsing: text)
            #expect(equivalent.salt == disclosure.salt && equivalent.claimName == "family_name" && equivalent.value == "Möbius")
            digests.insert(equivalent.digest(.sha256))
        }
        #expect(digests.count == 4)
        let element = try #require(examples["array_element"]?.objectValue)
        let elementDisclosure = try SDJWTDisclosure(parsing: try #require(element["disclosure"]?.stringValue))
        #expect(elementDisclosure.claimName == nil && elementDisclosure.value == "FR")
        #expect(JSONValue.string(elementDisclosure.digest(.sha256)) == element["sha256_computed"])
    }

    @Test(arguments: [("sd-jwt/rfc9901-serialized-examples.json", 9), ("sd-jwt/sd-jwt-vc-18-serialized-examples.json", 5)])
    func everySerializedExampleVerifies(file: String, count: Int) async throws {
        let vectors = try Self.object(file)
        let key = try PublicKey(jwk: try #require(vectors["issuer_public_jwk"]?.objectValue))
        let examples = try #require(vectors["examples"]?.arrayValue)
        #expect(examples.count == count)
        for example in examples {
            let label = "\(example["section"] ?? "") \(example["kind"] ?? "")"
            var text = try #require(example["serialized"]?.stringValue)
            if example["kind"] == "JWT" { text += "~" }  // the issuer-signed JWT alone: an SD-JWT without disclosures
            var requirement = SDJWTKeyBindingRequirement.notRequired
            var now = Date(timeIntervalSince1970: 1_748_537_243)
            if let keyBinding = example["kb_jwt_payload"]?.objectValue {
                requirement = .required(
                    audience: try #require(keyBinding["aud"]?.stringValue), nonce: try #require(keyBinding["nonce"]?.stringValue))
                now = Date(timeIntervalSince1970: try #require(keyBinding["iat"]?.doubleValue) + 30)
            }
            let clock: @Sendable () -> Date = { [now] in now }
            let verifier =
                example["issuer_jwt_header"]?["typ"] == "dc+sd-jwt"
                ? SDJWTVerifier.credentials(issuerKey: .key(key), now: clock) : SDJWTVerifier(issuerKey: .key(key), now: clock)
            let verified = try await verifier.verify(text, keyBinding: requirement)

            let sdJWT = try SDJWT(parsing: text)
            #expect(JSONValue.object(sdJWT.payload) == example["issuer_jwt_payload"], "\(label)")
            #expect(sdJWT.disclosures.map { .string($0.encoded) } == (example["disclosures"]?.arrayValue ?? []), "\(label)")
            #expect(verified.disclosedPaths.count == sdJWT.disclosures.count, "\(label)")
            #expect(!Self.holdsDigests(.object(verified.claims)), "\(label)")
            if let keyBinding = example["kb_jwt_payload"]?.objectValue {
                #expect(verified.keyBinding == keyBinding, "\(label)")
                #expect(JSONValue.string(sdJWT.hashAlgorithm.digest(sdJWT.keyBindingInput)) == example["sd_hash_computed"], "\(label)")
            }
            // Each disclosure's claim sits where the holder's view puts it, with its value when that
            // value holds no digests of its own.
            let holder = try SDJWTHolder(sdJWT)
            #expect(holder.claims == verified.claims, "\(label)")
            for (disclosure, path) in zip(holder.sdJWT.disclosures, holder.disclosurePaths) where !Self.holdsDigests(disclosure.value) {
                #expect(JSONPointer.value(at: path, in: verified.claims) == disclosure.value, "\(label) \(path)")
            }
            // The issuer's signature is what holds it together.
            let other = SDJWTVerifier(issuerKey: .key(SoftwareSigner.generate(.p256).verificationKey), now: clock)
            #expect(await failureCode { _ = try await other.verify(text, keyBinding: requirement) } == "jose_invalid_signature")
        }
    }

    // MARK: - Behaviour specs (YAML with !sd tags)

    /// The spec files that exercise what Voltpass leaves out, and why.
    static let outOfScope: [String: String] = [
        "sd-jwt-python-testcases/json_serialization_flattened.yml": "JSON serialization of SD-JWT (RFC 9901 §8) is out of scope",
        "sd-jwt-python-testcases/json_serialization_general.yml": "JSON serialization of SD-JWT (RFC 9901 §8) is out of scope",
        "ietf-examples-specs/json_serialization_flattened.yml": "JSON serialization of SD-JWT (RFC 9901 §8) is out of scope",
        "ietf-examples-specs/json_serialization_general.yml": "JSON serialization of SD-JWT (RFC 9901 §8) is out of scope",
    ]

    /// Reads spec files (PyYAML) and prints one JSON line per file: the claims without tags, the
    /// pointers of the `!sd` claims, the pointers of the disclosures the holder reveals as
    /// sd-jwt-python reads `holder_disclosed_claims`, the claims a verifier then sees (checked
    /// against `expect_verified_user_claims` where given), and the keys of the folder's settings.
    static let converter = #"""
        import sys, json, yaml

        class Marked:
            """A claim name or array element tagged !sd."""
            def __init__(self, value): self.value = value
            def __hash__(self): return hash(('!sd', self.value))
            def __eq__(self, other): return isinstance(other, Marked) and other.value == self.value

        class SpecLoader(yaml.SafeLoader):
            pass

        def marked(loader, node):
            if isinstance(node, yaml.ScalarNode):
                quoted = node.style in ('"', "'")
                tag = 'tag:yaml.org,2002:str' if quoted else loader.resolve(yaml.ScalarNode, node.value, (True, False))
                return Marked(loader.construct_object(yaml.ScalarNode(tag, node.value, style=node.style)))
            if isinstance(node, yaml.SequenceNode):
                return Marked(loader.construct_sequence(node, deep=True))
            return Marked(loader.construct_mapping(node, deep=True))

        SpecLoader.add_constructor('!sd', marked)

        def escape(token): return token.replace('~', '~0').replace('/', '~1')

        def name(key):
            key = key.value if isinstance(key, Marked) else key
            if not isinstance(key, str): raise ValueError(f'claim name {key!r} is not a string')
            return key

        def plain(value):
            if isinstance(value, Marked): return plain(value.value)
            if isinstance(value, dict): return {name(k): plain(v) for k, v in value.items()}
            if isinstance(value, list): return [plain(v) for v in value]
            return value

        def disclosable(value, pointer, found):
            if isinstance(value, dict):
                for key, member in value.items():
                    path = pointer + '/' + escape(name(key))
                    if isinstance(key, Marked): found.append(path)
                    disclosable(member, path, found)
            elif isinstance(value, list):
                for index, element in enumerate(value):
                    path = pointer + '/' + str(index)
                    if isinstance(element, Marked):
                        found.append(path)
                        element = element.value
                    disclosable(element, path, found)

        def reveal(value, wanted, pointer, chosen):
            if isinstance(value, dict):
                shown = {}
                for key, member in value.items():
                    path = pointer + '/' + escape(name(key))
                    sub = wanted.get(name(key)) if isinstance(wanted, dict) else None
                    if isinstance(key, Marked):
                        if not sub: continue
                        chosen.append(path)
                    shown[name(key)] = reveal(member, sub, path, chosen)
                return shown
            if isinstance(value, list):
                shown = []
                for index, element in enumerate(value):
                    path = pointer + '/' + str(index)
                    sub = wanted[index] if isinstance(wanted, list) and index < len(wanted) else None
                    if isinstance(element, Marked):
                        if sub is None or sub is False: continue
                        chosen.append(path)
                        element = element.value
                    shown.append(reveal(element, sub, path, chosen))
                return shown
            return value

        def settings(folder):
            with open(folder + '/settings.yml', encoding='utf-8') as stream:
                loaded = yaml.safe_load(stream)
            keys = loaded['key_settings']
            return {'issuer_key': (keys.get('issuer_keys') or [keys.get('issuer_key')])[0], 'holder_key': keys['holder_key'],
                    'nonce': loaded['key_binding_nonce'], 'audience': loaded['identifiers']['verifier']}

        for file in sys.argv[1:]:
            folder, base = file.rsplit('/', 1)
            case = {'file': folder.rsplit('/', 1)[-1] + '/' + base}
            with open(file, encoding='utf-8') as stream:
                spec = yaml.load(stream, Loader=SpecLoader)
            if spec.get('serialization_format', 'compact') != 'compact':
                case['skip'] = 'JSON serialization of SD-JWT (RFC 9901 §8) is out of scope'
                print(json.dumps(case)); continue
            found, chosen = [], []
            expected = reveal(spec['user_claims'], spec.get('holder_disclosed_claims') or {}, '', chosen)
            disclosable(spec['user_claims'], '', found)
            case.update(settings(folder), claims=plain(spec['user_claims']), disclosable=found, selected=chosen, expected=expected,
                        key_binding=bool(spec.get('key_binding', False)), decoys=bool(spec.get('add_decoy_claims', False)),
                        header=spec.get('extra_header_parameters', {}),
                        agrees='expect_verified_user_claims' not in spec or spec['expect_verified_user_claims'] == expected)
            print(json.dumps(case))
        """#

    static func signer(_ jwk: JSONValue?) throws -> SoftwareSigner {
        try SoftwareSigner(algorithm: .p256, secretKey: try Base64URL.decode(try #require(jwk?["d"]?.stringValue)))
    }

    @Test(.enabled(if: ReferencePython.canImport("yaml") || Vectors.required, "PyYAML not installed"))
    func theBehaviourSpecsIssuePresentAndVerify() async throws {
        var files: [String] = []
        for folder in ["sd-jwt/sd-jwt-python-testcases", "sd-jwt/ietf-examples-specs", "sd-jwt/sd-jwt-vc-examples-specs"] {
            let url = try Vectors.url(folder)
            for name in try FileManager.default.contentsOfDirectory(atPath: url.path).sorted() where name.hasSuffix(".yml") && name != "settings.yml" {
                files.append(url.appendingPathComponent(name).path)
            }
        }
        #expect(files.count == 35)
        let run = try ReferencePython.run(Self.converter, arguments: files)
        #expect(run.status == 0, "\(run.error)")
        #expect(run.lines.count == files.count)

        var skipped: [String: String] = [:]
        var passed = 0
        for line in run.lines {
            let spec = try JSONValue(parsing: line)
            let file = try #require(spec["file"]?.stringValue)
            if let reason = spec["skip"]?.stringValue {
                skipped[file] = reason
                continue
            }
            #expect(spec["agrees"] == true, "\(file): the reading of holder_disclosed_claims disagrees with expect_verified_user_claims")
            let issuerSigner = try Self.signer(spec["issuer_key"])
            let holderSigner = try Self.signer(spec["holder_key"])
            let keyBinding = spec["key_binding"] == true
            let sdJWT = try await SDJWTIssuer(decoyDigests: spec["decoys"] == true ? 2...5 : 0...0).issue(
                claims: try #require(spec["claims"]?.objectValue),
                disclosable: try #require(spec["disclosable"]?.arrayValue).compactMap(\.stringValue),
                holderKey: keyBinding ? holderSigner.verificationKey : nil, header: spec["header"]?.objectValue ?? [:], signer: issuerSigner)
            let holder = try SDJWTHolder(parsing: sdJWT.serialization)
            let disclosable = Set(try #require(spec["disclosable"]?.arrayValue).compactMap(\.stringValue))
            #expect(Set(holder.disclosurePaths) == disclosable, "\(file)")

            let selected = Set(try #require(spec["selected"]?.arrayValue).compactMap(\.stringValue))
            let chosen = zip(holder.sdJWT.disclosures, holder.disclosurePaths).filter { selected.contains($0.1) }.map(\.0)
            #expect(chosen.count == selected.count, "\(file)")
            let audience = try #require(spec["audience"]?.stringValue)
            let nonce = try #require(spec["nonce"]?.stringValue)
            let presentation =
                keyBinding
                ? try await holder.present(chosen, audience: audience, nonce: nonce, issuedAt: SDJWTFixtures.now, signer: holderSigner)
                : try holder.present(chosen)
            let clock = SDJWTFixtures.clock
            let verifier =
                sdJWT.issuerSigned.header["typ"] == "dc+sd-jwt"
                ? SDJWTVerifier.credentials(issuerKey: .key(issuerSigner.verificationKey), now: clock)
                : SDJWTVerifier(issuerKey: .key(issuerSigner.verificationKey), now: clock)
            let verified = try await verifier.verify(
                presentation.serialization, keyBinding: keyBinding ? .required(audience: audience, nonce: nonce) : .notRequired)
            var claims = verified.claims
            if keyBinding { claims["cnf"] = nil }
            #expect(JSONValue.object(claims) == spec["expected"], "\(file)")
            passed += 1
        }
        #expect(skipped == Self.outOfScope)
        #expect(passed == 31)
    }
}
