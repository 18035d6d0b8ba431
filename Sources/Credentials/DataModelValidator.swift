import Encoding

/// Checks the MUSTs of the VC Data Model 2.0 that the W3C test suite checks, without a JSON-LD
/// processor; a secured credential whose first context is the VC 1.1 one (verified, never issued)
/// is held to VC 1.1's dates instead (`issuanceDate` required, `expirationDate`). Properties it does
/// not know are left alone (REQ-NF04). Each problem has a code and a JSON Pointer path.
public enum DataModelValidator {
    /// Whether the document is an issuer's input or a finished credential.
    public enum Mode: Sendable {
        /// Input to issuance: `issuer` (or its `id`) may be absent, since the issuer fills it in.
        case issuance
        /// A secured credential: `issuer` is required.
        case secured
    }

    /// Every data model problem of a credential; empty when it conforms.
    public static func validate(_ credential: Credential, mode: Mode = .secured) -> [CredentialError] {
        var checker = Checker(prefix: "")
        checker.credential(credential.json, mode: mode)
        return checker.problems
    }

    /// Every data model problem of a presentation and, unless told otherwise, of the credentials
    /// embedded in it (paths then start with `/verifiableCredential/<n>`).
    public static func validate(_ presentation: Presentation, includingCredentials: Bool = true) -> [CredentialError] {
        var checker = Checker(prefix: "")
        checker.presentation(presentation.json, includingCredentials: includingCredentials)
        return checker.problems
    }
}

private struct Checker {
    let prefix: String
    var problems: [CredentialError] = []

    init(prefix: String) {
        self.prefix = prefix
    }

    mutating func fail(_ code: String, _ message: String, _ path: String) {
        problems.append(CredentialError(code, message, path: prefix + path))
    }

    // MARK: documents

    mutating func credential(_ json: JSONObject, mode: Mode) {
        let terms = context(json, allowingDataModel11: mode == .secured)
        identifier(json["id"], at: "/id", code: "invalid_id")
        types(json, required: "VerifiableCredential", terms: terms)
        languageValues(json, at: "")
        issuer(json["issuer"], mode: mode)
        subjects(json["credentialSubject"])
        validity(json)
        typedEntries(json["credentialStatus"], at: "/credentialStatus", code: "invalid_status", idRequired: false, terms: terms)
        typedEntries(json["credentialSchema"], at: "/credentialSchema", code: "invalid_schema", idRequired: true, terms: terms)
        typedEntries(json["termsOfUse"], at: "/termsOfUse", code: "invalid_terms_of_use", idRequired: false, terms: terms)
        typedEntries(json["evidence"], at: "/evidence", code: "invalid_evidence", idRequired: false, terms: terms)
        typedEntries(json["refreshService"], at: "/refreshService", code: "invalid_refresh_service", idRequired: false, terms: terms)
        typedEntries(json["proof"], at: "/proof", code: "invalid_proof", idRequired: false, terms: terms)
        relatedResources(json["relatedResource"])
    }

    typealias Mode = DataModelValidator.Mode

    mutating func presentation(_ json: JSONObject, includingCredentials: Bool) {
        let terms = context(json)
        identifier(json["id"], at: "/id", code: "invalid_id")
        types(json, required: "VerifiablePresentation", terms: terms)
        if let holder = json["holder"] {
            switch holder {
            case .string(let id) where URLSyntax.isURL(id): break
            case .object(let object):
                if let id = object["id"]?.stringValue, URLSyntax.isURL(id) {
                    languageValues(object, at: "/holder")
                } else {
                    fail("invalid_holder", "a holder object needs an 'id' that is a URL", "/holder/id")
                }
            default:
                fail("invalid_holder", "'holder' must be a URL or an object with a URL 'id'", "/holder")
            }
        }
        typedEntries(json["proof"], at: "/proof", code: "invalid_proof", idRequired: false, terms: terms)
        guard let carried = json["verifiableCredential"] else { return }
        let entries = carried.arrayValue ?? [carried]
        let pathOf = { (index: Int) in carried.arrayValue == nil ? "/verifiableCredential" : "/verifiableCredential/\(index)" }
        for (index, entry) in entries.enumerated() {
            guard let object = entry.objectValue else {
                fail(
                    "invalid_verifiable_credential",
                    "each 'verifiableCredential' entry must be a credential object, not a \(kind(entry))", pathOf(index))
                continue
            }
            let types = Credential.strings(object["type"])
            if types.contains("EnvelopedVerifiableCredential") {
                if !(object["id"]?.stringValue?.hasPrefix("data:") ?? false) {
                    fail("invalid_enveloped_credential", "an enveloped credential's 'id' must be a data: URL", pathOf(index) + "/id")
                }
                continue
            }
            guard includingCredentials else { continue }
            var nested = Checker(prefix: prefix + pathOf(index))
            nested.credential(object, mode: .secured)
            problems += nested.problems
        }
    }

    // MARK: properties

    /// The document's contexts; a credential may also start with the VC 1.1 context (`allowingDataModel11`).
    mutating func context(_ json: JSONObject, allowingDataModel11: Bool = false) -> ContextTerms {
        guard let value = json["@context"] else {
            fail("missing_context", "'@context' is required", "/@context")
            return ContextTerms([])
        }
        guard let entries = value.arrayValue else {
            fail("invalid_context", "'@context' must be an array starting with \(ContextTerms.credentialsV2)", "/@context")
            return ContextTerms([value])
        }
        let first = entries.first?.stringValue
        if first != ContextTerms.credentialsV2, !(allowingDataModel11 && first == ContextTerms.credentialsV1) {
            fail("invalid_context", "the first '@context' item must be \(ContextTerms.credentialsV2)", "/@context/0")
        }
        for (index, entry) in entries.enumerated().dropFirst() {
            switch entry {
            case .string(let url) where URLSyntax.isURL(url): break
            case .object: break
            default:
                fail("invalid_context", "each '@context' item must be a URL or a context object", "/@context/\(index)")
            }
        }
        let terms = ContextTerms(entries)
        problems += terms.problems.map { CredentialError($0.code, $0.message, path: prefix + ($0.path ?? "")) }
        return terms
    }

    mutating func identifier(_ value: JSONValue?, at path: String, code: String) {
        guard let value else { return }
        guard let id = value.stringValue, URLSyntax.isURL(id) else {
            fail(code, "'\(path.split(separator: "/").last ?? "id")' must be a single URL", path)
            return
        }
    }

    mutating func types(_ json: JSONObject, required: String, terms: ContextTerms) {
        guard let value = json["type"] else {
            fail("missing_type", "'type' is required and must include \(required)", "/type")
            return
        }
        let values: [JSONValue] = value.arrayValue ?? [value]
        for (index, entry) in values.enumerated() {
            let path = value.arrayValue == nil ? "/type" : "/type/\(index)"
            guard let type = entry.stringValue else {
                fail("invalid_type", "'type' values must be strings", path)
                continue
            }
            if let problem = terms.typeProblem(type) { fail("invalid_type", problem, path) }
        }
        if !values.contains(.string(required)) {
            fail("missing_type", "'type' must include \(required)", "/type")
        }
    }

    mutating func languageValues(_ json: JSONObject, at path: String) {
        for name in ["name", "description"] {
            guard let value = json[name] else { continue }
            let entries = value.arrayValue ?? [value]
            for (index, entry) in entries.enumerated() where !isLanguageValue(entry) {
                fail(
                    "invalid_language_value",
                    "'\(name)' must be a string or a language value object (@value, @language, @direction)",
                    path + "/" + name + (value.arrayValue == nil ? "" : "/\(index)"))
            }
        }
    }

    func isLanguageValue(_ value: JSONValue) -> Bool {
        if value.stringValue != nil { return true }
        guard let object = value.objectValue, object["@value"]?.stringValue != nil else { return false }
        for (key, member) in object {
            switch key {
            case "@value": break
            case "@language": if member.stringValue == nil { return false }
            case "@direction": if !["ltr", "rtl"].contains(member.stringValue ?? "") { return false }
            default: return false
            }
        }
        return true
    }

    mutating func issuer(_ value: JSONValue?, mode: Mode) {
        switch value {
        case nil:
            if mode == .secured { fail("missing_issuer", "'issuer' is required", "/issuer") }
        case .string(let id):
            if !URLSyntax.isURL(id) { fail("invalid_issuer", "'issuer' must be a URL, such as a DID", "/issuer") }
        case .object(let object):
            if let id = object["id"] {
                if !(id.stringValue.map(URLSyntax.isURL) ?? false) {
                    fail("invalid_issuer", "the issuer's 'id' must be a URL, such as a DID", "/issuer/id")
                }
            } else if mode == .secured {
                fail("invalid_issuer", "an issuer object needs an 'id'", "/issuer/id")
            }
            languageValues(object, at: "/issuer")
        default:
            fail("invalid_issuer", "'issuer' must be a URL or an object with a URL 'id'", "/issuer")
        }
    }

    mutating func subjects(_ value: JSONValue?) {
        guard let value else {
            fail("missing_subject", "'credentialSubject' is required", "/credentialSubject")
            return
        }
        let entries = value.arrayValue ?? [value]
        if entries.isEmpty { fail("invalid_subject", "'credentialSubject' must not be empty", "/credentialSubject") }
        for (index, entry) in entries.enumerated() {
            let path = value.arrayValue == nil ? "/credentialSubject" : "/credentialSubject/\(index)"
            guard let subject = entry.objectValue else {
                fail("invalid_subject", "each credential subject must be an object", path)
                continue
            }
            if subject.isEmpty {
                fail("invalid_subject", "a credential subject must make at least one claim", path)
            }
            identifier(subject["id"], at: path + "/id", code: "invalid_subject")
        }
    }

    mutating func validity(_ json: JSONObject) {
        let dataModel11 = json["@context"]?[0]?.stringValue == ContextTerms.credentialsV1
        let (start, end) = dataModel11 ? ("issuanceDate", "expirationDate") : ("validFrom", "validUntil")
        if dataModel11, json[start] == nil {
            fail("missing_issuance_date", "a VC 1.1 credential needs 'issuanceDate'", "/issuanceDate")
        }
        var dates: [String: Double] = [:]
        for name in [start, end] {
            guard let value = json[name] else { continue }
            guard let text = value.stringValue, let date = XSDDateTime.parse(text) else {
                fail("invalid_date", "'\(name)' must be an XML Schema dateTimeStamp with a time zone", "/" + name)
                continue
            }
            dates[name] = date.timeIntervalSince1970
        }
        if let from = dates[start], let until = dates[end], from > until {
            fail("invalid_validity_period", "'\(start)' is later than '\(end)'", "/" + end)
        }
    }

    mutating func typedEntries(
        _ value: JSONValue?, at path: String, code: String, idRequired: Bool, terms: ContextTerms
    ) {
        guard let value else { return }
        let entries = value.arrayValue ?? [value]
        for (index, entry) in entries.enumerated() {
            let entryPath = value.arrayValue == nil ? path : "\(path)/\(index)"
            guard let object = entry.objectValue else {
                fail(code, "each entry must be an object", entryPath)
                continue
            }
            switch object["type"] {
            case nil:
                fail(code, "'type' is required", entryPath + "/type")
            case let type?:
                let values = type.arrayValue ?? [type]
                if values.isEmpty { fail(code, "'type' must not be empty", entryPath + "/type") }
                for item in values {
                    guard let name = item.stringValue else {
                        fail(code, "'type' values must be strings", entryPath + "/type")
                        continue
                    }
                    if let problem = terms.typeProblem(name) { fail(code, problem, entryPath + "/type") }
                }
            }
            if let id = object["id"] {
                if !(id.stringValue.map(URLSyntax.isURL) ?? false) {
                    fail(code, "'id' must be a single URL", entryPath + "/id")
                }
            } else if idRequired {
                fail(code, "'id' is required", entryPath + "/id")
            }
        }
    }

    mutating func relatedResources(_ value: JSONValue?) {
        guard let value else { return }
        let entries = value.arrayValue ?? [value]
        var seen: Set<String> = []
        for (index, entry) in entries.enumerated() {
            let path = value.arrayValue == nil ? "/relatedResource" : "/relatedResource/\(index)"
            guard let object = entry.objectValue, let id = object["id"]?.stringValue, URLSyntax.isURL(id) else {
                fail("invalid_related_resource", "each related resource needs an 'id' that is a URL", path)
                continue
            }
            if !seen.insert(id).inserted {
                fail("invalid_related_resource", "the related resource \(id) is listed twice", path + "/id")
            }
            if object["digestSRI"]?.stringValue == nil, object["digestMultibase"]?.stringValue == nil {
                fail("invalid_related_resource", "a related resource needs 'digestSRI' or 'digestMultibase'", path)
            }
        }
    }

    func kind(_ value: JSONValue) -> String {
        switch value {
        case .null: "null"
        case .bool: "boolean"
        case .number: "number"
        case .string: "string"
        case .array: "array"
        case .object: "object"
        }
    }
}
