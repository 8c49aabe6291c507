/// One entry of tokenizer.json's `added_tokens`: a token found in the text before anything
/// else runs, and never split.
struct AddedToken {
    let id: Int32
    let content: String
    let special: Bool
    /// Matches only where it is not glued to a word character on either side.
    let singleWord: Bool
    /// Swallows the whitespace on its left / right.
    let lstrip: Bool
    let rstrip: Bool
    /// Matched against the normalized text (in its normalized form) instead of the raw text.
    let normalized: Bool

    /// Reads `added_tokens` as tokenizers does: an entry whose content the model's vocabulary
    /// (or an earlier entry) already has takes that id, any other the next id after the
    /// vocabulary. tokenizers only warns when the file says otherwise and uses its own id;
    /// Finch refuses such a file, since a model trained on the file's ids would be fed others.
    static func read(_ json: JSONValue?, vocabulary: [String: Int32], vocabularyCount: Int) throws -> [AddedToken] {
        var tokens: [AddedToken] = []
        var idByContent: [String: Int32] = [:]
        var nextID = Int32(vocabularyCount)
        for entry in try json?.elements() ?? [] {
            let content = try entry.string("content")
            let special = try entry.bool("special", default: false)
            let fileID = try entry.integer("id")
            if content.isEmpty { continue }  // tokenizers ignores empty added tokens
            let id: Int32
            if let known = idByContent[content] ?? vocabulary[content] {
                id = known
            } else {
                id = nextID
                nextID += 1
            }
            guard fileID == Int(id) else {
                throw entry.error("\"\(content)\" has id \(fileID), but tokenizers gives it \(id) (its id in model.vocab, or the next id after the vocabulary and the added tokens before it)")
            }
            idByContent[content] = id
            tokens.removeAll { $0.id == id }  // a repeated entry replaces the earlier one, as in tokenizers
            tokens.append(AddedToken(id: id, content: content, special: special,
                                     singleWord: try entry.bool("single_word", default: false),
                                     lstrip: try entry.bool("lstrip", default: false),
                                     rstrip: try entry.bool("rstrip", default: false),
                                     normalized: try entry.bool("normalized", default: !special)))
        }
        return tokens
    }
}

/// Finds added tokens in a piece of text exactly as tokenizers' `AddedVocabulary` does: the
/// leftmost-longest match of any token's text, then the token's `single_word`, `lstrip` and
/// `rstrip` rules; the text between matches is passed on to be normalized and tokenized.
///
/// Special tokens are matched only when asked: `HuggingFaceTokenizer.encode(_:)` leaves them
/// as ordinary text (tokenizers' `encode_special_tokens = True`), so data cannot forge them.
/// Their match still consumes the text, so a token overlapping a skipped special is not found
/// inside it, again as in tokenizers.
struct AddedTokenMatcher {
    private let tokens: [AddedToken]
    /// What each token is matched as: its content, or for a normalized token its content as
    /// the normalizer rewrites it.
    private let patterns: [[Unicode.Scalar]]
    /// Indices of `tokens` by their pattern's first scalar, longest pattern first.
    private let candidates: [Unicode.Scalar: [Int]]
    /// Which ASCII scalars begin a pattern (bit v of word v / 64), and whether any non-ASCII one
    /// does: most positions of a text are passed over with one bit test, not a dictionary lookup.
    private let asciiFirsts: [UInt64]
    private let anyNonASCIIFirst: Bool

    init(tokens: [AddedToken], patterns: [[Unicode.Scalar]]) {
        self.tokens = tokens
        self.patterns = patterns
        var candidates: [Unicode.Scalar: [Int]] = [:]
        for (index, pattern) in patterns.enumerated() where !pattern.isEmpty {
            candidates[pattern[0], default: []].append(index)
        }
        self.candidates = candidates.mapValues { $0.sorted { patterns[$0].count > patterns[$1].count } }
        var asciiFirsts: [UInt64] = [0, 0]
        for first in candidates.keys where first.isASCII { asciiFirsts[Int(first.value) / 64] |= 1 << (first.value % 64) }
        self.asciiFirsts = asciiFirsts
        anyNonASCIIFirst = candidates.keys.contains { !$0.isASCII }
    }

    enum Segment {
        case token(Int32)
        case text(TextPiece)
    }

    /// Calls `body` with the added tokens of `piece` and the non-empty text around them, in order.
    func split(_ piece: TextPiece, matchingSpecial: Bool, _ body: (Segment) -> Void) {
        let text = piece.scalars
        guard !candidates.isEmpty else {
            if !text.isEmpty { body(.text(piece)) }
            return
        }
        var textStart = text.startIndex
        var i = text.startIndex
        while i < text.endIndex {
            guard let match = longestMatch(in: text, at: i) else {
                i += 1
                continue
            }
            var start = i
            var stop = i + patterns[match].count
            i = stop  // matches never overlap, whatever the strip rules do below
            let token = tokens[match]
            if token.special && !matchingSpecial { continue }
            if token.singleWord {
                let aloneOnTheLeft = start == text.startIndex || !Self.isWordCharacter(text[start - 1])
                let aloneOnTheRight = stop == text.endIndex || !Self.isWordCharacter(text[stop])
                if !(aloneOnTheLeft && aloneOnTheRight) { continue }
            }
            if token.lstrip {
                var newStart = start
                while newStart > text.startIndex && text[newStart - 1].properties.isWhitespace { newStart -= 1 }
                start = max(newStart, textStart)  // spaces an earlier token took stay with it
            }
            if token.rstrip {
                while stop < text.endIndex && text[stop].properties.isWhitespace { stop += 1 }
            }
            if textStart < start { body(.text(piece.slice(textStart..<start))) }
            body(.token(token.id))
            textStart = stop
        }
        if textStart < text.endIndex { body(.text(piece.slice(textStart..<text.endIndex))) }
    }

    private func longestMatch(in text: ArraySlice<Unicode.Scalar>, at i: Int) -> Int? {
        let value = text[i].value
        if value < 128 {
            if asciiFirsts[Int(value) / 64] & (1 << (value % 64)) == 0 { return nil }
        } else if !anyNonASCIIFirst {
            return nil
        }
        guard let indices = candidates[text[i]] else { return nil }
        return indices.first { index in
            let pattern = patterns[index]
            return text.endIndex - i >= pattern.count && text[i..<(i + pattern.count)].elementsEqual(pattern)
        }
    }

    /// Rust regex's Unicode `\w`, which tokenizers uses for `single_word`.
    static func isWordCharacter(_ scalar: Unicode.Scalar) -> Bool {
        let properties = scalar.properties
        switch properties.generalCategory {
        case .nonspacingMark, .spacingMark, .enclosingMark, .decimalNumber, .connectorPunctuation: return true
        default: return properties.isAlphabetic || properties.isJoinControl
        }
    }
}
