import Encoding
import Foundation
import Testing
import VectorSupport

@testable import Credentials

/// The W3C VC 2.0 test suite's fixtures (test-suites/vcdm2-inputs): every `-ok` input passes, every
/// `-fail` and `-fail-or-inject` input fails with the expected code. Credential fixtures are issuer
/// inputs (the suite's issuer adds `issuer`), so they are checked in issuance mode.
@Suite struct DataModelFixtureTests {
    /// The code each failing fixture must produce (among its problems).
    static let expectedCodes: [String: String] = [
        "credential-context-combo3-fail.json": "invalid_context",
        "credential-context-combo4-fail.json": "invalid_context",
        "credential-evidence-missing-type-fail.json": "invalid_evidence",
        "credential-id-multi-fail.json": "invalid_id",
        "credential-id-nonidentifier-fail.json": "invalid_id",
        "credential-id-not-url-fail.json": "invalid_id",
        "credential-id-subject-multi-fail.json": "invalid_subject",
        "credential-issuer-no-url-fail.json": "invalid_issuer",
        "credential-issuer-null-fail.json": "invalid_issuer",
        "credential-issuer-object-id-no-url-fail.json": "invalid_issuer",
        "credential-issuer-object-id-null-fail.json": "invalid_issuer",
        "credential-missing-base-context-fail-or-inject.json": "invalid_context",
        "credential-missing-required-type-fail.json": "missing_type",
        "credential-no-context-fail-or-inject.json": "missing_context",
        "credential-no-issuer-fail.json": "invalid_subject",
        "credential-no-subject-fail.json": "missing_subject",
        "credential-no-type-fail.json": "missing_type",
        "credential-proof-missing-type-fail.json": "invalid_proof",
        "credential-redef-type-fail.json": "protected_term_redefinition",
        "credential-redef-type2-fail.json": "protected_term_redefinition",
        "credential-refresh-no-type-fail.json": "invalid_refresh_service",
        "credential-schema-no-id-fail.json": "invalid_schema",
        "credential-schema-no-type-fail.json": "invalid_schema",
        "credential-schema-non-url-id-fail.json": "invalid_schema",
        "credential-status-missing-type-fail.json": "invalid_status",
        "credential-status-multiple-id-fail.json": "invalid_status",
        "credential-status-nonurl-id-fail.json": "invalid_status",
        "credential-status-type-nonurl-fail.json": "invalid_status",
        "credential-subject-multiple-empty-fail.json": "invalid_subject",
        "credential-subject-no-claims-fail.json": "invalid_subject",
        "credential-termsofuse-missing-type-fail.json": "invalid_terms_of_use",
        "credential-termsofuse-no-type-fail.json": "invalid_terms_of_use",
        "credential-type-mapped-nonurl-fail.json": "invalid_type",
        "credential-type-unmapped-fail.json": "invalid_type",
        "credential-validUntil-validFrom-fail.json": "invalid_validity_period",
        "credential-validfrom-invalid-fail.json": "invalid_date",
        "credential-validuntil-invalid-fail.json": "invalid_date",
        "credential-description-extra-prop-en-fail.json": "invalid_language_value",
        "credential-name-extra-prop-en-fail.json": "invalid_language_value",
        "issuer-description-extra-prop-en-fail.json": "invalid_language_value",
        "issuer-name-extra-prop-en-fail.json": "invalid_language_value",
        "presentation-context-order-fail.json": "invalid_context",
        "presentation-enveloped-vc-missing-type-fail.json": "missing_type",
        "presentation-holder-fail.json": "invalid_holder",
        "presentation-holder-name-fail.json": "invalid_holder",
        "presentation-holder-object-fail.json": "invalid_holder",
        "presentation-missing-base-context-fail.json": "invalid_context",
        "presentation-missing-required-type-fail.json": "missing_type",
        "presentation-no-context-fail-or-inject.json": "missing_context",
        "presentation-no-type-fail.json": "missing_type",
        "presentation-vc-as-string-fail.json": "invalid_verifiable_credential",
        "presentation-vc-missing-required-type-fail.json": "missing_type",
    ]

    /// Fixture paths relative to the vectors root, with and without a verdict in the name.
    static func fixtures() throws -> [String] {
        let base = "test-suites/vcdm2-inputs"
        var names: [String] = []
        for folder in [base, base + "/names-and-descriptions"] {
            let url = try Vectors.url(folder)
            let files = try FileManager.default.contentsOfDirectory(atPath: url.path).filter { $0.hasSuffix(".json") }
            names += files.map { folder + "/" + $0 }
        }
        return names.sorted()
    }

    /// Loads a fixture, putting dates in for the suite's `PAST DATE` / `FUTURE DATE` placeholders
    /// as the suite does.
    static func problems(_ relativePath: String) throws -> [CredentialError] {
        let text = String(decoding: try Vectors.data(relativePath), as: UTF8.self)
            .replacingOccurrences(of: "\"PAST DATE\"", with: "\"2020-01-01T00:00:00Z\"")
            .replacingOccurrences(of: "\"FUTURE DATE\"", with: "\"2090-01-01T00:00:00Z\"")
        let value = try JSONValue(parsing: text)
        let name = (relativePath as NSString).lastPathComponent
        if name.hasPrefix("presentation-") {
            return DataModelValidator.validate(try Presentation(value))
        }
        return DataModelValidator.validate(try Credential(value), mode: .issuance)
    }

    @Test(.vectors) func everyOkFixturePasses() throws {
        let ok = try Self.fixtures().filter { $0.hasSuffix("-ok.json") }
        #expect(ok.count == 65)
        for path in ok {
            let problems = try Self.problems(path)
            #expect(problems.isEmpty, "\(path): \(problems)")
        }
    }

    @Test(.vectors) func everyFailFixtureFailsWithItsCode() throws {
        let failing = try Self.fixtures().filter { $0.hasSuffix("-fail.json") || $0.hasSuffix("-fail-or-inject.json") }
        #expect(failing.count == Self.expectedCodes.count)
        for path in failing {
            let name = (path as NSString).lastPathComponent
            let problems = try Self.problems(path)
            let expected = try #require(Self.expectedCodes[name], "no expected code for \(name)")
            #expect(problems.map(\.code).contains(expected), "\(name): \(problems)")
            #expect(problems.allSatisfy { $0.path?.hasPrefix("/") ?? false }, "\(name): \(problems)")
        }
    }

    @Test func problemsCarryPointersToTheOffendingValue() throws {
        let credential = try Credential(
            JSONValue(
                parsing: """
                    {"@context":["https://www.w3.org/ns/credentials/v2"],"type":["VerifiableCredential"],
                     "issuer":"did:example:1","validFrom":"2024-01-01","credentialSubject":[{"id":"did:example:2"},{}],
                     "credentialStatus":[{"type":"BitstringStatusListEntry"},{"id":"https://x.example/1"}]}
                    """))
        let problems = DataModelValidator.validate(credential)
        #expect(problems.map(\.code) == ["invalid_subject", "invalid_date", "invalid_status"])
        #expect(problems.map(\.path) == ["/credentialSubject/1", "/validFrom", "/credentialStatus/1/type"])
    }

    @Test func unknownExtensionTermsAndContextsAreAccepted() throws {
        let credential = try Credential(
            JSONValue(
                parsing: """
                    {"@context":["https://www.w3.org/ns/credentials/v2","https://vocab.battery.example/passport/v1"],
                     "type":["VerifiableCredential","BatteryPassportCredential"],"issuer":"did:example:maker",
                     "credentialSubject":{"id":"did:example:cell","stateOfHealth":{"value":97.5,"unit":"%"}},
                     "carbonFootprint":{"kgCO2ePerKWh":61.2}}
                    """))
        #expect(DataModelValidator.validate(credential).isEmpty)
    }

    @Test func securedModeRequiresTheIssuer() throws {
        let input = try Credential(
            JSONValue(
                parsing: #"{"@context":["https://www.w3.org/ns/credentials/v2"],"type":"VerifiableCredential","credentialSubject":{"a":1}}"#))
        #expect(DataModelValidator.validate(input, mode: .issuance).isEmpty)
        #expect(DataModelValidator.validate(input, mode: .secured).map(\.code) == ["missing_issuer"])
    }

    @Test func contextMustBeAnArray() throws {
        let credential = try Credential(
            JSONValue(
                parsing: #"{"@context":"https://www.w3.org/ns/credentials/v2","type":["VerifiableCredential"],"issuer":"did:example:1","credentialSubject":{"a":1}}"#))
        #expect(DataModelValidator.validate(credential).map(\.code) == ["invalid_context"])
    }
}
