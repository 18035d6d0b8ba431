/// Where a ``DatabaseLedger`` keeps its log: numbered records in a database that every instance of
/// a deployment shares. Each record is one committed batch, the same payload ``LocalLedger`` writes
/// to its file (a CBOR array of transaction bodies).
public protocol LedgerRecordStore: Sendable {
    /// The ledger's genesis time in Unix seconds, set to `genesis` when the database has no ledger yet.
    func ledgerGenesis(settingIfAbsent genesis: Int64) async throws -> Int64
    /// The records numbered `first` and after (numbers count from 0), in order.
    func ledgerRecords(from first: Int) async throws -> [[UInt8]]
    /// Stores `payload` as record `number`; false, storing nothing, when that number is taken (another
    /// instance appended first). Numbers are taken in order without gaps.
    func appendLedgerRecord(_ payload: [UInt8], number: Int) async throws -> Bool
}
