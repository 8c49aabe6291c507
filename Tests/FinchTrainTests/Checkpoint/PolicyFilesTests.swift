import Foundation
import FinchData
import FinchTestSupport
import XCTest
@testable import FinchTrain

/// The tokenizer files a checkpoint carries are exactly the ones the run's tokenizer came with.
final class PolicyFilesTests: XCTestCase {
    func testAHuggingFaceTokenizerTravelsWithItsConfigUnchanged() throws {
        let fixture = goldenFixture("tokenizers/llama3-style")
        let files = try PolicyFiles.tokenizerFiles(try Tokenizers.load(directory: fixture))
        XCTAssertEqual(files.map(\.name), ["tokenizer.json", "tokenizer_config.json"])
        for file in files {
            XCTAssertEqual(file.contents, try Data(contentsOf: fixture.appendingPathComponent(file.name)), file.name)
        }
    }

    func testTheByteTokenizerWritesOnlyTokenizerJSON() throws {
        XCTAssertEqual(try PolicyFiles.tokenizerFiles(ByteTokenizer()).map(\.name), ["tokenizer.json"])
    }
}
