import Encoding

/// The term definitions a credential's `@context` establishes, worked out without a JSON-LD
/// processor: enough to tell whether a `type` value is a defined term and whether an inline
/// context redefines a protected term. Remote contexts other than the two VC 2.0 ones are not
/// fetched; a document that uses one may define any term, so its terms are accepted (REQ-NF04).
struct ContextTerms {
    static let credentialsV2 = "https://www.w3.org/ns/credentials/v2"
    /// The VC Data Model 1.1 base context (legacy credentials, verified only).
    static let credentialsV1 = "https://www.w3.org/2018/credentials/v1"
    static let examplesV2 = "https://www.w3.org/ns/credentials/examples/v2"

    /// The top-level terms of the VC 2.0 base context, all protected (`@protected: true` there).
    static let credentialsV2Terms: Set<String> = [
        "id", "type", "description", "digestMultibase", "digestSRI", "mediaType", "name",
        "VerifiableCredential", "VerifiablePresentation", "EnvelopedVerifiableCredential",
        "EnvelopedVerifiablePresentation", "JsonSchemaCredential", "JsonSchema", "BitstringStatusListCredential",
        "BitstringStatusList", "BitstringStatusListEntry", "DataIntegrityProof", "_sd", "_sd_alg", "aud", "cnf",
        "exp", "iat", "iss", "jku", "kid", "nbf", "sub", "x5u", "...",
    ]

    private enum Definition: Equatable {
        case base
        case iri(String?)
    }

    private static let baseDefinitions = Dictionary(uniqueKeysWithValues: credentialsV2Terms.map { ($0, Definition.base) })

    private var definitions: [String: Definition] = [:]
    private var protected: Set<String> = []
    private var vocabulary: String?
    private var open = false
    /// Redefinitions of protected terms found while reading the context, with their paths.
    private(set) var problems: [CredentialError] = []

    /// Reads the `@context` entries in order (invalid entries are ignored here; the validator
    /// reports them).
    init(_ context: [JSONValue]) {
        for (index, entry) in context.enumerated() {
            switch entry {
            case .string(Self.credentialsV2):
                if definitions.isEmpty {
                    definitions = Self.baseDefinitions
                    protected = Self.credentialsV2Terms
                } else {
                    for term in Self.credentialsV2Terms { definitions[term] = .base }
                    protected.formUnion(Self.credentialsV2Terms)
                }
            case .string(Self.examplesV2):
                vocabulary = "https://www.w3.org/ns/credentials/examples#"
            case .string:
                open = true
            case .object(let object):
                read(object, path: "/@context/\(index)")
            default:
                break
            }
        }
    }

    private mutating func read(_ object: JSONObject, path: String) {
        // A context wrapped in its own `@context` entry is that context (as JSON-LD processors read it).
        if let wrapped = object["@context"] {
            for (index, inner) in (wrapped.arrayValue ?? [wrapped]).enumerated() {
                if let innerObject = inner.objectValue { read(innerObject, path: path + "/@context" + (wrapped.arrayValue == nil ? "" : "/\(index)")) }
                if inner.stringValue != nil { open = true }
            }
            return
        }
        let protects = object["@protected"]?.boolValue ?? false
        if let vocab = object["@vocab"] {
            vocabulary = vocab.stringValue
        }
        for (term, value) in object where !term.hasPrefix("@") {
            let definition: Definition =
                switch value {
                case .string(let iri): .iri(iri)
                case .object(let expanded): .iri(expanded["@id"]?.stringValue)
                default: .iri(nil)
                }
            if protected.contains(term), definitions[term] != definition {
                problems.append(
                    CredentialError(
                        "protected_term_redefinition", "the context redefines the protected term '\(term)'",
                        path: path + "/" + JSONPointer.escape(term)))
                continue
            }
            definitions[term] = definition
            if protects { protected.insert(term) }
        }
    }

    /// Why `value` is not usable as a `type` value, or nil when it is a defined term or an absolute URL.
    func typeProblem(_ value: String) -> String? {
        switch definitions[value] {
        case .base: return nil
        case .iri(let iri?):
            return URLSyntax.isURL(iri) ? nil : "the type '\(value)' maps to '\(iri)', which is not a URL"
        case .iri(nil):
            return "the type '\(value)' is defined as null"
        case nil:
            if URLSyntax.isURL(value) || vocabulary != nil || open { return nil }
            return "the type '\(value)' is not defined by the @context and is not a URL"
        }
    }
}

/// JSON Pointer (RFC 6901) helpers.
enum JSONPointer {
    /// Escapes one reference token (`~` → `~0`, `/` → `~1`).
    static func escape(_ token: String) -> String {
        // Most tokens have neither character: they are their own escaped form.
        guard token.utf8.contains(where: { $0 == UInt8(ascii: "~") || $0 == UInt8(ascii: "/") }) else { return token }
        var escaped = ""
        for character in token {
            switch character {
            case "~": escaped += "~0"
            case "/": escaped += "~1"
            default: escaped.append(character)
            }
        }
        return escaped
    }
}

/// The URL test of the data model: an absolute URI (RFC 3986 scheme, then no spaces or characters
/// URIs never contain), such as `https://…`, `did:…` or `urn:uuid:…`.
enum URLSyntax {
    static func isURL(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard let colon = bytes.firstIndex(of: UInt8(ascii: ":")), colon > 0, colon + 1 < bytes.count else {
            return false
        }
        guard isAlpha(bytes[0]) else { return false }
        for byte in bytes[1..<colon] where !(isAlpha(byte) || (0x30...0x39).contains(byte) || byte == 0x2B || byte == 0x2D || byte == 0x2E) {
            return false
        }
        for byte in bytes[(colon + 1)...] {
            switch byte {
            case 0...0x20, 0x7F, UInt8(ascii: "<"), UInt8(ascii: ">"), UInt8(ascii: "\""), UInt8(ascii: "{"),
                UInt8(ascii: "}"), UInt8(ascii: "|"), UInt8(ascii: "\\"), UInt8(ascii: "^"), UInt8(ascii: "`"):
                return false
            default:
                continue
            }
        }
        return true
    }

    private static func isAlpha(_ byte: UInt8) -> Bool {
        (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte)
    }
}
