import ArgumentParser
import Encoding
import Foundation
import Identity

/// `voltpass key`: key pairs in Multikey key files.
struct KeyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "key", abstract: "Work with key pairs.", subcommands: [Generate.self])

    struct Generate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Generate a key pair; write it as a Multikey key file (mode 0600) and show its did:key.")

        @Option(help: "The key type.")
        var type: KeyAlgorithm = .ed25519

        @Option(help: "The key file to write. Without it, the key file JSON is printed to standard output.")
        var out: String?

        @Flag(help: "Print one JSON document instead of text.")
        var json = false

        func run() async throws {
            let signer = SoftwareSigner.generate(type)
            let did = DIDKey.did(for: signer.verificationKey)
            guard let out else {
                // No file: the key file itself is the output, so it can be redirected.
                let keyFile: JSONValue = [
                    "type": "Multikey", "id": .string("\(did)#\(signer.verificationKey.multikey)"),
                    "controller": .string(did), "publicKeyMultibase": .string(signer.verificationKey.multikey),
                    "secretKeyMultibase": .string(signer.secretKeyMultibase),
                ]
                print(keyFile.serializedString(pretty: true))
                return
            }
            let url = URL(fileURLWithPath: out)
            try KeyFile.write(signer, to: url, id: "\(did)#\(signer.verificationKey.multikey)", controller: did)
            if json {
                let summary: JSONValue = [
                    "type": .string(type.rawValue), "did": .string(did),
                    "publicKeyMultibase": .string(signer.verificationKey.multikey), "file": .string(url.path),
                ]
                print(summary.serializedString(pretty: true))
            } else {
                print("\(type.rawValue) key written to \(url.path) (mode 0600)")
                print("  did:key:   \(did)")
                print("  public:    \(signer.verificationKey.multikey)")
            }
        }
    }
}
