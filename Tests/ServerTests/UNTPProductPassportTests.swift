import Credentials
import Encoding
import Foundation
import HTTPTypes
import Hummingbird
import Identity
import ServerTestSupport
import Testing
import VectorSupport

/// The passport for machines that read the UN Transparency Protocol: the operator signs the
/// battery's public passport as a UNTP Digital Product Passport, anyone reads the signed copy, it
/// validates against the UNTP DPP 0.6.0 JSON schema (python-jsonschema, Draft 2020-12, formats
/// checked) and its proof verifies; the linkset points to it with UNTP's link type.
@Suite(.enabled(if: Vectors.shouldRun, "the UNTP schemas (vectors) are absent; set VOLTPASS_VECTORS"))
struct UNTPProductPassportTests {
    static let schema = "untp/tests-untp/schemas/digitalProductPassport/v0.6.0/schema.json"

    @Test func publishedProductPassportValidatesAndVerifies() async throws {
        try await withLiveServer { client, _, admin in
            let auth = HTTPFields.bearer(try await client.registerOperator("packmaker", admin: admin))
            var device = PassportFixtures.device(serial: "U-1", lot: "L7", key: SoftwareSigner.generate(.ed25519))
            device["owner"] = .string(DIDKey.did(for: SoftwareSigner.generate(.ed25519).verificationKey))
            _ = try await client.execute(
                uri: "/manufacturing/device/issue", method: .post, headers: auth, body: jsonBody(["operator": "packmaker", "device": .object(device)]))
            _ = try await client.execute(uri: "/operators/packmaker/anchor", method: .post, headers: auth)

            let before = try await client.execute(uri: "/passports/U-1/untp-dpp", method: .get)
            let refusal = try before.json["code"] as? String
            #expect(before.status == .notFound && refusal == "product_passport_not_published")
            #expect(try await client.execute(uri: "/passports/U-1/untp-dpp", method: .post).status == .unauthorized)
            let published = try await client.execute(uri: "/passports/U-1/untp-dpp", method: .post, headers: auth)
            #expect(published.status == .created && published.headers[.contentType] == "application/vc+ld+json")

            let served = try await client.execute(uri: "/passports/U-1/untp-dpp", method: .get)
            #expect(served.status == .ok)
            let document = try JSONValue(parsing: Array(buffer: served.body))
            let publishedDocument = try JSONValue(parsing: Array(buffer: published.body))
            #expect(document == publishedDocument, "the signed copy, as published")
            let product = document["credentialSubject"]?["product"]
            #expect(product?["serialNumber"] == "U-1" && product?["batchNumber"] == "L7" && product?["registeredId"] == "04012345000009")
            #expect(product?["characteristics"]?["batteryChemistry"]?["shortName"] == "LFP")
            #expect(product?["characteristics"]?["owner"] == nil && product?["characteristics"]?["stateOfHealthPerMille"] == nil, "public only")
            // The characteristics' terms name the Battery Pass data model's IRIs, in a context served at its own IRI.
            #expect(document["@context"]?.arrayValue?.last == "https://voltpass.dev/ns/untp-battery/v1")
            let context = try await client.execute(uri: "/ns/untp-battery/v1", method: .get).json
            let terms = try #require(context["@context"] as? [String: Any])
            #expect(terms["batteryChemistry"] as? String == "urn:samm:io.BatteryPass.MaterialComposition:1.2.0#batteryChemistry")
            #expect(terms["ratedCapacity"] as? String == "urn:samm:io.BatteryPass.Performance:1.2.0#ratedCapacity")
            // Each of those IRIs is a property of the published Battery Pass aspect models (v1.2).
            let properties = try BatteryPassModel.propertyIRIs()
            let mapped = terms.values.compactMap { $0 as? String }.filter { $0.hasPrefix("urn:samm:") }
            #expect(mapped.count == 10 && mapped.allSatisfy(properties.contains), "\(mapped.filter { !properties.contains($0) })")

            let validation = try ReferencePython.run(
                """
                import sys, json, jsonschema
                schema = json.load(open(sys.argv[1]))
                validator = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)
                errors = sorted(validator.iter_errors(json.load(sys.stdin)), key=lambda e: list(e.path))
                for error in errors: print('/'.join(map(str, error.path)), error.message)
                """, arguments: [try Vectors.url(Self.schema).path], input: String(buffer: served.body))
            #expect(validation.status == 0, "\(validation.error)")
            #expect(validation.lines == [], "UNTP DPP 0.6.0 schema: \(validation.lines)")

            let didDocument = try DIDDocument(
                parsing: Array(buffer: try await client.execute(uri: "/operators/packmaker/did.json", method: .get).body))
            let credential = Credential(try #require(document.objectValue))
            let verified = await Verifier.standard(resolver: OneDocument(document: didDocument)).verify(credential)
            #expect(verified.verified, "\(verified.failures)")

            let linkset = try await client.execute(uri: "/verify/device/U-1", method: .get, headers: [.accept: "application/linkset+json"]).json
            let links = try #require((linkset["linkset"] as? [[String: Any]])?.first)
            let dpp = try #require((links["https://test.uncefact.org/vocabulary/linkTypes/dpp"] as? [[String: Any]])?.first)
            #expect((dpp["href"] as? String)?.hasSuffix("/passports/https%3A%2F%2Fid%2Egs1%2Eorg%2F01%2F04012345000009%2F21%2FU%2D1/untp-dpp") == true)
        }
    }

    static let dteSchema = "untp/tests-untp/schemas/digitalTraceabilityEvent/v0.6.0/schema.json"

    /// The operator publishes the EPCIS events it signed about the battery (here its commissioning at
    /// end-of-line) as a UNTP Digital Traceability Event credential; anyone reads it, it validates
    /// against the DTE 0.6.0 schema and verifies; the resolver answers `linkType` and a request for a
    /// credential with a redirect to the link, as GS1 Digital Link resolvers do.
    @Test func publishedTraceabilityEventsValidateAndTheResolverRedirectsByLinkType() async throws {
        try await withLiveServer { client, _, admin in
            let auth = HTTPFields.bearer(try await client.registerOperator("packmaker", admin: admin))
            let device = PassportFixtures.device(serial: "U-2", lot: "L7", key: SoftwareSigner.generate(.ed25519))
            _ = try await client.execute(
                uri: "/manufacturing/device/issue", method: .post, headers: auth, body: jsonBody(["operator": "packmaker", "device": .object(device)]))
            _ = try await client.execute(uri: "/operators/packmaker/anchor", method: .post, headers: auth)

            let before = try await client.execute(uri: "/passports/U-2/untp-dte", method: .get)
            let refusal = try before.json["code"] as? String
            #expect(before.status == .notFound && refusal == "traceability_events_not_published")
            #expect(try await client.execute(uri: "/passports/U-2/untp-dte", method: .post).status == .unauthorized)
            let published = try await client.execute(uri: "/passports/U-2/untp-dte", method: .post, headers: auth)
            #expect(published.status == .created && published.headers[.contentType] == "application/vc+ld+json")
            let served = try await client.execute(uri: "/passports/U-2/untp-dte?issuer=packmaker", method: .get)
            #expect(served.status == .ok)
            let document = try JSONValue(parsing: Array(buffer: served.body))
            #expect(document == (try JSONValue(parsing: Array(buffer: published.body))), "the signed copy, as published")
            let event = try #require(document["credentialSubject"]?[0])
            #expect(event["type"] == ["ObjectEvent", "Event"] && event["action"] == "add")
            #expect(event["bizStep"] == "https://ref.gs1.org/cbv/BizStep-commissioning")
            #expect(event["epcList"]?[0]?["id"] == "https://id.gs1.org/01/04012345000009/21/U-2" && event["epcList"]?[0]?["name"] == "LFP-280Ah-Pack U-2")

            let validation = try ReferencePython.run(
                """
                import sys, json, jsonschema
                schema = json.load(open(sys.argv[1]))
                validator = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)
                for error in validator.iter_errors(json.load(sys.stdin)): print('/'.join(map(str, error.path)), error.message)
                """, arguments: [try Vectors.url(Self.dteSchema).path], input: String(buffer: served.body))
            #expect(validation.status == 0, "\(validation.error)")
            #expect(validation.lines == [], "UNTP DTE 0.6.0 schema: \(validation.lines)")
            let didDocument = try DIDDocument(
                parsing: Array(buffer: try await client.execute(uri: "/operators/packmaker/did.json", method: .get).body))
            let verified = await Verifier.standard(resolver: OneDocument(document: didDocument)).verify(Credential(try #require(document.objectValue)))
            #expect(verified.verified, "\(verified.failures)")

            // The resolver: the linkset names both UNTP links; linkType and Accept redirect to them.
            let path = "/01/04012345000009/21/U-2"
            let linkset = try await client.execute(uri: path + "?linkType=all", method: .get).json
            let links = try #require((linkset["linkset"] as? [[String: Any]])?.first)
            #expect(links["https://test.uncefact.org/vocabulary/linkTypes/dte"] != nil && links["https://test.uncefact.org/vocabulary/linkTypes/dpp"] != nil)
            let dte = try await client.execute(uri: path + "?linkType=untp:dte", method: .get)
            #expect(dte.status == .temporaryRedirect && dte.headers[.location]?.hasSuffix("/untp-dte") == true)
            let pip = try await client.execute(uri: path + "?linkType=https%3A%2F%2Fgs1.org%2Fvoc%2Fpip", method: .get)
            #expect(pip.status == .temporaryRedirect && pip.headers[.location]?.contains("/verify/device/") == true)
            let credential = try await client.execute(uri: path, method: .get, headers: [.accept: "application/vc+ld+json"])
            #expect(credential.status == .temporaryRedirect && credential.headers[.location]?.hasSuffix("/untp-dpp") == true)
            let unknown = try await client.execute(uri: path + "?linkType=gs1:certificationInfo", method: .get)
            let unknownCode = try unknown.json["code"] as? String
            #expect(unknown.status == .notFound && unknownCode == "link_type_not_found")
        }
    }
}
