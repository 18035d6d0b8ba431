/// A non-negative rational number, as protocol parameters give prices (`0.0577`, `1.2`).
public struct Ratio: Sendable, Hashable {
    /// The numerator.
    public let numerator: UInt64
    /// The denominator (never zero).
    public let denominator: UInt64

    /// Creates `numerator / denominator` (`cardano_overflow` for a zero denominator).
    public init(_ numerator: UInt64, _ denominator: UInt64 = 1) throws(CardanoError) {
        guard denominator > 0 else { throw CardanoError(.overflow, "a ratio cannot have a zero denominator") }
        let divisor = Self.gcd(numerator, denominator)
        self.numerator = numerator / divisor
        self.denominator = denominator / divisor
    }

    static func gcd(_ a: UInt64, _ b: UInt64) -> UInt64 {
        var (a, b) = (a, b)
        while b != 0 { (a, b) = (b, a % b) }
        return max(a, 1)
    }

    static func checked(_ result: (partialValue: UInt64, overflow: Bool)) throws(CardanoError) -> UInt64 {
        guard !result.overflow else { throw CardanoError(.overflow, "fee arithmetic overflows 64 bits") }
        return result.partialValue
    }

    /// The sum of `amounts` (lovelace), refusing one beyond 64 bits.
    static func sum(_ amounts: [UInt64]) throws(CardanoError) -> UInt64 {
        var total: UInt64 = 0
        for amount in amounts { total = try checked(total.addingReportingOverflow(amount)) }
        return total
    }

    func times(_ other: Ratio) throws(CardanoError) -> Ratio {
        try Ratio(
            Self.checked(numerator.multipliedReportingOverflow(by: other.numerator)),
            Self.checked(denominator.multipliedReportingOverflow(by: other.denominator)))
    }

    func times(_ n: UInt64) throws(CardanoError) -> Ratio {
        try Ratio(Self.checked(numerator.multipliedReportingOverflow(by: n)), denominator)
    }

    func plus(_ other: Ratio) throws(CardanoError) -> Ratio {
        let divisor = Self.gcd(denominator, other.denominator)
        let left = try Self.checked(numerator.multipliedReportingOverflow(by: other.denominator / divisor))
        let right = try Self.checked(other.numerator.multipliedReportingOverflow(by: denominator / divisor))
        let common = try Self.checked((denominator / divisor).multipliedReportingOverflow(by: other.denominator))
        return try Ratio(Self.checked(left.addingReportingOverflow(right)), common)
    }

    var floor: UInt64 { numerator / denominator }
    var ceiling: UInt64 { numerator / denominator + (numerator % denominator == 0 ? 0 : 1) }
}

/// The protocol parameters that price a Conway transaction, and the fee and minimum-UTxO rules.
///
/// - min fee = `minFeeA · size + minFeeB` + reference-script fee + `⌈priceMemory · mem + priceSteps · steps⌉`;
/// - reference-script fee: the total size of the scripts referenced (by inputs and reference inputs)
///   priced in tiers of `referenceScriptTierSize` bytes, the first at `referenceScriptCostPerByte` per
///   byte and each next tier `referenceScriptMultiplier` times dearer, floored once at the end;
/// - min UTxO = `(160 + size of the serialised output) · coinsPerUTxOByte`.
public struct FeeParameters: Sendable, Hashable {
    /// Lovelace per byte of transaction (`txFeePerByte`, "minFeeA").
    public var minFeeA: UInt64
    /// Constant lovelace per transaction (`txFeeFixed`, "minFeeB").
    public var minFeeB: UInt64
    /// Lovelace per memory unit.
    public var priceMemory: Ratio
    /// Lovelace per CPU step.
    public var priceSteps: Ratio
    /// Lovelace per byte of reference script in the first tier (`minFeeRefScriptCostPerByte`).
    public var referenceScriptCostPerByte: Ratio
    /// The tier growth factor (1.2 in Conway).
    public var referenceScriptMultiplier: Ratio
    /// The tier size in bytes (25,600 in Conway).
    public var referenceScriptTierSize: UInt64
    /// Lovelace per byte of UTxO (`coinsPerUTxOByte`).
    public var coinsPerUTxOByte: UInt64

    /// Creates parameters.
    public init(
        minFeeA: UInt64, minFeeB: UInt64, priceMemory: Ratio, priceSteps: Ratio, referenceScriptCostPerByte: Ratio,
        referenceScriptMultiplier: Ratio, referenceScriptTierSize: UInt64, coinsPerUTxOByte: UInt64
    ) {
        self.minFeeA = minFeeA
        self.minFeeB = minFeeB
        self.priceMemory = priceMemory
        self.priceSteps = priceSteps
        self.referenceScriptCostPerByte = referenceScriptCostPerByte
        self.referenceScriptMultiplier = referenceScriptMultiplier
        self.referenceScriptTierSize = referenceScriptTierSize
        self.coinsPerUTxOByte = coinsPerUTxOByte
    }

    /// Mainnet and preprod values since the Conway hard fork: 44 / 155,381, prices 0.0577 / 0.0000721,
    /// reference scripts 15 lovelace per byte growing 1.2× every 25,600 bytes, 4,310 lovelace per UTxO byte.
    public static var conway: FeeParameters {
        FeeParameters(
            minFeeA: 44, minFeeB: 155_381, priceMemory: Ratio(unchecked: 577, 10_000),
            priceSteps: Ratio(unchecked: 721, 10_000_000), referenceScriptCostPerByte: Ratio(unchecked: 15, 1),
            referenceScriptMultiplier: Ratio(unchecked: 6, 5), referenceScriptTierSize: 25_600, coinsPerUTxOByte: 4_310)
    }

    /// The fee for `size` bytes of the whole serialised transaction alone: `minFeeA · size + minFeeB`.
    public func sizeFee(transactionSize size: Int) throws(CardanoError) -> UInt64 {
        let perByte = try Ratio.checked(minFeeA.multipliedReportingOverflow(by: UInt64(max(size, 0))))
        return try Ratio.checked(perByte.addingReportingOverflow(minFeeB))
    }

    /// `⌈priceMemory · memory + priceSteps · steps⌉`, for the total execution units of all redeemers.
    public func executionFee(memory: UInt64, steps: UInt64) throws(CardanoError) -> UInt64 {
        try priceMemory.times(memory).plus(priceSteps.times(steps)).ceiling
    }

    /// The tiered fee for `size` bytes of reference scripts: the sum, over the spent and reference
    /// inputs' reference scripts, of each script's own bytes (`PlutusScript.bytes.count`, what the
    /// ledger hashes), not of the `[language, bytes]` envelope.
    public func referenceScriptFee(size: Int) throws(CardanoError) -> UInt64 {
        var remaining = UInt64(max(size, 0))
        var total = try Ratio(0)
        var price = referenceScriptCostPerByte
        while remaining >= referenceScriptTierSize, referenceScriptTierSize > 0 {
            total = try total.plus(price.times(referenceScriptTierSize))
            price = try price.times(referenceScriptMultiplier)
            remaining -= referenceScriptTierSize
        }
        return try total.plus(price.times(remaining)).floor
    }

    /// The minimum fee of a transaction of `transactionSize` bytes whose redeemers total
    /// `memory`/`steps` and which references `referenceScriptSize` bytes of scripts.
    public func minFee(
        transactionSize: Int, memory: UInt64 = 0, steps: UInt64 = 0, referenceScriptSize: Int = 0
    ) throws(CardanoError) -> UInt64 {
        let parts = [
            try sizeFee(transactionSize: transactionSize), try executionFee(memory: memory, steps: steps),
            try referenceScriptFee(size: referenceScriptSize),
        ]
        var sum: UInt64 = 0
        for part in parts { sum = try Ratio.checked(sum.addingReportingOverflow(part)) }
        return sum
    }

    /// The least lovelace an output must hold: `(160 + output size) · coinsPerUTxOByte`.
    public func minUTxO(outputSize: Int) throws(CardanoError) -> UInt64 {
        try Ratio.checked((160 + UInt64(max(outputSize, 0))).multipliedReportingOverflow(by: coinsPerUTxOByte))
    }

    /// The least lovelace `output` must hold, measured on its serialisation.
    public func minUTxO(for output: TransactionOutput) throws(CardanoError) -> UInt64 {
        try minUTxO(outputSize: output.cborBytes().count)
    }
}

extension Ratio {
    /// A ratio from a literal already in lowest terms with a non-zero denominator.
    fileprivate init(unchecked numerator: UInt64, _ denominator: UInt64) {
        self.numerator = numerator
        self.denominator = denominator
    }
}
