import Credentials
import Encoding

/// The `options` of `POST /credentials/verify` (VC API VerifyCredentialOptions). Unknown members are
/// refused (`unknown_option`), as the schema allows no others.
struct VerifyCredentialOptions {
    /// Include `problemDetails` (errors and warnings); default true, so a client learns why.
    var returnProblemDetails = true
    /// Include `results` for each step (validity period, status entries, proofs); default false.
    var returnResults = false
    /// Return the credential as verified; default false (VC API).
    var returnCredential = false

    /// The check names `options.checks` may list. The CCG verifier and Data Integrity suites send
    /// `checks: ["proof"]` (an option of earlier VC API drafts); Voltpass always runs every check,
    /// so a list only names checks that run anyway and never switches one off.
    static let checkNames: Set<String> = ["data_model", "proof", "validity_period", "status", "issuer_authority"]
}

extension VerifyCredentialOptions {
    /// Reads `options`; absent members keep their defaults.
    init(_ options: RequestBody) throws {
        try options.rejectUnknown(["returnProblemDetails", "returnResults", "returnCredential", "checks"])
        returnProblemDetails = try options.bool("returnProblemDetails") ?? true
        returnResults = try options.bool("returnResults") ?? false
        returnCredential = try options.bool("returnCredential") ?? false
        guard options.object["checks"] != nil else { return }
        guard case .array(let items)? = options.object["checks"] else {
            throw RequestBody.invalid(options.path + "/checks", "must be an array of check names")
        }
        for (index, item) in items.enumerated() where !Self.checkNames.contains(item.stringValue ?? "") {
            throw APIError(
                .badRequest, code: "unknown_option",
                "\(options.path)/checks/\(index) is not a check Voltpass runs (\(Self.checkNames.sorted().joined(separator: ", ")))")
        }
    }
}

/// The `options` of `POST /presentations/verify` (VC API VerifyPresentationOptions). The schema
/// lets implementations add options; Voltpass adds none, so any other member is `unknown_option`.
struct VerifyPresentationOptions {
    /// The challenge the presentation's proof must carry (required: replay protection).
    var challenge: String
    var domain: String?
    /// Return the presentation (and each credential's result with its credential); default false.
    var returnPresentation: Bool

    init(_ options: RequestBody) throws {
        try options.rejectUnknown(["challenge", "domain", "returnPresentation"])
        challenge = try options.requiredString("challenge")
        domain = try options.string("domain")
        returnPresentation = try options.bool("returnPresentation") ?? false
    }
}

/// How `POST /credentials/issue` secures a credential instead of a Data Integrity proof.
enum CredentialFormat: Equatable {
    /// `vc+jwt` or `vc+cose` (VC-JOSE-COSE): an enveloped credential.
    case enveloped(EnvelopeMediaType)
    /// `vc+sd-jwt`: an SD-JWT whose disclosable claims the holder reveals one by one.
    case sdJWT

    /// The format `name` names (with or without `application/`), nil for none Voltpass issues.
    init?(name: String) {
        if name.lowercased() == SDJWTCredential.type || name.lowercased() == SDJWTCredential.mediaType {
            self = .sdJWT
        } else if let mediaType = EnvelopeMediaType(name: name), !mediaType.isPresentation {
            self = .enveloped(mediaType)
        } else {
            return nil
        }
    }
}

/// The `options` of `POST /credentials/issue`: VC API IssueCredentialOptions (`credentialId`,
/// `mandatoryPointers`: an ecdsa-sd-2023 base proof for the holder, with those statements always
/// disclosed) and Voltpass's `cryptosuite`, `format`, `disclosable` (with `format` `vc+sd-jwt`) and
/// `statusLists`. Unknown members are `unknown_option`.
struct IssueCredentialOptions {
    var credentialId: String?
    var cryptosuite: String?
    /// `vc+jwt`, `vc+cose` (VC-JOSE-COSE) or `vc+sd-jwt` instead of a Data Integrity proof.
    var format: CredentialFormat?
    /// The JSON pointers of the claims a `vc+sd-jwt` makes selectively disclosable; nil for the
    /// default (every member of the credential subject but `id` and `type`).
    var disclosable: [String]?
    var statusLists: [String]
    /// With ecdsa-sd-2023: the statements every credential the holder derives discloses.
    var mandatoryPointers: [String]?

    init(_ options: RequestBody) throws {
        try options.rejectUnknown(["credentialId", "mandatoryPointers", "cryptosuite", "format", "disclosable", "statusLists"])
        credentialId = try options.string("credentialId")
        cryptosuite = try options.string("cryptosuite")
        if options.object["mandatoryPointers"] != nil {
            guard case .array(let items)? = options.object["mandatoryPointers"], items.allSatisfy({ $0.stringValue != nil }) else {
                throw RequestBody.invalid(options.path + "/mandatoryPointers", "must be an array of JSON pointers (RFC 6901)")
            }
            guard cryptosuite == nil || cryptosuite == Cryptosuite.ecdsaSd2023.rawValue, options.object["format"] == nil else {
                throw RequestBody.invalid(options.path + "/mandatoryPointers", "is for the selective disclosure cryptosuite ecdsa-sd-2023")
            }
            mandatoryPointers = items.compactMap(\.stringValue)
            cryptosuite = Cryptosuite.ecdsaSd2023.rawValue
        }
        if let name = try options.string("format") {
            guard let format = CredentialFormat(name: name) else {
                throw APIError(
                    .badRequest, code: "unsupported_format",
                    "\(options.path)/format '\(name)' is not supported; use vc+jwt, vc+cose or vc+sd-jwt")
            }
            guard cryptosuite == nil else {
                throw APIError(
                    .badRequest, code: "unsupported_format",
                    "\(options.path)/format \(name) is secured by a JWS or COSE signature, not a Data Integrity cryptosuite; give one of the two")
            }
            self.format = format
        }
        if options.object["disclosable"] != nil {
            guard format == .sdJWT else {
                throw RequestBody.invalid(options.path + "/disclosable", "is for format vc+sd-jwt: the claims its holder may disclose one by one")
            }
            guard case .array(let items)? = options.object["disclosable"], items.allSatisfy({ $0.stringValue != nil }) else {
                throw RequestBody.invalid(options.path + "/disclosable", "must be an array of JSON pointers (RFC 6901)")
            }
            disclosable = items.compactMap(\.stringValue)
        }
        statusLists = try options.strings("statusLists")
    }
}
