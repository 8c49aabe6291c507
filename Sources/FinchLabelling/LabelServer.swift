import FinchModel
import Foundation
import FlyingFox
import FlyingSocks
import FinchData
import FinchEval

/// The labelling page's HTTP server (FlyingFox): the page, its script, and a small JSON API over
/// a `LabelStore`.
///
///     GET  /                      the page            GET /app.js   its script
///     GET  /api/instructions      {"text"}
///     GET  /api/next?labeller=N   {"item": {id, prompt, completions} | null, "done", "total", "mode"}
///     POST /api/label             {"labeller", "id", "choice"}  → 200, or 409 when already labelled
///     POST /api/skip              {"labeller", "id"}
///     POST /api/undo              {"labeller"}                  → the set whose label was removed
///
/// Safe by default: it binds to 127.0.0.1 unless told otherwise; with a token every request must
/// carry it (`X-Finch-Token` header or `token` query item); bodies over `maxBodyBytes` are refused
/// unread (413); anything malformed gets a 4xx and changes nothing.
public final class LabelServer: Sendable {
    public struct Options: Sendable {
        public var host = "127.0.0.1"
        /// 0: any free port (tests).
        public var port: UInt16 = 8080
        public var token: String?
        public var instructions = ""
        public var maxBodyBytes = 16 * 1024

        public init() {}

        public var isLoopback: Bool { host == "127.0.0.1" || host == "::1" || host == "localhost" }
    }

    public let store: LabelStore
    public let options: Options
    private let server: HTTPServer

    public init(store: LabelStore, options: Options) throws {
        self.store = store
        self.options = options
        let address: any SocketAddress = options.host.contains(":")
            ? try sockaddr_in6.inet6(ip6: options.host, port: options.port)
            : try sockaddr_in.inet(ip4: options.host == "localhost" ? "127.0.0.1" : options.host, port: options.port)
        server = HTTPServer(address: address, logger: .disabled)
    }

    /// Serves until the task is cancelled.
    public func run() async throws {
        await server.appendRoute("*") { [self] request in await self.respond(to: request) }
        try await server.run()
    }

    public func waitUntilListening() async throws { try await server.waitUntilListening() }

    /// The port actually bound (useful with port 0).
    public var port: UInt16? {
        get async {
            guard case let .ip4(_, port)? = await server.listeningAddress else {
                if case let .ip6(_, port)? = await server.listeningAddress { return port }
                return nil
            }
            return port
        }
    }

    public func stop() async { await server.stop(timeout: 1) }

    func respond(to request: HTTPRequest) async -> HTTPResponse {
        if let token = options.token {
            let given = request.headers[HTTPHeader("X-Finch-Token")] ?? request.query.first { $0.name == "token" }?.value
            guard given == token else { return Self.json(.unauthorized, ["error": "missing or wrong token"]) }
        }
        if let length = request.bodySequence.count, length > options.maxBodyBytes {
            return Self.json(.payloadTooLarge, ["error": "request body over \(options.maxBodyBytes) bytes"])
        }
        switch (request.method, request.path) {
        case (.GET, "/"): return Self.text(.ok, LabelPage.html, type: "text/html; charset=utf-8")
        case (.GET, "/app.js"): return Self.text(.ok, LabelPage.script, type: "text/javascript; charset=utf-8")
        case (.GET, "/api/instructions"): return Self.json(.ok, ["text": options.instructions])
        case (.GET, "/api/next"):
            guard let labeller = request.query.first(where: { $0.name == "labeller" })?.value else {
                return Self.json(.badRequest, ["error": "missing labeller"])
            }
            return nextResponse(for: labeller)
        case (.POST, "/api/label"), (.POST, "/api/skip"), (.POST, "/api/undo"):
            guard request.bodySequence.count != nil else { return Self.json(.lengthRequired, ["error": "a body with Content-Length is required"]) }
            guard let data = try? await request.bodyData, data.count <= options.maxBodyBytes,
                  let body = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any],
                  let labeller = body["labeller"] as? String else {
                return Self.json(.badRequest, ["error": "expected a JSON object with a labeller"])
            }
            do {
                switch request.path {
                case "/api/label":
                    guard let id = Self.integer(body["id"]), let choice = Self.integer(body["choice"]) else {
                        return Self.json(.badRequest, ["error": "expected integer id and choice"])
                    }
                    try store.label(id: id, choice: choice, labeller: labeller)
                case "/api/skip":
                    guard let id = Self.integer(body["id"]) else { return Self.json(.badRequest, ["error": "expected an integer id"]) }
                    try store.skip(id: id, labeller: labeller)
                default:
                    _ = try store.undo(labeller: labeller)
                }
                return nextResponse(for: labeller)
            } catch let refusal as LabelStore.Refusal {
                switch refusal {
                case .alreadyLabelled, .nothingToUndo: return Self.json(.conflict, ["error": refusal.description])
                case .unknownSet: return Self.json(.notFound, ["error": refusal.description])
                case .choiceOutOfRange, .badLabeller: return Self.json(.badRequest, ["error": refusal.description])
                }
            } catch {
                return Self.json(.internalServerError, ["error": "\(error)"])
            }
        default:
            return Self.json(request.method == .GET || request.method == .POST ? .notFound : .methodNotAllowed, ["error": "no such endpoint"])
        }
    }

    private func nextResponse(for labeller: String) -> HTTPResponse {
        do { try LabelStore.check(labeller) } catch { return Self.json(.badRequest, ["error": "\(error)"]) }
        let progress = store.progress(of: labeller)
        var object: [String: Any] = ["done": progress.done, "total": progress.total, "mode": store.mode.rawValue, "item": NSNull()]
        if let set = store.next(for: labeller) {
            object["item"] = ["id": set.id, "prompt": set.problem.prompt, "completions": set.completions]
        }
        return Self.json(.ok, object)
    }

    static func integer(_ value: Any?) -> Int? { JSONScalars.integer(value) }

    static let securityHeaders: [(String, String)] = [
        ("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'"),
        ("X-Content-Type-Options", "nosniff"), ("Cache-Control", "no-store"), ("Referrer-Policy", "no-referrer"),
    ]

    static func text(_ status: HTTPStatusCode, _ body: String, type: String) -> HTTPResponse {
        var headers = HTTPHeaders()
        headers[HTTPHeader("Content-Type")] = type
        for (name, value) in securityHeaders { headers[HTTPHeader(name)] = value }
        return HTTPResponse(statusCode: status, headers: headers, body: Data(body.utf8))
    }

    static func json(_ status: HTTPStatusCode, _ object: [String: Any]) -> HTTPResponse {
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
        return text(status, String(decoding: data, as: UTF8.self), type: "application/json")
    }
}
