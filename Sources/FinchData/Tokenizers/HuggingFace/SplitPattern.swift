import Foundation

/// The pattern of a `Split` pre-tokenizer, `{"String": …}` or `{"Regex": …}`, as something that
/// lists its matches in a piece of text (in scalar positions of the piece's slice).
///
/// The regexes of GPT-2, Llama-3 and Qwen2 are recognised by their exact text and run by the
/// hand-written scanners of `KnownPattern`; any other regex is compiled with
/// `NSRegularExpression` (ICU). ICU and Oniguruma, which tokenizers uses, agree on what the
/// fixture's DeepSeek-style patterns exercise (`\p{…}` classes, `\s` as Unicode White_Space,
/// `(?!\S)`, bracket ranges); they can differ on rarer syntax, so a new pattern deserves a
/// parity check against tokenizers.
enum SplitPattern {
    case known(KnownPattern)
    case literal([Unicode.Scalar])
    case regex(CompiledRegex)

    init(_ json: JSONValue) throws {
        if let literal = try json.member("String") {
            self = .literal(Array(try literal.string().unicodeScalars))
        } else if let regex = try json.member("Regex") {
            let pattern = try regex.string()
            if let known = KnownPattern(pattern: pattern) {
                self = .known(known)
            } else {
                do {
                    self = .regex(CompiledRegex(try NSRegularExpression(pattern: pattern, options: [.anchorsMatchLines])))
                } catch {
                    throw regex.error("cannot compile the regex: \(error.localizedDescription)")
                }
            }
        } else {
            throw json.error("expected {\"String\": …} or {\"Regex\": …}")
        }
    }

    /// Calls `body` with each match, left to right, never overlapping.
    func forEachMatch(in text: ArraySlice<Unicode.Scalar>, _ body: (Range<Int>) -> Void) {
        switch self {
        case .known(let pattern):
            pattern.forEachMatch(in: text, body)
        case .literal(let literal):
            guard let first = literal.first else { return }  // an empty pattern matches nothing, as in tokenizers
            var i = text.startIndex
            while i + literal.count <= text.endIndex {
                if text[i] == first, text[i..<(i + literal.count)].elementsEqual(literal) {
                    body(i..<(i + literal.count))
                    i += literal.count
                } else {
                    i += 1
                }
            }
        case .regex(let compiled):
            compiled.forEachMatch(in: text, body)
        }
    }
}

/// An `NSRegularExpression` (immutable, and documented as safe to share between threads) with
/// the translation between its UTF-16 offsets and the scalar positions the tokenizer works in.
final class CompiledRegex: @unchecked Sendable {
    let regex: NSRegularExpression

    init(_ regex: NSRegularExpression) { self.regex = regex }

    func forEachMatch(in text: ArraySlice<Unicode.Scalar>, _ body: (Range<Int>) -> Void) {
        // scalarAt[u] is the scalar position where UTF-16 offset u falls.
        var scalarAt: [Int] = []
        scalarAt.reserveCapacity(text.count + 1)
        for i in text.indices {
            scalarAt.append(i)
            if text[i].value > 0xFFFF { scalarAt.append(i) }
        }
        scalarAt.append(text.endIndex)
        let string = String(scalars: text)
        withoutActuallyEscaping(body) { body in
            regex.enumerateMatches(in: string, options: [], range: NSRange(location: 0, length: scalarAt.count - 1)) { match, _, _ in
                guard let range = match?.range, range.location != NSNotFound else { return }
                body(scalarAt[range.location]..<scalarAt[range.location + range.length])
            }
        }
    }
}
