import FinchData
import FinchKernels
import Foundation

public struct TokenizeBenchResult: Codable, Sendable {
    public let tokenizer: String
    /// What was encoded: a file, or the generated English-like text.
    public let text: String
    public let lines: Int
    public let bytes: Int
    public let tokens: Int
    /// MB (10⁶ bytes of UTF-8) per second of the first pass, while the word cache fills.
    public let first_pass_mb_per_s: Double
    /// MB per second and tokens per second: the median of the timed passes after it.
    public let mb_per_s: Double
    public let tokens_per_s: Double
}

/// Encoding speed on one thread: `lines` are encoded one call each, as a dataset's records are;
/// one pass first (reported on its own), then the median of `passes` more.
public func benchTokenize(tokenizer: any Tokenizer, name: String, lines: [String], text: String, passes: Int = 3) -> TokenizeBenchResult {
    let bytes = lines.reduce(0) { $0 + $1.utf8.count }
    func pass() -> (seconds: Double, tokens: Int) {
        let start = DispatchTime.now().uptimeNanoseconds
        var tokens = 0
        for line in lines { tokens += tokenizer.encode(line).count }
        return (Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9, tokens)
    }
    let first = pass()
    let timed = (0..<passes).map { _ in pass() }.sorted { $0.seconds < $1.seconds }
    let median = timed[timed.count / 2]
    return TokenizeBenchResult(tokenizer: name, text: text, lines: lines.count, bytes: bytes, tokens: median.tokens,
                               first_pass_mb_per_s: Double(bytes) / first.seconds / 1e6,
                               mb_per_s: Double(bytes) / median.seconds / 1e6,
                               tokens_per_s: Double(median.tokens) / median.seconds)
}

/// About `bytes` of English-like text in paragraphs of 3–12 sentences, one per line: common
/// words drawn with a Zipf-like skew, capitals, commas, contractions, numbers and the odd
/// accented word. A pure function of `seed`, so every run encodes the same text.
public func englishLikeParagraphs(bytes: Int, seed: UInt64 = 1) -> [String] {
    var rng = RNG(seed: seed)
    var paragraphs: [String] = []
    var total = 0
    while total < bytes {
        var paragraph = ""
        for _ in 0..<(3 + rng.below(10)) {
            var words: [String] = []
            for _ in 0..<(4 + rng.below(14)) {
                // u² leans towards the front of the list, where the commonest words are.
                let u = rng.uniformDouble()
                var word = englishWords[Int(u * u * Double(englishWords.count))]
                switch rng.below(40) {
                case 0: word = String(rng.below(10_000))
                case 1: word += ["'s", "'t", "'re", "'ll", "'ve", "'d"][rng.below(6)]
                case 2: word = ["café", "naïve", "résumé", "Zürich", "façade", "jalapeño"][rng.below(6)]
                case 3: word += ","
                default: break
                }
                words.append(word)
            }
            var sentence = words.joined(separator: " ")
            sentence = sentence.prefix(1).uppercased() + sentence.dropFirst()
            paragraph += (paragraph.isEmpty ? "" : " ") + sentence + [".", ".", ".", "?", "!", ";"][rng.below(6)]
        }
        total += paragraph.utf8.count + 1
        paragraphs.append(paragraph)
    }
    return paragraphs
}

/// About 200 of the commonest English words, roughly most frequent first.
private let englishWords = """
the of and to a in is it you that he was for on are with as I his they be at one have this from \
or had by not word but what some we can out other were all there when up use your how said an \
each she which do their time if will way about many then them write would like so these her long \
make thing see him two has look more day could go come did number sound no most people my over \
know water than call first who may down side been now find any new work part take get place made \
live where after back little only round man year came show every good me give our under name very \
through just form sentence great think say help low line differ turn cause much mean before move \
right boy old too same tell does set three want air well also play small end put home read hand \
port large spell add even land here must big high such follow act why ask men change went light \
kind off need house picture try us again animal point mother world near build self earth father head
""".split(separator: " ").map(String.init)
