import Credentials
import Encoding
import Foundation

/// Chain integrity (REQ-F04, REQ-F09): follows the `predecessors` links of a credential's subject
/// back through every earlier custody step, fetching each credential by id, and verifies each one.
/// Each break is named by its own code and the credential where the chain broke:
/// - `broken_link`: a link that is not a credential id, or that resolves to a credential with
///   another id (the link's credential, which holds the bad link);
/// - `missing_predecessor`: a link to a credential that cannot be retrieved (the linking credential);
/// - `predecessor_signature_invalid`: a predecessor whose proof fails (the predecessor);
/// - `predecessor_revoked` / `predecessor_suspended`: a predecessor whose status says so (the predecessor);
/// - `predecessor_invalid`: any other failure of a predecessor (data model, validity period, status
///   unobtainable), with the underlying codes in the message;
/// - `chain_cycle`: a link back to a credential still being followed;
/// - `chain_too_long`: more than `limit` predecessors.
public struct EventChainPolicy: CredentialPolicy {
    public var name: String { "chain" }
    public let fetcher: any CredentialFetcher
    /// Checks a predecessor's proof.
    public let proof: any CredentialPolicy
    /// Checks a predecessor's status, when status is checked.
    public let status: (any CredentialPolicy)?
    /// Further checks of each predecessor (data model, validity period, …).
    public let others: [any CredentialPolicy]
    /// The most predecessors followed for one credential.
    public let limit: Int

    public init(
        fetcher: any CredentialFetcher, proof: any CredentialPolicy, status: (any CredentialPolicy)?,
        others: [any CredentialPolicy] = [DataModelPolicy(), ValidityPeriodPolicy()], limit: Int = 100_000
    ) {
        self.fetcher = fetcher
        self.proof = proof
        self.status = status
        self.others = others
        self.limit = max(1, limit)
    }

    public func evaluate(_ credential: Credential, in context: VerificationContext) async -> PolicyOutcome {
        var walk = await follow(from: credential)
        let checks = await verify(walk.predecessors, in: context)
        walk.outcome.merge(checks)
        return walk.outcome
    }

    /// The ids a credential links to, from each of its subjects; a malformed member is reported.
    public static func links(of credential: Credential) -> (links: [String], problem: VerificationProblem?) {
        let subjects: [JSONValue] = credential.json["credentialSubject"].map { $0.arrayValue ?? [$0] } ?? []
        var links: [String] = []
        for (index, subject) in subjects.enumerated() {
            guard let member = subject[VSCVocabulary.predecessorsTerm] else { continue }
            let base = subjects.count == 1 && credential.json["credentialSubject"]?.arrayValue == nil
                ? "/credentialSubject" : "/credentialSubject/\(index)"
            guard let values = member.arrayValue, values.allSatisfy({ $0.stringValue != nil }) else {
                return (
                    links,
                    VerificationProblem(
                        code: "broken_link", message: "predecessors must be an array of credential ids",
                        credentialId: credential.id, path: base + "/" + VSCVocabulary.predecessorsTerm)
                )
            }
            links += values.compactMap(\.stringValue)
        }
        return (links, nil)
    }

    private struct Walk {
        var predecessors: [Credential] = []
        var outcome = PolicyOutcome()
    }

    private enum Visit { case following, done }

    /// Depth-first over the links, without recursion; fetches each predecessor once.
    private func follow(from start: Credential) async -> Walk {
        var walk = Walk()
        let startKey = start.id ?? ""
        var visits: [String: Visit] = [startKey: .following]
        var stack: [(id: String, links: [String], next: Int)] = []
        func push(_ key: String, _ credential: Credential) {
            let (links, problem) = Self.links(of: credential)
            if let problem { walk.outcome.failures.append(problem) }
            stack.append((key, links, 0))
        }
        push(startKey, start)
        while let top = stack.last {
            guard top.next < top.links.count else {
                visits[top.id] = .done
                stack.removeLast()
                continue
            }
            stack[stack.count - 1].next += 1
            let link = top.links[top.next]
            let holder = top.id.isEmpty ? nil : top.id
            guard EventCredentialMapping.isCredentialID(link) else {
                walk.outcome.failures.append(
                    VerificationProblem(
                        code: "broken_link", message: "the link '\(link)' is not a credential id (a URI)",
                        credentialId: holder, path: "/credentialSubject/\(VSCVocabulary.predecessorsTerm)/\(top.next)"))
                continue
            }
            switch visits[link] {
            case .following?:
                walk.outcome.failures.append(
                    VerificationProblem(
                        code: "chain_cycle", message: "the link to \(link) leads back into the chain being followed",
                        credentialId: holder))
                continue
            case .done?:
                continue
            case nil:
                break
            }
            visits[link] = .done
            guard walk.predecessors.count < limit else {
                walk.outcome.failures.append(
                    VerificationProblem(
                        code: "chain_too_long", message: "the chain has more than \(limit) predecessors; not followed further",
                        credentialId: holder))
                return walk
            }
            let fetched: Credential?
            do {
                fetched = try await fetcher.credential(id: link)
            } catch {
                walk.outcome.failures.append(
                    VerificationProblem(
                        code: "missing_predecessor", message: "the predecessor \(link) could not be retrieved: \(error)",
                        credentialId: holder))
                continue
            }
            guard let predecessor = fetched else {
                walk.outcome.failures.append(
                    VerificationProblem(
                        code: "missing_predecessor", message: "the predecessor \(link) cannot be retrieved",
                        credentialId: holder))
                continue
            }
            guard predecessor.id == link else {
                walk.outcome.failures.append(
                    VerificationProblem(
                        code: "broken_link",
                        message: "the link \(link) resolves to a credential whose id is \(predecessor.id ?? "absent")",
                        credentialId: holder))
                continue
            }
            visits[link] = .following
            walk.predecessors.append(predecessor)
            push(link, predecessor)
        }
        return walk
    }

    /// Runs the checks over every predecessor, on all cores, and names each failure by its chain code.
    private func verify(_ predecessors: [Credential], in context: VerificationContext) async -> PolicyOutcome {
        let workers = max(1, min(ProcessInfo.processInfo.activeProcessorCount, predecessors.count))
        let chunk = max(1, (predecessors.count + workers - 1) / workers)
        return await withTaskGroup(of: (Int, PolicyOutcome).self) { group in
            for start in stride(from: 0, to: predecessors.count, by: chunk) {
                let slice = predecessors[start..<min(start + chunk, predecessors.count)]
                group.addTask {
                    var outcome = PolicyOutcome()
                    for credential in slice { outcome.merge(await check(credential, in: context)) }
                    return (start, outcome)
                }
            }
            var parts: [(Int, PolicyOutcome)] = []
            for await part in group { parts.append(part) }
            var total = PolicyOutcome()
            for (_, outcome) in parts.sorted(by: { $0.0 < $1.0 }) { total.merge(outcome) }
            return total
        }
    }

    private func check(_ credential: Credential, in context: VerificationContext) async -> PolicyOutcome {
        let id = credential.id
        var outcome = PolicyOutcome()
        let proofOutcome = await proof.evaluate(credential, in: context)
        if !proofOutcome.failures.isEmpty {
            outcome.failures.append(
                VerificationProblem(
                    code: "predecessor_signature_invalid",
                    message: "the predecessor's proof does not verify: \(Self.summary(proofOutcome))", credentialId: id))
        }
        if let status {
            let statusOutcome = await status.evaluate(credential, in: context)
            let codes = Set(statusOutcome.failures.map(\.code))
            if codes.contains("revoked") {
                outcome.failures.append(
                    VerificationProblem(code: "predecessor_revoked", message: "the predecessor is revoked", credentialId: id))
            } else if codes.contains("suspended") {
                outcome.failures.append(
                    VerificationProblem(
                        code: "predecessor_suspended", message: "the predecessor is suspended", credentialId: id))
            } else if !codes.isEmpty {
                outcome.failures.append(
                    VerificationProblem(
                        code: "predecessor_invalid",
                        message: "the predecessor's status cannot be confirmed: \(Self.summary(statusOutcome))",
                        credentialId: id))
            }
        }
        var rest = PolicyOutcome()
        for policy in others { rest.merge(await policy.evaluate(credential, in: context)) }
        if !rest.failures.isEmpty {
            outcome.failures.append(
                VerificationProblem(
                    code: "predecessor_invalid", message: "the predecessor does not verify: \(Self.summary(rest))",
                    credentialId: id))
        }
        return outcome
    }

    private static func summary(_ outcome: PolicyOutcome) -> String {
        outcome.failures.map { "\($0.code) (\($0.message))" }.joined(separator: "; ")
    }
}
