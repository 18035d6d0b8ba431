import ArgumentParser
import AsyncHTTPClient
import Encoding
import Foundation
import Identity

/// `voltpass status`: the operator's Bitstring Status Lists, through a running Voltpass service
/// (the lists live in its store and are signed with its operator key).
struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status", abstract: "Create status lists; revoke, suspend and reinstate credentials (via a Voltpass service).",
        subcommands: [Create.self, Action<Revoke>.self, Action<Suspend>.self, Action<Reinstate>.self])

    /// Where the service is and the token that may change status (role issuer or admin).
    struct Service: ParsableArguments {
        @Option(help: "The Voltpass service's base URL.")
        var server = "http://127.0.0.1:8080"

        @Option(help: "An issuer or admin API token (default: the VOLTPASS_TOKEN environment variable).")
        var token: String?

        @Flag(help: "Print the service's answer as JSON.")
        var json = false

        /// POSTs `body` to `path`; returns the parsed answer, or prints the problem and exits 1.
        func post(_ path: String, _ body: JSONValue) async throws -> JSONValue {
            guard let token = token ?? ProcessInfo.processInfo.environment["VOLTPASS_TOKEN"] else {
                FileHandle.standardError.write(Data("error: give --token or set VOLTPASS_TOKEN\n".utf8))
                throw ExitCode(2)
            }
            var request = HTTPClientRequest(url: server.trimmingCharacters(in: ["/"]) + path)
            request.method = .POST
            request.headers.add(name: "Authorization", value: "Bearer \(token)")
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(body.serialized())
            let response = try await HTTPClient.failFast.execute(request, timeout: .seconds(30))
            let bytes = Array(try await response.body.collect(upTo: 4 << 20).readableBytesView)
            let answer = (try? JSONValue(parsing: bytes)) ?? .string(String(decoding: bytes, as: UTF8.self))
            guard (200..<300).contains(Int(response.status.code)) else {
                let code = answer["code"]?.stringValue ?? "http_\(response.status.code)"
                let detail = answer["detail"]?.stringValue ?? ""
                FileHandle.standardError.write(Data("error: \(code): \(detail)\n".utf8))
                throw ExitCode(1)
            }
            return answer
        }
    }

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a status list and print its URL.")

        @OptionGroup var service: Service

        @Option(help: "revocation or suspension.")
        var purpose: String

        @Option(help: "The list id (letters, digits, - and _); random when absent.")
        var id: String?

        @Option(help: "Entries in the list (a multiple of 8, at least 131072).")
        var length: Int?

        @Flag(help: "Hand out indices in order instead of in a random order.")
        var sequential = false

        func run() async throws {
            var body: JSONObject = ["statusPurpose": .string(purpose)]
            if let id { body["id"] = .string(id) }
            var options: JSONObject = ["allocation": .string(sequential ? "sequential" : "random")]
            if let length { options["length"] = .number(Double(length)) }
            body["options"] = .object(options)
            let answer = try await service.post("/status-lists", .object(body))
            if service.json {
                print(answer.serializedString(pretty: true))
            } else {
                print("\(purpose) list created: \(answer["id"]?.stringValue ?? "?")")
            }
        }
    }
}

/// What `revoke`, `suspend` and `reinstate` send: the purpose and the new status.
protocol StatusAction {
    static var name: String { get }
    static var purpose: String { get }
    static var status: Bool { get }
}

enum Revoke: StatusAction {
    static let name = "revoke", purpose = "revocation", status = true
}

enum Suspend: StatusAction {
    static let name = "suspend", purpose = "suspension", status = true
}

enum Reinstate: StatusAction {
    static let name = "reinstate", purpose = "suspension", status = false
}

/// `revoke`, `suspend` and `reinstate`: one command each, the same arguments.
struct Action<Kind: StatusAction>: AsyncParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(
            commandName: Kind.name,
            abstract: "\(Kind.name.prefix(1).uppercased() + Kind.name.dropFirst()) a credential issued by the service.",
            discussion: "The credential's \(Kind.purpose) entry is found from its id; for a credential the service did not store, give --list and --index.")
    }

    @OptionGroup var service: StatusCommand.Service

    @Argument(help: "The credential's id.")
    var credentialID: String

    @Option(help: "The status list credential URL (for a credential the service did not store).")
    var list: String?

    @Option(help: "The credential's index in that list.")
    var index: Int?

    func run() async throws {
        var status: JSONObject = ["type": "BitstringStatusListEntry", "statusPurpose": .string(Kind.purpose)]
        if let list { status["statusListCredential"] = .string(list) }
        if let index { status["statusListIndex"] = .string(String(index)) }
        let answer = try await service.post(
            "/credentials/status",
            ["credentialId": .string(credentialID), "credentialStatus": .object(status), "status": .bool(Kind.status)])
        if service.json {
            print(answer.serializedString(pretty: true))
        } else {
            print("\(credentialID): \(Kind.name) done (\(Kind.purpose) \(Kind.status ? "set" : "cleared"))")
        }
    }
}
