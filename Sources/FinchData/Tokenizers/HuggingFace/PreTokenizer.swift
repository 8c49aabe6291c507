/// A tokenizer.json `pre_tokenizer`, flattened: the stages that cut a normalized piece into
/// the words the BPE model sees, applied in order (a `Sequence` is its stages one after another).
///
/// ByteLevel's byte-to-character mapping is not done here: a pipeline ending in ByteLevel is
/// `isByteLevel`, and the model maps each word's UTF-8 bytes itself (`BPEModel`), so no mapped
/// string is built for a word the cache already knows. That needs ByteLevel to be the last stage,
/// as it is in every tokenizer that uses it; a file with a stage after it is refused.
struct PreTokenizer {
    enum Stage {
        /// ByteLevel: a space before a piece that has none (`add_prefix_space`), then GPT-2's
        /// regex if `use_regex`.
        case byteLevel(addPrefixSpace: Bool, useRegex: Bool)
        case split(SplitPattern, SplitBehavior, invert: Bool)
        case metaspace(Metaspace)
    }

    static let supported = ["ByteLevel", "Split", "Metaspace", "Sequence"]

    let stages: [Stage]
    var isByteLevel: Bool {
        if case .byteLevel = stages.last { return true }
        return false
    }

    /// A missing or null `pre_tokenizer` leaves each piece one word (Llama-2's layout).
    init(_ json: JSONValue?) throws {
        var stages: [Stage] = []
        func read(_ json: JSONValue) throws {
            switch try json.type() {
            case "Sequence":
                for stage in try json.required("pretokenizers").elements() { try read(stage) }
            case "ByteLevel":
                stages.append(.byteLevel(addPrefixSpace: try json.bool("add_prefix_space", default: true),
                                         useRegex: try json.bool("use_regex", default: true)))
            case "Split":
                let behaviorJSON = try json.required("behavior")
                guard let behavior = SplitBehavior(rawValue: try behaviorJSON.string()) else {
                    throw behaviorJSON.error("unknown behavior \"\(try behaviorJSON.string())\" (known: Removed, Isolated, MergedWithPrevious, MergedWithNext, Contiguous)")
                }
                stages.append(.split(try SplitPattern(json.required("pattern")), behavior, invert: try json.bool("invert", default: false)))
            case "Metaspace":
                stages.append(.metaspace(try Metaspace(json)))
            case let other:
                throw json.unsupported("pre-tokenizer", type: other, supported: Self.supported)
            }
            if stages.dropLast().contains(where: { if case .byteLevel = $0 { return true } else { return false } }) {
                throw json.error("a pre-tokenizer after ByteLevel is not supported (ByteLevel must come last)")
            }
        }
        if let json { try read(json) }
        self.stages = stages
    }

    /// Calls `body` with each non-empty word of `piece`, in order; an empty piece has none (no
    /// stage prepends to it, as tokenizers' `prepend` leaves an empty string alone).
    func forEachWord(_ piece: TextPiece, _ body: (TextPiece) -> Void) {
        if !piece.scalars.isEmpty { run(stageIndex: 0, piece, body) }
    }

    private func run(stageIndex: Int, _ piece: TextPiece, _ body: (TextPiece) -> Void) {
        guard stageIndex < stages.count else { return body(piece) }
        func next(_ word: TextPiece) {
            if !word.scalars.isEmpty { run(stageIndex: stageIndex + 1, word, body) }
        }
        switch stages[stageIndex] {
        case let .byteLevel(addPrefixSpace, useRegex):
            var piece = piece
            if addPrefixSpace && piece.scalars.first != " " { piece = piece.replacing(([" "] + piece.scalars)[...]) }
            if useRegex {
                SplitBehavior.isolated.split(piece, at: .known(.gpt2), invert: false, next)
            } else {
                next(piece)
            }
        case let .split(pattern, behavior, invert):
            behavior.split(piece, at: pattern, invert: invert, next)
        case let .metaspace(metaspace):
            let replacement = metaspace.replacement
            var scalars = piece.scalars.map { $0 == " " ? replacement : $0 }
            let prepend = metaspace.prependScheme == .always || (metaspace.prependScheme == .first && piece.startsInput)
            if prepend && scalars.first != replacement { scalars.insert(replacement, at: 0) }
            let rewritten = piece.replacing(scalars[...])
            if metaspace.split {
                SplitBehavior.mergedWithNext.split(rewritten, at: .literal([replacement]), invert: false, next)
            } else {
                next(rewritten)
            }
        }
    }
}

/// Metaspace's settings, which its pre-tokenizer and its decoder share: spaces become
/// `replacement` (SentencePiece's "▁"), which is prepended per `prependScheme`, and with
/// `split` each word starts at a replacement. Read as tokenizers reads them, including files
/// from before `prepend_scheme` and `split` (which defaults to true).
struct Metaspace {
    enum PrependScheme: String {
        case always, first, never
    }

    let replacement: Unicode.Scalar
    let prependScheme: PrependScheme
    let split: Bool

    init(_ json: JSONValue) throws {
        var scheme = PrependScheme.always
        if let schemeJSON = try json.member("prepend_scheme") {
            guard let parsed = PrependScheme(rawValue: try schemeJSON.string()) else {
                throw schemeJSON.error("unknown prepend_scheme \"\(try schemeJSON.string())\" (known: always, first, never)")
            }
            scheme = parsed
        }
        if try json.member("add_prefix_space")?.bool() == false, scheme != .never {
            // tokenizers refuses this too, taking an absent prepend_scheme for "always".
            throw json.error("add_prefix_space false contradicts prepend_scheme \"\(scheme.rawValue)\"")
        }
        replacement = try json.required("replacement").character()
        prependScheme = scheme
        split = try json.bool("split", default: true)
    }
}

/// What becomes of a `Split` pattern's matches, as tokenizers' `SplitDelimiterBehavior`
/// (for the delimiter "-" in "the-final--countdown"):
/// Removed `the final countdown`, Isolated `the - final - - countdown`,
/// MergedWithPrevious `the- final- - countdown`, MergedWithNext `the -final - -countdown`,
/// Contiguous `the - final -- countdown`.
enum SplitBehavior: String {
    case removed = "Removed"
    case isolated = "Isolated"
    case mergedWithPrevious = "MergedWithPrevious"
    case mergedWithNext = "MergedWithNext"
    case contiguous = "Contiguous"

    /// Calls `body` with the pieces this behavior makes of `piece` at the matches of `pattern`,
    /// in order. With `invert`, the text between matches is taken as the delimiters instead.
    ///
    /// NormalizedString.split's folds over the stretches of the piece (matches and the gaps
    /// between them, each a delimiter or not), done as the matches come: `held` is the piece
    /// not yet passed on because the next stretch may still join it.
    func split(_ piece: TextPiece, at pattern: SplitPattern, invert: Bool, _ body: (TextPiece) -> Void) {
        var held: Range<Int>?
        var previousIsDelimiter = false
        func pass(_ range: Range<Int>?) {
            if let range { body(piece.slice(range)) }
        }
        func add(_ range: Range<Int>, isDelimiter: Bool) {
            switch self {
            case .isolated:
                pass(range)
            case .removed:
                if !isDelimiter { pass(range) }
            case .contiguous, .mergedWithPrevious:
                let joins = self == .contiguous ? isDelimiter == previousIsDelimiter : isDelimiter && !previousIsDelimiter
                if joins, let start = held?.lowerBound {
                    held = start..<range.upperBound
                } else {
                    pass(held)
                    held = range
                }
            case .mergedWithNext:
                // A delimiter is held until the next stretch: a non-delimiter joins it.
                if let delimiter = held {
                    held = nil
                    if !isDelimiter { return pass(delimiter.lowerBound..<range.upperBound) }
                    pass(delimiter)
                }
                if isDelimiter { held = range } else { pass(range) }
            }
            previousIsDelimiter = isDelimiter
        }
        let text = piece.scalars
        var end = text.startIndex
        pattern.forEachMatch(in: text) { match in
            if end < match.lowerBound { add(end..<match.lowerBound, isDelimiter: invert) }
            add(match, isDelimiter: !invert)
            end = match.upperBound
        }
        if end < text.endIndex { add(end..<text.endIndex, isDelimiter: invert) }
        pass(held)
    }
}
