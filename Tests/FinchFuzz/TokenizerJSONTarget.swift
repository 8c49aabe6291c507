import FinchData
import Foundation

/// A `tokenizer.json`: a tokenizer that loads must also encode and decode without crashing.
struct TokenizerJSONTarget: FuzzTarget {
    static let texts = ["Hello, world!", "  two  spaces\nand a line", "ünïcödé 日本語 🙂", "<|endoftext|>", ""]

    func run(_ input: Data) {
        guard let tokenizer = try? Tokenizers.load(file: ScratchFile.write(input, as: "tokenizer.json")) else { return }
        for text in Self.texts {
            let ids = tokenizer.encode(text)
            _ = tokenizer.decode(ids)
        }
        _ = tokenizer.decode([0, 1, 2, -1, Int32.max])
    }
}
