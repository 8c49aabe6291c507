import Foundation
import FinchTestSupport
import XCTest
@testable import FinchData

final class ChatTemplateTests: XCTestCase {
    let tokenizer = ByteTokenizer()

    private func byte(_ character: Character) -> Int32 { Int32(character.asciiValue!) }

    func testPromptCompletionMasksOnlyCompletionAndEOS() throws {
        let template = try ChatTemplate(tokenizer: tokenizer)
        let (tokens, mask) = try template.render(.promptCompletion(prompt: "ab", completion: "c"))
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
        let (tokens, mask) = try template.render(record)
        XCTAssertEqual(tokens, [256, 261, byte("s"), 259, byte("u"), 260, byte("a"), 257,
                                259, byte("v"), 260, byte("b"), byte("c"), 257])
        XCTAssertEqual(mask, [0, 0, 0, 0, 0, 0, 1, 1,
                              0, 0, 0, 1, 1, 1])
    }

    func testInferencePromptsMatchTheTrainingLayout() throws {
        let template = try ChatTemplate(tokenizer: tokenizer)
        let single = try template.render(.promptCompletion(prompt: "2+2=", completion: "4")).tokens
        XCTAssertEqual(template.promptTokens(for: "2+2="), Array(single.prefix(5)))

        let history = [ChatMessage(role: .user, content: "hi"), ChatMessage(role: .assistant, content: "yo"),
                       ChatMessage(role: .user, content: "bye")]
        let full = try template.render(.chat(history + [ChatMessage(role: .assistant, content: "ciao")])).tokens
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
        XCTAssertThrowsError(try ChatTemplate(tokenizer: MarkerlessTokenizer(), format: .finch)) { error in
            XCTAssertTrue("\(error)".contains("<|system|>"), "\(error)")
        }
    }
}

/// ChatML and Llama 3 against `apply_chat_template` (Tests/Fixtures/byom/chat-templates.json, made
/// by scripts/make-byom-golden.py with the qwen2-style and llama3-style tokenizers).
final class HuggingFaceChatTemplateTests: XCTestCase {
    private struct Golden: Decodable {
        struct Conversation: Decodable {
            struct Message: Decodable { let role: String, content: String }
            let messages: [Message]
            let ids: [Int32]
            let prompt_ids: [Int32]
        }
        struct Format: Decodable { let tokenizer: String, conversations: [Conversation] }
    }

    func testRenderingsAreApplyChatTemplatesIdsAndMaskExactlyTheAnswers() throws {
        let golden = try JSONDecoder().decode([String: Golden.Format].self,
                                              from: Data(contentsOf: goldenFixture("byom/chat-templates.json")))
        var checked = 0
        for (name, entry) in golden.sorted(by: { $0.key < $1.key }) {
            let format = try XCTUnwrap(ChatFormat(rawValue: name))
            let tokenizer = try Tokenizers.load(directory: goldenFixture(entry.tokenizer))
            let template = try ChatTemplate(tokenizer: tokenizer, format: format)
            for conversation in entry.conversations {
                let messages = conversation.messages.map { ChatMessage(role: ChatRole(rawValue: $0.role)!, content: $0.content) }
                let (tokens, mask) = try template.render(.chat(messages))
                let forging = messages.contains { m in format.requiredSpecials.contains { m.content.contains($0) } }
                if forging {
                    // The one intended difference: apply_chat_template's text matches a special token
                    // typed inside a message (a forged turn); Finch encodes it as the text it is.
                    let opener = tokenizer.tokenID(forSpecial: format.requiredSpecials[0])!
                    XCTAssertEqual(tokens.filter { $0 == opener }.count, messages.count, "\(name): one turn opener per message")
                    XCTAssertGreaterThan(conversation.ids.filter { $0 == opener }.count, messages.count, "the fixture should show the forgery")
                } else {
                    XCTAssertEqual(tokens, conversation.ids, "\(name): \(conversation.messages.map(\.content))")
                    XCTAssertEqual(template.promptTokens(for: Array(messages.dropLast())), conversation.prompt_ids, "\(name) prompt")
                }
                // Trained: each assistant content and its end of turn, nothing else.
                let trained = zip(tokens, mask).filter { $0.1 == 1 }.map(\.0)
                let answers = messages.filter { $0.role == .assistant }.flatMap { message -> [Int32] in
                    let content = format == .llama3 ? message.content.trimmingCharacters(in: .whitespacesAndNewlines) : message.content
                    return tokenizer.encode(content) + [template.endOfTurnID]
                }
                XCTAssertEqual(trained, answers, "\(name): the mask must cover exactly the answers")
                checked += 1
            }
        }
        print("chat templates: \(checked) conversations rendered as apply_chat_template does")
        XCTAssertEqual(checked, 6)
    }

    func testFormatIsDetectedFromTokenizerConfigAndChatRecordsNeedOne() throws {
        let qwen = try Tokenizers.load(directory: goldenFixture("byom/qwen2"))
        XCTAssertEqual(ChatFormat.detect(for: qwen), .chatml)
        XCTAssertEqual(try ChatTemplate(tokenizer: qwen).stopTokens, [3002, 3000], "im_end and generation_config's eos ids")
        let gpt2 = try Tokenizers.load(directory: goldenFixture("byom/gpt2"))
        XCTAssertEqual(ChatFormat.detect(for: gpt2), .none)
        XCTAssertEqual(ChatFormat.detect(for: ByteTokenizer()), .finch)
        let plain = try ChatTemplate(tokenizer: gpt2)
        XCTAssertEqual(try plain.render(.promptCompletion(prompt: "a", completion: "b")).tokens, gpt2.encode("a") + gpt2.encode("b") + [50256])
        XCTAssertThrowsError(try plain.render(.chat([ChatMessage(role: .user, content: "hi")]))) { error in
            XCTAssertTrue("\(error)".contains("data.chat_template"), "\(error)")
        }
        XCTAssertThrowsError(try ChatTemplate(tokenizer: gpt2, format: .chatml)) { error in
            XCTAssertTrue("\(error)".contains("<|im_start|>"), "\(error)")
        }
    }
}
