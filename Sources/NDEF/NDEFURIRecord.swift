/// An NFC Forum URI record (NFC Forum URI Record Type Definition, well-known type `U`): what a phone
/// opens when it taps a tag. The URI's scheme part is abbreviated to the one-byte code of the longest
/// prefix in the RTD's table.
public struct NDEFURIRecord: Sendable, Equatable {
    /// The URI, as written (already percent-encoded where it needs to be).
    public let uri: String

    public init(uri: String) {
        self.uri = uri
    }

    /// The prefixes a URI record abbreviates, at their identifier codes 0x00–0x23 (URI RTD, table 3).
    static let prefixes = [
        "", "http://www.", "https://www.", "http://", "https://", "tel:", "mailto:", "ftp://anonymous:anonymous@", "ftp://ftp.",
        "ftps://", "sftp://", "smb://", "nfs://", "ftp://", "dav://", "news:", "telnet://", "imap:", "rtsp://", "urn:", "pop:",
        "sip:", "sips:", "tftp:", "btspp://", "btl2cap://", "btgoep://", "tcpobex://", "irdaobex://", "file://", "urn:epc:id:",
        "urn:epc:tag:", "urn:epc:pat:", "urn:epc:raw:", "urn:epc:", "urn:nfc:",
    ]

    /// The record's payload: the identifier code of the longest matching prefix, then the rest of the
    /// URI in UTF-8.
    public var payload: [UInt8] {
        var best = 0
        for (code, prefix) in Self.prefixes.enumerated() where uri.hasPrefix(prefix) && prefix.utf8.count > Self.prefixes[best].utf8.count {
            best = code
        }
        return [UInt8(best)] + Array(uri.utf8.dropFirst(Self.prefixes[best].utf8.count))
    }

    /// An NDEF message of this record alone (message begin and end set): the bytes an NFC writer app
    /// imports. A payload under 256 bytes makes a short record (one length byte), a longer one a
    /// normal record (four).
    public var message: [UInt8] {
        let payload = payload
        let typeNameFormatWellKnown: UInt8 = 0x01
        let messageBegin: UInt8 = 0x80, messageEnd: UInt8 = 0x40, shortRecord: UInt8 = 0x10
        var header = messageBegin | messageEnd | typeNameFormatWellKnown
        var length: [UInt8]
        if payload.count < 256 {
            header |= shortRecord
            length = [UInt8(payload.count)]
        } else {
            length = withUnsafeBytes(of: UInt32(payload.count).bigEndian, Array.init)
        }
        return [header, 1] + length + [UInt8(ascii: "U")] + payload
    }

    /// The message as a Type 2 tag (NTAG21x) holds it in its data area: an NDEF message TLV (tag 0x03,
    /// a one-byte length below 255, else 0xFF and two bytes) and the terminator TLV (0xFE).
    public var type2TagData: [UInt8] {
        let message = message
        let length: [UInt8] = message.count < 255 ? [UInt8(message.count)] : [0xFF, UInt8(message.count >> 8), UInt8(message.count & 0xFF)]
        return [0x03] + length + message + [0xFE]
    }

    /// The smallest NTAG21x whose user memory holds ``type2TagData`` (NTAG213: 144 bytes, NTAG215:
    /// 504, NTAG216: 888); nil when none does.
    public var smallestNTAG: String? {
        let size = type2TagData.count
        return [("NTAG213", 144), ("NTAG215", 504), ("NTAG216", 888)].first { size <= $0.1 }?.0
    }
}
