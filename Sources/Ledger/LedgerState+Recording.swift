import Encoding
import Trie

/// What both embedded ledgers do with their state: record a batch as one log record, undo it when
/// the record could not be stored, replay stored records, and answer queries.
extension LedgerState {
    /// A batch encoded and applied: the log record's payload (a CBOR array of transaction bodies)
    /// and a receipt per transaction.
    struct RecordedBatch {
        let payload: [UInt8]
        let receipts: [TransactionReceipt]
    }

    /// Checks `batch` against every rule and applies it at `slot`, after the current tip; all or
    /// nothing. Beyond the rules a replay checks, a new anchor must change the operator's root
    /// (`anchor_unchanged`), so two writers racing to anchor one root record it once.
    mutating func record(_ batch: [LedgerTransaction], at slot: UInt64, parameters: LedgerParameters) throws(LedgerError) -> RecordedBatch {
        guard !batch.isEmpty else { throw LedgerError(code: "empty_batch", message: "a batch needs at least one transaction") }
        guard batch.count <= parameters.maxBatchTransactions else {
            throw LedgerError(
                code: "batch_too_large", message: "a batch holds at most \(parameters.maxBatchTransactions) transactions, not \(batch.count)")
        }
        guard slot >= tip.slot else {
            throw LedgerError(code: "slot_regression", message: "the clock gives slot \(slot), behind the last recorded slot \(tip.slot)")
        }
        let tipBefore = tip
        var writer = CBORWriter(capacity: 64 + batch.count * 160)
        writer.appendHead(.array, UInt64(batch.count))
        var receipts: [TransactionReceipt] = []
        receipts.reserveCapacity(batch.count)
        for (index, transaction) in batch.enumerated() {
            let start = writer.bytes.count
            TransactionBody(transaction: transaction, slot: slot, parent: tip.hash).encode(into: &writer)
            let hash = writer.bytes[start...].withUnsafeBytes { Hash32.digest(of: $0) }
            do throws(LedgerError) {
                if case .anchor(let operatorID, let root) = transaction, anchors[operatorID]?.last?.root == root {
                    throw LedgerError(code: "anchor_unchanged", message: "\(operatorID) has anchored root \(root.hex) already")
                }
                try apply(transaction, hash: hash, slot: slot, parameters: parameters)
            } catch {
                undo(receipts, of: batch, restoring: tipBefore)
                throw batch.count == 1
                    ? error : LedgerError(code: error.code, message: "transaction \(index + 1) of \(batch.count): \(error.message)")
            }
            tip = LedgerTip(count: tip.count + 1, hash: hash, slot: slot)
            receipts.append(TransactionReceipt(hash: hash, slot: slot))
        }
        return RecordedBatch(payload: writer.bytes, receipts: receipts)
    }

    /// Undoes the applied prefix of `batch` (newest first) and puts the tip back.
    mutating func undo(_ applied: [TransactionReceipt], of batch: [LedgerTransaction], restoring tipBefore: LedgerTip) {
        for (receipt, transaction) in zip(applied, batch).reversed() {
            revert(transaction, hash: receipt.hash)
        }
        tip = tipBefore
    }

    /// Replays stored record number `record`: every body must continue the chain, keep slots in
    /// order and pass the rules; anything else is `ledger_corrupt`.
    mutating func replay(_ payload: ArraySlice<UInt8>, record: Int, parameters: LedgerParameters) throws(LedgerError) {
        let bytes = Array(payload)
        var reader = CBORReader(bytes, options: CBORDecodingOptions(rules: .deterministic, maxDepth: 8, maxItems: bytes.count))
        func fail(_ detail: String) -> LedgerError { .corrupt("record \(record): \(detail)") }
        do {
            let head = try reader.readHead()
            guard head.major == .array, let count = head.argument, count > 0 else { throw fail("not an array of transactions") }
            for _ in 0..<count {
                let start = reader.offset
                let body = try TransactionBody(decoding: try reader.readItem())
                let hash = bytes[start..<reader.offset].withUnsafeBytes { Hash32.digest(of: $0) }
                guard body.parent == tip.hash else { throw fail("transaction \(hash.hex) does not follow \(tip.hash.hex)") }
                guard body.slot >= tip.slot else { throw fail("transaction \(hash.hex) goes back to slot \(body.slot)") }
                do {
                    try apply(body.transaction, hash: hash, slot: body.slot, parameters: parameters)
                } catch {
                    throw fail("transaction \(hash.hex) breaks a rule: \(error)")
                }
                tip = LedgerTip(count: tip.count + 1, hash: hash, slot: body.slot)
            }
            guard reader.isAtEnd else { throw fail("bytes follow the transactions") }
        } catch let error as LedgerError {
            throw error.code == "ledger_corrupt" && error.message.hasPrefix("record") ? error : fail(error.message)
        } catch {
            throw fail("\(error)")
        }
    }

    // MARK: - Queries

    func anchorHistory(operator operatorID: String, limit: Int?) -> [AnchorRecord] {
        let history = anchors[operatorID] ?? []
        return Array(history.reversed().prefix(max(0, limit ?? history.count)))
    }

    func readings(battery batteryID: String) -> [ReadingRecord] {
        (readingsByBattery[batteryID] ?? []).compactMap { readings[$0] }
    }

    func pendingReadings(operator operatorID: String) -> [ReadingRecord] {
        (pending[operatorID] ?? [:]).sorted { $0.value < $1.value }.compactMap { readings[$0.key] }
    }
}
