import Foundation

/// A tokenizer.json `normalizer`: what is done to the text between added tokens before it is
/// pre-tokenized. Qwen2 composes to NFC; Llama-2 and Mistral put "▁" in front and write spaces
/// as "▁" (SentencePiece's convention), which is why they need no pre-tokenizer.
indirect enum TextNormalizer {
    case nfc
    case prepend([Unicode.Scalar])
    case replace(LiteralReplacement)
    case sequence([TextNormalizer])

    static let supported = ["NFC", "Prepend", "Replace", "Sequence"]

    init(_ json: JSONValue) throws {
        switch try json.type() {
        case "NFC": self = .nfc
        case "Prepend": self = .prepend(Array(try json.string("prepend").unicodeScalars))
        case "Replace": self = .replace(try LiteralReplacement(json))
        case "Sequence": self = .sequence(try json.required("normalizers").elements().map(TextNormalizer.init))
        case let other: throw json.unsupported("normalizer", type: other, supported: Self.supported)
        }
    }

    func normalize(_ text: ArraySlice<Unicode.Scalar>) -> ArraySlice<Unicode.Scalar> {
        switch self {
        case .nfc:
            // Nothing below U+0300 (where combining marks begin) composes with anything, so
            // most text is already NFC and is passed through without a copy.
            if text.allSatisfy({ $0.value < 0x300 }) { return text }
            return Array(String(scalars: text).precomposedStringWithCanonicalMapping.unicodeScalars)[...]
        case .prepend(let prefix):
            // As tokenizers' Prepend: an empty piece stays empty.
            return text.isEmpty ? text : (prefix + text)[...]
        case .replace(let replacement):
            return replacement.apply(to: text)
        case .sequence(let normalizers):
            return normalizers.reduce(text) { $1.normalize($0) }
        }
    }
}

/// `Replace` with a literal pattern, `{"type": "Replace", "pattern": {"String": " "}, "content": "▁"}`:
/// every non-overlapping occurrence, left to right, becomes `content`. It serves as normalizer
/// and as decoder alike, as in tokenizers.
struct LiteralReplacement {
    let pattern: [Unicode.Scalar]
    let content: [Unicode.Scalar]

    init(_ json: JSONValue) throws {
        let patternJSON = try json.required("pattern")
        guard let literal = try patternJSON.member("String") else {
            throw patternJSON.error("only {\"String\": …} patterns are supported in Replace")
        }
        pattern = Array(try literal.string().unicodeScalars)
        content = Array(try json.string("content").unicodeScalars)
    }

    func apply(to text: ArraySlice<Unicode.Scalar>) -> ArraySlice<Unicode.Scalar> {
        guard let first = pattern.first, text.contains(first) else { return text }
        var out: [Unicode.Scalar] = []
        out.reserveCapacity(text.count)
        var i = text.startIndex
        while i < text.endIndex {
            if text[i] == first, text.endIndex - i >= pattern.count, text[i..<(i + pattern.count)].elementsEqual(pattern) {
                out += content
                i += pattern.count
            } else {
                out.append(text[i])
                i += 1
            }
        }
        return out[...]
    }

    func apply(to token: String) -> String {
        String(scalars: apply(to: Array(token.unicodeScalars)[...]))
    }
}
