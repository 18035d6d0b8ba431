import ArgumentParser
import Encoding
import Foundation
import Identity
import Passport

/// `voltpass device`: a software secure element standing in for a battery's hardware one. The key
/// is generated inside the element file (mode 0600) and the element only signs.
struct DeviceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "device",
        abstract: "A battery's secure element in software: its public key for provisioning, and answers to diagnostics challenges.",
        subcommands: [Init.self, Show.self, Respond.self])

    struct Location: ParsableArguments {
        @Option(help: "The secure element file.")
        var element: String = "secure-element.json"

        @Flag(help: "Print one JSON document instead of text.")
        var json = false

        var url: URL { URL(fileURLWithPath: element) }
    }

    struct Init: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Generate the key inside a new secure element.")
        @OptionGroup var location: Location

        @Option(help: "The key type.")
        var type: KeyAlgorithm = .ed25519

        func run() async throws {
            let element = try SoftwareSecureElement.create(type, at: location.url)
            DeviceCLI.show(element.verificationKey, location: location)
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show the public key and did:key to provision the device with.")
        @OptionGroup var location: Location

        func run() async throws {
            DeviceCLI.show(try SoftwareSecureElement.open(at: location.url).verificationKey, location: location)
        }
    }

    struct Respond: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Answer a field diagnostics challenge (from POST /diagnostics/challenges) as the device would.")
        @OptionGroup var location: Location

        @Option(help: "The challenge, base64url, as the service issued it.")
        var challenge: String

        func run() async throws {
            guard let bytes = try? Base64URL.decode(challenge), !bytes.isEmpty else {
                throw ValidationError("--challenge must be the base64url challenge the service issued")
            }
            let element = try SoftwareSecureElement.open(at: location.url)
            let response = Base64URL.encode(try await FieldDiagnostics.respond(to: bytes, signer: element))
            if location.json {
                print(JSONValue.object(["challenge": .string(challenge), "response": .string(response)]).serializedString(pretty: true))
            } else {
                print(response)
            }
        }
    }
}

enum DeviceCLI {
    static func show(_ key: PublicKey, location: DeviceCommand.Location) {
        if location.json {
            print(JSONValue.object([
                "publicKeyMultibase": .string(key.multikey), "did": .string(DIDKey.did(for: key)),
                "type": .string(key.algorithm.rawValue), "element": .string(location.url.path),
            ]).serializedString(pretty: true))
        } else {
            print("secure element: \(location.url.path)")
            print("  key (\(key.algorithm.rawValue)): \(key.multikey)")
            print("  did:key:       \(DIDKey.did(for: key))")
        }
    }
}
