import Credentials
import Logging

extension Logger {
    /// Writes a verification result as one `notice` log line (`audit=verification`): what was
    /// verified, the outcome, and every failure and warning code. With `--log-format json` these lines
    /// are the audit trail of who was checked, when, and why it failed.
    func audit(_ result: VerificationResult, of kind: String) {
        notice(
            "verification",
            metadata: [
                "audit": "verification",
                "kind": .string(kind),
                "verified": .stringConvertible(result.verified),
                "credentials": .array(result.credentialIds.map { .string($0) }),
                "failures": .array(result.failures.map { .string($0.code) }),
                "warnings": .array(result.warnings.map { .string($0.code) }),
                "verifiedAt": .string(result.verifiedAt),
            ])
    }
}
