import XCTest
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import FinchTestSupport

/// `finch label serve` as its own process, killed with SIGKILL part-way: every label it
/// acknowledged is in the file, and a restarted server continues from there.
final class LabelServeProcessTests: XCTestCase {
    private func start(_ arguments: [String]) throws -> Process {
        let process = Process()
        process.executableURL = try finchExecutable()
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        return process
    }

    private func call(_ method: String, _ url: String, body: String? = nil) -> (status: Int, body: [String: Any])? {
        var request = URLRequest(url: URL(string: url)!)
        request.httpMethod = method
        request.httpBody = body.map { Data($0.utf8) }
        request.timeoutInterval = 5
        let done = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var result: (Int, [String: Any])?
        URLSession.shared.dataTask(with: request) { data, response, _ in
            if let http = response as? HTTPURLResponse {
                result = (http.statusCode, (data.flatMap { try? JSONSerialization.jsonObject(with: $0) } as? [String: Any]) ?? [:])
            }
            done.signal()
        }.resume()
        done.wait()
        return result
    }

    /// Polls until the server answers (up to 20 s).
    private func waitUntilServing(_ base: String) throws {
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline {
            if call("GET", base + "api/next?labeller=ann")?.status == 200 { return }
            usleep(100_000)
        }
        throw BrowserError("finch label serve did not start at \(base)")
    }

    func testKilledServerLosesNoAcknowledgedLabelAndRestartContinues() throws {
        _ = try finchExecutable()  // an error, not a skip, when it is missing
        let dir = try makeTemporaryDirectory(for: self)
        let samples = dir.appendingPathComponent("samples.jsonl"), labels = dir.appendingPathComponent("labels.jsonl")
        try LabellingPageTests.writeCandidates(to: samples)
        let port = 20_000 + Int(getpid() % 20_000)
        let base = "http://127.0.0.1:\(port)/"
        let arguments = ["label", "serve", "--samples", samples.path, "--out", labels.path, "--port", String(port)]
        var server = try start(arguments)
        defer { if server.isRunning { kill(server.processIdentifier, SIGKILL) } }
        try waitUntilServing(base)
        for id in 0..<3 {
            let r = call("POST", base + "api/label", body: #"{"labeller": "ann", "id": \#(id), "choice": \#(id % 4)}"#)
            XCTAssertEqual(r?.status, 200, "label \(id)")
        }
        kill(server.processIdentifier, SIGKILL)
        server.waitUntilExit()
        let lines = try String(contentsOf: labels, encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(lines.count, 3, "every acknowledged label is on disk after SIGKILL")

        server = try start(arguments)
        try waitUntilServing(base)
        let next = call("GET", base + "api/next?labeller=ann")
        XCTAssertEqual(next?.body["done"] as? Int, 3)
        XCTAssertEqual((next?.body["item"] as? [String: Any])?["id"] as? Int, 3)
        XCTAssertEqual(call("POST", base + "api/label", body: #"{"labeller": "ann", "id": 1, "choice": 0}"#)?.status, 409)
        kill(server.processIdentifier, SIGTERM)
        server.waitUntilExit()
        XCTAssertEqual(try String(contentsOf: labels, encoding: .utf8).split(separator: "\n").count, 3)
    }
}
