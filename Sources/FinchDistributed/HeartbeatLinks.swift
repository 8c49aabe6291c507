import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The watchdog's TCP links: every rank to rank 0, made once at start-up (collectively, over
/// MPI: rank 0 broadcasts the IPv4 addresses of its interfaces and a port it listens on), then
/// read and written without blocking by the watchdog thread alone.
enum HeartbeatLinks {
    struct Link {
        let fd: Int32
        let rank: Int
        var lastHeard = Date()
        var last: Heartbeat?
        var closed = false
        private var pending: [UInt8] = []

        init(fd: Int32, rank: Int) { (self.fd, self.rank) = (fd, rank) }

        mutating func send(_ bytes: [UInt8]) {
            let sent = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL) | Int32(MSG_DONTWAIT)) }
            // A full buffer only means the peer reads slowly (or is stopped): its silence will tell.
            if sent < 0 && errno != EAGAIN && errno != EWOULDBLOCK { close() }
        }

        /// Reads what has arrived; a closed connection ends the watching of this peer.
        mutating func receive() {
            var chunk = [UInt8](repeating: 0, count: 4096)
            while !closed {
                let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
                if n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) { close(); return }
                if n < 0 { return }
                pending += chunk[..<n]
                while pending.count >= Heartbeat.size {
                    if let beat = Heartbeat(pending[..<Heartbeat.size]) { (last, lastHeard) = (beat, Date()) }
                    pending.removeFirst(Heartbeat.size)
                }
            }
        }

        private mutating func close() {
            closed = true
            Glibc.close(fd)
        }
    }

    private struct Endpoint: Codable {
        var addresses: [String]
        var port: UInt16
    }

    /// Waits up to `milliseconds` for heartbeats on the open links and reads them.
    static func poll(_ links: inout [Link], milliseconds: Int32) {
        let open = links.indices.filter { !links[$0].closed }
        var fds = open.map { pollfd(fd: links[$0].fd, events: Int16(POLLIN), revents: 0) }
        guard Glibc.poll(&fds, nfds_t(fds.count), milliseconds) > 0 else { return }
        for (slot, i) in open.enumerated() where fds[slot].revents != 0 { links[i].receive() }
    }

    /// Rank 0: one link per other rank; the others: one link to rank 0. Throws on every rank if
    /// any rank could not connect.
    static func connect(comm: Communicator) throws -> [Link] {
        var links: [Link] = []
        var failure: String?
        if comm.rank == 0 {
            let (listener, port) = try listen(backlog: comm.size)
            defer { Glibc.close(listener) }
            _ = try comm.broadcastValue(Endpoint(addresses: localAddresses(), port: port), root: 0)
            links = accept(on: listener, count: comm.size - 1, seconds: 20)
            let missing = Set(1..<comm.size).subtracting(links.map(\.rank)).sorted()
            if !missing.isEmpty { failure = "rank(s) \(missing) did not connect to rank 0's heartbeat port \(port)" }
        } else {
            let endpoint = try comm.broadcastValue(nil as Endpoint?, root: 0)
            if let fd = endpoint.addresses.lazy.compactMap({ connectTo($0, port: endpoint.port, seconds: 3) }).first {
                let hello = Heartbeat(rank: comm.rank, step: 0, operation: "starting").bytes
                _ = hello.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                links = [Link(fd: fd, rank: 0)]
            } else {
                failure = "rank \(comm.rank) cannot reach rank 0's heartbeat port at \(endpoint.addresses.joined(separator: ", ")), port \(endpoint.port)"
            }
        }
        let ok = try comm.allGather(failure == nil ? 1 : 0)
        guard ok.allSatisfy({ $0 == 1 }) else {
            links.forEach { Glibc.close($0.fd) }
            throw DistributedError(operation: "watchdog", rank: comm.rank,
                                   reason: (failure ?? "ranks \(ok.indices.filter { ok[$0] == 0 }) could not join the watchdog")
                                       + "; let TCP through between the nodes or set distributed.timeout_s: 0")
        }
        return links
    }

    private static func listen(backlog: Int) throws -> (fd: Int32, port: UInt16) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw DistributedError(operation: "watchdog", rank: 0, reason: "socket: \(String(cString: strerror(errno)))") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr = in_addr(s_addr: INADDR_ANY)
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) { s in
                bind(fd, s, length) == 0 && Glibc.listen(fd, Int32(backlog)) == 0 && getsockname(fd, s, &length) == 0
            }
        }
        guard bound else {
            Glibc.close(fd)
            throw DistributedError(operation: "watchdog", rank: 0, reason: "cannot listen for heartbeats: \(String(cString: strerror(errno)))")
        }
        return (fd, UInt16(bigEndian: address.sin_port))
    }

    /// The IPv4 addresses of this host's interfaces, loopback last (it only serves ranks here).
    private static func localAddresses() -> [String] {
        var list: UnsafeMutablePointer<ifaddrs>?
        guard getifaddrs(&list) == 0 else { return ["127.0.0.1"] }
        defer { freeifaddrs(list) }
        var found: [String] = []
        var entry = list
        while let e = entry {
            if let a = e.pointee.ifa_addr, a.pointee.sa_family == sa_family_t(AF_INET) {
                var text = [CChar](repeating: 0, count: Int(INET_ADDRSTRLEN))
                a.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { sin in
                    var raw = sin.pointee.sin_addr
                    _ = inet_ntop(AF_INET, &raw, &text, socklen_t(text.count))
                }
                found.append(String(cString: text))
            }
            entry = e.pointee.ifa_next
        }
        let loopback = found.filter { $0.hasPrefix("127.") }
        return found.filter { !$0.hasPrefix("127.") } + (loopback.isEmpty ? ["127.0.0.1"] : loopback)
    }

    /// Accepts links until `count` ranks have said who they are or `seconds` pass.
    private static func accept(on listener: Int32, count: Int, seconds: Double) -> [Link] {
        var links: [Link] = []
        let deadline = Date().addingTimeInterval(seconds)
        while links.count < count && Date() < deadline {
            var fds = [pollfd(fd: listener, events: Int16(POLLIN), revents: 0)]
            guard Glibc.poll(&fds, 1, 200) > 0 else { continue }
            let fd = Glibc.accept(listener, nil, nil)
            guard fd >= 0 else { continue }
            var hello = [UInt8](repeating: 0, count: Heartbeat.size), got = 0
            var peer = [pollfd(fd: fd, events: Int16(POLLIN), revents: 0)]
            while got < Heartbeat.size && Glibc.poll(&peer, 1, 5000) > 0 {
                let n = hello.withUnsafeMutableBytes { recv(fd, $0.baseAddress! + got, Heartbeat.size - got, 0) }
                if n <= 0 { break }
                got += n
            }
            guard got == Heartbeat.size, let beat = Heartbeat(hello[...]) else { Glibc.close(fd); continue }
            links.append(Link(fd: fd, rank: beat.rank))
        }
        return links
    }

    /// A connected socket, or nil if `address` does not answer within `seconds`.
    private static func connectTo(_ address: String, port: UInt16, seconds: Double) -> Int32? {
        var target = sockaddr_in()
        target.sin_family = sa_family_t(AF_INET)
        target.sin_port = port.bigEndian
        guard inet_pton(AF_INET, address, &target.sin_addr) == 1 else { return nil }
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return nil }
        let flags = fcntl(fd, F_GETFL)
        _ = fcntl(fd, F_SETFL, flags | O_NONBLOCK)
        let started = withUnsafePointer(to: &target) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        if started != 0 {
            var fds = [pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)]
            var error: Int32 = 0, length = socklen_t(MemoryLayout<Int32>.size)
            guard errno == EINPROGRESS, Glibc.poll(&fds, 1, Int32(seconds * 1000)) > 0,
                  getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length) == 0, error == 0 else {
                Glibc.close(fd)
                return nil
            }
        }
        _ = fcntl(fd, F_SETFL, flags)  // the hello is sent blocking; the watchdog reads and writes with MSG_DONTWAIT
        return fd
    }
}
