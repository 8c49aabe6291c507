import XCTest
@testable import FinchData

final class TokenBatchTests: XCTestCase {
    let pad: Int32 = 258
    let short = SFTExample(tokens: [256, 10, 11, 257], lossMask: [0, 0, 1, 1])
    let long = SFTExample(tokens: [256, 20, 21, 22, 23, 257], lossMask: [0, 0, 0, 1, 1, 1])

    func testRowsAreShiftedByOneAndPadded() {
        let batch = TokenBatch(examples: [short, long], length: .longest(cappedAt: 100), padID: pad)
        XCTAssertEqual(batch.batchSize, 2)
        XCTAssertEqual(batch.seqLen, 5, "longest example has 6 tokens, so 5 (input, target) pairs")
        XCTAssertEqual(batch.inputs, [256, 10, 11, pad, pad,
                                      256, 20, 21, 22, 23])
        XCTAssertEqual(batch.targets, [10, 11, 257, pad, pad,
                                       20, 21, 22, 23, 257])
        XCTAssertEqual(batch.weights, [0, 1, 1, 0, 0,
                                       0, 0, 1, 1, 1])
        XCTAssertEqual(batch.lengths, [3, 5])
        XCTAssertEqual(batch.lossTokenCount, 5)
    }

    func testCapTruncatesRows() {
        let batch = TokenBatch(examples: [short, long], length: .longest(cappedAt: 3), padID: pad)
        XCTAssertEqual(batch.seqLen, 3)
        XCTAssertEqual(batch.inputs, [256, 10, 11, 256, 20, 21])
        XCTAssertEqual(batch.targets, [10, 11, 257, 20, 21, 22])
        XCTAssertEqual(batch.weights, [0, 1, 1, 0, 0, 1])
        XCTAssertEqual(batch.lengths, [3, 3])
    }

    func testFixedLengthPadsBeyondTheLongestExample() {
        let batch = TokenBatch(examples: [short], length: .fixed(6), padID: pad)
        XCTAssertEqual(batch.seqLen, 6)
        XCTAssertEqual(batch.inputs, [256, 10, 11, pad, pad, pad])
        XCTAssertEqual(batch.targets, [10, 11, 257, pad, pad, pad])
        XCTAssertEqual(batch.weights, [0, 1, 1, 0, 0, 0])
        XCTAssertEqual(batch.lengths, [3])
    }

    func testBatchOfRenderedDatasetCountsLossTokens() throws {
        let tokenizer = ByteTokenizer()
        let dataset = try SFTDataset(records: [.promptCompletion(prompt: "12+3=", completion: "15"),
                                               .promptCompletion(prompt: "1+1=", completion: "2")],
                                     tokenizer: tokenizer, maxLength: 32)
        let batch = TokenBatch(examples: dataset.examples, length: .longest(cappedAt: 32), padID: tokenizer.padID)
        XCTAssertEqual(batch.lossTokenCount, 3 + 2, "completion bytes plus one <|eos|> per example")
    }
}
