import Encoding
import Foundation
import Testing
import VectorSupport

/// Our encoder against an independent one: Python's cbor2 6.x (`pip install 'cbor2>=6'`).
///
/// cbor2's `canonical=True` sorts map keys length-first (RFC 7049 canonical / RFC 8949 §4.2.3):
/// (5.6 and 6.2 alike) it encodes {24: 1, -1: 2} as `a2 20 02 18 18 01`, while §4.2.1 wants
/// `a2 18 18 01 20 02`. So the script keeps cbor2 for every data item, head and float, and only
/// orders map entries bytewise by their cbor2-encoded keys (maps are passed as a pairs type that
/// cbor2 hands to its `default` hook).
@Suite struct CBORCrossCheckTests {
    static let script = """
        import struct, sys, cbor2
        class P:
            def __init__(self, pairs): self.pairs = pairs
        def F(h): return struct.unpack('>d', bytes.fromhex(h))[0]
        T, S = cbor2.CBORTag, cbor2.CBORSimpleValue
        def encode_pairs(encoder, value):
            entries = sorted(((cbor2.dumps(k, canonical=True, default=encode_pairs), v) for k, v in value.pairs),
                             key=lambda entry: entry[0])
            encoder.encode_length(5, len(entries))
            for key, item in entries:
                encoder.write(key)
                encoder.encode(item)
        # cbor2 before 6.0 never picks half precision for exponent 15 (RFC 8949 Appendix A: 65504.0 is f97bff).
        reference = cbor2.dumps(65504.0, canonical=True).hex()
        if reference != 'f97bff':
            from importlib.metadata import version
            sys.exit(f"cbor2 {version('cbor2')} encodes 65504.0 as {reference}, not f97bff: use cbor2 >= 6.0")
        for line in open(sys.argv[1]):
            print(cbor2.dumps(eval(line), canonical=True, default=encode_pairs).hex())
        """

    /// Whether `python3 -c "import cbor2"` works here.
    static let cbor2Available = ReferencePython.canImport("cbor2")

    @Test(.enabled(
        if: cbor2Available || Vectors.required, "python3 with cbor2 not found (pip install 'cbor2>=6'); fails under CI=true"))
    func encoderMatchesCbor2() throws {
        try #require(Self.cbor2Available, "python3 -c 'import cbor2' failed: pip install 'cbor2>=6'")
        var generator = CBORItemGenerator(seed: 0x766f_6c74_7061_7373)
        let items = (0..<400).map { _ in generator.item() }

        let input = FileManager.default.temporaryDirectory.appendingPathComponent("cbor2-\(UUID().uuidString).txt")
        try items.map(cbor2Literal).joined(separator: "\n").write(to: input, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: input) }
        let result = try ReferencePython.run(Self.script, arguments: [input.path])
        try #require(result.status == 0, "cbor2 script failed: \(result.error)")

        let theirs = result.lines
        try #require(theirs.count == items.count)
        for (item, expected) in zip(items, theirs) {
            #expect(cborHex(try item.encode()) == expected, "\(item)")
        }
    }
}
