import ArgumentParser
import Credentials
import Encoding
import Foundation
import Identity
import Passport

/// `voltpass passport verify BUNDLE --trust FILE` checks an offline bundle with no network;
/// `voltpass passport trust export` writes the trust file it needs.
struct PassportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "passport", abstract: "Battery passports offline.", subcommands: [Verify.self, Trust.self])

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Verify an offline bundle (GET /passports/{id}/bundle) with no network: exit 0 green, 1 red, 2 usage, 3 amber.",
            discussion: """
                Every credential proof, status (from the bundled status list snapshots), the ownership chain, the leaf \
                against the credentials, its trie proof against the root of the operator's signed anchor checkpoint, \
                and the lifecycle. The operator's signatures count only with keys pinned in the trust file (--trust, \
                made by `voltpass passport trust export`): the DID document a bundle carries is its own word. Without \
                the operator's keys pinned the result cannot be green: it is amber with issuer_key_unpinned and \
                anchor_unverified, and `unverified` names the checks that could not be made.

                Exit status: 0 green (everything checked and in order), 1 red (forged, revoked, recalled, recycled, \
                or anything that does not verify), 2 usage (unreadable bundle or trust file, bad option), 3 amber \
                (genuine as far as could be checked, but something needs attention or could not be verified).
                """)

        @Argument(help: "The bundle file, or - for standard input.")
        var bundle: String

        @Option(help: "The trust file: the operators' keys this verifier pins (see `voltpass passport trust export`).")
        var trust: String?

        @Option(help: "The plate token (base64url) scanned with the battery, to check it too.")
        var token: String?

        @Option(help: "Seconds after which a checkpoint is too old to vouch for the passport's current state (anchor_outdated, amber).")
        var maxAge: Int?

        @Flag(help: "Print one JSON document instead of text.")
        var json = false

        func run() async throws {
            let trustedKeys = try CLIInput.usage { try trust.map(PassportCommand.trustFile) ?? PinnedKeys() }
            let parsed = try CLIInput.usage { () throws -> PassportBundle in
                do {
                    return try PassportBundle(json: try JSONValue(parsing: try CLIInput.read(bundle)))
                } catch let error as JSONError {
                    throw CLIInput.UsageError(message: "\(bundle) is not JSON: \(error.message)")
                }
            }
            var tokenBytes: [UInt8]?
            if let token {
                guard let decoded = try? Base64URL.decode(token) else { throw ValidationError("--token must be base64url") }
                tokenBytes = decoded
            }
            if let maxAge, maxAge < 0 { throw ValidationError("--max-age must not be negative") }
            let verifier = PassportVerifier(trustedKeys: trustedKeys, maxCheckpointAge: maxAge.map(TimeInterval.init))
            let result = await verifier.verify(parsed, token: tokenBytes)
            if json {
                print(JSONValue.object(result.json).serializedString(pretty: true))
            } else {
                print("\(result.verdict.rawValue.uppercased()): \(result.batteryID)")
                for problem in result.failures {
                    let kind = PassportVerification.amberCodes.contains(problem.code) ? "attention" : "failure"
                    print("  \(kind) \(problem.code): \(problem.message)")
                }
                for problem in result.warnings { print("  warning \(problem.code): \(problem.message)") }
                if let anchor = parsed.anchor {
                    print("  anchor: checkpoint \(anchor.sequence) of \(XSDDateTime.format(anchor.issuedAt)), slot \(anchor.slot)")
                }
                print("  checks: \(result.checks.joined(separator: ", "))")
                if !result.unverified.isEmpty { print("  not verified: \(result.unverified.joined(separator: ", "))") }
            }
            switch result.verdict {
            case .green: return
            case .red: throw ExitCode(1)
            case .amber: throw ExitCode(3)
            }
        }
    }

    struct Trust: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Trust files: the operators' keys an offline verifier pins.", subcommands: [Export.self])
    }

    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write a trust file pinning the keys of operators, from their DID documents.",
            discussion: """
                Each DID is resolved (did:web over HTTPS, or http on localhost with --allow-http-localhost; did:key \
                locally), or read from a DID document file, and every key it authorizes for assertionMethod is pinned \
                with its validity (retired keys keep the time they were retired). Resolving trusts whoever answers: \
                compare the keys (`voltpass did resolve DID`) with the operator out of band before relying on the file.
                """)

        @Option(name: .customLong("did"), help: "An operator's DID to resolve and pin (repeatable).")
        var dids: [String] = []

        @Option(name: .customLong("document"), help: "A DID document file to pin (repeatable).")
        var documents: [String] = []

        @Option(help: "Add to this trust file (its keys are kept).")
        var into: String?

        @Option(help: "Write the trust file here instead of standard output.")
        var out: String?

        @Flag(help: "Fetch did:web:localhost… documents over plain http (local development).")
        var allowHTTPLocalhost = false

        @Option(help: "Seconds a did:web resolution may take.")
        var timeout: Int = 5

        func validate() throws {
            guard !dids.isEmpty || !documents.isEmpty else { throw ValidationError("name at least one --did or --document") }
        }

        func run() async throws {
            var pinned = try CLIInput.usage { try into.map(PassportCommand.trustFile) ?? PinnedKeys() }
            var fetched: [DIDDocument] = []
            for path in documents {
                fetched.append(try CLIInput.usage { try DIDDocument(.object(try CLIInput.object(from: path))) })
            }
            let web = DIDWebResolver(configuration: .init(timeout: .seconds(timeout), allowLoopbackHTTP: allowHTTPLocalhost))
            for did in dids {
                do {
                    fetched.append(try await MethodDispatchResolver(web: web).resolve(did))
                } catch {
                    FileHandle.standardError.write(Data("error: cannot resolve \(did): \(error)\n".utf8))
                    throw ExitCode(1)
                }
            }
            for document in fetched {
                pinned = try CLIInput.usage { try pinned.merging(try PinnedKeys(document: document)) }
            }
            let text = JSONValue.object(pinned.json).serializedString(pretty: true) + "\n"
            guard let out else {
                print(text, terminator: "")
                return
            }
            do {
                try Data(text.utf8).write(to: URL(fileURLWithPath: out))
            } catch {
                throw ValidationError("cannot write \(out): \(error.localizedDescription)")
            }
        }
    }

    /// The trust file at `path` (or standard input for `-`).
    static func trustFile(_ path: String) throws -> PinnedKeys {
        let value: JSONValue
        do {
            value = try JSONValue(parsing: try CLIInput.read(path))
        } catch let error as JSONError {
            throw CLIInput.UsageError(message: "the trust file \(path) is not JSON: \(error.message)")
        }
        return try PinnedKeys(json: value)
    }
}
