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

    init(addedTokens: [AddedToken], normalizer: TextNormalizer?, preTokenizer: PreTokenizer, model: BPEModel) {
        let raw = addedTokens.filter { !$0.normalized }
        let normalized = addedTokens.filter(\.normalized)
        rawAddedTokens = AddedTokenMatcher(tokens: raw, patterns: raw.map { Self.form(of: $0, normalizer: normalizer) })
        normalizedAddedTokens = AddedTokenMatcher(tokens: normalized, patterns: normalized.map { Self.form(of: $0, normalizer: normalizer) })
        self.normalizer = normalizer
        self.preTokenizer = preTokenizer
        self.model = model
    }

    /// What an added token is matched as, and what the decoder receives for it (tokenizers'
    /// `normalized_cache`): a normalized token's content as the normalizer rewrites it, any
    /// other's content as it is.
    static func form(of token: AddedToken, normalizer: TextNormalizer?) -> [Unicode.Scalar] {
        let content = Array(token.content.unicodeScalars)
        guard token.normalized, let normalizer else { return content }
        return Array(normalizer.normalize(content[...]))
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
