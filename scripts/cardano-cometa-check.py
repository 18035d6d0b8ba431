#!/usr/bin/env python3
"""Independent check of a Conway transaction with libcardano-c (pip package biglup-cometa).

Usage: cardano-cometa-check.py TX_FILE [COSTMDLS_CBOR_HEX]

TX_FILE holds the raw transaction CBOR. Prints `txid <hex>`, the id libcardano-c computes from the
body bytes it kept; `size_fee <n>` and `script_fee <n>`, its minimum fee parts under the Conway
mainnet/preprod parameters (44 lovelace/byte + 155,381; prices 0.0577 mem, 0.0000721 steps; no
reference inputs); `native_script_hash <hex>` for each native script in its witness set; and,
when a cost-model CBOR `{language: [...]}` is given and the transaction has redeemers,
`script_data_hash <hex>`. Used by Tests/CardanoTests/CometaCrossCheckTests.swift.
"""
import sys

import cometa


def main() -> int:
    with open(sys.argv[1], "rb") as handle:
        tx_hex = handle.read().hex()
    tx = cometa.Transaction.from_cbor(cometa.CborReader.from_hex(tx_hex))
    print("txid", tx.id.to_hex())
    print("size_fee", cometa.compute_min_fee_without_scripts(tx, 155381, 44))
    prices = cometa.ExUnitPrices.new(cometa.UnitInterval.new(577, 10000), cometa.UnitInterval.new(721, 10000000))
    print("script_fee", cometa.compute_min_script_fee(tx, prices, [], cometa.UnitInterval.new(15, 1)))
    native_scripts = tx.witness_set.native_scripts
    for script in native_scripts if native_scripts is not None else []:
        print("native_script_hash", script.hash.hex() if isinstance(script.hash, bytes) else script.hash)
    if len(sys.argv) > 2:
        witnesses = tx.witness_set
        if witnesses.redeemers is not None:
            costmdls = cometa.Costmdls.from_cbor(cometa.CborReader.from_hex(sys.argv[2]))
            digest = cometa.compute_script_data_hash(costmdls, witnesses.redeemers, witnesses.plutus_data)
            print("script_data_hash", digest.to_hex())
    return 0


if __name__ == "__main__":
    sys.exit(main())
