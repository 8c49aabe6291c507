#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// A real headless Chromium (Debian's `chromium-headless-shell`) driven over the DevTools
/// protocol on a pipe (`--remote-debugging-pipe`: commands on the child's fd 3, replies and
/// events on fd 4, each JSON message ended by a NUL byte), so the tests press keys, click and
/// take screenshots as a person's browser would, with no websocket client or driver download.
public final class HeadlessBrowser {
    public static let candidates = ["/usr/bin/chromium-headless-shell", "/usr/lib/chromium/chromium-headless-shell", "/usr/bin/chromium"]
    public static var executable: String? { candidates.first { FileManager.default.isExecutableFile(atPath: $0) } }

    private let pid: pid_t
    private let commands: Int32
    private let replies: Int32
    private var buffer: [UInt8] = []
    private var nextID = 0
    /// Console errors and uncaught exceptions seen so far, from every tab (after `Runtime.enable`).
    public private(set) var pageErrors: [String] = []
    private let profile: URL

    public init() throws {
        guard let executable = Self.executable else { throw BrowserError("no headless Chromium (launch/setup debug installs chromium-headless-shell)") }
        profile = FileManager.default.temporaryDirectory.appendingPathComponent("finch-chromium-\(UUID().uuidString)")
        var toChrome: [Int32] = [0, 0], fromChrome: [Int32] = [0, 0]
        guard pipe(&toChrome) == 0, pipe(&fromChrome) == 0 else { throw BrowserError("pipe failed") }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, toChrome[0], 3)
        posix_spawn_file_actions_adddup2(&actions, fromChrome[1], 4)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        // Nothing else of ours may leak into Chromium's processes: an inherited end of the test
        // runner's output pipe would keep `swift test` waiting for its end after the tests.
        let open = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd"))?.compactMap { Int32($0) } ?? Array(5..<1024)
        for fd in open where fd > 4 { posix_spawn_file_actions_addclose(&actions, fd) }
        // Its own process group, so that closing the browser ends its helper processes too.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP))
        posix_spawnattr_setpgroup(&attributes, 0)
        let args = [executable, "--remote-debugging-pipe", "--no-sandbox", "--disable-gpu", "--no-first-run",
                    "--hide-scrollbars", "--window-size=1100,760", "--user-data-dir=\(profile.path)", "about:blank"]
        var argv: [UnsafeMutablePointer<CChar>?] = args.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var child: pid_t = 0
        let spawned = posix_spawn(&child, executable, &actions, &attributes, &argv, environ)
        close(toChrome[0])
        close(fromChrome[1])
        guard spawned == 0 else { throw BrowserError("cannot start \(executable): error \(spawned)") }
        (pid, commands, replies) = (child, toChrome[1], fromChrome[0])
    }

    deinit {
        kill(-pid, SIGKILL)  // the browser and every helper process it started
        var status: Int32 = 0
        waitpid(pid, &status, 0)
        close(commands)
        close(replies)
        try? FileManager.default.removeItem(at: profile)
    }

    /// Sends one command and waits (up to `timeout` seconds) for its reply, skipping events.
    @discardableResult
    public func send(_ method: String, _ params: [String: Any] = [:], session: String? = nil, timeout: Double = 20) throws -> [String: Any] {
        nextID += 1
        var message: [String: Any] = ["id": nextID, "method": method, "params": params]
        if let session { message["sessionId"] = session }
        var bytes = [UInt8](try JSONSerialization.data(withJSONObject: message))
        bytes.append(0)
        guard bytes.withUnsafeBytes({ write(commands, $0.baseAddress, $0.count) }) == bytes.count else { throw BrowserError("cannot write to Chromium") }
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            let reply = try readMessage(until: deadline)
            record(event: reply)
            guard reply["id"] as? Int == nextID else { continue }
            if let error = reply["error"] { throw BrowserError("\(method): \(error)") }
            return reply["result"] as? [String: Any] ?? [:]
        }
    }

    private func readMessage(until deadline: Date) throws -> [String: Any] {
        while true {
            if let end = buffer.firstIndex(of: 0) {
                let data = Data(buffer[..<end])
                buffer.removeSubrange(...end)
                return (try JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:]
            }
            var descriptor = pollfd(fd: replies, events: Int16(POLLIN), revents: 0)
            let wait = Int32(max(0, deadline.timeIntervalSinceNow) * 1000)
            guard poll(&descriptor, 1, wait) > 0 else { throw BrowserError("no reply from Chromium in time") }
            var chunk = [UInt8](repeating: 0, count: 1 << 16)
            let n = read(replies, &chunk, chunk.count)
            guard n > 0 else { throw BrowserError("Chromium closed the pipe") }
            buffer += chunk[..<n]
        }
    }

    private func record(event: [String: Any]) {
        let params = event["params"] as? [String: Any] ?? [:]
        switch event["method"] as? String {
        case "Runtime.exceptionThrown":
            pageErrors.append("exception: \((params["exceptionDetails"] as? [String: Any])?["text"] ?? params)")
        case "Runtime.consoleAPICalled" where params["type"] as? String == "error":
            pageErrors.append("console.error: \(params["args"] ?? "")")
        case "Log.entryAdded":
            if let entry = params["entry"] as? [String: Any], entry["level"] as? String == "error" { pageErrors.append("log: \(entry["text"] ?? "")") }
        default: break
        }
    }

    /// A new tab attached in flat mode; returns its session id.
    public func openTab(_ url: String) throws -> String {
        let target = try send("Target.createTarget", ["url": "about:blank"])["targetId"] as! String
        let session = try send("Target.attachToTarget", ["targetId": target, "flatten": true])["sessionId"] as! String
        try send("Page.enable", session: session)
        try send("Runtime.enable", session: session)
        try send("Log.enable", session: session)
        try send("Page.navigate", ["url": url], session: session)
        return session
    }

    public func navigate(_ session: String, to url: String) throws { try send("Page.navigate", ["url": url], session: session) }

    /// The value of a JavaScript expression in the tab.
    public func evaluate(_ session: String, _ expression: String) throws -> Any? {
        let result = try send("Runtime.evaluate", ["expression": expression, "returnByValue": true, "awaitPromise": true], session: session)
        return (result["result"] as? [String: Any])?["value"]
    }

    /// Polls `expression` until it is true (up to 15 s); fails with `what`.
    public func waitFor(_ session: String, _ expression: String, _ what: String) throws {
        let deadline = Date().addingTimeInterval(15)
        while Date() < deadline {
            if try evaluate(session, expression) as? Bool == true { return }
            usleep(50_000)
        }
        throw BrowserError("timed out waiting for \(what): \(expression)")
    }

    /// A key press as a keyboard makes it (keyDown with its text, then keyUp).
    public func press(_ session: String, key: String) throws {
        let code = key.unicodeScalars.first!.value
        let isDigit = (48...57).contains(code)
        let virtual = isDigit ? Int(code) : Int(Character(key.uppercased()).asciiValue!)
        let common: [String: Any] = ["key": key, "code": isDigit ? "Digit\(key)" : "Key\(key.uppercased())", "windowsVirtualKeyCode": virtual]
        try send("Input.dispatchKeyEvent", common.merging(["type": "keyDown", "text": key]) { $1 }, session: session)
        try send("Input.dispatchKeyEvent", common.merging(["type": "keyUp"]) { $1 }, session: session)
    }

    /// Moves the mouse to (x, y) of the viewport.
    public func moveMouse(_ session: String, x: Double, y: Double) throws {
        try send("Input.dispatchMouseEvent", ["type": "mouseMoved", "x": x, "y": y], session: session)
    }

    /// A left click at the centre of the element `selector` selects.
    public func click(_ session: String, _ selector: String) throws {
        guard let rect = try evaluate(session, "(() => { const r = document.querySelector(\(Self.quoted(selector))).getBoundingClientRect(); return [r.x + r.width / 2, r.y + r.height / 2]; })()") as? [Double] else {
            throw BrowserError("no element \(selector)")
        }
        for type in ["mouseMoved", "mousePressed", "mouseReleased"] {
            try send("Input.dispatchMouseEvent", ["type": type, "x": rect[0], "y": rect[1], "button": "left", "clickCount": 1], session: session)
        }
    }

    public func screenshot(_ session: String) throws -> Data {
        let base64 = try send("Page.captureScreenshot", ["format": "png"], session: session)["data"] as! String
        return Data(base64Encoded: base64)!
    }

    public static func quoted(_ s: String) -> String {
        String(decoding: try! JSONSerialization.data(withJSONObject: [s]), as: UTF8.self).dropFirst().dropLast().description
    }
}

public struct BrowserError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
