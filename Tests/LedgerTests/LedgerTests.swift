// Tests for the Ledger module.
