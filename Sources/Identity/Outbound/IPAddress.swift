#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// An IPv4 or IPv6 address, as its 4 or 16 bytes in network order.
public struct IPAddress: Sendable, Hashable, CustomStringConvertible {
    /// 4 bytes for IPv4, 16 for IPv6.
    public let bytes: [UInt8]

    /// The address from its 4 or 16 bytes; nil for any other length.
    public init?(bytes: [UInt8]) {
        guard bytes.count == 4 || bytes.count == 16 else { return nil }
        self.bytes = bytes
    }

    /// Parses a dotted-quad IPv4 address or an IPv6 address (RFC 4291 text, brackets allowed).
    /// Only these canonical forms are accepted: `127.1` or `0x7f.0.0.1` are host names to resolve, not addresses.
    public init?(_ text: String) {
        var text = Substring(text)
        if text.hasPrefix("["), text.hasSuffix("]") { text = text.dropFirst().dropLast() }
        if text.contains(":") {
            var address = in6_addr()
            guard inet_pton(AF_INET6, String(text), &address) == 1 else { return nil }
            self.bytes = withUnsafeBytes(of: &address) { Array($0) }
        } else {
            var address = in_addr()
            guard inet_pton(AF_INET, String(text), &address) == 1 else { return nil }
            self.bytes = withUnsafeBytes(of: &address) { Array($0) }
        }
    }

    public var isIPv4: Bool { bytes.count == 4 }

    /// The standard text form (`192.0.2.1`, `2001:db8::1`).
    public var description: String {
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        let family = isIPv4 ? AF_INET : AF_INET6
        let written = bytes.withUnsafeBytes { raw in
            inet_ntop(family, raw.baseAddress, &buffer, socklen_t(buffer.count))
        }
        guard written != nil else { return bytes.map { String($0, radix: 16) }.joined(separator: ".") }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// The IPv4 address an IPv4-mapped IPv6 address (`::ffff:a.b.c.d`) carries; otherwise the address itself.
    public var unmapped: IPAddress {
        guard bytes.count == 16, bytes[0..<10].allSatisfy({ $0 == 0 }), bytes[10] == 0xff, bytes[11] == 0xff else { return self }
        return IPAddress(uncheckedBytes: Array(bytes[12..<16]))
    }

    /// Whether the address is a loopback address (127.0.0.0/8, ::1, or IPv4-mapped loopback).
    public var isLoopback: Bool {
        let address = unmapped
        return address.isIPv4 ? address.bytes[0] == 127 : address.bytes == Array(repeating: 0, count: 15) + [1]
    }

    /// The special-purpose block (IANA IPv4 and IPv6 Special-Purpose Address Registries) the address
    /// belongs to, or nil when it is an ordinary, globally reachable address. IPv6 forms that embed an
    /// IPv4 address (IPv4-mapped, NAT64 `64:ff9b::/96`, 6to4 `2002::/16`) are judged by that address.
    public var specialPurpose: SpecialPurpose? {
        let address = unmapped
        if let embedded = address.embeddedIPv4 { return embedded.specialPurpose }
        return SpecialPurpose.blocks.first { $0.range.contains(address) }?.purpose
    }

    /// The IPv4 address inside a NAT64 or 6to4 address.
    private var embeddedIPv4: IPAddress? {
        guard bytes.count == 16 else { return nil }
        if bytes[0..<12] == [0x00, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0] { return IPAddress(uncheckedBytes: Array(bytes[12..<16])) }
        if bytes[0] == 0x20, bytes[1] == 0x02 { return IPAddress(uncheckedBytes: Array(bytes[2..<6])) }
        return nil
    }

    fileprivate init(uncheckedBytes: [UInt8]) {
        self.bytes = uncheckedBytes
    }
}

/// Why an address is not an ordinary public destination.
public enum SpecialPurpose: String, Sendable, CaseIterable {
    case loopback
    /// RFC 1918 private networks, and IPv6 unique-local addresses (fc00::/7).
    case privateNetwork
    /// 169.254.0.0/16 (including cloud metadata services at 169.254.169.254) and fe80::/10.
    case linkLocal
    /// 0.0.0.0/8 and `::`: "this host" or "this network".
    case unspecified
    /// 100.64.0.0/10, carrier-grade NAT.
    case sharedAddressSpace
    case multicast
    /// Documentation, benchmarking, protocol assignments, deprecated and reserved blocks.
    case reserved

    /// The blocks in the order they are matched (more specific first where they overlap).
    fileprivate static let blocks: [(range: AddressRange, purpose: SpecialPurpose)] = [
        ("0.0.0.0/8", .unspecified), ("10.0.0.0/8", .privateNetwork), ("100.64.0.0/10", .sharedAddressSpace),
        ("127.0.0.0/8", .loopback), ("169.254.0.0/16", .linkLocal), ("172.16.0.0/12", .privateNetwork),
        ("192.0.0.0/24", .reserved), ("192.0.2.0/24", .reserved), ("192.88.99.0/24", .reserved),
        ("192.168.0.0/16", .privateNetwork), ("198.18.0.0/15", .reserved), ("198.51.100.0/24", .reserved),
        ("203.0.113.0/24", .reserved), ("224.0.0.0/4", .multicast), ("240.0.0.0/4", .reserved),
        ("::/128", .unspecified), ("::1/128", .loopback), ("::/96", .reserved), ("64:ff9b:1::/48", .reserved),
        ("100::/64", .reserved), ("2001::/23", .reserved), ("2001:db8::/32", .reserved), ("3fff::/20", .reserved),
        ("5f00::/16", .reserved), ("fc00::/7", .privateNetwork), ("fe80::/10", .linkLocal), ("fec0::/10", .reserved),
        ("ff00::/8", .multicast),
    ].map { text, purpose in (AddressRange(text)!, purpose) }  // literals above, all valid
}

/// A block of addresses in CIDR notation (`10.0.0.0/8`, `fd00::/8`); a bare address is a block of one.
public struct AddressRange: Sendable, Hashable, CustomStringConvertible {
    public let network: IPAddress
    public let prefixLength: Int

    /// Parses `address/prefix` or a bare address. Host bits set below the prefix are cleared.
    public init?(_ text: String) {
        let parts = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard let address = IPAddress(String(parts[0])) else { return nil }
        let bits = address.bytes.count * 8
        var length = bits
        if parts.count == 2 {
            guard !parts[1].isEmpty, parts[1].count <= 3, parts[1].allSatisfy({ $0.isASCII && $0.isNumber }),
                let parsed = Int(parts[1]), parsed <= bits
            else { return nil }
            length = parsed
        }
        self.prefixLength = length
        self.network = IPAddress(uncheckedBytes: Self.mask(address.bytes, to: length))
    }

    /// Whether `address` lies in the block (an IPv4-mapped IPv6 address counts as its IPv4 address).
    public func contains(_ address: IPAddress) -> Bool {
        let candidate = network.isIPv4 ? address.unmapped : address
        guard candidate.bytes.count == network.bytes.count else { return false }
        return Self.mask(candidate.bytes, to: prefixLength) == network.bytes
    }

    public var description: String { "\(network)/\(prefixLength)" }

    private static func mask(_ bytes: [UInt8], to length: Int) -> [UInt8] {
        bytes.enumerated().map { index, byte in
            let kept = min(max(length - index * 8, 0), 8)
            return kept == 8 ? byte : byte & ~(UInt8(0xff) >> kept)
        }
    }
}
