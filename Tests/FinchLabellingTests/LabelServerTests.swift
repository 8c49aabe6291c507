import XCTest
import Foundation
import FlyingFox
import FinchData
import FinchEval
import FinchTestSupport
@testable import FinchLabelling

/// The labelling server's API without a browser: malformed, oversized, unauthorised and
/// out-of-range requests get a 4xx and leave the labels file as it was; pairs mode writes
/// pairwise records; labels read back after a restart; agreement between labellers.
final class LabelServerTests: XCTestCase {
    private var dir: URL!
    private var samples: URL { dir.appendingPathComponent("samples.jsonl") }
    private var labels: URL { dir.appendingPathComponent("labels.jsonl") }

    override func setUpWithError() throws {
        dir = try makeTemporaryDirectory(for: self)
        try LabellingPageTests.writeCandidates(to: samples)
    }

    private func server(mode: LabelStore.Mode = .best, token: String? = nil) throws -> LabelServer {
        var options = LabelServer.Options()
        options.token = token
        options.maxBodyBytes = 256
        return try LabelServer(store: try LabelStore(samples: samples, labels: labels, mode: mode), options: options)
    }

    private func request(_ server: LabelServer, _ method: HTTPMethod, _ path: String, query: [HTTPRequest.QueryItem] = [],
                         body: String = "", headers: [HTTPHeader: String] = [:]) async throws -> (status: Int, json: [String: Any]) {
        let response = await server.respond(to: HTTPRequest(method: method, version: .http11, path: path, query: query,
                                                            headers: headers, body: Data(body.utf8)))
        let data = try await response.bodyData
        return (response.statusCode.code, (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:])
    }

    private var fileContents: String { (try? String(contentsOf: labels, encoding: .utf8)) ?? "" }

    func testBadRequestsGetA4xxAndChangeNothing() async throws {
        let s = try server()
        let good = try await request(s, .POST, "/api/label", body: #"{"labeller": "ann", "id": 0, "choice": 1}"#)
        XCTAssertEqual(good.status, 200)
        let before = fileContents
        let cases: [(String, String, Int)] = [
            ("/api/label", "not json", 400),
            ("/api/label", #"["a list"]"#, 400),
            ("/api/label", #"{"id": 1, "choice": 0}"#, 400),                              // no labeller
            ("/api/label", #"{"labeller": "ann", "id": 1}"#, 400),                      // no choice
            ("/api/label", #"{"labeller": "ann", "id": 1, "choice": 4}"#, 400),         // out of range
            ("/api/label", #"{"labeller": "ann", "id": 1, "choice": true}"#, 400),      // a boolean is not an index
            ("/api/label", #"{"labeller": "ann", "id": 1, "choice": 1.5}"#, 400),
            ("/api/label", #"{"labeller": "", "id": 1, "choice": 0}"#, 400),
            ("/api/label", #"{"labeller": "a\u0000b", "id": 1, "choice": 0}"#, 400),
            ("/api/label", #"{"labeller": "ann", "id": 99, "choice": 0}"#, 404),
            ("/api/label", #"{"labeller": "ann", "id": 0, "choice": 2}"#, 409),         // already labelled
            ("/api/label", #"{"labeller": "ann", "id": 1, "choice": 0, "pad": ""#, 400),
            ("/api/label", #"{"labeller": "ann", "id": 2, "choice": 0, "pad": "\#(String(repeating: "x", count: 400))"}"#, 413),
            ("/api/undo", #"{"labeller": "bob"}"#, 409),                                // nothing to undo
            ("/api/skip", #"{"labeller": "ann", "id": -3}"#, 404),
        ]
        for (path, body, expected) in cases {
            let r = try await request(s, .POST, path, body: body)
            XCTAssertEqual(r.status, expected, "\(path) \(body.prefix(60))")
            XCTAssertNotNil(r.json["error"], "\(path) \(body.prefix(60)) says why")
            XCTAssertEqual(fileContents, before, "\(path) \(body.prefix(60)) changed the labels file")
        }
        for (method, path) in [(HTTPMethod.DELETE, "/api/label"), (.GET, "/api/label"), (.GET, "/nothing"), (.PUT, "/")] {
            let r = try await request(s, method, path)
            XCTAssertTrue((400..<500).contains(r.status), "\(method) \(path): \(r.status)")
        }
        let missingName = try await request(s, .GET, "/api/next")
        XCTAssertEqual(missingName.status, 400)
        XCTAssertEqual(fileContents, before)
    }

    func testTokenIsRequiredOnEveryRequestWhenSet() async throws {
        let s = try server(token: "s3cret")
        for path in ["/", "/app.js", "/api/next"] {
            let r = try await request(s, .GET, path, query: [.init(name: "labeller", value: "ann")])
            XCTAssertEqual(r.status, 401, path)
        }
        let wrong = try await request(s, .POST, "/api/label", body: #"{"labeller": "ann", "id": 0, "choice": 0}"#,
                                      headers: [HTTPHeader("X-Finch-Token"): "guess"])
        XCTAssertEqual(wrong.status, 401)
        XCTAssertEqual(fileContents, "")
        let right = try await request(s, .POST, "/api/label", body: #"{"labeller": "ann", "id": 0, "choice": 0}"#,
                                      headers: [HTTPHeader("X-Finch-Token"): "s3cret"])
        XCTAssertEqual(right.status, 200)
        let byQuery = try await request(s, .GET, "/api/next", query: [.init(name: "labeller", value: "ann"), .init(name: "token", value: "s3cret")])
        XCTAssertEqual(byQuery.status, 200)
        XCTAssertEqual(byQuery.json["done"] as? Int, 1)
    }

    func testPairsModeWritesPairwiseRecordsAndARestartContinues() async throws {
        do {
            let s = try server(mode: .pairs)
            for (id, choice) in [(0, 1), (2, 0)] {
                let r = try await request(s, .POST, "/api/label", body: #"{"labeller": "ann", "id": \#(id), "choice": \#(choice)}"#)
                XCTAssertEqual(r.status, 200)
            }
            let third = try await request(s, .POST, "/api/label", body: #"{"labeller": "ann", "id": 3, "choice": 2}"#)
            XCTAssertEqual(third.status, 400, "a pair has two candidates")
        }
        let records = try PreferenceRecord.read(labels)
        XCTAssertEqual(records.map(\.choice), [.pairwise(chosen: .plain("5 nice"), rejected: .plain("5 ok")),
                                               .pairwise(chosen: .plain("7 ok"), rejected: .plain("7 nice"))])
        // A new server on the same file knows both labels; the other mode refuses the file.
        let restarted = try server(mode: .pairs)
        XCTAssertEqual(restarted.store.progress(of: "ann").done, 2)
        XCTAssertEqual(restarted.store.next(for: "ann")?.id, 1)
        XCTAssertThrowsError(try server(mode: .best)) { XCTAssertTrue("\($0)".contains("labels.jsonl:1"), "\($0)") }
    }

    func testAgreementBetweenLabellers() throws {
        let agreement = LabellerAgreement(labels: [(0, "ann", 1), (0, "bob", 1), (1, "ann", 2), (1, "bob", 0),
                                                   (1, "cy", 2), (2, "ann", 0)])
        // Set 0: ann/bob agree. Set 1: ann/bob no, ann/cy yes, bob/cy no. Set 2: one labeller.
        XCTAssertEqual(agreement.sharedSets, 2)
        XCTAssertEqual(agreement.pairs, 4)
        XCTAssertEqual(agreement.agreeing, 2)
        XCTAssertEqual(agreement.byLabellers["ann & bob"]?.pairs, 2)
        XCTAssertEqual(agreement.byLabellers["ann & bob"]?.agreeing, 1)
        XCTAssertEqual(agreement.byLabellers["bob & cy"]?.agreeing, 0)
    }
}
