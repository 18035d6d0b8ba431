import Cardano
import Encoding
import Hummingbird
import Ledger
import Trie

/// The ledger's public record: on Cardano, every transaction the service built, with the outputs it
/// spends, so an auditor re-evaluates it with any Cardano tool.
struct LedgerRoutes {
    let ledger: any Ledger

    func add(to router: Router<VoltpassRequestContext>) {
        // GET /ledger/transactions/{id}: {chain, id, cbor, spent: [{transactionId, index, output}]} (hex CBOR).
        router.get("ledger/transactions/:id") { _, context -> Response in
            let raw = try context.parameters.require("id")
            guard let id = Hash32(hex: raw) else { throw APIError(.badRequest, code: "invalid_request", "a transaction id is 64 hex digits") }
            guard let cardano = ledger as? CardanoLedger, let chain = ledger.publicChain else {
                throw APIError(.notFound, code: "ledger_not_public", "this deployment's ledger is embedded: its transactions are on no public chain")
            }
            guard let (transaction, spent) = try await cardano.exportTransaction(id) else {
                throw APIError.notFound("this service built no transaction \(raw)")
            }
            var outputs: [JSONValue] = []
            for utxo in spent {
                outputs.append([
                    "transactionId": .string(utxo.input.transactionID.description), "index": .number(Double(utxo.input.index)),
                    "output": .string(Hex.encode(try utxo.output.cborBytes())),
                ])
            }
            return .json([
                "chain": .string(chain), "id": .string(transaction.id.description), "cbor": .string(Hex.encode(transaction.cborBytes)),
                "spent": .array(outputs),
            ])
        }
    }
}
