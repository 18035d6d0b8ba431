import Ledger
import PostgresNIO

/// The deployment's ledger log in PostgreSQL (see `LedgerRecordStore`): a record number is taken by
/// one INSERT, so of two instances appending at once exactly one gets it.
extension PostgresStore: LedgerRecordStore {
    public var sharedLedgerRecords: (any LedgerRecordStore)? { self }

    public func ledgerGenesis(settingIfAbsent genesis: Int64) async throws -> Int64 {
        try await execute("INSERT INTO ledger_genesis (genesis) VALUES (\(genesis)) ON CONFLICT (singleton) DO NOTHING")
        guard let stored = try await fetch("SELECT genesis FROM ledger_genesis", { try $0.decode(Int64.self) }).first else {
            throw StorageError.corrupt("the ledger's genesis row is missing")
        }
        return stored
    }

    public func ledgerRecords(from first: Int) async throws -> [[UInt8]] {
        let rows = try await fetch("SELECT number, payload FROM ledger_records WHERE number >= \(first) ORDER BY number") {
            try $0.decode((Int64, ByteBuffer).self)
        }
        var payloads: [[UInt8]] = []
        payloads.reserveCapacity(rows.count)
        for (offset, (number, payload)) in rows.enumerated() {
            guard number == Int64(first + offset) else {
                throw StorageError.corrupt("ledger record \(first + offset) is missing (the next stored record is \(number))")
            }
            payloads.append(Array(payload.readableBytesView))
        }
        return payloads
    }

    public func appendLedgerRecord(_ payload: [UInt8], number: Int) async throws -> Bool {
        let taken = try await fetch(
            """
            INSERT INTO ledger_records (number, payload) VALUES (\(Int64(number)), \(ByteBuffer(bytes: payload)))
            ON CONFLICT (number) DO NOTHING RETURNING number
            """
        ) { try $0.decode(Int64.self) }
        return !taken.isEmpty
    }
}
