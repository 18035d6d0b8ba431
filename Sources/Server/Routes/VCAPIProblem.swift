import Credentials
import Encoding

/// A verification problem as a VC API `ProblemDetails` entry (`type`, `title`, `detail`) with
/// Voltpass's extension members: the stable `code`, `severity`, and `path`, `credentialId` and
/// `check` when known. Warnings are entries too (VC API: "ProblemDetails errors and warnings").
enum VCAPIProblem {
    enum Severity: String {
        case error, warning
    }

    static func entry(_ problem: VerificationProblem, severity: Severity) -> JSONValue {
        let type = ProblemType(code: problem.code)
        var object: JSONObject = [
            "type": .string(type.uri), "title": .string(type.standardName ?? problem.code), "detail": .string(problem.message),
            "code": .string(problem.code), "severity": .string(severity.rawValue),
        ]
        if let path = problem.path { object["path"] = .string(path) }
        if let credentialId = problem.credentialId { object["credentialId"] = .string(credentialId) }
        if let check = problem.check { object["check"] = .string(check) }
        return .object(object)
    }

    /// The result's failures (errors), then its warnings.
    static func entries(_ result: VerificationResult) -> [JSONValue] {
        result.failures.map { entry($0, severity: .error) } + result.warnings.map { entry($0, severity: .warning) }
    }
}
