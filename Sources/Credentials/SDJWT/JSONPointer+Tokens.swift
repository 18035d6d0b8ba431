import Encoding

extension JSONPointer {
    /// The reference tokens of `pointer` (RFC 6901), unescaped; nil when it is not a JSON pointer
    /// (it does not start with `/`, or a `~` is not followed by `0` or `1`). The empty pointer, the
    /// whole document, has no tokens.
    static func referenceTokens(_ pointer: String) -> [String]? {
        guard !pointer.isEmpty else { return [] }
        guard pointer.hasPrefix("/") else { return nil }
        var tokens: [String] = []
        for raw in pointer.dropFirst().split(separator: "/", omittingEmptySubsequences: false) {
            // Most tokens escape nothing.
            guard raw.utf8.contains(UInt8(ascii: "~")) else {
                tokens.append(String(raw))
                continue
            }
            var token = ""
            var escaping = false
            for character in raw {
                if escaping {
                    switch character {
                    case "0": token.append("~")
                    case "1": token.append("/")
                    default: return nil
                    }
                    escaping = false
                } else if character == "~" {
                    escaping = true
                } else {
                    token.append(character)
                }
            }
            guard !escaping else { return nil }
            tokens.append(token)
        }
        return tokens
    }

    /// `pointer` in its one escaped form, so pointers compare as text; nil when it is not one.
    static func normalized(_ pointer: String) -> String? {
        referenceTokens(pointer).map { $0.map { "/" + escape($0) }.joined() }
    }

    /// Whether the claim `pointer` names lies inside the one `ancestor` names (both normalized).
    static func isInside(_ pointer: String, _ ancestor: String) -> Bool {
        pointer.hasPrefix(ancestor + "/")
    }

    /// The value `pointer` (normalized) names inside `object`, if there is one.
    static func value(at pointer: String, in object: JSONObject) -> JSONValue? {
        guard let tokens = referenceTokens(pointer) else { return nil }
        var current = JSONValue.object(object)
        for token in tokens {
            switch current {
            case .object(let members):
                guard let member = members[token] else { return nil }
                current = member
            case .array(let elements):
                guard let index = Int(token), String(index) == token, elements.indices.contains(index) else { return nil }
                current = elements[index]
            default:
                return nil
            }
        }
        return current
    }
}
