/// One entry of an outbound allow list: a host name (`registry.internal`), or an address block
/// (`10.20.0.0/16`, `fd00::/8`, or a single address).
public enum OutboundAllowance: Sendable, Hashable, CustomStringConvertible {
    case host(String)
    case range(AddressRange)

    /// Parses an address, a CIDR block or a DNS host name; nil for anything else.
    public init?(_ text: String) {
        if let range = AddressRange(text) {
            self = .range(range)
            return
        }
        let name = text.lowercased()
        let labels = name.split(separator: ".", omittingEmptySubsequences: false)
        guard !name.isEmpty, name.utf8.count <= 253,
            labels.allSatisfy({ label in
                (1...63).contains(label.utf8.count) && label.first != "-" && label.last != "-"
                    && label.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }
            })
        else { return nil }
        self = .host(name)
    }

    public var description: String {
        switch self {
        case .host(let name): name
        case .range(let range): range.description
        }
    }
}

/// Where fetches of documents others publish (DID documents, status lists, issuer registries) may go.
///
/// Every address a host resolves to must be an ordinary public address; loopback, private (RFC 1918,
/// fc00::/7), link-local (169.254.0.0/16 with the cloud metadata address, fe80::/10), unspecified,
/// multicast and reserved addresses are refused, so a document URL cannot aim the service at itself
/// or at its network. Exceptions are explicit: `allowLoopbackHTTP` permits loopback addresses (and
/// plain http to `localhost`, `127.0.0.1` and `[::1]`), and `allowList` permits the hosts it names and
/// the addresses in its blocks.
public struct OutboundAccess: Sendable, Hashable {
    /// Permit loopback destinations, over plain http too (tests, local development).
    public var allowLoopbackHTTP: Bool
    /// Hosts and address blocks permitted although they are not public.
    public var allowList: [OutboundAllowance]

    public init(allowLoopbackHTTP: Bool = false, allowList: [OutboundAllowance] = []) {
        self.allowLoopbackHTTP = allowLoopbackHTTP
        self.allowList = allowList
    }

    /// Whether a URL with this scheme and host may be requested: https always; http only to a
    /// loopback host name or address when `allowLoopbackHTTP` is set.
    public func permitsScheme(_ scheme: String, host: String) -> Bool {
        switch scheme.lowercased() {
        case "https": return true
        case "http": return allowLoopbackHTTP && Self.loopbackHosts.contains(host.lowercased())
        default: return false
        }
    }

    /// Whether `address`, which `host` resolved to, may be connected to.
    public func permits(_ address: IPAddress, of host: String) -> Bool {
        guard let purpose = address.specialPurpose else { return true }
        if purpose == .loopback, allowLoopbackHTTP { return true }
        return allowList.contains { allowance in
            switch allowance {
            case .host(let name): name == Self.normalized(host)
            case .range(let range): range.contains(address)
            }
        }
    }

    private static let loopbackHosts: Set<String> = ["localhost", "127.0.0.1", "::1", "[::1]"]

    private static func normalized(_ host: String) -> String {
        var name = host.lowercased()
        if name.hasSuffix(".") { name.removeLast() }
        return name
    }
}
