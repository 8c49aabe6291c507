import Foundation

extension SFTDataset {
    /// Pretraining data: `{"text": …}` records (`TextRecords`) with loss on every token.
    ///
    /// Each document is read as bos + its tokens + eos (one separator where bos is eos, as in
    /// GPT-2), so a model pretrained here has seen the bos a chat template's prompt starts with.
    /// Packed (`pack`), the documents are one stream cut into rows of `maxLength` tokens, so no
    /// row is padding and a document may start mid-row. Unpacked, each document is its own row,
    /// cut at `maxLength` (dropped instead with `dropOverlong`). Errors name the file and line.
    public init(text url: URL, tokenizer: any Tokenizer, maxLength: Int, pack: Bool, dropOverlong: Bool = false) throws {
        guard maxLength >= 2 else { throw DataError(source: url.path, reason: "maxLength is \(maxLength), must be at least 2") }
        let opening = tokenizer.bosID == tokenizer.eosID ? [] : [tokenizer.bosID]
        let documents = try TextRecords.read(url).map { opening + tokenizer.encode($0) + [tokenizer.eosID] }
        var examples: [SFTExample] = [], dropped = 0
        if pack {
            let stream = documents.flatMap { $0 }
            for start in stride(from: 0, to: stream.count - 1, by: maxLength) {
                let row = Array(stream[start..<min(stream.count, start + maxLength)])
                if row.count >= 2 { examples.append(SFTExample(tokens: row, lossMask: [Float](repeating: 1, count: row.count))) }
            }
        } else {
            for document in documents {
                let row = opening.isEmpty ? [tokenizer.bosID] + document : document
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
