import Encoding
import Foundation
import Hummingbird
import Storage
import Trie

/// Public read side of the operators' tries: the current root with its history, and membership or
/// non-membership proofs that anyone can check against an anchored root.
struct TrieRoutes {
    /// The operators' tries (the passport service's, so reads share its open trie).
    let tries: OperatorTries

    /// The most commits one request returns.
    static let maxHistory = 1000

    func add(to router: Router<VoltpassRequestContext>) {
        // GET /operators/{id}/trie/root[?history=N]: root, key count, the newest N commits (default 10).
        router.get("operators/:operator/trie/root") { request, context -> Response in
            let operatorID = try Self.operatorID(context)
            let limit = try Self.historyLimit(request)
            let commits = try await Self.found(operatorID) { try await tries.history(operator: operatorID, limit: limit) }
            guard let latest = commits.first else { throw Self.notFound(operatorID) }
            return .json([
                "operator": .string(operatorID), "root": .string(latest.root.hex), "keyCount": .number(Double(latest.keyCount)),
                "history": .array(commits.map { .object($0.json) }),
            ])
        }
        // GET /operators/{id}/trie/proofs/{key}[?encoding=hex]: the key as UTF-8 (percent-decoded) or hex.
        router.get("operators/:operator/trie/proofs/:key") { request, context -> Response in
            let operatorID = try Self.operatorID(context)
            let key = try Self.key(request, context)
            let proof = try await Self.found(operatorID) { try await tries.proof(for: key, operator: operatorID) }
            var document = proof.json
            document["operator"] = .string(operatorID)
            return .json(.object(document))
        }
    }

    private static func operatorID(_ context: VoltpassRequestContext) throws -> String {
        let raw = try context.parameters.require("operator")
        guard let decoded = raw.removingPercentEncoding, !decoded.isEmpty else {
            throw APIError(.badRequest, code: "invalid_operator", "the operator id '\(raw)' is not valid percent-encoded UTF-8")
        }
        return decoded
    }

    private static func key(_ request: Request, _ context: VoltpassRequestContext) throws -> [UInt8] {
        let raw = try context.parameters.require("key")
        guard let decoded = raw.removingPercentEncoding else {
            throw APIError(.badRequest, code: "invalid_key", "the key '\(raw)' is not valid percent-encoded UTF-8")
        }
        switch request.uri.queryParameters.get("encoding") ?? "utf8" {
        case "utf8":
            return Array(decoded.utf8)
        case "hex":
            guard let bytes = try? Hex.decode(decoded) else {
                throw APIError(.badRequest, code: "invalid_key", "the key '\(decoded)' is not hex")
            }
            return bytes
        case let other:
            throw APIError(.badRequest, code: "invalid_encoding", "encoding must be utf8 or hex, not '\(other)'")
        }
    }

    private static func historyLimit(_ request: Request) throws -> Int {
        guard let text = request.uri.queryParameters.get("history") else { return 10 }
        guard let limit = Int(text), (1...maxHistory).contains(limit) else {
            throw APIError(.badRequest, code: "invalid_limit", "history must be an integer from 1 to \(maxHistory), not '\(text)'")
        }
        return limit
    }

    /// Runs `body`, reporting an operator without a trie as 404.
    private static func found<T>(_ operatorID: String, _ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as OperatorTrieError where error.code == "operator_not_found" {
            throw notFound(operatorID)
        }
    }

    private static func notFound(_ operatorID: String) -> APIError {
        APIError(.notFound, code: "operator_not_found", "operator '\(operatorID)' has no trie")
    }
}
