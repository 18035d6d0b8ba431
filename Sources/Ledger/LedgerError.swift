import Encoding

/// A ledger failure with a stable code.
///
/// Transaction rules (the CommitmentValidator and ReportingValidator of the signed-readings
/// specification, and the operator's settlement):
/// - `commitment_not_found`: a reading names a commitment the ledger never confirmed (a replayed
///   or forged challenge);
/// - `commitment_consumed`: the commitment was already consumed by another reading (single use);
/// - `commitment_battery_mismatch`: the reading is for another battery than the commitment;
/// - `commitment_owner_mismatch`: the submitter's key hash is not the one committed;
/// - `stale_challenge`: commitment slot + max age is before the current slot;
/// - `challenge_mismatch`: the challenge inside the reading is not the commitment's transaction hash;
/// - `reading_not_found`, `reading_operator_mismatch`, `reading_already_settled`: a settlement
///   names an unknown reading, another operator's reading, or a reading settled before (or twice);
/// - `insufficient_pool`: the rewards exceed the operator's reward pool;
/// - `amount_overflow`: a balance would exceed 2^64 − 1;
/// - `invalid_operator_id`, `invalid_battery_id`, `invalid_nonce`, `invalid_reading`,
///   `invalid_amount`, `invalid_reason`, `empty_batch`, `batch_too_large`: malformed transactions.
///
/// The ledger itself:
/// - `slot_regression`: the clock is behind the last recorded slot (slots never go backwards);
/// - `clock_before_genesis`: the clock is before the ledger's genesis time;
/// - `genesis_mismatch`: the ledger on disk has another genesis time than the one configured;
/// - `invalid_genesis`: a configured genesis time before 1970 or beyond any clock;
/// - `ledger_corrupt`: the log is damaged before its last record, or a record breaks a rule;
/// - `ledger_locked`: another ledger instance has the log open;
/// - `ledger_io`: reading, writing or syncing the log failed (after a failed sync the ledger
///   refuses further work until it is reopened);
/// - `ledger_closed`: the ledger was closed;
/// - `anchor_unchanged`: an anchor repeats the operator's current root (two writers raced to anchor it);
/// - `ledger_busy`: other instances sharing the ledger kept appending first.
public struct LedgerError: CodedError, Equatable {
    public let code: String
    public let message: String

    public init(code: String, message: String) {
        self.code = code
        self.message = message
    }

    static func corrupt(_ message: String) -> LedgerError { LedgerError(code: "ledger_corrupt", message: message) }
    static func io(_ message: String) -> LedgerError { LedgerError(code: "ledger_io", message: message) }
}
