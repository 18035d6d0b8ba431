import ArgumentParser
import AsyncHTTPClient
import Cardano
import CardanoChain
import Encoding
import Foundation
import Identity

/// `voltpass cardano`: payment keys and the operator's root anchor on Cardano, through Ogmios.
struct CardanoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cardano", abstract: "Cardano payment keys and trie-root anchors (through Ogmios).",
        subcommands: [Key.self, Anchor.self])

    struct Key: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Payment keys.", subcommands: [Generate.self])

        struct Generate: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Generate a payment signing key in cardano-cli's text-envelope format (mode 0600) and show its address.")

            @Option(help: "The key file to write.")
            var out: String

            @Option(help: "mainnet, preprod or preview (preprod and preview share testnet addresses).")
            var network: NetworkName = .preprod

            @Flag(help: "Print one JSON document instead of text.")
            var json = false

            func run() async throws {
                var generator = SystemRandomNumberGenerator()
                let key = try PaymentKey(seed: (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) })
                try KeyFile.writeAtomically(Array(key.textEnvelope().utf8), to: URL(fileURLWithPath: out))
                let address = key.enterpriseAddress(network: network.addresses).bech32
                if json {
                    print(JSONValue.object(["file": .string(out), "keyHash": .string(Hex.encode(key.keyHash)), "address": .string(address)])
                        .serializedString(pretty: true))
                } else {
                    print("payment key written to \(out) (mode 0600)")
                    print("  key hash: \(Hex.encode(key.keyHash))")
                    print("  address:  \(address)")
                }
            }
        }
    }

    struct Anchor: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Anchor trie roots with a one-shot token moved once per batch (see docs/cardano.md).",
            subcommands: [Mint.self, Move.self, Show.self, Verify.self])

        struct Mint: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Mint the anchor token with the first root; write the anchor file that names its policy.",
                discussion: "The policy is the key's signature before the lock slot (the tip plus --lock-after), after which no token can be minted.")

            @OptionGroup var chain: ChainOptions

            @Option(help: "The first root, 64 hex digits (e.g. from `voltpass trie root`).")
            var root: String

            @Option(help: "Slots from the tip until the policy locks.")
            var lockAfter: UInt64 = 3_600

            @Option(help: "The anchor file to write.")
            var anchor: String

            func validate() throws {
                guard lockAfter > 0 else { throw ValidationError("--lock-after must be at least 1 slot") }
            }

            func run() async throws {
                try await CardanoCommand.reporting(json: chain.json) {
                    let key = try chain.paymentKey()
                    let client = OgmiosClient(url: chain.ogmios, http: .failFast)
                    let lockSlot = try await client.tipSlot() + lockAfter
                    let rootAnchor = try RootAnchor(owner: key.keyHash, lockSlot: lockSlot)
                    let address = key.enterpriseAddress(network: chain.network.addresses)
                    let funding = try await client.utxos(at: [address.bech32]).filter { $0.output.value.assets.isEmpty }
                        .max { $0.output.value.coin < $1.output.value.coin }
                    guard let funding else { throw CardanoCommand.Failure("no ada-only output at \(address.bech32) to pay with") }
                    let tx = try rootAnchor.mint(
                        root: try CardanoCommand.root(root), funding: [funding], address: address.bytes, lockedLovelace: 2_000_000,
                        change: address.bytes, validUntil: lockSlot, fees: try await client.protocolParameters().fees,
                        network: chain.network.addresses)
                    let id = try await CardanoCommand.submit(tx, by: key, to: client, keeping: chain.txOut)
                    let file: JSONObject = [
                        "owner": .string(Hex.encode(key.keyHash)), "lockSlot": .number(Double(lockSlot)),
                        "policyId": .string(Hex.encode(rootAnchor.policyID)), "network": .string(chain.network.rawValue),
                    ]
                    try KeyFile.writeAtomically(Array(JSONValue.object(file).serializedString(pretty: true).utf8), to: URL(fileURLWithPath: anchor))
                    return ["transaction": .string(id.description), "policyId": .string(Hex.encode(rootAnchor.policyID)),
                            "lockSlot": .number(Double(lockSlot)), "sequence": 0]
                }
            }
        }

        struct Move: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Anchor the next root: move the token, one transaction per batch.")

            @OptionGroup var chain: ChainOptions

            @Option(help: "The new root, 64 hex digits.")
            var root: String

            @Option(help: "The anchor file `anchor mint` wrote.")
            var anchor: String

            func run() async throws {
                try await CardanoCommand.reporting(json: chain.json) {
                    let key = try chain.paymentKey()
                    let rootAnchor = try CardanoCommand.anchor(from: anchor)
                    guard rootAnchor.owner == key.keyHash else { throw CardanoCommand.Failure("the anchor belongs to another key") }
                    let client = OgmiosClient(url: chain.ogmios, http: .failFast)
                    let address = key.enterpriseAddress(network: chain.network.addresses)
                    let current = try await CardanoCommand.current(rootAnchor, at: address.bech32, client)
                    // Run again after a crash (or twice), a root already anchored is not anchored again.
                    if current.state.root == (try CardanoCommand.root(root)) {
                        return ["transaction": .string(current.utxo.input.transactionID.description),
                                "sequence": .number(Double(current.state.sequence)), "alreadyAnchored": true]
                    }
                    let tx = try rootAnchor.move(
                        from: current.utxo, to: try CardanoCommand.root(root), change: address.bytes, fees: try await client.protocolParameters().fees)
                    let id = try await CardanoCommand.submit(tx, by: key, to: client, keeping: chain.txOut)
                    return ["transaction": .string(id.description), "sequence": .number(Double(current.state.sequence + 1))]
                }
            }
        }

        struct Show: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "The root the anchor token carries now.")

            @Option(help: "Ogmios's HTTP URL, e.g. http://localhost:1337.")
            var ogmios: String

            @Option(help: "The anchor file `anchor mint` wrote (it names the network).")
            var anchor: String

            @Flag(help: "Print one JSON document instead of text.")
            var json = false

            func run() async throws {
                try await CardanoCommand.reporting(json: json) {
                    let (rootAnchor, network) = try CardanoCommand.anchorFile(anchor)
                    let address = try EnterpriseAddress(credential: .keyHash(rootAnchor.owner), network: network.addresses).bech32
                    let current = try await CardanoCommand.current(rootAnchor, at: address, OgmiosClient(url: ogmios, http: .failFast))
                    return ["root": .string(Hex.encode(current.state.root)), "sequence": .number(Double(current.state.sequence)),
                            "output": .string(current.utxo.input.description)]
                }
            }
        }
    }

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check offline what an anchoring transaction anchors; its id is what a Cardano indexer confirms.",
            discussion: "Exit status 0 when the output holds the anchor's token (and the root, when given, is the one it anchors), 1 otherwise.")

        @Option(help: "The transaction's CBOR file (as `anchor mint|move --tx-out` wrote it).")
        var tx: String

        @Option(help: "The output that holds the anchor.")
        var output = 0

        @Option(help: "The anchor file naming the policy.")
        var anchor: String

        @Option(help: "The root the transaction must anchor, 64 hex digits.")
        var root: String?

        @Flag(help: "Print one JSON document instead of text.")
        var json = false

        func run() async throws {
            try await CardanoCommand.reporting(json: json) {
                guard let bytes = FileManager.default.contents(atPath: tx) else { throw CardanoCommand.Failure("cannot read \(tx)") }
                let transaction = try Transaction(cbor: Array(bytes))
                let state = try CardanoCommand.anchor(from: anchor).anchored(in: transaction, outputIndex: output)
                if let root, try CardanoCommand.root(root) != state.root {
                    throw CardanoCommand.Failure("the transaction anchors \(Hex.encode(state.root)), not \(root)")
                }
                return ["transaction": .string(transaction.id.description), "output": .number(Double(output)),
                        "root": .string(Hex.encode(state.root)), "sequence": .number(Double(state.sequence))]
            }
        }
    }

    /// What the chain commands share: the backend, the signing key, the network, the output form.
    struct ChainOptions: ParsableArguments {
        @Option(help: "Ogmios's HTTP URL, e.g. http://localhost:1337.")
        var ogmios: String

        @Option(help: "The payment signing key (text envelope).")
        var key: String

        @Option(help: "mainnet, preprod or preview.")
        var network: NetworkName = .preprod

        @Flag(help: "Print one JSON document instead of text.")
        var json = false

        @Option(help: "Also write the signed transaction's CBOR here (for a bundle or an auditor; see `anchor verify`).")
        var txOut: String?

        func paymentKey() throws -> PaymentKey {
            guard let bytes = FileManager.default.contents(atPath: key) else { throw Failure("cannot read \(key)") }
            return try PaymentKey(textEnvelope: Array(bytes))
        }
    }

    enum NetworkName: String, ExpressibleByArgument, CaseIterable {
        case mainnet, preprod, preview
        var addresses: CardanoNetwork { self == .mainnet ? .mainnet : .testnet }
    }

    struct Failure: Error {
        let message: String
        init(_ message: String) { self.message = message }
    }

    /// Runs `body` and prints what it returns, as JSON or `key: value` lines; a failure is printed
    /// with its code and ends the command with status 1.
    static func reporting(json: Bool, _ body: () async throws -> JSONObject) async throws {
        do {
            let result = try await body()
            if json {
                print(JSONValue.object(result).serializedString(pretty: true))
            } else {
                for (name, value) in result.sorted(by: { $0.key < $1.key }) {
                    print("\(name): \(value.stringValue ?? value.serializedString())")
                }
            }
        } catch let error as any CodedError {
            FileHandle.standardError.write(Data("error: \(error.code): \(error.message)\n".utf8))
            throw ExitCode(1)
        } catch let error as Failure {
            FileHandle.standardError.write(Data("error: \(error.message)\n".utf8))
            throw ExitCode(1)
        }
    }

    static func root(_ hex: String) throws -> [UInt8] {
        guard let bytes = try? Hex.decode(hex), bytes.count == 32 else { throw Failure("a root is 64 hex digits") }
        return bytes
    }

    static func anchor(from path: String) throws -> RootAnchor { try anchorFile(path).anchor }

    /// The anchor an anchor file names, and its network.
    static func anchorFile(_ path: String) throws -> (anchor: RootAnchor, network: NetworkName) {
        guard let data = FileManager.default.contents(atPath: path), let file = (try? JSONValue(parsing: Array(data)))?.objectValue,
            let owner = file["owner"]?.stringValue.flatMap({ try? Hex.decode($0) }), let lockSlot = file["lockSlot"]?.doubleValue,
            lockSlot >= 0, lockSlot < 9e15, let network = file["network"]?.stringValue.flatMap(NetworkName.init(rawValue:))
        else { throw Failure("\(path) is not an anchor file") }
        return (try RootAnchor(owner: owner, lockSlot: UInt64(lockSlot)), network)
    }

    /// The output holding the anchor's token at `address`, and what it anchors.
    static func current(_ anchor: RootAnchor, at address: String, _ client: OgmiosClient) async throws -> (utxo: UTxO, state: RootAnchor.State) {
        for utxo in try await client.utxos(at: [address]) {
            if let state = try? anchor.anchored(in: utxo.output) { return (utxo, state) }
        }
        throw Failure("no output at \(address) holds the anchor token")
    }

    /// Signs `tx`, keeps its bytes at `path` when given (before submitting, so a crash leaves them),
    /// and submits it.
    static func submit(_ tx: Transaction, by key: PaymentKey, to client: OgmiosClient, keeping path: String?) async throws -> TransactionID {
        let signed = try signed(tx, by: key)
        if let path { try KeyFile.writeAtomically(signed.cborBytes, to: URL(fileURLWithPath: path)) }
        return try await client.submit(signed)
    }

    static func signed(_ tx: Transaction, by key: PaymentKey) throws -> Transaction {
        var witnesses = tx.witnessSet
        witnesses.vkeyWitnesses = [try key.witness(for: tx.id)]
        return try Transaction(bodyBytes: tx.bodyBytes, witnessSet: witnesses)
    }
}
