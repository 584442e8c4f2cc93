import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// One restore line, read.
enum ParsedLine: Sendable {
    case command(AdminCommand)
    case refused(CommandLineError)
}

/// Reads restore input on a thread of its own while the caller sends what is already
/// read: the kernel's work on one batch then overlaps the reading of the next, so a
/// large restore costs little more than the kernel's time. Lines come out in input
/// order; reading is free of side effects, so reading ahead of a line that ends the
/// restore changes nothing.
final class RestoreParser: Sendable {
    private let input: [UInt8]
    private let shared = Mutex(Shared())
    /// Lines handed over at a time: one lock per chunk, not per line.
    private static let chunkSize = 256
    /// Chunks read ahead before the reader pauses, bounding the memory held.
    private static let chunksAhead = 64

    private struct Shared: Sendable {
        var ready: [[ParsedLine]] = []
        var finished = false
    }

    init(_ input: [UInt8]) {
        self.input = input
    }

    /// Starts reading; `lines()` returns what has been read, in order.
    func start() -> Lines {
        var thread = pthread_t()
        let context = Unmanaged.passRetained(self).toOpaque()
        let started = pthread_create(&thread, nil, { context in
            Unmanaged<RestoreParser>.fromOpaque(context!).takeRetainedValue().readAll()
            return nil
        }, context)
        if started == 0 {
            pthread_detach(thread)
        } else {
            // No thread to be had: read everything first, then hand it out.
            Unmanaged<RestoreParser>.fromOpaque(context).release()
            readAll()
        }
        return Lines(parser: self)
    }

    private func readAll() {
        var reader = RestoreInput(input)
        var chunk: [ParsedLine] = []
        chunk.reserveCapacity(Self.chunkSize)
        while reader.nextLine() {
            if let command = reader.canonicalCommand() {
                chunk.append(.command(command))
            } else {
                do {
                    chunk.append(.command(try CommandLineParser.parse(reader.strings)))
                } catch {
                    chunk.append(.refused(error))
                }
            }
            if chunk.count == Self.chunkSize {
                while shared.withLock({ $0.ready.count >= Self.chunksAhead }) { usleep(200) }
                shared.withLock { $0.ready.append(chunk) }
                chunk.removeAll(keepingCapacity: true)
            }
        }
        shared.withLock {
            if !chunk.isEmpty { $0.ready.append(chunk) }
            $0.finished = true
        }
    }

    /// The lines read so far and those still to come, in input order.
    struct Lines {
        let parser: RestoreParser
        private var current: [ParsedLine] = []
        private var index = 0
        private var pending: [[ParsedLine]] = []

        init(parser: RestoreParser) {
            self.parser = parser
        }

        /// The next line; nil at the end of the input. Waits while the reader is behind.
        mutating func next() -> ParsedLine? {
            while index == current.count {
                if !pending.isEmpty {
                    current = pending.removeFirst()
                    index = 0
                    continue
                }
                let (taken, finished) = parser.shared.withLock { shared in
                    defer { shared.ready.removeAll() }
                    return (shared.ready, shared.finished)
                }
                if taken.isEmpty {
                    if finished { return nil }
                    usleep(50)
                }
                pending = taken
            }
            index += 1
            return current[index - 1]
        }
    }
}
