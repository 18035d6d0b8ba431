import Encoding

/// Which network an address belongs to (the header's low four bits).
public enum CardanoNetwork: UInt8, Sendable, Hashable {
    /// Preprod, preview and other test networks.
    case testnet = 0
    /// Mainnet.
    case mainnet = 1

    /// The Bech32 human-readable part of payment addresses.
    public var addressPrefix: String { self == .mainnet ? "addr" : "addr_test" }
}

/// A Shelley enterprise address: a payment credential and no stake part
/// (header `0110 nnnn` for a key hash, `0111 nnnn` for a script hash, then 28 bytes).
public struct EnterpriseAddress: Sendable, Hashable, CustomStringConvertible {
    /// The payment credential.
    public enum Credential: Sendable, Hashable {
        /// BLAKE2b-224 of an Ed25519 verification key.
        case keyHash([UInt8])
        /// A script hash: BLAKE2b-224 of the language tag byte and the script.
        case scriptHash([UInt8])
    }

    /// The payment credential.
    public let credential: Credential
    /// The network.
    public let network: CardanoNetwork

    /// Creates an address (`cardano_invalid_length` unless the hash has 28 bytes).
    public init(credential: Credential, network: CardanoNetwork) throws(CardanoError) {
        switch credential {
        case .keyHash(let hash), .scriptHash(let hash):
            guard hash.count == 28 else { throw CardanoError(.invalidLength, "a credential hash has 28 bytes") }
        }
        self.credential = credential
        self.network = network
    }

    /// An address from a hash known to have 28 bytes (a BLAKE2b-224 output).
    init(trusted credential: Credential, network: CardanoNetwork) {
        self.credential = credential
        self.network = network
    }

    /// Reads the address bytes (`cardano_address_invalid` unless an enterprise address).
    public init(bytes: [UInt8]) throws(CardanoError) {
        guard bytes.count == 29, let network = CardanoNetwork(rawValue: bytes[0] & 0x0f) else {
            throw CardanoError(.invalidAddress, "an enterprise address has 29 bytes and network 0 or 1")
        }
        let hash = Array(bytes[1...])
        switch bytes[0] >> 4 {
        case 0b0110: try self.init(credential: .keyHash(hash), network: network)
        case 0b0111: try self.init(credential: .scriptHash(hash), network: network)
        default: throw CardanoError(.invalidAddress, "header \(bytes[0]) is not an enterprise address")
        }
    }

    /// Reads an `addr…` / `addr_test…` Bech32 string.
    public init(bech32: String) throws(CardanoError) {
        let (hrp, data) = try Bech32.decode(bech32)
        try self.init(bytes: data)
        guard hrp == network.addressPrefix else {
            throw CardanoError(.invalidAddress, "prefix \(hrp) does not match the network in the header")
        }
    }

    /// The address bytes as they appear in outputs.
    public var bytes: [UInt8] {
        switch credential {
        case .keyHash(let hash): [0x60 | network.rawValue] + hash
        case .scriptHash(let hash): [0x70 | network.rawValue] + hash
        }
    }

    /// The Bech32 form, e.g. `addr_test1v…`.
    public var bech32: String { Bech32.encode(hrp: network.addressPrefix, data: bytes) }

    public var description: String { bech32 }
}
