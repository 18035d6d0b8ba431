#!/usr/bin/env python3
"""Phase-two evaluation of a Conway transaction by Aiken's evaluator (pip package biglup-cometa).

Usage: cardano-aiken-eval.py REQUEST_JSON

REQUEST_JSON holds hex strings: `tx` (the transaction CBOR), `inputs` (a CBOR array of the
`[txid, index]` of its inputs and reference inputs), `outputs` (a CBOR array of the outputs they
resolve to, in the same order) and `cost_models` (CBOR `{2: [...]}`), and `slot_config` with
`zero_time`, `zero_slot` and `slot_length`. Prints Aiken's answer as JSON: `status`, `error`, and
`redeemer_cbor` (each redeemer with the execution units it used). The budget is the Conway per-tx
maximum, 14,000,000 memory units and 10,000,000,000 steps. Used by Tests/CardanoTests/CageTests.swift.
"""
import json
import sys

from cometa._aiken_ffi import aiken_ffi, aiken_lib


def main() -> int:
    with open(sys.argv[1]) as handle:
        request = json.load(handle)
    slot_config = aiken_ffi.new("SlotConfig*")
    slot_config.zero_time = request["slot_config"]["zero_time"]
    slot_config.zero_slot = request["slot_config"]["zero_slot"]
    slot_config.slot_length = request["slot_config"]["slot_length"]
    budget = aiken_ffi.new("InitialBudget*")
    budget.mem = 14_000_000
    budget.cpu = 10_000_000_000
    result = aiken_lib.eval_phase_two(
        request["tx"].encode() + b"\0",
        request["inputs"].encode() + b"\0",
        request["outputs"].encode() + b"\0",
        request["cost_models"].encode() + b"\0",
        budget,
        slot_config,
    )
    try:
        print(aiken_ffi.string(result).decode())
    finally:
        aiken_lib.drop_char_pointer(result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
