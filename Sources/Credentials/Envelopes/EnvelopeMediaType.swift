/// The media types of credentials and presentations secured by enveloping (VC-JOSE-COSE §6.1).
public enum EnvelopeMediaType: String, Sendable, CaseIterable {
    /// A credential as a compact JWS.
    case vcJWT = "application/vc+jwt"
    /// A presentation as a compact JWS.
    case vpJWT = "application/vp+jwt"
    /// A credential as a COSE_Sign1.
    case vcCOSE = "application/vc+cose"
    /// A presentation as a COSE_Sign1.
    case vpCOSE = "application/vp+cose"

    /// The media type named with or without `application/`, in any case: `vc+jwt`, `application/vc+cose`, ….
    public init?(name: String) {
        let lowered = name.lowercased()
        guard let type = Self(rawValue: lowered.hasPrefix("application/") ? lowered : "application/" + lowered) else { return nil }
        self = type
    }

    /// The name without `application/`, as JWS `typ` headers and issue options carry it: `vc+jwt`, ….
    public var shortName: String { String(rawValue.dropFirst("application/".count)) }

    /// Whether the payload is a presentation (else a credential).
    public var isPresentation: Bool { self == .vpJWT || self == .vpCOSE }

    /// Whether the secured form is a COSE_Sign1 (else a compact JWS).
    public var isCOSE: Bool { self == .vcCOSE || self == .vpCOSE }

    /// The `type` of the object that carries it in a `data:` URL.
    public var envelopedType: String { isPresentation ? "EnvelopedVerifiablePresentation" : "EnvelopedVerifiableCredential" }

    /// The content type of the payload without `application/`: `vc` or `vp`.
    var contentType: String { isPresentation ? "vp" : "vc" }

    /// Whether a `cty` (JOSE) or content type (COSE) value names this payload: `vc`, `application/vc`, or
    /// the `vc+ld+json` of earlier drafts (and the `vp` ones for presentations).
    func acceptsContentType(_ value: String) -> Bool {
        var name = value.lowercased()
        if name.hasPrefix("application/") { name.removeFirst("application/".count) }
        return name == contentType || name == contentType + "+ld+json"
    }
}
