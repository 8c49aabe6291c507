/// A tokenizer.json `decoder`: turns the tokens' strings back into text, each step rewriting the
/// list of strings as tokenizers' `decode_chain` does, and the final list joined.
indirect enum TokenDecoder {
    /// GPT-2's byte alphabet back to bytes, then the bytes as UTF-8 (invalid sequences become U+FFFD).
    case byteLevel
    case replace(LiteralReplacement)
    /// Runs of `<0xNN>` tokens back to the text their bytes spell, or one U+FFFD per byte if
    /// they are not valid UTF-8.
    case byteFallback
    /// All strings joined into one.
    case fuse
    /// Up to `start` leading and `stop` trailing `content` characters removed from each string.
    case strip(content: Unicode.Scalar, start: Int, stop: Int)
    /// Metaspace's replacement back to spaces; in the first string it is dropped instead
    /// (it was prepended), unless the prepend scheme is "never".
    case metaspace(replacement: Unicode.Scalar, dropsFromFirst: Bool)
    case sequence([TokenDecoder])

    static let supported = ["ByteLevel", "Replace", "ByteFallback", "Fuse", "Strip", "Metaspace", "Sequence"]

    init(_ json: JSONValue) throws {
        switch try json.type() {
        case "ByteLevel": self = .byteLevel
        case "Replace": self = .replace(try LiteralReplacement(json))
        case "ByteFallback": self = .byteFallback
        case "Fuse": self = .fuse
        case "Strip":
            self = .strip(content: try json.required("content").character(), start: try json.integer("start"), stop: try json.integer("stop"))
        case "Metaspace":
            let metaspace = try Metaspace(json)
            self = .metaspace(replacement: metaspace.replacement, dropsFromFirst: metaspace.prependScheme != .never)
        case "Sequence": self = .sequence(try json.required("decoders").elements().map(TokenDecoder.init))
        case let other: throw json.unsupported("decoder", type: other, supported: Self.supported)
        }
    }

    func decodeChain(_ tokens: [String]) -> [String] {
        switch self {
        case .byteLevel:
            var bytes: [UInt8] = []
            for token in tokens {
                // A token with a character outside the alphabet (an added token such as
                // "<｜end▁of▁sentence｜>") contributes its own UTF-8 bytes, as in tokenizers.
                let mapped = token.unicodeScalars.map(ByteLevelAlphabet.byte(of:))
                if mapped.contains(nil) { bytes += token.utf8 } else { bytes += mapped.map { $0! } }
            }
            return [String(decoding: bytes, as: UTF8.self)]
        case .replace(let replacement):
            return tokens.map(replacement.apply(to:))
        case .byteFallback:
            return Self.fallBackToBytes(tokens)
        case .fuse:
            return [tokens.joined()]
        case let .strip(content, start, stop):
            return tokens.map { token in
                let scalars = Array(token.unicodeScalars)
                let head = scalars.prefix(start).prefix { $0 == content }.count
                let tail = scalars[head...].suffix(stop).reversed().prefix { $0 == content }.count
                return String(scalars: scalars[head..<(scalars.count - tail)])
            }
        case let .metaspace(replacement, dropsFromFirst):
            return tokens.enumerated().map { index, token in
                let drop = index == 0 && dropsFromFirst
                return String(scalars: token.unicodeScalars.compactMap { $0 == replacement ? (drop ? nil : " ") : $0 })
            }
        case .sequence(let decoders):
            return decoders.reduce(tokens) { $1.decodeChain($0) }
        }
    }

    private static func fallBackToBytes(_ tokens: [String]) -> [String] {
        var out: [String] = []
        var pending: [UInt8] = []
        func flush() {
            guard !pending.isEmpty else { return }
            // Valid UTF-8 is exactly what survives decoding unchanged (Foundation's
            // String(bytes:encoding:) would also drop a leading BOM).
            let text = String(decoding: pending, as: UTF8.self)
            if text.utf8.elementsEqual(pending) {
                out.append(text)
            } else {
                out += repeatElement("\u{FFFD}", count: pending.count)
            }
            pending.removeAll()
        }
        for token in tokens {
            if let byte = Self.byteValue(of: token) {
                pending.append(byte)
            } else {
                flush()
                out.append(token)
            }
        }
        flush()
        return out
    }

    /// The byte a `<0xNN>` token stands for.
    private static func byteValue(of token: String) -> UInt8? {
        let utf8 = Array(token.utf8)
        guard utf8.count == 6, token.hasPrefix("<0x"), token.hasSuffix(">") else { return nil }
        return UInt8(String(decoding: utf8[3..<5], as: UTF8.self), radix: 16)
    }
}
