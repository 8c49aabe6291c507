import ArgumentParser
import FinchData
import Foundation

struct Tokenize: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Encode standard input with a tokenizer, one JSON list of ids per line (or decode with --decode).",
        discussion: """
        Each input line is one text, without its line break; with --json each line is one JSON \
        string instead, so a text can hold line breaks. --decode reads one JSON list of ids per \
        line and writes one JSON string per line. Errors name the input line.
        """)

    @Option(help: "A directory holding tokenizer.json (and tokenizer_config.json), or a tokenizer.json file.")
    var tokenizer: String
    @Flag(help: "Read each line as a JSON string.") var json = false
    @Flag(help: "Decode: read JSON lists of ids, write the texts as JSON strings.") var decode = false
    @Flag(help: "Match special tokens written in the text (tokenizers' default); without it they are encoded as plain text.")
    var special = false

    func validate() throws {
        if decode && (json || special) {
            throw ValidationError("--json and --special describe text input; --decode reads JSON lists of ids")
        }
    }

    func run() throws {
        let tokenizer = try Tokenizers.load(path: self.tokenizer)
        let huggingFace = tokenizer as? HuggingFaceTokenizer
        if special && huggingFace == nil {
            throw ValidationError("--special needs a Hugging Face tokenizer.json; \(self.tokenizer) is Finch's byte tokenizer, which never reads specials from text")
        }
        let decoder = JSONDecoder()
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        var lineNumber = 0
        while let line = readLine(strippingNewline: true) {
            lineNumber += 1
            let fail = { (reason: String) in DataError(source: "<stdin>", line: lineNumber, reason: reason) }
            if decode {
                guard let ids = try? decoder.decode([Int32].self, from: Data(line.utf8)) else {
                    throw fail("expected a JSON list of token ids, e.g. [15496, 995]")
                }
                print(String(decoding: try encoder.encode(tokenizer.decode(ids)), as: UTF8.self))
            } else {
                var text = line
                if json {
                    guard let string = try? decoder.decode(String.self, from: Data(line.utf8)) else {
                        throw fail("expected a JSON string, e.g. \"one\\ntwo\"")
                    }
                    text = string
                }
                let ids = huggingFace.map { $0.encode(text, allowingSpecialTokens: special) } ?? tokenizer.encode(text)
                print("[" + ids.map(String.init).joined(separator: ",") + "]")
            }
        }
    }
}
