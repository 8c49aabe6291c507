import XCTest
import Foundation
import FinchData
import FinchEval
import FinchTasks
import FinchTestSupport
@testable import FinchLabelling

/// The labelling page in a real headless Chromium: labels by keyboard and by mouse, skip and
/// undo, a restart of the server part-way, two tabs on one item, and candidates that contain
/// HTML and script. The labels file must hold each set's label exactly once, on disk as soon as
/// the page shows it counted, and read back as the best-of-N records `finch rm` trains on.
final class LabellingPageTests: XCTestCase {
    /// Six candidate sets of the sign-off task; set 1's candidates try to inject markup and script.
    static func writeCandidates(to url: URL) throws {
        let task = SignoffTask()
        let hostile = ["<script>window.pwned = 1</script>", "<img src=x onerror=\"window.pwned = 2\">", "<b>bold</b> & &amp;", "5 ok"]
        let sets = (0..<6).map { i in
            CandidateSet(id: i, problem: task.instance(of: SignoffTask.Problem(a: i, b: 5, words: ["ok"])),
                         completions: i == 1 ? hostile : ["\(i + 5) ok", "\(i + 5) nice", "\(i + 5) great cool", "\(i + 5) done\n" + String(repeating: "long line ", count: 80)])
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        try (sets.map { String(decoding: try! encoder.encode($0), as: UTF8.self) }.joined(separator: "\n") + "\n")
            .write(to: url, atomically: true, encoding: .utf8)
    }

    /// A server on a free port, running until `stop`.
    final class Running {
        let server: LabelServer
        let task: Task<Void, Never>
        let port: UInt16

        init(samples: URL, labels: URL, instructions: String = "") throws {
            var options = LabelServer.Options()
            options.port = 0
            options.instructions = instructions
            let server = try LabelServer(store: try LabelStore(samples: samples, labels: labels, mode: .best), options: options)
            self.server = server
            task = Task { try? await server.run() }
            let ready = DispatchSemaphore(value: 0)
            nonisolated(unsafe) var bound: UInt16?
            Task {
                try? await server.waitUntilListening()
                bound = await server.port
                ready.signal()
            }
            guard ready.wait(timeout: .now() + 10) == .success, let port = bound else { throw BrowserError("the server did not start") }
            self.port = port
        }

        var url: String { "http://127.0.0.1:\(port)/?labeller=tester" }

        func stop() {
            let done = DispatchSemaphore(value: 0)
            let server = self.server
            Task { await server.stop(); done.signal() }
            _ = done.wait(timeout: .now() + 10)
            task.cancel()
        }
    }

    private func labelLines(_ url: URL) throws -> [[String: Any]] {
        guard FileManager.default.fileExists(atPath: url.path) else { return [] }
        return try String(contentsOf: url, encoding: .utf8).split(separator: "\n").map {
            try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any]
        }
    }

    func testLabellingInAHeadlessBrowser() throws {
        let dir = try makeTemporaryDirectory(for: self)
        let samples = dir.appendingPathComponent("samples.jsonl"), labels = dir.appendingPathComponent("labels.jsonl")
        try Self.writeCandidates(to: samples)
        let samplesBefore = try Data(contentsOf: samples)
        var running = try Running(samples: samples, labels: labels, instructions: "Prefer warm, varied sign-offs.\n<i>not markup</i>")
        let browser = try HeadlessBrowser()
        let tab = try browser.openTab(running.url)
        func progress(_ n: Int, _ session: String? = nil) throws {
            try browser.waitFor(session ?? tab, "document.getElementById('progress').textContent === '\(n) of 6 labelled'", "\(n) labelled")
        }
        func shownID(_ session: String? = nil) throws -> String {
            try browser.evaluate(session ?? tab, "document.getElementById('prompt').textContent") as? String ?? ""
        }
        try progress(0)
        XCTAssertEqual(try shownID(), "0+5=")
        XCTAssertEqual(try browser.evaluate(tab, "document.getElementById('instructions').textContent") as? String,
                       "Prefer warm, varied sign-offs.\n<i>not markup</i>")

        // Keyboard: "2" picks the second candidate of set 0; the label is on disk when the page counts it.
        try browser.press(tab, key: "2")
        try progress(1)
        XCTAssertEqual(try labelLines(labels).map { $0["best"] as? Int }, [1])

        // Set 1's hostile candidates render as text: no element, no script ran.
        try browser.waitFor(tab, "document.getElementById('prompt').textContent === '1+5='", "set 1")
        XCTAssertEqual(try browser.evaluate(tab, """
            window.pwned === undefined && document.querySelectorAll('#candidates img, #candidates b, #candidates script').length === 0
              && document.querySelectorAll('.candidate pre')[0].textContent === '<script>window.pwned = 1</script>'
            """) as? Bool, true)
        if ProcessInfo.processInfo.environment["FINCH_WRITE_SCREENSHOT"] == "1" {
            let shot = goldenFixture("../../docs/images/labelling-page.png")
            try browser.screenshot(tab).write(to: shot)
            print("wrote \(shot.standardized.path)")
        }
        // Mouse: a click on the third candidate.
        try browser.click(tab, ".candidate[data-choice='2']")
        try progress(2)
        // Skip set 2 ("s"): set 3 comes, nothing is written.
        try browser.waitFor(tab, "document.getElementById('prompt').textContent === '2+5='", "set 2")
        try browser.press(tab, key: "s")
        try browser.waitFor(tab, "document.getElementById('prompt').textContent === '3+5='", "set 3 after the skip")
        XCTAssertEqual(try labelLines(labels).count, 2)
        // Undo ("u") removes set 1's label and shows set 1 again; label it anew with "4".
        try browser.press(tab, key: "u")
        try progress(1)
        XCTAssertEqual(try shownID(), "1+5=")
        XCTAssertEqual(try labelLines(labels).map { $0["id"] as? Int }, [0])
        try browser.press(tab, key: "4")
        try progress(2)

        // Restart the server part-way: the new one continues from the file.
        running.stop()
        running = try Running(samples: samples, labels: labels)
        try browser.navigate(tab, to: running.url)
        try progress(2)

        // Two tabs on the same item: the second one's label of it is refused, and it moves on.
        let second = try browser.openTab(running.url)
        try progress(2, second)
        let both = try shownID()
        XCTAssertEqual(try shownID(second), both)
        try browser.press(tab, key: "1")
        try progress(3)
        try browser.press(second, key: "3")
        try browser.waitFor(second, "document.getElementById('prompt').textContent !== \(HeadlessBrowser.quoted(both))", "the second tab to move on")
        try progress(3, second)

        // The rest by keyboard, the skipped set last.
        for n in 4...6 {
            try browser.press(tab, key: "1")
            try progress(n)
        }
        try browser.waitFor(tab, "!document.getElementById('done').hidden", "the done message")
        running.stop()

        let lines = try labelLines(labels)
        XCTAssertEqual(lines.compactMap { $0["id"] as? Int }.sorted(), Array(0..<6), "each set labelled exactly once")
        XCTAssertEqual(Dictionary(uniqueKeysWithValues: lines.map { ($0["id"] as! Int, $0["best"] as! Int) })[1], 3)
        XCTAssertTrue(lines.allSatisfy { $0["labeller"] as? String == "tester" })
        let records = try PreferenceRecord.read(labels)
        XCTAssertEqual(records.count, 6, "the labels file is a preference file finch rm reads")
        XCTAssertEqual(try Data(contentsOf: samples), samplesBefore, "the samples file is never written")
    }
}
