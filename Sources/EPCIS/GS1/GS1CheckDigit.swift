/// The GS1 mod-10 check digit (GS1 General Specifications 7.9.1) used by GTIN, GLN, SSCC, GRAI, GSRN,
/// GDTI, GCN, GSIN and the GTIN inside an ITIP.
public enum GS1CheckDigit {
    /// The check digit for a body of ASCII digits: weights 3,1,3,1... from the rightmost digit,
    /// check = (10 - sum mod 10) mod 10. Nil if the body holds a non-digit.
    public static func compute(_ body: some StringProtocol) -> Character? {
        digit(for: Array(body.utf8)).map { Character(Unicode.Scalar($0)) }
    }

    /// Whether the last digit of `digits` is the check digit of the digits before it.
    public static func isValid(_ digits: some StringProtocol) -> Bool { isValid(bytes: Array(digits.utf8)) }

    /// The ASCII check digit for a body of ASCII digits, nil if it holds anything else.
    static func digit(for body: some BidirectionalCollection<UInt8>) -> UInt8? {
        var sum = 0
        var weight = 3
        for byte in body.reversed() {
            guard byte >= 48, byte <= 57 else { return nil }
            sum += Int(byte - 48) * weight
            weight = 4 - weight
        }
        return UInt8(48 + (10 - sum % 10) % 10)
    }

    /// Whether the last byte is the check digit of the bytes before it.
    static func isValid(bytes: some BidirectionalCollection<UInt8>) -> Bool {
        guard let last = bytes.last, bytes.count >= 2 else { return false }
        return digit(for: bytes.dropLast()) == last
    }
}
