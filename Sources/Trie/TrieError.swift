import Encoding

/// A trie or proof failure with a stable code:
/// - `key_exists`: inserting a key the trie already holds;
/// - `key_not_found`: updating, deleting or proving membership of a key the trie does not hold;
/// - `proof_malformed`: a proof that cannot come from any trie, or bytes/JSON that are not a proof;
/// - `proof_mismatch`: a well-formed proof that does not lead to the expected root.
public struct TrieError: CodedError, Equatable {
    public let code: String
    public let message: String

    public init(code: String, message: String) {
        self.code = code
        self.message = message
    }

    static func malformed(_ message: String) -> TrieError {
        TrieError(code: "proof_malformed", message: message)
    }

    static func mismatch(_ message: String) -> TrieError {
        TrieError(code: "proof_mismatch", message: message)
    }

    static func keyExists(_ key: [UInt8]) -> TrieError {
        TrieError(code: "key_exists", message: "the trie already holds key \(Hex.encode(key))")
    }

    static func keyNotFound(_ key: [UInt8]) -> TrieError {
        TrieError(code: "key_not_found", message: "the trie holds no key \(Hex.encode(key))")
    }
}
