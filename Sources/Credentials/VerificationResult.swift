import Encoding
import Foundation

/// One reason a credential or presentation did not verify, or a warning about it.
public struct VerificationProblem: Sendable, Hashable, Codable {
    /// Stable machine code: snake_case (`invalid_issuer`, `revoked`) or a Data Integrity error
    /// name (`PROOF_VERIFICATION_ERROR`, `INVALID_CHALLENGE_ERROR`).
    public var code: String
    /// What was wrong, for people.
    public var message: String
    /// The `id` of the credential (or presentation) concerned, when it has one.
    public var credentialId: String?
    /// JSON Pointer (RFC 6901) to the offending value inside that credential, e.g. `/validFrom`.
    public var path: String?
    /// The name of the check that found it (`proof`, `status`, …); the verifier fills it in.
    public var check: String?

    public init(code: String, message: String, credentialId: String? = nil, path: String? = nil, check: String? = nil) {
        self.code = code
        self.message = message
        self.credentialId = credentialId
        self.path = path
        self.check = check
    }

    /// The problem as JSON (`path` and `credentialId` only when known).
    public var json: JSONValue {
        var object: JSONObject = ["code": .string(code), "message": .string(message)]
        if let credentialId { object["credentialId"] = .string(credentialId) }
        if let path { object["path"] = .string(path) }
        return .object(object)
    }
}

/// What one policy found about one credential.
public struct PolicyOutcome: Sendable, Hashable {
    /// Reasons to reject; any failure makes the verification fail.
    public var failures: [VerificationProblem]
    /// Things the relying party should know that do not reject the credential.
    public var warnings: [VerificationProblem]

    public init(failures: [VerificationProblem] = [], warnings: [VerificationProblem] = []) {
        self.failures = failures
        self.warnings = warnings
    }

    /// Nothing to report.
    public static let passed = PolicyOutcome()

    /// One failure.
    public static func failed(_ code: String, _ message: String, path: String? = nil) -> PolicyOutcome {
        PolicyOutcome(failures: [VerificationProblem(code: code, message: message, path: path)])
    }

    /// One warning.
    public static func warning(_ code: String, _ message: String, path: String? = nil) -> PolicyOutcome {
        PolicyOutcome(warnings: [VerificationProblem(code: code, message: message, path: path)])
    }

    /// Both outcomes' failures and warnings.
    public mutating func merge(_ other: PolicyOutcome) {
        failures += other.failures
        warnings += other.warnings
    }
}

/// The answer of the `Verifier`: one verdict, every failure and warning with the credential and
/// path it concerns, and which checks ran. Serializable (`json`, `Codable`) for the audit trail.
public struct VerificationResult: Sendable, Hashable, Codable {
    /// True when no policy reported a failure.
    public var verified: Bool
    /// The names of the policies that ran, in order (e.g. `data_model`, `proof`, `validity_period`).
    public var checks: [String]
    /// The ids of the credentials (and presentation) examined, in order; absent ids are skipped.
    public var credentialIds: [String]
    public var failures: [VerificationProblem]
    public var warnings: [VerificationProblem]
    /// When the verification ran, as an XML Schema dateTimeStamp.
    public var verifiedAt: String

    public init(
        checks: [String], credentialIds: [String], failures: [VerificationProblem], warnings: [VerificationProblem],
        verifiedAt: Date
    ) {
        self.verified = failures.isEmpty
        self.checks = checks
        self.credentialIds = credentialIds
        self.failures = failures
        self.warnings = warnings
        self.verifiedAt = XSDDateTime.format(verifiedAt)
    }

    /// The failure codes, in order (handy for tests and logs).
    public var failureCodes: [String] { failures.map(\.code) }
    /// The warning codes, in order.
    public var warningCodes: [String] { warnings.map(\.code) }

    /// The result as a JSON document.
    public var json: JSONValue {
        .object([
            "verified": .bool(verified),
            "checks": .array(checks.map { .string($0) }),
            "credentialIds": .array(credentialIds.map { .string($0) }),
            "failures": .array(failures.map(\.json)),
            "warnings": .array(warnings.map(\.json)),
            "verifiedAt": .string(verifiedAt),
        ])
    }
}
