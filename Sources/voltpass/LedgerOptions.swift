import ArgumentParser
import Cardano
import CardanoChain
import Foundation
import Identity
import Server

/// Where a command's service records anchors, reading commitments and rewards: the embedded ledger,
/// or Cardano through Ogmios or Blockfrost, signed with the service's payment key.
struct LedgerOptions: ParsableArguments {
    enum Kind: String, ExpressibleByArgument, CaseIterable {
        case local, cardano
    }

    @Option(help: "Where anchors, reading commitments and rewards are recorded: local (embedded: the data directory, or the shared PostgreSQL database) or cardano (through --ogmios or --blockfrost, signed with --cardano-key).")
    var ledger: Kind = .local

    @Option(help: "The Ogmios v6 JSON-RPC URL of a Cardano node (with --ledger cardano), e.g. http://127.0.0.1:1337.")
    var ogmios: String?

    @Option(help: "Instead of --ogmios: the Blockfrost API's base URL (e.g. https://cardano-preprod.blockfrost.io/api/v0); the project key is read from VOLTPASS_BLOCKFROST_PROJECT_ID.")
    var blockfrost: String?

    @Option(help: "The Cardano network (with --ledger cardano).")
    var network: CardanoCommand.NetworkName = .preprod

    @Option(help: "The service's payment signing key in cardano-cli's text-envelope format (with --ledger cardano); its address pays the fees.")
    var cardanoKey: String?

    /// The environment variable the Blockfrost project key is read from (never an option: options show in `ps`).
    static let blockfrostProjectVariable = "VOLTPASS_BLOCKFROST_PROJECT_ID"

    func validate() throws {
        if ledger == .cardano {
            guard (ogmios == nil) != (blockfrost == nil), cardanoKey != nil else {
                throw ValidationError("--ledger cardano needs --cardano-key and one of --ogmios or --blockfrost")
            }
            if blockfrost != nil, (ProcessInfo.processInfo.environment[Self.blockfrostProjectVariable] ?? "").isEmpty {
                throw ValidationError("--blockfrost needs the project key in the environment variable \(Self.blockfrostProjectVariable)")
            }
        } else if ogmios != nil || blockfrost != nil || cardanoKey != nil {
            throw ValidationError("--ogmios, --blockfrost and --cardano-key go with --ledger cardano")
        }
    }

    /// The ledger the options name; the Cardano key is read from its file.
    func choice() throws -> LedgerChoice {
        guard ledger == .cardano, let cardanoKey else { return .embedded }
        guard let envelope = FileManager.default.contents(atPath: cardanoKey) else {
            throw ValidationError("--cardano-key \(cardanoKey) cannot be read")
        }
        let key: PaymentKey
        do {
            key = try PaymentKey(textEnvelope: Array(envelope))
        } catch {
            throw ValidationError("--cardano-key \(cardanoKey): \(error.code): \(error.message)")
        }
        let chain: any ChainBackend =
            if let blockfrost {
                BlockfrostClient(
                    baseURL: blockfrost, projectID: ProcessInfo.processInfo.environment[Self.blockfrostProjectVariable] ?? "", http: .failFast)
            } else {
                OgmiosClient(url: ogmios ?? "", http: .failFast)
            }
        return .cardano(CardanoSettings(chain: chain, key: key, network: network.addresses, networkName: network.rawValue))
    }
}
