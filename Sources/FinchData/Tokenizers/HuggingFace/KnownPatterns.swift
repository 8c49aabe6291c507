/// Hand-written scanners for the pre-tokenizer regexes real BPE tokenizers use, equal in
/// effect to tokenizers' Oniguruma matching (ordered alternation, backtracking) but without a
/// regex engine: GPT-2's (ByteLevel's built-in regex), Llama-3's and Qwen2's. Each takes the
/// position where a match starts and returns where it ends; these patterns match at every
/// position, so the matches tile the text.
enum KnownPattern {
    /// `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`
    case gpt2
    /// `(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+`
    case llama3
    /// Llama-3's pattern with `\p{N}` (one digit per piece) for `\p{N}{1,3}`.
    case qwen2

    static let gpt2Pattern = #"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"#
    static let llama3Pattern = #"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"#
    static let qwen2Pattern = #"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"#

    /// The scanner for a `Split` regex, if it is exactly one of the known patterns.
    init?(pattern: String) {
        switch pattern {
        case Self.gpt2Pattern: self = .gpt2
        case Self.llama3Pattern: self = .llama3
        case Self.qwen2Pattern: self = .qwen2
        default: return nil
        }
    }

    func forEachMatch(in text: ArraySlice<Unicode.Scalar>, _ body: (Range<Int>) -> Void) {
        var i = text.startIndex
        while i < text.endIndex {
            let end: Int
            switch self {
            case .gpt2: end = Self.gpt2Match(text, at: i)
            case .llama3: end = Self.llama3Match(text, at: i, maxDigits: 3)
            case .qwen2: end = Self.llama3Match(text, at: i, maxDigits: 1)
            }
            body(i..<end)
            i = end
        }
    }

    private static func gpt2Match(_ s: ArraySlice<Unicode.Scalar>, at i: Int) -> Int {
        let n = s.endIndex
        if let end = contraction(s, at: i, caseInsensitive: false) { return end }
        // ` ?\p{L}+`, ` ?\p{N}+`, ` ?[^\s\p{L}\p{N}]+`: a space joins the run after it.
        var start = i
        var kind = ScalarKind(s[i])
        if s[i] == " ", i + 1 < n {
            let next = ScalarKind(s[i + 1])
            if next != .whitespace {
                start = i + 1
                kind = next
            }
        }
        if kind != .whitespace { return run(of: kind, in: s, from: start + 1) }
        return whitespaceMatch(s, at: i)
    }

    private static func llama3Match(_ s: ArraySlice<Unicode.Scalar>, at i: Int, maxDigits: Int) -> Int {
        let n = s.endIndex
        if let end = contraction(s, at: i, caseInsensitive: true) { return end }
        let c = s[i]
        let kind = ScalarKind(c)
        // `[^\r\n\p{L}\p{N}]?\p{L}+`: one leading non-letter, non-digit (a space, a quote, a
        // mark…) joins the letters after it.
        if kind == .letter { return run(of: .letter, in: s, from: i + 1) }
        if kind != .number, c != "\r", c != "\n", i + 1 < n, ScalarKind(s[i + 1]) == .letter {
            return run(of: .letter, in: s, from: i + 2)
        }
        // `\p{N}{1,3}` (Llama-3) or `\p{N}` (Qwen2).
        if kind == .number {
            var end = i + 1
            while end < n, end - i < maxDigits, ScalarKind(s[end]) == .number { end += 1 }
            return end
        }
        // ` ?[^\s\p{L}\p{N}]+[\r\n]*`
        var start: Int?
        if kind == .other { start = i } else if c == " ", i + 1 < n, ScalarKind(s[i + 1]) == .other { start = i + 1 }
        if let start {
            var end = run(of: .other, in: s, from: start + 1)
            while end < n, s[end] == "\r" || s[end] == "\n" { end += 1 }
            return end
        }
        // `\s*[\r\n]+`: whitespace up to and including its last line break.
        let runEnd = run(of: .whitespace, in: s, from: i + 1)
        if let lastBreak = s[i..<runEnd].lastIndex(where: { $0 == "\r" || $0 == "\n" }) { return lastBreak + 1 }
        return whitespaceMatch(s, at: i)
    }

    /// `'s|'t|'re|'ve|'m|'ll|'d`, optionally case-insensitive as Oniguruma's `(?i:…)`, under
    /// which the long s (ſ, U+017F) is an s too.
    private static func contraction(_ s: ArraySlice<Unicode.Scalar>, at i: Int, caseInsensitive: Bool) -> Int? {
        guard s[i] == "'", i + 1 < s.endIndex else { return nil }
        func letter(_ scalar: Unicode.Scalar) -> Unicode.Scalar {
            guard caseInsensitive else { return scalar }
            if scalar == "\u{017F}" { return "s" }
            return ("A"..."Z").contains(scalar) ? Unicode.Scalar(scalar.value + 32)! : scalar
        }
        let first = letter(s[i + 1])
        if first == "s" || first == "t" || first == "m" || first == "d" { return i + 2 }
        guard i + 2 < s.endIndex else { return nil }
        let second = letter(s[i + 2])
        if (first == "r" && second == "e") || (first == "v" && second == "e") || (first == "l" && second == "l") { return i + 3 }
        return nil
    }

    /// `\s+(?!\S)|\s+` from a whitespace scalar: a run that ends the text is taken whole; one
    /// followed by text leaves its last scalar to join what follows (if the run is longer than one).
    private static func whitespaceMatch(_ s: ArraySlice<Unicode.Scalar>, at i: Int) -> Int {
        let end = run(of: .whitespace, in: s, from: i + 1)
        if end == s.endIndex || end - i == 1 { return end }
        return end - 1
    }

    private static func run(of kind: ScalarKind, in s: ArraySlice<Unicode.Scalar>, from start: Int) -> Int {
        var end = start
        while end < s.endIndex, ScalarKind(s[end]) == kind { end += 1 }
        return end
    }
}

/// The four classes the known patterns distinguish: `\p{L}`, `\p{N}`, `\s` (Unicode
/// White_Space, as Oniguruma's `\s`) and everything else.
enum ScalarKind {
    case letter, number, whitespace, other

    @inline(__always)
    init(_ scalar: Unicode.Scalar) {
        let v = scalar.value
        if v < 0x80 {
            if (v | 0x20) >= 0x61 && (v | 0x20) <= 0x7A { self = .letter }
            else if v >= 0x30 && v <= 0x39 { self = .number }
            else if v == 0x20 || (v >= 0x09 && v <= 0x0D) { self = .whitespace }
            else { self = .other }
            return
        }
        let properties = scalar.properties
        if properties.isWhitespace { self = .whitespace; return }
        switch properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter: self = .letter
        case .decimalNumber, .letterNumber, .otherNumber: self = .number
        default: self = .other
        }
    }
}
