import Foundation
import XCTest
@testable import FinchData

final class ChatTemplateTests: XCTestCase {
    let tokenizer = ByteTokenizer()

    private func byte(_ character: Character) -> Int32 { Int32(character.asciiValue!) }

    func testPromptCompletionMasksOnlyCompletionAndEOS() throws {
        let template = try ChatTemplate(tokenizer: tokenizer)
        let (tokens, mask) = template.render(.promptCompletion(prompt: "ab", completion: "c"))
        XCTAssertEqual(tokens, [256, byte("a"), byte("b"), byte("c"), 257])
        XCTAssertEqual(mask, [0, 0, 0, 1, 1])
    }

    func testChatMasksOnlyAssistantContentAndItsEOS() throws {
        let template = try ChatTemplate(tokenizer: tokenizer)
        let record = SFTRecord.chat([
            ChatMessage(role: .system, content: "s"),
            ChatMessage(role: .user, content: "u"),
            ChatMessage(role: .assistant, content: "a"),
            ChatMessage(role: .user, content: "v"),
            ChatMessage(role: .assistant, content: "bc"),
        ])
        let (tokens, mask) = template.render(record)
        XCTAssertEqual(tokens, [256, 261, byte("s"), 259, byte("u"), 260, byte("a"), 257,
                                259, byte("v"), 260, byte("b"), byte("c"), 257])
        XCTAssertEqual(mask, [0, 0, 0, 0, 0, 0, 1, 1,
                              0, 0, 0, 1, 1, 1])
    }

    func testInferencePromptsMatchTheTrainingLayout() throws {
        let template = try ChatTemplate(tokenizer: tokenizer)
        let single = template.render(.promptCompletion(prompt: "2+2=", completion: "4")).tokens
        XCTAssertEqual(template.promptTokens(for: "2+2="), Array(single.prefix(5)))

        let history = [ChatMessage(role: .user, content: "hi"), ChatMessage(role: .assistant, content: "yo"),
                       ChatMessage(role: .user, content: "bye")]
        let full = template.render(.chat(history + [ChatMessage(role: .assistant, content: "ciao")])).tokens
        let prompt = template.promptTokens(for: history)
        XCTAssertEqual(prompt, Array(full.prefix(prompt.count)))
        XCTAssertEqual(prompt.last, 260, "the prompt ends by opening the assistant's turn")
    }

    func testTokenizerWithoutChatMarkersIsRejected() {
        struct MarkerlessTokenizer: Tokenizer {
            var vocabSize: Int { 259 }
            var bosID: Int32 { 256 }
            var eosID: Int32 { 257 }
            var padID: Int32 { 258 }
            func encode(_ text: String) -> [Int32] { text.utf8.map { Int32($0) } }
            func decode(_ ids: [Int32]) -> String { "" }
            func tokenID(forSpecial name: String) -> Int32? { nil }
            func save(to directory: URL) throws {}
        }
        XCTAssertThrowsError(try ChatTemplate(tokenizer: MarkerlessTokenizer())) { error in
            XCTAssertTrue("\(error)".contains("<|system|>"), "\(error)")
        }
    }
}
