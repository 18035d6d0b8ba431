extension CBOR {
    /// The Core Deterministic Encoding of this item (RFC 8949 §4.2.1): shortest heads, definite
    /// lengths, preferred floats, map keys sorted bytewise on their encoded form. Throws
    /// `cbor_duplicate_key` for a map with two equal keys, `cbor_invalid_simple` for a `.simple`
    /// value in 20–31, `cbor_invalid_tag` for tag content of the wrong type, and
    /// `cbor_not_deterministic` for a bignum that is not in preferred serialization.
    public func encode() throws(CBORError) -> [UInt8] {
        var writer = CBORWriter()
        try writer.append(self)
        return writer.bytes
    }
}

extension CBORWriter {
    /// Appends an item in Core Deterministic Encoding (see `CBOR.encode()`).
    public mutating func append(_ item: CBOR) throws(CBORError) {
        switch item {
        case .unsigned(let n):
            appendHead(.unsigned, n)
        case .negative(let n):
            appendHead(.negative, n)
        case .bytes(let b):
            appendHead(.bytes, UInt64(b.count))
            bytes.append(contentsOf: b)
        case .text(let s):
            appendHead(.text, UInt64(s.utf8.count))
            bytes.append(contentsOf: s.utf8)
        case .array(let elements):
            appendHead(.array, UInt64(elements.count))
            for element in elements { try append(element) }
        case .map(let pairs):
            try appendMap(pairs)
        case .tagged(let tag, let content):
            if let problem = CBORValidity.tagProblem(tag, content) {
                throw CBORError(.invalidTag, problem)
            }
            if let problem = CBORValidity.bignumProblem(tag, content) {
                throw CBORError(.notDeterministic, problem)
            }
            appendHead(.tag, tag)
            try append(content)
        case .simple(let value):
            guard value < 20 || value >= 32 else {
                throw CBORError(
                    .invalidSimple,
                    "simple(\(value)) is not encodable: 20–23 are .bool, .null and .undefined, 24–31 are reserved")
            }
            appendHead(.simple, UInt64(value))
        case .bool(let value):
            bytes.append(value ? 0xf5 : 0xf4)
        case .null:
            bytes.append(0xf6)
        case .undefined:
            bytes.append(0xf7)
        case .float(let value):
            appendFloat(value)
        }
    }

    /// Writes the entries sorted bytewise by their encoded keys.
    private mutating func appendMap(_ pairs: [CBOR.Pair]) throws(CBORError) {
        appendHead(.map, UInt64(pairs.count))
        if pairs.count < 2 {
            for pair in pairs {
                try append(pair.key)
                try append(pair.value)
            }
            return
        }
        var keyWriter = CBORWriter(capacity: pairs.count * 8)
        var spans: [Range<Int>] = []
        spans.reserveCapacity(pairs.count)
        for pair in pairs {
            let start = keyWriter.bytes.count
            try keyWriter.append(pair.key)
            spans.append(start..<keyWriter.bytes.count)
        }
        let keys = keyWriter.bytes
        let order = pairs.indices.sorted { keys[spans[$0]].lexicographicallyPrecedes(keys[spans[$1]]) }
        var previous: Range<Int>?
        for index in order {
            let span = spans[index]
            if let previous, keys[previous].elementsEqual(keys[span]) {
                throw CBORError(.duplicateKey, "map has the key \(pairs[index].key.diagnosticSummary) twice")
            }
            appendRaw(keys[span])
            try append(pairs[index].value)
            previous = span
        }
    }
}

/// Validity rules shared by the encoder and the decoder.
enum CBORValidity {
    /// Why `content` is not valid under `tag` (RFC 8949 §3.4), or nil. Only the tags that RFC 8949
    /// defines are checked; all others accept any content.
    static func tagProblem(_ tag: UInt64, _ content: CBOR) -> String? {
        let valid: Bool
        let expected: String
        switch tag {
        case 0, 32, 33, 34, 36:
            (valid, expected) = (content.textValue != nil, "a text string")
        case 1:
            switch content {
            case .unsigned, .negative, .float: valid = true
            default: valid = false
            }
            expected = "an integer or a float"
        case 2, 3, 24:
            (valid, expected) = (content.bytesValue != nil, "a byte string")
        case 4, 5:
            if case .array(let parts) = content, parts.count == 2 {
                valid = isInteger(parts[0]) && parts[1].bigIntegerValue != nil
            } else {
                valid = false
            }
            expected = "an array of an integer exponent and an integer or bignum mantissa"
        default:
            return nil
        }
        return valid ? nil : "tag \(tag) must contain \(expected)"
    }

    /// Why a bignum (tag 2 or 3) is not in preferred serialization (RFC 8949 §3.4.3: no leading
    /// zero bytes, and major type 0/1 for values that fit in 64 bits), or nil.
    static func bignumProblem(_ tag: UInt64, _ content: CBOR) -> String? {
        guard tag == 2 || tag == 3, case .bytes(let magnitude) = content else { return nil }
        if magnitude.first == 0 { return "bignum has leading zero bytes" }
        if magnitude.count <= 8 { return "bignum fits in major type \(tag - 2) and must be encoded that way" }
        return nil
    }

    private static func isInteger(_ item: CBOR) -> Bool {
        switch item {
        case .unsigned, .negative: return true
        default: return false
        }
    }
}
