import Encoding

/// A failure of the battery passport domain, with a stable code, e.g. `transition_not_allowed`,
/// `actor_not_authorized`, `leaf_malformed`, `device_exists`, `operator_not_found`.
public struct PassportError: CodedError, Equatable {
    public let code: String
    public let message: String

    public init(_ code: String, _ message: String) {
        self.code = code
        self.message = message
    }

    static func leafMalformed(_ message: String) -> PassportError { PassportError("leaf_malformed", message) }

    public static func operatorNotFound(_ id: String) -> PassportError {
        PassportError("operator_not_found", "no operator '\(id)' is registered")
    }

    public static func deviceNotFound(_ id: String) -> PassportError {
        PassportError("device_not_found", "no device '\(id)' is provisioned")
    }
}

/// A bare serial that names batteries of several GTINs or operators: the scan must give the full
/// identifier (a Digital Link), and the candidates' Digital Links say which ones there are. Never
/// answered with the first match, so nobody can shadow another operator's battery with its serial.
public struct AmbiguousIdentifier: CodedError, Equatable {
    /// The most candidates listed.
    public static let candidateLimit = 20

    public let serial: String
    /// The battery ids (canonical GS1 Digital Link URIs) the serial matches, at most ``candidateLimit``.
    public let candidates: [String]

    public init(serial: String, candidates: [String]) {
        self.serial = serial
        self.candidates = Array(candidates.prefix(Self.candidateLimit))
    }

    public var code: String { "ambiguous_identifier" }

    public var message: String {
        "the serial '\(serial)' names several batteries; scan or send the full Digital Link: "
            + candidates.joined(separator: ", ")
    }
}
