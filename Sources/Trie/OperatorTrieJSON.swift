import Encoding
import Foundation

extension TrieCommit {
    /// `{"sequence","root","committedAt","changes","keyCount"}`, the time in RFC 3339 UTC with
    /// milliseconds; shared by the CLI's `--json` output and the HTTP API.
    public var json: JSONObject {
        [
            "sequence": .number(Double(sequence)), "root": .string(root.hex),
            "committedAt": .string(committedAt.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))),
            "changes": .number(Double(changes)), "keyCount": .number(Double(keyCount)),
        ]
    }
}

extension KeyProof {
    /// `{"root","key","value","member","proof","proofCBOR"}`: key and value in hex (value null for
    /// an absence proof), the proof as JSON steps (the reference library's format) and as CBOR
    /// Plutus data in hex.
    public var json: JSONObject {
        [
            "root": .string(root.hex), "key": .string(Hex.encode(key)), "value": value.map { .string(Hex.encode($0)) } ?? .null,
            "member": .bool(isMember), "proof": proof.toJSON(), "proofCBOR": .string(Hex.encode(proof.cbor())),
        ]
    }
}
