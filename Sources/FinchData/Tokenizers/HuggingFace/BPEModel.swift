import FinchModel

/// tokenizer.json's `model` of type BPE: the vocabulary and the ranked merges, applied to one
/// word exactly as tokenizers' `BPE::merge_word` and `Word::merge_all` do. A word starts as one
/// symbol per character (per byte-level character when the pre-tokenizer is ByteLevel); a
/// character outside the vocabulary becomes its `<0xNN>` byte tokens (`byte_fallback`), else the
/// unknown token (one per run of them with `fuse_unk`), else it is dropped. Then, repeatedly, the
/// adjacent pair of lowest merge rank (leftmost among equals) becomes its merged token.
struct BPEModel {
    /// One past the largest vocabulary id: `ModelConfig.maxDimension`, the largest vocab_size.
    static let maxVocabularyID = ModelConfig.maxDimension
    let vocabulary: [String: Int32]
    /// Entries in `model.vocab`; added tokens that are not in it take ids from here on.
    let vocabularyCount: Int
    /// Pair (left id << 32 | right id) → rank << 32 | merged id.
    private let merges: [UInt64: UInt64]
    /// Ids of the one-character tokens, which words start from.
    private let characterIDs: [Unicode.Scalar: Int32]
    private let byteLevel: Bool
    /// The `<0xNN>` token of each byte (-1 where the vocabulary lacks it); nil without byte fallback.
    private let byteFallbackIDs: [Int32]?
    private let unknownID: Int32?
    private let fuseUnknown: Bool
    /// Llama-3's `ignore_merges`: a word that is itself in the vocabulary is that one token.
    private let ignoreMerges: Bool

    /// `byteLevel`: words arrive as text and are mapped to GPT-2's byte alphabet here.
    init(_ json: JSONValue, byteLevel: Bool) throws {
        self.byteLevel = byteLevel
        let vocabJSON = try json.required("vocab")
        var vocabulary: [String: Int32] = [:]
        let entries = try vocabJSON.object()
        vocabulary.reserveCapacity(entries.count)
        for (token, value) in entries {
            guard let id = JSONValue.integer(value), id >= 0 else {
                throw DataError(source: json.source, reason: "\(vocabJSON.path)[\(Self.quoted(token))]: expected an id (an integer ≥ 0), got \(JSONValue.kind(of: value))")
            }
            // Ids index tables of one entry per id (the decoder's, the model's embedding): an id
            // of 2^31 would ask for gigabytes before anything else could be checked.
            guard id < Self.maxVocabularyID else {
                throw DataError(source: json.source, reason: "\(vocabJSON.path)[\(Self.quoted(token))]: id \(id) is beyond \(Self.maxVocabularyID - 1), the largest Finch accepts (vocab_size is at most \(Self.maxVocabularyID))")
            }
            vocabulary[token] = Int32(id)
        }
        self.vocabulary = vocabulary
        vocabularyCount = entries.count
        var characterIDs: [Unicode.Scalar: Int32] = [:]
        for (token, id) in vocabulary where token.unicodeScalars.count == 1 { characterIDs[token.unicodeScalars.first!] = id }
        self.characterIDs = characterIDs
        merges = try Self.readMerges(json.required("merges"), vocabulary: vocabulary)

        for key in ["continuing_subword_prefix", "end_of_word_suffix"] {
            if let affix = try json.member(key), try affix.string() != "" {
                throw affix.error("word prefixes and suffixes (WordPiece-style BPE) are not supported")
            }
        }
        if let dropout = try json.member("dropout"), (dropout.value as? Double) != 0 {
            throw dropout.error("BPE dropout is not supported: it makes encoding random")
        }
        if let unknown = try json.member("unk_token") {
            guard let id = vocabulary[try unknown.string()] else {
                throw unknown.error("\(Self.quoted(try unknown.string())) is not in model.vocab")
            }
            unknownID = id
        } else {
            unknownID = nil
        }
        fuseUnknown = try json.bool("fuse_unk", default: false)
        ignoreMerges = try json.bool("ignore_merges", default: false)
        byteFallbackIDs = try json.bool("byte_fallback", default: false)
            ? (0..<256).map { vocabulary[Self.byteToken(UInt8($0))] ?? -1 } : nil
    }

    /// `merges` as `"a b"` strings (older files) or `["a", "b"]` pairs (tokenizers ≥ 0.20);
    /// a pair listed twice keeps its later rank, as tokenizers' map does.
    private static func readMerges(_ json: JSONValue, vocabulary: [String: Int32]) throws -> [UInt64: UInt64] {
        guard let list = json.value as? [Any] else { throw json.error("expected an array, got \(JSONValue.kind(of: json.value))") }
        var merges: [UInt64: UInt64] = [:]
        merges.reserveCapacity(list.count)
        for (rank, entry) in list.enumerated() {
            let left: String, right: String
            if let text = entry as? String {
                let parts = text.split(separator: " ", omittingEmptySubsequences: false)
                guard parts.count == 2 else {
                    throw json.element(rank, entry).error("\(quoted(text)) is not two tokens separated by one space")
                }
                (left, right) = (String(parts[0]), String(parts[1]))
            } else if let pair = entry as? [Any], pair.count == 2, let a = pair[0] as? String, let b = pair[1] as? String {
                (left, right) = (a, b)
            } else {
                throw json.element(rank, entry).error("expected \"a b\" or [\"a\", \"b\"], got \(JSONValue.kind(of: entry))")
            }
            for part in [left, right] where vocabulary[part] == nil {
                throw json.element(rank, entry).error("\(quoted(part)) is not in model.vocab")
            }
            guard let merged = vocabulary[left + right] else {
                throw json.element(rank, entry).error("the merged token \(quoted(left + right)) is not in model.vocab")
            }
            merges[pairKey(vocabulary[left]!, vocabulary[right]!)] = UInt64(rank) << 32 | UInt64(UInt32(merged))
        }
        return merges
    }

    /// Appends the ids of `word` to `ids`.
    func tokenize(_ word: ArraySlice<Unicode.Scalar>, into ids: inout [Int32]) {
        var characters: [Unicode.Scalar] = []
        characters.reserveCapacity(word.count)
        if byteLevel {
            for scalar in word {
                for byte in UTF8.encode(scalar)! { characters.append(ByteLevelAlphabet.scalars[Int(byte)]) }
            }
        } else {
            characters.append(contentsOf: word)
        }
        if ignoreMerges, let id = vocabulary[String(scalars: characters)] {
            ids.append(id)
            return
        }
        var symbols = initialSymbols(characters)
        if symbols.count > 1 { applyMerges(&symbols) }
        ids += symbols
    }

    private func initialSymbols(_ characters: [Unicode.Scalar]) -> [Int32] {
        var symbols: [Int32] = []
        symbols.reserveCapacity(characters.count)
        var pendingUnknown = false
        for character in characters {
            if let id = characterIDs[character] {
                if pendingUnknown, let unknownID { symbols.append(unknownID) }
                pendingUnknown = false
                symbols.append(id)
            } else if let fallback = byteFallbackIDs, case let bytes = UTF8.encode(character)!.map({ fallback[Int($0)] }), !bytes.contains(-1) {
                symbols += bytes  // a pending unknown token stays pending, as in tokenizers
            } else if let unknownID {
                if pendingUnknown && !fuseUnknown { symbols.append(unknownID) }
                pendingUnknown = true
            }
        }
        if pendingUnknown, let unknownID { symbols.append(unknownID) }
        return symbols
    }

    /// Word::merge_all: a queue of candidate merges ordered by (rank, position); an entry whose
    /// pair has changed since it was queued is skipped when popped.
    private func applyMerges(_ symbols: inout [Int32]) {
        let count = symbols.count
        var next = (0..<count).map { Int32($0 + 1) }
        next[count - 1] = -1
        var previous = (0..<count).map { Int32($0 - 1) }
        var removed = [Bool](repeating: false, count: count)
        var queue = MergeQueue()
        for i in 0..<(count - 1) {
            if let merge = merges[Self.pairKey(symbols[i], symbols[i + 1])] { queue.push(merge, at: i) }
        }
        while let (position, result) = queue.pop() {
            let right = Int(next[position])
            guard !removed[position], right >= 0,
                  let merge = merges[Self.pairKey(symbols[position], symbols[right])], Int32(truncatingIfNeeded: merge) == result
            else { continue }
            symbols[position] = result
            removed[right] = true
            next[position] = next[right]
            if next[right] >= 0 { previous[Int(next[right])] = Int32(position) }
            if previous[position] >= 0, let merge = merges[Self.pairKey(symbols[Int(previous[position])], result)] {
                queue.push(merge, at: Int(previous[position]))
            }
            if next[position] >= 0, let merge = merges[Self.pairKey(result, symbols[Int(next[position])])] {
                queue.push(merge, at: position)
            }
        }
        symbols = zip(symbols, removed).filter { !$0.1 }.map(\.0)
    }

    static func pairKey(_ left: Int32, _ right: Int32) -> UInt64 {
        UInt64(UInt32(bitPattern: left)) << 32 | UInt64(UInt32(bitPattern: right))
    }

    /// SentencePiece's name for a byte: `<0x0A>`.
    static func byteToken(_ byte: UInt8) -> String {
        let hex = String(byte, radix: 16, uppercase: true)
        return "<0x\(hex.count == 1 ? "0" : "")\(hex)>"
    }

    static func quoted(_ token: String) -> String {
        "\"" + token.unicodeScalars.map { $0.value < 0x20 ? "\\u{\(String($0.value, radix: 16))}" : String($0) }.joined() + "\""
    }
}

/// A binary min-heap of candidate merges keyed by rank, then position.
private struct MergeQueue {
    /// rank << 32 | position, and the merged id.
    private var entries: [(key: UInt64, result: Int32)] = []

    mutating func push(_ merge: UInt64, at position: Int) {
        entries.append((merge & 0xFFFF_FFFF_0000_0000 | UInt64(position), Int32(truncatingIfNeeded: merge)))
        var child = entries.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard entries[child].key < entries[parent].key else { break }
            entries.swapAt(child, parent)
            child = parent
        }
    }

    mutating func pop() -> (position: Int, result: Int32)? {
        guard let top = entries.first else { return nil }
        let last = entries.removeLast()
        if !entries.isEmpty {
            entries[0] = last
            var parent = 0
            while true {
                let left = 2 * parent + 1, right = left + 1
                var smallest = parent
                if left < entries.count && entries[left].key < entries[smallest].key { smallest = left }
                if right < entries.count && entries[right].key < entries[smallest].key { smallest = right }
                if smallest == parent { break }
                entries.swapAt(parent, smallest)
                parent = smallest
            }
        }
        return (Int(top.key & 0xFFFF_FFFF), top.result)
    }
}
