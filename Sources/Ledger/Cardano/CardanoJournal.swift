import Cardano
import Encoding
import Trie

/// One line of the Cardano ledger's journal, written and synced before its transaction is submitted
/// so a crash never loses what may be on chain:
///
///     submitted = [0, [ledger body (as the embedded ledgers record it, the parent being the previous
///                  Cardano transaction id), Cardano transaction (bstr),
///                  [* [transaction id (bstr), index, output (bstr)]]]]     ; the outputs it spends
///     voided    = [1, Cardano transaction id (bstr .size 32)]   ; the chain refused the last submitted one
enum CardanoJournalEntry: Equatable {
    case submitted(SubmittedTransaction)
    case voided(Hash32)

    /// A ledger transaction and the signed Cardano transaction that carries it.
    struct SubmittedTransaction: Equatable {
        var body: TransactionBody
        var cardano: Transaction
        /// The outputs it spends, as they were when it was built: with it, anyone re-evaluates it.
        var spent: [UTxO]
        /// The Cardano transaction id, the ledger transaction's hash.
        var hash: Hash32 { Hash32(bytes: cardano.id.bytes)! }
    }

    var payload: [UInt8] {
        var writer = CBORWriter(capacity: 512)
        writer.appendHead(.array, 2)
        switch self {
        case .submitted(let submitted):
            writer.appendHead(.unsigned, 0)
            writer.appendHead(.array, 3)
            submitted.body.encode(into: &writer)
            writer.appendHead(.bytes, UInt64(submitted.cardano.cborBytes.count))
            writer.appendRaw(submitted.cardano.cborBytes)
            writer.appendHead(.array, UInt64(submitted.spent.count))
            for utxo in submitted.spent {
                let output = (try? utxo.output.cborBytes()) ?? []
                writer.appendHead(.array, 3)
                writer.appendHead(.bytes, 32)
                writer.appendRaw(utxo.input.transactionID.bytes)
                writer.appendHead(.unsigned, UInt64(utxo.input.index))
                writer.appendHead(.bytes, UInt64(output.count))
                writer.appendRaw(output)
            }
        case .voided(let id):
            writer.appendHead(.unsigned, 1)
            writer.appendHead(.bytes, 32)
            writer.appendRaw(id.bytes)
        }
        return writer.bytes
    }

    init(_ submitted: SubmittedTransaction) { self = .submitted(submitted) }

    init(voiding id: Hash32) { self = .voided(id) }

    init(payload: ArraySlice<UInt8>, record: Int) throws(LedgerError) {
        let bytes = Array(payload)
        var reader = CBORReader(bytes, options: CBORDecodingOptions(rules: .deterministic, maxDepth: 16, maxItems: bytes.count))
        do {
            guard let fields = try reader.readItem().arrayValue, fields.count == 2, let kind = fields[0].uint64Value, reader.isAtEnd else {
                throw LedgerError.corrupt("journal record \(record) is not [kind, entry]")
            }
            switch kind {
            case 0:
                guard let triple = fields[1].arrayValue, triple.count == 3, let cbor = triple[1].bytesValue, let spent = triple[2].arrayValue else {
                    throw LedgerError.corrupt("journal record \(record): a submission is [body, transaction, spent outputs]")
                }
                var utxos: [UTxO] = []
                for item in spent {
                    guard let fields = item.arrayValue, fields.count == 3, let id = fields[0].bytesValue, let index = fields[1].uint64Value,
                        index <= UInt64(UInt16.max), let output = fields[2].bytesValue
                    else { throw LedgerError.corrupt("journal record \(record): a spent output is [transaction id, index, output]") }
                    utxos.append(
                        UTxO(
                            input: TransactionInput(transactionID: try TransactionID(bytes: id), index: UInt16(index)),
                            output: try TransactionOutput(cbor: try CBOR.decode(output))))
                }
                self = .submitted(
                    SubmittedTransaction(body: try TransactionBody(decoding: triple[0]), cardano: try Transaction(cbor: cbor), spent: utxos))
            case 1:
                guard let id = fields[1].bytesValue.flatMap({ Hash32(bytes: $0) }) else {
                    throw LedgerError.corrupt("journal record \(record): a voided entry names a 32-byte transaction id")
                }
                self = .voided(id)
            default:
                throw LedgerError.corrupt("journal record \(record) has unknown kind \(kind)")
            }
        } catch let error as LedgerError {
            throw error
        } catch {
            throw LedgerError.corrupt("journal record \(record): \(error)")
        }
    }
}
