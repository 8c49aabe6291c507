import Foundation

extension SFTDataset {
    /// Pretraining data: `{"text": …}` records (`TextRecords`) with loss on every token.
    ///
    /// Packed (`pack`), the documents are one stream, each followed by eos as a separator, cut
    /// into rows of `maxLength` tokens, so no row is padding and a document may start mid-row
    /// (predicting its first token from the separator, as GPT-2 was trained). Unpacked, each
    /// document is its own row, `bos` + its tokens + eos, cut at `maxLength` (dropped instead
    /// with `dropOverlong`). Errors name the file and line.
    public init(text url: URL, tokenizer: any Tokenizer, maxLength: Int, pack: Bool, dropOverlong: Bool = false) throws {
        guard maxLength >= 2 else { throw DataError(source: url.path, reason: "maxLength is \(maxLength), must be at least 2") }
        let documents = try TextRecords.read(url).map { tokenizer.encode($0) + [tokenizer.eosID] }
        var examples: [SFTExample] = [], dropped = 0
        if pack {
            let stream = documents.flatMap { $0 }
            for start in stride(from: 0, to: stream.count - 1, by: maxLength) {
                let row = Array(stream[start..<min(stream.count, start + maxLength)])
                if row.count >= 2 { examples.append(SFTExample(tokens: row, lossMask: [Float](repeating: 1, count: row.count))) }
            }
        } else {
            for document in documents {
                let row = [tokenizer.bosID] + document
                if row.count > maxLength && dropOverlong { dropped += 1; continue }
                let kept = Array(row.prefix(maxLength))
                examples.append(SFTExample(tokens: kept, lossMask: [0] + [Float](repeating: 1, count: kept.count - 1)))
            }
        }
        guard !examples.isEmpty else {
            throw DataError(source: url.path, reason: "gives no row of at least 2 tokens (\(dropped) documents dropped as longer than maxLength \(maxLength))")
        }
        self.init(examples: examples, droppedOverlongCount: dropped)
    }
}
