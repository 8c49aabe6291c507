/// The encoding stages of a `HuggingFaceTokenizer`, in tokenizers' order: added tokens found in
/// the raw text (`normalized: false`), the normalizer run on the text between them, the
/// `normalized: true` added tokens found in that, the pre-tokenizer's words, and each word's
/// BPE ids (through a `WordCache`).
///
/// A class, because `encode` hands closures down the stages for every word: capturing one
/// reference costs a retain, where capturing the tokenizer struct copied all its fields per
/// word (a release build ran 4× slower than a debug one).
final class EncodingPipeline: Sendable {
    private let rawAddedTokens: AddedTokenMatcher
    private let normalizer: TextNormalizer?
    private let normalizedAddedTokens: AddedTokenMatcher
    private let preTokenizer: PreTokenizer
    private let model: BPEModel
    private let wordCaches = WordCachePool()

    init(rawAddedTokens: AddedTokenMatcher, normalizer: TextNormalizer?, normalizedAddedTokens: AddedTokenMatcher,
         preTokenizer: PreTokenizer, model: BPEModel) {
        self.rawAddedTokens = rawAddedTokens
        self.normalizer = normalizer
        self.normalizedAddedTokens = normalizedAddedTokens
        self.preTokenizer = preTokenizer
        self.model = model
    }

    func encode(_ text: String, allowingSpecialTokens: Bool) -> [Int32] {
        let scalars = Array(text.unicodeScalars)
        var ids: [Int32] = []
        ids.reserveCapacity(scalars.count / 3 + 1)
        wordCaches.withCache { cache in
            rawAddedTokens.split(TextPiece(scalars: scalars[...], startsInput: true), matchingSpecial: allowingSpecialTokens) { segment in
                switch segment {
                case .token(let id):
                    ids.append(id)
                case .text(let raw):
                    let piece = normalizer.map { raw.replacing($0.normalize(raw.scalars)) } ?? raw
                    normalizedAddedTokens.split(piece, matchingSpecial: allowingSpecialTokens) { segment in
                        switch segment {
                        case .token(let id):
                            ids.append(id)
                        case .text(let text):
                            preTokenizer.forEachWord(text) { word in append(word.scalars, cache: cache, to: &ids) }
                        }
                    }
                }
            }
        }
        return ids
    }

    private func append(_ word: ArraySlice<Unicode.Scalar>, cache: WordCache, to ids: inout [Int32]) {
        let hash = WordCache.hash(word)
        if cache.appendIDs(of: word, hash: hash, to: &ids) { return }
        let start = ids.count
        model.tokenize(word, into: &ids)
        cache.insert(word, hash: hash, ids: ids[start...])
    }
}
