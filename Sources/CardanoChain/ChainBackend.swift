import Cardano

/// What Voltpass needs from a Cardano node's companion service: the tip, the protocol parameters,
/// UTxOs, phase-two evaluation and submission. Ogmios implements it (``OgmiosClient``).
public protocol ChainBackend: Sendable {
    func tipSlot() async throws(ChainError) -> UInt64
    func protocolParameters() async throws(ChainError) -> (fees: FeeParameters, costModels: [PlutusLanguage: [Int64]])
    func utxos(at addresses: [String]) async throws(ChainError) -> [UTxO]
    func utxos(_ references: [TransactionInput]) async throws(ChainError) -> [UTxO]
    func evaluate(_ tx: Transaction) async throws(ChainError) -> [RedeemerPointer: ExecutionUnits]
    func submit(_ tx: Transaction) async throws(ChainError) -> TransactionID
}

extension OgmiosClient: ChainBackend {}

/// What a cage holds on chain now: its state output and the requests waiting at its request
/// address. Outputs there that are not requests for this token (wrong datum, another token) are
/// listed apart: the owner may sweep them.
public struct CageSnapshot: Sendable {
    public var state: (utxo: UTxO, state: Cage.State)?
    public var requests: [(utxo: UTxO, request: Cage.Request)]
    public var strays: [UTxO]

    /// Reads the cage of `token` under `stateScript`, whose requests wait at `requestScript`'s address.
    public static func read(
        token: Cage.TokenID, stateScript: PlutusScript, requestScript: PlutusScript, network: CardanoNetwork, from chain: any ChainBackend
    ) async throws -> CageSnapshot {
        let stateAddress = try EnterpriseAddress(credential: .scriptHash(stateScript.hash), network: network)
        let requestAddress = try EnterpriseAddress(credential: .scriptHash(requestScript.hash), network: network)
        var snapshot = CageSnapshot(state: nil, requests: [], strays: [])
        for utxo in try await chain.utxos(at: [stateAddress.bech32])
        where utxo.output.value.assets.assets[stateScript.hash]?[token.assetName] == 1 {
            if let datum = try? utxo.output.datum?.inlineData(), let state = try? Cage.State(datum: datum) { snapshot.state = (utxo, state) }
        }
        for utxo in try await chain.utxos(at: [requestAddress.bech32]) {
            if let datum = try? utxo.output.datum?.inlineData(), let request = try? Cage.Request(datum: datum), request.token == token {
                snapshot.requests.append((utxo, request))
            } else {
                snapshot.strays.append(utxo)
            }
        }
        return snapshot
    }
}
