import IPVS

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Where `-R` reads its lines from.
public enum RestoreSource: Sendable {
    /// Read as it goes, in blocks (standard input).
    case descriptor(Int32)
    /// All of it, given.
    case bytes([UInt8])
}

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
    private let source: RestoreSource
    /// Lines handed over at a time: one lock per chunk, not per line.
    private static let chunkSize = 256
    /// Chunks read ahead before the reader waits, bounding the memory held.
    private static let chunksAhead = 8

    init(_ source: RestoreSource) {
        self.source = source
    }

    /// Starts reading, on a thread of its own unless `threaded` is false or no thread
    /// can be had; the lines come out of what it returns, in order.
    func start(threaded: Bool = true) -> Lines {
        if threaded, let queue = HandoffQueue<ParsedLine>(capacity: Self.chunksAhead) {
            let thread = ThreadHandle.start {
                self.readAll { queue.put($0) }
                queue.finish()
            }
            if let thread {
                thread.detach()
                return Lines(queue: queue)
            }
        }
        var chunks: [[ParsedLine]] = []
        readAll { chunks.append($0) }
        return Lines(chunks: chunks)
    }

    /// Reads all of the input, handing over the lines a chunk at a time.
    private func readAll(_ deliver: ([ParsedLine]) -> Void) {
        var chunk: [ParsedLine] = []
        chunk.reserveCapacity(Self.chunkSize)
        func parse(_ input: [UInt8]) {
            var reader = RestoreInput(input)
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
                    deliver(chunk)
                    chunk.removeAll(keepingCapacity: true)
                }
            }
        }
        switch source {
        case .bytes(let input):
            parse(input)
        case .descriptor(let descriptor):
            // Whole lines are parsed as each block arrives: the first requests can go to
            // the kernel before the input has been read to its end, and a large input is
            // never held whole.
            LineBlocks.read(descriptor) { lines, _ in
                if !lines.isEmpty { parse(Array(lines)) }  // the last may lack its newline
            }
        }
        if !chunk.isEmpty { deliver(chunk) }
    }

    /// The lines read so far and those still to come, in input order.
    struct Lines {
        private let queue: HandoffQueue<ParsedLine>?
        private var current: [ParsedLine] = []
        private var index = 0
        private var pending: [[ParsedLine]]

        fileprivate init(queue: HandoffQueue<ParsedLine>) {
            self.queue = queue
            pending = []
        }

        fileprivate init(chunks: [[ParsedLine]]) {
            queue = nil
            pending = chunks
        }

        /// The next line; nil at the end of the input. Waits while the reader is behind.
        mutating func next() -> ParsedLine? {
            while index == current.count {
                if !pending.isEmpty {
                    current = pending.removeFirst()
                    index = 0
                    continue
                }
                guard let queue, let taken = queue.take() else { return nil }
                pending = taken
            }
            index += 1
            return current[index - 1]
        }
    }
}
