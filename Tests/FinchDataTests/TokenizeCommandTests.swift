import Foundation
import FinchTestSupport
import XCTest

/// `finch tokenize` as a user runs it, on the GPT-2 fixture: its output against the ids and
/// texts Hugging Face `tokenizers` gave for every fixture string.
final class TokenizeCommandTests: XCTestCase {
    private struct Case: Decodable {
        let text: String
        let ids: [Int32]
        let ids_with_special: [Int32]
        let decoded_with_special: String
    }

    private let fixture = goldenFixture("tokenizers/gpt2")

    private func cases() throws -> [Case] {
        struct Expected: Decodable { let cases: [Case] }
        return try JSONDecoder().decode(Expected.self, from: Data(contentsOf: fixture.appendingPathComponent("expected.json"))).cases
    }

    private func run(_ arguments: [String], input: String) throws -> (status: Int32, lines: [String], errors: String) {
        let process = Process()
        process.executableURL = try finchExecutable()
        process.arguments = ["tokenize", "--tokenizer", fixture.path] + arguments
        let stdin = Pipe(), stdout = Pipe(), stderr = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = stderr
        try process.run()
        DispatchQueue.global().async {
            stdin.fileHandleForWriting.write(Data(input.utf8))
            try? stdin.fileHandleForWriting.close()
        }
        let output = String(decoding: stdout.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let errors = String(decoding: stderr.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, output.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init), errors)
    }

    private func jsonLines<T: Encodable>(_ values: [T]) throws -> String {
        let encoder = JSONEncoder()
        return try values.map { String(decoding: try encoder.encode($0), as: UTF8.self) + "\n" }.joined()
    }

    func testEncodesEveryFixtureStringInBothModes() throws {
        let cases = try cases()
        let input = try jsonLines(cases.map(\.text))
        for (flags, expected) in [(["--json"], cases.map(\.ids)), (["--json", "--special"], cases.map(\.ids_with_special))] {
            let result = try run(flags, input: input)
            XCTAssertEqual(result.status, 0, result.errors)
            XCTAssertEqual(try result.lines.map { try JSONDecoder().decode([Int32].self, from: Data($0.utf8)) }, expected, "\(flags)")
        }
    }

    func testDecodesIdListsToJSONStrings() throws {
        let cases = try cases()
        let result = try run(["--decode"], input: try jsonLines(cases.map(\.ids_with_special)))
        XCTAssertEqual(result.status, 0, result.errors)
        XCTAssertEqual(try result.lines.map { try JSONDecoder().decode(String.self, from: Data($0.utf8)) }, cases.map(\.decoded_with_special))
    }

    func testRawLinesAreOneTextEach() throws {
        let result = try run([], input: "Hello world\n\nHello world")
        XCTAssertEqual(result.status, 0, result.errors)
        let hello = try XCTUnwrap(try cases().first { $0.text == "Hello world" }).ids
        let helloJSON = "[" + hello.map(String.init).joined(separator: ",") + "]"
        XCTAssertEqual(result.lines, [helloJSON, "[]", helloJSON])
    }

    func testBadInputNamesItsLine() throws {
        let text = try run(["--json"], input: "\"fine\"\nnot json\n")
        XCTAssertNotEqual(text.status, 0)
        XCTAssertTrue(text.errors.contains("<stdin>:2: expected a JSON string"), text.errors)
        let ids = try run(["--decode"], input: "[1, 2]\n[3, \"x\"]\n")
        XCTAssertNotEqual(ids.status, 0)
        XCTAssertTrue(ids.errors.contains("<stdin>:2: expected a JSON list of token ids"), ids.errors)
    }
}
